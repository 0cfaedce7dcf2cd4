#include "core/yaml_support.h"

#include "core/limits.h"
#include "core/utf8.h"

namespace baton::core::yaml_support {

void Reporter::error(const YAML::Mark& mark, std::string message, int column_offset) {
    const int line = mark.line >= 0 ? mark.line + 1 : 0;
    const int column = mark.column >= 0 ? mark.column + 1 + column_offset : 0;
    out_.push_back(Diagnostic{file_, line, column, std::move(message)});
}

void Reporter::error_at(int line, int column, std::string message) {
    out_.push_back(Diagnostic{file_, line, column, std::move(message)});
}

std::optional<YAML::Node> load(const std::string& text, Reporter& reporter) {
    if (text.size() > limits::yaml_file_bytes_max) {
        reporter.error_at(1, 1,
                          "the file is " + std::to_string(text.size()) +
                              " bytes; the limit is " +
                              std::to_string(limits::yaml_file_bytes_max));
        return std::nullopt;
    }
    // yaml-cpp takes any bytes, and what it took would be stored and later written out as
    // JSON, which must be UTF-8: a Latin-1 `Café` is refused here, at its line and column.
    if (auto bad = utf8_file_problem(reporter.file(), text)) {
        reporter.error_at(bad->line, bad->column, std::move(bad->message));
        return std::nullopt;
    }
    try {
        YAML::Node root = YAML::Load(text);
        if (!root || root.IsNull()) {
            reporter.error_at(1, 1, "the file is empty");
            return std::nullopt;
        }
        return root;
    } catch (const YAML::Exception& e) {
        reporter.error(e.mark, "YAML syntax: " + e.msg);
        return std::nullopt;
    }
}

namespace {

// Where a top-level key belongs, for a key found at the top of another workspace file: a
// people list pasted into a playbook should say "people.yaml", not only "unknown key".
std::string_view home_of_top_level_key(std::string_view key) {
    static const std::pair<std::string_view, std::string_view> homes[] = {
        {"people", "people.yaml"},         {"teams", "people.yaml"},
        {"defaults", "people.yaml"},       {"sources", "sources.yaml"},
        {"smtp", "channels.yaml"},         {"slack", "channels.yaml"},
        {"webhooks", "channels.yaml"},     {"allow", "channels.yaml"},
        {"public_url", "channels.yaml"},   {"slack_signing_secret", "channels.yaml"},
        {"id", "a playbook (playbooks/ID.yaml)"},
        {"when", "a playbook (playbooks/ID.yaml)"},
        {"owner", "a playbook (playbooks/ID.yaml)"},
        {"checklist", "a playbook (playbooks/ID.yaml)"},
    };
    for (const auto& [k, home] : homes) {
        if (k == key) return home;
    }
    return {};
}

bool is_top_level_of_a_file(std::string_view what) {
    return what == "a playbook" || what == "people.yaml" || what == "sources.yaml" ||
           what == "channels.yaml";
}

}  // namespace

void check_keys(const YAML::Node& map, const std::vector<std::string>& known, Reporter& r,
                std::string_view what) {
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!it->first.IsScalar()) {
            r.error(it->first.Mark(), "keys must be plain words");
            continue;
        }
        const std::string key = it->first.Scalar();
        bool ok = false;
        for (const auto& k : known) ok = ok || k == key;
        if (!ok) {
            std::string message = "unknown key `" + key + "` in " + std::string(what);
            const std::string hint = did_you_mean(key, known);
            const std::string_view home = home_of_top_level_key(key);
            if (is_top_level_of_a_file(what) && !home.empty() && home != what &&
                !(what == "a playbook" && home.substr(0, 10) == "a playbook")) {
                message += "; `" + key + ":` belongs in " + std::string(home);
            } else if (!hint.empty()) {
                message += "; " + hint;
            }
            r.error(it->first.Mark(), message);
        }
    }
}

int scalar_column(const YAML::Node& node, std::size_t offset) {
    // yaml-cpp marks a quoted scalar at its opening quote and tags it "!".
    const bool quoted = node.Tag() == "!";
    return node.Mark().column + 1 + static_cast<int>(offset) + (quoted ? 1 : 0);
}

std::optional<std::string> scalar(const YAML::Node& node, Reporter& r, const char* what,
                                  std::size_t max_bytes) {
    if (!node.IsScalar()) {
        r.error(node.Mark(), std::string(what) + " must be a single value, not a list or map");
        return std::nullopt;
    }
    std::string text = node.Scalar();
    if (text.size() > max_bytes) {
        r.error(node.Mark(), std::string(what) + " is " + std::to_string(text.size()) +
                                 " bytes; the limit is " + std::to_string(max_bytes));
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> get_string(const YAML::Node& map, const char* key, Reporter& r,
                                      std::size_t max_bytes, bool required) {
    const YAML::Node node = map[key];
    if (!node || node.IsNull()) {
        if (required) r.error(map.Mark(), std::string("`") + key + "` is required");
        return std::nullopt;
    }
    auto text = scalar(node, r, key, max_bytes);
    if (text && text->empty() && required) {
        r.error(node.Mark(), std::string("`") + key + "` must not be empty");
        return std::nullopt;
    }
    return text;
}

}  // namespace baton::core::yaml_support
