// The spellings of the store's enums, shared by every Store implementation so that all of
// them write and read the same words.
#include "store/store.h"

#include <array>

namespace baton::store {

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
    constexpr std::array kinds = {TimerKind::remind, TimerKind::escalate, TimerKind::accept_due,
                                  TimerKind::done_due};
    for (TimerKind kind : kinds) {
        if (text == to_string(kind)) return kind;
    }
    return std::nullopt;
}

}  // namespace baton::store
