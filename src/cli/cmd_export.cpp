// baton export DIR: the current versions back as YAML files.
#include "cli/command.h"
#include "cli/files.h"

namespace baton::cli {

namespace {

Result<std::string> run_export(Context& ctx, const Args& args) {
    const std::string dir = *args.get("DIR");
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto sources = (*engine)->current_sources();
    if (!sources) return sources.error();
    if (sources->empty()) return make_error(ErrorCode::not_found, "nothing to export yet");
    if (ctx.remote()) {
        ctx.err += "baton: note: sources.yaml and channels.yaml are not exported through a "
                   "server: their secrets never leave it\n";
    }
    std::string out;
    for (const auto& s : *sources) {
        const std::string path = dir + "/" + s.path;
        if (auto st = make_directories(path.substr(0, path.find_last_of('/'))); !st) {
            return st.error();
        }
        if (auto st = write_file(path, s.text); !st) return st.error();
        out += "wrote " + path + "\n";
    }
    return out;
}

}  // namespace

CommandSpec export_command() {
    return {"export",
            "write the current playbooks, people, sources, channels and templates back as "
            "files (with --server: not sources or channels, whose secrets stay on the server)",
            {{"DIR", OptionKind::positional, "the directory to write into", true}},
            run_export};
}

}  // namespace baton::cli
