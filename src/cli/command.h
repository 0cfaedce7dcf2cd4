// The CLI's command table: each command declares its name, summary and options as data and
// a run function that returns its output (STYLE.md rule 13: commands return their output,
// main prints it). Only cli.cpp turns these declarations into a CLI11 parser, so the heavy
// CLI11 header is compiled once.
#pragma once

#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/engine.h"
#include "engine/service.h"

namespace baton::cli {

enum class OptionKind {
    positional,       // one value, by position (ID, TYPE)
    positional_many,  // the remaining values (PATH...)
    value,            // --name VALUE
    value_repeated,   // --name VALUE, as many times as wanted (Args::many has them all)
    flag,             // --name
};

struct OptionSpec {
    const char* name;  // "ID", "PATH", "--state"
    OptionKind kind;
    const char* help;
    bool required = false;
};

// The parsed arguments of one command.
class Args {
public:
    std::optional<std::string> get(const std::string& name) const;
    std::string get_or(const std::string& name, std::string fallback) const;
    bool flag(const std::string& name) const;
    std::vector<std::string> many(const std::string& name) const;

    std::map<std::string, std::vector<std::string>> values;
    std::map<std::string, bool> flags;
};

// Builds the service of remote mode: a Baton server at `url`, used with the API token
// `token` (supplied by the application, which alone joins the CLI and the HTTP client).
using OpenRemote = std::function<Result<std::unique_ptr<engine::Service>>(
    const std::string& url, const std::string& token)>;

// What every command may use. Global options are resolved before a command runs.
struct Context {
    std::string workspace;  // --workspace, BATON_HOME, or the current directory
    std::string db_url;     // --db, BATON_DB, or sqlite:<workspace>/baton.db
    bool db_explicit = false;  // named by --db or BATON_DB rather than derived
    bool json = false;      // --json
    std::string as;         // --as, BATON_AS; empty: the local operator
    std::string server;     // --server, BATON_URL; empty: local mode on the workspace
    std::istream* in = nullptr;
    const engine::Clock* clock = nullptr;
    engine::OpenEngine open_engine;
    OpenRemote open_remote;
    std::string err;        // warnings a command wants on stderr besides its output
    // Whether stdout is a person's terminal: a value captured by a script
    // (`TOKEN=$(baton token create kim)`) gets the value alone, its words go to stderr.
    bool stdout_is_terminal = false;
    // Output that must reach stdout as it happens (a long stream), flushed line by line;
    // may be empty, and then such lines are dropped.
    std::function<void(const std::string&)> stream;
    // Runs the HTTP server until SIGTERM (provided by the application).
    std::function<Result<std::string>(Context&, const Args&)> serve;
    // A command that succeeds but must still exit non-zero (doctor's findings) sets this.
    int exit_status = 0;
    // Reads an environment variable (empty when unset).
    std::function<std::string(const char*)> env;

    bool remote() const { return !server.empty(); }
    // What the commands work through, opened on first use: with a server (remote mode), the
    // API as the person of BATON_TOKEN (a missing token is forbidden); else the engine on the
    // workspace's store.
    Result<engine::Service*> engine();
    // The engine on the workspace's store itself, for the commands that only run locally
    // (init, serve). `create` allows creating a missing database (init does; reads do not).
    Result<engine::Engine*> local_engine(bool create = false);
    // The acting person: --as, or the service's own (the local operator, an admin; remotely
    // the token's person, and --as is refused).
    Result<core::Actor> actor();

private:
    std::optional<engine::Opened> opened_;
    std::unique_ptr<engine::Service> remote_;
};

struct CommandSpec {
    const char* name;
    const char* summary;
    std::vector<OptionSpec> options;
    std::function<Result<std::string>(Context&, const Args&)> run;
    // Works on a local workspace only (init, serve): refused as a usage error in remote mode.
    bool local_only = false;
};

// The one table of commands, in the order `baton --help` lists them.
const std::vector<CommandSpec>& commands();

// Exit codes: distinct per kind of failure, documented in docs/cli.md.
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int internal = 1;
inline constexpr int usage = 2;
inline constexpr int invalid = 3;
inline constexpr int not_found = 4;
inline constexpr int conflict = 5;
inline constexpr int forbidden = 6;
inline constexpr int unavailable = 7;
inline constexpr int findings = 8;  // baton doctor found something to fix
}  // namespace exit_code
int exit_code_for(ErrorCode code);

// The command specs, one per file (cmd_*.cpp).
CommandSpec init_command();
CommandSpec lint_command();
CommandSpec apply_command();
CommandSpec export_command();
CommandSpec emit_command();
CommandSpec list_command();
CommandSpec show_command();
std::vector<CommandSpec> action_commands();  // accept, decline, done, cancel, check, ...
CommandSpec relay_command();
CommandSpec report_command();
CommandSpec events_command();
CommandSpec deliveries_command();
CommandSpec sources_command();  // sources test NAME FILE
CommandSpec backup_command();
CommandSpec migrate_command();
CommandSpec version_command();
CommandSpec token_command();
CommandSpec passwd_command();
CommandSpec serve_command();
CommandSpec doctor_command();

// baton doctor's checks (cmd_doctor.cpp): one line per finding, each saying what to do;
// empty when the workspace is clean.
struct DoctorOptions {
    std::string listen = "127.0.0.1:8080";  // where `baton serve` listens
    std::string backups_dir;                // checked only when it exists
    int backup_days = 7;
};
Result<std::vector<std::string>> doctor_findings(Context& ctx, const DoctorOptions& options);

}  // namespace baton::cli
