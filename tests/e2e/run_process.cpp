#include "e2e/run_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace baton::test {

namespace {

using Clock = std::chrono::steady_clock;

// Variables that choose a workspace or an identity: a test names them or goes without.
const std::set<std::string> scrubbed = {"BATON_HOME", "BATON_DB", "BATON_AS", "BATON_URL",
                                        "BATON_TOKEN"};

std::vector<std::string> child_environment(const std::map<std::string, std::string>& given) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        if (scrubbed.count(name) || given.count(name)) continue;
        env.push_back(entry);
    }
    for (const auto& [name, value] : given) env.push_back(name + "=" + value);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

void set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void ignore_sigpipe_once() {
    static const bool done = [] {
        signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)done;
}

}  // namespace

std::string baton_binary() { return BATON_BINARY; }
std::string source_dir() { return BATON_SOURCE_DIR; }

std::optional<Child> Child::start(const std::string& program, const RunOptions& options) {
    ignore_sigpipe_once();
    // Everything the child needs is prepared before fork: after it, only async-signal-safe
    // calls until exec.
    std::vector<std::string> argv_strings = {program};
    argv_strings.insert(argv_strings.end(), options.args.begin(), options.args.end());
    std::vector<std::string> env_strings = child_environment(options.env);
    std::vector<char*> argv = pointers(argv_strings);
    std::vector<char*> envp = pointers(env_strings);
    const std::string cwd = options.cwd;
    const bool die_with_parent = options.die_with_parent;
    const pid_t parent = getpid();

    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) return std::nullopt;
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        close(in_pipe[0]);
        close(in_pipe[1]);
        return std::nullopt;
    }
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
        return std::nullopt;
    }
    const pid_t pid = fork();
    if (pid < 0) {
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0],
                       err_pipe[1]}) {
            close(fd);
        }
        return std::nullopt;
    }
    if (pid == 0) {
        // The child: dup2 clears close-on-exec on the three standard descriptors only.
        dup2(in_pipe[0], STDIN_FILENO);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        signal(SIGPIPE, SIG_DFL);  // an ignored signal would survive exec
        if (die_with_parent) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(125);  // the parent died before prctl
        }
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
            const char msg[] = "run_process: chdir failed\n";
            (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
            _exit(126);
        }
        execve(argv[0], argv.data(), envp.data());
        const char msg[] = "run_process: exec failed\n";
        (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    Child child;
    child.pid_ = pid;
    child.in_fd_ = in_pipe[1];
    child.out_fd_ = out_pipe[0];
    child.err_fd_ = err_pipe[0];
    set_nonblocking(child.in_fd_);
    set_nonblocking(child.out_fd_);
    set_nonblocking(child.err_fd_);
    return child;
}

Child::Child(Child&& o) noexcept
    : pid_(o.pid_),
      in_fd_(o.in_fd_),
      out_fd_(o.out_fd_),
      err_fd_(o.err_fd_),
      close_after_pending_(o.close_after_pending_),
      reaped_(o.reaped_),
      pending_in_(std::move(o.pending_in_)),
      out_partial_(std::move(o.out_partial_)),
      lines_(std::move(o.lines_)),
      err_(std::move(o.err_)) {
    o.pid_ = -1;
    o.in_fd_ = o.out_fd_ = o.err_fd_ = -1;
    o.reaped_ = true;
}

Child::~Child() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    close_fd(in_fd_);
    close_fd(out_fd_);
    close_fd(err_fd_);
}

void Child::close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
}

void Child::close_stdin(bool now) {
    if (now) {
        pending_in_.clear();
        close_fd(in_fd_);
    } else {
        close_after_pending_ = true;
        if (pending_in_.empty()) close_fd(in_fd_);
    }
}

bool Child::pump(std::chrono::milliseconds wait) {
    if (in_fd_ >= 0 && pending_in_.empty() && close_after_pending_) close_fd(in_fd_);
    std::vector<pollfd> fds;
    if (in_fd_ >= 0 && !pending_in_.empty()) fds.push_back({in_fd_, POLLOUT, 0});
    if (out_fd_ >= 0) fds.push_back({out_fd_, POLLIN, 0});
    if (err_fd_ >= 0) fds.push_back({err_fd_, POLLIN, 0});
    if (fds.empty()) return false;
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    char buffer[65536];
    for (const auto& p : fds) {
        if (p.revents == 0) continue;
        if (p.fd == in_fd_) {
            const ssize_t n = ::write(in_fd_, pending_in_.data(), pending_in_.size());
            if (n > 0) {
                pending_in_.erase(0, static_cast<std::size_t>(n));
                if (pending_in_.empty() && close_after_pending_) close_fd(in_fd_);
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                // EPIPE: the child is gone or closed its stdin; what is queued is lost.
                pending_in_.clear();
                close_fd(in_fd_);
            }
            continue;
        }
        const ssize_t n = read(p.fd, buffer, sizeof buffer);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) {
            if (p.fd == out_fd_) close_fd(out_fd_);
            else close_fd(err_fd_);
            continue;
        }
        if (p.fd == err_fd_) {
            err_.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        out_partial_.append(buffer, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = out_partial_.find('\n')) != std::string::npos) {
            lines_.push_back(out_partial_.substr(0, nl));
            out_partial_.erase(0, nl + 1);
        }
    }
    return out_fd_ >= 0 || err_fd_ >= 0;
}

std::string Child::take_partial() {
    std::string out;
    out.swap(out_partial_);
    return out;
}

std::vector<std::string> Child::take_lines() {
    std::vector<std::string> out;
    out.swap(lines_);
    return out;
}

void Child::kill(int signal) {
    if (pid_ > 0 && !reaped_) ::kill(pid_, signal);
}

std::optional<int> Child::finish(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    auto left = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    };
    while (left().count() > 0 && pump(std::min(left(), std::chrono::milliseconds(100)))) {
    }
    while (!reaped_) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            reaped_ = true;
            // What is left in the pipes after the last pump belongs to the output too (a
            // descendant still holding them open must not hang the test, hence the limit).
            while (left().count() > 0 &&
                   pump(std::min(left(), std::chrono::milliseconds(100)))) {
            }
            return status;
        }
        if (r < 0 && errno != EINTR) return std::nullopt;
        if (left().count() <= 0) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            reaped_ = true;
            return std::nullopt;
        }
        usleep(2000);
    }
    return std::nullopt;
}

ProcessResult run_process(const std::string& program, const RunOptions& options) {
    ProcessResult result;
    auto child = Child::start(program, options);
    if (!child) {
        ADD_FAILURE() << "could not start " << program << ": " << std::strerror(errno);
        return result;
    }
    child->write(options.stdin_text);
    child->close_stdin();
    const auto status = child->finish(options.timeout);
    for (const auto& line : child->take_lines()) result.out += line + "\n";
    result.out += child->take_partial();
    result.err = child->err();
    if (!status) {
        result.timed_out = true;
        result.term_signal = SIGKILL;
        std::string command = program;
        for (const auto& a : options.args) command += " " + a;
        ADD_FAILURE() << "timed out after " << options.timeout.count()
                      << " ms and was killed: " << command;
        return result;
    }
    if (WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
    if (WIFSIGNALED(*status)) result.term_signal = WTERMSIG(*status);
    return result;
}

ProcessResult run_baton(const RunOptions& options) {
    return run_process(baton_binary(), options);
}

TempDir::TempDir() {
    std::string pattern = "/tmp/baton-e2e-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

}  // namespace baton::test
