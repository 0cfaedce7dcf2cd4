// Working-hours calendars: when a person works, in their time zone, so that a deadline
// such as `accept_within: 4h` counts the owner's working time. A Calendar is an immutable
// value built once (from people.yaml) and safe to share between threads. It reads the
// system time-zone database (tzdata) through Howard Hinnant's date/tz; that database is
// treated as read-only reference data, like the C library's locale tables.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/result.h"
#include "core/time.h"

namespace baton::core {

// One working interval of a day, in minutes from local midnight: [begin, end).
struct WorkInterval {
    int begin_minute = 0;
    int end_minute = 0;
    friend bool operator==(const WorkInterval&, const WorkInterval&) = default;
};

// The weekly working hours: for each weekday (0 = Monday … 6 = Sunday) a sorted list of
// non-overlapping intervals. An empty week means "no working hours" and is refused by
// the parser.
struct WeeklyHours {
    std::array<std::vector<WorkInterval>, 7> days;
    friend bool operator==(const WeeklyHours&, const WeeklyHours&) = default;
};

// Parses weekly hours such as "Mon-Fri 09:00-17:30", "Mon-Thu 09:00-17:00, Fri 09:00-13:00"
// or "Mon-Fri 09:00-12:00 13:00-17:00"; day names are Mon Tue Wed Thu Fri Sat Sun
// (case-insensitive), ranges may wrap ("Sat-Sun"), "24:00" is the end of a day. Errors
// carry "col:N" (0-based) in Error::field.
Result<WeeklyHours> parse_weekly_hours(std::string_view text);
std::string format_weekly_hours(const WeeklyHours& hours);

// The default for people who give none: Mon-Fri 09:00-17:00.
WeeklyHours default_weekly_hours();

class Calendar {
public:
    // A calendar that is always working: every span is plain elapsed time.
    static Calendar always();
    // A person's calendar. Fails with invalid_argument for an unknown time zone name
    // (field "time_zone").
    static Result<Calendar> working(std::string time_zone, WeeklyHours hours);

    bool is_24x7() const { return always_; }
    const std::string& time_zone() const { return time_zone_; }

    // The point reached after `span` counted on this calendar from `start`:
    // - on 24x7: start + span.total_24x7();
    // - otherwise: weeks add 7 calendar days each; days move to the same working-time
    //   offset N working days later; the clock part then consumes working time only.
    //   A start outside working hours counts from the next working moment. DST changes
    //   are handled in local time (an interval that a DST jump shortens is shorter).
    //   The exact rules for days are written at Calendar::add_working_days.
    TimePoint add(TimePoint start, const Span& span) const;

    // Working time between two points (0 if end <= start); on 24x7, plain elapsed time.
    Milliseconds working_between(TimePoint start, TimePoint end) const;

    // Whether `t` falls in working hours (always true on 24x7).
    bool is_working(TimePoint t) const;

private:
    Calendar() = default;
    // The earliest working moment at or after `t`.
    TimePoint next_working_moment(TimePoint t) const;
    // The steps of add() on a working calendar (see calendar.cpp).
    TimePoint add_working_days(TimePoint start, int days) const;
    TimePoint add_working_time(TimePoint start, Milliseconds amount) const;

    bool always_ = true;
    std::string time_zone_ = "UTC";
    WeeklyHours hours_;
    const void* zone_ = nullptr;  // a `const date::time_zone*`, kept opaque to callers
};

}  // namespace baton::core
