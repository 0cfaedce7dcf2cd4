// baton sources test NAME FILE [--event TYPE] [--id ID]: runs a saved delivery (FILE, or -
// for stdin) through the source's mapping and the playbooks, storing nothing, and says what
// it would do: the events it becomes, the handoffs each would start, the checklist items it
// would tick, or that it is a duplicate.
#include <istream>

#include "cli/command.h"
#include "cli/files.h"
#include "cli/format.h"
#include "core/limits.h"
#include "core/utf8.h"

namespace baton::cli {

namespace {

Result<std::string> read_payload(Context& ctx, const std::string& file) {
    if (file != "-") return read_file(file, limits::event_bytes_max);
    // One byte past the limit is enough to know the input is too big.
    std::string text(limits::event_bytes_max + 1, '\0');
    ctx.in->read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(ctx.in->gcount()));
    if (text.size() > limits::event_bytes_max) {
        return make_error(ErrorCode::limit_exceeded, "stdin holds more than the limit of " +
                                                         std::to_string(limits::event_bytes_max) +
                                                         " bytes");
    }
    return text;
}

std::string would_start_words(const core::Handoff& h) {
    std::string out = "starts handoff \"" + h.title + "\" (playbook " + h.playbook_id + "), ";
    out += h.unowned ? "unowned (it lands with " + h.owner + ")" : "owner " + h.owner;
    if (h.deadlines.accept_by) out += ", accept by " + format_rfc3339(*h.deadlines.accept_by);
    if (h.deadlines.done_by) out += ", done by " + format_rfc3339(*h.deadlines.done_by);
    return out;
}

std::string outcome_words(const engine::DeliveryTest::Outcome& o) {
    const core::Event& e = o.event;
    std::string out = "event " + e.source + "/" + e.id + " (" + e.type;
    if (e.subject) out += ", subject " + *e.subject;
    out += "): ";
    if (o.duplicate) return out + "a duplicate (already stored): it would change nothing\n";
    std::vector<std::string> parts;
    for (const auto& h : o.would_start) parts.push_back(would_start_words(h));
    for (const auto& t : o.would_tick) {
        std::string items;
        for (int n : t.items) items += (items.empty() ? "" : ", ") + std::to_string(n);
        parts.push_back("ticks item" + std::string(t.items.size() == 1 ? " " : "s ") + items +
                        " of handoff " + std::to_string(t.handoff_id) + " (\"" + t.title + "\")");
    }
    if (parts.empty()) return out + "matches no playbook\n";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : "; ") + parts[i];
    return out + "\n";
}

// A template that needs delivery.id or delivery.event: a saved body has no headers, so say
// which option gives it.
Error with_hint(Error e) {
    if (e.message.find("`delivery.id`") != std::string::npos) e.message += "; give it with --id";
    if (e.message.find("`delivery.event`") != std::string::npos) {
        e.message += "; give it with --event";
    }
    return e;
}

Result<std::string> run_sources(Context& ctx, const Args& args) {
    if (*args.get("ACTION") != "test") {
        return make_error(ErrorCode::invalid_argument, "sources takes test NAME FILE", "action");
    }
    const auto name = args.get("NAME");
    const auto file = args.get("FILE");
    if (!name || !file) {
        return make_error(ErrorCode::invalid_argument,
                          "name the source and the saved payload: sources test NAME FILE (- for "
                          "stdin)");
    }
    auto payload = read_payload(ctx, *file);
    if (!payload) return payload.error();
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto test = (*engine)->test_delivery(*name, *payload,
                                         {args.get_or("--id", ""), args.get_or("--event", "")});
    if (!test) return with_hint(test.error());
    const TimePoint now = ctx.clock->now();
    if (ctx.json) return core::dump_json(engine::delivery_test_json(*test, now)) + "\n";
    std::string out;
    for (const auto& outcome : test->events) out += outcome_words(outcome);
    return out + "A dry run: nothing was stored.\n";
}

}  // namespace

CommandSpec sources_command() {
    return {"sources",
            "test NAME FILE: what a saved webhook payload would do, storing nothing",
            {{"ACTION", OptionKind::positional, "test", true},
             {"NAME", OptionKind::positional, "the source's name in sources.yaml"},
             {"FILE", OptionKind::positional, "the saved payload (JSON), or - for stdin"},
             {"--event", OptionKind::value,
              "the delivery's event type (GitHub's X-GitHub-Event header)"},
             {"--id", OptionKind::value, "the delivery id (a webhook-id header)"}},
            run_sources};
}

}  // namespace baton::cli
