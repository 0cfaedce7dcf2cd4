// baton backup FILE: a consistent copy of the whole store, safe while Baton runs.
#include "cli/command.h"

namespace baton::cli {

namespace {

Result<std::string> run_backup(Context& ctx, const Args& args) {
    const std::string file = *args.get("FILE");
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    if (auto st = (*engine)->backup(file); !st) return st.error();
    return "backed up " + (*engine)->describe_store() + " to " + file + "\n";
}

}  // namespace

CommandSpec backup_command() {
    return {"backup",
            "copy the whole store into FILE (which must not exist); on the server's machine",
            {{"FILE", OptionKind::positional, "the backup file", true}},
            run_backup};
}

}  // namespace baton::cli
