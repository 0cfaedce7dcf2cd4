// TimerKind: what a timer of a handoff does when it falls due — remind the owner, escalate
// a level, or mark the accept or done deadline as passed.
#pragma once

#include <optional>
#include <string_view>

namespace baton::core {

enum class TimerKind { remind, escalate, accept_due, done_due };
const char* to_string(TimerKind kind);
std::optional<TimerKind> parse_timer_kind(std::string_view text);

}  // namespace baton::core
