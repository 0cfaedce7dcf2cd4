#include "http/framing.h"

#include <vector>

#include "http/message.h"

namespace baton::http {

namespace {

struct Field {
    std::string_view name;
    std::string_view value;  // without the whitespace around it
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_token_char(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// One field line: `name: value`, the name a token right up to the colon (RFC 9112 5.1:
// no whitespace between them; a server must refuse that with 400).
std::optional<HeadProblem> parse_field(std::string_view line, Field& field) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        // Not quoted back: the line may be a credential that lost its colon.
        return HeadProblem{"", "a header line has no colon"};
    }
    const std::string_view name = line.substr(0, colon);
    for (char c : name) {
        if (!is_token_char(c)) {
            return HeadProblem{std::string(name.substr(0, 40)),
                               "a header name has a character a name cannot have "
                               "(whitespace before the colon?)"};
        }
    }
    if (name.empty()) return HeadProblem{"", "a header line has no name"};
    field = {name, trim(line.substr(colon + 1))};
    return std::nullopt;
}

// The framing fields together (RFC 9112 6.1-6.3): exactly one way to know where the body
// ends, and a Host on HTTP/1.1 (RFC 9112 3.2).
std::optional<HeadProblem> check_framing(const std::vector<Field>& fields, bool http_1_0) {
    int transfer_encodings = 0, content_lengths = 0, hosts = 0;
    for (const auto& f : fields) {
        if (iequals(f.name, "Transfer-Encoding")) {
            ++transfer_encodings;
            if (!iequals(f.value, "chunked")) {
                return HeadProblem{"Transfer-Encoding",
                                   "Transfer-Encoding must be exactly `chunked`, not `" +
                                       std::string(f.value.substr(0, 40)) + "`"};
            }
        } else if (iequals(f.name, "Content-Length")) {
            ++content_lengths;
            if (f.value.empty() || f.value.size() > 18 ||
                f.value.find_first_not_of("0123456789") != std::string_view::npos) {
                return HeadProblem{"Content-Length",
                                   "Content-Length must be a number of bytes, not `" +
                                       std::string(f.value.substr(0, 40)) + "`"};
            }
        } else if (iequals(f.name, "Host")) {
            ++hosts;
        }
    }
    const std::string te = "Transfer-Encoding", cl = "Content-Length";
    if (transfer_encodings > 1) return HeadProblem{te, "Transfer-Encoding is given more than once"};
    if (transfer_encodings == 1 && http_1_0) {
        return HeadProblem{te, "Transfer-Encoding is not HTTP/1.0 (RFC 9112 6.1)"};
    }
    if (content_lengths > 1) return HeadProblem{cl, "Content-Length is given more than once"};
    if (transfer_encodings == 1 && content_lengths == 1) {
        return HeadProblem{cl, "Content-Length and Transfer-Encoding together (RFC 9112 6.3)"};
    }
    if (!http_1_0 && hosts != 1) {
        return HeadProblem{"Host", hosts == 0 ? "an HTTP/1.1 request needs a Host header"
                                              : "Host is given more than once"};
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::size_t> request_head_end(std::string_view bytes) {
    std::size_t start = 0;
    for (;;) {
        const auto lf = bytes.find('\n', start);
        if (lf == std::string_view::npos) return std::nullopt;
        if (lf == 0 || bytes[lf - 1] != '\r') return lf + 1;  // a bare LF: refused as it is
        if (lf == start + 1) return lf + 1;                     // the blank line
        start = lf + 1;
    }
}

std::optional<HeadProblem> check_request_head(std::string_view head) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < head.size()) {
        const auto lf = head.find('\n', start);
        if (lf == std::string_view::npos || lf == start || head[lf - 1] != '\r') {
            return HeadProblem{"", "a line of the request head does not end in CRLF"};
        }
        lines.push_back(head.substr(start, lf - 1 - start));
        start = lf + 1;
    }
    // The last line is the blank one that ends the head.
    if (lines.size() < 2 || !lines.back().empty()) {
        return HeadProblem{"", "the request head does not end with a blank line"};
    }
    lines.pop_back();
    const std::string_view request_line = lines.front();
    const auto last_space = request_line.rfind(' ');
    if (last_space == std::string_view::npos) {
        return HeadProblem{"", "the request line is malformed"};
    }
    const std::string_view version = request_line.substr(last_space + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return HeadProblem{"", "unsupported HTTP version `" +
                                   std::string(version.substr(0, 20)) + "`"};
    }
    std::vector<Field> fields;
    fields.reserve(lines.size() - 1);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].empty()) return HeadProblem{"", "an empty header line"};
        if (lines[i].front() == ' ' || lines[i].front() == '\t') {
            return HeadProblem{fields.empty() ? "" : std::string(fields.back().name),
                               "a header line starts with whitespace: a field folded onto "
                               "a second line (obs-fold, RFC 9112 5.2)"};
        }
        Field field;
        if (auto bad = parse_field(lines[i], field)) return bad;
        fields.push_back(field);
    }
    return check_framing(fields, version == "HTTP/1.0");
}

}  // namespace baton::http
