// Fuzzes the people.yaml loader, core::parse_people.
// Properties: the loader's diagnostics contract (yaml_checks.h); and in a directory it
// accepts, every handle is unique across people and teams (a look-up finds that very
// entry), every team member is a person, every person's calendar is a working calendar in
// their own time zone, and their hours survive format→parse.
#include <string>

#include "core/people.h"
#include "fuzz_support.h"
#include "yaml_checks.h"

using namespace baton;

namespace {

void check_directory(const core::Directory& directory) {
    for (const auto& person : directory.people()) {
        FUZZ_CHECK(directory.person(person.handle) == &person,
                   "person handle `" + person.handle + "` is unique");
        FUZZ_CHECK(directory.team(person.handle) == nullptr,
                   "`" + person.handle + "` is not also a team");
        FUZZ_CHECK(!person.calendar.is_24x7() && person.calendar.time_zone() == person.time_zone,
                   "`" + person.handle + "` works in their own time zone");
        const auto again = core::parse_weekly_hours(core::format_weekly_hours(person.hours));
        FUZZ_CHECK(again.ok() && *again == person.hours, "hours survive format and parse");
    }
    for (const auto& team : directory.teams()) {
        FUZZ_CHECK(directory.team(team.handle) == &team,
                   "team handle `" + team.handle + "` is unique");
        FUZZ_CHECK(!team.members.empty(), "a team has members");
        for (const auto& member : team.members) {
            FUZZ_CHECK(directory.person(member) != nullptr,
                       "team member `" + member + "` is a person");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    const core::PeopleParse parsed = core::parse_people(text, fuzz::yaml_file);
    fuzz::check_diagnostics(parsed.errors, parsed.directory.has_value(), text);
    if (parsed.directory) check_directory(*parsed.directory);
    return 0;
}
