// Working-hours calendars. Every date/tz include of Baton lives in this file.
//
// The model: an instant is working time when its local wall-clock time (in the calendar's
// zone) falls inside one of the weekly intervals. Between two UTC offset changes the wall
// clock is UTC plus a constant, so inside such a period all arithmetic is done on the
// repeating weekly pattern in closed form (whole weeks are skipped by multiplication);
// the code walks from period to period, of which a year has at most a few. This is what
// makes a DST jump shorten (spring) or lengthen (autumn) an interval it falls in.
#include "core/calendar.h"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <utility>

namespace baton::core {
namespace {

constexpr int minutes_per_day = 24 * 60;
constexpr std::int64_t ms_per_minute = 60'000;
constexpr std::int64_t ms_per_day = 24 * 60 * ms_per_minute;
constexpr std::int64_t ms_per_week = 7 * ms_per_day;
// 1970-01-01 was a Thursday: shifting by three days puts week boundaries on Mondays.
constexpr std::int64_t monday_shift_ms = 3 * ms_per_day;

const date::time_zone* zone_of(const void* zone) {
    BATON_ASSERT(zone != nullptr);
    return static_cast<const date::time_zone*>(zone);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0)) --q;
    return q;
}

// Weekday index with Monday = 0, as in WeeklyHours::days.
int weekday_index(date::local_days day) {
    return static_cast<int>(date::weekday(day).iso_encoding()) - 1;
}

// The weekly pattern seen as intervals of milliseconds from Monday 00:00 (wall clock),
// and the local timeline as milliseconds since 1970-01-01 00:00 wall clock. cumulative()
// is the working time from a fixed origin, a non-decreasing function; differences of it
// measure working time and its inverse (reach) finds where an amount runs out.
class WeekPattern {
  public:
    explicit WeekPattern(const WeeklyHours& hours) : hours_(hours) {
        for (const auto& day : hours_.days) {
            for (const auto& interval : day) {
                week_ms_ += (interval.end_minute - interval.begin_minute) * ms_per_minute;
            }
        }
        BATON_ASSERT(week_ms_ > 0);
    }

    std::int64_t cumulative(std::int64_t local_ms) const {
        const std::pair<std::int64_t, std::int64_t> parts = split(local_ms);
        // Plain variables, not a structured binding, which clang 14 cannot capture in a lambda.
        const std::int64_t week = parts.first;
        const std::int64_t within = parts.second;
        std::int64_t done = 0;
        for_each([&](std::int64_t begin, std::int64_t end) {
            done += std::clamp(within - begin, std::int64_t{0}, end - begin);
            return false;
        });
        return week * week_ms_ + done;
    }

    // The earliest local time at which cumulative() reaches `target`. An amount that runs
    // out exactly at the end of an interval ends there, not at the start of the next one.
    std::int64_t reach(std::int64_t target) const {
        const std::int64_t week = floor_div(target - 1, week_ms_);
        std::int64_t left = target - week * week_ms_;  // in (0, week_ms_]
        std::int64_t found = 0;
        for_each([&](std::int64_t begin, std::int64_t end) {
            if (left <= end - begin) {
                found = begin + left;
                return true;
            }
            left -= end - begin;
            return false;
        });
        return week * ms_per_week + found - monday_shift_ms;
    }

    // The earliest working local time at or after `local_ms`.
    std::int64_t next_working(std::int64_t local_ms) const {
        const std::pair<std::int64_t, std::int64_t> parts = split(local_ms);
        // Plain variables, not a structured binding, which clang 14 cannot capture in a lambda.
        const std::int64_t week = parts.first;
        const std::int64_t within = parts.second;
        std::int64_t found = -1;
        for_each([&](std::int64_t begin, std::int64_t end) {
            if (within < end) found = std::max(within, begin);
            return found >= 0;
        });
        if (found < 0) {  // past the week's last interval: the first one of next week
            return next_working((week + 1) * ms_per_week - monday_shift_ms);
        }
        return week * ms_per_week + found - monday_shift_ms;
    }

    bool contains(std::int64_t local_ms) const {
        const std::int64_t within = split(local_ms).second;
        bool inside = false;
        for_each([&](std::int64_t begin, std::int64_t end) {
            inside = begin <= within && within < end;
            return inside;
        });
        return inside;
    }

  private:
    std::pair<std::int64_t, std::int64_t> split(std::int64_t local_ms) const {
        const std::int64_t shifted = local_ms + monday_shift_ms;
        const std::int64_t week = floor_div(shifted, ms_per_week);
        return {week, shifted - week * ms_per_week};
    }

    // Calls fn(begin_ms, end_ms) for each interval in week order until fn returns true.
    template <class Fn>
    void for_each(Fn fn) const {
        for (int day = 0; day < 7; ++day) {
            for (const auto& interval : hours_.days[static_cast<std::size_t>(day)]) {
                const std::int64_t base = day * ms_per_day;
                if (fn(base + interval.begin_minute * ms_per_minute,
                       base + interval.end_minute * ms_per_minute)) {
                    return;
                }
            }
        }
    }

    const WeeklyHours& hours_;
    std::int64_t week_ms_ = 0;
};

// A stretch of time with one UTC offset: it contains `t` and ends (exclusive) at `end`.
struct Period {
    std::int64_t offset_ms;
    std::int64_t end_ms;  // UTC
};

Period period_at(const date::time_zone* zone, std::int64_t t_ms) {
    const auto info = zone->get_info(date::sys_time<Milliseconds>(Milliseconds(t_ms)));
    const auto end = std::chrono::time_point_cast<Milliseconds>(info.end);
    return Period{Milliseconds(info.offset).count(), end.time_since_epoch().count()};
}

// Local wall time to UTC. A wall time skipped by a spring-forward jump maps to the
// instant of the jump; a wall time that an autumn jump repeats maps to its first
// occurrence. Both choices keep the mapping non-decreasing.
TimePoint local_to_utc(const date::time_zone* zone, date::local_time<Milliseconds> local) {
    return zone->to_sys(local, date::choose::earliest);
}

date::local_time<Milliseconds> utc_to_local(const date::time_zone* zone, TimePoint t) {
    return zone->to_local(t);
}

// Working wall-clock time on one day before `time_of_day_ms`.
std::int64_t offset_in_day(const std::vector<WorkInterval>& day, std::int64_t time_of_day_ms) {
    std::int64_t offset = 0;
    for (const auto& interval : day) {
        const std::int64_t begin = interval.begin_minute * ms_per_minute;
        const std::int64_t end = interval.end_minute * ms_per_minute;
        offset += std::clamp(time_of_day_ms - begin, std::int64_t{0}, end - begin);
    }
    return offset;
}

// The time of day at working offset `offset` on a day; a day with less working time than
// that ends at the end of its last interval (a shorter Friday caps a deadline at its end).
std::int64_t time_at_offset(const std::vector<WorkInterval>& day, std::int64_t offset) {
    BATON_ASSERT(!day.empty());
    for (const auto& interval : day) {
        const std::int64_t length = (interval.end_minute - interval.begin_minute) * ms_per_minute;
        if (offset < length) return interval.begin_minute * ms_per_minute + offset;
        offset -= length;
    }
    return day.back().end_minute * ms_per_minute;
}

// The `count`-th working day after `day` (count >= 1). Whole weeks are skipped at once.
date::local_days nth_working_day(const WeeklyHours& hours, date::local_days day, int count) {
    int per_week = 0;
    for (const auto& intervals : hours.days) per_week += intervals.empty() ? 0 : 1;
    BATON_ASSERT(per_week > 0 && count >= 1);
    const int weeks = (count - 1) / per_week;
    day += date::days(7 * weeks);
    int left = count - weeks * per_week;  // in [1, per_week]
    while (left > 0) {
        day += date::days(1);
        if (!hours.days[static_cast<std::size_t>(weekday_index(day))].empty()) --left;
    }
    return day;
}

// Checks what parse_weekly_hours guarantees, for WeeklyHours built by hand.
Status check_hours(const WeeklyHours& hours) {
    bool any = false;
    for (const auto& day : hours.days) {
        int previous_end = 0;
        for (const auto& interval : day) {
            if (interval.begin_minute < previous_end ||
                interval.end_minute <= interval.begin_minute ||
                interval.end_minute > minutes_per_day) {
                return make_error(ErrorCode::invalid_argument,
                                  "working hours must be sorted, non-overlapping intervals "
                                  "within a day",
                                  "hours");
            }
            previous_end = interval.end_minute;
            any = true;
        }
    }
    if (!any) return make_error(ErrorCode::invalid_argument, "no working hours", "hours");
    return ok_status();
}

// ---------------------------------------------------------------------------------------
// Weekly hours: the grammar, with optional spaces between tokens, is
//   spec     := group ("," group)*
//   group    := days interval+
//   days     := DAY ("-" DAY)?          a range may wrap: "Fri-Mon"
//   interval := TIME "-" TIME           TIME is H:MM or HH:MM, up to 24:00

constexpr std::array<const char*, 7> day_names = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

Error hours_error(std::string message, std::size_t column) {
    return make_error(ErrorCode::invalid_argument, std::move(message),
                      "col:" + std::to_string(column));
}

std::string at_column(std::size_t column) {
    return " at column " + std::to_string(column);
}

std::string format_time(int minute) {
    BATON_ASSERT(minute >= 0 && minute <= minutes_per_day);
    const auto digit = [](int value) { return static_cast<char>('0' + value); };
    const int hour = minute / 60;
    return {digit(hour / 10), digit(hour % 10), ':', digit(minute % 60 / 10), digit(minute % 10)};
}

std::string format_interval(const WorkInterval& interval) {
    return format_time(interval.begin_minute) + "-" + format_time(interval.end_minute);
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

using DaySet = std::array<bool, 7>;

class HoursParser {
  public:
    explicit HoursParser(std::string_view text) : text_(text) {}

    Result<WeeklyHours> parse() {
        skip_spaces();
        if (at_end()) {
            return hours_error("empty working hours; write e.g. Mon-Fri 09:00-17:00", 0);
        }
        for (;;) {
            if (auto group = parse_group(); !group) return group.error();
            if (at_end()) return hours_;
            if (text_[pos_] != ',') {
                return hours_error("expected `,` and more days, or the end" + at_column(pos_) +
                                       ", found `" + std::string(1, text_[pos_]) + "`",
                                   pos_);
            }
            ++pos_;
            skip_spaces();
        }
    }

  private:
    // Parses the days and their intervals, and the spaces after them.
    Status parse_group() {
        auto days = parse_days();
        if (!days) return days.error();
        if (at_end() || !is_digit(text_[pos_])) {
            return hours_error("expected working hours such as 09:00-17:00" + at_column(pos_),
                               pos_);
        }
        while (!at_end() && is_digit(text_[pos_])) {
            const std::size_t column = pos_;
            auto interval = parse_interval();
            if (!interval) return interval.error();
            for (std::size_t day = 0; day < 7; ++day) {
                if (!(*days)[day]) continue;
                if (auto added = add(day, *interval, column); !added) return added.error();
            }
            skip_spaces();
        }
        return ok_status();
    }

    Result<DaySet> parse_days() {
        auto first = parse_day();
        if (!first) return first.error();
        std::size_t last = *first;
        skip_spaces();
        if (!at_end() && text_[pos_] == '-') {
            ++pos_;
            skip_spaces();
            auto second = parse_day();
            if (!second) return second.error();
            last = *second;
            skip_spaces();
        }
        DaySet days{};
        for (std::size_t day = *first;; day = (day + 1) % 7) {
            days[day] = true;
            if (day == last) break;
        }
        return days;
    }

    Result<std::size_t> parse_day() {
        const std::size_t start = pos_;
        while (!at_end() && is_letter(text_[pos_])) ++pos_;
        const std::string_view word = text_.substr(start, pos_ - start);
        if (word.empty()) {
            return hours_error(
                "expected a day name (Mon, Tue, Wed, Thu, Fri, Sat or Sun)" + at_column(start),
                start);
        }
        for (std::size_t day = 0; day < 7; ++day) {
            const std::string_view name = day_names[day];
            if (word.size() == name.size() &&
                std::equal(word.begin(), word.end(), name.begin(),
                           [](char a, char b) { return lower(a) == lower(b); })) {
                return day;
            }
        }
        return hours_error("unknown day `" + std::string(word) + "`" + at_column(start) +
                               "; use Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                           start);
    }

    Result<WorkInterval> parse_interval() {
        const std::size_t start = pos_;
        auto begin = parse_time();
        if (!begin) return begin.error();
        skip_spaces();
        if (at_end() || text_[pos_] != '-') {
            return hours_error("expected `-` and an end time" + at_column(pos_), pos_);
        }
        ++pos_;
        skip_spaces();
        auto end = parse_time();
        if (!end) return end.error();
        const WorkInterval interval{*begin, *end};
        if (interval.end_minute <= interval.begin_minute) {
            return hours_error("hours " + format_interval(interval) + at_column(start) +
                                   " end before they start; split a night at midnight, "
                                   "e.g. Mon 22:00-24:00, Tue 00:00-06:00",
                               start);
        }
        return interval;
    }

    // Returns minutes from midnight.
    Result<int> parse_time() {
        const std::size_t start = pos_;
        int hour = 0;
        int minute = 0;
        std::size_t digits = 0;
        for (; !at_end() && is_digit(text_[pos_]) && digits < 2; ++pos_, ++digits) {
            hour = hour * 10 + (text_[pos_] - '0');
        }
        bool well_formed = digits > 0 && !at_end() && text_[pos_] == ':';
        if (well_formed) {
            ++pos_;
            // Every digit is read, so that the error shows the whole token, but only two
            // count: a long run of them would overflow `minute` (found by fuzz/calendar.cpp).
            for (digits = 0; !at_end() && is_digit(text_[pos_]); ++pos_, ++digits) {
                if (digits < 2) minute = minute * 10 + (text_[pos_] - '0');
            }
            well_formed = digits == 2;
        }
        const std::string token(text_.substr(start, pos_ - start));
        if (!well_formed) {
            return hours_error("expected a time such as 09:00" + at_column(start), start);
        }
        std::string problem;
        if (hour > 24) {
            problem = "hours run from 00 to 24";
        } else if (minute > 59) {
            problem = "minutes run from 00 to 59";
        } else if (hour == 24 && minute > 0) {
            problem = "24:00 is the latest time";
        }
        if (!problem.empty()) {
            return hours_error("bad time `" + token + "`" + at_column(start) + "; " + problem,
                               start);
        }
        return hour * 60 + minute;
    }

    // Adds an interval to a day, refusing overlap with what the day already has.
    Status add(std::size_t day, WorkInterval interval, std::size_t column) {
        auto& intervals = hours_.days[day];
        for (const auto& other : intervals) {
            if (interval.begin_minute < other.end_minute &&
                other.begin_minute < interval.end_minute) {
                return hours_error("hours " + format_interval(interval) + at_column(column) +
                                       " overlap " + format_interval(other) + " on " +
                                       day_names[day],
                                   column);
            }
        }
        const auto place = std::find_if(intervals.begin(), intervals.end(), [&](const auto& x) {
            return x.begin_minute > interval.begin_minute;
        });
        intervals.insert(place, interval);
        return ok_status();
    }

    void skip_spaces() {
        while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    }
    bool at_end() const { return pos_ >= text_.size(); }

    std::string_view text_;
    std::size_t pos_ = 0;
    WeeklyHours hours_;
};

}  // namespace

Result<WeeklyHours> parse_weekly_hours(std::string_view text) {
    return HoursParser(text).parse();
}

// Consecutive days with the same hours share a range: "Mon-Fri 09:00-17:00, Sat 10:00-14:00".
std::string format_weekly_hours(const WeeklyHours& hours) {
    std::string out;
    for (std::size_t day = 0; day < 7;) {
        if (hours.days[day].empty()) {
            ++day;
            continue;
        }
        std::size_t last = day;
        while (last + 1 < 7 && hours.days[last + 1] == hours.days[day]) ++last;
        if (!out.empty()) out += ", ";
        out += day_names[day];
        if (last > day) out += std::string("-") + day_names[last];
        for (const auto& interval : hours.days[day]) out += " " + format_interval(interval);
        day = last + 1;
    }
    return out;
}

WeeklyHours default_weekly_hours() {
    WeeklyHours hours;
    for (std::size_t day = 0; day < 5; ++day) hours.days[day] = {{9 * 60, 17 * 60}};
    return hours;
}

Calendar Calendar::always() {
    return Calendar();
}

Result<Calendar> Calendar::working(std::string time_zone, WeeklyHours hours) {
    if (auto checked = check_hours(hours); !checked) return checked.error();
    const date::time_zone* zone = nullptr;
    // date/tz reports an unknown name (or an unreadable tzdata) by throwing; exceptions
    // do not leave core, so it becomes an operating error here.
    try {
        zone = date::locate_zone(time_zone);
        // The zone's rules load on first use; load them now so that a broken file fails
        // here, as a Result, and never later inside add().
        (void)zone->get_info(date::sys_seconds{});
    } catch (const std::exception&) {
        return make_error(
            ErrorCode::invalid_argument,
            "unknown time zone `" + time_zone + "`; use an IANA name such as Europe/Berlin",
            "time_zone");
    }
    Calendar calendar;
    calendar.always_ = false;
    calendar.time_zone_ = std::move(time_zone);
    calendar.hours_ = std::move(hours);
    // The zone lives in date/tz's database for the whole process, so copies may share it.
    calendar.zone_ = zone;
    return calendar;
}

bool Calendar::is_working(TimePoint t) const {
    if (always_) return true;
    const Period period = period_at(zone_of(zone_), to_unix_ms(t));
    return WeekPattern(hours_).contains(to_unix_ms(t) + period.offset_ms);
}

Milliseconds Calendar::working_between(TimePoint start, TimePoint end) const {
    if (end <= start) return Milliseconds(0);
    if (always_) return end - start;
    const WeekPattern week(hours_);
    std::int64_t total = 0;
    for (std::int64_t t = to_unix_ms(start); t < to_unix_ms(end);) {
        const Period period = period_at(zone_of(zone_), t);
        const std::int64_t stop = std::min(to_unix_ms(end), period.end_ms);
        total += week.cumulative(stop + period.offset_ms) - week.cumulative(t + period.offset_ms);
        t = stop;
    }
    return Milliseconds(total);
}

TimePoint Calendar::next_working_moment(TimePoint t) const {
    const WeekPattern week(hours_);
    for (std::int64_t at = to_unix_ms(t);;) {
        const Period period = period_at(zone_of(zone_), at);
        const std::int64_t found = week.next_working(at + period.offset_ms) - period.offset_ms;
        if (found < period.end_ms) return from_unix_ms(found);
        at = period.end_ms;  // the next period starts with another offset: look again there
    }
}

TimePoint Calendar::add_working_time(TimePoint start, Milliseconds amount) const {
    const WeekPattern week(hours_);
    std::int64_t left = amount.count();
    for (std::int64_t at = to_unix_ms(start);;) {
        const Period period = period_at(zone_of(zone_), at);
        const std::int64_t from = week.cumulative(at + period.offset_ms);
        const std::int64_t reached = week.reach(from + left) - period.offset_ms;
        if (reached <= period.end_ms) return from_unix_ms(reached);
        // The amount outlasts this offset: spend what the period holds, go on after it.
        left -= week.cumulative(period.end_ms + period.offset_ms) - from;
        BATON_ASSERT(left > 0);
        at = period.end_ms;
    }
}

// Working days. A start outside working hours first moves to the next working moment;
// its offset is the working wall-clock time already behind it on its local day (Mon 14:00
// on "Mon-Fri 09:00-12:00 13:00-17:00" is 4h in). The result is the moment at the same
// offset into the N-th following working day (a local date whose weekday has hours), or the
// end of that day's last interval when the day is shorter (Thu 15:00 + 1d with a 13:00
// Friday finish is Fri 13:00). Offsets are wall-clock time, so a day keeps the time of day
// across a DST change; a wall time the spring jump skips becomes the instant of the jump,
// one the autumn jump repeats its first occurrence.
TimePoint Calendar::add_working_days(TimePoint start, int days) const {
    const auto* zone = zone_of(zone_);
    const auto local = utc_to_local(zone, next_working_moment(start));
    const auto day = date::floor<date::days>(local);
    const std::int64_t time_of_day = (local - day).count();
    const std::int64_t offset =
        offset_in_day(hours_.days[static_cast<std::size_t>(weekday_index(day))], time_of_day);
    const auto target = nth_working_day(hours_, day, days);
    const std::int64_t landing =
        time_at_offset(hours_.days[static_cast<std::size_t>(weekday_index(target))], offset);
    return local_to_utc(zone, date::local_time<Milliseconds>(target) + Milliseconds(landing));
}

// Weeks, then days, then the clock part (see calendar.h). Weeks alone may land outside
// working time: "1w" is a calendar week even from a Saturday.
TimePoint Calendar::add(TimePoint start, const Span& span) const {
    BATON_ASSERT(span.clock.count() >= 0 && span.days >= 0 && span.weeks >= 0);
    if (always_) return start + span.total_24x7();
    const auto* zone = zone_of(zone_);
    TimePoint at = start;
    if (span.weeks > 0) {
        // Calendar weeks keep the wall-clock time: Monday 10:00 stays Monday 10:00 across
        // a DST change.
        at = local_to_utc(zone, utc_to_local(zone, at) + date::days(7 * span.weeks));
    }
    if (span.days > 0) at = add_working_days(at, span.days);
    if (span.clock.count() > 0) at = add_working_time(at, span.clock);
    return at;
}

}  // namespace baton::core
