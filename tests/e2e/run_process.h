// Running the real baton binary from a test: a child process with chosen arguments,
// environment, working directory and stdin, whose stdout, stderr and exit status are
// captured (run_process), or a long-lived child fed through a stdin pipe whose stdout is
// read line by line (Child, for the kill -9 test). Plus a temporary directory that removes
// itself (TempDir).
//
// Ownership: a Child owns its process and pipe ends; destroying a still-running Child kills
// it (SIGKILL, by its pid) and reaps it. Threading: none of these are thread-safe; each test
// uses its own. The helpers ignore SIGPIPE in the test process, so that writing to a child
// that was killed is an error value rather than the test's death.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace baton::test {

// The baton binary under test, as the build tells it.
std::string baton_binary();
// The source tree (for examples/).
std::string source_dir();

struct RunOptions {
    std::vector<std::string> args;  // without the program name
    // Set in the child's environment. BATON_HOME, BATON_DB, BATON_AS, BATON_URL and
    // BATON_TOKEN are removed from the inherited environment unless given here.
    std::map<std::string, std::string> env;
    std::string cwd;         // empty: the test's own working directory
    std::string stdin_text;  // written to the child's stdin, which is then closed
    // A generous limit: past it the child is killed by its pid and the test fails.
    std::chrono::milliseconds timeout{60'000};
    // Child::start only: the child gets SIGKILL when the thread that started it ends
    // (PR_SET_PDEATHSIG), so that a server outlives no crashed test. Start such children
    // from the test's main thread: the signal follows the starting thread, not the process.
    bool die_with_parent = false;
};

struct ProcessResult {
    int exit_code = -1;     // the exit status, or -1 when killed by a signal
    int term_signal = 0;    // the signal that ended it, or 0
    bool timed_out = false;
    std::string out;
    std::string err;
};

ProcessResult run_process(const std::string& program, const RunOptions& options);

// Runs the baton binary.
ProcessResult run_baton(const RunOptions& options);

// A child with a stdin pipe the test writes at its own pace, and stdout read as lines.
class Child {
public:
    // Starts `program` (options.stdin_text and options.timeout are not used).
    static std::optional<Child> start(const std::string& program, const RunOptions& options);

    Child(Child&& other) noexcept;
    Child& operator=(Child&&) = delete;
    Child(const Child&) = delete;
    ~Child();

    pid_t pid() const { return pid_; }

    // Queues text for the child's stdin; pump() writes it as the pipe takes it.
    void write(const std::string& text) { pending_in_ += text; }
    // Bytes queued but not yet written into the pipe.
    std::size_t pending() const { return pending_in_.size(); }
    // Closes stdin once everything queued is written (or at once with `now`).
    void close_stdin(bool now = false);

    // Waits at most `wait` for the pipes to move, then moves what they can: queued stdin
    // into the pipe, stdout and stderr out of theirs. Returns false once stdout and stderr
    // are both at end of file.
    bool pump(std::chrono::milliseconds wait);
    // The complete stdout lines read so far (without the newline), and forgets them.
    std::vector<std::string> take_lines();
    // What stdout sent after its last newline, and forgets it.
    std::string take_partial();
    const std::string& err() const { return err_; }

    // Sends `signal` to the child's pid.
    void kill(int signal);
    // Reads stdout and stderr to their end (at most `limit`), then reaps the child.
    // Answers the raw wait status, or nullopt if the child did not end in time (it is
    // then killed).
    std::optional<int> finish(std::chrono::milliseconds limit);

private:
    Child() = default;
    void close_fd(int& fd);

    pid_t pid_ = -1;
    int in_fd_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    bool close_after_pending_ = false;
    bool reaped_ = false;
    std::string pending_in_;
    std::string out_partial_;
    std::vector<std::string> lines_;
    std::string err_;
};

// A directory made with mkdtemp under /tmp, removed with everything in it at the end.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    // path() + "/" + name
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Small file helpers for tests.
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

// Shared by the end-to-end suites.

// The exit codes of src/cli/command.h, spelled out here so that a renumbering there fails
// the tests.
constexpr int exit_ok = 0;
constexpr int exit_usage = 2;
constexpr int exit_invalid = 3;
constexpr int exit_not_found = 4;
constexpr int exit_conflict = 5;
constexpr int exit_forbidden = 6;
constexpr int exit_unavailable = 7;

// A process's exit code and output, for failure messages.
inline std::string describe(const ProcessResult& r) {
    return "exit " + std::to_string(r.exit_code) + "\n--- stdout:\n" + r.out +
           "--- stderr:\n" + r.err;
}

inline int count_lines(const std::string& text) {
    int n = 0;
    for (char c : text) n += c == '\n';
    return n;
}

// The lines of a text, without their newlines; a last line without one counts too.
inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0, nl;
    while ((nl = text.find('\n', start)) != std::string::npos) {
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

}  // namespace baton::test
