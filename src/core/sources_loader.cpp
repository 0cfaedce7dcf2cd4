#include <algorithm>
#include <set>

#include "core/limits.h"
#include "core/source_presets.h"
#include "core/sources.h"
#include "core/template.h"
#include "core/yaml_support.h"

namespace baton::core {

const Source* SourceList::find(std::string_view name) const {
    for (const auto& s : sources_) {
        if (s.name == name) return &s;
    }
    return nullptr;
}

bool is_sources_file(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    return name == "sources.yaml" || name == "sources.yml";
}

namespace {

using yaml_support::Reporter;

const std::vector<std::string> schemes = {"standard-webhooks", "github",   "stripe",   "slack",
                                          "hubspot-v3",        "calendly", "typeform", "shopify",
                                          "cal-com",           "basic",    "bearer"};

std::vector<std::string> preset_names() {
    std::vector<std::string> names;
    for (const auto& p : source_presets()) names.push_back(p.name);
    return names;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
    return out;
}

// `secret: X`, or `secrets: [new, old]` during a rollover (one or two), never both.
std::vector<std::string> load_secrets(const YAML::Node& node, Reporter& r) {
    constexpr std::size_t secret_bytes_max = 512;
    if (node["secret"] && node["secrets"]) {
        r.error(node["secrets"].Mark(), "write secret: or secrets:, not both");
        return {};
    }
    if (!node["secrets"]) {
        auto one = yaml_support::get_string(node, "secret", r, secret_bytes_max, true);
        return one ? std::vector<std::string>{*one} : std::vector<std::string>{};
    }
    const YAML::Node list = node["secrets"];
    if (!list.IsSequence() || list.size() == 0 || list.size() > 2) {
        r.error(list.Mark(),
                "secrets is a list of one or two secrets, such as [new, old] "
                "while a sender rolls its secret over");
        return {};
    }
    std::vector<std::string> out;
    for (const auto& item : list) {
        if (!item.IsScalar() || item.Scalar().empty() || item.Scalar().size() > secret_bytes_max) {
            r.error(item.Mark(),
                    "each secret is text of 1 to " + std::to_string(secret_bytes_max) + " bytes");
            return {};
        }
        out.push_back(item.Scalar());
    }
    return out;
}

bool valid_name(const std::string& n) {
    if (n.empty() || n.size() > limits::id_bytes_max) return false;
    for (char c : n) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

void check_hook_template(const YAML::Node& map, const char* key, const std::string& text,
                         Reporter& r) {
    for (const auto& problem : check_template(text, TemplateRoots::hook)) {
        const YAML::Node node = map[key];
        r.error(node.Mark(), std::string(key) + ": " + problem.message,
                yaml_support::scalar_column(node, static_cast<std::size_t>(problem.column)) -
                    node.Mark().column - 1);
    }
}

std::optional<Source> load_source(const YAML::Node& node, Reporter& r) {
    if (!node.IsMap()) {
        r.error(node.Mark(), "a source is a map such as {name: crm, scheme: github, secret: …}");
        return std::nullopt;
    }
    yaml_support::check_keys(
        node,
        {"name", "preset", "scheme", "secret", "secrets", "type", "id", "subject", "data", "url"},
        r, "a source");
    const std::size_t before = r.count();
    Source s;
    if (auto name = yaml_support::get_string(node, "name", r, limits::id_bytes_max, true)) {
        if (!valid_name(*name)) {
            r.error(node["name"].Mark(), "name must be a-z, 0-9, - and _, such as crm");
        }
        s.name = *name;
    }
    const SourcePreset* preset = nullptr;
    if (auto name = yaml_support::get_string(node, "preset", r, 32, false)) {
        preset = find_source_preset(*name);
        if (preset == nullptr) {
            std::string message = "preset must be one of " + joined(preset_names());
            const std::string hint = did_you_mean(*name, preset_names());
            if (!hint.empty()) message += "; " + hint;
            r.error(node["preset"].Mark(), message);
        } else {
            s.preset = preset->name;
            s.scheme = preset->scheme;
            s.batch = preset->batch;
        }
    }
    if (auto scheme = yaml_support::get_string(node, "scheme", r, 32, !node["preset"])) {
        if (std::find(schemes.begin(), schemes.end(), *scheme) == schemes.end()) {
            std::string message = "scheme must be one of " + joined(schemes);
            const std::string hint = did_you_mean(*scheme, schemes);
            if (!hint.empty()) message += "; " + hint;
            r.error(node["scheme"].Mark(), message);
        } else if (preset != nullptr && *scheme != preset->scheme) {
            r.error(node["scheme"].Mark(), "preset " + preset->name + " is signed with " +
                                               preset->scheme + "; leave scheme: out");
        }
        s.scheme = *scheme;
    }
    s.secrets = load_secrets(node, r);
    if (auto url = yaml_support::get_string(node, "url", r, limits::template_bytes_max, false)) {
        if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
            r.error(node["url"].Mark(),
                    "url is the public address the sender calls, such as "
                    "https://baton.example.com/hooks/" +
                        (s.name.empty() ? std::string("NAME") : s.name));
        }
        s.url = *url;
    }
    const bool github = s.scheme == "github", stripe = s.scheme == "stripe";
    s.type = yaml_support::get_string(node, "type", r, limits::template_bytes_max,
                                      !github && preset == nullptr)
                 .value_or(preset ? preset->type : "{{delivery.event}}");
    s.id = yaml_support::get_string(node, "id", r, limits::template_bytes_max, false)
               .value_or(preset   ? preset->id
                         : stripe ? "{{payload.id}}"
                                  : "{{delivery.id}}");
    s.subject = yaml_support::get_string(node, "subject", r, limits::template_bytes_max, false)
                    .value_or(preset ? preset->subject : "");
    if (preset != nullptr) s.data = preset->data;
    if (auto data = yaml_support::get_string(node, "data", r, limits::template_bytes_max, false)) {
        const auto problems = check_template("{{" + *data + "}}", TemplateRoots::hook);
        if (data->rfind("payload", 0) != 0 || !problems.empty()) {
            r.error(node["data"].Mark(), "data must be payload or a path below it, such as "
                                         "payload.data");
        }
        s.data = *data;
    }
    for (const auto& [key, text] : {std::pair{"type", s.type}, std::pair{"id", s.id},
                                    std::pair{"subject", s.subject}}) {
        if (node[key]) check_hook_template(node, key, text, r);
    }
    if (r.count() != before) return std::nullopt;
    return s;
}

}  // namespace

SourcesParse parse_sources(const std::string& yaml_text, const std::string& file) {
    SourcesParse result;
    Reporter r(file, result.errors);
    auto root = yaml_support::load(yaml_text, r);
    if (!root) return result;
    if (!root->IsMap() || !(*root)["sources"] || !(*root)["sources"].IsSequence()) {
        r.error(root->Mark(), "sources.yaml is a map with `sources:`, a list");
        return result;
    }
    yaml_support::check_keys(*root, {"sources"}, r, "sources.yaml");
    std::vector<Source> sources;
    std::set<std::string> names;
    for (const auto& node : (*root)["sources"]) {
        auto s = load_source(node, r);
        if (!s) continue;
        if (!names.insert(s->name).second) {
            r.error(node["name"].Mark(), "source `" + s->name + "` is defined twice");
            continue;
        }
        sources.push_back(std::move(*s));
    }
    if (result.errors.empty()) result.sources = SourceList(std::move(sources));
    return result;
}

}  // namespace baton::core
