#include "core/template.h"
#include "core/utf8.h"

#include <array>

namespace baton::core {

namespace {

constexpr std::array<std::string_view, 6> event_roots = {"data",   "subject", "type",
                                                         "source", "id",      "time"};

// A JSON value at a path below a root ("data.client.name" → root["client"]["name"]).
const nlohmann::json* walk(const nlohmann::json* node, const std::vector<std::string_view>& parts) {
    for (std::size_t i = 1; i < parts.size() && node != nullptr; ++i) {
        const std::string key(parts[i]);
        node = node->is_object() && node->contains(key) ? &(*node)[key] : nullptr;
    }
    return node;
}

bool is_ident_char(char c, bool first) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    return first ? alpha : (alpha || (c >= '0' && c <= '9') || c == '-');
}

std::string_view trim(std::string_view s, std::size_t& offset) {
    offset = 0;
    while (offset < s.size() && s[offset] == ' ') ++offset;
    std::size_t end = s.size();
    while (end > offset && s[end - 1] == ' ') --end;
    return s.substr(offset, end - offset);
}

// Splits a path into segments; an empty vector means it is malformed at `bad_column`.
std::vector<std::string_view> split_path(std::string_view path, std::size_t& bad_column) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= path.size(); ++i) {
        if (i == path.size() || path[i] == '.') {
            if (i == start) {
                bad_column = i;
                return {};
            }
            parts.push_back(path.substr(start, i - start));
            start = i + 1;
        } else if (!is_ident_char(path[i], i == start)) {
            bad_column = i;
            return {};
        }
    }
    return parts;
}

struct Placeholder {
    std::size_t open = 0;  // position of "{{"
    std::size_t close = 0; // position just past "}}"
    std::string_view path;
    std::size_t path_column = 0;
};

// Finds the next placeholder at or after `from`; close == 0 means an unclosed "{{".
bool next_placeholder(std::string_view text, std::size_t from, Placeholder& out) {
    const std::size_t open = text.find("{{", from);
    if (open == std::string_view::npos) return false;
    out.open = open;
    const std::size_t end = text.find("}}", open + 2);
    if (end == std::string_view::npos) {
        out.close = 0;
        return true;
    }
    std::size_t offset = 0;
    out.path = trim(text.substr(open + 2, end - open - 2), offset);
    out.path_column = open + 2 + offset;
    out.close = end + 2;
    return true;
}

std::string scalar_text(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return {};
    return core::dump_json(value);
}

}  // namespace

bool has_placeholders(std::string_view text) { return text.find("{{") != std::string_view::npos; }

namespace {

// The problem with a well-formed path, if any, for the given set of roots.
std::string path_problem(const std::vector<std::string_view>& parts, TemplateRoots roots) {
    const std::string root(parts[0]);
    if (roots == TemplateRoots::hook) {
        if (root == "payload") return {};
        if (root == "delivery") {
            if (parts.size() == 2 && (parts[1] == "id" || parts[1] == "event")) return {};
            return "use delivery.id or delivery.event";
        }
        return "unknown name `" + root + "`; a source's templates read payload.*, delivery.id "
                                         "or delivery.event";
    }
    bool known = false;
    for (auto r : event_roots) known = known || parts[0] == r;
    if (!known) {
        return "unknown name `" + root + "`; templates read data.*, subject, type, source, id "
                                         "or time";
    }
    if (root != "data" && parts.size() > 1) return "`" + root + "` has no fields";
    if (root == "data" && parts.size() == 1) return "name a field of data, such as data.company";
    return {};
}

}  // namespace

std::vector<TemplateProblem> check_template(std::string_view text, TemplateRoots roots) {
    std::vector<TemplateProblem> problems;
    Placeholder p;
    std::size_t from = 0;
    while (next_placeholder(text, from, p)) {
        if (p.close == 0) {
            problems.push_back({static_cast<int>(p.open), "`{{` is not closed with `}}`"});
            break;
        }
        from = p.close;
        if (p.path.empty()) {
            problems.push_back({static_cast<int>(p.open), "empty placeholder `{{}}`"});
            continue;
        }
        std::size_t bad = 0;
        auto parts = split_path(p.path, bad);
        if (parts.empty()) {
            problems.push_back({static_cast<int>(p.path_column + bad),
                                "malformed path `" + std::string(p.path) +
                                    "`: use names joined by dots, such as data.company"});
            continue;
        }
        if (auto problem = path_problem(parts, roots); !problem.empty()) {
            problems.push_back({static_cast<int>(p.path_column), problem});
        }
    }
    return problems;
}

Rendered render_template(std::string_view text, const TemplateContext& context) {
    Rendered out;
    Placeholder p;
    std::size_t from = 0;
    while (next_placeholder(text, from, p) && p.close != 0) {
        out.text.append(text.substr(from, p.open - from));
        from = p.close;
        std::size_t bad = 0;
        auto parts = split_path(p.path, bad);
        std::string value;
        bool found = false;
        const std::string_view root = parts.empty() ? std::string_view() : parts[0];
        if (root == "data" || root == "payload") {
            const nlohmann::json* node = walk(root == "data" ? context.data : context.payload,
                                              parts);
            found = node != nullptr && !node->is_null();
            if (found) value = scalar_text(*node);
        } else if (!root.empty()) {
            std::string_view v;
            if (root == "delivery") {
                v = parts.size() == 2 && parts[1] == "event" ? context.delivery_event
                                                             : context.delivery_id;
            } else {
                v = root == "subject"  ? context.subject
                    : root == "type"   ? context.type
                    : root == "source" ? context.source
                    : root == "id"     ? context.id
                    : root == "time"   ? context.time
                                       : std::string_view();
            }
            value = std::string(v);
            found = !v.empty();
        }
        if (!found) out.missing.emplace_back(p.path);
        out.text += value;
    }
    out.text.append(text.substr(from));
    return out;
}

}  // namespace baton::core
