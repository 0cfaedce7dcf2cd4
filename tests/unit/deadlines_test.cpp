// Deadlines as data: the exact due times of every deadline, reminder and escalation level,
// on a 24x7 playbook and on the owner's working calendar; `calendar: 24x7` overriding the
// owner; the accept-side plan for a reassignment; and which timers are accept-side.
#include "core/deadlines.h"

#include <gtest/gtest.h>

#include "support/core_values.h"

#include <string>
#include <vector>

namespace baton::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

using testing::at;
using testing::span;

Calendar london_weekdays() {
    const auto hours_ = parse_weekly_hours("Mon-Fri 09:00-17:00");
    EXPECT_TRUE(hours_.ok());
    auto calendar = Calendar::working("Europe/London", *hours_);
    EXPECT_TRUE(calendar.ok()) << calendar.error().message;
    return calendar.ok() ? *calendar : Calendar::always();
}

// The DESIGN.md example's timing, plus a second reminder and a done-side level.
Playbook sold_to_onboarding(bool calendar_24x7) {
    Playbook pb;
    pb.id = "sold-to-onboarding";
    pb.accept_within = span("4h");
    pb.done_within = span("2d");
    pb.remind = {span("2h"), span("3h")};
    pb.escalate = {
        EscalationStep{span("4h"), "ops-manager", EscalationSide::accept, false},
        EscalationStep{span("1d"), "founder", EscalationSide::accept, false},
        EscalationStep{span("1d 2h"), "{{data.lead}}", EscalationSide::done, true},
    };
    pb.calendar_24x7 = calendar_24x7;
    return pb;
}

struct Expected {
    TimerKind kind;
    int level;
    const char* due;
    const char* target;
};

void expect_timers(const DeadlinePlan& plan, const std::vector<Expected>& expected) {
    ASSERT_EQ(plan.timers.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE("timer " + std::to_string(i));
        EXPECT_EQ(plan.timers[i].kind, expected[i].kind);
        EXPECT_EQ(plan.timers[i].level, expected[i].level);
        EXPECT_EQ(format_rfc3339(plan.timers[i].due_at), format_rfc3339(at(expected[i].due)));
        EXPECT_EQ(plan.timers[i].target, expected[i].target);
    }
}

TEST(PlanDeadlines, On24x7EveryTimerIsPlainElapsedTime) {
    // Monday 2026-11-23 09:30 UTC; the owner's calendar is ignored by `calendar: 24x7`.
    const DeadlinePlan plan =
        plan_deadlines(sold_to_onboarding(true), at("2026-11-23T09:30:00Z"), london_weekdays());
    EXPECT_EQ(plan.deadlines.accept_by, at("2026-11-23T13:30:00Z"));
    EXPECT_EQ(plan.deadlines.done_by, at("2026-11-25T09:30:00Z"));
    // In due order; the accept deadline and the first level fall together and keep the
    // order they were planned in.
    expect_timers(plan, {
                            {TimerKind::remind, 1, "2026-11-23T11:30:00Z", ""},
                            {TimerKind::remind, 2, "2026-11-23T12:30:00Z", ""},
                            {TimerKind::accept_due, 0, "2026-11-23T13:30:00Z", ""},
                            {TimerKind::escalate, 1, "2026-11-23T13:30:00Z", "ops-manager"},
                            {TimerKind::escalate, 2, "2026-11-24T09:30:00Z", "founder"},
                            {TimerKind::escalate, 3, "2026-11-24T11:30:00Z", "{{data.lead}}"},
                            {TimerKind::done_due, 0, "2026-11-25T09:30:00Z", ""},
                        });
}

TEST(PlanDeadlines, AlwaysCalendarGivesTheSameAs24x7Playbook) {
    const TimePoint start = at("2026-11-27T16:00:00Z");  // a Friday
    const DeadlinePlan by_playbook =
        plan_deadlines(sold_to_onboarding(true), start, london_weekdays());
    const DeadlinePlan by_calendar =
        plan_deadlines(sold_to_onboarding(false), start, Calendar::always());
    EXPECT_EQ(by_playbook.deadlines, by_calendar.deadlines);
    ASSERT_EQ(by_playbook.timers.size(), by_calendar.timers.size());
    for (std::size_t i = 0; i < by_playbook.timers.size(); ++i) {
        EXPECT_EQ(by_playbook.timers[i].due_at, by_calendar.timers[i].due_at);
    }
    // Friday 16:00 + 4h is Friday 20:00 around the clock, weekend or not.
    EXPECT_EQ(by_playbook.deadlines.accept_by, at("2026-11-27T20:00:00Z"));
}

TEST(PlanDeadlines, OnWorkingHoursFridayAfternoonRunsIntoMonday) {
    // Friday 2026-03-06 16:00 in London (GMT, so also 16:00 UTC): one working hour on
    // Friday, the other three on Monday morning.
    const DeadlinePlan plan =
        plan_deadlines(sold_to_onboarding(false), at("2026-03-06T16:00:00Z"), london_weekdays());
    EXPECT_EQ(format_rfc3339(*plan.deadlines.accept_by), "2026-03-09T12:00:00.000Z");
    // Two working days later at the same working offset: Tuesday 16:00.
    EXPECT_EQ(format_rfc3339(*plan.deadlines.done_by), "2026-03-10T16:00:00.000Z");
    expect_timers(plan, {
                            {TimerKind::remind, 1, "2026-03-09T10:00:00Z", ""},
                            {TimerKind::remind, 2, "2026-03-09T11:00:00Z", ""},
                            {TimerKind::accept_due, 0, "2026-03-09T12:00:00Z", ""},
                            {TimerKind::escalate, 1, "2026-03-09T12:00:00Z", "ops-manager"},
                            {TimerKind::escalate, 2, "2026-03-09T16:00:00Z", "founder"},
                            {TimerKind::escalate, 3, "2026-03-10T10:00:00Z", "{{data.lead}}"},
                            {TimerKind::done_due, 0, "2026-03-10T16:00:00Z", ""},
                        });
}

TEST(PlanDeadlines, WorkingHoursAreCountedInLocalTime) {
    // Friday 2026-06-05 16:00 in London is 15:00 UTC (BST); Monday 12:00 BST is 11:00 UTC.
    const DeadlinePlan plan = plan_deadlines(sold_to_onboarding(false),
                                             at("2026-06-05T16:00:00+01:00"), london_weekdays());
    EXPECT_EQ(*plan.deadlines.accept_by, at("2026-06-08T12:00:00+01:00"));
    EXPECT_EQ(format_rfc3339(*plan.deadlines.accept_by), "2026-06-08T11:00:00.000Z");
}

TEST(PlanDeadlines, StartOutsideWorkingHoursCountsFromTheNextWorkingMoment) {
    // Saturday noon: the clock starts Monday 09:00.
    const DeadlinePlan plan =
        plan_deadlines(sold_to_onboarding(false), at("2026-03-07T12:00:00Z"), london_weekdays());
    EXPECT_EQ(*plan.deadlines.accept_by, at("2026-03-09T13:00:00Z"));
}

TEST(PlanDeadlines, CalendarOf24x7PlaybookIgnoresTheOwnerCalendar) {
    const TimePoint friday = at("2026-03-06T16:00:00Z");
    const DeadlinePlan owner_hours =
        plan_deadlines(sold_to_onboarding(false), friday, london_weekdays());
    const DeadlinePlan around_the_clock =
        plan_deadlines(sold_to_onboarding(true), friday, london_weekdays());
    EXPECT_EQ(*around_the_clock.deadlines.accept_by, friday + hours(4));
    EXPECT_EQ(*around_the_clock.deadlines.done_by, friday + hours(48));
    EXPECT_NE(owner_hours.deadlines.accept_by, around_the_clock.deadlines.accept_by);
}

TEST(PlanDeadlines, NoDeadlinesWithoutWithins) {
    Playbook pb;
    pb.id = "bare";
    const DeadlinePlan plan = plan_deadlines(pb, at("2026-11-23T09:30:00Z"), Calendar::always());
    EXPECT_FALSE(plan.deadlines.accept_by.has_value());
    EXPECT_FALSE(plan.deadlines.done_by.has_value());
    EXPECT_TRUE(plan.timers.empty());

    pb.remind = {span("1h")};
    const DeadlinePlan reminders_only =
        plan_deadlines(pb, at("2026-11-23T09:30:00Z"), Calendar::always());
    expect_timers(reminders_only, {{TimerKind::remind, 1, "2026-11-23T10:30:00Z", ""}});
}

TEST(PlanDeadlines, TimersAreSortedByDueTimeWhateverTheOrderWritten) {
    Playbook pb;
    pb.id = "unordered";
    pb.done_within = span("30m");
    pb.accept_within = span("10m");
    pb.remind = {span("20m"), span("5m")};  // reminders need not be in order
    pb.escalate = {EscalationStep{span("15m"), "a", EscalationSide::accept, false},
                   EscalationStep{span("1m"), "b", EscalationSide::done, false}};
    const DeadlinePlan plan = plan_deadlines(pb, at("2026-11-23T09:00:00Z"), Calendar::always());
    expect_timers(plan, {
                            {TimerKind::escalate, 2, "2026-11-23T09:01:00Z", "b"},
                            {TimerKind::remind, 2, "2026-11-23T09:05:00Z", ""},
                            {TimerKind::accept_due, 0, "2026-11-23T09:10:00Z", ""},
                            {TimerKind::escalate, 1, "2026-11-23T09:15:00Z", "a"},
                            {TimerKind::remind, 1, "2026-11-23T09:20:00Z", ""},
                            {TimerKind::done_due, 0, "2026-11-23T09:30:00Z", ""},
                        });
    for (std::size_t i = 1; i < plan.timers.size(); ++i) {
        EXPECT_LE(plan.timers[i - 1].due_at, plan.timers[i].due_at);
    }
}

TEST(PlanAcceptSide, OmitsDoneDueAndDoneSideEscalations) {
    const TimePoint reassigned = at("2026-11-24T10:00:00Z");
    const DeadlinePlan plan =
        plan_accept_side(sold_to_onboarding(true), reassigned, Calendar::always());
    EXPECT_EQ(plan.deadlines.accept_by, at("2026-11-24T14:00:00Z"));
    EXPECT_FALSE(plan.deadlines.done_by.has_value());
    // Levels keep their numbers from the playbook: level 3 is done-side and left out.
    expect_timers(plan, {
                            {TimerKind::remind, 1, "2026-11-24T12:00:00Z", ""},
                            {TimerKind::remind, 2, "2026-11-24T13:00:00Z", ""},
                            {TimerKind::accept_due, 0, "2026-11-24T14:00:00Z", ""},
                            {TimerKind::escalate, 1, "2026-11-24T14:00:00Z", "ops-manager"},
                            {TimerKind::escalate, 2, "2026-11-25T10:00:00Z", "founder"},
                        });
    for (const auto& t : plan.timers) {
        EXPECT_TRUE(is_accept_side(t.kind, t.level, sold_to_onboarding(true)));
    }
}

TEST(PlanAcceptSide, CountsOnTheOwnerCalendar) {
    const DeadlinePlan plan =
        plan_accept_side(sold_to_onboarding(false), at("2026-03-06T16:00:00Z"), london_weekdays());
    EXPECT_EQ(*plan.deadlines.accept_by, at("2026-03-09T12:00:00Z"));
}

TEST(IsAcceptSide, EachKind) {
    const Playbook pb = sold_to_onboarding(true);
    struct Case {
        TimerKind kind;
        int level;
        bool accept_side;
    };
    const Case cases[] = {
        {TimerKind::remind, 1, true},     {TimerKind::remind, 2, true},
        {TimerKind::accept_due, 0, true}, {TimerKind::done_due, 0, false},
        {TimerKind::escalate, 1, true},   {TimerKind::escalate, 2, true},
        {TimerKind::escalate, 3, false},  // on: done
        {TimerKind::escalate, 0, false},  // no such level
        {TimerKind::escalate, 4, false},  // past the last level
        {TimerKind::escalate, -1, false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(to_string(c.kind)) + " " + std::to_string(c.level));
        EXPECT_EQ(is_accept_side(c.kind, c.level, pb), c.accept_side);
    }
}

TEST(TimerKindNames, RoundTrip) {
    const std::pair<TimerKind, const char*> names[] = {
        {TimerKind::remind, "remind"},
        {TimerKind::escalate, "escalate"},
        {TimerKind::accept_due, "accept_due"},
        {TimerKind::done_due, "done_due"},
    };
    for (const auto& [kind, name] : names) {
        EXPECT_STREQ(to_string(kind), name);
        EXPECT_EQ(parse_timer_kind(name), kind);
    }
    EXPECT_FALSE(parse_timer_kind("Remind").has_value());
    EXPECT_FALSE(parse_timer_kind("").has_value());
    EXPECT_FALSE(parse_timer_kind("accept-due").has_value());
}

}  // namespace
}  // namespace baton::core
