// What a due timer does: a table over every timer kind × every handoff state (effective or
// spent quietly), then each effect in detail — reminders, overdue notices to owner and
// giver, escalation levels that only rise, and a reassigning level that moves ownership.
#include "core/firing.h"

#include <gtest/gtest.h>

#include "support/core_values.h"

#include <string>
#include <vector>

namespace baton::core {
namespace {

using testing::at;
using testing::span;

Playbook playbook() {
    Playbook pb;
    pb.id = "sold-to-onboarding";
    pb.accept_within = span("4h");
    pb.done_within = span("2d");
    pb.remind = {span("2h")};
    pb.escalate = {
        EscalationStep{span("4h"), "ops-manager", EscalationSide::accept, false},
        EscalationStep{span("1d"), "founder", EscalationSide::done, false},
        EscalationStep{span("1d 2h"), "kim", EscalationSide::accept, true},
    };
    return pb;
}

Handoff handoff(HandoffState state) {
    Handoff h;
    h.id = 7;
    h.playbook_id = "sold-to-onboarding";
    h.subject = "Acme";
    h.giver = "sam";
    h.owner = "dana";
    h.state = state;
    h.created_at = at("2026-11-23T09:00:00Z");
    h.deadlines.accept_by = at("2026-11-23T13:00:00Z");
    h.deadlines.done_by = at("2026-11-25T09:00:00Z");
    if (state == HandoffState::accepted) h.accepted_at = at("2026-11-23T10:00:00Z");
    return h;
}

const TimePoint now = at("2026-11-23T14:30:00Z");

struct Row {
    TimerKind kind;
    int level;
    HandoffState state;
    bool effective;
};

TEST(Firing, EachKindActsOnlyInTheStatesItWatches) {
    using S = HandoffState;
    using K = TimerKind;
    const std::vector<Row> table = {
        {K::remind, 1, S::waiting, true},      {K::remind, 1, S::accepted, false},
        {K::remind, 1, S::declined, false},    {K::remind, 1, S::done, false},
        {K::remind, 1, S::cancelled, false},   {K::accept_due, 0, S::waiting, true},
        {K::accept_due, 0, S::accepted, false}, {K::accept_due, 0, S::declined, false},
        {K::accept_due, 0, S::done, false},    {K::accept_due, 0, S::cancelled, false},
        {K::done_due, 0, S::waiting, true},    {K::done_due, 0, S::accepted, true},
        {K::done_due, 0, S::declined, true},   {K::done_due, 0, S::done, false},
        {K::done_due, 0, S::cancelled, false}, {K::escalate, 1, S::waiting, true},
        {K::escalate, 1, S::accepted, false},  {K::escalate, 1, S::declined, false},
        {K::escalate, 1, S::done, false},      {K::escalate, 2, S::waiting, true},
        {K::escalate, 2, S::accepted, true},   {K::escalate, 2, S::declined, true},
        {K::escalate, 2, S::done, false},      {K::escalate, 2, S::cancelled, false},
    };
    const Playbook pb = playbook();
    for (const Row& row : table) {
        const Firing f = fire_timer(handoff(row.state), pb,
                                    DueTimer{row.kind, row.level, now, "ari"}, now);
        EXPECT_EQ(f.effective, row.effective)
            << to_string(row.kind) << " " << row.level << " on " << to_string(row.state);
        if (!row.effective) {
            EXPECT_TRUE(f.appended.empty());
            EXPECT_TRUE(f.notices.empty());
            EXPECT_FALSE(f.changed);
            EXPECT_FALSE(f.broadcast.has_value());
        } else {
            EXPECT_FALSE(f.appended.empty());
        }
    }
}

TEST(Firing, AReminderTellsTheOwnerOnly) {
    const Firing f = fire_timer(handoff(HandoffState::waiting), playbook(),
                                DueTimer{TimerKind::remind, 1, now, "dana"}, now);
    ASSERT_EQ(f.appended.size(), 1u);
    EXPECT_EQ(f.appended[0].kind, "reminded");
    EXPECT_EQ(f.appended[0].actor, "baton");
    EXPECT_NE(f.appended[0].text.find("accept by 2026-11-23T13:00:00.000Z"), std::string::npos);
    ASSERT_EQ(f.notices.size(), 1u);
    EXPECT_EQ(f.notices[0].to, "dana");
    EXPECT_EQ(f.notices[0].what, "reminded");
    EXPECT_FALSE(f.broadcast.has_value());
    EXPECT_FALSE(f.changed);
}

TEST(Firing, OverdueToAcceptSaysHowLateAndTellsOwnerGiverAndChannels) {
    const Firing f = fire_timer(handoff(HandoffState::waiting), playbook(),
                                DueTimer{TimerKind::accept_due, 0, now, "dana"}, now);
    ASSERT_EQ(f.appended.size(), 1u);
    EXPECT_EQ(f.appended[0].kind, "overdue");
    EXPECT_NE(f.appended[0].text.find("1 h 30 min past accept time"), std::string::npos)
        << f.appended[0].text;
    ASSERT_EQ(f.notices.size(), 2u);
    EXPECT_EQ(f.notices[0].to, "dana");
    EXPECT_EQ(f.notices[1].to, "sam");
    EXPECT_EQ(f.broadcast.value_or(""), "overdue");
}

TEST(Firing, OverdueToFinishWhileAccepted) {
    const TimePoint later = at("2026-11-25T10:00:00Z");
    const Firing f = fire_timer(handoff(HandoffState::accepted), playbook(),
                                DueTimer{TimerKind::done_due, 0, later, "dana"}, later);
    ASSERT_EQ(f.appended.size(), 1u);
    EXPECT_NE(f.appended[0].text.find("Overdue to finish"), std::string::npos);
    EXPECT_NE(f.appended[0].text.find("1 h past done time"), std::string::npos)
        << f.appended[0].text;
    EXPECT_EQ(f.appended[0].data["deadline"], "done");
}

TEST(Firing, EscalationRaisesTheLevelAndTellsTheLevelsPerson) {
    const Firing f = fire_timer(handoff(HandoffState::waiting), playbook(),
                                DueTimer{TimerKind::escalate, 1, now, "ari"}, now);
    EXPECT_TRUE(f.changed);
    EXPECT_EQ(f.next.escalation_level, 1);
    EXPECT_EQ(f.next.owner, "dana");  // no reassign on this level
    EXPECT_EQ(f.next.escalated_to, "ari");  // ari finds it in Mine
    EXPECT_EQ(f.next.updated_at, now);
    ASSERT_EQ(f.appended.size(), 1u);
    EXPECT_EQ(f.appended[0].kind, "escalated");
    EXPECT_EQ(f.appended[0].data["level"], 1);
    EXPECT_EQ(f.appended[0].data["to"], "ari");
    ASSERT_EQ(f.notices.size(), 1u);
    EXPECT_EQ(f.notices[0].to, "ari");
    EXPECT_EQ(f.broadcast.value_or(""), "escalated");
}

TEST(Firing, ALowerLevelNeverLowersTheEscalationLevel) {
    Handoff h = handoff(HandoffState::accepted);
    h.escalation_level = 3;
    const Firing f =
        fire_timer(h, playbook(), DueTimer{TimerKind::escalate, 2, now, "kim"}, now);
    EXPECT_TRUE(f.effective);
    EXPECT_FALSE(f.changed);
    EXPECT_EQ(f.next.escalation_level, 3);
    EXPECT_EQ(f.next.escalated_to, "");  // level 3's person keeps it, not level 2's
}

TEST(Firing, AReassigningLevelMovesOwnershipAndKeepsThePreviousOwnerAccountable) {
    const Firing f = fire_timer(handoff(HandoffState::waiting), playbook(),
                                DueTimer{TimerKind::escalate, 3, now, "kim"}, now);
    EXPECT_TRUE(f.changed);
    EXPECT_EQ(f.next.owner, "kim");
    EXPECT_EQ(f.next.pending_from, "dana");
    EXPECT_EQ(f.next.escalated_to, "kim");
    EXPECT_EQ(f.next.state, HandoffState::waiting);
    EXPECT_EQ(f.next.escalation_level, 3);
    ASSERT_EQ(f.appended.size(), 2u);
    EXPECT_EQ(f.appended[1].kind, "reassigned");
    EXPECT_EQ(f.appended[1].data["from"], "dana");
    ASSERT_EQ(f.notices.size(), 2u);
    EXPECT_EQ(f.notices[0].to, "kim");
    EXPECT_EQ(f.notices[1].to, "sam");
    EXPECT_EQ(f.notices[1].what, "reassigned");
}

TEST(Firing, AReassigningLevelToTheOwnerChangesNoOwner) {
    Handoff h = handoff(HandoffState::waiting);
    h.owner = "kim";
    const Firing f = fire_timer(h, playbook(), DueTimer{TimerKind::escalate, 3, now, "kim"}, now);
    EXPECT_EQ(f.next.owner, "kim");
    EXPECT_TRUE(f.next.pending_from.empty());
    EXPECT_EQ(f.appended.size(), 1u);
}

}  // namespace
}  // namespace baton::core
