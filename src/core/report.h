// Report arithmetic: where do handoffs leak? Per playbook or per owner: how many, how fast
// they were accepted and finished (median and p90), how many are overdue, declined or
// cancelled, and the hours of silent delay — time handoffs sat past their accept deadline
// without being accepted. Pure: the shell passes the handoffs and `now`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/handoff.h"

namespace baton::core {

enum class ReportBy { playbook, owner };

struct ReportRow {
    std::string key;  // the playbook id or the owner handle
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

// Rows sorted by key, then a last row with key "all" for the totals.
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
