// baton events [--unmatched] [--type T]: the stored events, including those that matched
// no playbook (an event is never dropped).
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/format.h"

namespace baton::cli {

namespace {

Result<std::string> run_events(Context& ctx, const Args& args) {
    store::EventFilter f;
    f.type = args.get("--type");
    f.unmatched_only = args.flag("--unmatched");
    f.limit = 1000;
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto events = (*engine)->events(f);
    if (!events) return events.error();
    if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : *events) out.push_back(event_json(e));
        return core::dump_json(out, 2) + "\n";
    }
    if (events->empty()) return std::string("No events.\n");
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : *events) {
        rows.push_back({std::to_string(e.seq), format_rfc3339(e.received_at), e.event.type,
                        e.event.source + "/" + e.event.id, e.event.subject.value_or(""),
                        std::to_string(e.handoffs_created)});
    }
    return table({"SEQ", "RECEIVED", "TYPE", "SOURCE/ID", "SUBJECT", "HANDOFFS"}, rows);
}

}  // namespace

CommandSpec events_command() {
    return {"events",
            "the stored events, including those that matched no playbook",
            {{"--type", OptionKind::value, "only this event type"},
             {"--unmatched", OptionKind::flag,
              "only events that created no handoff and ticked no checklist item"}},
            run_events};
}

}  // namespace baton::cli
