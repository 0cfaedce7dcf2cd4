// The people loader: people.yaml → a Directory of people and teams, or every problem of
// the file with its position. Also the Directory's look-ups.
#include <algorithm>
#include <set>

#include "core/limits.h"
#include "core/people.h"
#include "core/yaml_support.h"

namespace baton::core {

Directory::Directory(std::vector<Person> people, std::vector<Team> teams)
    : people_(std::move(people)), teams_(std::move(teams)) {}

const Person* Directory::person(std::string_view handle) const {
    for (const auto& p : people_) {
        if (p.handle == handle) return &p;
    }
    return nullptr;
}

const Team* Directory::team(std::string_view handle) const {
    for (const auto& t : teams_) {
        if (t.handle == handle) return &t;
    }
    return nullptr;
}

std::vector<std::string> Directory::teams_of(std::string_view handle) const {
    std::vector<std::string> out;
    for (const auto& t : teams_) {
        if (std::find(t.members.begin(), t.members.end(), handle) != t.members.end()) {
            out.push_back(t.handle);
        }
    }
    return out;
}

std::vector<std::string> Directory::handles() const {
    std::vector<std::string> out;
    for (const auto& p : people_) out.push_back(p.handle);
    for (const auto& t : teams_) out.push_back(t.handle);
    return out;
}

const Person* Directory::first_admin() const {
    for (const auto& p : people_) {
        if (p.role == Role::admin) return &p;
    }
    return nullptr;
}

namespace {

using yaml_support::Reporter;

bool valid_handle(const std::string& h) {
    if (h.empty() || h.size() > limits::handle_bytes_max) return false;
    for (char c : h) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

struct Defaults {
    std::string time_zone = "UTC";
    WeeklyHours hours = default_weekly_hours();
};

std::optional<WeeklyHours> hours_field(const YAML::Node& node, Reporter& r) {
    auto text = yaml_support::scalar(node, r, "hours", 200);
    if (!text) return std::nullopt;
    auto hours = parse_weekly_hours(*text);
    if (!hours) {
        int offset = 0;
        const std::string& field = hours.error().field;
        if (field.rfind("col:", 0) == 0) offset = std::atoi(field.c_str() + 4);
        r.error(node.Mark(), "hours: " + hours.error().message,
                yaml_support::scalar_column(node, static_cast<std::size_t>(offset)) -
                    node.Mark().column - 1);
        return std::nullopt;
    }
    return hours.value();
}

std::optional<std::string> handle_field(const YAML::Node& map, Reporter& r) {
    auto handle = yaml_support::get_string(map, "handle", r, limits::handle_bytes_max, true);
    if (handle && !valid_handle(*handle)) {
        r.error(map["handle"].Mark(),
                "handle must be 1 to " + std::to_string(limits::handle_bytes_max) +
                    " characters of a-z, 0-9, -, _ and ., such as dana or ops-manager");
        return std::nullopt;
    }
    return handle;
}

std::optional<Person> load_person(const YAML::Node& node, const Defaults& defaults,
                                  Reporter& r) {
    if (!node.IsMap()) {
        r.error(node.Mark(), "a person is a map such as {handle: dana, name: Dana}");
        return std::nullopt;
    }
    yaml_support::check_keys(node, {"handle", "name", "email", "slack", "time_zone", "hours",
                                    "role"},
                             r, "a person");
    const std::size_t before = r.count();
    Person p;
    p.handle = handle_field(node, r).value_or("");
    p.name = yaml_support::get_string(node, "name", r, limits::title_bytes_max, false)
                 .value_or(p.handle);
    p.email = yaml_support::get_string(node, "email", r, 254, false).value_or("");
    if (!p.email.empty() && p.email.find('@') == std::string::npos) {
        r.error(node["email"].Mark(), "email must be an address such as dana@example.com");
    }
    p.slack_id = yaml_support::get_string(node, "slack", r, 64, false).value_or("");
    p.time_zone = yaml_support::get_string(node, "time_zone", r, 64, false)
                      .value_or(defaults.time_zone);
    p.hours = defaults.hours;
    if (const YAML::Node h = node["hours"]) {
        if (auto hours = hours_field(h, r)) p.hours = *hours;
    }
    if (auto role = yaml_support::get_string(node, "role", r, 16, false)) {
        if (auto parsed = parse_role(*role)) {
            p.role = *parsed;
        } else {
            r.error(node["role"].Mark(), "role must be admin, member or viewer");
        }
    }
    auto calendar = Calendar::working(p.time_zone, p.hours);
    if (!calendar) {
        const YAML::Node tz = node["time_zone"];
        r.error(tz ? tz.Mark() : node.Mark(), calendar.error().message);
    } else {
        p.calendar = calendar.value();
    }
    // A person with a flaw elsewhere still counts as named, so that the team members who
    // name them are not reported missing too (the directory is made only without errors).
    if (r.count() != before && p.handle.empty()) return std::nullopt;
    return p;
}

std::optional<Team> load_team(const YAML::Node& node, Reporter& r) {
    if (!node.IsMap()) {
        r.error(node.Mark(), "a team is a map such as {handle: ops, members: [dana, lee]}");
        return std::nullopt;
    }
    yaml_support::check_keys(node, {"handle", "name", "members", "rule"}, r, "a team");
    const std::size_t before = r.count();
    Team t;
    t.handle = handle_field(node, r).value_or("");
    t.name = yaml_support::get_string(node, "name", r, limits::title_bytes_max, false)
                 .value_or(t.handle);
    const YAML::Node members = node["members"];
    if (!members || !members.IsSequence() || members.size() == 0) {
        r.error(members ? members.Mark() : node.Mark(), "a team needs `members`: a list of "
                                                        "handles");
    } else if (members.size() > limits::team_members_max) {
        r.error(members.Mark(), "a team has at most " +
                                    std::to_string(limits::team_members_max) + " members");
    } else {
        for (const auto& m : members) {
            if (auto h = yaml_support::scalar(m, r, "a member", limits::handle_bytes_max)) {
                t.members.push_back(*h);
            }
        }
    }
    if (auto rule = yaml_support::get_string(node, "rule", r, 32, false)) {
        if (*rule == "round-robin") {
            t.rule = AssignmentRule::round_robin;
        } else if (*rule == "least-loaded") {
            t.rule = AssignmentRule::least_loaded;
        } else if (*rule == "first") {
            t.rule = AssignmentRule::first;
        } else {
            r.error(node["rule"].Mark(), "rule must be round-robin, least-loaded or first");
        }
    }
    // A team with a bad rule still has its members checked against people.
    if (r.count() != before && t.handle.empty()) return std::nullopt;
    return t;
}

Defaults load_defaults(const YAML::Node& node, Reporter& r) {
    Defaults d;
    if (!node.IsMap()) {
        r.error(node.Mark(), "defaults is a map such as {time_zone: Europe/Berlin}");
        return d;
    }
    yaml_support::check_keys(node, {"time_zone", "hours"}, r, "defaults");
    d.time_zone = yaml_support::get_string(node, "time_zone", r, 64, false).value_or("UTC");
    if (const YAML::Node h = node["hours"]) {
        if (auto hours = hours_field(h, r)) d.hours = *hours;
    }
    // Report an unknown default zone once, where it is written, rather than at every person
    // who inherits it.
    if (auto calendar = Calendar::working(d.time_zone, d.hours); !calendar) {
        const YAML::Node tz = node["time_zone"];
        r.error(tz ? tz.Mark() : node.Mark(), calendar.error().message);
        d.time_zone = "UTC";
    }
    return d;
}

// Unique handles across people and teams, and team members who exist.
// `person_nodes` and `team_nodes` are the YAML entries the people and teams came from.
void check_references(const std::vector<Person>& people, const std::vector<YAML::Node>& person_nodes,
                      const std::vector<Team>& teams, const std::vector<YAML::Node>& team_nodes,
                      Reporter& r) {
    std::set<std::string> seen;
    std::vector<std::string> person_handles;
    for (const auto& p : people) person_handles.push_back(p.handle);
    for (std::size_t i = 0; i < people.size(); ++i) {
        if (!seen.insert(people[i].handle).second) {
            r.error(person_nodes[i]["handle"].Mark(),
                    "handle `" + people[i].handle + "` is used twice");
        }
    }
    for (std::size_t i = 0; i < teams.size(); ++i) {
        const YAML::Node& node = team_nodes[i];
        if (!seen.insert(teams[i].handle).second) {
            r.error(node["handle"].Mark(), "handle `" + teams[i].handle + "` is used twice");
        }
        for (std::size_t m = 0; m < teams[i].members.size(); ++m) {
            const std::string& member = teams[i].members[m];
            if (std::find(person_handles.begin(), person_handles.end(), member) !=
                person_handles.end()) {
                continue;
            }
            std::string message = "team member `" + member + "` is not in people";
            const std::string hint = did_you_mean(member, person_handles);
            if (!hint.empty()) message += "; " + hint;
            r.error(node["members"][m].Mark(), message);
        }
    }
}

}  // namespace

PeopleParse parse_people(const std::string& yaml_text, const std::string& file) {
    PeopleParse result;
    Reporter r(file, result.errors);
    auto root = yaml_support::load(yaml_text, r);
    if (!root) return result;
    if (!root->IsMap()) {
        r.error(root->Mark(), "people.yaml is a map with `people:` and `teams:`");
        return result;
    }
    yaml_support::check_keys(*root, {"people", "teams", "defaults"}, r, "people.yaml");
    Defaults defaults;
    if (const YAML::Node d = (*root)["defaults"]) defaults = load_defaults(d, r);
    std::vector<Person> people;
    std::vector<Team> teams;
    std::vector<YAML::Node> person_nodes;
    std::vector<YAML::Node> team_nodes;
    const YAML::Node people_node = (*root)["people"];
    if (people_node && !people_node.IsSequence()) {
        r.error(people_node.Mark(), "people must be a list");
    } else if (people_node && people_node.size() > limits::people_max) {
        r.error(people_node.Mark(), "people has more than " +
                                        std::to_string(limits::people_max) + " entries");
    } else if (people_node) {
        for (const auto& n : people_node) {
            if (auto p = load_person(n, defaults, r)) {
                people.push_back(std::move(*p));
                person_nodes.push_back(n);
            }
        }
    }
    const YAML::Node teams_node = (*root)["teams"];
    if (teams_node && !teams_node.IsSequence()) {
        r.error(teams_node.Mark(), "teams must be a list");
    } else if (teams_node) {
        for (const auto& n : teams_node) {
            if (auto t = load_team(n, r)) {
                teams.push_back(std::move(*t));
                team_nodes.push_back(n);
            }
        }
    }
    // Always: one flaw must not hide another (a team's bad rule hid its unknown member).
    check_references(people, person_nodes, teams, team_nodes, r);
    std::stable_sort(result.errors.begin(), result.errors.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                     });
    if (result.errors.empty()) {
        result.directory = Directory(std::move(people), std::move(teams));
    } else {
        result.partial = Directory(std::move(people), std::move(teams));
    }
    return result;
}

}  // namespace baton::core
