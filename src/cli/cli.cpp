#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "cli/command.h"
#include "cli/files.h"

namespace baton::cli {

std::optional<std::string> Args::get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.front();
}

std::string Args::get_or(const std::string& name, std::string fallback) const {
    return get(name).value_or(std::move(fallback));
}

bool Args::flag(const std::string& name) const {
    auto it = flags.find(name);
    return it != flags.end() && it->second;
}

std::vector<std::string> Args::many(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
}

Result<engine::Service*> Context::engine() {
    if (!remote()) {
        auto local = local_engine();
        if (!local) return local.error();
        return static_cast<engine::Service*>(*local);
    }
    if (!remote_) {
        if (!open_remote) {
            return make_error(ErrorCode::internal, "this binary has no remote mode", "server");
        }
        const std::string token = env ? env("BATON_TOKEN") : std::string();
        if (token.empty()) {
            return make_error(ErrorCode::forbidden,
                              "remote mode (" + server +
                                  ") needs an API token in BATON_TOKEN (or a file named by "
                                  "BATON_TOKEN_FILE); an admin makes one with `baton token "
                                  "create HANDLE`",
                              "BATON_TOKEN");
        }
        auto opened = open_remote(server, token);
        if (!opened) return opened.error();
        remote_ = std::move(opened).value();
    }
    return remote_.get();
}

Result<engine::Engine*> Context::local_engine(bool create) {
    BATON_ASSERT(!remote());  // the local-only commands are refused in remote mode
    if (!opened_) {
        auto opened = open_engine(db_url, create);
        if (!opened) return opened.error();
        opened_ = std::move(opened).value();
    }
    return opened_->engine.get();
}

Result<core::Actor> Context::actor() {
    // Locally, no --as needs no store: the operator acts.
    if (as.empty() && !remote()) return engine::Engine::local_operator();
    auto e = engine();
    if (!e) return e.error();
    return (*e)->acting_as(as);
}

int exit_code_for(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument:
        case ErrorCode::limit_exceeded: return exit_code::invalid;
        case ErrorCode::not_found: return exit_code::not_found;
        case ErrorCode::conflict: return exit_code::conflict;
        case ErrorCode::forbidden: return exit_code::forbidden;
        case ErrorCode::unavailable:
        case ErrorCode::corrupt: return exit_code::unavailable;
        case ErrorCode::internal: return exit_code::internal;
    }
    return exit_code::internal;
}

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> table = [] {
        std::vector<CommandSpec> t = {init_command(),   serve_command(), lint_command(),
                                      apply_command(),  export_command(), emit_command(),
                                      list_command(),   show_command()};
        for (auto& c : action_commands()) t.push_back(std::move(c));
        for (auto c : {relay_command(), report_command(), events_command(), deliveries_command(),
                       sources_command(),
                       token_command(), passwd_command(), backup_command(), migrate_command(),
                       doctor_command(), version_command()}) {
            t.push_back(std::move(c));
        }
        return t;
    }();
    return table;
}

namespace {

// The CLI11 targets of one subcommand, kept alive while it parses.
struct Bound {
    const CommandSpec* spec = nullptr;
    CLI::App* app = nullptr;
    std::map<std::string, std::vector<std::string>> values;
    std::map<std::string, bool> flags;
    std::map<std::string, CLI::Option*> options;
};

void bind(CLI::App& sub, Bound& b) {
    for (const auto& o : b.spec->options) {
        const std::string name = o.name;
        CLI::Option* opt = nullptr;
        switch (o.kind) {
            case OptionKind::flag: opt = sub.add_flag(name, b.flags[name], o.help); break;
            case OptionKind::positional:
            case OptionKind::value:
            case OptionKind::positional_many:
                opt = sub.add_option(name, b.values[name], o.help);
                // A container option allows extra arguments by default, which would let the
                // first positional swallow the values of the ones after it (check ID ITEM).
                if (o.kind != OptionKind::positional_many) {
                    opt->expected(1)->allow_extra_args(false);
                }
                break;
            case OptionKind::value_repeated:
                // One value an occurrence, any number of occurrences.
                opt = sub.add_option(name, b.values[name], o.help)
                          ->type_size(1)
                          ->expected(1, CLI::detail::expected_max_vector_size)
                          ->allow_extra_args(false);
                break;
        }
        if (o.required) opt->required();
        b.options[name] = opt;
    }
}

std::string first_line(const std::string& text) {
    const auto nl = text.find('\n');
    return nl == std::string::npos ? text : text.substr(0, nl);
}

}  // namespace

Outcome run_cli(const Invocation& inv) {
    Outcome outcome;
    CLI::App app{"baton — name the handoff moment, pick the owner of done, add one visible "
                 "checkpoint.",
                 "baton"};
    app.require_subcommand(1, 1);
    std::string workspace, db, as, server;
    bool json = false;
    app.add_option("--workspace", workspace, "the workspace directory (or BATON_HOME)");
    app.add_option("--db", db, "the database URL, such as sqlite:baton.db (or BATON_DB)");
    app.add_option("--as", as, "act as this person (or BATON_AS)");
    app.add_option("--server", server,
                   "work through a Baton server's API, such as http://127.0.0.1:8080 (or "
                   "BATON_URL), as the person of the token in BATON_TOKEN");
    app.add_flag("--json", json, "print JSON instead of tables");
    std::vector<std::unique_ptr<Bound>> bound;
    for (const auto& spec : commands()) {
        auto b = std::make_unique<Bound>();
        b->spec = &spec;
        b->app = app.add_subcommand(spec.name, spec.summary);
        b->app->fallthrough();
        bind(*b->app, *b);
        bound.push_back(std::move(b));
    }
    std::vector<std::string> reversed(inv.args.rbegin(), inv.args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        outcome.out = app.help();
        for (const auto& b : bound) {
            if (b->app->parsed()) outcome.out = b->app->help();
        }
        return outcome;
    } catch (const CLI::ParseError& e) {
        outcome.exit_code = exit_code::usage;
        // CLI11 says "A subcommand is required" for an unknown command: name it instead.
        std::string message = first_line(e.what());
        if (!inv.args.empty() && inv.args.front().rfind("-", 0) != 0 &&
            std::none_of(commands().begin(), commands().end(), [&](const CommandSpec& c) {
                return inv.args.front() == c.name;
            })) {
            message = "unknown command `" + inv.args.front() + "`";
        }
        // A mistake inside a command points at that command's own help.
        std::string help = "baton --help";
        for (const auto& arg : inv.args) {
            if (std::any_of(commands().begin(), commands().end(),
                            [&](const CommandSpec& c) { return arg == c.name; })) {
                help = "baton " + arg + " --help";
                break;
            }
        }
        outcome.err = "baton: " + message + " (see `" + help + "`)\n";
        return outcome;
    }
    Context ctx;
    // BATON_X, else the contents of the file named by BATON_X_FILE (for secrets kept in
    // files, as container platforms mount them), without its trailing newline.
    std::function<std::string(const char*)> env = [getenv = inv.getenv](const char* name) {
        const char* v = getenv ? getenv(name) : nullptr;
        if (v != nullptr && *v != '\0') return std::string(v);
        const std::string file_var = std::string(name) + "_FILE";
        const char* path = getenv ? getenv(file_var.c_str()) : nullptr;
        if (path == nullptr || *path == '\0') return std::string();
        auto text = read_file(path, 64 * 1024);
        if (!text) return std::string();
        std::string value = std::move(text).value();
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
        return value;
    };
    ctx.workspace = !workspace.empty() ? workspace : env("BATON_HOME");
    if (ctx.workspace.empty()) ctx.workspace = inv.cwd.empty() ? "." : inv.cwd;
    ctx.db_url = !db.empty() ? db : env("BATON_DB");
    ctx.db_explicit = !ctx.db_url.empty();
    if (ctx.db_url.empty()) ctx.db_url = "sqlite:" + ctx.workspace + "/baton.db";
    ctx.as = !as.empty() ? as : env("BATON_AS");
    ctx.server = !server.empty() ? server : env("BATON_URL");
    ctx.json = json;
    ctx.in = inv.in;
    ctx.clock = inv.clock;
    ctx.open_engine = inv.open_engine;
    ctx.open_remote = inv.open_remote;
    ctx.stream = inv.stream;
    ctx.serve = inv.serve;
    ctx.env = env;
    ctx.stdout_is_terminal = inv.stdout_is_terminal;
    for (const auto& b : bound) {
        if (!b->app->parsed()) continue;
        if (b->spec->local_only && ctx.remote()) {
            outcome.exit_code = exit_code::usage;
            outcome.err = std::string("baton: `") + b->spec->name +
                          "` works on a local workspace, not through a server; drop " +
                          (server.empty() ? "BATON_URL from the environment" : "--server") +
                          " (see `baton --help`)\n";
            return outcome;
        }
        // Through a server every command acts as the token's person: --as is refused for
        // reads too (a `--as dana list` was silently the token's person's list).
        if (ctx.remote() && !ctx.as.empty()) {
            auto acting = ctx.actor();
            if (!acting) {
                outcome.exit_code = exit_code_for(acting.error().code);
                outcome.err = "baton: " + acting.error().message + "\n";
                return outcome;
            }
        }
        Args args;
        for (const auto& [name, opt] : b->options) {
            if (opt->count() == 0) continue;
            if (b->flags.count(name)) {
                args.flags[name] = b->flags[name];
            } else {
                args.values[name] = b->values[name];
            }
        }
        auto result = b->spec->run(ctx, args);
        outcome.err = ctx.err;
        if (!result) {
            outcome.exit_code = exit_code_for(result.error().code);
            // A multi-line message is a list of located problems (lint), each line already
            // saying where; a single line gets the program's name.
            const std::string& message = result.error().message;
            outcome.err += (message.find('\n') == std::string::npos ? "baton: " : "") +
                           message + "\n";
            return outcome;
        }
        outcome.out = std::move(result).value();
        outcome.exit_code = ctx.exit_status;
        return outcome;
    }
    outcome.exit_code = exit_code::usage;
    outcome.err = "baton: name a command (see `baton --help`)\n";
    return outcome;
}

}  // namespace baton::cli
