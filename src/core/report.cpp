#include "core/report.h"

#include <algorithm>
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

}  // namespace baton::core
