// People and teams: who can own, give, accept and see handoffs. One list: a person who
// signs in or holds an API token is the same person. A Directory is an immutable value
// loaded from people.yaml, safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/diagnostic.h"
#include "core/role.h"

namespace baton::core {

struct Person {
    std::string handle;
    std::string name;
    std::string email;
    std::string slack_id;
    std::string time_zone = "UTC";
    WeeklyHours hours = default_weekly_hours();
    Role role = Role::member;
    Calendar calendar = Calendar::always();  // built from time_zone and hours at load
};

enum class AssignmentRule { round_robin, least_loaded, first };
const char* to_string(AssignmentRule rule);

struct Team {
    std::string handle;
    std::string name;
    std::vector<std::string> members;  // person handles, in order
    AssignmentRule rule = AssignmentRule::round_robin;
};

class Directory {
public:
    Directory() = default;
    Directory(std::vector<Person> people, std::vector<Team> teams);

    const Person* person(std::string_view handle) const;
    const Team* team(std::string_view handle) const;
    const std::vector<Person>& people() const { return people_; }
    const std::vector<Team>& teams() const { return teams_; }
    // The teams a person belongs to, in file order.
    std::vector<std::string> teams_of(std::string_view handle) const;
    // Every person and team handle, for "did you mean".
    std::vector<std::string> handles() const;
    // The first admin in file order, if any.
    const Person* first_admin() const;

private:
    std::vector<Person> people_;
    std::vector<Team> teams_;
};

struct PeopleParse {
    std::optional<Directory> directory;  // set only when `errors` is empty
    Diagnostics errors;
    // The people and teams that parsed, also when there are errors: lint checks playbooks'
    // handles against it, so that a flaw in people.yaml does not hide an unknown owner.
    // Never used to assign.
    std::optional<Directory> partial;
};
// Parses people.yaml: `people:` (handle, name, email, slack, time_zone, hours, role) and
// `teams:` (handle, name, members, rule), plus optional `defaults: {time_zone, hours}`.
// Every error of the file is reported with its position.
PeopleParse parse_people(const std::string& yaml_text, const std::string& file);

}  // namespace baton::core
