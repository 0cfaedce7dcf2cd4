#include "core/owner.h"

namespace baton::core {

std::string fallback_owner(const std::string& giver, const Directory& directory) {
    if (directory.person(giver)) return giver;
    if (const Team* t = directory.team(giver); t && !t->members.empty()) return t->members[0];
    if (const Person* admin = directory.first_admin()) return admin->handle;
    return giver.empty() ? std::string("admin") : giver;
}

namespace {

std::string pick_member(const Team& team, const TeamLoad& load) {
    switch (team.rule) {
        case AssignmentRule::first: return team.members.front();
        case AssignmentRule::round_robin: {
            const auto n = static_cast<std::int64_t>(team.members.size());
            const auto index = ((load.round_robin_counter % n) + n) % n;
            return team.members[static_cast<std::size_t>(index)];
        }
        case AssignmentRule::least_loaded: {
            // Fewest open handoffs; ties go to the earlier member, so the result is stable.
            const std::string* best = &team.members.front();
            int best_count = INT32_MAX;
            for (const auto& m : team.members) {
                auto it = load.open_counts.find(m);
                const int count = it == load.open_counts.end() ? 0 : it->second;
                if (count < best_count) {
                    best_count = count;
                    best = &m;
                }
            }
            return *best;
        }
    }
    return team.members.front();
}

}  // namespace

OwnerResolution resolve_owner(const std::string& wanted, const std::string& giver,
                              const Directory& directory, const TeamLoad& load) {
    OwnerResolution out;
    if (wanted.empty()) {
        out.unowned = true;
        out.reason = "the owner template rendered empty";
    } else if (directory.person(wanted)) {
        out.owner = wanted;
        return out;
    } else if (const Team* team = directory.team(wanted)) {
        if (!team->members.empty()) {
            out.owner = pick_member(*team, load);
            out.team = team->handle;
            out.reason = std::string("picked from team ") + team->handle + " (" +
                         to_string(team->rule) + ")";
            return out;
        }
        out.unowned = true;
        out.reason = "team " + wanted + " has no members";
    } else {
        out.unowned = true;
        out.reason = "nobody called `" + wanted + "` in people.yaml";
    }
    out.owner = fallback_owner(giver, directory);
    return out;
}

}  // namespace baton::core
