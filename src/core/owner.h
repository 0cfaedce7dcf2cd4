// Owner resolution: the owner of done is always one person. A playbook's `owner:` (after
// its template is rendered) names a person or a team; a team resolves by its rule. An
// owner that cannot be resolved never yields an ownerless handoff: it lands with the giver
// (or an admin), flagged unowned, with the reason. Pure: the shell passes in the team's
// assignment counter and open-handoff counts.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/people.h"

namespace baton::core {

// What the shell knows about a team's current load.
struct TeamLoad {
    std::int64_t round_robin_counter = 0;    // assignments made so far (round-robin)
    std::map<std::string, int> open_counts;  // waiting + accepted per member (least-loaded)
};

struct OwnerResolution {
    std::string owner;     // never empty
    bool unowned = false;  // the named owner could not be resolved
    std::string reason;    // why, in words, when unowned or when a team rule picked
    std::string team;      // the team it went through, if any
};

// `wanted` is the rendered owner ("" when its template rendered empty); `giver` is the
// rendered giver. `load` is used only when `wanted` names a team.
OwnerResolution resolve_owner(const std::string& wanted, const std::string& giver,
                              const Directory& directory, const TeamLoad& load);

// Whom an unresolved owner lands with: the giver if a person, the first member of the
// giver's team, else the first admin, else the giver's name as written.
std::string fallback_owner(const std::string& giver, const Directory& directory);

}  // namespace baton::core
