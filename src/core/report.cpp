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

// Counts and times: everything but silent delay, which goes by hold.
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
}

std::optional<TimePoint> time_field(const nlohmann::json& data, const char* key) {
    if (!data.is_object() || !data.contains(key) || !data[key].is_string()) return std::nullopt;
    return parse_rfc3339(data[key].get<std::string>());
}

std::string text_field(const nlohmann::json& data, const char* key) {
    if (!data.is_object() || !data.contains(key) || !data[key].is_string()) return "";
    return data[key].get<std::string>();
}

Milliseconds silent(const Hold& hold, TimePoint end) {
    if (!hold.accept_by || end <= *hold.accept_by) return Milliseconds(0);
    return end - *hold.accept_by;
}

ReportRow finish(Samples& s) {
    s.row.accept_p50 = percentile(s.to_accept, 50);
    s.row.accept_p90 = percentile(s.to_accept, 90);
    s.row.done_p50 = percentile(s.to_done, 50);
    s.row.done_p90 = percentile(s.to_done, 90);
    return s.row;
}

std::string group_key(const Handoff& h, const std::string& holder, ReportBy by) {
    switch (by) {
        case ReportBy::playbook:
            return h.playbook_id;
        case ReportBy::owner:
            return holder;
        case ReportBy::giver:
            return h.giver;
        case ReportBy::edge:
            return h.giver + " → " + holder;
    }
    return h.playbook_id;
}

}  // namespace

const char* to_string(ReportBy by) {
    switch (by) {
        case ReportBy::playbook:
            return "playbook";
        case ReportBy::owner:
            return "owner";
        case ReportBy::giver:
            return "giver";
        case ReportBy::edge:
            return "edge";
    }
    return "playbook";
}

std::optional<ReportBy> parse_report_by(std::string_view text) {
    for (ReportBy by : {ReportBy::playbook, ReportBy::owner, ReportBy::giver, ReportBy::edge}) {
        if (text == to_string(by)) return by;
    }
    return std::nullopt;
}

std::vector<Hold> holds_of(const Handoff& h, TimePoint now) {
    std::vector<Hold> holds;
    holds.push_back(Hold{.holder = h.owner, .from = h.created_at});
    bool first_holder_known = false;
    for (const TimelineEntry& e : h.timeline) {
        Hold& current = holds.back();
        if (e.kind == "reassigned") {
            const std::string from = text_field(e.data, "from");
            // Before the first reassignment the holder is its `from`, not today's owner.
            if (!first_holder_known && !from.empty()) current.holder = from;
            first_holder_known = true;
            if (auto by = time_field(e.data, "from_accept_by")) current.accept_by = by;
            current.until = e.at;
            current.silent_delay = silent(current, current.accepted_at.value_or(e.at));
            holds.push_back(Hold{.holder = text_field(e.data, "to"), .from = e.at});
        } else if (e.kind == "accepted" && !current.accepted_at) {
            current.accepted_at = e.at;
        } else if (e.kind == "overdue" && !current.accept_by &&
                   text_field(e.data, "deadline") == "accept") {
            current.accept_by = e.at;
        }
    }
    // The last hold is the current owner's: its deadline, acceptance and end are the
    // handoff's own. Silence ends when someone accepts, when the handoff closes, or now.
    Hold& last = holds.back();
    last.holder = h.owner;
    last.accept_by = h.deadlines.accept_by;
    last.accepted_at = h.accepted_at;
    last.until = h.closed_at.value_or(now);
    last.silent_delay = silent(last, h.accepted_at.value_or(h.closed_at.value_or(now)));
    return holds;
}

std::vector<ReportRow> build_report(const std::vector<Handoff>& handoffs, ReportBy by,
                                    TimePoint now) {
    std::map<std::string, Samples> groups;
    Samples all;
    all.row.key = "all";
    const auto group = [&](const std::string& key) -> Samples& {
        Samples& s = groups[key];
        s.row.key = key;
        return s;
    };
    for (const auto& h : handoffs) {
        add(group(group_key(h, h.owner, by)), h, now);
        add(all, h, now);
        for (const Hold& hold : holds_of(h, now)) {
            // A hold without silence makes no row: a previous owner who passed it on in time
            // is not part of the answer.
            if (hold.silent_delay == Milliseconds(0)) continue;
            group(group_key(h, hold.holder, by)).row.silent_delay += hold.silent_delay;
            all.row.silent_delay += hold.silent_delay;
        }
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
