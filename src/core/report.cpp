#include "core/report.h"

#include <algorithm>
#include <chrono>
#include <map>

namespace baton::core {

std::optional<Milliseconds> percentile(std::vector<Milliseconds> values, int p) {
    if (values.empty()) return std::nullopt;
    std::sort(values.begin(), values.end());
    // Nearest rank: the smallest value such that at least p% of values are <= it.
    std::size_t rank = (static_cast<std::size_t>(p) * values.size() + 99) / 100;
    rank = std::clamp<std::size_t>(rank, 1, values.size());
    return values[rank - 1];
}

namespace {

struct Samples {
    ReportRow row;
    std::vector<Milliseconds> to_accept;
    std::vector<Milliseconds> to_done;
};

void add(Samples& s, const Handoff& h, TimePoint now) {
    ReportRow& r = s.row;
    ++r.count;
    if (h.state == HandoffState::waiting || h.state == HandoffState::accepted) ++r.open;
    if (h.state == HandoffState::done) ++r.done;
    if (h.state == HandoffState::declined) ++r.declined;
    if (h.state == HandoffState::cancelled) ++r.cancelled;
    if (is_overdue(h, now)) ++r.overdue;
    if (h.accepted_at) {
        ++r.accepted;
        s.to_accept.push_back(*h.accepted_at - h.created_at);
    }
    if (h.state == HandoffState::done && h.closed_at) s.to_done.push_back(*h.closed_at - h.created_at);
    if (h.deadlines.accept_by) {
        // Silent delay ends when someone accepts, when the handoff closes, or now.
        TimePoint end = now;
        if (h.accepted_at) end = *h.accepted_at;
        else if (h.closed_at) end = *h.closed_at;
        if (end > *h.deadlines.accept_by) r.silent_delay += end - *h.deadlines.accept_by;
    }
}

ReportRow finish(Samples& s) {
    s.row.accept_p50 = percentile(s.to_accept, 50);
    s.row.accept_p90 = percentile(s.to_accept, 90);
    s.row.done_p50 = percentile(s.to_done, 50);
    s.row.done_p90 = percentile(s.to_done, 90);
    return s.row;
}

}  // namespace

std::vector<ReportRow> build_report(const std::vector<Handoff>& handoffs, ReportBy by,
                                    TimePoint now) {
    std::map<std::string, Samples> groups;
    Samples all;
    all.row.key = "all";
    for (const auto& h : handoffs) {
        const std::string& key = by == ReportBy::playbook ? h.playbook_id : h.owner;
        Samples& s = groups[key];
        s.row.key = key;
        add(s, h, now);
        add(all, h, now);
    }
    std::vector<ReportRow> rows;
    for (auto& [key, samples] : groups) rows.push_back(finish(samples));
    rows.push_back(finish(all));
    return rows;
}

std::vector<SeriesDay> build_series(const std::vector<Handoff>& handoffs, TimePoint from,
                                    TimePoint now) {
    using Days = std::chrono::duration<std::int64_t, std::ratio<86400>>;
    const auto day_of = [](TimePoint t) {
        return std::chrono::floor<Days>(t.time_since_epoch()).count();
    };
    std::vector<SeriesDay> out;
    if (now < from) return out;
    const std::int64_t first = day_of(from);
    const std::int64_t last = day_of(now);
    for (std::int64_t d = first; d <= last; ++d) {
        const TimePoint start{std::chrono::duration_cast<TimePoint::duration>(Days(d))};
        out.push_back({format_rfc3339(start).substr(0, 10), 0, 0, 0, 0});
    }
    const auto bump = [&](TimePoint t, int SeriesDay::*field) {
        if (t < from || t > now) return;
        out[static_cast<std::size_t>(day_of(t) - first)].*field += 1;
    };
    for (const Handoff& h : handoffs) {
        bump(h.created_at, &SeriesDay::created);
        if (h.closed_at && h.state == HandoffState::done) bump(*h.closed_at, &SeriesDay::done);
        // A decline does not close the handoff (someone must pick it up again); its last
        // change is the decline while it stays declined.
        if (h.state == HandoffState::declined) bump(h.updated_at, &SeriesDay::declined);
        // A deadline counts when it passed unmet, on the day it passed. Answering in time
        // (accepting, declining) or closing in time meets the accept deadline.
        if (const auto& by = h.deadlines.accept_by; by && *by <= now) {
            const bool met = (h.accepted_at && *h.accepted_at <= *by) ||
                             (h.state == HandoffState::declined && h.updated_at <= *by) ||
                             (h.closed_at && *h.closed_at <= *by);
            if (!met) bump(*by, &SeriesDay::overdue);
        }
        if (const auto& by = h.deadlines.done_by; by && *by <= now) {
            const bool finished = h.closed_at && *h.closed_at <= *by;
            if (!finished) bump(*by, &SeriesDay::overdue);
        }
    }
    return out;
}

}  // namespace baton::core
