// The spellings of Baton's enums, in one place so that the CLI, the API and the store
// agree on them.
#include <array>
#include <string_view>

#include "core/handoff.h"
#include "core/people.h"
#include "core/result.h"
#include "core/role.h"
#include "core/timer_kind.h"

namespace baton {

const char* to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::not_found: return "not_found";
        case ErrorCode::conflict: return "conflict";
        case ErrorCode::forbidden: return "forbidden";
        case ErrorCode::limit_exceeded: return "limit_exceeded";
        case ErrorCode::unavailable: return "unavailable";
        case ErrorCode::corrupt: return "corrupt";
        case ErrorCode::internal: return "internal";
    }
    return "internal";
}

}  // namespace baton

namespace baton::core {

const char* to_string(Role role) {
    switch (role) {
        case Role::admin: return "admin";
        case Role::member: return "member";
        case Role::viewer: return "viewer";
    }
    return "member";
}

std::optional<Role> parse_role(std::string_view text) {
    for (Role r : {Role::admin, Role::member, Role::viewer}) {
        if (text == to_string(r)) return r;
    }
    return std::nullopt;
}

const char* to_string(AssignmentRule rule) {
    switch (rule) {
        case AssignmentRule::round_robin: return "round-robin";
        case AssignmentRule::least_loaded: return "least-loaded";
        case AssignmentRule::first: return "first";
    }
    return "round-robin";
}

const char* to_string(HandoffState state) {
    switch (state) {
        case HandoffState::waiting: return "waiting";
        case HandoffState::accepted: return "accepted";
        case HandoffState::done: return "done";
        case HandoffState::declined: return "declined";
        case HandoffState::cancelled: return "cancelled";
    }
    return "waiting";
}

std::optional<HandoffState> parse_handoff_state(std::string_view text) {
    for (HandoffState s : {HandoffState::waiting, HandoffState::accepted, HandoffState::done,
                           HandoffState::declined, HandoffState::cancelled}) {
        if (text == to_string(s)) return s;
    }
    return std::nullopt;
}

const char* to_string(TimerKind kind) {
    switch (kind) {
        case TimerKind::remind: return "remind";
        case TimerKind::escalate: return "escalate";
        case TimerKind::accept_due: return "accept_due";
        case TimerKind::done_due: return "done_due";
    }
    return "remind";
}

std::optional<TimerKind> parse_timer_kind(std::string_view text) {
    for (TimerKind k : {TimerKind::remind, TimerKind::escalate, TimerKind::accept_due,
                        TimerKind::done_due}) {
        if (text == to_string(k)) return k;
    }
    return std::nullopt;
}

}  // namespace baton::core
