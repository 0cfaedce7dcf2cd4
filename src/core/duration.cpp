#include "core/duration.h"

#include <cstddef>
#include <string>
#include <utility>

#include "core/limits.h"

namespace baton::core {
namespace {

constexpr const char* units_hint = "use s, m, h, d or w";

// Error::field points at the offending column so that a YAML diagnostic can show it.
Error span_error(ErrorCode code, std::string message, std::size_t column) {
    return make_error(code, std::move(message), "col:" + std::to_string(column));
}

std::string at_column(std::size_t column) {
    return " at column " + std::to_string(column);
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The units in one place: their letter, their length in seconds on a 24x7 calendar, and
// the slot that records whether a text has used them already.
struct Unit {
    char letter;
    long long seconds;
};
constexpr Unit units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
constexpr std::size_t unit_count = sizeof(units) / sizeof(units[0]);

// Returns the index into `units`, or unit_count when the word is not a unit. Only the
// lowercase single letters are units: "M" or "min" would invite a guess (months?).
std::size_t find_unit(std::string_view word) {
    if (word.size() != 1) return unit_count;
    for (std::size_t i = 0; i < unit_count; ++i) {
        if (units[i].letter == word[0]) return i;
    }
    return unit_count;
}

// One "<number><unit>" part of a duration, already checked.
struct Part {
    long long number = 0;
    std::size_t unit = 0;  // index into `units`
};

// Reads the part that starts at `pos` (which is not a space) and moves `pos` past it.
Result<Part> read_part(std::string_view text, std::size_t& pos) {
    const std::size_t start = pos;
    if (text[pos] == '-') {
        return span_error(ErrorCode::invalid_argument,
                          "negative duration" + at_column(pos) + "; durations count forward", pos);
    }
    if (!is_digit(text[pos])) {
        return span_error(
            ErrorCode::invalid_argument,
            "expected a number" + at_column(pos) + ", found `" + std::string(1, text[pos]) + "`",
            pos);
    }
    // Keep scanning after the value is too large so that the error names the whole number;
    // the cap keeps the accumulator far from overflow.
    long long number = 0;
    bool too_large = false;
    for (; pos < text.size() && is_digit(text[pos]); ++pos) {
        number = number * 10 + (text[pos] - '0');
        if (number > limits::duration_seconds_max) {
            too_large = true;
            number = limits::duration_seconds_max;
        }
    }
    const std::string digits(text.substr(start, pos - start));
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        return span_error(
            ErrorCode::invalid_argument,
            "fractions are not supported" + at_column(pos) + "; combine units instead, e.g. 1h30m",
            pos);
    }
    if (too_large) {
        return span_error(ErrorCode::limit_exceeded,
                          "number `" + digits + "`" + at_column(start) +
                              " is too large; a duration is at most 366d",
                          start);
    }
    const std::size_t unit_start = pos;
    while (pos < text.size() && is_letter(text[pos])) ++pos;
    const std::string_view word = text.substr(unit_start, pos - unit_start);
    if (word.empty()) {
        return span_error(
            ErrorCode::invalid_argument,
            "missing unit after `" + digits + "`" + at_column(unit_start) + "; " + units_hint,
            unit_start);
    }
    const std::size_t unit = find_unit(word);
    if (unit == unit_count) {
        return span_error(
            ErrorCode::invalid_argument,
            "unknown unit `" + std::string(word) + "`" + at_column(unit_start) + "; " + units_hint,
            unit_start);
    }
    return Part{number, unit};
}

}  // namespace

Result<Span> parse_span(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (pos == text.size()) {
        return span_error(ErrorCode::invalid_argument,
                          "empty duration; write e.g. 30m, 4h, 2d or 1d 4h", 0);
    }
    Span span;
    bool seen[unit_count] = {};
    long long total_seconds = 0;
    while (pos < text.size()) {
        auto part = read_part(text, pos);
        if (!part) return part.error();
        const std::size_t unit_column = pos - 1;  // units are one letter
        const Unit& unit = units[part->unit];
        // A repeated unit is almost always a typo ("1h 2h" for "1h 2m"), so it is refused
        // rather than summed.
        if (seen[part->unit]) {
            return span_error(ErrorCode::invalid_argument,
                              std::string("unit `") + unit.letter + "`" + at_column(unit_column) +
                                  " appears twice; write each unit once, e.g. 1h30m",
                              unit_column);
        }
        seen[part->unit] = true;
        // Each number is at most duration_seconds_max, so neither product overflows.
        total_seconds += part->number * unit.seconds;
        if (unit.letter == 'w') {
            span.weeks = static_cast<int>(part->number);
        } else if (unit.letter == 'd') {
            span.days = static_cast<int>(part->number);
        } else {
            span.clock += std::chrono::seconds(part->number * unit.seconds);
        }
        while (pos < text.size() && is_space(text[pos])) ++pos;
    }
    if (total_seconds > limits::duration_seconds_max) {
        return span_error(
            ErrorCode::limit_exceeded,
            "duration `" + std::string(text) + "` is longer than the limit of 366d (31622400s)", 0);
    }
    if (total_seconds == 0) {
        return span_error(ErrorCode::invalid_argument,
                          "duration `" + std::string(text) + "` is zero; it must be positive", 0);
    }
    return span;
}

std::string format_span(const Span& span) {
    BATON_ASSERT(span.clock.count() >= 0 && span.days >= 0 && span.weeks >= 0);
    const long long clock = span.clock.count();
    // Hours are not folded into days, nor days into weeks: on a working calendar they
    // mean different things (see calendar.h).
    const long long parts[] = {span.weeks, span.days, clock / 3600, clock % 3600 / 60, clock % 60};
    const char letters[] = {'w', 'd', 'h', 'm', 's'};
    std::string out;
    for (std::size_t i = 0; i < 5; ++i) {
        if (parts[i] == 0) continue;
        if (!out.empty()) out += ' ';
        out += std::to_string(parts[i]);
        out += letters[i];
    }
    return out.empty() ? "0s" : out;
}

}  // namespace baton::core
