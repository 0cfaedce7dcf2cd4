// Fuzzes the HTTP path router and the decoding around it: Router::match over the API's
// real route table (every path of the embedded OpenAPI document, which openapi_test keeps
// equal to the served routes), percent_decode and parse_query. Input: "METHOD target",
// where the target may carry a query after '?'.
// Properties:
//   - a match is of the asked method, and each parameter is exactly the percent-decoding
//     of the one raw segment at its place in the pattern (a raw '/' never enters a
//     parameter; only an encoded %2F does, by design: a subject "Acme/EU" is reachable);
//     the literal segments of the pattern equal the decoded segments of the path;
//   - a 405 answer (allowed methods) never lists the asked method;
//   - percent_decode never gives a NUL (%00 and a raw NUL are refused), and re-encoding its
//     output decodes to the same text; parse_query makes no NUL either.
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "http/openapi.h"
#include "http/router.h"
#include "fuzz_support.h"

using namespace baton;

namespace {

const http::Router& router() {
    static const http::Router table = [] {
        http::Router r;
        const auto doc = nlohmann::json::parse(http::openapi_document());
        for (const auto& [path, operations] : doc.at("paths").items()) {
            for (const auto& [method, operation] : operations.items()) {
                std::string upper = method;
                for (auto& c : upper) c = static_cast<char>(std::toupper(c));
                r.add({upper, path, http::Access::read, "", nullptr});
            }
        }
        return r;
    }();
    return table;
}

std::string encode_all(std::string_view text) {
    static const char* const hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

void check_decode(std::string_view text, bool plus_is_space) {
    const auto decoded = http::percent_decode(text, plus_is_space);
    if (!decoded) return;
    // percent_decode refuses a NUL, encoded (%00) or raw.
    FUZZ_CHECK(decoded->find('\0') == std::string::npos, "a decoded text never holds a NUL");
    FUZZ_CHECK(decoded->size() <= text.size(), "decoding never grows the text");
    const auto again = http::percent_decode(encode_all(*decoded), false);
    FUZZ_CHECK(again && *again == *decoded, "decode(encode(x)) == x");
}

void check_match(const std::string& method, const std::string& path) {
    const http::Match match = router().match(method, path);
    if (match.route == nullptr) {
        for (const auto& allowed : match.allowed) {
            FUZZ_CHECK(allowed != method, "405 lists the method asked: " + method);
        }
        return;
    }
    FUZZ_CHECK(match.route->method == method, "the matched route is of the method asked");
    const auto pattern = http::split_path(match.route->pattern);
    const auto raw = http::split_path(path);
    FUZZ_CHECK(pattern.size() == raw.size(), "a match has as many segments as its pattern");
    std::set<std::string> names;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto decoded = http::percent_decode(raw[i], false);
        FUZZ_CHECK(decoded.has_value(), "a matched path decodes");
        const std::string& p = pattern[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            const std::string name = p.substr(1, p.size() - 2);
            names.insert(name);
            FUZZ_CHECK(match.params.count(name) == 1 && match.params.at(name) == *decoded,
                       "parameter `" + name + "` is the decoded segment " + raw[i]);
            FUZZ_CHECK(raw[i].find('/') == std::string::npos, "a raw segment has no '/'");
        } else {
            FUZZ_CHECK(p == *decoded, "a literal segment matches");
        }
    }
    FUZZ_CHECK(match.params.size() == names.size(), "no parameter beyond the pattern's");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const auto space = text.find(' ');
    if (space == std::string_view::npos) return 0;
    const std::string method(text.substr(0, space));
    const std::string_view target = text.substr(space + 1);
    const auto question = target.find('?');
    const std::string path(target.substr(0, question));
    check_decode(path, false);
    check_match(method, path);
    if (question != std::string_view::npos) {
        const std::string_view query = target.substr(question + 1);
        check_decode(query, true);
        const auto parsed = http::parse_query(query);
        if (parsed) {
            for (const auto& [key, value] : *parsed) {
                FUZZ_CHECK(query.find('\0') != std::string_view::npos ||
                               (key.find('\0') == std::string::npos &&
                                value.find('\0') == std::string::npos),
                           "no NUL in a query key or value unless the query had one");
            }
        }
    }
    return 0;
}
