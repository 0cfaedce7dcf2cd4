// Fuzzes the `if:` language: Condition::parse, then evaluate against a fixed event.
// Properties: a parsed condition evaluates the same way twice; its text parses again;
// and when it evaluates to a boolean b, the logic around it holds — !(c) is !b,
// (c) && true is b, (c) || false is b, (c) && false is false and (c) || true is true
// (each checked when the wrapped text is within the parser's limits). A refusal names a
// column inside the text.
#include <string>

#include <nlohmann/json.hpp>

#include "core/condition.h"
#include "fuzz_support.h"

using namespace baton;

namespace {

const nlohmann::json& event_data() {
    static const nlohmann::json data = nlohmann::json::parse(R"({
        "amount": 1500, "price": 9.75, "big": 18446744073709551615, "neg": -3,
        "pipeline": "services", "company": "Acme Dental", "empty": "",
        "tags": ["vip", "eu", 3], "flag": true, "none": null,
        "client": {"name": "Ada", "tier": 2, "contacts": [{"email": "a@example.com"}]}
    })");
    return data;
}

core::ConditionInput input() {
    return core::ConditionInput{.data = &event_data(),
                                .subject = "Acme Dental",
                                .type = "deal.won",
                                .source = "crm",
                                .id = "deal-1001",
                                .time = "2026-11-23T09:30:00Z"};
}

// Evaluates `text` when it parses; nullopt when it does not (over a limit, typically).
std::optional<Result<bool>> evaluate(const std::string& text) {
    auto condition = core::Condition::parse(text);
    if (!condition) return std::nullopt;
    return condition->evaluate(input());
}

void expect(const std::string& text, bool expected) {
    const auto result = evaluate(text);
    if (!result) return;
    FUZZ_CHECK(result->ok() && **result == expected,
               "`" + text + "` should be " + (expected ? "true" : "false") + ", is " +
                   (result->ok() ? (**result ? "true" : "false") : result->error().message));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    auto condition = core::Condition::parse(text);
    if (!condition) {
        const std::string& field = condition.error().field;
        FUZZ_CHECK(field.rfind("col:", 0) != 0 || std::stoul(field.substr(4)) <= text.size(),
                   "a refusal names a column inside the text: " + field);
        return 0;
    }
    FUZZ_CHECK(condition->text() == text, "the condition keeps its text");
    const Result<bool> first = condition->evaluate(input());
    const Result<bool> second = condition->evaluate(input());
    FUZZ_CHECK(first.ok() == second.ok() && (!first.ok() || *first == *second),
               "evaluation is deterministic");
    if (!first.ok()) {
        FUZZ_CHECK(first.error().code == ErrorCode::invalid_argument,
                   "an evaluation error is invalid_argument");
        expect("(" + text + ") && false", false);
        expect("(" + text + ") || true", true);
        return 0;
    }
    const bool b = *first;
    expect("!(" + text + ")", !b);
    expect("(" + text + ") && true", b);
    expect("(" + text + ") || false", b);
    expect("(" + text + ") && false", false);
    expect("(" + text + ") || true", true);
    return 0;
}
