// Report arithmetic: nearest-rank percentiles, and the rows of build_report by playbook and
// by owner — counts per state, ever accepted, overdue at `now`, time to accept and to done
// (p50, p90) from created_at, silent delay past the accept deadline, and the "all" row.
#include "core/report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace baton::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using Ms = Milliseconds;

// ---------------------------------------------------------------------------------------
// Percentiles

TEST(Percentile, NearestRank) {
    // 1..10 given out of order.
    const std::vector<Ms> values = {Ms(7), Ms(3), Ms(10), Ms(1), Ms(5),
                                    Ms(9), Ms(2), Ms(8),  Ms(6), Ms(4)};
    struct Case {
        int p;
        long long expected;
    };
    const Case cases[] = {{50, 5}, {90, 9}, {100, 10}, {0, 1}, {10, 1}, {11, 2}, {91, 10}, {1, 1}};
    for (const Case& c : cases) {
        SCOPED_TRACE(c.p);
        const auto result = percentile(values, c.p);
        ASSERT_TRUE(result.has_value());
        EXPECT_EQ(result->count(), c.expected);
    }
}

TEST(Percentile, EmptyHasNone) {
    EXPECT_FALSE(percentile({}, 50).has_value());
    EXPECT_FALSE(percentile({}, 90).has_value());
}

TEST(Percentile, OneValueIsEveryPercentile) {
    for (int p : {0, 50, 90, 100}) EXPECT_EQ(percentile({Ms(42)}, p), Ms(42));
}

TEST(Percentile, TwoValues) {
    EXPECT_EQ(percentile({Ms(20), Ms(10)}, 50), Ms(10));
    EXPECT_EQ(percentile({Ms(20), Ms(10)}, 51), Ms(20));
    EXPECT_EQ(percentile({Ms(20), Ms(10)}, 90), Ms(20));
}

// ---------------------------------------------------------------------------------------
// build_report

const TimePoint t0 = from_unix_ms(1795426200000);  // 2026-11-23T09:30:00Z
const TimePoint now = t0 + hours(100);

struct Spec {
    const char* playbook;
    const char* owner;
    HandoffState state;
    Ms created = Ms(0);  // all times are offsets from t0
    std::optional<Ms> accepted = std::nullopt;
    std::optional<Ms> closed = std::nullopt;
    std::optional<Ms> accept_by = std::nullopt;
    std::optional<Ms> done_by = std::nullopt;
};

Handoff make(const Spec& s) {
    Handoff h;
    h.playbook_id = s.playbook;
    h.owner = s.owner;
    h.giver = "sam";
    h.state = s.state;
    h.created_at = t0 + s.created;
    if (s.accepted) h.accepted_at = t0 + *s.accepted;
    if (s.closed) h.closed_at = t0 + *s.closed;
    if (s.accept_by) h.deadlines.accept_by = t0 + *s.accept_by;
    if (s.done_by) h.deadlines.done_by = t0 + *s.done_by;
    return h;
}

using S = HandoffState;

// Seven handoffs over two playbooks and three owners, given in no particular order.
std::vector<Handoff> sample() {
    return {
        // 7: b/sam accepted after 20h, before its accept deadline; past done_by → overdue.
        make({"b", "sam", S::accepted, Ms(0), hours(20), {}, hours(24), hours(50)}),
        // 1: a/dana done; accepted after 1h (deadline 2h); done after 5h.
        make({"a", "dana", S::done, Ms(0), hours(1), hours(5), hours(2), hours(48)}),
        // 4: a/lee cancelled at 3h, never accepted, deadline 1h → 2h silent.
        make({"a", "lee", S::cancelled, Ms(0), {}, hours(3), hours(1), {}}),
        // 2: a/dana still waiting, deadline 4h → overdue, 96h silent so far.
        make({"a", "dana", S::waiting, Ms(0), {}, {}, hours(4), hours(48)}),
        // 5: b/dana declined, never accepted, deadline 2h → 98h silent so far.
        make({"b", "dana", S::declined, Ms(0), {}, {}, hours(2), {}}),
        // 3: a/lee accepted at 13h, created at 10h (3h to accept), deadline 12h → 1h silent.
        make({"a", "lee", S::accepted, hours(10), hours(13), {}, hours(12), hours(200)}),
        // 6: b/sam done; accepted after 30 min, done after 2h; no deadlines.
        make({"b", "sam", S::done, Ms(0), minutes(30), hours(2), {}, {}}),
    };
}

struct RowWant {
    const char* key;
    int count, open, accepted, done, declined, cancelled, overdue;
    std::optional<Ms> accept_p50, accept_p90, done_p50, done_p90;
    Ms silent_delay;
};

void expect_rows(const std::vector<ReportRow>& rows, const std::vector<RowWant>& want) {
    ASSERT_EQ(rows.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        const ReportRow& r = rows[i];
        const RowWant& w = want[i];
        SCOPED_TRACE(w.key);
        EXPECT_EQ(r.key, w.key);
        EXPECT_EQ(r.count, w.count);
        EXPECT_EQ(r.open, w.open);
        EXPECT_EQ(r.accepted, w.accepted);
        EXPECT_EQ(r.done, w.done);
        EXPECT_EQ(r.declined, w.declined);
        EXPECT_EQ(r.cancelled, w.cancelled);
        EXPECT_EQ(r.overdue, w.overdue);
        EXPECT_EQ(r.accept_p50, w.accept_p50);
        EXPECT_EQ(r.accept_p90, w.accept_p90);
        EXPECT_EQ(r.done_p50, w.done_p50);
        EXPECT_EQ(r.done_p90, w.done_p90);
        EXPECT_EQ(r.silent_delay, w.silent_delay);
    }
}

const std::optional<Ms> none;

TEST(BuildReport, ByPlaybook) {
    expect_rows(
        build_report(sample(), ReportBy::playbook, now),
        {
            // key  count open acc done decl canc over  accept p50/p90   done p50/p90
            {"a", 4, 2, 2, 1, 0, 1, 1, hours(1), hours(3), hours(5), hours(5),
             hours(0 + 96 + 1 + 2)},
            {"b", 3, 1, 2, 1, 1, 0, 1, minutes(30), hours(20), hours(2), hours(2), hours(98)},
            {"all", 7, 3, 4, 2, 1, 1, 2, hours(1), hours(20), hours(2), hours(5), hours(99 + 98)},
        });
}

TEST(BuildReport, ByOwner) {
    expect_rows(
        build_report(sample(), ReportBy::owner, now),
        {
            {"dana", 3, 1, 1, 1, 1, 0, 1, hours(1), hours(1), hours(5), hours(5), hours(96 + 98)},
            {"lee", 2, 1, 1, 0, 0, 1, 0, hours(3), hours(3), none, none, hours(1 + 2)},
            {"sam", 2, 1, 2, 1, 0, 0, 1, minutes(30), hours(20), hours(2), hours(2), hours(0)},
            {"all", 7, 3, 4, 2, 1, 1, 2, hours(1), hours(20), hours(2), hours(5), hours(197)},
        });
}

TEST(BuildReport, AllRowComesLastWhateverTheKeys) {
    const std::vector<Handoff> handoffs = {
        make({"p", "zz", S::waiting}),
        make({"p", "aa", S::waiting}),
        make({"p", "alpha", S::waiting}),
    };
    const auto rows = build_report(handoffs, ReportBy::owner, now);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].key, "aa");
    EXPECT_EQ(rows[1].key, "alpha");
    EXPECT_EQ(rows[2].key, "zz");
    EXPECT_EQ(rows[3].key, "all");
    EXPECT_EQ(rows[3].count, 3);
}

TEST(BuildReport, EmptyInputHasOnlyAnEmptyAllRow) {
    expect_rows(build_report({}, ReportBy::playbook, now),
                {{"all", 0, 0, 0, 0, 0, 0, 0, none, none, none, none, Ms(0)}});
}

TEST(BuildReport, SilentDelayAndOverdueAtTheBoundaries) {
    const std::vector<Handoff> handoffs = {
        // Deadline still ahead: nothing silent, not overdue.
        make({"p", "a", S::waiting, Ms(0), {}, {}, hours(101), {}}),
        // Deadline exactly now: not yet overdue, no silent time.
        make({"p", "b", S::waiting, Ms(0), {}, {}, hours(100), {}}),
        // One millisecond past: overdue, one millisecond silent.
        make({"p", "c", S::waiting, Ms(0), {}, {}, hours(100) - Ms(1), {}}),
        // Accepted exactly at the deadline: no silent time.
        make({"p", "d", S::accepted, Ms(0), hours(2), {}, hours(2), {}}),
        // Accepted late, then declined: silence ends when it was accepted.
        make({"p", "e", S::declined, Ms(0), hours(5), {}, hours(2), {}}),
        // Done with a done_by in the past: closed handoffs are never overdue.
        make({"p", "f", S::done, Ms(0), hours(1), hours(60), hours(2), hours(50)}),
    };
    const auto rows = build_report(handoffs, ReportBy::owner, now);
    ASSERT_EQ(rows.size(), 7u);
    const Ms expected_silent[] = {Ms(0), Ms(0), Ms(1), Ms(0), hours(3), Ms(0)};
    const int expected_overdue[] = {0, 0, 1, 0, 0, 0};
    for (std::size_t i = 0; i < 6; ++i) {
        SCOPED_TRACE(rows[i].key);
        EXPECT_EQ(rows[i].silent_delay, expected_silent[i]);
        EXPECT_EQ(rows[i].overdue, expected_overdue[i]);
    }
    EXPECT_EQ(rows[6].silent_delay, hours(3) + Ms(1));
    EXPECT_EQ(rows[6].overdue, 1);
    // Time to done counts from creation, not from acceptance.
    EXPECT_EQ(rows[5].done_p50, hours(60));
}

// ---------------------------------------------------------------------------------------
// Holds: who held the baton when, and whose silent delay it was

TimelineEntry reassigned(Ms at, const char* from, const char* to,
                         std::optional<Ms> from_accept_by) {
    nlohmann::json data = {{"from", from}, {"to", to}};
    if (from_accept_by) data["from_accept_by"] = format_rfc3339(t0 + *from_accept_by);
    return TimelineEntry{t0 + at, "baton", "reassigned", "", data};
}

TimelineEntry accepted(Ms at) {
    return TimelineEntry{t0 + at, "lee", "accepted", "", {}};
}

// Handoff 17 of the issue: dana sat on it 6h past her 2h deadline, the escalation handed it
// to lee at 8h with a fresh 2h window, and lee accepted at 9h, in time.
Handoff handoff_17() {
    Handoff h = make({"a", "lee", S::accepted, Ms(0), hours(9), {}, hours(10), {}});
    h.timeline = {
        TimelineEntry{t0, "baton", "created", "", {}},
        reassigned(hours(8), "dana", "lee", hours(2)),
        accepted(hours(9)),
    };
    return h;
}

TEST(Holds, EachPersonHoldsTheBatonFromHandedToHandedOn) {
    const auto holds = holds_of(handoff_17(), now);
    ASSERT_EQ(holds.size(), 2u);
    EXPECT_EQ(holds[0].holder, "dana");
    EXPECT_EQ(holds[0].from, t0);
    EXPECT_EQ(holds[0].until, t0 + hours(8));
    EXPECT_EQ(holds[0].silent_delay, hours(6));
    EXPECT_EQ(holds[1].holder, "lee");
    EXPECT_EQ(holds[1].from, t0 + hours(8));
    EXPECT_EQ(holds[1].accepted_at, t0 + hours(9));
    EXPECT_EQ(holds[1].until, now);
    EXPECT_EQ(holds[1].silent_delay, Ms(0));
}

TEST(Holds, WithoutATimelineTheOwnerHoldsItAll) {
    const auto holds = holds_of(make({"a", "dana", S::waiting, Ms(0), {}, {}, hours(4), {}}), now);
    ASSERT_EQ(holds.size(), 1u);
    EXPECT_EQ(holds[0].holder, "dana");
    EXPECT_EQ(holds[0].silent_delay, hours(96));
}

TEST(Holds, AnAcceptedHoldIsSilentOnlyUntilItsAcceptanceAndOldEntriesUseTheOverdueMark) {
    Handoff h = make({"a", "kim", S::waiting, Ms(0), {}, {}, hours(20), {}});
    h.timeline = {
        // dana accepted 1h late, then handed it on: 1h is hers.
        accepted(hours(3)),
        reassigned(hours(5), "dana", "lee", hours(2)),
        // lee's entry predates from_accept_by: the overdue mark at 7h is his deadline.
        TimelineEntry{t0 + hours(7), "baton", "overdue", "", {{"deadline", "accept"}}},
        reassigned(hours(10), "lee", "kim", std::nullopt),
    };
    const auto holds = holds_of(h, now);
    ASSERT_EQ(holds.size(), 3u);
    EXPECT_EQ(holds[0].silent_delay, hours(1));
    EXPECT_EQ(holds[1].holder, "lee");
    EXPECT_EQ(holds[1].silent_delay, hours(3));
    EXPECT_EQ(holds[2].holder, "kim");
    EXPECT_EQ(holds[2].silent_delay, hours(80));
}

TEST(BuildReport, SilentDelayIsChargedToWhoeverHeldTheHandoff) {
    const auto rows = build_report({handoff_17()}, ReportBy::owner, now);
    ASSERT_EQ(rows.size(), 3u);
    // dana owns nothing now but sat on it: her row has the delay and no handoffs.
    EXPECT_EQ(rows[0].key, "dana");
    EXPECT_EQ(rows[0].count, 0);
    EXPECT_EQ(rows[0].silent_delay, hours(6));
    EXPECT_EQ(rows[1].key, "lee");
    EXPECT_EQ(rows[1].count, 1);
    EXPECT_EQ(rows[1].silent_delay, Ms(0));
    EXPECT_EQ(rows[2].key, "all");
    EXPECT_EQ(rows[2].silent_delay, hours(6));
    // By playbook the handoff's delay is the sum of its holds'.
    const auto by_playbook = build_report({handoff_17()}, ReportBy::playbook, now);
    EXPECT_EQ(by_playbook[0].silent_delay, hours(6));
}

TEST(BuildReport, ByGiverAndByEdge) {
    std::vector<Handoff> handoffs = sample();
    handoffs[0].giver = "ops";  // 7: b/sam, given by ops
    handoffs.push_back(handoff_17());
    expect_rows(
        build_report(handoffs, ReportBy::giver, now),
        {
            {"ops", 1, 1, 1, 0, 0, 0, 1, hours(20), hours(20), none, none, Ms(0)},
            {"sam", 7, 3, 4, 2, 1, 1, 1, hours(1), hours(9), hours(2), hours(5), hours(197 + 6)},
            {"all", 8, 4, 5, 2, 1, 1, 2, hours(3), hours(20), hours(2), hours(5), hours(197 + 6)},
        });
    const auto edges = build_report(handoffs, ReportBy::edge, now);
    std::vector<std::string> keys;
    for (const auto& r : edges) keys.push_back(r.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"ops → sam", "sam → dana", "sam → lee", "sam → sam",
                                              "all"}));
    EXPECT_EQ(edges[1].count, 3);                          // dana owns 1, 2 and 5
    EXPECT_EQ(edges[1].silent_delay, hours(96 + 98 + 6));  // and sat on 17
    EXPECT_EQ(edges[2].count, 3);                          // lee owns 3, 4 and 17
    EXPECT_EQ(edges[2].silent_delay, hours(1 + 2));
}

TEST(ReportBy, NamesRoundTripAndOthersAreRefused) {
    for (ReportBy by : {ReportBy::playbook, ReportBy::owner, ReportBy::giver, ReportBy::edge}) {
        EXPECT_EQ(parse_report_by(to_string(by)), by);
    }
    EXPECT_FALSE(parse_report_by("colour").has_value());
    EXPECT_FALSE(parse_report_by("").has_value());
}

// ---------------------------------------------------------------------------------------
// Series: day by day

TEST(Series, CountsEachEventOnItsUtcDay) {
    const TimePoint day0 = from_unix_ms(1795392000000);  // 2026-11-23T00:00:00Z
    const TimePoint noon = day0 + hours(24 * 2 + 12);  // the third day
    Handoff on_time;  // started day 0, accepted in time, done on day 1
    on_time.state = HandoffState::done;
    on_time.created_at = day0 + hours(9);
    on_time.accepted_at = day0 + hours(10);
    on_time.deadlines.accept_by = day0 + hours(12);
    on_time.deadlines.done_by = day0 + hours(40);
    on_time.closed_at = day0 + hours(30);
    Handoff late;  // started day 0, never accepted: overdue on day 0 (accept) and day 1 (done)
    late.state = HandoffState::waiting;
    late.created_at = day0 + hours(9);
    late.deadlines.accept_by = day0 + hours(13);
    late.deadlines.done_by = day0 + hours(33);
    late.updated_at = late.created_at;
    Handoff declined;  // started day 1, declined in time on day 2
    declined.state = HandoffState::declined;
    declined.created_at = day0 + hours(30);
    declined.updated_at = day0 + hours(50);
    declined.deadlines.accept_by = day0 + hours(54);
    Handoff future;  // its accept deadline has not passed yet: not overdue
    future.state = HandoffState::waiting;
    future.created_at = day0 + hours(59);
    future.updated_at = future.created_at;
    future.deadlines.accept_by = day0 + hours(61);

    const auto days = build_series({on_time, late, declined, future}, day0, noon);
    ASSERT_EQ(days.size(), 3u);
    EXPECT_EQ(days[0].day, "2026-11-23");
    EXPECT_EQ(days[2].day, "2026-11-25");
    EXPECT_EQ(days[0].created, 2);
    EXPECT_EQ(days[1].created, 1);
    EXPECT_EQ(days[2].created, 1);
    EXPECT_EQ(days[1].done, 1);
    EXPECT_EQ(days[2].declined, 1);
    EXPECT_EQ(days[0].overdue, 1);
    EXPECT_EQ(days[1].overdue, 1);
    EXPECT_EQ(days[2].overdue, 0);
    EXPECT_EQ(days[0].done + days[2].done, 0);
}

TEST(Series, NothingBeforeFromOrAfterNowAndNoDaysWhenBackwards) {
    const TimePoint day0 = from_unix_ms(1795392000000);
    Handoff old;
    old.created_at = day0 - hours(1);
    const auto days = build_series({old}, day0, day0 + hours(1));
    ASSERT_EQ(days.size(), 1u);
    EXPECT_EQ(days[0].created, 0);
    EXPECT_TRUE(build_series({old}, day0, day0 - hours(1)).empty());
}

}  // namespace
}  // namespace baton::core
