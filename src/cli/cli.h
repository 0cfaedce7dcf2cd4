// The command line: parses argv against the command table, runs one command and turns its
// result into output and an exit code. Nothing here prints: run_cli returns what main
// prints, so the whole CLI is testable in-process.
#pragma once

#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "engine/engine.h"

namespace baton::cli {

struct Invocation {
    std::vector<std::string> args;  // without the program name
    std::function<const char*(const char*)> getenv;
    std::istream* in = nullptr;
    const engine::Clock* clock = nullptr;
    engine::OpenEngine open_engine;
    OpenRemote open_remote;  // may be empty: then remote mode is refused
    std::string cwd;
    std::function<void(const std::string&)> stream;  // see Context::stream
    std::function<Result<std::string>(Context&, const Args&)> serve;
    bool stdout_is_terminal = false;  // see Context::stdout_is_terminal
};

struct Outcome {
    int exit_code = 0;
    std::string out;
    std::string err;
};

Outcome run_cli(const Invocation& invocation);

}  // namespace baton::cli
