// Helpers shared by the libFuzzer targets of fuzz/: a property check that stops the run
// (libFuzzer then saves the input as a crash), and the small text formats the targets
// read their inputs in, so that every seed of fuzz/corpus/ is readable and editable.
// Nothing here is used outside fuzz/.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

// A property of the code under test, checked on every input. A failure prints what was
// expected and aborts, which libFuzzer reports as a crash and saves as crash-<sha1>.
#define FUZZ_CHECK(cond, what)                                                            \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "fuzz property failed: %s\n  %s\n  at %s:%d\n", #cond,   \
                         std::string(what).c_str(), __FILE__, __LINE__);                  \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)

namespace baton::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Splits at '\n' into at most `count` pieces: the last piece holds the rest, newlines
// and all. Fewer pieces when the text has fewer lines.
inline std::vector<std::string_view> split_lines(std::string_view text, std::size_t count) {
    std::vector<std::string_view> out;
    while (out.size() + 1 < count) {
        const auto newline = text.find('\n');
        if (newline == std::string_view::npos) break;
        out.push_back(text.substr(0, newline));
        text.remove_prefix(newline + 1);
    }
    out.push_back(text);
    return out;
}

struct HeaderLine {
    std::string name;
    std::string value;
};

// An HTTP-like message: "Name: value" lines, an empty line, then the body. A line without
// a colon is a header with an empty value; one optional space after the colon is dropped.
struct Message {
    std::vector<HeaderLine> headers;
    std::string body;
};

inline Message parse_message(std::string_view text) {
    Message out;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        if (line.empty()) break;
        const auto colon = line.find(':');
        std::string_view value =
            colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        out.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
    }
    out.body = std::string(text);
    return out;
}

}  // namespace baton::fuzz
