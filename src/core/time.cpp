#include "core/time.h"

#include <cstdio>
#include <ctime>

namespace baton {

namespace {

// Days from 1970-01-01 to a civil date, and back (Howard Hinnant's public-domain
// algorithms, written out here so that this base library needs no time-zone database).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool read_digits(const std::string& s, std::size_t& pos, int count, int& out) {
    out = 0;
    for (int i = 0; i < count; ++i, ++pos) {
        if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') return false;
        out = out * 10 + (s[pos] - '0');
    }
    return true;
}

bool expect(const std::string& s, std::size_t& pos, char c) {
    if (pos >= s.size()) return false;
    char got = s[pos];
    if (c == 'T' && (got == 't' || got == ' ')) got = 'T';
    if (got != c) return false;
    ++pos;
    return true;
}

}  // namespace

std::string format_rfc3339(TimePoint t) {
    const std::int64_t ms = to_unix_ms(t);
    std::int64_t days = ms / 86400000;
    std::int64_t rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        --days;
    }
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    const int hh = static_cast<int>(rem / 3600000);
    const int mm = static_cast<int>(rem / 60000 % 60);
    const int ss = static_cast<int>(rem / 1000 % 60);
    const int mss = static_cast<int>(rem % 1000);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, hh, mm, ss, mss);
    return buf;
}

std::optional<TimePoint> parse_rfc3339(const std::string& s) {
    std::size_t pos = 0;
    int y, mo, d, h, mi, se;
    if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
        !expect(s, pos, '-') || !read_digits(s, pos, 2, d) || !expect(s, pos, 'T') ||
        !read_digits(s, pos, 2, h) || !expect(s, pos, ':') || !read_digits(s, pos, 2, mi) ||
        !expect(s, pos, ':') || !read_digits(s, pos, 2, se)) {
        return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
        return std::nullopt;
    }
    std::int64_t frac_ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        std::int64_t scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 3) frac_ms += (s[pos] - '0') * scale;
            scale /= 10;
            ++digits;
            ++pos;
        }
        if (digits == 0 || digits > 9) return std::nullopt;
    }
    std::int64_t offset_min = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        int oh, om;
        if (!read_digits(s, pos, 2, oh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, om) ||
            oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_min = sign * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo),
                                              static_cast<unsigned>(d));
    std::int64_t check_y;
    unsigned check_m, check_d;
    civil_from_days(days, check_y, check_m, check_d);
    if (check_m != static_cast<unsigned>(mo) || check_d != static_cast<unsigned>(d)) {
        return std::nullopt;  // 2026-02-30 and the like
    }
    const std::int64_t seconds = days * 86400 + h * 3600 + mi * 60 + std::min(se, 59) -
                                 offset_min * 60;
    return from_unix_ms(seconds * 1000 + frac_ms);
}

std::string format_span(Milliseconds span) {
    std::int64_t s = span.count() / 1000;
    const bool negative = s < 0;
    if (negative) s = -s;
    const std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    std::string out;
    auto part = [&out](std::int64_t v, const char* unit) {
        if (!out.empty()) out += ' ';
        out += std::to_string(v) + ' ' + unit;
    };
    if (d > 0) {
        part(d, "d");
        if (h > 0) part(h, "h");
    } else if (h > 0) {
        part(h, "h");
        if (m > 0) part(m, "min");
    } else if (m > 0) {
        part(m, "min");
    } else {
        part(sec, "s");
    }
    return negative ? "-" + out : out;
}

}  // namespace baton
