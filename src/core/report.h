// Report arithmetic: where do handoffs leak? Per playbook, owner, giver or edge (giver →
// owner): how many, how fast they were accepted and finished (median and p90), how many are
// overdue, declined or cancelled, and the hours of silent delay — time handoffs sat past
// their accept deadline without being accepted, charged to whoever held them then. Pure:
// the shell passes the handoffs (with their timelines, for who held them when) and `now`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/handoff.h"

namespace baton::core {

enum class ReportBy { playbook, owner, giver, edge };
const char* to_string(ReportBy by);
std::optional<ReportBy> parse_report_by(std::string_view text);

struct ReportRow {
    std::string key;  // the playbook id, the owner or giver handle, or "giver → owner"
    int count = 0;
    int open = 0;  // waiting or accepted
    int accepted = 0;  // ever accepted
    int done = 0;
    int declined = 0;  // still declined: nobody has picked it up again
    int cancelled = 0;
    int overdue = 0;   // open and past a deadline at `now`
    std::optional<Milliseconds> accept_p50, accept_p90;  // created → accepted
    std::optional<Milliseconds> done_p50, done_p90;      // created → done
    Milliseconds silent_delay{0};
};

// One person's hold of a handoff: from when it was handed to them until it was handed on
// (reassigned), or until `now` for the one who holds it now.
struct Hold {
    std::string holder;
    TimePoint from{};
    TimePoint until{};
    // The accept deadline of this hold, and when its holder accepted, if they did.
    std::optional<TimePoint> accept_by{};
    std::optional<TimePoint> accepted_at{};
    Milliseconds silent_delay{0};  // past accept_by, not accepted, while they held it
};

// The holds of a handoff, oldest first, from its timeline's `reassigned` entries (their
// `from`, `to` and `from_accept_by`; an entry without `from_accept_by` uses the hold's
// `overdue` entry for the accept deadline, as the scheduler wrote it when that passed). A
// handoff without a timeline (not loaded) has one hold, its owner's. The last hold ends
// its silence when the handoff is accepted or closed, as the handoff's own fields say.
std::vector<Hold> holds_of(const Handoff& handoff, TimePoint now);

// Rows sorted by key, then a last row with key "all" for the totals. Counts and times go to
// the handoff's group (its current owner, for owner and edge); silent delay goes to each
// hold's group (the holder, or giver → holder), so a previous owner who sat on a handoff
// has a row even when they own none of them now.
std::vector<ReportRow> build_report(const std::vector<Handoff>& handoffs, ReportBy by,
                                    TimePoint now);

// Handoffs over time, one row per UTC day from the day of `from` to the day of `now`:
// started, done and declined that day (a handoff still declined, on the day of its last
// change), and how many went overdue that day (an accept or done deadline that passed
// unmet: not answered, or not finished, by then). A handoff counts once per deadline it
// missed. Only handoffs passed in count: the caller picks them (those started since `from`).
struct SeriesDay {
    std::string day;  // "2026-11-24"
    int created = 0;
    int done = 0;
    int declined = 0;
    int overdue = 0;
};
std::vector<SeriesDay> build_series(const std::vector<Handoff>& handoffs, TimePoint from,
                                    TimePoint now);

// The nearest-rank percentile (p in 0..100) of unsorted values; nullopt when empty.
std::optional<Milliseconds> percentile(std::vector<Milliseconds> values, int p);

}  // namespace baton::core
