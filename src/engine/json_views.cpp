#include "engine/json_views.h"

namespace baton::engine {

namespace {

nlohmann::json optional_time(const std::optional<TimePoint>& t) {
    return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

nlohmann::json optional_ms(const std::optional<Milliseconds>& v) {
    return v ? nlohmann::json(v->count()) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json handoff_json(const core::Handoff& h, TimePoint now, bool with_timeline) {
    nlohmann::json checklist = nlohmann::json::array();
    for (const auto& item : h.checklist) {
        checklist.push_back({{"n", item.number},
                             {"text", item.text},
                             {"checked", item.checked},
                             {"checked_by", item.checked ? nlohmann::json(item.checked_by)
                                                         : nlohmann::json(nullptr)},
                             {"checked_at", optional_time(item.checked_at)}});
    }
    nlohmann::json out = {
        {"id", h.id},
        {"playbook", h.playbook_id},
        {"playbook_version", h.playbook_version},
        {"title", h.title},
        {"subject", h.subject},
        {"state", core::to_string(h.state)},
        {"giver", h.giver},
        {"owner", h.owner},
        {"pending_from", h.pending_from.empty() ? nlohmann::json(nullptr)
                                                : nlohmann::json(h.pending_from)},
        {"unowned", h.unowned},
        {"done_definition", h.done_definition},
        {"checklist", checklist},
        {"created_at", format_rfc3339(h.created_at)},
        {"updated_at", format_rfc3339(h.updated_at)},
        {"accepted_at", optional_time(h.accepted_at)},
        {"closed_at", optional_time(h.closed_at)},
        {"accept_by", optional_time(h.deadlines.accept_by)},
        {"done_by", optional_time(h.deadlines.done_by)},
        {"overdue_to_accept", core::is_overdue_to_accept(h, now)},
        {"overdue_to_finish", core::is_overdue_to_finish(h, now)},
        {"escalation_level", h.escalation_level},
        {"event", {{"source", h.event_source}, {"id", h.event_id}}},
        {"data", h.data},
    };
    if (with_timeline) {
        nlohmann::json timeline = nlohmann::json::array();
        for (const auto& e : h.timeline) {
            timeline.push_back({{"at", format_rfc3339(e.at)},
                                {"actor", e.actor},
                                {"kind", e.kind},
                                {"text", e.text},
                                {"data", e.data}});
        }
        out["timeline"] = timeline;
    }
    return out;
}

nlohmann::json relay_json(const Relay& relay, TimePoint now) {
    nlohmann::json legs = nlohmann::json::array();
    for (const auto& leg : relay.legs) {
        nlohmann::json j = handoff_json(leg.handoff, now, false);
        j["held_ms"] = leg.held.count();
        legs.push_back(std::move(j));
    }
    nlohmann::json out = {{"subject", relay.subject}, {"legs", legs}, {"current", nullptr}};
    if (relay.current) {
        const auto& leg = relay.legs[*relay.current];
        out["current"] = {{"handoff", leg.handoff.id},
                          {"holder", leg.handoff.owner},
                          {"held_ms", leg.held.count()}};
    }
    return out;
}

nlohmann::json report_json(const std::vector<core::ReportRow>& rows) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
        out.push_back({{"key", r.key},
                       {"count", r.count},
                       {"open", r.open},
                       {"accepted", r.accepted},
                       {"done", r.done},
                       {"declined", r.declined},
                       {"cancelled", r.cancelled},
                       {"overdue", r.overdue},
                       {"accept_p50_ms", optional_ms(r.accept_p50)},
                       {"accept_p90_ms", optional_ms(r.accept_p90)},
                       {"done_p50_ms", optional_ms(r.done_p50)},
                       {"done_p90_ms", optional_ms(r.done_p90)},
                       {"silent_delay_ms", r.silent_delay.count()}});
    }
    return out;
}

nlohmann::json event_json(const store::EventRecord& record) {
    nlohmann::json out = core::event_to_json(record.event);
    out["received_at"] = format_rfc3339(record.received_at);
    out["handoffs_created"] = record.handoffs_created;
    return out;
}

}  // namespace baton::engine
