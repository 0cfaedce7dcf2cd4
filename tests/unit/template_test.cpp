// Templates: what check_template finds (and at which 0-based column), and what
// render_template produces for each kind of value, for missing values and around text.
#include "core/template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baton::core {
namespace {

using nlohmann::json;

struct ProblemCase {
    std::string text;
    int column;
    std::string message_part;
};

void expect_one_problem(const ProblemCase& c) {
    SCOPED_TRACE(c.text);
    const auto problems = check_template(c.text);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].column, c.column);
    EXPECT_NE(problems[0].message.find(c.message_part), std::string::npos) << problems[0].message;
}

TEST(CheckTemplate, AcceptsGoodTemplates) {
    for (const char* text :
         {"", "plain text", "one { brace } is text", "{{data.company}}", "{{ data.company }}",
          "{{subject}}", "{{type}}", "{{source}}", "{{id}}", "{{time}}", "{{data.contact.email}}",
          "{{data.ops-owner}}", "{{data._private.x2}}", "Welcome {{data.company}} ({{subject}})",
          "}} alone is text"}) {
        SCOPED_TRACE(text);
        const auto problems = check_template(text);
        EXPECT_TRUE(problems.empty()) << problems.front().message;
    }
}

TEST(CheckTemplate, UnclosedPlaceholderIsReportedAtItsOpening) {
    for (const ProblemCase& c : std::vector<ProblemCase>{
             {"{{data.company", 0, "not closed"},
             {"Hello {{data.company", 6, "not closed"},
             {"{{data.a}} and {{data.b", 15, "not closed"},
             {"{{data.a} }", 0, "not closed"},
         }) {
        expect_one_problem(c);
    }
}

TEST(CheckTemplate, EmptyPlaceholderIsReportedAtItsOpening) {
    for (const ProblemCase& c : std::vector<ProblemCase>{
             {"{{}}", 0, "empty placeholder"},
             {"x {{   }}", 2, "empty placeholder"},
         }) {
        expect_one_problem(c);
    }
}

TEST(CheckTemplate, MalformedPathIsReportedAtTheBadCharacter) {
    for (const ProblemCase& c : std::vector<ProblemCase>{
             {"{{data.}}", 7, "malformed path `data.`"},
             {"{{ data..x }}", 8, "malformed path `data..x`"},
             {"{{.data}}", 2, "malformed path"},
             {"{{data.1st}}", 7, "malformed path"},
             {"{{data.a b}}", 8, "malformed path `data.a b`"},
             {"{{data.com pany}}", 10, "malformed path"},
             {"{{data[0]}}", 6, "malformed path"},
             {"Hi {{data.na$me}}", 12, "malformed path"},
             {"{{-data}}", 2, "malformed path"},
         }) {
        expect_one_problem(c);
    }
}

TEST(CheckTemplate, UnknownRootIsReportedAtThePath) {
    for (const ProblemCase& c : std::vector<ProblemCase>{
             {"{{date.company}}", 2, "unknown name `date`"},
             {"Hello {{ owner }}", 9, "unknown name `owner`"},
             {"{{Data.company}}", 2, "unknown name `Data`"},
         }) {
        expect_one_problem(c);
    }
}

TEST(CheckTemplate, OnlyDataHasFields) {
    for (const char* root : {"subject", "type", "source", "id", "time"}) {
        expect_one_problem(
            {std::string("{{") + root + ".x}}", 2, std::string("`") + root + "` has no fields"});
    }
}

TEST(CheckTemplate, BareDataNeedsAField) {
    expect_one_problem({"{{data}}", 2, "name a field of data"});
    expect_one_problem({"To: {{ data }}", 7, "name a field of data"});
}

TEST(CheckTemplate, ReportsEveryProblemInOrder) {
    // "{{}} {{foo}} {{data.}} {{data"
    //  0    5      12         23
    const auto problems = check_template("{{}} {{foo}} {{data.}} {{data");
    ASSERT_EQ(problems.size(), 4u);
    EXPECT_EQ(problems[0].column, 0);
    EXPECT_NE(problems[0].message.find("empty"), std::string::npos);
    EXPECT_EQ(problems[1].column, 7);
    EXPECT_NE(problems[1].message.find("unknown name `foo`"), std::string::npos);
    EXPECT_EQ(problems[2].column, 20);
    EXPECT_NE(problems[2].message.find("malformed"), std::string::npos);
    EXPECT_EQ(problems[3].column, 23);
    EXPECT_NE(problems[3].message.find("not closed"), std::string::npos);
}

TEST(HasPlaceholders, FindsAnOpening) {
    EXPECT_TRUE(has_placeholders("{{data.x}}"));
    EXPECT_TRUE(has_placeholders("a {{ b"));
    EXPECT_FALSE(has_placeholders("ops"));
    EXPECT_FALSE(has_placeholders("{ data.x }"));
    EXPECT_FALSE(has_placeholders(""));
}

// ---------------------------------------------------------------------------------------
// Rendering

const json deal = {
    {"company", "Acme Ltd"},
    {"amount", 1500},
    {"ratio", 0.25},
    {"negative", -3},
    {"vip", true},
    {"paused", false},
    {"tags", json::array({"a", "b"})},
    {"contact", {{"name", "Jo"}, {"email", "jo@acme.test"}, {"phone", nullptr}}},
    {"nothing", nullptr},
    {"empty_list", json::array()},
};

TemplateContext context_for(const json& data) {
    TemplateContext c;
    c.data = &data;
    c.subject = "Acme";
    c.type = "deal.won";
    c.source = "crm";
    c.id = "evt-7";
    c.time = "2026-11-23T09:30:00.000Z";
    return c;
}

TEST(RenderTemplate, RendersEachKindOfValue) {
    struct Case {
        const char* text;
        const char* rendered;
    };
    const Case cases[] = {
        {"{{data.company}}", "Acme Ltd"},
        {"{{data.amount}}", "1500"},
        {"{{data.ratio}}", "0.25"},
        {"{{data.negative}}", "-3"},
        {"{{data.vip}}", "true"},
        {"{{data.paused}}", "false"},
        {"{{data.tags}}", R"(["a","b"])"},
        {"{{data.empty_list}}", "[]"},
        {"{{data.contact}}", R"({"email":"jo@acme.test","name":"Jo","phone":null})"},
        {"{{data.contact.email}}", "jo@acme.test"},
        {"{{ data.contact.name }}", "Jo"},
        {"{{subject}}", "Acme"},
        {"{{type}}", "deal.won"},
        {"{{source}}", "crm"},
        {"{{id}}", "evt-7"},
        {"{{time}}", "2026-11-23T09:30:00.000Z"},
        {"no placeholders", "no placeholders"},
        {"", ""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const Rendered r = render_template(c.text, context_for(deal));
        EXPECT_EQ(r.text, c.rendered);
        EXPECT_TRUE(r.missing.empty());
    }
}

TEST(RenderTemplate, KeepsTextAroundAndBetweenPlaceholders) {
    const Rendered r = render_template(
        "Welcome {{data.company}} ({{data.amount}} GBP) — {{subject}}, via {{source}}!",
        context_for(deal));
    EXPECT_EQ(r.text, "Welcome Acme Ltd (1500 GBP) — Acme, via crm!");
    EXPECT_TRUE(r.missing.empty());

    const Rendered adjacent = render_template("{{data.company}}{{data.amount}}", context_for(deal));
    EXPECT_EQ(adjacent.text, "Acme Ltd1500");
}

TEST(RenderTemplate, NullAndMissingRenderEmptyAndAreReported) {
    struct Case {
        const char* text;
        const char* rendered;
        std::vector<std::string> missing;
    };
    const std::vector<Case> cases = {
        {"{{data.nothing}}", "", {"data.nothing"}},
        {"{{data.contact.phone}}", "", {"data.contact.phone"}},
        {"{{data.nope}}", "", {"data.nope"}},
        {"{{data.contact.nope}}", "", {"data.contact.nope"}},
        {"{{data.company.name}}", "", {"data.company.name"}},  // a string has no fields
        {"{{data.tags.first}}", "", {"data.tags.first"}},      // nor does a list
        {"To {{ data.nope }} at {{data.company}}, {{data.gone}}.",
         "To  at Acme Ltd, .",
         {"data.nope", "data.gone"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const Rendered r = render_template(c.text, context_for(deal));
        EXPECT_EQ(r.text, c.rendered);
        EXPECT_EQ(r.missing, c.missing);
    }
}

TEST(RenderTemplate, EmptyRootsAndAbsentDataAreMissing) {
    TemplateContext bare;  // no data, no subject
    bare.type = "deal.won";
    const Rendered r = render_template("{{subject}}|{{type}}|{{data.company}}", bare);
    EXPECT_EQ(r.text, "|deal.won|");
    EXPECT_EQ(r.missing, (std::vector<std::string>{"subject", "data.company"}));
}

TEST(RenderTemplate, RendersNestedObjectsDeeply) {
    const json data = {{"a", {{"b", {{"c", {{"d", "deep"}}}}}}}};
    const Rendered r = render_template("{{data.a.b.c.d}} / {{data.a.b}}", context_for(data));
    EXPECT_EQ(r.text, R"(deep / {"c":{"d":"deep"}})");
    EXPECT_TRUE(r.missing.empty());
}

}  // namespace
}  // namespace baton::core
