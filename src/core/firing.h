// Firing: what a due timer does to a handoff. Pure: it takes the handoff as it is, its
// playbook, the timer and `now`, and returns the next handoff, the timeline entries to
// append and who to tell; the engine's scheduler performs it in one transaction.
//
// Rules (docs/playbooks.md, "Reminders and escalations"):
// - remind: while the handoff still waits for its owner, the owner is reminded.
// - accept_due: while it still waits, it is overdue to accept: the owner and the giver
//   are told, and the playbook's checkpoint channels hear "overdue".
// - done_due: while it is open (not done or cancelled), it is overdue to finish: the
//   same people and channels are told.
// - escalate (level n): an accept-side level acts while the handoff waits, a done-side
//   level while it is open. The level's person is told, the escalation level rises to n,
//   and the checkpoint channels hear "escalated". Ownership moves only when the level
//   says `reassign: true`: then the level's person owns it and must accept it, and the
//   previous owner stays accountable (pending_from) until they do.
// Otherwise the timer has no effect (the handoff moved on): it is spent quietly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/handoff.h"
#include "core/playbook.h"
#include "core/timer_kind.h"

namespace baton::core {

struct DueTimer {
    TimerKind kind = TimerKind::remind;
    int level = 0;
    TimePoint due_at{};
    // Who it concerns, as a person handle the engine resolved (a team or template in the
    // playbook resolves to one person before this is called).
    std::string target;
};

struct Firing {
    bool effective = false;  // false: the handoff moved on and the timer is spent quietly
    bool changed = false;    // `next` differs from the handoff (level, owner): store it
    Handoff next;
    std::vector<TimelineEntry> appended;
    std::vector<Notice> notices;  // people to tell, by handle
    // What the playbook's Slack and webhook checkpoints hear ("overdue", "escalated"), or
    // nothing.
    std::optional<std::string> broadcast;
};

Firing fire_timer(const Handoff& handoff, const Playbook& playbook, const DueTimer& timer,
                  TimePoint now);

}  // namespace baton::core
