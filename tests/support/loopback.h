// Real servers on loopback for the tests, started on ports the OS chooses and stopped by
// their PIDs when they go out of scope: an HTTP receiver (tests/support/receiver.py) that
// records every request and answers as the path tells it, and aiosmtpd, a real SMTP server,
// whose Maildir is read back with Python's email package (tests/support/read_maildir.py).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "e2e/run_process.h"

namespace baton::test {

using namespace std::chrono_literals;

inline const std::string& python3() {
    static const std::string path = BATON_PYTHON3;
    return path;
}
inline std::string support_dir() { return std::string(BATON_SOURCE_DIR) + "/tests/support/"; }

inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    ::close(fd);
    return ntohs(address.sin_port);
}

inline bool accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// The receiver, started once for the suite.
class Receiver {
  public:
    Receiver() {
        log_ = dir_ / "requests.jsonl";
        RunOptions options;
        options.args = {support_dir() + "receiver.py", log_};
        options.die_with_parent = true;
        if (auto started = Child::start(python3(), options)) {
            child_.emplace(std::move(*started));
        } else {
            return;
        }
        const auto limit = std::chrono::steady_clock::now() + 30s;
        while (port_ == 0 && std::chrono::steady_clock::now() < limit && child_->pump(100ms)) {
            for (const auto& line : child_->take_lines()) port_ = std::atoi(line.c_str());
        }
    }
    int port() const { return port_; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    // Every request recorded whose path starts with `prefix`, in arrival order.
    std::vector<nlohmann::json> requests(const std::string& prefix) const {
        std::vector<nlohmann::json> out;
        for (const auto& line : split_lines(read_text(log_))) {
            nlohmann::json r = nlohmann::json::parse(line, nullptr, false);
            if (!r.is_discarded() && r["path"].get<std::string>().rfind(prefix, 0) == 0) {
                out.push_back(r);
            }
        }
        return out;
    }
    std::string error() const { return child_ ? child_->err() : "could not start"; }

  private:
    TempDir dir_;
    std::string log_;
    std::optional<Child> child_;
    int port_ = 0;
};

class SmtpServer {
  public:
    SmtpServer() {
        port_ = free_port();
        RunOptions options;
        options.args = {"-m",
                        "aiosmtpd",
                        "-n",
                        "-l",
                        "127.0.0.1:" + std::to_string(port_),
                        "-c",
                        "aiosmtpd.handlers.Mailbox",
                        maildir()};
        options.die_with_parent = true;
        if (auto started = Child::start(python3(), options)) {
            child_.emplace(std::move(*started));
        }
        const auto limit = std::chrono::steady_clock::now() + 30s;
        while (child_ && !accepts(port_) && std::chrono::steady_clock::now() < limit) {
            child_->pump(100ms);
        }
        ready_ = child_ && accepts(port_);
    }
    bool ready() const { return ready_; }
    std::string error() const { return child_ ? child_->err() : "could not start"; }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    std::string maildir() const { return dir_ / "mail"; }
    // The received messages as a mail client reads them.
    nlohmann::json messages() const {
        RunOptions options;
        options.args = {support_dir() + "read_maildir.py", maildir()};
        const auto r = run_process(python3(), options);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return nlohmann::json::parse(r.out, nullptr, false);
    }

  private:
    TempDir dir_;
    int port_ = 0;
    std::optional<Child> child_;
    bool ready_ = false;
};


}  // namespace baton::test
