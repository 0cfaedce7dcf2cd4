// Time: RFC 3339 formatting and parsing (UTC output, offsets and fractions on input, real
// calendar dates only) and the human spans used in tables and timelines.
#include "core/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace baton {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2026-11-23T09:30:00Z, worked out independently (Python's datetime).
constexpr std::int64_t nov23_0930_ms = 1795426200000;
// 2024-02-29T12:00:00Z, a leap day.
constexpr std::int64_t leap_day_noon_ms = 1709208000000;

TEST(Time, FormatsUtcWithMilliseconds) {
    struct Case {
        std::int64_t ms;
        const char* text;
    };
    const Case cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {-86400000, "1969-12-31T00:00:00.000Z"},
        {nov23_0930_ms, "2026-11-23T09:30:00.000Z"},
        {nov23_0930_ms + 123, "2026-11-23T09:30:00.123Z"},
        {leap_day_noon_ms, "2024-02-29T12:00:00.000Z"},
        {951782400000, "2000-02-29T00:00:00.000Z"},
        {253402300799999, "9999-12-31T23:59:59.999Z"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.ms);
        EXPECT_EQ(format_rfc3339(from_unix_ms(c.ms)), c.text);
    }
}

TEST(Time, ParsesWhatItFormats) {
    for (std::int64_t ms :
         {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{-86400001},
          nov23_0930_ms, nov23_0930_ms + 999, leap_day_noon_ms, std::int64_t{951782400000},
          std::int64_t{4102444799999}}) {
        SCOPED_TRACE(ms);
        const TimePoint t = from_unix_ms(ms);
        const auto parsed = parse_rfc3339(format_rfc3339(t));
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(to_unix_ms(*parsed), ms);
    }
}

TEST(Time, ParsesOffsetsZoneLettersAndSeparators) {
    struct Case {
        const char* text;
        std::int64_t ms;
    };
    const Case cases[] = {
        {"2026-11-23T09:30:00Z", nov23_0930_ms},
        {"2026-11-23T09:30:00z", nov23_0930_ms},
        {"2026-11-23t09:30:00Z", nov23_0930_ms},
        {"2026-11-23 09:30:00Z", nov23_0930_ms},
        {"2026-11-23T09:30:00+00:00", nov23_0930_ms},
        {"2026-11-23T09:30:00-00:00", nov23_0930_ms},
        {"2026-11-23T10:30:00+01:00", nov23_0930_ms},
        {"2026-11-23T04:30:00-05:00", nov23_0930_ms},
        {"2026-11-23T15:00:00+05:30", nov23_0930_ms},
        {"2026-11-23T23:15:00+13:45", nov23_0930_ms},
        // Offsets that move the instant across a day boundary.
        {"2026-11-22T23:30:00-10:00", nov23_0930_ms},
        {"2026-11-24T00:30:00+15:00", nov23_0930_ms},
        // A leap second is read as the last second of its minute.
        {"2026-11-23T09:29:60Z", nov23_0930_ms - 1000},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const auto parsed = parse_rfc3339(c.text);
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(to_unix_ms(*parsed), c.ms);
    }
}

TEST(Time, ParsesFractionsToMilliseconds) {
    struct Case {
        const char* text;
        std::int64_t ms;
    };
    const Case cases[] = {
        {"2026-11-23T09:30:00.5Z", nov23_0930_ms + 500},
        {"2026-11-23T09:30:00.05Z", nov23_0930_ms + 50},
        {"2026-11-23T09:30:00.123Z", nov23_0930_ms + 123},
        {"2026-11-23T09:30:00.000Z", nov23_0930_ms},
        // Digits past milliseconds are dropped, never rounded up.
        {"2026-11-23T09:30:00.1239Z", nov23_0930_ms + 123},
        {"2026-11-23T09:30:00.999999999Z", nov23_0930_ms + 999},
        {"2026-11-23T10:30:00.250+01:00", nov23_0930_ms + 250},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const auto parsed = parse_rfc3339(c.text);
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(to_unix_ms(*parsed), c.ms);
    }
}

TEST(Time, RefusesWhatIsNotAnRfc3339Timestamp) {
    const char* const cases[] = {
        "",
        "2026-11-23",
        "2026-11-23T09:30",
        "2026-11-23T09:30:00",      // no zone
        "2026-11-23T09:30:00.123",  // no zone after a fraction
        "2026-11-23T09:30:00 Z",
        "2026-11-23T09:30:00+0100",  // offset without a colon
        "2026-11-23T09:30:00+01",
        "2026-11-23T09:30:00+24:00",
        "2026-11-23T09:30:00+01:60",
        "2026-11-23T09:30:00ZZ",  // trailing text
        "2026-11-23T09:30:00Z ",
        "2026-11-23T09:30:00.Z",            // a dot without digits
        "2026-11-23T09:30:00.1234567891Z",  // more than nanoseconds
        "2026-02-30T09:30:00Z",             // no such date
        "2026-02-29T09:30:00Z",             // 2026 is not a leap year
        "1900-02-29T09:30:00Z",             // nor is 1900
        "2026-04-31T09:30:00Z",
        "2026-00-10T09:30:00Z",
        "2026-13-10T09:30:00Z",
        "2026-11-00T09:30:00Z",
        "2026-11-32T09:30:00Z",
        "2026-11-23T25:00:00Z",
        "2026-11-23T24:00:00Z",
        "2026-11-23T09:60:00Z",
        "2026-11-23T09:30:61Z",
        "26-11-23T09:30:00Z",
        "2026/11/23T09:30:00Z",
        "2026-11-23X09:30:00Z",
        "2026-1-23T09:30:00Z",
        "2026-11-23T9:30:00Z",
        "next tuesday",
    };
    for (const char* text : cases) {
        SCOPED_TRACE(text);
        EXPECT_FALSE(parse_rfc3339(text).has_value());
    }
}

TEST(Time, AcceptsRealLeapDays) {
    ASSERT_TRUE(parse_rfc3339("2024-02-29T12:00:00Z").has_value());
    EXPECT_EQ(to_unix_ms(*parse_rfc3339("2024-02-29T12:00:00Z")), leap_day_noon_ms);
    EXPECT_TRUE(parse_rfc3339("2000-02-29T00:00:00Z").has_value());  // divisible by 400
}

TEST(Time, FormatsSpansForPeople) {
    struct Case {
        Milliseconds span;
        const char* text;
    };
    const Case cases[] = {
        {Milliseconds(0), "0 s"},
        {Milliseconds(999), "0 s"},
        {seconds(45), "45 s"},
        {seconds(60), "1 min"},
        {seconds(90), "1 min"},  // seconds are dropped once there are minutes
        {minutes(59) + seconds(59), "59 min"},
        {hours(2), "2 h"},
        {hours(2) + minutes(5), "2 h 5 min"},
        {hours(2) + minutes(5) + seconds(30), "2 h 5 min"},
        {hours(23) + minutes(59), "23 h 59 min"},
        {hours(24), "1 d"},
        {hours(24) + minutes(30), "1 d"},  // minutes are dropped once there are days
        {hours(3 * 24 + 4), "3 d 4 h"},
        {hours(400 * 24), "400 d"},
        {-(hours(2) + minutes(5)), "-2 h 5 min"},
        {-seconds(45), "-45 s"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.span.count());
        EXPECT_EQ(format_span(c.span), c.text);
    }
}

}  // namespace
}  // namespace baton
