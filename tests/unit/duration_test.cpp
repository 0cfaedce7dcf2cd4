// Durations as written in playbooks: each unit, sums, every error with its column, and
// the limit (at it and one past it).
#include "core/duration.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>

#include "core/limits.h"

namespace baton::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct ValidCase {
    const char* text;
    Span expected;
    const char* canonical;
    friend std::ostream& operator<<(std::ostream& out, const ValidCase& c) {
        return out << "`" << c.text << "`";
    }
};

class ValidSpanTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidSpanTest, ParsesAndFormats) {
    const ValidCase& c = GetParam();
    auto span = parse_span(c.text);
    ASSERT_TRUE(span.ok()) << c.text << ": " << span.error().message;
    EXPECT_EQ(span->clock.count(), c.expected.clock.count()) << c.text;
    EXPECT_EQ(span->days, c.expected.days) << c.text;
    EXPECT_EQ(span->weeks, c.expected.weeks) << c.text;
    EXPECT_EQ(format_span(*span), c.canonical) << c.text;
    // The canonical spelling reads back as the same span.
    auto again = parse_span(format_span(*span));
    ASSERT_TRUE(again.ok()) << format_span(*span);
    EXPECT_EQ(*again, *span);
}

const ValidCase unit_cases[] = {
    ValidCase{"90s", {seconds(90), 0, 0}, "1m 30s"},
    ValidCase{"45s", {seconds(45), 0, 0}, "45s"},
    ValidCase{"30m", {minutes(30), 0, 0}, "30m"},
    ValidCase{"4h", {hours(4), 0, 0}, "4h"},
    ValidCase{"2d", {seconds(0), 2, 0}, "2d"},
    ValidCase{"1w", {seconds(0), 0, 1}, "1w"},
    // Hours are working time, days working days: never folded together.
    ValidCase{"36h", {hours(36), 0, 0}, "36h"},
    ValidCase{"10d", {seconds(0), 10, 0}, "10d"},
    ValidCase{"120m", {hours(2), 0, 0}, "2h"},
    ValidCase{"007m", {minutes(7), 0, 0}, "7m"},
};
INSTANTIATE_TEST_SUITE_P(Units, ValidSpanTest, ::testing::ValuesIn(unit_cases));

const ValidCase sum_cases[] = {
    ValidCase{"1d 4h", {hours(4), 1, 0}, "1d 4h"},
    ValidCase{"1h30m", {minutes(90), 0, 0}, "1h 30m"},
    ValidCase{"1h 30m", {minutes(90), 0, 0}, "1h 30m"},
    ValidCase{"30m1h", {minutes(90), 0, 0}, "1h 30m"},
    ValidCase{"1w 2d 4h 30m 15s", {hours(4) + minutes(30) + seconds(15), 2, 1}, "1w 2d 4h 30m 15s"},
    ValidCase{"15s30m4h2d1w", {hours(4) + minutes(30) + seconds(15), 2, 1}, "1w 2d 4h 30m 15s"},
    ValidCase{"  4h  ", {hours(4), 0, 0}, "4h"},
    ValidCase{"1h\t30m", {minutes(90), 0, 0}, "1h 30m"},
    ValidCase{"0h 5m", {minutes(5), 0, 0}, "5m"},
    ValidCase{"0w 1s", {seconds(1), 0, 0}, "1s"},
};
INSTANTIATE_TEST_SUITE_P(Sums, ValidSpanTest, ::testing::ValuesIn(sum_cases));

// The limit is 366 days of plain time, whichever units spell it.
const ValidCase at_limit_cases[] = {
    ValidCase{"366d", {seconds(0), 366, 0}, "366d"},
    ValidCase{"8784h", {hours(8784), 0, 0}, "8784h"},
    ValidCase{"527040m", {minutes(527040), 0, 0}, "8784h"},
    ValidCase{"31622400s", {seconds(31622400), 0, 0}, "8784h"},
    ValidCase{"52w 2d", {seconds(0), 2, 52}, "52w 2d"},
    ValidCase{"365d 23h 59m 60s", {hours(24), 365, 0}, "365d 24h"},
};
INSTANTIATE_TEST_SUITE_P(AtTheLimit, ValidSpanTest, ::testing::ValuesIn(at_limit_cases));

struct ErrorCase {
    const char* text;
    ErrorCode code;
    int column;
    const char* message;  // a fragment the message must contain
    friend std::ostream& operator<<(std::ostream& out, const ErrorCase& c) {
        return out << "`" << c.text << "`";
    }
};

class InvalidSpanTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(InvalidSpanTest, NamesTheColumn) {
    const ErrorCase& c = GetParam();
    auto span = parse_span(c.text);
    ASSERT_FALSE(span.ok()) << "accepted `" << c.text << "`";
    EXPECT_EQ(span.error().code, c.code) << c.text;
    EXPECT_EQ(span.error().field, "col:" + std::to_string(c.column)) << c.text;
    EXPECT_NE(span.error().message.find(c.message), std::string::npos)
        << c.text << ": " << span.error().message;
}

constexpr ErrorCode bad = ErrorCode::invalid_argument;
constexpr ErrorCode over = ErrorCode::limit_exceeded;

const ErrorCase error_cases[] = {
    ErrorCase{"", bad, 0, "empty duration"},
    ErrorCase{"   ", bad, 0, "empty duration"},
    ErrorCase{"h", bad, 0, "expected a number at column 0, found `h`"},
    ErrorCase{"+1h", bad, 0, "expected a number at column 0, found `+`"},
    ErrorCase{"1h,30m", bad, 2, "expected a number at column 2, found `,`"},
    ErrorCase{"4", bad, 1, "missing unit after `4` at column 1; use s, m, h, d or w"},
    ErrorCase{"4 h", bad, 1, "missing unit after `4` at column 1"},
    ErrorCase{"1h 30", bad, 5, "missing unit after `30` at column 5"},
    ErrorCase{"1h4x", bad, 3, "unknown unit `x` at column 3; use s, m, h, d or w"},
    ErrorCase{"4min", bad, 1, "unknown unit `min` at column 1"},
    ErrorCase{"30ms", bad, 2, "unknown unit `ms` at column 2"},
    ErrorCase{"4H", bad, 1, "unknown unit `H` at column 1"},
    ErrorCase{"-5m", bad, 0, "negative duration at column 0"},
    ErrorCase{"1h -5m", bad, 3, "negative duration at column 3"},
    ErrorCase{"1.5h", bad, 1, "fractions are not supported at column 1"},
    ErrorCase{"1h 2h", bad, 4, "unit `h` at column 4 appears twice"},
    ErrorCase{"1h30m1h", bad, 6, "unit `h` at column 6 appears twice"},
    ErrorCase{"1d 4h 2d", bad, 7, "unit `d` at column 7 appears twice"},
    ErrorCase{"0s", bad, 0, "is zero"},
    ErrorCase{"0h 0m", bad, 0, "is zero"},
};
INSTANTIATE_TEST_SUITE_P(Errors, InvalidSpanTest, ::testing::ValuesIn(error_cases));

// One past the limit, in each unit, and numbers too large for any unit.
const ErrorCase over_limit_cases[] = {
    ErrorCase{"366d 1s", over, 0, "longer than the limit of 366d"},
    ErrorCase{"367d", over, 0, "longer than the limit"},
    ErrorCase{"8785h", over, 0, "longer than the limit"},
    ErrorCase{"527041m", over, 0, "longer than the limit"},
    ErrorCase{"52w 3d", over, 0, "longer than the limit"},
    ErrorCase{"53w", over, 0, "longer than the limit"},
    ErrorCase{"31622401s", over, 0, "number `31622401` at column 0 is too"},
    ErrorCase{"99999999999999999999999s", over, 0, "is too large"},
    ErrorCase{"1h 99999999999999999999m", over, 3,
              "number `99999999999999999999` at column 3 is too large"},
};
INSTANTIATE_TEST_SUITE_P(OverTheLimit, InvalidSpanTest, ::testing::ValuesIn(over_limit_cases));

TEST(SpanTest, LimitMatchesTheNamedConstant) {
    auto at_limit = parse_span(std::to_string(limits::duration_seconds_max) + "s");
    ASSERT_TRUE(at_limit.ok());
    EXPECT_EQ(at_limit->total_24x7().count(), limits::duration_seconds_max);
    EXPECT_FALSE(parse_span(std::to_string(limits::duration_seconds_max + 1) + "s").ok());
}

TEST(SpanTest, TotalOnAnAlwaysCalendar) {
    auto span = parse_span("1w 2d 3h 4m 5s");
    ASSERT_TRUE(span.ok());
    EXPECT_EQ(span->total_24x7().count(), 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    EXPECT_FALSE(span->is_zero());
    EXPECT_TRUE(Span{}.is_zero());
}

TEST(SpanTest, FormatsHandBuiltSpans) {
    EXPECT_EQ(format_span(Span{}), "0s");
    EXPECT_EQ(format_span(Span{seconds(3661), 0, 0}), "1h 1m 1s");
    EXPECT_EQ(format_span(Span{seconds(59), 3, 2}), "2w 3d 59s");
    EXPECT_EQ(format_span(Span{hours(100), 0, 0}), "100h");
}

}  // namespace
}  // namespace baton::core
