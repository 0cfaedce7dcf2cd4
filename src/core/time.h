// Time in Baton: the core never reads a clock; callers pass `now` as a TimePoint.
// All stored times are UTC milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace baton {

using Milliseconds = std::chrono::milliseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Milliseconds>;

inline std::int64_t to_unix_ms(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint from_unix_ms(std::int64_t ms) { return TimePoint(Milliseconds(ms)); }

// RFC 3339 in UTC with millisecond precision: "2026-11-23T09:30:00.000Z".
std::string format_rfc3339(TimePoint t);
// Accepts RFC 3339 with a 'Z' or a numeric offset, with or without fractional seconds.
std::optional<TimePoint> parse_rfc3339(const std::string& text);

// A human span such as "2 h 5 min", "3 d 4 h", "45 s"; used in tables and timelines.
std::string format_span(Milliseconds span);

}  // namespace baton
