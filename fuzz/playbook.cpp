// Fuzzes the YAML playbook loader, core::parse_playbook.
// Properties: the loader's diagnostics contract (yaml_checks.h); and a playbook it
// accepts keeps the promises the engine relies on without checking again — an id within
// its limit, lists within theirs, durations that survive format→parse, a condition whose
// text parses again and evaluates without crashing, templates that pass check_template.
#include <string>

#include <nlohmann/json.hpp>

#include "core/limits.h"
#include "core/playbook.h"
#include "core/template.h"
#include "fuzz_support.h"
#include "yaml_checks.h"

using namespace baton;

namespace {

void check_span(const core::Span& span, const char* what) {
    FUZZ_CHECK(!span.is_zero(), std::string(what) + " is not zero");
    const auto again = core::parse_span(core::format_span(span));
    FUZZ_CHECK(again.ok() && *again == span, std::string(what) + " survives format and parse");
}

void check_template_field(const std::string& text, const char* what) {
    FUZZ_CHECK(core::check_template(text).empty(), std::string(what) + " is a checked template");
}

void check_playbook(const core::Playbook& p) {
    FUZZ_CHECK(!p.id.empty() && p.id.size() <= limits::id_bytes_max, "id within its limit");
    FUZZ_CHECK(!p.when.empty(), "a playbook names its event type");
    FUZZ_CHECK(p.checklist.size() <= limits::checklist_items_max, "checklist within its limit");
    FUZZ_CHECK(p.remind.size() <= limits::reminders_max, "reminders within their limit");
    FUZZ_CHECK(p.escalate.size() <= limits::escalation_levels_max, "escalation within limit");
    FUZZ_CHECK(p.checkpoint.size() <= limits::checkpoints_max, "checkpoints within limit");
    if (p.accept_within) check_span(*p.accept_within, "accept_within");
    if (p.done_within) check_span(*p.done_within, "done_within");
    for (const auto& span : p.remind) check_span(span, "remind");
    for (const auto& step : p.escalate) {
        check_span(step.after, "escalate.after");
        check_template_field(step.to, "escalate.to");
    }
    check_template_field(p.subject, "subject");
    check_template_field(p.owner, "owner");
    check_template_field(p.from, "from");
    for (const auto& checkpoint : p.checkpoint) check_template_field(checkpoint.target, "target");
    if (p.condition) {
        FUZZ_CHECK(core::Condition::parse(p.condition->text()).ok(), "the condition reparses");
        static const nlohmann::json data = {{"amount", 1500}, {"pipeline", "services"}};
        (void)p.condition->evaluate({.data = &data, .type = p.when});
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    const core::PlaybookParse parsed = core::parse_playbook(text, fuzz::yaml_file);
    fuzz::check_diagnostics(parsed.errors, parsed.playbook.has_value(), text);
    if (parsed.playbook) check_playbook(*parsed.playbook);
    return 0;
}
