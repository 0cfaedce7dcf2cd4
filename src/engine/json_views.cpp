#include "engine/json_views.h"

#include <limits>

#include "core/utf8.h"

namespace baton::engine {

namespace {

nlohmann::json optional_time(const std::optional<TimePoint>& t) {
    return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

// Appends `text` as a JSON string exactly as nlohmann::json::dump() writes it: `"` and `\`
// escaped, \b \f \n \r \t, other control characters as \u00xx, everything else (UTF-8
// included) as it is. Bytes that are not UTF-8 are written as U+FFFD, as core::dump_json
// writes them: a stored value from before the doors checked must not take the page down.
void append_string(std::string& out, std::string_view text) {
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const std::size_t n = core::utf8_sequence_length(text, i);
            if (n == 0) {
                out += "\xEF\xBF\xBD";
                i += core::utf8_ill_formed_length(text, i);
                continue;
            }
            out.append(text.substr(i, n));
            i += n;
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    static constexpr char hex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
}

void append_optional_time(std::string& out, const std::optional<TimePoint>& t) {
    if (t) {
        append_string(out, format_rfc3339(*t));
    } else {
        out += "null";
    }
}

const char* flag(bool value) { return value ? "true" : "false"; }

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
        {"escalated_to", h.escalated_to.empty() ? nlohmann::json(nullptr)
                                                : nlohmann::json(h.escalated_to)},
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

// Keys in nlohmann's order (std::map: sorted), so that the text is handoff_json's.
// The card view writes the same keys in the same order, leaving out what a card never shows.
void append_handoff_json(std::string& out, const core::Handoff& h, TimePoint now,
                         HandoffView view) {
    const bool full = view == HandoffView::full;
    out += "{\"accept_by\":";
    append_optional_time(out, h.deadlines.accept_by);
    out += ",\"accepted_at\":";
    append_optional_time(out, h.accepted_at);
    out += ",\"checklist\":[";
    for (std::size_t i = 0; i < h.checklist.size(); ++i) {
        const core::ChecklistItem& item = h.checklist[i];
        out += i == 0 ? "{\"checked\":" : ",{\"checked\":";
        out += flag(item.checked);
        if (!full) {
            out += ",\"n\":";
            out += std::to_string(item.number);
            out += '}';
            continue;
        }
        out += ",\"checked_at\":";
        append_optional_time(out, item.checked_at);
        out += ",\"checked_by\":";
        if (item.checked) {
            append_string(out, item.checked_by);
        } else {
            out += "null";
        }
        out += ",\"n\":";
        out += std::to_string(item.number);
        out += ",\"text\":";
        append_string(out, item.text);
        out += '}';
    }
    out += "],\"closed_at\":";
    append_optional_time(out, h.closed_at);
    out += ",\"created_at\":";
    append_string(out, format_rfc3339(h.created_at));
    if (full) {
        out += ",\"data\":";
        out += core::dump_json(h.data);
    }
    out += ",\"done_by\":";
    append_optional_time(out, h.deadlines.done_by);
    if (full) {
        out += ",\"done_definition\":";
        append_string(out, h.done_definition);
    }
    // The card view has whom the latest escalation went to and the giver: the board's Mine
    // keeps what was escalated to me and what was declined back to me, as updates arrive.
    out += ",\"escalated_to\":";
    if (h.escalated_to.empty()) {
        out += "null";
    } else {
        append_string(out, h.escalated_to);
    }
    out += ",\"escalation_level\":";
    out += std::to_string(h.escalation_level);
    if (full) {
        out += ",\"event\":{\"id\":";
        append_string(out, h.event_id);
        out += ",\"source\":";
        append_string(out, h.event_source);
        out += '}';
    }
    out += ",\"giver\":";
    append_string(out, h.giver);
    out += ",\"id\":";
    out += std::to_string(h.id);
    out += ",\"overdue_to_accept\":";
    out += flag(core::is_overdue_to_accept(h, now));
    out += ",\"overdue_to_finish\":";
    out += flag(core::is_overdue_to_finish(h, now));
    out += ",\"owner\":";
    append_string(out, h.owner);
    // The card view has it too: the board's Mine keeps the previous owner's handoffs, who
    // stays accountable until the new owner accepts, as live updates arrive.
    out += ",\"pending_from\":";
    if (h.pending_from.empty()) {
        out += "null";
    } else {
        append_string(out, h.pending_from);
    }
    out += ",\"playbook\":";
    append_string(out, h.playbook_id);
    if (full) {
        out += ",\"playbook_version\":";
        out += std::to_string(h.playbook_version);
    }
    out += ",\"state\":";
    append_string(out, core::to_string(h.state));
    out += ",\"subject\":";
    append_string(out, h.subject);
    out += ",\"title\":";
    append_string(out, h.title);
    out += ",\"unowned\":";
    out += flag(h.unowned);
    out += ",\"updated_at\":";
    append_string(out, format_rfc3339(h.updated_at));
    out += '}';
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
    out["seq"] = record.seq;  // the store's order: the value a cursor pages after
    out["received_at"] = format_rfc3339(record.received_at);
    out["handoffs_created"] = record.handoffs_created;
    return out;
}

namespace {

std::string channel_title(const std::string& channel) {
    if (channel == "slack") return "Slack";
    if (channel == "email" || channel == "notice") return "Email";  // a notice goes by email
    if (channel == "webhook") return "The webhook";
    return "The " + channel + " channel";
}

}  // namespace

nlohmann::json delivery_json(const store::OutboxRecord& row, bool channels_connected) {
    nlohmann::json waiting_for(nullptr);
    if (row.status == "pending" && !channels_connected) {
        waiting_for = channel_title(row.channel) +
                      " is not connected: no channels.yaml is applied, so this message waits "
                      "here and is sent once one is (docs/channels.md)";
    }
    return {{"id", row.id},
            {"channel", row.channel},
            {"target", row.target},
            {"status", row.status},
            {"attempts", row.attempts},
            {"last_error", row.last_error},
            {"created_at", format_rfc3339(row.created_at)},
            {"next_attempt_at", row.status == "pending"
                                    ? nlohmann::json(format_rfc3339(row.next_attempt_at))
                                    : nlohmann::json(nullptr)},
            {"delivered_at", optional_time(row.delivered_at)},
            {"waiting_for", waiting_for}};
}

namespace {

// The first problem found while reading an answer: the parsers read every field in a row
// and check once at the end, so the readers below never stop early.
struct Problem {
    std::string field;  // the path of the field at fault, such as "checklist[1].text"
    std::string text;   // what is wrong with it

    bool none() const { return text.empty(); }
    Error error(const std::string& what) const {
        return make_error(ErrorCode::corrupt, "malformed " + what + " in the answer: " + text,
                          field);
    }
};

// Reads the fields of one JSON object at `path`, recording the first problem. A field that
// is missing or of the wrong type reads as its default.
class Fields {
public:
    Fields(const nlohmann::json& j, Problem& problem, std::string path = "")
        : j_(j), problem_(problem), path_(std::move(path)) {
        if (!j_.is_object()) fail("", "must be an object");
    }

    bool ok() const { return problem_.none(); }
    std::string path(const std::string& key) const {
        return path_.empty() ? key : path_ + "." + key;
    }
    void fail(const std::string& key, const std::string& problem) {
        if (!ok()) return;
        problem_.field = key.empty() ? path_ : path(key);
        problem_.text =
            (problem_.field.empty() ? std::string("the value") : "`" + problem_.field + "`") +
            " " + problem;
    }

    const nlohmann::json& any(const char* key) {
        static const nlohmann::json null_value;
        if (!has(key)) {
            fail(key, "is missing");
            return null_value;
        }
        return j_[key];
    }
    std::string text(const char* key) {
        const auto& v = any(key);
        if (v.is_string()) return v.get<std::string>();
        if (has(key)) fail(key, "must be a string");
        return {};
    }
    // Null or absent: nullopt.
    std::optional<std::string> optional_text(const char* key) {
        if (!has(key) || j_[key].is_null()) return std::nullopt;
        return text(key);
    }
    std::int64_t integer(const char* key) {
        const auto& v = any(key);
        if (v.is_number_integer()) return v.get<std::int64_t>();
        if (has(key)) fail(key, "must be a whole number");
        return 0;
    }
    int small_integer(const char* key) {
        const std::int64_t v = integer(key);
        if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
            fail(key, "is out of range");
            return 0;
        }
        return static_cast<int>(v);
    }
    bool boolean(const char* key) {
        const auto& v = any(key);
        if (v.is_boolean()) return v.get<bool>();
        if (has(key)) fail(key, "must be true or false");
        return false;
    }
    TimePoint time(const char* key) {
        const std::string t = text(key);
        if (!has(key) || !j_[key].is_string()) return {};
        auto parsed = parse_rfc3339(t);
        if (!parsed) fail(key, "must be an RFC 3339 time, not `" + t + "`");
        return parsed.value_or(TimePoint{});
    }
    // Null: nullopt.
    std::optional<TimePoint> optional_time(const char* key) {
        if (has(key) && j_[key].is_null()) return std::nullopt;
        return time(key);
    }
    // Null: nullopt.
    std::optional<Milliseconds> optional_ms(const char* key) {
        if (has(key) && j_[key].is_null()) return std::nullopt;
        return Milliseconds(integer(key));
    }
    const nlohmann::json& array(const char* key) {
        static const nlohmann::json empty = nlohmann::json::array();
        const auto& v = any(key);
        if (v.is_array()) return v;
        if (has(key)) fail(key, "must be an array");
        return empty;
    }
    bool has(const char* key) const { return j_.is_object() && j_.contains(key); }

private:
    const nlohmann::json& j_;
    Problem& problem_;
    const std::string path_;
};

std::string indexed(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

core::ChecklistItem read_checklist_item(const nlohmann::json& j, Problem& problem,
                                        const std::string& path) {
    Fields f(j, problem, path);
    core::ChecklistItem item;
    item.number = f.small_integer("n");
    item.text = f.text("text");
    item.checked = f.boolean("checked");
    item.checked_by = f.optional_text("checked_by").value_or("");
    item.checked_at = f.optional_time("checked_at");
    return item;
}

core::TimelineEntry read_timeline_entry(const nlohmann::json& j, Problem& problem,
                                        const std::string& path) {
    Fields f(j, problem, path);
    core::TimelineEntry e;
    e.at = f.time("at");
    e.actor = f.text("actor");
    e.kind = f.text("kind");
    e.text = f.text("text");
    e.data = f.any("data");
    return e;
}

// The fields handoff_json writes (a relay leg has them too), read through `f`.
core::Handoff read_handoff(Fields& f, Problem& problem) {
    core::Handoff h;
    h.id = f.integer("id");
    h.playbook_id = f.text("playbook");
    h.playbook_version = f.small_integer("playbook_version");
    h.title = f.text("title");
    h.subject = f.text("subject");
    const std::string state = f.text("state");
    if (auto parsed = core::parse_handoff_state(state)) {
        h.state = *parsed;
    } else {
        f.fail("state", "is not a state: `" + state + "`");
    }
    h.giver = f.text("giver");
    h.owner = f.text("owner");
    h.pending_from = f.optional_text("pending_from").value_or("");
    h.unowned = f.boolean("unowned");
    h.done_definition = f.text("done_definition");
    const auto& checklist = f.array("checklist");
    for (std::size_t i = 0; i < checklist.size(); ++i) {
        h.checklist.push_back(
            read_checklist_item(checklist[i], problem, indexed(f.path("checklist"), i)));
    }
    h.created_at = f.time("created_at");
    h.updated_at = f.time("updated_at");
    h.accepted_at = f.optional_time("accepted_at");
    h.closed_at = f.optional_time("closed_at");
    h.deadlines.accept_by = f.optional_time("accept_by");
    h.deadlines.done_by = f.optional_time("done_by");
    h.escalation_level = f.small_integer("escalation_level");
    h.escalated_to = f.optional_text("escalated_to").value_or("");
    Fields event(f.any("event"), problem, f.path("event"));
    h.event_source = event.text("source");
    h.event_id = event.text("id");
    h.data = f.any("data");
    // Only show and the actions answer the timeline; a list or a relay has none.
    if (f.has("timeline")) {
        const auto& timeline = f.array("timeline");
        for (std::size_t i = 0; i < timeline.size(); ++i) {
            h.timeline.push_back(
                read_timeline_entry(timeline[i], problem, indexed(f.path("timeline"), i)));
        }
    }
    return h;
}

}  // namespace

Result<core::Handoff> handoff_from_json(const nlohmann::json& j) {
    Problem problem;
    Fields f(j, problem);
    core::Handoff h = read_handoff(f, problem);
    if (!problem.none()) return problem.error("handoff");
    return h;
}

Result<Relay> relay_from_json(const nlohmann::json& j) {
    Problem problem;
    Fields f(j, problem);
    Relay relay;
    relay.subject = f.text("subject");
    const auto& legs = f.array("legs");
    for (std::size_t i = 0; i < legs.size(); ++i) {
        Fields leg(legs[i], problem, indexed("legs", i));
        RelayLeg out;
        out.handoff = read_handoff(leg, problem);
        out.held = Milliseconds(leg.integer("held_ms"));
        relay.legs.push_back(std::move(out));
    }
    const auto& current = f.any("current");
    if (!current.is_null()) {
        Fields c(current, problem, "current");
        const std::int64_t id = c.integer("handoff");
        for (std::size_t i = 0; i < relay.legs.size(); ++i) {
            if (relay.legs[i].handoff.id == id) relay.current = i;
        }
        if (!relay.current) c.fail("handoff", "is none of the legs");
    }
    if (!problem.none()) return problem.error("relay");
    return relay;
}

Result<std::vector<core::ReportRow>> report_rows_from_json(const nlohmann::json& j) {
    Problem problem;
    if (!j.is_array()) {
        problem = {"rows", "`rows` must be an array"};
        return problem.error("report");
    }
    std::vector<core::ReportRow> rows;
    for (std::size_t i = 0; i < j.size(); ++i) {
        Fields f(j[i], problem, indexed("rows", i));
        core::ReportRow r;
        r.key = f.text("key");
        r.count = f.small_integer("count");
        r.open = f.small_integer("open");
        r.accepted = f.small_integer("accepted");
        r.done = f.small_integer("done");
        r.declined = f.small_integer("declined");
        r.cancelled = f.small_integer("cancelled");
        r.overdue = f.small_integer("overdue");
        r.accept_p50 = f.optional_ms("accept_p50_ms");
        r.accept_p90 = f.optional_ms("accept_p90_ms");
        r.done_p50 = f.optional_ms("done_p50_ms");
        r.done_p90 = f.optional_ms("done_p90_ms");
        r.silent_delay = Milliseconds(f.integer("silent_delay_ms"));
        rows.push_back(std::move(r));
    }
    if (!problem.none()) return problem.error("report");
    return rows;
}

namespace {

// The fields core::event_to_json writes, read through `f`.
core::Event read_event(Fields& f) {
    core::Event e;
    e.id = f.text("id");
    e.type = f.text("type");
    e.source = f.text("source");
    e.time = f.time("time");
    e.subject = f.optional_text("subject");
    e.data = f.any("data");
    return e;
}

}  // namespace

Result<store::EventRecord> event_record_from_json(const nlohmann::json& j) {
    Problem problem;
    Fields f(j, problem);
    store::EventRecord r;
    r.seq = f.integer("seq");
    r.event = read_event(f);
    r.received_at = f.time("received_at");
    r.handoffs_created = f.small_integer("handoffs_created");
    if (!problem.none()) return problem.error("event");
    return r;
}

nlohmann::json hook_delivery_json(const store::HookDeliveryRecord& d, bool with_content) {
    nlohmann::json out = {
        {"id", d.id},
        {"source", d.source},
        {"received_at", format_rfc3339(d.received_at)},
        {"outcome", d.outcome},
        {"stage", d.stage},
        {"field", d.field},
        {"message", d.message},
        {"verified", d.verified},
        {"events", d.events},
        {"replay_of", d.replay_of == 0 ? nlohmann::json(nullptr) : nlohmann::json(d.replay_of)},
        {"replayed_at", optional_time(d.replayed_at)},
        {"replayed_by",
         d.replayed_by == 0 ? nlohmann::json(nullptr) : nlohmann::json(d.replayed_by)},
        {"replayable", !Engine::replay_refusal(d).has_value()},
        {"body_partial", d.body_partial}};
    if (with_content) {
        out["method"] = d.method;
        out["uri"] = d.uri;
        out["headers"] = d.headers;
        out["body"] = d.body;
    }
    return out;
}

Result<store::HookDeliveryRecord> hook_delivery_from_json(const nlohmann::json& j) {
    Problem problem;
    Fields f(j, problem);
    store::HookDeliveryRecord d;
    d.id = f.integer("id");
    d.source = f.text("source");
    d.received_at = f.time("received_at");
    d.outcome = f.text("outcome");
    d.stage = f.text("stage");
    d.field = f.text("field");
    d.message = f.text("message");
    d.verified = f.boolean("verified");
    d.events = f.array("events");
    d.replay_of = f.has("replay_of") && j["replay_of"].is_null() ? 0 : f.integer("replay_of");
    d.replayed_at = f.optional_time("replayed_at");
    d.replayed_by =
        f.has("replayed_by") && j["replayed_by"].is_null() ? 0 : f.integer("replayed_by");
    d.body_partial = f.boolean("body_partial");
    if (f.has("body")) {
        d.method = f.text("method");
        d.uri = f.text("uri");
        d.headers = f.array("headers");
        d.body = f.text("body");
    }
    if (!problem.none()) return problem.error("delivery");
    return d;
}

nlohmann::json ingest_result_json(const core::Event& e, const IngestResult& r) {
    return {{"source", e.source},        {"id", e.id},
            {"type", e.type},            {"duplicate", r.duplicate},
            {"handoffs", r.handoff_ids}, {"ticked", r.ticked_ids}};
}

nlohmann::json delivery_test_json(const DeliveryTest& test, TimePoint now) {
    nlohmann::json events = nlohmann::json::array();
    for (const auto& outcome : test.events) {
        nlohmann::json starts = nlohmann::json::array();
        for (const auto& h : outcome.would_start) starts.push_back(handoff_json(h, now, true));
        nlohmann::json ticks = nlohmann::json::array();
        for (const auto& t : outcome.would_tick) {
            ticks.push_back({{"handoff", t.handoff_id}, {"title", t.title}, {"items", t.items}});
        }
        events.push_back({{"event", core::event_to_json(outcome.event)},
                          {"duplicate", outcome.duplicate},
                          {"would_start", starts},
                          {"would_tick", ticks}});
    }
    return {{"source", test.source}, {"events", events}};
}

Result<DeliveryTest> delivery_test_from_json(const nlohmann::json& j) {
    Problem problem;
    Fields f(j, problem);
    DeliveryTest test;
    test.source = f.text("source");
    const auto& events = f.array("events");
    for (std::size_t i = 0; i < events.size(); ++i) {
        Fields e(events[i], problem, indexed("events", i));
        DeliveryTest::Outcome outcome;
        Fields event(e.any("event"), problem, e.path("event"));
        outcome.event = read_event(event);
        outcome.duplicate = e.boolean("duplicate");
        const auto& starts = e.array("would_start");
        for (std::size_t k = 0; k < starts.size(); ++k) {
            Fields h(starts[k], problem, indexed(e.path("would_start"), k));
            outcome.would_start.push_back(read_handoff(h, problem));
        }
        const auto& ticks = e.array("would_tick");
        for (std::size_t k = 0; k < ticks.size(); ++k) {
            Fields t(ticks[k], problem, indexed(e.path("would_tick"), k));
            DeliveryTest::Tick tick{t.integer("handoff"), t.text("title"), {}};
            for (const auto& n : t.array("items")) {
                if (!n.is_number_integer()) t.fail("items", "must hold item numbers");
                tick.items.push_back(n.is_number_integer() ? n.get<int>() : 0);
            }
            outcome.would_tick.push_back(std::move(tick));
        }
        test.events.push_back(std::move(outcome));
    }
    if (!problem.none()) return problem.error("delivery test");
    return test;
}

}  // namespace baton::engine
