// Deadlines as data: from a playbook, the moment a handoff starts and the owner's calendar,
// compute when it must be accepted and done, and the timers that remind and escalate.
// Firing them is the scheduler's job; this only decides when.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/handoff.h"
#include "core/playbook.h"
#include "core/timer_kind.h"

namespace baton::core {

// The accept side stops when the owner accepts; everything stops at done or cancel.
bool is_accept_side(TimerKind kind, int level, const Playbook& playbook);

struct PlannedTimer {
    TimerKind kind = TimerKind::remind;
    int level = 0;  // escalation level from 1; reminder index from 1; 0 for due timers
    TimePoint due_at{};
    std::string target;  // the person or team to tell (escalations: the level's `to`)
};

struct DeadlinePlan {
    Deadlines deadlines;
    std::vector<PlannedTimer> timers;  // in due order
};

// Every deadline and timer, counted from `start` on `calendar` (a 24x7 calendar when the
// playbook says `calendar: 24x7`). Escalation targets are taken as written; the engine
// renders templates in them.
DeadlinePlan plan_deadlines(const Playbook& playbook, TimePoint start, const Calendar& calendar);

// Only the accept side, for a reassignment: the new owner gets a fresh accept ladder
// counted from `start`.
DeadlinePlan plan_accept_side(const Playbook& playbook, TimePoint start,
                              const Calendar& calendar);

}  // namespace baton::core
