#include "core/deadlines.h"

#include <algorithm>

namespace baton::core {

bool is_accept_side(TimerKind kind, int level, const Playbook& playbook) {
    switch (kind) {
        case TimerKind::remind:
        case TimerKind::accept_due: return true;
        case TimerKind::done_due: return false;
        case TimerKind::escalate:
            return level >= 1 && static_cast<std::size_t>(level) <= playbook.escalate.size() &&
                   playbook.escalate[static_cast<std::size_t>(level - 1)].on ==
                       EscalationSide::accept;
    }
    return false;
}

namespace {

DeadlinePlan plan(const Playbook& pb, TimePoint start, const Calendar& owner_calendar,
                  bool accept_side_only) {
    const Calendar calendar = pb.calendar_24x7 ? Calendar::always() : owner_calendar;
    DeadlinePlan out;
    if (pb.accept_within) {
        out.deadlines.accept_by = calendar.add(start, *pb.accept_within);
        out.timers.push_back({TimerKind::accept_due, 0, *out.deadlines.accept_by, ""});
    }
    if (pb.done_within && !accept_side_only) {
        out.deadlines.done_by = calendar.add(start, *pb.done_within);
        out.timers.push_back({TimerKind::done_due, 0, *out.deadlines.done_by, ""});
    }
    for (std::size_t i = 0; i < pb.remind.size(); ++i) {
        out.timers.push_back(
            {TimerKind::remind, static_cast<int>(i + 1), calendar.add(start, pb.remind[i]), ""});
    }
    for (std::size_t i = 0; i < pb.escalate.size(); ++i) {
        const EscalationStep& step = pb.escalate[i];
        if (accept_side_only && step.on != EscalationSide::accept) continue;
        out.timers.push_back({TimerKind::escalate, static_cast<int>(i + 1),
                              calendar.add(start, step.after), step.to});
    }
    std::stable_sort(out.timers.begin(), out.timers.end(),
                     [](const PlannedTimer& a, const PlannedTimer& b) {
                         return a.due_at < b.due_at;
                     });
    return out;
}

}  // namespace

DeadlinePlan plan_deadlines(const Playbook& playbook, TimePoint start,
                            const Calendar& calendar) {
    return plan(playbook, start, calendar, false);
}

DeadlinePlan plan_accept_side(const Playbook& playbook, TimePoint start,
                              const Calendar& calendar) {
    return plan(playbook, start, calendar, true);
}

}  // namespace baton::core
