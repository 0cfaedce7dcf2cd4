#include "core/firing.h"

#include "core/deadlines.h"

namespace baton::core {

namespace {

TimelineEntry system_entry(TimePoint at, std::string kind, std::string text,
                           nlohmann::json data) {
    return TimelineEntry{at, "baton", std::move(kind), std::move(text), std::move(data)};
}

// How late the handoff is against a deadline, in words: "2 h 5 min past accept time".
std::string late_by(TimePoint now, std::optional<TimePoint> deadline, const char* what) {
    if (!deadline) return std::string("past ") + what + " time";
    return baton::format_span(now - *deadline) + " past " + what + " time (" + what + " by " +
           format_rfc3339(*deadline) + ")";
}

void tell(Firing& f, const std::string& handle, const char* what) {
    if (handle.empty()) return;
    for (const Notice& n : f.notices) {
        if (n.to == handle) return;  // one message per person
    }
    f.notices.push_back(Notice{handle, what});
}

void remind(const Handoff& h, TimePoint now, const DueTimer& t, Firing& f) {
    f.effective = true;
    std::string text = "Reminded " + h.owner + ": still waiting to be accepted";
    if (h.deadlines.accept_by) text += "; accept by " + format_rfc3339(*h.deadlines.accept_by);
    f.appended.push_back(system_entry(now, "reminded", text, {{"to", h.owner}, {"reminder", t.level}}));
    tell(f, h.owner, "reminded");
}

void overdue(const Handoff& h, TimePoint now, bool accept_side, Firing& f) {
    f.effective = true;
    const std::string text =
        accept_side ? "Overdue to accept: waiting for " + h.owner + ", " +
                          late_by(now, h.deadlines.accept_by, "accept")
                    : "Overdue to finish: " + h.owner + " holds it, " +
                          late_by(now, h.deadlines.done_by, "done");
    f.appended.push_back(system_entry(now, "overdue", text,
                                      {{"deadline", accept_side ? "accept" : "done"}}));
    tell(f, h.owner, "overdue");
    tell(f, h.giver, "overdue");
    f.broadcast = "overdue";
}

void escalate(const Handoff& h, const Playbook& pb, TimePoint now, const DueTimer& t,
              Firing& f) {
    const auto index = static_cast<std::size_t>(t.level - 1);
    const bool reassign = t.level >= 1 && index < pb.escalate.size() && pb.escalate[index].reassign;
    f.effective = true;
    if (t.level > f.next.escalation_level) {
        f.next.escalation_level = t.level;
        f.changed = true;
    }
    // The highest level's person: a lower level firing late does not take it back.
    if (t.level >= h.escalation_level && !t.target.empty() && t.target != f.next.escalated_to) {
        f.next.escalated_to = t.target;
        f.changed = true;
    }
    const std::string why = h.state == HandoffState::waiting
                                ? "still waiting for " + h.owner + " to accept"
                                : "not done yet (" + std::string(to_string(h.state)) + ", " +
                                      h.owner + ")";
    f.appended.push_back(system_entry(now, "escalated",
                                      "Escalated to " + t.target + " (level " +
                                          std::to_string(t.level) + "): " + why,
                                      {{"level", t.level}, {"to", t.target}}));
    tell(f, t.target, "escalated");
    f.broadcast = "escalated";
    if (reassign && !t.target.empty() && t.target != h.owner) {
        f.next.pending_from = h.pending_from.empty() ? h.owner : h.pending_from;
        f.next.owner = t.target;
        f.next.state = HandoffState::waiting;
        f.next.accepted_at.reset();
        f.changed = true;
        nlohmann::json data = {{"from", h.owner}, {"to", t.target}, {"level", t.level}};
        // While waiting, the accept deadline that ends (the report charges the silent delay
        // past it to `from`).
        if (h.state == HandoffState::waiting && h.deadlines.accept_by) {
            data["from_accept_by"] = format_rfc3339(*h.deadlines.accept_by);
        }
        f.appended.push_back(system_entry(now, "reassigned",
                                          "Reassigned to " + t.target + " by escalation level " +
                                              std::to_string(t.level) + "; " + f.next.pending_from +
                                              " stays accountable until " + t.target + " accepts",
                                          std::move(data)));
        tell(f, h.giver, "reassigned");
    }
}

}  // namespace

Firing fire_timer(const Handoff& h, const Playbook& pb, const DueTimer& t, TimePoint now) {
    Firing f;
    f.next = h;
    const bool waiting = h.state == HandoffState::waiting;
    const bool open = is_open(h.state);
    switch (t.kind) {
        case TimerKind::remind:
            if (waiting) remind(h, now, t, f);
            break;
        case TimerKind::accept_due:
            if (waiting) overdue(h, now, true, f);
            break;
        case TimerKind::done_due:
            if (open) overdue(h, now, false, f);
            break;
        case TimerKind::escalate:
            if (is_accept_side(t.kind, t.level, pb) ? waiting : open) escalate(h, pb, now, t, f);
            break;
    }
    if (f.changed) f.next.updated_at = now;
    return f;
}

}  // namespace baton::core
