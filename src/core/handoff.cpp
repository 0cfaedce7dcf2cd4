// The handoff state machine. Each action is checked in the same order — who may act,
// then whether the state allows it, then the action's own input — so that a refusal
// always names the first thing that is wrong.
#include "core/handoff.h"

#include <algorithm>

#include "core/limits.h"
#include "core/utf8.h"

namespace baton::core {

namespace {

bool is_owner(const Handoff& h, const Actor& a) { return a.handle == h.owner; }

bool is_giver(const Handoff& h, const Actor& a) {
    return a.handle == h.giver ||
           std::find(a.teams.begin(), a.teams.end(), h.giver) != a.teams.end();
}

Error forbidden(const Handoff& h, const Actor& a, const char* action, const char* who) {
    return make_error(ErrorCode::forbidden, a.handle + " cannot " + action + " handoff " +
                                                std::to_string(h.id) + ": only " + who +
                                                " can");
}

// "cannot ACTION handoff N: it is STATE", and what would make the action possible, in
// words a person acts on ("accept it first"), not a list of states.
Error wrong_state(const Handoff& h, const char* action, const char* allowed) {
    const std::string state = to_string(h.state);
    const std::string needed = allowed;
    std::string what_now;
    if (needed == "accepted" && h.state == HandoffState::waiting) {
        what_now = "; accept it first";
    } else if (needed == "accepted" && h.state == HandoffState::declined) {
        what_now = "; " + h.giver + " reassigns it or cancels it";
    } else if (needed.find(state) == std::string::npos && !is_open(h.state)) {
        what_now = ", and a closed handoff does not change";
    } else {
        what_now = " (only while it is " + needed + ")";
    }
    if (std::string(action) == "accept" && h.state == HandoffState::accepted) {
        what_now = " already";
    }
    return make_error(ErrorCode::conflict, "cannot " + std::string(action) + " handoff " +
                                               std::to_string(h.id) + ": it is " + state +
                                               what_now);
}

Status check_text(const std::string& text, std::size_t max, const char* field, bool required) {
    if (required && text.find_first_not_of(" \t\r\n") == std::string::npos) {
        return make_error(ErrorCode::invalid_argument, std::string(field) + " is required",
                          field);
    }
    if (text.size() > max) {
        return make_error(ErrorCode::limit_exceeded, std::string(field) + " is longer than " +
                                                         std::to_string(max) + " bytes",
                          field);
    }
    // A comment or a reason from the CLI's arguments is any bytes; the timeline is JSON.
    if (const auto bad = utf8_invalid_at(text)) {
        return make_error(ErrorCode::invalid_argument,
                          std::string(field) + " " + utf8_problem(text, *bad), field);
    }
    return ok_status();
}

TimelineEntry entry(const Actor& a, TimePoint now, std::string kind, std::string text,
                    nlohmann::json data = nlohmann::json::object()) {
    return TimelineEntry{now, a.handle, std::move(kind), std::move(text), std::move(data)};
}

struct Step {
    const Handoff& h;
    const Actor& a;
    TimePoint now;
    Transition t;

    Step(const Handoff& handoff, const Actor& actor, TimePoint at)
        : h(handoff), a(actor), now(at), t{handoff, {}, TimerEffect::none, {}} {
        t.next.updated_at = at;
    }
    void append(TimelineEntry e) { t.appended.push_back(std::move(e)); }
    void notify(const std::string& to, const char* what) {
        if (!to.empty() && to != a.handle) t.notices.push_back(Notice{to, what});
    }
};

Result<Transition> accept(Step s) {
    if (!is_owner(s.h, s.a) && s.a.role != Role::admin) {
        return forbidden(s.h, s.a, "accept", "the owner or an admin");
    }
    if (s.h.state != HandoffState::waiting) return wrong_state(s.h, "accept", "waiting");
    s.t.next.state = HandoffState::accepted;
    s.t.next.accepted_at = s.now;
    const std::string from = s.t.next.pending_from;
    s.t.next.pending_from.clear();
    std::string text = s.a.handle + " accepted";
    if (s.a.handle != s.h.owner) text += " on behalf of " + s.h.owner;
    if (!from.empty()) text += "; " + from + " is no longer accountable";
    s.append(entry(s.a, s.now, "accepted", text));
    s.t.timers = TimerEffect::stop_accept_side;
    s.notify(s.h.giver, "accepted");
    return std::move(s.t);
}

Result<Transition> decline(Step s, const Decline& d) {
    if (!is_owner(s.h, s.a) && s.a.role != Role::admin) {
        return forbidden(s.h, s.a, "decline", "the owner or an admin");
    }
    if (s.h.state != HandoffState::waiting && s.h.state != HandoffState::accepted) {
        return wrong_state(s.h, "decline", "waiting or accepted");
    }
    if (auto st = check_text(d.reason, limits::reason_bytes_max, "reason", true); !st) {
        return st.error();
    }
    s.t.next.state = HandoffState::declined;
    // Back to the giver: a previous owner kept accountable by a reassignment is released,
    // as reassigning a declined handoff would (nobody but the giver is accountable).
    s.t.next.pending_from.clear();
    s.append(entry(s.a, s.now, "declined",
                   s.a.handle + " declined: " + d.reason + " — back to " + s.h.giver +
                       " to reassign",
                   {{"reason", d.reason}}));
    // Declined is not done: the owner's accept ladder stops, but the done deadline and
    // done-side escalations keep watching until the giver reassigns or cancels.
    s.t.timers = TimerEffect::stop_accept_side;
    s.notify(s.h.giver, "declined");
    return std::move(s.t);
}

Result<Transition> finish(Step s, const Finish& f) {
    if (!is_owner(s.h, s.a) && s.a.role != Role::admin) {
        return forbidden(s.h, s.a, "finish", "the owner or an admin");
    }
    if (s.h.state == HandoffState::waiting) {
        return make_error(ErrorCode::conflict, "cannot finish handoff " +
                                                   std::to_string(s.h.id) +
                                                   ": it is waiting; accept it first");
    }
    if (s.h.state != HandoffState::accepted) return wrong_state(s.h, "finish", "accepted");
    const int open = open_checklist_items(s.h);
    if (open > 0 && !f.force) {
        return make_error(ErrorCode::conflict,
                          "cannot finish handoff " + std::to_string(s.h.id) + ": " +
                              std::to_string(open) + " checklist item" +
                              (open == 1 ? " is" : "s are") +
                              " open (tick them, or force with a reason)");
    }
    if (f.force) {
        if (auto st = check_text(f.reason, limits::reason_bytes_max, "reason", true); !st) {
            return st.error();
        }
    }
    s.t.next.state = HandoffState::done;
    s.t.next.closed_at = s.now;
    nlohmann::json data = nlohmann::json::object();
    std::string text = s.a.handle + " marked it done";
    if (f.force && open > 0) {
        data = {{"forced", true}, {"reason", f.reason}, {"open_items", open}};
        text += " with " + std::to_string(open) + " open item" + (open == 1 ? "" : "s") +
                ": " + f.reason;
    }
    s.append(entry(s.a, s.now, "done", text, data));
    s.t.timers = TimerEffect::stop_all;
    s.notify(s.h.giver, "done");
    return std::move(s.t);
}

Result<Transition> cancel(Step s, const Cancel& c) {
    if (!is_giver(s.h, s.a) && s.a.role != Role::admin) {
        return forbidden(s.h, s.a, "cancel", "the giver or an admin");
    }
    if (!is_open(s.h.state)) return wrong_state(s.h, "cancel", "waiting, accepted or declined");
    if (auto st = check_text(c.reason, limits::reason_bytes_max, "reason", false); !st) {
        return st.error();
    }
    s.t.next.state = HandoffState::cancelled;
    s.t.next.closed_at = s.now;
    s.t.next.pending_from.clear();  // nobody stays accountable for a cancelled handoff
    s.append(entry(s.a, s.now, "cancelled",
                   s.a.handle + " cancelled it" + (c.reason.empty() ? "" : ": " + c.reason),
                   {{"reason", c.reason}}));
    s.t.timers = TimerEffect::stop_all;
    s.notify(s.h.owner, "cancelled");
    return std::move(s.t);
}

Result<Transition> reassign(Step s, const Reassign& r) {
    if (!is_giver(s.h, s.a) && !is_owner(s.h, s.a) && s.a.role != Role::admin) {
        return forbidden(s.h, s.a, "reassign", "the giver, the owner or an admin");
    }
    if (!is_open(s.h.state)) {
        return wrong_state(s.h, "reassign", "waiting, accepted or declined");
    }
    if (r.to.empty() || r.to.size() > limits::handle_bytes_max) {
        return make_error(ErrorCode::invalid_argument, "name the new owner", "to");
    }
    if (r.to == s.h.owner && s.h.state != HandoffState::declined) {
        return make_error(ErrorCode::conflict, r.to + " already owns handoff " +
                                                   std::to_string(s.h.id));
    }
    if (auto st = check_text(r.reason, limits::reason_bytes_max, "reason", false); !st) {
        return st.error();
    }
    // The previous owner stays accountable until the new owner accepts; a declined
    // handoff has nobody accountable but the giver, so nobody is kept.
    s.t.next.pending_from = s.h.state == HandoffState::declined ? "" : s.h.owner;
    s.t.next.owner = r.to;
    s.t.next.unowned = false;
    s.t.next.state = HandoffState::waiting;
    s.t.next.accepted_at.reset();
    nlohmann::json data = {{"from", s.h.owner}, {"to", r.to}, {"reason", r.reason}};
    // The new owner gets a fresh accept deadline. While waiting, the one that ends is kept
    // here, so that the report charges the silent delay past it to the previous owner.
    if (s.h.state == HandoffState::waiting && s.h.deadlines.accept_by) {
        data["from_accept_by"] = format_rfc3339(*s.h.deadlines.accept_by);
    }
    s.append(entry(s.a, s.now, "reassigned",
                   s.a.handle + " handed it from " + s.h.owner + " to " + r.to +
                       (r.reason.empty() ? "" : ": " + r.reason) + "; " + r.to + " must accept",
                   std::move(data)));
    s.t.timers = TimerEffect::restart_accept_side;
    s.notify(r.to, "reassigned");
    return std::move(s.t);
}

Result<Transition> check(Step s, const Check& c) {
    if (!is_owner(s.h, s.a) && s.a.role != Role::admin) {
        return forbidden(s.h, s.a, c.checked ? "tick items of" : "untick items of",
                         "the owner or an admin");
    }
    if (s.h.state != HandoffState::accepted) {
        return wrong_state(s.h, c.checked ? "tick an item of" : "untick an item of",
                           "accepted");
    }
    if (c.item < 1 || c.item > static_cast<int>(s.h.checklist.size())) {
        return make_error(ErrorCode::not_found,
                          "handoff " + std::to_string(s.h.id) + " has no checklist item " +
                              std::to_string(c.item) + " (it has " +
                              std::to_string(s.h.checklist.size()) + ")",
                          "item");
    }
    ChecklistItem& item = s.t.next.checklist[static_cast<std::size_t>(c.item - 1)];
    if (item.checked == c.checked) {
        return make_error(ErrorCode::conflict, "item " + std::to_string(c.item) + " is already " +
                                                   (c.checked ? "ticked" : "unticked"));
    }
    item.checked = c.checked;
    item.checked_by = c.checked ? s.a.handle : "";
    item.checked_at = c.checked ? std::optional<TimePoint>(s.now) : std::nullopt;
    s.append(entry(s.a, s.now, c.checked ? "checked" : "unchecked",
                   s.a.handle + (c.checked ? " ticked " : " unticked ") + "“" + item.text + "”",
                   {{"item", c.item}}));
    return std::move(s.t);
}

Result<Transition> comment(Step s, const Comment& c) {
    if (s.a.role == Role::viewer) return forbidden(s.h, s.a, "comment on", "members and admins");
    if (auto st = check_text(c.text, limits::comment_bytes_max, "text", true); !st) {
        return st.error();
    }
    s.append(entry(s.a, s.now, "comment", c.text));
    return std::move(s.t);
}

}  // namespace

const char* action_name(const Action& action) {
    static constexpr const char* names[] = {"accept", "decline", "done",   "cancel",
                                            "reassign", "check", "comment"};
    if (const auto* c = std::get_if<Check>(&action); c && !c->checked) return "uncheck";
    return names[action.index()];
}

Result<Transition> apply_action(const Handoff& handoff, const Action& action,
                                const Actor& actor, TimePoint now) {
    if (actor.role == Role::viewer) {
        return make_error(ErrorCode::forbidden,
                          actor.handle + " is a viewer: viewers read, they do not act");
    }
    if (handoff.timeline.size() >= limits::timeline_entries_max) {
        return make_error(ErrorCode::limit_exceeded,
                          "handoff " + std::to_string(handoff.id) + " has " +
                              std::to_string(limits::timeline_entries_max) +
                              " timeline entries, the limit");
    }
    Step step(handoff, actor, now);
    return std::visit(
        [&](const auto& a) -> Result<Transition> {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, Accept>) return accept(step);
            if constexpr (std::is_same_v<A, Decline>) return decline(step, a);
            if constexpr (std::is_same_v<A, Finish>) return finish(step, a);
            if constexpr (std::is_same_v<A, Cancel>) return cancel(step, a);
            if constexpr (std::is_same_v<A, Reassign>) return reassign(step, a);
            if constexpr (std::is_same_v<A, Check>) return check(step, a);
            if constexpr (std::is_same_v<A, Comment>) return comment(step, a);
        },
        action);
}

bool is_overdue_to_accept(const Handoff& h, TimePoint now) {
    return h.state == HandoffState::waiting && h.deadlines.accept_by &&
           *h.deadlines.accept_by < now;
}

bool is_overdue_to_finish(const Handoff& h, TimePoint now) {
    return (h.state == HandoffState::waiting || h.state == HandoffState::accepted) &&
           h.deadlines.done_by && *h.deadlines.done_by < now;
}

int open_checklist_items(const Handoff& h) {
    return static_cast<int>(std::count_if(h.checklist.begin(), h.checklist.end(),
                                          [](const ChecklistItem& i) { return !i.checked; }));
}

std::optional<Transition> tick_by_event(const Handoff& h, const std::string& event_type,
                                        const std::string& source, TimePoint now) {
    if (h.state != HandoffState::waiting && h.state != HandoffState::accepted) {
        return std::nullopt;
    }
    Transition t{h, {}, TimerEffect::none, {}};
    for (ChecklistItem& item : t.next.checklist) {
        if (item.checked || !item.when || *item.when != event_type) continue;
        item.checked = true;
        item.checked_by = "baton";
        item.checked_at = now;
        t.appended.push_back(TimelineEntry{
            now, "baton", "checked",
            "Ticked \"" + item.text + "\" (" + std::to_string(item.number) + "): event " +
                event_type + " from " + source,
            {{"item", item.number}, {"event", event_type}, {"source", source}}});
    }
    if (t.appended.empty()) return std::nullopt;
    t.next.updated_at = now;
    return t;
}

std::vector<std::string> allowed_actions(const Handoff& handoff, const Actor& actor,
                                         TimePoint now) {
    // Each action is tried on the pure rules with a harmless stand-in argument: one source
    // of truth for who may do what, so the board's buttons cannot drift from the API.
    const std::string reason = "(probe)";
    std::vector<std::pair<const char*, Action>> probes = {
        {"accept", Accept{}},
        {"decline", Decline{reason}},
        {"done", Finish{true, reason}},
        {"cancel", Cancel{reason}},
        // A handle nobody can have (a control character), so "already owns it" never answers.
        {"reassign", Reassign{"\x1f", reason}},
    };
    if (!handoff.checklist.empty()) {
        probes.emplace_back("check", Check{1, !handoff.checklist.front().checked});
    }
    probes.emplace_back("comment", Comment{reason});
    std::vector<std::string> out;
    for (const auto& [name, action] : probes) {
        if (apply_action(handoff, action, actor, now)) out.emplace_back(name);
    }
    return out;
}

}  // namespace baton::core
