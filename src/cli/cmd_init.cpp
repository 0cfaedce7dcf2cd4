// baton init [DIR]: a workspace with the example people and playbooks, applied.
#include "cli/command.h"
#include "cli/examples.h"
#include "cli/files.h"

namespace baton::cli {

namespace {

Result<std::string> run_init(Context& ctx, const Args& args) {
    const std::string dir = args.get_or("DIR", ctx.workspace);
    if (!ctx.db_explicit) ctx.db_url = "sqlite:" + dir + "/baton.db";
    if (path_exists(dir + "/baton.db")) {
        return make_error(ErrorCode::conflict, dir + " is already a workspace (baton.db exists)");
    }
    if (auto st = make_directories(dir); !st) return st.error();
    std::string out;
    int kept = 0;
    for (const auto& f : example_files()) {
        const std::string path = dir + "/" + f.path;
        if (path_exists(path)) {
            ++kept;  // never overwrite what someone wrote
            continue;
        }
        const auto slash = path.find_last_of('/');
        if (auto st = make_directories(path.substr(0, slash)); !st) return st.error();
        if (auto st = write_file(path, f.text); !st) return st.error();
    }
    auto engine = ctx.local_engine(true);
    if (!engine) return engine.error();
    auto sources = collect_yaml({dir});
    if (!sources) return sources.error();
    auto applied = (*engine)->apply(*sources);
    if (!applied) return applied.error();
    out += "Created a Baton workspace in " + dir + " (" + (*engine)->describe_store() + ")\n";
    for (const auto& a : *applied) {
        out += "  applied " + a.path + " as " + a.id + " version " + std::to_string(a.version) +
               "\n";
    }
    if (kept > 0) out += "  kept " + std::to_string(kept) + " existing file(s) as they were\n";
    // Everything a newcomer needs before the board answers them: events, a password to sign
    // in with (none is set: sign-in fails until one is), the server, and a token for the API.
    const std::string b = "  baton --workspace " + dir;
    out += "\nNext:\n" + b + " emit - < " + dir + "/events.jsonl   # the example events\n" +
           b + " list                  # the open handoffs\n" + b +
           " passwd ari              # a password to sign in to the board with\n" + b +
           " serve                   # the board and the API on http://127.0.0.1:8080\n" + b +
           " token create ari        # an API token, printed once\n";
    return out;
}

}  // namespace

CommandSpec init_command() {
    return {"init",
            "create a workspace: database, example playbooks and people",
            {{"DIR", OptionKind::positional, "the workspace directory (default: current)"}},
            run_init,
            /*local_only=*/true};
}

}  // namespace baton::cli
