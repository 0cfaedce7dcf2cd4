// Templates: `{{data.company}}` and friends inside playbook strings (subject, owner, giver,
// checkpoint targets, message text). A path that cannot exist is a lint error; a value
// missing at run time renders empty and is reported so that the engine can note it on the
// timeline. Pure functions over plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace baton::core {

// What a template can read. In playbooks the roots are the event's: data.*, subject, type,
// source, id, time. In an inbound webhook source's mapping they are the delivery's:
// payload.* (the JSON body) and delivery.id, delivery.event (from the signature headers).
struct TemplateContext {
    const nlohmann::json* data = nullptr;
    std::string_view subject;
    std::string_view type;
    std::string_view source;
    std::string_view id;
    std::string_view time;
    const nlohmann::json* payload = nullptr;
    std::string_view delivery_id{};
    std::string_view delivery_event{};
};

enum class TemplateRoots { event, hook };

struct TemplateProblem {
    int column = 0;  // 0-based, in the template text
    std::string message;
};

// Every problem of a template: an unclosed `{{`, an empty `{{ }}`, a malformed path, an
// unknown root. Empty when the template is fine.
std::vector<TemplateProblem> check_template(std::string_view text,
                                            TemplateRoots roots = TemplateRoots::event);

// Whether the text contains any `{{…}}` at all.
bool has_placeholders(std::string_view text);

struct Rendered {
    std::string text;
    std::vector<std::string> missing;  // paths that had no value
};

// Renders a template that passed check_template. Strings render as they are, numbers and
// booleans in JSON spelling, objects and arrays as compact JSON, null and missing as "".
Rendered render_template(std::string_view text, const TemplateContext& context);

}  // namespace baton::core
