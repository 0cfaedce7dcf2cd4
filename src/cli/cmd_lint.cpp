// baton lint PATH...: validate playbooks and people; errors as file:line:col: message.
#include "cli/command.h"
#include "cli/files.h"
#include "cli/format.h"
#include "core/limits.h"
#include "core/utf8.h"

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
        for (const auto& d : report.errors) message += (message.empty() ? "" : "\n") + d.format();
        return with_problem_count(make_error(ErrorCode::invalid_argument, message),
                                  report.errors.size());
    }
    if (ctx.json) {
        return core::dump_json({{"ok", true},
                                {"playbooks", report.playbooks},
                                {"people", report.people},
                                {"sources", report.sources},
                                {"channels", report.channels},
                                {"templates", report.templates}}) +
               "\n";
    }
    // What was read, every kind of file named: the line must not claim less or more.
    const auto count = [](int n, const char* one, const char* many) {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    };
    std::vector<std::string> checked{count(report.playbooks, "playbook", "playbooks")};
    if (report.people) checked.push_back("people.yaml");
    if (report.sources > 0) checked.push_back("sources.yaml");
    if (report.channels > 0) checked.push_back("channels.yaml");
    if (report.templates > 0) checked.push_back(count(report.templates, "template", "templates"));
    std::string line = "ok: ";
    for (std::size_t i = 0; i < checked.size(); ++i) {
        if (i > 0) line += i + 1 == checked.size() ? " and " : ", ";
        line += checked[i];
    }
    line += " checked";
    if (!report.people) line += " (no people file: owners and teams not checked)";
    return line + "\n";
}

}  // namespace

CommandSpec lint_command() {
    return {"lint",
            "validate playbooks and people; errors as file:line:col: message",
            {{"PATH", OptionKind::positional_many, "files or directories", true}},
            run_lint};
}

}  // namespace baton::cli
