#include "channels/outcome.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>

#include "channels/limits.h"

namespace baton::channels {

namespace {

using Kind = Outcome::Kind;

std::string trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate).
std::optional<TimePoint> parse_http_date(std::string_view text) {
    static constexpr std::array<std::string_view, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' ||
        text[11] != ' ' || text[16] != ' ' || text[19] != ':' || text[22] != ':' ||
        text.substr(25) != " GMT") {
        return std::nullopt;
    }
    const auto number = [&](std::size_t at, std::size_t length) -> int {
        const auto digits = text.substr(at, length);
        return all_digits(digits) ? std::stoi(std::string(digits)) : -1;
    };
    const int day = number(5, 2), year = number(12, 4);
    const int hour = number(17, 2), minute = number(20, 2), second = number(23, 2);
    const auto month = std::find(months.begin(), months.end(), text.substr(8, 3));
    if (day < 1 || year < 1970 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 60 || month == months.end()) {
        return std::nullopt;
    }
    using namespace std::chrono;
    const year_month_day date{std::chrono::year{year},
                              std::chrono::month{static_cast<unsigned>(month - months.begin() + 1)},
                              std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    const auto at = sys_days(date) + hours(hour) + minutes(minute) + seconds(second);
    return time_point_cast<Milliseconds>(at);
}

Outcome make(Kind kind, int status, std::string detail) {
    Outcome o;
    o.kind = kind;
    o.status = status;
    o.detail = one_line(detail, limits::detail_bytes_max);
    return o;
}

// "HTTP 410: channel_is_archived"
std::string answer_detail(const char* protocol, const TransferResult& r) {
    std::string detail = std::string(protocol) + " " + std::to_string(r.status);
    const std::string body = one_line(r.body, 120);
    if (!body.empty()) detail += ": " + body;
    return detail;
}

Outcome without_answer(const TransferResult& r) {
    const std::string text = r.error_text.empty() ? "no answer" : r.error_text;
    switch (r.error) {
        case TransferError::refused:
        case TransferError::bad_url:
            return make(Kind::failed, 0, text);
        case TransferError::login:
            return make(Kind::failed, r.status, "login refused: " + text);
        case TransferError::timeout:
            return make(Kind::retry, 0, "timed out: " + text);
        case TransferError::shutdown:
            return make(Kind::retry, 0, "shutting down");
        case TransferError::connection:
        case TransferError::other:
        case TransferError::none:
            break;
    }
    return make(Kind::retry, r.status, text);
}

Outcome http_answer(const TransferResult& r, TimePoint now) {
    const int s = r.status;
    if (s >= 200 && s <= 299) return make(Kind::delivered, s, answer_detail("HTTP", r));
    if (s == 408 || s == 429 || (s >= 500 && s <= 599)) {
        Outcome o = make(Kind::retry, s, answer_detail("HTTP", r));
        o.retry_after = parse_retry_after(r.retry_after, now);
        return o;
    }
    if (s >= 300 && s <= 399) {
        return make(Kind::failed, s,
                    "HTTP " + std::to_string(s) +
                        ": a redirect, not followed; set the URL it "
                        "points to in channels.yaml");
    }
    return make(Kind::failed, s, answer_detail("HTTP", r));
}

Outcome smtp_answer(const TransferResult& r) {
    const int s = r.status;
    if (s >= 400 && s <= 499) return make(Kind::retry, s, answer_detail("SMTP", r));
    if (s >= 500 && s <= 599) return make(Kind::failed, s, answer_detail("SMTP", r));
    if (s >= 200 && s <= 399) return make(Kind::delivered, s, "SMTP " + std::to_string(s));
    return make(Kind::retry, s, "SMTP: no reply code");
}

}  // namespace

std::string one_line(std::string_view text, std::size_t bytes_max) {
    std::string out;
    bool space = false;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    if (out.size() > bytes_max) {
        std::size_t cut = bytes_max;
        // Back up to the start of a UTF-8 sequence so that the line stays valid text.
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
        out.resize(cut);
    }
    return out;
}

std::optional<Milliseconds> parse_retry_after(std::string_view value, TimePoint now) {
    const std::string text = trim(value);
    if (text.empty()) return std::nullopt;
    Milliseconds delay{0};
    if (all_digits(text)) {
        // More digits than any sane delay: clamp rather than overflow.
        long long seconds = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        (void)end;
        const auto max_seconds =
            std::chrono::duration_cast<std::chrono::seconds>(limits::retry_after_max).count();
        delay = error != std::errc{} || seconds > max_seconds ? limits::retry_after_max
                                                              : Milliseconds(seconds * 1000);
    } else if (auto date = parse_http_date(text)) {
        delay = std::max(Milliseconds(0), *date - now);
    } else {
        return std::nullopt;
    }
    return std::min(delay, Milliseconds(limits::retry_after_max));
}

Outcome outcome_of(const TransferResult& result, TimePoint now) {
    const TransferError e = result.error;
    if (e == TransferError::shutdown || e == TransferError::refused ||
        e == TransferError::bad_url) {
        return without_answer(result);
    }
    if (result.protocol == Protocol::smtp) {
        // libcurl reports a refused SMTP command as an error that carries the reply code.
        if (result.status >= 400 || (e == TransferError::none && result.status > 0)) {
            return smtp_answer(result);
        }
        return without_answer(result);
    }
    if (e == TransferError::none && result.status > 0) return http_answer(result, now);
    return without_answer(result);
}

}  // namespace baton::channels
