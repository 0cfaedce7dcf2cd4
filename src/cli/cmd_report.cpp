// baton report [--since 30d] [--by playbook|owner|giver|edge]: where do handoffs leak?
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/format.h"
#include "core/duration.h"

namespace baton::cli {

namespace {

Result<std::string> run_report(Context& ctx, const Args& args) {
    const std::string since_text = args.get_or("--since", "30d");
    auto since = core::parse_span(since_text);
    if (!since) {
        return make_error(ErrorCode::invalid_argument,
                          "--since: " + since.error().message, "since");
    }
    const std::string by = args.get_or("--by", "playbook");
    const auto report_by = core::parse_report_by(by);
    if (!report_by) {
        return make_error(ErrorCode::invalid_argument,
                          "--by must be playbook, owner, giver or edge", "by");
    }
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto rows = (*engine)->report(std::chrono::duration_cast<Milliseconds>(since->total_24x7()),
                                  *report_by);
    if (!rows) return rows.error();
    if (ctx.json) {
        return core::dump_json(
                   {{"since", since_text}, {"by", by}, {"rows", report_json(*rows)}}, 2) +
               "\n";
    }
    return "Handoffs started in the last " + since_text + ", by " + by + ":\n" +
           report_text(*rows, by);
}

}  // namespace

CommandSpec report_command() {
    return {
        "report",
        "where handoffs leak: time to accept and to done, overdue, silent delay",
        {{"--since", OptionKind::value, "how far back, such as 30d (default) or 1w"},
         {"--by", OptionKind::value, "playbook (default), owner, giver, or edge (giver → owner)"}},
        run_report};
}

}  // namespace baton::cli
