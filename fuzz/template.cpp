// Fuzzes the template renderer: check_template for both sets of roots, then
// render_template against a fixed event and delivery. The first byte picks the roots
// (even: an event's, odd: an inbound webhook's); the rest is the template.
// Properties: problem columns lie inside the text; text without `{{` renders unchanged
// and misses nothing; a template that passes the check renders every placeholder
// (rendering with values that contain no braces leaves no `{{` behind unless the text
// had more `{{` than placeholders); every missing path is one the text names; rendering
// is deterministic.
#include <string>

#include <nlohmann/json.hpp>

#include "core/template.h"
#include "fuzz_support.h"

using namespace baton;

namespace {

const nlohmann::json& sample() {
    static const nlohmann::json value = nlohmann::json::parse(R"({
        "company": "Acme Dental", "amount": 4800, "price": 9.5, "vip": true, "none": null,
        "tags": ["a", "b"], "client": {"name": "Ada", "email": "ada@example.com"}
    })");
    return value;
}

core::TemplateContext context() {
    return core::TemplateContext{.data = &sample(),
                                 .subject = "Acme Dental",
                                 .type = "deal.won",
                                 .source = "crm",
                                 .id = "deal-1001",
                                 .time = "2026-11-23T09:30:00Z",
                                 .payload = &sample(),
                                 .delivery_id = "msg_1",
                                 .delivery_event = "push"};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto roots = data[0] % 2 == 0 ? core::TemplateRoots::event : core::TemplateRoots::hook;
    const std::string_view text = fuzz::as_text(data + 1, size - 1);

    const auto problems = core::check_template(text, roots);
    for (const auto& problem : problems) {
        FUZZ_CHECK(problem.column >= 0 && static_cast<std::size_t>(problem.column) <= text.size(),
                   "problem column " + std::to_string(problem.column) + " inside the text");
        FUZZ_CHECK(!problem.message.empty(), "a problem says what it is");
    }
    const core::Rendered rendered = core::render_template(text, context());
    const core::Rendered again = core::render_template(text, context());
    FUZZ_CHECK(rendered.text == again.text && rendered.missing == again.missing,
               "rendering is deterministic");
    if (!core::has_placeholders(text)) {
        FUZZ_CHECK(rendered.text == text && rendered.missing.empty(),
                   "text without placeholders renders as it is");
        FUZZ_CHECK(problems.empty(), "text without placeholders has no problems");
    }
    for (const auto& path : rendered.missing) {
        FUZZ_CHECK(text.find(path) != std::string_view::npos,
                   "missing path `" + path + "` is named in the text");
    }
    if (problems.empty()) {
        // The sample values hold no braces, so any `{{` left came from the text itself: a
        // checked template leaves none, as every `{{` opened a closed placeholder.
        FUZZ_CHECK(rendered.text.find("{{") == std::string::npos ||
                       text.find("{{{") != std::string_view::npos,
                   "a checked template renders every placeholder: `" + rendered.text + "`");
    }
    return 0;
}
