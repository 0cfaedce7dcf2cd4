#include "channels/text.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

namespace baton::channels {

namespace {

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

struct Civil {
    int year;
    unsigned month, day, weekday;  // month 1-12, weekday 0 = Sunday
    int hour, minute, second;
};

Civil civil(TimePoint t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day date(day);
    const hh_mm_ss clock(floor<seconds>(t - day));
    return Civil{int(date.year()),
                 unsigned(date.month()),
                 unsigned(date.day()),
                 weekday(day).c_encoding(),
                 int(clock.hours().count()),
                 int(clock.minutes().count()),
                 int(clock.seconds().count())};
}

constexpr std::array<const char*, 7> weekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::size_t utf8_chars(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation(c); }));
}

std::string truncate_chars(std::string_view text, std::size_t chars_max) {
    if (utf8_chars(text) <= chars_max) return std::string(text);
    if (chars_max == 0) return "";
    std::size_t kept = 0, at = 0;
    for (; at < text.size(); ++at) {
        if (!is_continuation(text[at])) {
            if (kept == chars_max - 1) break;
            ++kept;
        }
    }
    return std::string(text.substr(0, at)) + "…";
}

std::string escape_markup(std::string_view text, bool quotes) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += quotes ? "&quot;" : "\""; break;
            case '\'': out += quotes ? "&#39;" : "'"; break;
            default: out += c;
        }
    }
    return out;
}

std::string html_escape(std::string_view text) { return escape_markup(text, true); }

std::string single_line(std::string_view text) {
    std::string out;
    bool pending_space = false;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            pending_space = true;
            continue;
        }
        if (pending_space && !out.empty() && out.back() != ' ' && c != ' ') out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

bool is_web_url(std::string_view url) {
    const bool scheme = url.starts_with("https://") || url.starts_with("http://");
    return scheme && url.size() > 8 && std::none_of(url.begin(), url.end(), [](char c) {
               const auto u = static_cast<unsigned char>(c);
               return u <= 0x20 || u == 0x7f || c == '"' || c == '<' || c == '>';
           });
}

std::string readable_utc(TimePoint t) {
    const Civil c = civil(t);
    char text[64];
    std::snprintf(text, sizeof text, "%s %u %s %d, %02d:%02d UTC", weekdays[c.weekday], c.day,
                  months[c.month - 1], c.year, c.hour, c.minute);
    return text;
}

std::string mail_date(TimePoint t) {
    const Civil c = civil(t);
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d +0000", weekdays[c.weekday],
                  c.day, months[c.month - 1], c.year, c.hour, c.minute, c.second);
    return text;
}

std::string checklist_progress(const core::Handoff& handoff) {
    if (handoff.checklist.empty()) return "";
    const auto checked = std::count_if(handoff.checklist.begin(), handoff.checklist.end(),
                                       [](const core::ChecklistItem& i) { return i.checked; });
    return std::to_string(checked) + "/" + std::to_string(handoff.checklist.size());
}

std::string deadline_line(const core::Handoff& handoff) {
    const auto& d = handoff.deadlines;
    if (handoff.state == core::HandoffState::waiting && d.accept_by) {
        return "Accept by " + readable_utc(*d.accept_by);
    }
    if (handoff.state == core::HandoffState::accepted && d.done_by) {
        return "Done by " + readable_utc(*d.done_by);
    }
    return "";
}

std::string heading(const core::Handoff& handoff) {
    if (handoff.title.empty()) return handoff.subject;
    if (handoff.subject.empty()) return handoff.title;
    return handoff.title + ": " + handoff.subject;
}

}  // namespace baton::channels
