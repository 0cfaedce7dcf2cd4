// Owner resolution: a person is the owner; a team picks one member by its rule
// (round-robin, least-loaded, first); an owner that cannot be resolved lands with the giver,
// the giver team's first member, the first admin or the giver as written — never nobody.
#include "core/owner.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace baton::core {
namespace {

Person person(const char* handle, Role role = Role::member) {
    Person p;
    p.handle = handle;
    p.name = handle;
    p.role = role;
    return p;
}

Team team(const char* handle, std::vector<std::string> members, AssignmentRule rule) {
    Team t;
    t.handle = handle;
    t.name = handle;
    t.members = std::move(members);
    t.rule = rule;
    return t;
}

Directory directory() {
    return Directory({person("sam"), person("dana"), person("lee"), person("ari", Role::admin),
                      person("kim", Role::admin)},
                     {team("ops", {"dana", "lee"}, AssignmentRule::round_robin),
                      team("trio", {"dana", "lee", "sam"}, AssignmentRule::round_robin),
                      team("balanced", {"dana", "lee", "sam"}, AssignmentRule::least_loaded),
                      team("leads", {"lee", "dana"}, AssignmentRule::first),
                      team("sales", {"sam"}, AssignmentRule::first),
                      team("ghosts", {}, AssignmentRule::round_robin)});
}

// The same people with nobody an admin.
Directory directory_without_admin() {
    return Directory({person("sam"), person("dana")}, {team("ghosts", {}, AssignmentRule::first)});
}

TEST(ResolveOwner, APersonOwnsIt) {
    const OwnerResolution r = resolve_owner("dana", "sam", directory(), TeamLoad{});
    EXPECT_EQ(r.owner, "dana");
    EXPECT_FALSE(r.unowned);
    EXPECT_EQ(r.reason, "");
    EXPECT_EQ(r.team, "");
}

TEST(ResolveOwner, RoundRobinTakesTheCounterModuloTheMembers) {
    struct Case {
        const char* team;
        std::int64_t counter;
        const char* owner;
    };
    const Case cases[] = {
        {"ops", 0, "dana"},
        {"ops", 1, "lee"},
        {"ops", 2, "dana"},
        {"ops", 3, "lee"},
        {"trio", 0, "dana"},
        {"trio", 1, "lee"},
        {"trio", 2, "sam"},
        {"trio", 3, "dana"},
        {"trio", 10, "lee"},
        {"trio", 1'000'000'000'001, "sam"},  // 10^12 + 1 ≡ 2 (mod 3)
        {"ops", 1'000'000'001, "lee"},
        {"ops", std::numeric_limits<std::int64_t>::max(), "lee"},   // odd
        {"trio", std::numeric_limits<std::int64_t>::max(), "lee"},  // ≡ 1 (mod 3)
        {"ops", -1, "lee"},  // a corrupt counter still picks a member
        {"trio", -1, "sam"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.team) + " #" + std::to_string(c.counter));
        TeamLoad load;
        load.round_robin_counter = c.counter;
        const OwnerResolution r = resolve_owner(c.team, "sam", directory(), load);
        EXPECT_EQ(r.owner, c.owner);
        EXPECT_FALSE(r.unowned);
        EXPECT_EQ(r.team, c.team);
        EXPECT_EQ(r.reason, std::string("picked from team ") + c.team + " (round-robin)");
    }
}

TEST(ResolveOwner, LeastLoadedPicksFewestOpenWithTiesToTheEarlierMember) {
    struct Case {
        const char* name;
        std::map<std::string, int> open;
        const char* owner;
    };
    const std::vector<Case> cases = {
        {"fewest wins", {{"dana", 3}, {"lee", 1}, {"sam", 2}}, "lee"},
        {"last member fewest", {{"dana", 3}, {"lee", 2}, {"sam", 0}}, "sam"},
        {"all tied", {{"dana", 1}, {"lee", 1}, {"sam", 1}}, "dana"},
        {"tie after the first", {{"dana", 5}, {"lee", 2}, {"sam", 2}}, "lee"},
        {"nothing known", {}, "dana"},
        {"missing counts are zero", {{"dana", 2}}, "lee"},
        {"missing beats a positive count", {{"dana", 1}, {"lee", 1}}, "sam"},
        {"non-members are ignored", {{"outsider", 0}, {"dana", 4}, {"lee", 1}, {"sam", 4}}, "lee"},
        {"large counts",
         {{"dana", 2'000'000'000}, {"lee", 2'000'000'001}, {"sam", 2'000'000'000}},
         "dana"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        TeamLoad load;
        load.open_counts = c.open;
        load.round_robin_counter = 1;  // not used by this rule
        const OwnerResolution r = resolve_owner("balanced", "sam", directory(), load);
        EXPECT_EQ(r.owner, c.owner);
        EXPECT_FALSE(r.unowned);
        EXPECT_EQ(r.team, "balanced");
        EXPECT_EQ(r.reason, "picked from team balanced (least-loaded)");
    }
}

TEST(ResolveOwner, FirstAlwaysPicksTheFirstMember) {
    for (std::int64_t counter : {0, 1, 7}) {
        TeamLoad load;
        load.round_robin_counter = counter;
        load.open_counts = {{"lee", 99}, {"dana", 0}};
        const OwnerResolution r = resolve_owner("leads", "sam", directory(), load);
        EXPECT_EQ(r.owner, "lee");
        EXPECT_FALSE(r.unowned);
        EXPECT_EQ(r.team, "leads");
        EXPECT_EQ(r.reason, "picked from team leads (first)");
    }
}

TEST(ResolveOwner, UnresolvableOwnerLandsSomewhereWithAReason) {
    struct Case {
        const char* name;
        std::string wanted;
        std::string giver;
        bool has_admin;
        const char* owner;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {"unknown handle, giver a person", "dnaa", "sam", true, "sam",
         "nobody called `dnaa` in people.yaml"},
        {"empty template, giver a person", "", "dana", true, "dana",
         "the owner template rendered empty"},
        {"unknown handle, giver a team", "dnaa", "leads", true, "lee",
         "nobody called `dnaa` in people.yaml"},
        {"empty template, giver a team", "", "sales", true, "sam",
         "the owner template rendered empty"},
        {"empty team, giver a person", "ghosts", "dana", true, "dana",
         "team ghosts has no members"},
        {"empty team, giver that team", "ghosts", "ghosts", true, "ari",
         "team ghosts has no members"},
        {"unknown giver goes to the first admin", "nobody", "stranger", true, "ari",
         "nobody called `nobody` in people.yaml"},
        {"empty giver goes to the first admin", "", "", true, "ari",
         "the owner template rendered empty"},
        {"no admin: the giver as written", "nobody", "stranger", false, "stranger",
         "nobody called `nobody` in people.yaml"},
        {"no admin, empty team", "ghosts", "ghosts", false, "ghosts", "team ghosts has no members"},
        {"no admin, no giver: never empty", "", "", false, "admin",
         "the owner template rendered empty"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const Directory d = c.has_admin ? directory() : directory_without_admin();
        const OwnerResolution r = resolve_owner(c.wanted, c.giver, d, TeamLoad{});
        EXPECT_TRUE(r.unowned);
        EXPECT_EQ(r.owner, c.owner);
        EXPECT_FALSE(r.owner.empty());
        EXPECT_EQ(r.reason, c.reason);
        EXPECT_EQ(r.team, "");
        EXPECT_EQ(fallback_owner(c.giver, d), c.owner);
    }
}

}  // namespace
}  // namespace baton::core
