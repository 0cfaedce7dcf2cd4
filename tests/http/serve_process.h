// Starting the real `baton serve` for the HTTP suites: on 127.0.0.1 with a port the OS
// picks, read back from its first line, and stopped by its pid.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "e2e/run_process.h"

namespace baton::test {

struct Serving {
    Child child;
    unsigned short port = 0;
};

// `baton --workspace WS serve --listen 127.0.0.1:0 ARGS...`, once it says where it listens;
// nullopt (and a test failure saying why) when it does not within 15 s.
inline std::optional<Serving> start_serve(const std::string& ws, std::vector<std::string> args = {},
                                          std::map<std::string, std::string> env = {}) {
    using namespace std::chrono_literals;
    RunOptions o;
    o.args = {"--workspace", ws, "serve", "--listen", "127.0.0.1:0"};
    o.args.insert(o.args.end(), args.begin(), args.end());
    o.env = std::move(env);
    auto child = Child::start(baton_binary(), o);
    if (!child) {
        ADD_FAILURE() << "could not start baton serve";
        return std::nullopt;
    }
    std::string first;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (first.empty() && std::chrono::steady_clock::now() < deadline) {
        if (!child->pump(100ms)) break;
        auto lines = child->take_lines();
        if (!lines.empty()) first = lines.front();
    }
    static const std::regex listening(R"(^Baton is listening on http://127\.0\.0\.1:([0-9]+) .*$)");
    std::smatch m;
    if (!std::regex_match(first, m, listening)) {
        ADD_FAILURE() << "unexpected first line: `" << first << "`; stderr: " << child->err();
        return std::nullopt;
    }
    return Serving{std::move(*child), static_cast<unsigned short>(std::stoi(m[1]))};
}

// SIGTERM by pid: the server must finish and exit 0.
inline void stop_serve(Serving& s) {
    using namespace std::chrono_literals;
    s.child.kill(SIGTERM);
    const auto status = s.child.finish(20s);
    ASSERT_TRUE(status.has_value()) << "baton serve did not stop on SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << s.child.err();
}

}  // namespace baton::test
