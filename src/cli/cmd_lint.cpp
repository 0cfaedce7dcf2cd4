// baton lint PATH...: validate playbooks and people; errors as file:line:col: message.
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/files.h"
#include "core/limits.h"

namespace baton::cli {

namespace {

Result<std::string> run_lint(Context& ctx, const Args& args) {
    auto files = collect_yaml(args.many("PATH"));
    if (!files) return files.error();
    // Handles are checked against the workspace's people.yaml when no people file is
    // among the paths.
    std::optional<engine::SourceFile> people;
    const std::string people_path = ctx.workspace + "/people.yaml";
    bool given = false;
    for (const auto& f : *files) given = given || engine::is_people_file(f.path);
    if (!given && path_exists(people_path)) {
        auto text = read_file(people_path, limits::yaml_file_bytes_max);
        if (!text) return text.error();
        people = engine::SourceFile{people_path, std::move(text).value()};
    }
    const engine::LintReport report = engine::lint_sources(*files, people ? &*people : nullptr);
    if (!report.errors.empty()) {
        std::string message;
        for (const auto& d : report.errors) message += d.format() + "\n";
        message += std::to_string(report.errors.size()) + " problem" +
                   (report.errors.size() == 1 ? "" : "s") + " found";
        return make_error(ErrorCode::invalid_argument, message);
    }
    if (ctx.json) {
        return core::dump_json({{"ok", true},
                                {"playbooks", report.playbooks},
                                {"people", report.people}}) +
               "\n";
    }
    return "ok: " + std::to_string(report.playbooks) + " playbook" +
           (report.playbooks == 1 ? "" : "s") +
           (report.people ? " and people checked" : " checked (no people file)") + "\n";
}

}  // namespace

CommandSpec lint_command() {
    return {"lint",
            "validate playbooks and people; errors as file:line:col: message",
            {{"PATH", OptionKind::positional_many, "files or directories", true}},
            run_lint};
}

}  // namespace baton::cli
