#include "http/message.h"

namespace baton::http {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

void Headers::set(const std::string& name, std::string value) {
    for (auto& [n, v] : entries_) {
        if (iequals(n, name)) {
            v = std::move(value);
            return;
        }
    }
    add(name, std::move(value));
}

std::optional<std::string> Headers::get(std::string_view name) const {
    for (const auto& [n, v] : entries_) {
        if (iequals(n, name)) return v;
    }
    return std::nullopt;
}

std::optional<std::string> cookie(const Request& request, std::string_view name) {
    for (const auto& [header, value] : request.headers.entries()) {
        if (!iequals(header, "Cookie")) continue;
        std::string_view rest(value);
        while (!rest.empty()) {
            const auto end = rest.find(';');
            std::string_view pair = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
            std::string_view v = pair.substr(eq + 1);
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            return std::string(v);
        }
    }
    return std::nullopt;
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;  // needs two hex digits
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            const char decoded = static_cast<char>(hi * 16 + lo);
            if (decoded == '\0') return std::nullopt;
            out += decoded;
            i += 2;
        } else if (c == '\0') {
            // Beast refuses a raw NUL in a request target, but this function must not
            // depend on that: no NUL, raw or encoded, comes out of it.
            return std::nullopt;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view text) {
    std::map<std::string, std::string> out;
    while (!text.empty()) {
        const auto amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
        if (!key || !value) return std::nullopt;
        out[*key] = *value;
    }
    return out;
}

}  // namespace baton::http
