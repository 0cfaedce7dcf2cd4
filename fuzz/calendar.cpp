// Fuzzes working-hours calendars: parse_weekly_hours, then Calendar arithmetic in a real
// time zone. Input, one field a line:
//   weekly hours        Mon-Fri 09:00-17:00
//   time zone           Europe/Berlin   (any text; an unknown name must be refused)
//   start               unix milliseconds, clamped to 1970..2100
//   duration            4h   (parse_span)
// Properties: hours that parse format to a canonical spelling that parses to the same
// hours; a working calendar moves forward: add() never returns a point before its start,
// and for a span of clock time only, the working time between the start and the result
// is exactly that span (the two are inverses, across DST changes too); the working time
// between two points never exceeds the elapsed time, and the last millisecond a clock
// span counts is working time.
#include <algorithm>
#include <charconv>
#include <string>

#include "core/calendar.h"
#include "core/duration.h"
#include "fuzz_support.h"

using namespace baton;

namespace {

constexpr std::int64_t start_ms_max = 4'102'444'800'000;  // 2100-01-01

std::int64_t start_of(std::string_view text) {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return std::clamp<std::int64_t>(value, 0, start_ms_max);
}

void check_calendar(const core::Calendar& calendar, TimePoint start, std::string_view span_text) {
    const auto span = core::parse_span(span_text);
    if (!span) return;
    const TimePoint end = calendar.add(start, *span);
    FUZZ_CHECK(end >= start, "add() moved backwards from " + format_rfc3339(start));
    const Milliseconds worked = calendar.working_between(start, end);
    FUZZ_CHECK(worked >= Milliseconds(0) && worked <= end - start,
               "working time between two points is at most the elapsed time");
    if (span->days == 0 && span->weeks == 0) {
        FUZZ_CHECK(worked == span->clock,
                   "from " + format_rfc3339(start) + " + " + core::format_span(*span) + " = " +
                       format_rfc3339(end) + " holds " + std::to_string(worked.count()) +
                       " ms of working time");
        FUZZ_CHECK(calendar.is_working(end - Milliseconds(1)),
                   "the last millisecond a clock span counts is working time");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto fields = fuzz::split_lines(fuzz::as_text(data, size), 4);
    const auto hours = core::parse_weekly_hours(fields[0]);
    if (!hours) return 0;
    const std::string canonical = core::format_weekly_hours(*hours);
    const auto again = core::parse_weekly_hours(canonical);
    FUZZ_CHECK(again.ok(), "the canonical spelling `" + canonical + "` parses");
    FUZZ_CHECK(*again == *hours, "`" + canonical + "` is the same week as the input");
    if (fields.size() < 4) return 0;

    const TimePoint start = from_unix_ms(start_of(fields[2]));
    check_calendar(core::Calendar::always(), start, fields[3]);
    auto calendar = core::Calendar::working(std::string(fields[1]), *hours);
    if (!calendar) {
        FUZZ_CHECK(calendar.error().field == "time_zone", "only the zone can be refused here");
        return 0;
    }
    check_calendar(*calendar, start, fields[3]);
    return 0;
}
