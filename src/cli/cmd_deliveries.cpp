// baton deliveries [list] [--source S] [--outcome O] [--limit N] | show ID | replay ID: the
// delivery log of POST /hooks — every call a sender made, how it ended and, for a refusal,
// which check failed and why. A refused call can be replayed once its cause is fixed.
#include "cli/command.h"
#include "cli/format.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "engine/json_views.h"

namespace baton::cli {

namespace {

Result<std::int64_t> delivery_id(const Args& args, const std::string& action) {
    auto id = args.get("ID");
    if (!id || id->empty() || id->size() > 18 ||
        id->find_first_not_of("0123456789") != std::string::npos) {
        return make_error(ErrorCode::invalid_argument,
                          "name the delivery: deliveries " + action + " ID", "id");
    }
    return std::stoll(*id);
}

// "refused at mapping ([1].id): the delivery has no …", or "accepted: 1 event, …".
std::string how_it_ended(const store::HookDeliveryRecord& d) {
    std::string out = d.outcome;
    if (!d.stage.empty()) out += " at " + d.stage;
    if (!d.field.empty() && d.field != d.stage) out += " (" + d.field + ")";
    if (!d.message.empty()) out += ": " + d.message;
    return out;
}

std::string replay_note(const store::HookDeliveryRecord& d) {
    if (d.replayed_at) return "replayed by delivery " + std::to_string(d.replayed_by);
    if (d.replay_of != 0) return "replay of delivery " + std::to_string(d.replay_of);
    if (!engine::Engine::replay_refusal(d)) return "replayable";
    return "";
}

Result<std::string> list(Context& ctx, engine::Service& service, const Args& args) {
    store::HookDeliveryFilter f;
    f.with_content = false;
    f.source = args.get("--source");
    f.outcome = args.get("--outcome");
    if (f.outcome && *f.outcome != "accepted" && *f.outcome != "unmatched" &&
        *f.outcome != "duplicate" && *f.outcome != "challenge" && *f.outcome != "refused") {
        return make_error(ErrorCode::invalid_argument,
                          "--outcome must be accepted, unmatched, duplicate, challenge or "
                          "refused, not `" +
                              *f.outcome + "`",
                          "--outcome");
    }
    if (auto limit = args.get("--limit")) {
        if (limit->empty() || limit->size() > 4 ||
            limit->find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(*limit) == 0 || std::stoul(*limit) > limits::hook_deliveries_page_max) {
            return make_error(
                ErrorCode::invalid_argument,
                "--limit must be 1 to " + std::to_string(limits::hook_deliveries_page_max),
                "--limit");
        }
        f.limit = std::stoul(*limit);
    }
    auto page = service.hook_deliveries(f);
    if (!page) return page.error();
    if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& d : *page) out.push_back(engine::hook_delivery_json(d, false));
        return core::dump_json(out, 2) + "\n";
    }
    if (page->empty()) return std::string("No deliveries.\n");
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : *page) {
        rows.push_back({std::to_string(d.id), format_rfc3339(d.received_at), d.source,
                        how_it_ended(d), replay_note(d)});
    }
    return table({"ID", "RECEIVED", "SOURCE", "OUTCOME", "REPLAY"}, rows);
}

std::string shown(const store::HookDeliveryRecord& d) {
    std::string out = "delivery " + std::to_string(d.id) + " to /hooks/" + d.source + ", " +
                      format_rfc3339(d.received_at) + "\n";
    out += "  " + how_it_ended(d) + "\n";
    out += std::string("  signature: ") + (d.verified ? "verified" : "not verified") + "\n";
    if (const std::string note = replay_note(d); !note.empty()) out += "  " + note + "\n";
    if (!d.method.empty()) out += "  " + d.method + " " + d.uri + "\n";
    for (const auto& h : d.headers) {
        if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
            out += "  " + h[0].get<std::string>() + ": " + h[1].get<std::string>() + "\n";
        }
    }
    if (!d.body.empty()) {
        out += "\n" + d.body + (d.body.back() == '\n' ? "" : "\n");
        if (d.body_partial) out += "(the body as kept: cut, or repaired where not UTF-8)\n";
    }
    return out;
}

Result<std::string> run_deliveries(Context& ctx, const Args& args) {
    const std::string action = args.get_or("ACTION", "list");
    if (action != "list" && action != "show" && action != "replay") {
        return make_error(ErrorCode::invalid_argument,
                          "deliveries takes list, show ID or replay ID, not `" + action + "`",
                          "action");
    }
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    if (action == "list") return list(ctx, **engine, args);
    auto id = delivery_id(args, action);
    if (!id) return id.error();
    auto d =
        action == "show" ? (*engine)->hook_delivery(*id) : (*engine)->replay_hook_delivery(*id);
    if (!d) return d.error();
    if (ctx.json) return core::dump_json(engine::hook_delivery_json(*d, true), 2) + "\n";
    return shown(*d);
}

}  // namespace

CommandSpec deliveries_command() {
    return {"deliveries",
            "the /hooks delivery log: list, show ID, replay ID (a refused call, once)",
            {{"ACTION", OptionKind::positional, "list (the default), show or replay"},
             {"ID", OptionKind::positional, "the delivery (show, replay)"},
             {"--source", OptionKind::value, "only calls to /hooks/SOURCE"},
             {"--outcome", OptionKind::value,
              "only accepted, unmatched, duplicate, challenge or refused calls"},
             {"--limit", OptionKind::value, "at most this many, newest first (default 50)"}},
            run_deliveries};
}

}  // namespace baton::cli
