// The playbook loader: the DESIGN.md example read field by field; every kind of error with
// its file:line:col (exact for the ones people meet most); all errors of a file at once,
// in file order; each limit one past it; and the checks across files (duplicate ids,
// `next`, handles). The example playbooks in examples/ must load and cross-check clean.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/limits.h"
#include "core/people.h"
#include "core/playbook.h"

namespace baton::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

PlaybookParse parse(const std::string& text) {
    return parse_playbook(text, "pb.yaml");
}

std::string all_errors(const PlaybookParse& p) {
    std::string out;
    for (const auto& d : p.errors) out += d.format() + "\n";
    return out;
}

// The five required fields, on lines 1 to 5; tests append what they exercise from line 6.
const std::string minimal = "id: p\nwhen: x.y\nfrom: sam\nowner: dana\ndone: Done.\n";

Playbook parse_ok(const std::string& text) {
    const PlaybookParse p = parse(text);
    EXPECT_TRUE(p.errors.empty()) << all_errors(p);
    EXPECT_TRUE(p.playbook.has_value());
    return p.playbook.value_or(Playbook{});
}

// Asserts that the text has exactly one error, at line:column, whose message contains
// `part`.
void expect_error(const std::string& text, int line, int column, const std::string& part) {
    SCOPED_TRACE(text);
    const PlaybookParse p = parse(text);
    EXPECT_FALSE(p.playbook.has_value());
    ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
    EXPECT_EQ(p.errors[0].file, "pb.yaml");
    EXPECT_EQ(p.errors[0].line, line) << p.errors[0].format();
    EXPECT_EQ(p.errors[0].column, column) << p.errors[0].format();
    EXPECT_NE(p.errors[0].message.find(part), std::string::npos) << p.errors[0].format();
}

Span hours_span(int h) {
    return Span{.clock = hours(h)};
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// ---------------------------------------------------------------------------------------
// The DESIGN.md example, verbatim

const std::string design_example = R"(id: sold-to-onboarding
title: Sold → onboarding
when: deal.won                                 # 1. the handoff moment (event type)
if: data.amount >= 1000 && data.pipeline == "services"   # optional, CEL-style subset
subject: "{{data.company}}"                    # what it is about; groups a relay
from: sales                                    # the giver: person or team
owner: ops                                     # 2. owner of done: person, team, or "{{data.ops_owner}}"
done: The client has a welcome email, a shared folder and a booked kickoff call.
checklist:
  - Send the welcome email
  - Set up the client folder
  - Book the kickoff call
accept_within: 4h          # counted in the owner's working hours unless calendar: 24x7
done_within: 2d
remind: [2h]
escalate:
  - { after: 4h, to: ops-manager }
  - { after: 1d, to: founder }
checkpoint:                # 3. the visible checkpoint; the board card always exists
  - slack: "#ops"
  - email: owner
  - email: "{{data.contact_email}}"            # client-facing "what happens next"
    template: client-next-step
next: onboarding-to-client # when this one is done, that one starts (a relay)
)";

TEST(PlaybookLoader, DesignExampleSetsEveryField) {
    const Playbook pb = parse_ok(design_example);
    EXPECT_EQ(pb.id, "sold-to-onboarding");
    EXPECT_EQ(pb.title, "Sold → onboarding");
    EXPECT_EQ(pb.when, "deal.won");
    ASSERT_TRUE(pb.condition.has_value());
    EXPECT_EQ(pb.condition->text(), R"(data.amount >= 1000 && data.pipeline == "services")");
    EXPECT_EQ(pb.subject, "{{data.company}}");
    EXPECT_EQ(pb.from, "sales");
    EXPECT_EQ(pb.owner, "ops");
    EXPECT_EQ(pb.done,
              "The client has a welcome email, a shared folder and a booked kickoff call.");
    ASSERT_EQ(pb.checklist.size(), 3u);
    EXPECT_EQ(pb.checklist[0].text, "Send the welcome email");
    EXPECT_EQ(pb.checklist[1].text, "Set up the client folder");
    EXPECT_EQ(pb.checklist[2].text, "Book the kickoff call");
    for (const auto& item : pb.checklist) EXPECT_FALSE(item.when.has_value());
    EXPECT_EQ(pb.accept_within, hours_span(4));
    EXPECT_EQ(pb.done_within, (Span{.days = 2}));
    EXPECT_EQ(pb.remind, std::vector<Span>{hours_span(2)});
    ASSERT_EQ(pb.escalate.size(), 2u);
    EXPECT_EQ(pb.escalate[0].after, hours_span(4));
    EXPECT_EQ(pb.escalate[0].to, "ops-manager");
    EXPECT_EQ(pb.escalate[0].on, EscalationSide::accept);
    EXPECT_FALSE(pb.escalate[0].reassign);
    EXPECT_EQ(pb.escalate[1].after, (Span{.days = 1}));
    EXPECT_EQ(pb.escalate[1].to, "founder");
    EXPECT_EQ(pb.escalate[1].on, EscalationSide::accept);
    ASSERT_EQ(pb.checkpoint.size(), 3u);
    EXPECT_EQ(pb.checkpoint[0].kind, CheckpointKind::slack);
    EXPECT_EQ(pb.checkpoint[0].target, "#ops");
    EXPECT_FALSE(pb.checkpoint[0].template_name.has_value());
    EXPECT_EQ(pb.checkpoint[1].kind, CheckpointKind::email);
    EXPECT_EQ(pb.checkpoint[1].target, "owner");
    EXPECT_EQ(pb.checkpoint[2].kind, CheckpointKind::email);
    EXPECT_EQ(pb.checkpoint[2].target, "{{data.contact_email}}");
    EXPECT_EQ(pb.checkpoint[2].template_name, std::optional<std::string>("client-next-step"));
    EXPECT_EQ(pb.next, std::optional<std::string>("onboarding-to-client"));
    EXPECT_FALSE(pb.calendar_24x7);
    EXPECT_EQ(pb.description, "");
}

TEST(PlaybookLoader, DesignExampleConditionMatchesItsDeals) {
    const Playbook pb = parse_ok(design_example);
    ASSERT_TRUE(pb.condition.has_value());
    const nlohmann::json big = {{"amount", 1500}, {"pipeline", "services"}};
    const nlohmann::json small = {{"amount", 999}, {"pipeline", "services"}};
    ConditionInput input;
    input.data = &big;
    EXPECT_EQ(pb.condition->evaluate(input).value(), true);
    input.data = &small;
    EXPECT_EQ(pb.condition->evaluate(input).value(), false);
}

TEST(PlaybookLoader, DesignExampleRemembersWhereFieldsAre) {
    const Playbook pb = parse_ok(design_example);
    struct Case {
        const char* key;
        int line;
        int column;
    };
    for (const Case& c :
         {Case{"id", 1, 5}, Case{"when", 3, 7}, Case{"from", 6, 7}, Case{"owner", 7, 8},
          Case{"escalate[0].to", 17, 22}, Case{"escalate[1].to", 18, 22},
          Case{"checkpoint[0]", 20, 12}, Case{"next", 24, 7}}) {
        SCOPED_TRACE(c.key);
        ASSERT_EQ(pb.positions.count(c.key), 1u);
        EXPECT_EQ(pb.positions.at(c.key).line, c.line);
        EXPECT_EQ(pb.positions.at(c.key).column, c.column);
    }
}

TEST(PlaybookLoader, MinimalPlaybookTakesDefaults) {
    const Playbook pb = parse_ok(minimal);
    EXPECT_EQ(pb.id, "p");
    EXPECT_EQ(pb.title, "p");  // the id stands in for a missing title
    EXPECT_EQ(pb.subject, "{{subject}}");
    EXPECT_FALSE(pb.condition.has_value());
    EXPECT_TRUE(pb.checklist.empty());
    EXPECT_FALSE(pb.accept_within.has_value());
    EXPECT_FALSE(pb.done_within.has_value());
    EXPECT_TRUE(pb.remind.empty());
    EXPECT_TRUE(pb.escalate.empty());
    EXPECT_TRUE(pb.checkpoint.empty());
    EXPECT_FALSE(pb.next.has_value());
    EXPECT_FALSE(pb.calendar_24x7);
}

TEST(PlaybookLoader, ReadsOptionalShapes) {
    const Playbook pb = parse_ok(minimal + R"(description: Why this playbook exists.
checklist:
  - Plain item
  - { item: Booked, when: booking.created }
remind: 30m
escalate:
  - { after: 1h, to: lead }
  - { after: 1h30m, to: "{{data.manager}}", reassign: true }
  - { after: 1d, to: founder, on: done, reassign: false }
checkpoint:
  - webhook: crm
  - slack: "@dana"
  - slack: "{{data.channel}}"
calendar: 24x7
)");
    EXPECT_EQ(pb.description, "Why this playbook exists.");
    ASSERT_EQ(pb.checklist.size(), 2u);
    EXPECT_EQ(pb.checklist[1].text, "Booked");
    EXPECT_EQ(pb.checklist[1].when, std::optional<std::string>("booking.created"));
    EXPECT_EQ(pb.remind, std::vector<Span>{(Span{.clock = minutes(30)})});
    ASSERT_EQ(pb.escalate.size(), 3u);
    EXPECT_EQ(pb.escalate[1].after, (Span{.clock = minutes(90)}));
    EXPECT_EQ(pb.escalate[1].to, "{{data.manager}}");
    EXPECT_TRUE(pb.escalate[1].reassign);
    EXPECT_EQ(pb.escalate[2].on, EscalationSide::done);
    EXPECT_FALSE(pb.escalate[2].reassign);
    ASSERT_EQ(pb.checkpoint.size(), 3u);
    EXPECT_EQ(pb.checkpoint[0].kind, CheckpointKind::webhook);
    EXPECT_EQ(pb.checkpoint[0].target, "crm");
    EXPECT_EQ(pb.checkpoint[1].target, "@dana");
    EXPECT_TRUE(pb.calendar_24x7);
}

// ---------------------------------------------------------------------------------------
// Errors with exact positions

// A key of another workspace file says which file it belongs in (a newcomer's people list
// in playbooks/team.yaml got only "unknown key `people` in a playbook").
TEST(PlaybookLoader, AKeyOfAnotherFileSaysWhichFile) {
    expect_error(minimal + "people:\n  - handle: dana\n", 6, 1,
                 "unknown key `people` in a playbook; `people:` belongs in people.yaml");
    expect_error(minimal + "sources:\n  - name: crm\n", 6, 1,
                 "`sources:` belongs in sources.yaml");
    expect_error(minimal + "smtp:\n  url: smtp://h\n", 6, 1,
                 "`smtp:` belongs in channels.yaml");
}

TEST(PlaybookLoader, UnknownKeySuggestsTheNearestKnownOne) {
    expect_error(minimal + "ownr: ops\n", 6, 1,
                 "unknown key `ownr` in a playbook; did you mean `owner`?");
    expect_error(minimal + "chekclist: []\n", 6, 1, "did you mean `checklist`?");
    expect_error(minimal + "acept_within: 4h\n", 6, 1, "did you mean `accept_within`?");
    // Nothing near: no suggestion.
    const PlaybookParse far = parse(minimal + "colour: red\n");
    ASSERT_EQ(far.errors.size(), 1u);
    EXPECT_EQ(far.errors[0].message, "unknown key `colour` in a playbook");
}

TEST(PlaybookLoader, UnknownKeysInNestedMapsArePositioned) {
    expect_error(minimal + "escalate:\n  - { after: 4h, too: lead, to: x }\n", 7, 18,
                 "unknown key `too` in an escalation level; did you mean `to`?");
    expect_error(minimal + "checkpoint:\n  - email: owner\n    templat: welcome\n", 8, 5,
                 "did you mean `template`?");
    expect_error(minimal + "checklist:\n  - { item: A, wen: a.b }\n", 7, 16,
                 "did you mean `when`?");
}

TEST(PlaybookLoader, BadDurationPointsInsideTheScalar) {
    // accept_within: 4x   — the `x` is column 17.
    expect_error(minimal + "accept_within: 4x\n", 6, 17, "accept_within: unknown unit `x`");
    // Quoted: the opening quote is skipped, so the `x` of "4h 3x" is column 21.
    expect_error(minimal + "accept_within: \"4h 3x\"\n", 6, 21, "unknown unit `x`");
    expect_error(minimal + "accept_within: '4h 3x'\n", 6, 21, "unknown unit `x`");
    // In a flow list: the `q` of 3q is column 15.
    expect_error(minimal + "remind: [2h, 3q]\n", 6, 15, "remind: unknown unit `q`");
    // In a flow map: the `hh` of 4hh starts at column 15.
    expect_error(minimal + "escalate:\n  - { after: 4hh, to: lead }\n", 7, 15,
                 "after: unknown unit `hh`");
    // A fraction: the `.` is column 15.
    expect_error(minimal + "done_within: 1.5d\n", 6, 15, "fractions are not supported");
}

TEST(PlaybookLoader, BadDurationValuesAreRefused) {
    for (const char* value : {"0h", "-2h", "soon", "400d", "\"\"", "[1h]"}) {
        SCOPED_TRACE(value);
        const PlaybookParse p = parse(minimal + "accept_within: " + value + "\n");
        ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
        EXPECT_EQ(p.errors[0].line, 6);
        EXPECT_FALSE(p.playbook.has_value());
    }
}

TEST(PlaybookLoader, BadConditionPointsAtTheToken) {
    // "data.amount > 1 2": the condition's column 16 is the document's 4 + 16 + 1.
    expect_error(minimal + "if: data.amount > 1 2\n", 6, 21,
                 "if: expected an operator or end of input but found `2`");
    // Quoted, the opening quote shifts it by one: `bar` at condition column 10.
    expect_error(minimal + "if: \"data.a == bar\"\n", 6, 16, "if: unknown name `bar`");
    expect_error(minimal + "if: data.amount >\n", 6, 18, "expected an expression");
}

TEST(PlaybookLoader, BadTemplatePointsAtTheProblem) {
    // The template column 12 (the end of `data.`) inside a quoted scalar at column 10.
    expect_error(minimal + "subject: \"Deal {{data.}}\"\n", 6, 23,
                 "subject: malformed path `data.`");
    // A plain scalar: no quote to skip; `date` at template column 7 is column 17.
    expect_error(minimal + "subject: Deal {{date.x}}\n", 6, 17, "subject: unknown name `date`");
    // An unclosed placeholder in the owner, at its opening.
    expect_error("id: p\nwhen: x.y\nfrom: sam\nowner: \"{{data.host\"\ndone: D\n", 4, 9,
                 "owner: `{{` is not closed");
    expect_error("id: p\nwhen: x.y\nfrom: \"{{subject.x}}\"\nowner: dana\ndone: D\n", 3, 10,
                 "from: `subject` has no fields");
    expect_error(minimal + "checkpoint:\n  - email: \"{{data}}\"\n", 7, 15,
                 "email: name a field of data");
    expect_error(minimal + "escalate:\n  - { after: 1h, to: \"x{{}}\" }\n", 7, 24,
                 "to: empty placeholder");
}

TEST(PlaybookLoader, RequiredFieldsAreEachReported) {
    const PlaybookParse p = parse("title: Only a title\n");
    ASSERT_EQ(p.errors.size(), 5u) << all_errors(p);
    std::vector<std::string> messages;
    for (const auto& d : p.errors) {
        EXPECT_EQ(d.line, 1);
        EXPECT_EQ(d.column, 1);
        messages.push_back(d.message);
    }
    for (const char* key : {"id", "when", "from", "owner", "done"}) {
        const std::string expected = std::string("`") + key + "` is required";
        EXPECT_NE(std::find(messages.begin(), messages.end(), expected), messages.end())
            << expected;
    }
    expect_error("id: p\nwhen: x.y\nfrom: sam\nowner: \"\"\ndone: D\n", 4, 8,
                 "`owner` must not be empty");
}

TEST(PlaybookLoader, ShapeErrors) {
    expect_error("", 1, 1, "the file is empty");
    expect_error("# nothing but a comment\n", 1, 1, "the file is empty");
    expect_error("- id: p\n- id: q\n", 1, 1, "a playbook is a map");
    expect_error(minimal + "checklist: Send the email\n", 6, 12, "checklist must be a list");
    expect_error(minimal + "checklist:\n  - \"\"\n", 7, 5, "must not be empty");
    expect_error(minimal + "checklist:\n  - [a, b]\n", 7, 5, "a checklist item must be a single");
    expect_error(minimal + "remind: {after: 1h}\n", 6, 9, "remind must be a duration or a list");
    expect_error(minimal + "escalate: {after: 1h, to: x}\n", 6, 11, "escalate must be a list");
    expect_error(minimal + "escalate:\n  - lead\n", 7, 5, "an escalation level must be a map");
    expect_error(minimal + "escalate:\n  - { to: lead }\n", 7, 5, "needs `after`");
    expect_error(minimal + "escalate:\n  - { after: 1h }\n", 7, 5, "`to` is required");
    expect_error(minimal + "escalate:\n  - { after: 1h, to: x, on: later }\n", 7, 29,
                 "on must be `accept` or `done`");
    expect_error(minimal + "escalate:\n  - { after: 1h, to: x, reassign: yes }\n", 7, 35,
                 "reassign must be true or false");
    expect_error(minimal + "checkpoint: {email: owner}\n", 6, 13, "checkpoint must be a list");
    expect_error(minimal + "title: [a, b]\n", 6, 8, "title must be a single value");
    expect_error("id: Sold Onboarding\nwhen: x.y\nfrom: sam\nowner: dana\ndone: D\n", 1, 5,
                 "id must be 1 to 64 characters");
    expect_error("id: -p\nwhen: x.y\nfrom: sam\nowner: dana\ndone: D\n", 1, 5, "id must be");
}

TEST(PlaybookLoader, YamlSyntaxErrorHasAPosition) {
    const PlaybookParse p = parse("id: p\nwhen: [x.y\nfrom: sam\n");
    ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
    EXPECT_GE(p.errors[0].line, 2);
    EXPECT_GE(p.errors[0].column, 1);
    EXPECT_EQ(p.errors[0].message.rfind("YAML syntax: ", 0), 0u) << p.errors[0].message;
    EXPECT_EQ(p.errors[0].format().rfind("pb.yaml:", 0), 0u);
}

TEST(PlaybookLoader, ReportsEveryErrorOfAFileInFileOrder) {
    // Three unrelated errors, written in the opposite order to the one the loader checks
    // them in (keys first, then `if`, then checkpoints).
    const std::string text = R"(id: p
checkpoint:
  - slack: ops
when: x.y
if: data.amount >
from: sam
owner: dana
done: Done.
colour: red
)";
    const PlaybookParse p = parse(text);
    EXPECT_FALSE(p.playbook.has_value());
    ASSERT_EQ(p.errors.size(), 3u) << all_errors(p);
    EXPECT_EQ(p.errors[0].line, 3);
    EXPECT_EQ(p.errors[0].column, 12);
    EXPECT_NE(p.errors[0].message.find("a Slack target is a channel"), std::string::npos);
    EXPECT_EQ(p.errors[1].line, 5);
    EXPECT_EQ(p.errors[1].column, 18);
    EXPECT_NE(p.errors[1].message.find("if: "), std::string::npos);
    EXPECT_EQ(p.errors[2].line, 9);
    EXPECT_EQ(p.errors[2].column, 1);
    EXPECT_NE(p.errors[2].message.find("unknown key `colour`"), std::string::npos);
    EXPECT_EQ(p.errors[0].format().rfind("pb.yaml:3:12: ", 0), 0u) << p.errors[0].format();
}

TEST(PlaybookLoader, ReportsSeveralErrorsOnOneLineByColumn) {
    const PlaybookParse p = parse(minimal + "escalate:\n  - { after: 4x, to: \"{{nope}}\" }\n");
    ASSERT_EQ(p.errors.size(), 2u) << all_errors(p);
    EXPECT_EQ(p.errors[0].line, 7);
    EXPECT_EQ(p.errors[1].line, 7);
    EXPECT_LT(p.errors[0].column, p.errors[1].column);
    EXPECT_NE(p.errors[0].message.find("after:"), std::string::npos);
    EXPECT_NE(p.errors[1].message.find("to:"), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Checkpoints, escalation order, deadlines, calendar

TEST(PlaybookLoader, CheckpointNamesExactlyOneKind) {
    expect_error(minimal + "checkpoint:\n  - { slack: \"#ops\", email: owner }\n", 7, 5,
                 "names exactly one of slack, email or webhook");
    expect_error(minimal + "checkpoint:\n  - template: welcome\n", 7, 5,
                 "names exactly one of slack, email or webhook");
    expect_error(minimal + "checkpoint:\n  - \"#ops\"\n", 7, 5, "a checkpoint is a map");
    // `#ops` unquoted is a YAML comment: the slack target is empty.
    const PlaybookParse comment = parse(minimal + "checkpoint:\n  - slack: #ops\n");
    EXPECT_FALSE(comment.errors.empty());
    EXPECT_FALSE(comment.playbook.has_value());
}

TEST(PlaybookLoader, SlackTargetNeedsHashOrAt) {
    expect_error(minimal + "checkpoint:\n  - slack: ops\n", 7, 12,
                 "a Slack target is a channel such as \"#ops\"");
    expect_error(minimal + "checkpoint:\n  - slack: \"dana\"\n", 7, 12, "quote it");
    for (const char* ok : {"\"#ops\"", "\"@dana\"", "\"{{data.channel}}\""}) {
        SCOPED_TRACE(ok);
        parse_ok(minimal + "checkpoint:\n  - slack: " + ok + "\n");
    }
}

TEST(PlaybookLoader, EscalationLevelsComeInIncreasingOrderPerSide) {
    expect_error(minimal + "escalate:\n  - { after: 4h, to: a }\n  - { after: 2h, to: b }\n", 8, 5,
                 "increasing `after` order");
    expect_error(minimal + "escalate:\n  - { after: 4h, to: a }\n  - { after: 4h, to: b }\n", 8, 5,
                 "increasing `after` order");
    // 1d is 24 hours on the 24x7 scale, so 23h then 1d is increasing, 1d then 23h is not.
    parse_ok(minimal + "escalate:\n  - { after: 23h, to: a }\n  - { after: 1d, to: b }\n");
    expect_error(minimal + "escalate:\n  - { after: 1d, to: a }\n  - { after: 23h, to: b }\n", 8, 5,
                 "increasing");
    // The two sides are ordered separately.
    parse_ok(minimal + "escalate:\n  - { after: 4h, to: a }\n  - { after: 2h, to: b, on: done }\n");
}

TEST(PlaybookLoader, DoneWithinMayNotBeShorterThanAcceptWithin) {
    expect_error(minimal + "accept_within: 4h\ndone_within: 3h\n", 7, 14,
                 "done_within is shorter than accept_within");
    expect_error(minimal + "done_within: 1d\naccept_within: 1d 1m\n", 6, 14,
                 "done_within is shorter than accept_within");
    parse_ok(minimal + "accept_within: 4h\ndone_within: 4h\n");
    parse_ok(minimal + "accept_within: 24h\ndone_within: 1d\n");
    parse_ok(minimal + "done_within: 1h\n");
}

TEST(PlaybookLoader, CalendarIsWorkingOr24x7) {
    EXPECT_TRUE(parse_ok(minimal + "calendar: 24x7\n").calendar_24x7);
    EXPECT_FALSE(parse_ok(minimal + "calendar: working\n").calendar_24x7);
    expect_error(minimal + "calendar: weekdays\n", 6, 11, "calendar must be `working`");
    expect_error(minimal + "calendar: 24X7\n", 6, 11, "calendar must be `working`");
}

// ---------------------------------------------------------------------------------------
// Limits, each one past

std::string list_lines(const std::string& key, std::size_t count,
                       const std::function<std::string(std::size_t)>& entry) {
    std::string out = key + ":\n";
    for (std::size_t i = 0; i < count; ++i) out += "  - " + entry(i) + "\n";
    return out;
}

TEST(PlaybookLoaderLimits, ChecklistItems) {
    auto item = [](std::size_t i) { return "Item " + std::to_string(i + 1); };
    const Playbook pb =
        parse_ok(minimal + list_lines("checklist", limits::checklist_items_max, item));
    EXPECT_EQ(pb.checklist.size(), limits::checklist_items_max);
    expect_error(minimal + list_lines("checklist", limits::checklist_items_max + 1, item), 7, 3,
                 "checklist has 51 items; the limit is 50");
}

TEST(PlaybookLoaderLimits, EscalationLevels) {
    auto level = [](std::size_t i) {
        return "{ after: " + std::to_string(i + 1) + "h, to: lead }";
    };
    const Playbook pb =
        parse_ok(minimal + list_lines("escalate", limits::escalation_levels_max, level));
    EXPECT_EQ(pb.escalate.size(), limits::escalation_levels_max);
    expect_error(minimal + list_lines("escalate", limits::escalation_levels_max + 1, level), 7, 3,
                 "escalate has 11 levels; the limit is 10");
}

TEST(PlaybookLoaderLimits, Reminders) {
    auto remind = [](std::size_t n) {
        std::string out = "remind: [";
        for (std::size_t i = 0; i < n; ++i) out += (i ? ", " : "") + std::to_string(i + 1) + "h";
        return out + "]\n";
    };
    EXPECT_EQ(parse_ok(minimal + remind(limits::reminders_max)).remind.size(),
              limits::reminders_max);
    expect_error(minimal + remind(limits::reminders_max + 1), 6, 9,
                 "remind has 11 entries; the limit is 10");
}

TEST(PlaybookLoaderLimits, Checkpoints) {
    auto email = [](std::size_t) { return std::string("email: owner"); };
    EXPECT_EQ(parse_ok(minimal + list_lines("checkpoint", limits::checkpoints_max, email))
                  .checkpoint.size(),
              limits::checkpoints_max);
    expect_error(minimal + list_lines("checkpoint", limits::checkpoints_max + 1, email), 7, 3,
                 "checkpoint has 11 entries; the limit is 10");
}

TEST(PlaybookLoaderLimits, FileBytes) {
    // Pad a valid playbook with a comment to exactly the limit, then one byte more.
    const std::string head = minimal + "#";
    const std::string at_limit =
        head + std::string(limits::yaml_file_bytes_max - head.size() - 1, 'x') + "\n";
    ASSERT_EQ(at_limit.size(), limits::yaml_file_bytes_max);
    parse_ok(at_limit);
    const std::string over = at_limit + "\n";
    expect_error(over, 1, 1, "the file is 262145 bytes; the limit is 262144");
}

TEST(PlaybookLoaderLimits, IdBytes) {
    const std::string longest(limits::id_bytes_max, 'a');
    EXPECT_EQ(parse_ok("id: " + longest + "\nwhen: x.y\nfrom: s\nowner: o\ndone: D\n").id, longest);
    for (std::size_t size :
         {limits::id_bytes_max + 1, limits::id_bytes_max + 2, std::size_t{500}}) {
        SCOPED_TRACE(size);
        const std::string text =
            "id: " + std::string(size, 'a') + "\nwhen: x.y\nfrom: s\nowner: o\ndone: D\n";
        const PlaybookParse p = parse(text);
        EXPECT_FALSE(p.playbook.has_value());
        ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
        EXPECT_EQ(p.errors[0].line, 1);
        EXPECT_EQ(p.errors[0].column, 5);
        // The message names the real limit, 64, whatever the length.
        EXPECT_NE(p.errors[0].message.find("64"), std::string::npos) << p.errors[0].message;
        EXPECT_EQ(p.errors[0].message.find("limit is 65"), std::string::npos)
            << p.errors[0].message;
    }
}

TEST(PlaybookLoaderLimits, TitleBytes) {
    const std::string longest(limits::title_bytes_max, 't');
    EXPECT_EQ(parse_ok(minimal + "title: " + longest + "\n").title, longest);
    expect_error(minimal + "title: " + longest + "t\n", 6, 8,
                 "title is 201 bytes; the limit is 200");
}

TEST(PlaybookLoaderLimits, TextAndTemplateBytes) {
    expect_error("id: p\nwhen: x.y\nfrom: s\nowner: o\ndone: " +
                     std::string(limits::text_bytes_max + 1, 'd') + "\n",
                 5, 7, "done is 2001 bytes; the limit is 2000");
    expect_error(minimal + "subject: " + std::string(limits::template_bytes_max + 1, 's') + "\n", 6,
                 10, "subject is 1001 bytes; the limit is 1000");
    expect_error(minimal + "if: " + std::string(limits::condition_bytes_max + 1, 'x') + "\n", 6, 5,
                 "if is 2001 bytes; the limit is 2000");
}

// ---------------------------------------------------------------------------------------
// Across files

Directory people() {
    auto person = [](const char* handle, Role role = Role::member) {
        Person p;
        p.handle = handle;
        p.name = handle;
        p.role = role;
        return p;
    };
    auto team = [](const char* handle, std::vector<std::string> members) {
        Team t;
        t.handle = handle;
        t.members = std::move(members);
        return t;
    };
    return Directory(
        {person("sam"), person("dana"), person("lee"), person("ari", Role::admin)},
        {team("sales", {"sam"}), team("ops", {"dana", "lee"}), team("ops-manager", {"ari"})});
}

PlaybookSource source(const std::string& text, const std::string& file) {
    const PlaybookParse p = parse_playbook(text, file);
    EXPECT_TRUE(p.errors.empty()) << all_errors(p);
    return PlaybookSource{p.playbook.value_or(Playbook{}), file};
}

std::string playbook_text(const std::string& id, const std::string& extra = "",
                          const std::string& owner = "dana", const std::string& from = "sales") {
    return "id: " + id + "\nwhen: x.y\nfrom: " + from + "\nowner: " + owner + "\ndone: D\n" + extra;
}

TEST(CrossCheck, CleanSetHasNoDiagnostics) {
    const Directory dir = people();
    const std::vector<PlaybookSource> set = {
        source(playbook_text("a", "next: b\nescalate:\n  - { after: 1h, to: ops-manager }\n"),
               "a.yaml"),
        source(playbook_text("b", "", "ops", "sam"), "b.yaml"),
    };
    EXPECT_TRUE(cross_check(set, &dir).empty());
}

TEST(CrossCheck, DuplicateIdIsReportedOnTheLaterFile) {
    const Directory dir = people();
    const std::vector<PlaybookSource> set = {source(playbook_text("same"), "first.yaml"),
                                             source(playbook_text("other"), "other.yaml"),
                                             source(playbook_text("same"), "second.yaml")};
    const Diagnostics d = cross_check(set, &dir);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].file, "second.yaml");
    EXPECT_EQ(d[0].line, 1);
    EXPECT_EQ(d[0].column, 5);
    EXPECT_EQ(d[0].message, "id `same` is already used by first.yaml");
}

TEST(CrossCheck, UnknownNextSuggestsAnId) {
    const std::vector<PlaybookSource> set = {
        source(playbook_text("kickoff-prep"), "k.yaml"),
        source(playbook_text("sold", "next: kickof-prep\n"), "s.yaml"),
        source(playbook_text("lost", "next: nowhere-at-all\n"), "l.yaml"),
    };
    const Diagnostics d = cross_check(set, nullptr);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].file, "s.yaml");
    EXPECT_EQ(d[0].line, 6);
    EXPECT_EQ(d[0].column, 7);
    EXPECT_EQ(d[0].message, "next: no playbook has id `kickof-prep`; did you mean `kickoff-prep`?");
    EXPECT_EQ(d[1].file, "l.yaml");
    EXPECT_EQ(d[1].message, "next: no playbook has id `nowhere-at-all`");
}

TEST(CrossCheck, AHandleWrittenAsItsNameSuggestsTheHandle) {
    Person dana;
    dana.handle = "dana";
    dana.name = "Dana Reyes";
    Team ops;
    ops.handle = "ops";
    ops.name = "Operations";
    ops.members = {"dana"};
    const Directory dir({dana}, {ops});
    const std::vector<PlaybookSource> set = {
        source(playbook_text("p", "", "Operations", "dana reyes"), "p.yaml")};
    const Diagnostics d = cross_check(set, &dir);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].message,
              "owner: nobody called `Operations` in people.yaml; did you mean `ops` (Operations)?");
    EXPECT_EQ(d[1].message, "from: nobody called `dana reyes` in people.yaml; did you mean "
                            "`dana` (Dana Reyes)?");
}

TEST(CrossCheck, UnknownHandlesSuggestTheNearestOne) {
    const Directory dir = people();
    const std::vector<PlaybookSource> set = {source(
        playbook_text(
            "p", "escalate:\n  - { after: 1h, to: ops-manger }\n  - { after: 2h, to: xavier-q }\n",
            "dnaa", "slaes"),
        "p.yaml")};
    const Diagnostics d = cross_check(set, &dir);
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].message, "owner: nobody called `dnaa` in people.yaml; did you mean `dana`?");
    EXPECT_EQ(d[0].line, 4);
    EXPECT_EQ(d[0].column, 8);
    EXPECT_EQ(d[1].message, "from: nobody called `slaes` in people.yaml; did you mean `sales`?");
    EXPECT_EQ(d[1].line, 3);
    EXPECT_EQ(d[1].column, 7);
    EXPECT_EQ(d[2].message,
              "escalate to: nobody called `ops-manger` in people.yaml; did you mean "
              "`ops-manager`?");
    EXPECT_EQ(d[2].line, 7);
    EXPECT_EQ(d[2].column, 22);
    EXPECT_EQ(d[3].message, "escalate to: nobody called `xavier-q` in people.yaml");
    EXPECT_EQ(d[3].line, 8);
    for (const auto& diagnostic : d) EXPECT_EQ(diagnostic.file, "p.yaml");
}

TEST(CrossCheck, TemplatesAreNotCheckedAgainstPeople) {
    const Directory dir = people();
    const std::vector<PlaybookSource> set = {
        source(playbook_text("p", "escalate:\n  - { after: 1h, to: \"{{data.manager}}\" }\n",
                             "\"{{data.host}}\"", "\"{{data.seller}}\""),
               "p.yaml")};
    EXPECT_TRUE(cross_check(set, &dir).empty());
}

TEST(CrossCheck, WithoutADirectoryHandlesAreNotChecked) {
    const std::vector<PlaybookSource> set = {
        source(playbook_text("p", "next: q\n", "nobody", "nobody-either"), "p.yaml")};
    const Diagnostics d = cross_check(set, nullptr);
    // Only `next` is checked: it needs no directory.
    ASSERT_EQ(d.size(), 1u);
    EXPECT_NE(d[0].message.find("next:"), std::string::npos);
    const Directory dir = people();
    EXPECT_EQ(cross_check(set, &dir).size(), 3u);
}

TEST(CrossCheck, DesignExampleNamesAMissingNextPlaybook) {
    const std::vector<PlaybookSource> set = {source(design_example, "sold.yaml")};
    const Diagnostics d = cross_check(set, nullptr);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].format(), "sold.yaml:24:7: next: no playbook has id `onboarding-to-client`");
}

// ---------------------------------------------------------------------------------------
// The examples shipped with Baton

TEST(Examples, PlaybooksAndPeopleParseAndCrossCheckClean) {
    const std::filesystem::path root = std::filesystem::path(BATON_SOURCE_DIR) / "examples";
    const std::string people_file = (root / "people.yaml").string();
    const PeopleParse people_parse = parse_people(read_file(people_file), people_file);
    ASSERT_TRUE(people_parse.errors.empty()) << people_parse.errors.front().format();
    ASSERT_TRUE(people_parse.directory.has_value());

    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(root / "playbooks")) {
        if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    ASSERT_EQ(files.size(), 3u);

    std::vector<PlaybookSource> set;
    for (const auto& file : files) {
        SCOPED_TRACE(file.string());
        const std::string text = read_file(file);
        ASSERT_FALSE(text.empty());
        const PlaybookParse p = parse_playbook(text, file.string());
        EXPECT_TRUE(p.errors.empty()) << all_errors(p);
        ASSERT_TRUE(p.playbook.has_value());
        EXPECT_EQ(p.playbook->id + ".yaml", file.filename().string());
        set.push_back({*p.playbook, file.string()});
    }
    const Diagnostics d = cross_check(set, &*people_parse.directory);
    std::string listed;
    for (const auto& diagnostic : d) listed += diagnostic.format() + "\n";
    EXPECT_TRUE(d.empty()) << listed;

    // The relay the examples describe: sold → ready (the account owner tells the client the
    // next step) → (end); a booking's kickoff prep stands alone.
    EXPECT_EQ(set[0].playbook.id, "kickoff-prep");
    EXPECT_EQ(set[1].playbook.id, "ready-to-client");
    EXPECT_EQ(set[2].playbook.id, "sold-to-onboarding");
    EXPECT_EQ(set[2].playbook.next, std::optional<std::string>("ready-to-client"));
    EXPECT_FALSE(set[0].playbook.next.has_value());
    EXPECT_FALSE(set[1].playbook.next.has_value());
    EXPECT_EQ(set[1].playbook.escalate.at(1).on, EscalationSide::done);
}

}  // namespace
}  // namespace baton::core
