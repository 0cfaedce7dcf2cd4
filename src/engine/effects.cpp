#include "engine/effects.h"

namespace baton::engine::detail {

core::TimelineEntry system_entry(TimePoint at, std::string kind, std::string text,
                                 nlohmann::json data) {
    return core::TimelineEntry{at, "baton", std::move(kind), std::move(text), std::move(data)};
}

core::TemplateContext handoff_context(const core::Handoff& h) {
    core::TemplateContext ctx;
    ctx.data = &h.data;
    ctx.subject = h.subject;
    ctx.source = h.event_source;
    ctx.id = h.event_id;
    return ctx;
}

std::vector<store::OutboxRecord> notice_rows(const core::Handoff& h, const std::string& key,
                                             const std::vector<core::Notice>& notices,
                                             const core::Directory& directory,
                                             const std::string& actor, TimePoint now) {
    std::vector<store::OutboxRecord> rows;
    auto add = [&](const std::string& handle, const std::string& what) {
        for (const auto& r : rows) {
            if (r.target == handle) return;
        }
        store::OutboxRecord row;
        row.handoff_id = h.id;
        row.channel = "notice";
        row.target = handle;
        row.dedupe_key = key + ":to:" + handle;
        row.payload = {{"what", what}, {"actor", actor}};
        row.next_attempt_at = row.created_at = now;
        rows.push_back(std::move(row));
    };
    for (const core::Notice& n : notices) {
        if (const core::Team* team = directory.team(n.to)) {
            for (const auto& member : team->members) add(member, n.what);
        } else {
            add(n.to, n.what);
        }
    }
    return rows;
}

std::vector<store::OutboxRecord> broadcast_rows(const core::Handoff& h, const core::Playbook& pb,
                                                const std::string& key, const std::string& what,
                                                TimePoint now) {
    std::vector<store::OutboxRecord> rows;
    const core::TemplateContext ctx = handoff_context(h);
    for (std::size_t i = 0; i < pb.checkpoint.size(); ++i) {
        const core::Checkpoint& cp = pb.checkpoint[i];
        if (cp.kind == core::CheckpointKind::email) continue;
        store::OutboxRecord row;
        row.handoff_id = h.id;
        row.channel = cp.kind == core::CheckpointKind::slack ? "slack" : "webhook";
        row.target = core::render_template(cp.target, ctx).text;
        row.dedupe_key = key + ":cp:" + std::to_string(i + 1);
        row.payload = {{"what", what}, {"checkpoint", i + 1}};
        row.next_attempt_at = row.created_at = now;
        rows.push_back(std::move(row));
    }
    return rows;
}

Result<core::TeamLoad> team_load(store::Transaction& tx, const core::Team& team,
                                 std::map<std::string, std::int64_t>* preview) {
    core::TeamLoad load;
    if (team.rule == core::AssignmentRule::round_robin && preview != nullptr) {
        auto counter = tx.peek_assignment(team.handle);
        if (!counter) return counter.error();
        load.round_robin_counter = *counter + (*preview)[team.handle]++;
    } else if (team.rule == core::AssignmentRule::round_robin) {
        auto counter = tx.next_assignment(team.handle);
        if (!counter) return counter.error();
        load.round_robin_counter = *counter;
    } else if (team.rule == core::AssignmentRule::least_loaded) {
        auto counts = tx.open_handoff_counts(team.members);
        if (!counts) return counts.error();
        load.open_counts = std::move(counts).value();
    }
    return load;
}

}  // namespace baton::engine::detail
