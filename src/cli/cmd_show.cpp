// baton show ID: the handoff with its checklist and timeline.
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/format.h"
#include "cli/handoff_id.h"

namespace baton::cli {

namespace {

Result<std::string> run_show(Context& ctx, const Args& args) {
    auto id = parse_handoff_id(*args.get("ID"));
    if (!id) return id.error();
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto h = (*engine)->show(*id);
    if (!h) return h.error();
    const TimePoint now = (*engine)->now();
    if (ctx.json) return core::dump_json(handoff_json(*h, now, true), 2) + "\n";
    return handoff_card_text(*h, now);
}

}  // namespace

CommandSpec show_command() {
    return {"show",
            "a handoff with its checklist and timeline",
            {{"ID", OptionKind::positional, "the handoff id", true}},
            run_show};
}

}  // namespace baton::cli
