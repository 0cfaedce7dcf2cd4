// baton relay SUBJECT: where the baton is for one subject.
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/format.h"

namespace baton::cli {

namespace {

Result<std::string> run_relay(Context& ctx, const Args& args) {
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto relay = (*engine)->relay(*args.get("SUBJECT"));
    if (!relay) return relay.error();
    const TimePoint now = (*engine)->now();
    if (ctx.json) return core::dump_json(relay_json(*relay, now), 2) + "\n";
    return relay_text(*relay, now);
}

}  // namespace

CommandSpec relay_command() {
    return {"relay",
            "where the baton is for one subject",
            {{"SUBJECT", OptionKind::positional, "the subject, such as Acme Dental", true}},
            run_relay};
}

}  // namespace baton::cli
