// PgCluster: a throw-away PostgreSQL server for tests, started from Debian's binaries
// (/usr/lib/postgresql/<major>/bin, or BATON_PG_BIN) in a fresh directory under /tmp, on a
// free loopback port, with its socket in that directory; stopped by PID and removed when
// the object goes. One per test process (shared_pg_cluster()); each test takes a fresh
// database from it (create_database()).
//
// PostgreSQL refuses to run as root, so as root the server runs as the system user
// `baton-test` (created with useradd when missing), which owns the data directory. The
// data directory is copied from a template that initdb made once per machine
// (/tmp/baton-pg-template-<major>-<user>, built under a file lock and renamed into place),
// because initdb costs seconds and CTest runs each test in its own process.
//
// The server trusts nothing on TCP: the `baton` superuser signs in with a password
// (scram-sha-256), so the store's URLs carry one, as in production.
//
// Not thread-safe; a test uses it from its main thread. Uses libpq for the admin
// connection, which tests may (only src/ is confined).
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace baton::testing {

namespace pg_detail {

namespace fs = std::filesystem;

inline constexpr const char* server_user = "baton-test";  // used only when running as root
inline constexpr const char* superuser = "baton";
inline constexpr const char* password = "baton-test-secret";

struct Account {
    bool switch_user = false;  // true when running as root
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
};

// The highest-numbered /usr/lib/postgresql/*/bin holding initdb and postgres.
inline std::string find_bin_dir() {
    if (const char* env = std::getenv("BATON_PG_BIN"); env != nullptr && *env != '\0') return env;
    std::string best;
    int best_major = -1;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const fs::path bin = entry.path() / "bin";
        if (!fs::exists(bin / "initdb", ec) || !fs::exists(bin / "postgres", ec)) continue;
        const int major = std::atoi(entry.path().filename().c_str());
        if (major > best_major) {
            best_major = major;
            best = bin.string();
        }
    }
    return best;
}

// Runs argv as `account` with stdout and stderr appended to `log`; answers the child's PID,
// or -1. The child dies with SIGQUIT (PostgreSQL's immediate shutdown) if this process
// dies first, so a crashed test leaves no server behind. Between fork and exec the child
// only makes async-signal-safe calls.
inline pid_t spawn(const std::vector<std::string>& argv, const Account& account,
                   const std::string& log) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0) return -1;
    if (account.switch_user && ::fchown(out, account.uid, account.gid) != 0) {
        ::close(out);
        return -1;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (account.switch_user) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(account.gid) != 0 ||
                ::setuid(account.uid) != 0) {
                ::_exit(126);
            }
        }
        // After setuid: a credentials change clears the parent-death signal.
        ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
        if (::getppid() != parent) ::_exit(125);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
        const int null_in = ::open("/dev/null", O_RDONLY);
        if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out);
    return pid;
}

// Waits up to `timeout` for the child to exit; its exit status, or nullopt on timeout.
inline std::optional<int> wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (done < 0) return -1;
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs a command to completion; empty on success, else what went wrong with its log.
inline std::string run(const std::vector<std::string>& argv, const Account& account,
                       const std::string& log, std::chrono::seconds timeout) {
    const pid_t pid = spawn(argv, account, log);
    if (pid < 0) return "cannot start " + argv[0] + ": " + std::strerror(errno);
    const auto status = wait_for_exit(pid, timeout);
    if (!status) {
        ::kill(pid, SIGKILL);
        wait_for_exit(pid, std::chrono::seconds(5));
        return argv[0] + " took longer than " + std::to_string(timeout.count()) + " s";
    }
    if (*status != 0) {
        return argv[0] + " exited with " + std::to_string(*status) + ": " + read_file(log);
    }
    return {};
}

// The account the server runs as: ourselves, or baton-test when we are root.
inline std::string account_for_server(Account& account) {
    if (::geteuid() != 0) {
        account.switch_user = false;
        account.uid = ::geteuid();
        account.gid = ::getegid();
        const passwd* me = ::getpwuid(account.uid);
        account.name = me != nullptr ? me->pw_name : std::to_string(account.uid);
        return {};
    }
    if (::getpwnam(server_user) == nullptr) {
        const Account self{};
        const std::string error =
            run({"/usr/sbin/useradd", "--system", "--no-create-home", "--shell",
                 "/usr/sbin/nologin", server_user},
                self, "/dev/null", std::chrono::seconds(30));
        if (!error.empty() && ::getpwnam(server_user) == nullptr) {
            return "running as root, and cannot create the user " + std::string(server_user) +
                   " for the server: " + error;
        }
    }
    const passwd* user = ::getpwnam(server_user);
    if (user == nullptr) return "no user " + std::string(server_user);
    account.switch_user = true;
    account.uid = user->pw_uid;
    account.gid = user->pw_gid;
    account.name = server_user;
    return {};
}

inline std::string make_dir_for(const std::string& path, const Account& account) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return "cannot create " + path + ": " + ec.message();
    ::chmod(path.c_str(), 0700);
    if (account.switch_user && ::chown(path.c_str(), account.uid, account.gid) != 0) {
        return "cannot chown " + path + ": " + std::strerror(errno);
    }
    return {};
}

// The template data directory, made by initdb once per machine and account. Built under an
// exclusive file lock in a scratch directory and renamed into place, so a concurrent test
// process waits, and a crash midway leaves no half-made template behind.
inline std::string ensure_template(const std::string& bin, const Account& account,
                                   std::string& data_dir) {
    const std::string major = fs::path(bin).parent_path().filename().string();
    const std::string root = "/tmp/baton-pg-template-" + major + "-" + account.name;
    data_dir = root + "/data";
    const std::string lock_path = root + ".lock";
    const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0) return "cannot open " + lock_path + ": " + std::strerror(errno);
    ::flock(lock, LOCK_EX);
    std::string error;
    std::error_code ec;
    if (!fs::exists(data_dir + "/PG_VERSION", ec)) {
        const std::string scratch = root + ".tmp-" + std::to_string(::getpid());
        fs::remove_all(scratch, ec);
        error = make_dir_for(scratch, account);
        const std::string pwfile = scratch + "/pwfile";
        if (error.empty()) {
            std::ofstream(pwfile) << password << "\n";
            if (account.switch_user) (void)::chown(pwfile.c_str(), account.uid, account.gid);
            error = run({bin + "/initdb", "-D", scratch + "/data", "-U", superuser,
                         "--pwfile=" + pwfile, "--auth-local=trust",
                         "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
                         "--no-instructions"},
                        account, scratch + "/initdb.log", std::chrono::seconds(120));
        }
        if (error.empty()) {
            fs::remove_all(root, ec);
            fs::rename(scratch, root, ec);
            if (ec) error = "cannot rename " + scratch + " to " + root + ": " + ec.message();
        }
        if (!error.empty()) fs::remove_all(scratch, ec);
    }
    ::flock(lock, LOCK_UN);
    ::close(lock);
    return error;
}

// A port no one listens on now (the OS's choice); PostgreSQL cannot take port 0 itself, so
// a start that loses the race to another process is retried with a new port.
inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

}  // namespace pg_detail

class PgCluster {
public:
    // Starts a server, or answers nullptr with `why` saying what is missing or failed.
    static std::unique_ptr<PgCluster> start(std::string& why) {
        namespace d = pg_detail;
        const std::string bin = d::find_bin_dir();
        if (bin.empty()) {
            why = "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (install "
                  "Debian's postgresql, or set BATON_PG_BIN)";
            return nullptr;
        }
        auto cluster = std::unique_ptr<PgCluster>(new PgCluster());
        if (why = d::account_for_server(cluster->account_); !why.empty()) return nullptr;
        std::string pattern = "/tmp/baton-pg-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            why = std::string("mkdtemp: ") + std::strerror(errno);
            return nullptr;
        }
        cluster->root_ = pattern;
        if (why = d::make_dir_for(cluster->root_, cluster->account_); !why.empty()) return nullptr;
        std::string template_dir;
        if (why = d::ensure_template(bin, cluster->account_, template_dir); !why.empty()) {
            return nullptr;
        }
        const std::string data = cluster->root_ + "/data";
        why = d::run({"/bin/cp", "-a", template_dir, data}, cluster->account_,
                     cluster->root_ + "/cp.log", std::chrono::seconds(60));
        if (!why.empty()) return nullptr;
        if (why = d::make_dir_for(cluster->root_ + "/socket", cluster->account_); !why.empty()) {
            return nullptr;
        }
        for (int attempt = 0; attempt < 5; ++attempt) {
            why = cluster->start_server(bin, data);
            if (why.empty()) return cluster;
        }
        return nullptr;
    }

    ~PgCluster() {
        stop();
        std::error_code ec;
        if (!root_.empty()) std::filesystem::remove_all(root_, ec);
    }
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    int port() const { return port_; }
    pid_t pid() const { return pid_; }

    // The URL a store opens: postgres://baton:PASSWORD@127.0.0.1:PORT/DB.
    std::string url(const std::string& db) const {
        return "postgres://" + std::string(pg_detail::superuser) + ":" + pg_detail::password +
               "@127.0.0.1:" + std::to_string(port_) + "/" + db;
    }
    std::string password() const { return pg_detail::password; }

    // A new, empty database, named baton_test_N; empty string on failure (with `why`).
    std::string create_database(std::string& why) {
        const std::string name = "baton_test_" + std::to_string(++databases_);
        why = exec("postgres", "CREATE DATABASE " + name);
        return why.empty() ? name : std::string();
    }

    // Runs SQL as the superuser on its own connection; empty on success, else the error.
    std::string exec(const std::string& db, const std::string& sql) const {
        PGconn* conn = PQconnectdb(conninfo(db).c_str());
        std::string error;
        if (PQstatus(conn) != CONNECTION_OK) {
            error = PQerrorMessage(conn);
        } else {
            PGresult* r = PQexec(conn, sql.c_str());
            const auto status = PQresultStatus(r);
            if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
                error = PQresultErrorMessage(r);
                if (error.empty()) error = "failed";
            }
            PQclear(r);
        }
        PQfinish(conn);
        return error;
    }

    // The first column of the first row, or "<error: ...>" / "<none>".
    std::string scalar(const std::string& db, const std::string& sql) const {
        PGconn* conn = PQconnectdb(conninfo(db).c_str());
        std::string out;
        if (PQstatus(conn) != CONNECTION_OK) {
            out = "<error: " + std::string(PQerrorMessage(conn)) + ">";
        } else {
            PGresult* r = PQexec(conn, sql.c_str());
            if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                out = "<error: " + std::string(PQresultErrorMessage(r)) + ">";
            } else if (PQntuples(r) == 0) {
                out = "<none>";
            } else {
                out = PQgetisnull(r, 0, 0) ? "<null>" : PQgetvalue(r, 0, 0);
            }
            PQclear(r);
        }
        PQfinish(conn);
        return out;
    }

    std::string conninfo(const std::string& db) const {
        return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" +
               pg_detail::superuser + " password=" + pg_detail::password + " dbname=" + db +
               " connect_timeout=10";
    }

private:
    PgCluster() = default;

    std::string start_server(const std::string& bin, const std::string& data) {
        namespace d = pg_detail;
        port_ = d::free_port();
        if (port_ <= 0) return "no free loopback port";
        const std::string log = root_ + "/postgres.log";
        // fsync off: a throw-away cluster need not survive a power cut, and the machine is
        // shared. max_connections leaves room for several stores and the admin connection.
        pid_ = d::spawn({bin + "/postgres", "-D", data, "-p", std::to_string(port_), "-k",
                         root_ + "/socket", "-c", "listen_addresses=127.0.0.1", "-c",
                         "fsync=off", "-c", "full_page_writes=off", "-c",
                         "synchronous_commit=off", "-c", "max_connections=60", "-c",
                         "shared_buffers=16MB", "-c", "logging_collector=off"},
                        account_, log);
        if (pid_ < 0) return std::string("cannot start postgres: ") + std::strerror(errno);
        const std::string ping = conninfo("postgres");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            if (auto status = d::wait_for_exit(pid_, std::chrono::milliseconds(0))) {
                pid_ = -1;
                return "postgres exited with " + std::to_string(*status) + ": " +
                       d::read_file(log);
            }
            if (PQping(ping.c_str()) == PQPING_OK) return {};
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        stop();
        return "postgres did not accept connections within 60 s: " + d::read_file(log);
    }

    // SIGINT is PostgreSQL's fast shutdown (roll back open transactions, disconnect, stop);
    // SIGTERM would wait for every client to leave. SIGKILL if it hangs.
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGINT);
        if (!pg_detail::wait_for_exit(pid_, std::chrono::seconds(30))) {
            ::kill(pid_, SIGKILL);
            pg_detail::wait_for_exit(pid_, std::chrono::seconds(10));
        }
        pid_ = -1;
    }

    pg_detail::Account account_;
    std::string root_;
    int port_ = -1;
    pid_t pid_ = -1;
    int databases_ = 0;
};

// The test process's one cluster, started on first use and stopped at exit; nullptr with
// `why` when it cannot be started.
inline PgCluster* shared_pg_cluster(std::string& why) {
    static std::string failure;
    static std::unique_ptr<PgCluster> cluster = PgCluster::start(failure);
    why = failure;
    return cluster.get();
}

}  // namespace baton::testing
