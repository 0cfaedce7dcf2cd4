// Working-hours calendars: the weekly-hours grammar and its errors, and add(),
// working_between() and is_working() on real time zones, across weekends, lunch breaks
// and the DST changes of Europe/Berlin (last Sundays of March and October) and
// America/New_York (second Sunday of March, first Sunday of November). Every instant in
// a table carries its UTC offset, so the expected values read as local times.
#include "core/calendar.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace baton::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Parses "2026-02-06T16:00+01:00", "2026-02-06T16:00:30Z" and the like. The test keeps
// its own parser so that it depends only on the code under test.
TimePoint at(std::string_view text) {
    const std::string s(text);
    auto number = [&](std::size_t pos, std::size_t length) {
        return std::stoi(s.substr(pos, length));
    };
    const std::chrono::year_month_day date{std::chrono::year(number(0, 4)),
                                           std::chrono::month(unsigned(number(5, 2))),
                                           std::chrono::day(unsigned(number(8, 2)))};
    std::chrono::sys_seconds local =
        std::chrono::sys_days(date) + hours(number(11, 2)) + minutes(number(14, 2));
    std::size_t pos = 16;
    if (s[pos] == ':') {
        local += seconds(number(17, 2));
        pos = 19;
    }
    std::chrono::minutes offset{0};
    if (s[pos] != 'Z') {
        offset = hours(number(pos + 1, 2)) + minutes(number(pos + 4, 2));
        if (s[pos] == '-') offset = -offset;
    }
    return std::chrono::time_point_cast<Milliseconds>(local - offset);
}

// UTC, for readable failures.
std::string show(TimePoint t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{t - day};
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(date.year()),
                  unsigned(date.month()), unsigned(date.day()), int(time.hours().count()),
                  int(time.minutes().count()), int(time.seconds().count()),
                  int(time.subseconds().count()));
    return text;
}

WeeklyHours hours_of(const char* spec) {
    auto parsed = parse_weekly_hours(spec);
    EXPECT_TRUE(parsed.ok()) << spec << ": " << parsed.error().message;
    return parsed.ok() ? *parsed : default_weekly_hours();
}

Calendar calendar(const char* zone, const char* spec) {
    auto made = Calendar::working(zone, hours_of(spec));
    EXPECT_TRUE(made.ok()) << zone << ": " << made.error().message;
    return made.ok() ? *made : Calendar::always();
}

Span span_of(const char* text) {
    auto span = parse_span(text);
    EXPECT_TRUE(span.ok()) << text << ": " << span.error().message;
    return span.ok() ? *span : Span{};
}

constexpr const char* weekdays = "Mon-Fri 09:00-17:00";
constexpr const char* lunch = "Mon-Fri 09:00-12:00 13:00-17:00";
constexpr const char* short_friday = "Mon-Thu 09:00-17:00, Fri 09:00-13:00";
constexpr const char* weekend = "Sat-Sun 10:00-14:00";
constexpr const char* all_day = "Mon-Sun 00:00-24:00";

// ---------------------------------------------------------------------------------------
// Weekly hours.

WeeklyHours week_of(std::vector<std::vector<WorkInterval>> days) {
    WeeklyHours week;
    for (std::size_t i = 0; i < days.size(); ++i) week.days[i] = days[i];
    return week;
}

const std::vector<WorkInterval> nine_to_five = {{540, 1020}};
const std::vector<WorkInterval> none = {};

struct HoursCase {
    const char* text;
    WeeklyHours expected;
    const char* canonical;
    friend std::ostream& operator<<(std::ostream& out, const HoursCase& c) {
        return out << "`" << c.text << "`";
    }
};

class ValidHoursTest : public ::testing::TestWithParam<HoursCase> {};

TEST_P(ValidHoursTest, ParsesAndFormats) {
    const HoursCase& c = GetParam();
    auto parsed = parse_weekly_hours(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, c.expected) << c.text;
    EXPECT_EQ(format_weekly_hours(*parsed), c.canonical) << c.text;
    auto again = parse_weekly_hours(format_weekly_hours(*parsed));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *parsed);
}

const HoursCase grammar_cases[] = {
    HoursCase{"Mon-Fri 09:00-17:30",
              week_of({{{540, 1050}}, {{540, 1050}}, {{540, 1050}}, {{540, 1050}}, {{540, 1050}}}),
              "Mon-Fri 09:00-17:30"},
    HoursCase{"Mon-Thu 09:00-17:00, Fri 09:00-13:00",
              week_of({nine_to_five, nine_to_five, nine_to_five, nine_to_five, {{540, 780}}}),
              "Mon-Thu 09:00-17:00, Fri 09:00-13:00"},
    HoursCase{"Mon-Fri 09:00-12:00 13:00-17:00",
              week_of(std::vector<std::vector<WorkInterval>>(5, {{540, 720}, {780, 1020}})),
              "Mon-Fri 09:00-12:00 13:00-17:00"},
    HoursCase{"Sat-Sun 10:00-14:00",
              week_of({none, none, none, none, none, {{600, 840}}, {{600, 840}}}),
              "Sat-Sun 10:00-14:00"},
    HoursCase{"Fri-Mon 10:00-14:00",  // wraps over the end of the week
              week_of({{{600, 840}}, none, none, none, {{600, 840}}, {{600, 840}}, {{600, 840}}}),
              "Mon 10:00-14:00, Fri-Sun 10:00-14:00"},
    HoursCase{"Sat 10:00-14:00", week_of({none, none, none, none, none, {{600, 840}}}),
              "Sat 10:00-14:00"},
    HoursCase{"mon-FRI 9:00-17:00",
              week_of({nine_to_five, nine_to_five, nine_to_five, nine_to_five, nine_to_five}),
              "Mon-Fri 09:00-17:00"},
    HoursCase{"Mon 22:00-24:00, Tue 00:00-06:00", week_of({{{1320, 1440}}, {{0, 360}}}),
              "Mon 22:00-24:00, Tue 00:00-06:00"},
    HoursCase{"  Mon - Wed  09:00 - 17:00  ", week_of({nine_to_five, nine_to_five, nine_to_five}),
              "Mon-Wed 09:00-17:00"},
    HoursCase{"Mon 13:00-17:00 09:00-12:00", week_of({{{540, 720}, {780, 1020}}}),
              "Mon 09:00-12:00 13:00-17:00"},
    HoursCase{"Mon 09:00-12:00 12:00-13:00", week_of({{{540, 720}, {720, 780}}}),
              "Mon 09:00-12:00 12:00-13:00"},
    HoursCase{"Mon-Tue 09:00-12:00, Mon 13:00-14:00",
              week_of({{{540, 720}, {780, 840}}, {{540, 720}}}),
              "Mon 09:00-12:00 13:00-14:00, Tue 09:00-12:00"},
    HoursCase{"Wed-Wed 00:00-24:00", week_of({none, none, {{0, 1440}}}), "Wed 00:00-24:00"},
};
INSTANTIATE_TEST_SUITE_P(Grammar, ValidHoursTest, ::testing::ValuesIn(grammar_cases));

struct HoursErrorCase {
    const char* text;
    int column;
    const char* message;
    friend std::ostream& operator<<(std::ostream& out, const HoursErrorCase& c) {
        return out << "`" << c.text << "`";
    }
};

class InvalidHoursTest : public ::testing::TestWithParam<HoursErrorCase> {};

TEST_P(InvalidHoursTest, NamesTheColumn) {
    const HoursErrorCase& c = GetParam();
    auto parsed = parse_weekly_hours(c.text);
    ASSERT_FALSE(parsed.ok()) << "accepted `" << c.text << "`";
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(parsed.error().field, "col:" + std::to_string(c.column)) << c.text;
    EXPECT_NE(parsed.error().message.find(c.message), std::string::npos)
        << c.text << ": " << parsed.error().message;
}

const HoursErrorCase hours_error_cases[] = {
    HoursErrorCase{"", 0, "empty working hours"},
    HoursErrorCase{"  ", 0, "empty working hours"},
    HoursErrorCase{"Mon-Fri", 7, "expected working hours such as 09:00-17:00 at column 7"},
    HoursErrorCase{"Mo-Fri 09:00-17:00", 0, "unknown day `Mo` at column 0; use Mon"},
    HoursErrorCase{"Mon-Fre 09:00-17:00", 4, "unknown day `Fre` at column 4"},
    HoursErrorCase{"Monday 09:00-17:00", 0, "unknown day `Monday`"},
    HoursErrorCase{"09:00-17:00", 0, "expected a day name"},
    HoursErrorCase{"Mon-Fri 25:00-26:00", 8, "bad time `25:00` at column 8"},
    HoursErrorCase{"Mon-Fri 09:60-17:00", 8, "bad time `09:60` at column 8"},
    HoursErrorCase{"Mon 09:00-24:30", 10, "bad time `24:30` at column 10"},
    HoursErrorCase{"Mon-Fri 17:00-09:00", 8, "17:00-09:00 at column 8 end before"},
    HoursErrorCase{"Mon 09:00-09:00", 4, "end before they start"},
    HoursErrorCase{"Mon 24:00-24:00", 4, "end before they start"},
    HoursErrorCase{"Mon-Fri 09:00-12:00 11:00-13:00", 20,
                   "11:00-13:00 at column 20 overlap 09:00-12:00 on Mon"},
    HoursErrorCase{"Mon-Fri 09:00-17:00, Wed 12:00-13:00", 25,
                   "12:00-13:00 at column 25 overlap 09:00-17:00 on Wed"},
    HoursErrorCase{"Mon 0900-1700", 4, "expected a time such as 09:00 at column 4"},
    HoursErrorCase{"Mon 9-17", 4, "expected a time"},
    HoursErrorCase{"Mon 09:0-17:00", 4, "expected a time"},
    // Minutes with many digits: refused, and no int overflow on the way (UBSan).
    HoursErrorCase{"Mon 09:0775318400500-17:00", 4, "expected a time"},
    HoursErrorCase{"Mon 09:00-17:99999999999999999999", 10, "expected a time"},
    HoursErrorCase{"Mon 09:00", 9, "expected `-` and an end time at column 9"},
    HoursErrorCase{"Mon 09:00-", 10, "expected a time"},
    HoursErrorCase{"Mon 09:00-17:00,", 16, "expected a day name"},
    HoursErrorCase{"Mon 09:00-17:00; Tue 09:00-17:00", 15, "expected `,`"},
};
INSTANTIATE_TEST_SUITE_P(Errors, InvalidHoursTest, ::testing::ValuesIn(hours_error_cases));

TEST(WeeklyHoursTest, DefaultIsWeekdaysNineToFive) {
    EXPECT_EQ(format_weekly_hours(default_weekly_hours()), "Mon-Fri 09:00-17:00");
    EXPECT_EQ(default_weekly_hours(), hours_of(weekdays));
}

TEST(WeeklyHoursTest, FormatsGapsAsSeparateGroups) {
    EXPECT_EQ(format_weekly_hours(hours_of("Mon 09:00-17:00, Wed 09:00-17:00")),
              "Mon 09:00-17:00, Wed 09:00-17:00");
}

// ---------------------------------------------------------------------------------------
// Building calendars.

TEST(CalendarTest, UnknownTimeZoneIsRefused) {
    auto made = Calendar::working("Mars/Olympus_Mons", default_weekly_hours());
    ASSERT_FALSE(made.ok());
    EXPECT_EQ(made.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(made.error().field, "time_zone");
    EXPECT_NE(made.error().message.find("Mars/Olympus_Mons"), std::string::npos);
}

TEST(CalendarTest, HandBuiltHoursAreChecked) {
    auto empty = Calendar::working("UTC", WeeklyHours{});
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().field, "hours");
    auto unsorted = Calendar::working("UTC", week_of({{{780, 1020}, {540, 720}}}));
    ASSERT_FALSE(unsorted.ok());
    EXPECT_EQ(unsorted.error().field, "hours");
    auto backwards = Calendar::working("UTC", week_of({{{600, 540}}}));
    EXPECT_FALSE(backwards.ok());
}

TEST(CalendarTest, KeepsItsZone) {
    const Calendar berlin = calendar("Europe/Berlin", weekdays);
    EXPECT_FALSE(berlin.is_24x7());
    EXPECT_EQ(berlin.time_zone(), "Europe/Berlin");
    EXPECT_TRUE(Calendar::always().is_24x7());
}

TEST(CalendarTest, CopiesAreEqualValues) {
    const Calendar original = calendar("Europe/Berlin", weekdays);
    Calendar copy = Calendar::always();
    copy = original;
    const TimePoint friday = at("2026-02-06T16:00+01:00");
    EXPECT_EQ(show(copy.add(friday, span_of("2h"))), show(at("2026-02-09T10:00+01:00")));
    EXPECT_EQ(show(original.add(friday, span_of("2h"))), show(at("2026-02-09T10:00+01:00")));
}

// ---------------------------------------------------------------------------------------
// add().

TEST(CalendarAddTest, AlwaysIsPlainAddition) {
    const Calendar always = Calendar::always();
    const TimePoint start = at("2026-03-28T12:00+01:00");
    EXPECT_EQ(show(always.add(start, span_of("2h"))), show(start + hours(2)));
    EXPECT_EQ(show(always.add(start, span_of("1d 4h"))), show(start + hours(28)));
    EXPECT_EQ(show(always.add(start, span_of("1w"))), show(start + hours(168)));
    EXPECT_EQ(show(always.add(start, span_of("90s"))), show(start + seconds(90)));
    EXPECT_EQ(show(always.add(start, Span{})), show(start));
}

struct AddCase {
    const char* zone;
    const char* spec;
    const char* start;
    const char* span;
    const char* expected;
    friend std::ostream& operator<<(std::ostream& out, const AddCase& c) {
        return out << c.zone << " `" << c.spec << "` " << c.start << " + " << c.span;
    }
};

class CalendarAddTest : public ::testing::TestWithParam<AddCase> {};

TEST_P(CalendarAddTest, LandsOnTheExpectedInstant) {
    const AddCase& c = GetParam();
    const Calendar cal = calendar(c.zone, c.spec);
    EXPECT_EQ(show(cal.add(at(c.start), span_of(c.span))), show(at(c.expected)))
        << c.zone << " " << c.spec << ": " << c.start << " + " << c.span;
}

// Berlin in February 2026 is on CET (+01:00); 2026-02-02 is a Monday.
const AddCase clock_cases[] = {
    // Across a weekend: Fri 16:00 + 2h is Mon 10:00.
    AddCase{"Europe/Berlin", weekdays, "2026-02-06T16:00+01:00", "2h", "2026-02-09T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "30m", "2026-02-02T10:30+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "90s",
            "2026-02-02T10:01:30+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T09:00+01:00", "1m", "2026-02-02T09:01+01:00"},
    // Before and after hours: the count starts at the next working moment.
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T07:00+01:00", "1h", "2026-02-02T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T18:00+01:00", "1h", "2026-02-03T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T17:00+01:00", "1h", "2026-02-03T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-07T12:00+01:00", "1h", "2026-02-09T10:00+01:00"},
    // Time that runs out at the end of a day ends there, not the next morning.
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T16:00+01:00", "1h", "2026-02-02T17:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T09:00+01:00", "8h", "2026-02-02T17:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T09:00+01:00", "40h", "2026-02-06T17:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T09:00+01:00", "41h", "2026-02-09T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T09:00+01:00", "400h", "2026-04-10T17:00+02:00"},
    // A lunch break is not working time.
    AddCase{"Europe/Berlin", lunch, "2026-02-02T11:00+01:00", "1h", "2026-02-02T12:00+01:00"},
    AddCase{"Europe/Berlin", lunch, "2026-02-02T11:00+01:00", "2h", "2026-02-02T14:00+01:00"},
    AddCase{"Europe/Berlin", lunch, "2026-02-02T12:30+01:00", "1h", "2026-02-02T14:00+01:00"},
    AddCase{"Europe/Berlin", lunch, "2026-02-02T09:00+01:00", "7h", "2026-02-02T17:00+01:00"},
    AddCase{"Europe/Berlin", lunch, "2026-02-02T09:00+01:00", "8h", "2026-02-03T10:00+01:00"},
    AddCase{"Europe/Berlin", short_friday, "2026-02-05T15:00+01:00", "4h",
            "2026-02-06T11:00+01:00"},
    AddCase{"Europe/Berlin", short_friday, "2026-02-06T12:00+01:00", "2h",
            "2026-02-09T10:00+01:00"},
    AddCase{"Europe/Berlin", weekend, "2026-02-06T12:00+01:00", "1h", "2026-02-07T11:00+01:00"},
    AddCase{"Europe/Berlin", weekend, "2026-02-08T13:00+01:00", "2h", "2026-02-14T11:00+01:00"},
    AddCase{"UTC", weekdays, "2026-02-06T16:00Z", "2h", "2026-02-09T10:00Z"},
};
INSTANTIATE_TEST_SUITE_P(Clock, CalendarAddTest, ::testing::ValuesIn(clock_cases));

const AddCase days_and_weeks_cases[] = {
    // Days keep the working-time offset into the day.
    AddCase{"Europe/Berlin", weekdays, "2026-02-05T10:00+01:00", "1d", "2026-02-06T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-05T10:00+01:00", "2d",  // from a Thursday
            "2026-02-09T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "5d", "2026-02-09T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "10d", "2026-02-16T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T16:59+01:00", "1d", "2026-02-03T16:59+01:00"},
    // A start outside hours first moves to the next working moment (offset 0).
    AddCase{"Europe/Berlin", weekdays, "2026-02-06T18:00+01:00", "1d", "2026-02-10T09:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-07T12:00+01:00", "1d", "2026-02-10T09:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T07:00+01:00", "1d", "2026-02-03T09:00+01:00"},
    AddCase{"Europe/Berlin", lunch, "2026-02-02T14:00+01:00", "1d", "2026-02-03T14:00+01:00"},
    AddCase{"Europe/Berlin", lunch, "2026-02-02T12:30+01:00", "1d", "2026-02-03T13:00+01:00"},
    // A shorter day caps the offset at its end.
    AddCase{"Europe/Berlin", short_friday, "2026-02-05T15:00+01:00", "1d",
            "2026-02-06T13:00+01:00"},
    AddCase{"Europe/Berlin", short_friday, "2026-02-05T15:00+01:00", "2d",
            "2026-02-09T15:00+01:00"},
    AddCase{"Europe/Berlin", weekend, "2026-02-07T11:00+01:00", "1d", "2026-02-08T11:00+01:00"},
    AddCase{"Europe/Berlin", weekend, "2026-02-08T11:00+01:00", "1d", "2026-02-14T11:00+01:00"},
    // Days, then the clock part in working time.
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "1d 4h", "2026-02-03T14:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T14:00+01:00", "1d 4h", "2026-02-04T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T16:30+01:00", "1d 1h", "2026-02-04T09:30+01:00"},
    // Weeks are calendar weeks; the result may be outside working time.
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "1w", "2026-02-09T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-07T12:00+01:00", "1w", "2026-02-14T12:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-07T12:00+01:00", "1w 1h", "2026-02-16T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "1w 2d 3h",
            "2026-02-11T13:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "2w", "2026-02-16T10:00+01:00"},
};
INSTANTIATE_TEST_SUITE_P(DaysAndWeeks, CalendarAddTest, ::testing::ValuesIn(days_and_weeks_cases));

// Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST; 2026-10-25 03:00 CEST becomes 02:00 CET.
// New York: 2026-03-08 02:00 EST becomes 03:00 EDT; 2026-11-01 02:00 EDT becomes 01:00 EST.
const AddCase dst_cases[] = {
    AddCase{"Europe/Berlin", weekdays, "2026-03-27T16:00+01:00", "2h", "2026-03-30T10:00+02:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-10-23T16:00+02:00", "2h", "2026-10-26T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-03-27T10:00+01:00", "1d", "2026-03-30T10:00+02:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-10-23T10:00+02:00", "1d", "2026-10-26T10:00+01:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-03-23T10:00+01:00", "1w", "2026-03-30T10:00+02:00"},
    AddCase{"Europe/Berlin", weekdays, "2026-10-19T10:00+02:00", "1w", "2026-10-26T10:00+01:00"},
    // Working around the clock: a day keeps the wall time, hours are real hours.
    AddCase{"Europe/Berlin", all_day, "2026-03-28T12:00+01:00", "1d", "2026-03-29T12:00+02:00"},
    AddCase{"Europe/Berlin", all_day, "2026-03-28T12:00+01:00", "24h", "2026-03-29T13:00+02:00"},
    AddCase{"Europe/Berlin", all_day, "2026-10-24T12:00+02:00", "1d", "2026-10-25T12:00+01:00"},
    AddCase{"Europe/Berlin", all_day, "2026-10-24T12:00+02:00", "24h", "2026-10-25T11:00+01:00"},
    // An interval that the jump shortens (spring) or lengthens (autumn).
    AddCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-03-29T01:00+01:00", "1h",
            "2026-03-29T03:00+02:00"},
    AddCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-03-29T01:00+01:00", "2h",
            "2026-03-29T04:00+02:00"},
    AddCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-03-29T01:00+01:00", "3h",
            "2026-04-05T02:00+02:00"},
    AddCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-10-25T01:00+02:00", "3h",
            "2026-10-25T03:00+01:00"},
    AddCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-10-25T01:00+02:00", "4h",
            "2026-10-25T04:00+01:00"},
    // A day that lands on a wall time the spring jump skips lands on the jump.
    AddCase{"Europe/Berlin", "Mon-Sun 02:00-04:00", "2026-03-28T02:30+01:00", "1d",
            "2026-03-29T03:00+02:00"},
    // One that lands on a wall time the autumn jump repeats takes its first occurrence.
    AddCase{"Europe/Berlin", "Mon-Sun 02:00-04:00", "2026-10-24T02:30+02:00", "1d",
            "2026-10-25T02:30+02:00"},
    AddCase{"America/New_York", weekdays, "2026-03-06T16:00-05:00", "2h", "2026-03-09T10:00-04:00"},
    AddCase{"America/New_York", weekdays, "2026-10-30T16:00-04:00", "2h", "2026-11-02T10:00-05:00"},
    AddCase{"America/New_York", weekdays, "2026-03-06T11:00-05:00", "1d", "2026-03-09T11:00-04:00"},
    AddCase{"America/New_York", all_day, "2026-10-31T12:00-04:00", "24h", "2026-11-01T11:00-05:00"},
    AddCase{"America/New_York", "Sun 01:00-03:00", "2026-11-01T01:00-04:00", "2h",
            "2026-11-01T02:00-05:00"},
    AddCase{"America/New_York", "Sun 01:00-03:00", "2026-11-01T01:00-04:00", "3h",
            "2026-11-01T03:00-05:00"},
};
INSTANTIATE_TEST_SUITE_P(DaylightSaving, CalendarAddTest, ::testing::ValuesIn(dst_cases));

// The longest spans on the sparsest calendars finish at once: whole weeks are skipped
// arithmetically, not walked.
TEST(CalendarAddTest, LongSpansOnSparseCalendars) {
    const Calendar hour_a_week = calendar("UTC", "Mon 09:00-10:00");
    const TimePoint monday = at("2026-02-02T09:00Z");
    // 8784 working hours at one an hour a week: the last one is 8783 weeks later.
    EXPECT_EQ(show(hour_a_week.add(monday, span_of("8784h"))),
              show(monday + std::chrono::days(7 * 8783) + hours(1)));
    EXPECT_EQ(show(hour_a_week.add(monday, span_of("366d"))),
              show(monday + std::chrono::days(7 * 366)));

    const Calendar minute_a_week = calendar("UTC", "Mon 09:00-09:01");
    EXPECT_EQ(show(minute_a_week.add(monday, span_of("527040m"))),
              show(monday + std::chrono::days(7 * 527039) + minutes(1)));

    // In a zone with DST, 366 working days at one day a week: still winter seven years on.
    const Calendar berlin = calendar("Europe/Berlin", "Mon 09:00-10:00");
    const TimePoint winter_monday = at("2026-02-02T09:30+01:00");
    EXPECT_EQ(show(berlin.add(winter_monday, span_of("366d"))),
              show(winter_monday + std::chrono::days(7 * 366)));
    EXPECT_EQ(show(berlin.add(winter_monday, span_of("52w"))), show(at("2027-02-01T09:30+01:00")));
}

// ---------------------------------------------------------------------------------------
// working_between() and is_working().

struct BetweenCase {
    const char* zone;
    const char* spec;
    const char* start;
    const char* end;
    Milliseconds expected;
    friend std::ostream& operator<<(std::ostream& out, const BetweenCase& c) {
        return out << c.zone << " `" << c.spec << "` " << c.start << " .. " << c.end;
    }
};

class WorkingBetweenTest : public ::testing::TestWithParam<BetweenCase> {};

TEST_P(WorkingBetweenTest, CountsWorkingTime) {
    const BetweenCase& c = GetParam();
    const Calendar cal = calendar(c.zone, c.spec);
    EXPECT_EQ(cal.working_between(at(c.start), at(c.end)).count(), c.expected.count())
        << c.zone << " " << c.spec << ": " << c.start << " .. " << c.end;
}

const BetweenCase between_cases[] = {
    BetweenCase{"Europe/Berlin", weekdays, "2026-02-02T00:00+01:00", "2026-02-09T00:00+01:00",
                hours(40)},
    BetweenCase{"Europe/Berlin", weekdays, "2026-02-06T16:00+01:00", "2026-02-09T10:00+01:00",
                hours(2)},
    BetweenCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "2026-02-02T10:30+01:00",
                minutes(30)},
    BetweenCase{"Europe/Berlin", weekdays, "2026-02-02T10:00+01:00", "2026-02-02T10:00+01:00",
                hours(0)},
    BetweenCase{"Europe/Berlin", weekdays, "2026-02-03T10:00+01:00", "2026-02-02T10:00+01:00",
                hours(0)},
    BetweenCase{"Europe/Berlin", weekdays, "2026-02-07T00:00+01:00", "2026-02-09T00:00+01:00",
                hours(0)},
    BetweenCase{"Europe/Berlin", lunch, "2026-02-02T11:00+01:00", "2026-02-02T14:00+01:00",
                hours(2)},
    BetweenCase{"Europe/Berlin", weekdays, "2026-01-05T00:00+01:00", "2027-01-04T00:00+01:00",
                hours(40 * 52)},
    // The DST weekend falls outside working hours: a week is still 40 hours.
    BetweenCase{"Europe/Berlin", weekdays, "2026-03-23T00:00+01:00", "2026-03-30T00:00+02:00",
                hours(40)},
    BetweenCase{"Europe/Berlin", all_day, "2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00",
                hours(23)},
    BetweenCase{"Europe/Berlin", all_day, "2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00",
                hours(25)},
    BetweenCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-03-28T00:00+01:00",
                "2026-03-30T00:00+02:00", hours(2)},
    BetweenCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-10-24T00:00+02:00",
                "2026-10-26T00:00+01:00", hours(4)},
    BetweenCase{"America/New_York", all_day, "2026-11-01T00:00-04:00", "2026-11-02T00:00-05:00",
                hours(25)},
    BetweenCase{"America/New_York", "Sun 01:00-03:00", "2026-10-31T00:00-04:00",
                "2026-11-02T00:00-05:00", hours(3)},
    BetweenCase{"America/New_York", "Sun 01:00-03:00", "2026-03-07T00:00-05:00",
                "2026-03-09T00:00-04:00", hours(1)},
};
INSTANTIATE_TEST_SUITE_P(Cases, WorkingBetweenTest, ::testing::ValuesIn(between_cases));

TEST(WorkingBetweenTest, AlwaysIsElapsedTime) {
    const Calendar always = Calendar::always();
    const TimePoint start = at("2026-03-28T12:00+01:00");
    EXPECT_EQ(always.working_between(start, start + hours(30)).count(),
              Milliseconds(hours(30)).count());
    EXPECT_EQ(always.working_between(start + hours(1), start).count(), 0);
}

// working_between inverts add for clock spans: starting anywhere (in or out of hours)
// over two weeks around each DST change, the span is exactly the working time between the
// start and the result, and a millisecond less is not enough.
TEST(WorkingBetweenTest, InvertsAddForClockSpans) {
    const std::vector<Calendar> calendars = {calendar("Europe/Berlin", weekdays),
                                             calendar("Europe/Berlin", lunch),
                                             calendar("Europe/Berlin", short_friday),
                                             calendar("Europe/Berlin", weekend),
                                             calendar("Europe/Berlin", all_day),
                                             calendar("Europe/Berlin", "Sun 01:00-04:00"),
                                             calendar("America/New_York", weekdays),
                                             calendar("America/New_York", all_day),
                                             calendar("America/New_York", "Sun 01:00-03:00")};
    const char* spans[] = {"1m", "90m", "4h", "7h", "8h", "17h", "40h 30s", "100h"};
    const TimePoint windows[] = {at("2026-03-02T00:00Z"), at("2026-03-23T00:00Z"),
                                 at("2026-10-19T00:00Z"), at("2026-10-26T00:00Z")};
    int checked_in_hours = 0;
    for (const Calendar& cal : calendars) {
        for (const TimePoint window : windows) {
            for (auto start = window; start < window + std::chrono::days(14);
                 start += minutes(97)) {
                for (const char* text : spans) {
                    const Span span = span_of(text);
                    const TimePoint end = cal.add(start, span);
                    const Milliseconds clock = span.clock;
                    ASSERT_EQ(cal.working_between(start, end).count(), clock.count())
                        << cal.time_zone() << " " << show(start) << " + " << text;
                    ASSERT_LT(cal.working_between(start, end - Milliseconds(1)).count(),
                              clock.count())
                        << cal.time_zone() << " " << show(start) << " + " << text;
                    if (cal.is_working(start)) ++checked_in_hours;
                }
            }
        }
    }
    EXPECT_GT(checked_in_hours, 1000);
}

struct WorkingCase {
    const char* zone;
    const char* spec;
    const char* time;
    bool expected;
    friend std::ostream& operator<<(std::ostream& out, const WorkingCase& c) {
        return out << c.zone << " `" << c.spec << "` " << c.time;
    }
};

class IsWorkingTest : public ::testing::TestWithParam<WorkingCase> {};

TEST_P(IsWorkingTest, FollowsTheLocalWallClock) {
    const WorkingCase& c = GetParam();
    EXPECT_EQ(calendar(c.zone, c.spec).is_working(at(c.time)), c.expected)
        << c.zone << " " << c.spec << ": " << c.time;
}

const WorkingCase is_working_cases[] = {
    WorkingCase{"Europe/Berlin", weekdays, "2026-02-02T09:00+01:00", true},
    WorkingCase{"Europe/Berlin", weekdays, "2026-02-02T08:59:59+01:00", false},
    WorkingCase{"Europe/Berlin", weekdays, "2026-02-02T16:59:59+01:00", true},
    WorkingCase{"Europe/Berlin", weekdays, "2026-02-02T17:00+01:00", false},
    WorkingCase{"Europe/Berlin", weekdays, "2026-02-02T09:00Z", true},   // 10:00 local
    WorkingCase{"Europe/Berlin", weekdays, "2026-02-02T16:30Z", false},  // 17:30 local
    WorkingCase{"Europe/Berlin", weekdays, "2026-02-07T12:00+01:00", false},
    WorkingCase{"Europe/Berlin", weekdays, "2026-03-30T09:30+02:00", true},
    WorkingCase{"Europe/Berlin", weekdays, "2026-03-30T08:30+01:00", true},  // 09:30 CEST
    WorkingCase{"Europe/Berlin", lunch, "2026-02-02T12:00+01:00", false},
    WorkingCase{"Europe/Berlin", lunch, "2026-02-02T12:59+01:00", false},
    WorkingCase{"Europe/Berlin", lunch, "2026-02-02T13:00+01:00", true},
    WorkingCase{"Europe/Berlin", weekend, "2026-02-08T13:59+01:00", true},
    WorkingCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-03-29T03:30+02:00", true},
    WorkingCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-10-25T02:30+02:00", true},
    WorkingCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-10-25T02:30+01:00", true},
    WorkingCase{"Europe/Berlin", "Sun 01:00-04:00", "2026-10-25T04:00+01:00", false},
    WorkingCase{"America/New_York", weekdays, "2026-03-09T09:00-04:00", true},
    WorkingCase{"America/New_York", weekdays, "2026-03-09T08:30-05:00", true},
    WorkingCase{"America/New_York", weekdays, "2026-03-06T08:30-05:00", false},
};
INSTANTIATE_TEST_SUITE_P(Cases, IsWorkingTest, ::testing::ValuesIn(is_working_cases));

TEST(IsWorkingTest, AlwaysIsWorking) {
    EXPECT_TRUE(Calendar::always().is_working(at("2026-02-07T03:00Z")));
}

}  // namespace
}  // namespace baton::core
