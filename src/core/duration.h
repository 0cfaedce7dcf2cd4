// Durations as written in playbooks: "90s", "30m", "4h", "2d", "1w", and sums of them
// such as "1d 4h" or "1h30m". The unit matters on a working-hours calendar: hours,
// minutes and seconds count working time, days count working days, weeks count calendar
// weeks (see calendar.h). A Span is a plain value.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace baton::core {

struct Span {
    std::chrono::seconds clock{0};  // the s/m/h part: working time on a calendar
    int days = 0;                   // the d part: working days on a calendar
    int weeks = 0;                  // the w part: calendar weeks (7 days) on any calendar

    // The span as plain elapsed time on a 24x7 calendar.
    std::chrono::seconds total_24x7() const {
        return clock + std::chrono::hours(24) * days + std::chrono::hours(24 * 7) * weeks;
    }
    bool is_zero() const { return clock.count() == 0 && days == 0 && weeks == 0; }
    friend bool operator==(const Span&, const Span&) = default;
};

// Parses a duration. Errors name the offending column (0-based) in Error::field as
// "col:N" so that YAML diagnostics can point at it. Refuses empty input, unknown units,
// a zero total, and totals over limits::duration_seconds_max.
Result<Span> parse_span(std::string_view text);

// The canonical spelling: "1w 2d 4h 30m 15s" with zero parts left out.
std::string format_span(const Span& span);

}  // namespace baton::core
