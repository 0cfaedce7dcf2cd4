// Internal to the engine: the outbox rows and timeline entries that several use cases
// produce alike — telling people (the giver hears back, the owner is reminded), posting
// to a playbook's Slack and webhook checkpoints, and the system's own timeline entries.
// Pure functions of their arguments.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/handoff.h"
#include "core/owner.h"
#include "core/people.h"
#include "core/playbook.h"
#include "core/template.h"
#include "store/store.h"

namespace baton::engine::detail {

core::TimelineEntry system_entry(TimePoint at, std::string kind, std::string text,
                                 nlohmann::json data = nlohmann::json::object());

// Template values of a handoff after it started: its data and subject (no event fields).
core::TemplateContext handoff_context(const core::Handoff& h);

// One "notice" row per person to tell: a team in `notices` becomes each of its members.
// Keys are "`key`:to:HANDLE", so the same step never tells a person twice.
std::vector<store::OutboxRecord> notice_rows(const core::Handoff& h, const std::string& key,
                                             const std::vector<core::Notice>& notices,
                                             const core::Directory& directory,
                                             const std::string& actor, TimePoint now);

// One row per Slack and webhook checkpoint of the playbook, saying `what` happened; keys
// are "`key`:cp:N". Email checkpoints are told only when the handoff starts.
std::vector<store::OutboxRecord> broadcast_rows(const core::Handoff& h, const core::Playbook& pb,
                                                const std::string& key, const std::string& what,
                                                TimePoint now);

// What a team's rule needs to pick one member: the round-robin counter (bumped: the pick
// is made) or the open handoffs per member. Runs in the caller's write transaction, so a
// refused action leaves the counter as it was. With `preview`, a dry run's: the counter is
// read without a bump, plus the picks the dry run has made of the team so far (counted in
// `preview`, by team handle), so that it works in a read transaction and changes nothing.
Result<core::TeamLoad> team_load(store::Transaction& tx, const core::Team& team,
                                 std::map<std::string, std::int64_t>* preview = nullptr);

}  // namespace baton::engine::detail
