// People and teams: people.yaml read into a Directory (defaults, per-person zones and
// hours, roles, teams and their rules), every error with its position, and the
// Directory's look-ups.
#include "core/people.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/limits.h"

namespace baton::core {
namespace {

PeopleParse parse(const std::string& text) {
    return parse_people(text, "people.yaml");
}

std::string all_errors(const PeopleParse& p) {
    std::string out;
    for (const auto& d : p.errors) out += d.format() + "\n";
    return out;
}

Directory parse_ok(const std::string& text) {
    PeopleParse p = parse(text);
    EXPECT_TRUE(p.errors.empty()) << all_errors(p);
    EXPECT_TRUE(p.directory.has_value());
    return p.directory.value_or(Directory{});
}

void expect_error(const std::string& text, int line, int column, const std::string& part) {
    SCOPED_TRACE(text);
    const PeopleParse p = parse(text);
    EXPECT_FALSE(p.directory.has_value());
    ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
    EXPECT_EQ(p.errors[0].file, "people.yaml");
    EXPECT_EQ(p.errors[0].line, line) << p.errors[0].format();
    EXPECT_EQ(p.errors[0].column, column) << p.errors[0].format();
    EXPECT_NE(p.errors[0].message.find(part), std::string::npos) << p.errors[0].format();
}

WeeklyHours hours(const char* text) {
    auto parsed = parse_weekly_hours(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.ok() ? *parsed : WeeklyHours{};
}

std::string example_text() {
    const std::filesystem::path file =
        std::filesystem::path(BATON_SOURCE_DIR) / "examples" / "people.yaml";
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// ---------------------------------------------------------------------------------------
// Reading

TEST(People, ExampleFileReadsEveryone) {
    const std::string text = example_text();
    ASSERT_FALSE(text.empty());
    const Directory d = parse_ok(text);
    ASSERT_EQ(d.people().size(), 7u);
    ASSERT_EQ(d.teams().size(), 5u);

    const Person* sam = d.person("sam");
    ASSERT_NE(sam, nullptr);
    EXPECT_EQ(sam->name, "Sam Okafor");
    EXPECT_EQ(sam->email, "sam@example.com");
    EXPECT_EQ(sam->role, Role::member);
    // The file's defaults apply to people who give no zone or hours of their own.
    EXPECT_EQ(sam->time_zone, "Europe/London");
    EXPECT_EQ(sam->hours, hours("Mon-Fri 09:00-17:30"));
    EXPECT_FALSE(sam->calendar.is_24x7());
    EXPECT_EQ(sam->calendar.time_zone(), "Europe/London");

    const Person* dana = d.person("dana");
    ASSERT_NE(dana, nullptr);
    EXPECT_EQ(dana->slack_id, "U024BE7LH");

    const Person* lee = d.person("lee");
    ASSERT_NE(lee, nullptr);
    EXPECT_EQ(lee->time_zone, "Europe/Berlin");
    EXPECT_EQ(lee->calendar.time_zone(), "Europe/Berlin");
    EXPECT_EQ(lee->hours, hours("Mon-Thu 08:00-16:00, Fri 08:00-12:00"));

    EXPECT_EQ(d.person("ari")->role, Role::admin);
    EXPECT_EQ(d.person("kim")->role, Role::admin);
    EXPECT_EQ(d.person("val")->role, Role::viewer);

    const Team* ops = d.team("ops");
    ASSERT_NE(ops, nullptr);
    EXPECT_EQ(ops->name, "Operations");
    EXPECT_EQ(ops->members, (std::vector<std::string>{"dana", "lee"}));
    EXPECT_EQ(ops->rule, AssignmentRule::round_robin);
    EXPECT_EQ(d.team("sales")->rule, AssignmentRule::round_robin);  // the default rule
    EXPECT_EQ(d.team("office")->rule, AssignmentRule::first);
}

TEST(People, WithoutDefaultsPeopleAreUtcMembersOnWeekdayHours) {
    const Directory d = parse_ok("people:\n  - handle: dana\n");
    const Person* dana = d.person("dana");
    ASSERT_NE(dana, nullptr);
    EXPECT_EQ(dana->name, "dana");  // the handle stands in for a missing name
    EXPECT_EQ(dana->email, "");
    EXPECT_EQ(dana->role, Role::member);
    EXPECT_EQ(dana->time_zone, "UTC");
    EXPECT_EQ(dana->hours, default_weekly_hours());
    EXPECT_EQ(dana->hours, hours("Mon-Fri 09:00-17:00"));
    EXPECT_FALSE(dana->calendar.is_24x7());
    EXPECT_TRUE(d.teams().empty());
}

TEST(People, PersonSettingsOverrideDefaults) {
    const Directory d = parse_ok(R"(defaults:
  time_zone: America/New_York
  hours: Mon-Thu 08:00-18:00
people:
  - handle: ny
  - handle: tokyo
    time_zone: Asia/Tokyo
  - handle: parttime
    hours: "Mon 09:00-12:00, Wed 09:00-12:00"
    role: viewer
)");
    EXPECT_EQ(d.person("ny")->time_zone, "America/New_York");
    EXPECT_EQ(d.person("ny")->hours, hours("Mon-Thu 08:00-18:00"));
    EXPECT_EQ(d.person("tokyo")->time_zone, "Asia/Tokyo");
    EXPECT_EQ(d.person("tokyo")->hours, hours("Mon-Thu 08:00-18:00"));
    EXPECT_EQ(d.person("parttime")->time_zone, "America/New_York");
    EXPECT_EQ(d.person("parttime")->hours, hours("Mon 09:00-12:00, Wed 09:00-12:00"));
    EXPECT_EQ(d.person("parttime")->role, Role::viewer);
}

TEST(People, TeamsTakeEachRule) {
    const Directory d = parse_ok(R"(people:
  - handle: a
  - handle: b
teams:
  - { handle: rr, members: [a, b], rule: round-robin }
  - { handle: ll, members: [b, a], rule: least-loaded }
  - { handle: ff, name: First, members: [a], rule: first }
  - { handle: dd, members: [a] }
)");
    EXPECT_EQ(d.team("rr")->rule, AssignmentRule::round_robin);
    EXPECT_EQ(d.team("ll")->rule, AssignmentRule::least_loaded);
    EXPECT_EQ(d.team("ll")->members, (std::vector<std::string>{"b", "a"}));
    EXPECT_EQ(d.team("ff")->rule, AssignmentRule::first);
    EXPECT_EQ(d.team("ff")->name, "First");
    EXPECT_EQ(d.team("dd")->rule, AssignmentRule::round_robin);
    EXPECT_EQ(d.team("dd")->name, "dd");
}

TEST(People, RuleAndRoleNamesRoundTrip) {
    for (AssignmentRule rule :
         {AssignmentRule::round_robin, AssignmentRule::least_loaded, AssignmentRule::first}) {
        const Directory d = parse_ok(std::string("people: [{handle: a}]\nteams: [{handle: t, "
                                                 "members: [a], rule: ") +
                                     to_string(rule) + "}]\n");
        EXPECT_EQ(d.team("t")->rule, rule);
    }
    for (Role role : {Role::admin, Role::member, Role::viewer}) {
        EXPECT_EQ(parse_role(to_string(role)), role);
    }
    EXPECT_FALSE(parse_role("Admin").has_value());
    EXPECT_FALSE(parse_role("").has_value());
}

// ---------------------------------------------------------------------------------------
// Errors with positions

TEST(PeopleErrors, UnknownKeysSuggestTheNearestOne) {
    expect_error("people:\n  - handle: dana\n    emial: d@example.com\n", 3, 5,
                 "unknown key `emial` in a person; did you mean `email`?");
    expect_error(
        "people:\n  - handle: dana\nteams:\n  - { handle: t, members: [dana], rul: first }\n", 4,
        35, "unknown key `rul` in a team; did you mean `rule`?");
    expect_error("peeple:\n  - handle: dana\n", 1, 1,
                 "unknown key `peeple` in people.yaml; did you mean `people`?");
    expect_error("defaults:\n  timezone: UTC\n", 2, 3, "did you mean `time_zone`?");
}

TEST(PeopleErrors, APlaybookKeySaysItBelongsInAPlaybook) {
    expect_error("people:\n  - handle: dana\nwhen: deal.won\n", 3, 1,
                 "unknown key `when` in people.yaml; `when:` belongs in a playbook "
                 "(playbooks/ID.yaml)");
}

TEST(PeopleErrors, BadRole) {
    expect_error("people:\n  - handle: dana\n    role: boss\n", 3, 11,
                 "role must be admin, member or viewer");
}

TEST(PeopleErrors, BadEmail) {
    expect_error("people:\n  - handle: dana\n    email: dana.example.com\n", 3, 12,
                 "email must be an address");
}

TEST(PeopleErrors, BadHoursPointInsideTheScalar) {
    // Quoted: `25:00` is hours column 8; the quote is column 12, so the error is column 21.
    expect_error("people:\n  - handle: dana\n    hours: \"Mon-Fri 25:00-26:00\"\n", 3, 21,
                 "hours: bad time `25:00`");
    // Plain: `Fre` is hours column 4; the scalar starts at column 12, so column 16.
    expect_error("people:\n  - handle: dana\n    hours: Mon-Fre 09:00-17:00\n", 3, 16,
                 "hours: unknown day `Fre`");
    // In defaults too.
    expect_error("defaults:\n  hours: Mon-Fri 09:00\n", 2, 23, "hours: expected `-`");
}

TEST(PeopleErrors, UnknownTimeZone) {
    expect_error("people:\n  - handle: dana\n    time_zone: Mars/Olympus\n", 3, 16,
                 "unknown time zone `Mars/Olympus`");
}

TEST(PeopleErrors, UnknownDefaultTimeZoneIsReportedOnceWhereItIsWritten) {
    expect_error("defaults:\n  time_zone: Europe/Londn\npeople:\n  - handle: a\n  - handle: b\n", 2,
                 14, "unknown time zone `Europe/Londn`");
}

TEST(PeopleErrors, DuplicateHandles) {
    expect_error("people:\n  - handle: dana\n  - handle: lee\n  - handle: dana\n", 4, 13,
                 "handle `dana` is used twice");
    // A team may not share a person's handle either.
    expect_error("people:\n  - handle: dana\nteams:\n  - handle: dana\n    members: [dana]\n", 4,
                 13, "handle `dana` is used twice");
    expect_error(
        "people:\n  - handle: a\nteams:\n  - { handle: t, members: [a] }\n"
        "  - { handle: t, members: [a] }\n",
        5, 15, "handle `t` is used twice");
}

TEST(PeopleErrors, TeamMemberMustBeAPerson) {
    expect_error("people:\n  - handle: dana\nteams:\n  - handle: ops\n    members: [dana, dnaa]\n",
                 5, 21, "team member `dnaa` is not in people; did you mean `dana`?");
    const PeopleParse far =
        parse("people:\n  - handle: dana\nteams:\n  - handle: ops\n    members: [zebedee]\n");
    ASSERT_EQ(far.errors.size(), 1u);
    EXPECT_EQ(far.errors[0].message, "team member `zebedee` is not in people");
    // A team is not a person: teams do not nest.
    expect_error(
        "people:\n  - handle: a\nteams:\n  - { handle: t, members: [a] }\n"
        "  - { handle: u, members: [t] }\n",
        5, 28, "team member `t` is not in people");
}

TEST(PeopleErrors, TeamNeedsMembers) {
    expect_error("people:\n  - handle: a\nteams:\n  - handle: t\n    members: []\n", 5, 14,
                 "a team needs `members`");
    expect_error("people:\n  - handle: a\nteams:\n  - handle: t\n", 4, 5, "a team needs `members`");
    expect_error("people:\n  - handle: a\nteams:\n  - handle: t\n    members: a\n", 5, 14,
                 "a team needs `members`");
}

TEST(PeopleErrors, BadRule) {
    expect_error(
        "people:\n  - handle: a\nteams:\n  - handle: t\n    members: [a]\n    rule: random\n", 6,
        11, "rule must be round-robin, least-loaded or first");
}

TEST(PeopleErrors, BadHandles) {
    for (const char* handle : {"Dana", "dana smith", "dana@x", "\"\""}) {
        SCOPED_TRACE(handle);
        const PeopleParse p = parse(std::string("people:\n  - handle: ") + handle + "\n");
        ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
        EXPECT_EQ(p.errors[0].line, 2);
        EXPECT_EQ(p.errors[0].column, 13);
    }
    expect_error("people:\n  - name: Nobody\n", 2, 5, "`handle` is required");
}

TEST(PeopleErrors, HandleLimitNamesTheRealLimit) {
    const std::string longest(limits::handle_bytes_max, 'h');
    EXPECT_NE(parse_ok("people:\n  - handle: " + longest + "\n").person(longest), nullptr);
    for (std::size_t size : {limits::handle_bytes_max + 1, limits::handle_bytes_max + 2}) {
        SCOPED_TRACE(size);
        const PeopleParse p = parse("people:\n  - handle: " + std::string(size, 'h') + "\n");
        ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
        EXPECT_EQ(p.errors[0].line, 2);
        EXPECT_EQ(p.errors[0].column, 13);
        EXPECT_NE(p.errors[0].message.find("64"), std::string::npos) << p.errors[0].message;
        EXPECT_EQ(p.errors[0].message.find("limit is 65"), std::string::npos)
            << p.errors[0].message;
    }
}

TEST(PeopleLimits, PeopleCount) {
    auto people_file = [](std::size_t count) {
        std::string text = "people:\n";
        for (std::size_t i = 0; i < count; ++i)
            text += "  - {handle: p" + std::to_string(i) + "}\n";
        return text;
    };
    EXPECT_EQ(parse_ok(people_file(limits::people_max)).people().size(), limits::people_max);
    expect_error(people_file(limits::people_max + 1), 2, 3, "people has more than 10000 entries");
}

TEST(PeopleLimits, TeamMembers) {
    auto team_file = [](std::size_t members) {
        std::string text = "people:\n";
        for (std::size_t i = 0; i < limits::team_members_max + 1; ++i) {
            text += "  - {handle: p" + std::to_string(i) + "}\n";
        }
        text += "teams:\n  - handle: big\n    members:\n";
        for (std::size_t i = 0; i < members; ++i) text += "      - p" + std::to_string(i) + "\n";
        return text;
    };
    EXPECT_EQ(parse_ok(team_file(limits::team_members_max)).team("big")->members.size(),
              limits::team_members_max);
    const std::size_t members_line = limits::team_members_max + 1 + 5;
    expect_error(team_file(limits::team_members_max + 1), static_cast<int>(members_line), 7,
                 "a team has at most 1000 members");
}

TEST(PeopleErrors, ShapeErrors) {
    expect_error("", 1, 1, "the file is empty");
    expect_error("- handle: a\n", 1, 1, "people.yaml is a map");
    expect_error("people: {handle: a}\n", 1, 9, "people must be a list");
    expect_error("teams: ops\n", 1, 8, "teams must be a list");
    expect_error("people:\n  - dana\n", 2, 5, "a person is a map");
    expect_error("people: []\nteams:\n  - ops\n", 3, 5, "a team is a map");
    expect_error("defaults: UTC\n", 1, 11, "defaults is a map");
}

TEST(PeopleErrors, EveryErrorIsReportedInFileOrder) {
    const std::string text = R"(people:
  - handle: a
    role: boss
  - handle: b
    email: nope
teams:
  - { handle: t, members: [a], rule: random }
)";
    const PeopleParse p = parse(text);
    EXPECT_FALSE(p.directory.has_value());
    ASSERT_EQ(p.errors.size(), 3u) << all_errors(p);
    EXPECT_EQ(p.errors[0].line, 3);
    EXPECT_EQ(p.errors[1].line, 5);
    EXPECT_EQ(p.errors[2].line, 7);
    EXPECT_EQ(p.errors[2].column, 38);
}

// ---------------------------------------------------------------------------------------
// Look-ups

TEST(Directory, LooksUpPeopleAndTeams) {
    const Directory d = parse_ok(example_text());
    ASSERT_NE(d.person("dana"), nullptr);
    EXPECT_EQ(d.person("dana")->handle, "dana");
    EXPECT_EQ(d.person("nobody"), nullptr);
    EXPECT_EQ(d.person("ops"), nullptr);  // a team is not a person
    EXPECT_EQ(d.person(""), nullptr);
    ASSERT_NE(d.team("ops-manager"), nullptr);
    EXPECT_EQ(d.team("ops-manager")->members, std::vector<std::string>{"ari"});
    EXPECT_EQ(d.team("dana"), nullptr);  // a person is not a team
}

TEST(Directory, TeamsOfAPersonInFileOrder) {
    const Directory d = parse_ok(R"(people:
  - handle: a
  - handle: b
  - handle: loner
teams:
  - { handle: z-team, members: [a] }
  - { handle: both, members: [b, a] }
  - { handle: b-only, members: [b] }
)");
    EXPECT_EQ(d.teams_of("a"), (std::vector<std::string>{"z-team", "both"}));
    EXPECT_EQ(d.teams_of("b"), (std::vector<std::string>{"both", "b-only"}));
    EXPECT_TRUE(d.teams_of("loner").empty());
    EXPECT_TRUE(d.teams_of("nobody").empty());
}

TEST(Directory, HandlesListsPeopleThenTeams) {
    const Directory d = parse_ok(example_text());
    EXPECT_EQ(d.handles(),
              (std::vector<std::string>{"sam", "dana", "lee", "ada", "ari", "kim", "val", "sales",
                                        "ops", "office", "ops-manager", "founder"}));
}

TEST(Directory, FirstAdminInFileOrder) {
    const Directory example = parse_ok(example_text());
    ASSERT_NE(example.first_admin(), nullptr);
    EXPECT_EQ(example.first_admin()->handle, "ari");

    const Directory none = parse_ok("people:\n  - handle: a\n  - { handle: v, role: viewer }\n");
    EXPECT_EQ(none.first_admin(), nullptr);
    EXPECT_EQ(Directory{}.first_admin(), nullptr);
}

}  // namespace
}  // namespace baton::core
