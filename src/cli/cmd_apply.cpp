// baton apply PATH...: lint, then store each file as a new version (all or nothing; through a
// server, linted together and then stored file by file, since the API takes one a request).
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/files.h"
#include "cli/format.h"

namespace baton::cli {

namespace {

Result<std::string> run_apply(Context& ctx, const Args& args) {
    auto files = collect_yaml(args.many("PATH"));
    if (!files) return files.error();
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto applied = (*engine)->apply(*files);
    if (!applied) return with_problem_count(applied.error());
    if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& a : *applied) {
            out.push_back({{"path", a.path}, {"id", a.id}, {"version", a.version},
                           {"changed", a.changed}});
        }
        return core::dump_json(out) + "\n";
    }
    std::string out;
    for (const auto& a : *applied) {
        out += a.id + " version " + std::to_string(a.version) +
               (a.changed ? " (stored)" : " (unchanged)") + "  " + a.path + "\n";
    }
    return out;
}

}  // namespace

CommandSpec apply_command() {
    return {"apply",
            "lint YAML and store it as a new version (with --server: linted together, then "
            "stored file by file)",
            {{"PATH", OptionKind::positional_many, "files or directories", true}},
            run_apply};
}

}  // namespace baton::cli
