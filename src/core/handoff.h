// Handoff: one instance of a playbook — subject, giver, owner, definition of done,
// checklist, deadlines, escalation level, source event and a timeline — and its state
// machine. `apply_action` is pure: it takes the handoff, the action, who acts and `now`,
// and returns the next handoff with the timeline entries it appends and what the shell
// must do about timers and notices. It performs nothing. Plain values throughout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/role.h"
#include "core/result.h"
#include "core/time.h"

namespace baton::core {

enum class HandoffState { waiting, accepted, done, declined, cancelled };
const char* to_string(HandoffState state);
std::optional<HandoffState> parse_handoff_state(std::string_view text);
inline bool is_open(HandoffState s) {
    return s == HandoffState::waiting || s == HandoffState::accepted ||
           s == HandoffState::declined;
}

struct ChecklistItem {
    int number = 0;  // from 1
    std::string text;
    bool checked = false;
    std::string checked_by;
    std::optional<TimePoint> checked_at;
    std::optional<std::string> when;  // an event type that ticks it
    friend bool operator==(const ChecklistItem&, const ChecklistItem&) = default;
};

// One line of a handoff's history. Entries are only ever appended.
struct TimelineEntry {
    TimePoint at{};
    std::string actor;  // a person handle, or "baton" for the system
    std::string kind;   // created, accepted, declined, done, cancelled, reassigned, checked,
                        // unchecked, comment, note, reminded, escalated, notified, ...
    std::string text;   // one human sentence
    nlohmann::json data = nlohmann::json::object();
    friend bool operator==(const TimelineEntry&, const TimelineEntry&) = default;
};

struct Deadlines {
    std::optional<TimePoint> accept_by;
    std::optional<TimePoint> done_by;
    friend bool operator==(const Deadlines&, const Deadlines&) = default;
};

struct Handoff {
    std::int64_t id = 0;  // assigned by the store on insert
    std::string playbook_id;
    int playbook_version = 0;
    std::string title;  // the playbook's title when it was created
    std::string subject;
    std::string giver;
    std::string owner;
    // During a reassignment: the previous owner, who stays accountable until the new
    // owner accepts. Empty otherwise.
    std::string pending_from;
    // The owner could not be resolved: the handoff landed with the giver or an admin.
    bool unowned = false;
    HandoffState state = HandoffState::waiting;
    std::string done_definition;
    std::vector<ChecklistItem> checklist;
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> accepted_at;
    std::optional<TimePoint> closed_at;  // done or cancelled
    Deadlines deadlines;
    int escalation_level = 0;
    // Whom the latest escalation went to: they find the handoff in their Mine while it is
    // open, as its owner and giver do. Empty until an escalation fires.
    std::string escalated_to;
    std::string event_source;
    std::string event_id;
    nlohmann::json data = nlohmann::json::object();  // the event data it carries (relays)
    std::vector<TimelineEntry> timeline;             // loaded only when asked for
    std::int64_t revision = 0;  // bumped by the store on every update
};

// Who acts. `teams` are the teams the person belongs to (a team can be a giver).
struct Actor {
    std::string handle;
    Role role = Role::member;
    std::vector<std::string> teams;
};

struct Accept {};
struct Decline {
    std::string reason;
};
struct Finish {
    bool force = false;  // finish with open checklist items; needs a reason
    std::string reason;
};
struct Cancel {
    std::string reason;
};
struct Reassign {
    std::string to;  // a resolved person handle
    std::string reason;
};
struct Check {
    int item = 0;  // from 1
    bool checked = true;
};
struct Comment {
    std::string text;
};
using Action = std::variant<Accept, Decline, Finish, Cancel, Reassign, Check, Comment>;
const char* action_name(const Action& action);

// What happens to a handoff's timers because of a transition.
enum class TimerEffect {
    none,
    stop_accept_side,     // accepted: reminders and accept-side escalations stop
    stop_all,             // done or cancelled
    restart_accept_side,  // reassigned: the new owner gets a fresh accept ladder
};

// Someone to tell about a transition ("the giver hears back").
struct Notice {
    std::string to;    // a handle
    std::string what;  // accepted, declined, done, cancelled, reassigned
};

struct Transition {
    Handoff next;
    std::vector<TimelineEntry> appended;
    TimerEffect timers = TimerEffect::none;
    std::vector<Notice> notices;
};

// The rules (docs/playbooks.md, "States"):
// - accept: waiting → accepted; by the owner or an admin.
// - decline: waiting|accepted → declined; by the owner or an admin; a reason is required;
//   the accept side stops, the done side keeps running (declined is not done).
// - done: accepted → done; by the owner or an admin; refused while checklist items are
//   open unless forced with a reason.
// - cancel: waiting|accepted|declined → cancelled; by the giver or an admin.
// - reassign: waiting|accepted|declined → waiting with a new owner; by the giver, the
//   owner or an admin; the previous owner stays accountable until the new one accepts.
// - check/uncheck: while accepted; by the owner or an admin.
// - comment: in any state; by anyone but a viewer.
// Viewers never act. Refusals: forbidden (who) or conflict (state), with a message that
// says what would be allowed.
Result<Transition> apply_action(const Handoff& handoff, const Action& action,
                                const Actor& actor, TimePoint now);

// The actions `actor` may take on `handoff` now, by name ("accept", "decline", "done",
// "cancel", "reassign", "check", "comment"), in that order: each is one apply_action
// would not refuse for who is acting or for the state. "done" counts a forced finish (with
// a reason), so it shows while checklist items are open; "check" needs a checklist.
std::vector<std::string> allowed_actions(const Handoff& handoff, const Actor& actor,
                                         TimePoint now);

// An event ticks checklist items: every unticked item whose `when` is `event_type`, while
// the handoff is waiting or accepted (the work got done, whoever did it). `source` names the
// event ("crm/e-42") for the timeline. Nothing to tick: no value.
std::optional<Transition> tick_by_event(const Handoff& handoff, const std::string& event_type,
                                        const std::string& source, TimePoint now);

// Derived flags (never stored).
bool is_overdue_to_accept(const Handoff& h, TimePoint now);
bool is_overdue_to_finish(const Handoff& h, TimePoint now);
inline bool is_overdue(const Handoff& h, TimePoint now) {
    return is_overdue_to_accept(h, now) || is_overdue_to_finish(h, now);
}
int open_checklist_items(const Handoff& h);

}  // namespace baton::core
