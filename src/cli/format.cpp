#include "cli/format.h"

#include <algorithm>
#include <cctype>

namespace baton::cli {

namespace {

std::string optional_span(const std::optional<Milliseconds>& v) {
    return v ? format_span(*v) : "-";
}

// Cuts at a UTF-8 character boundary so a table never shows half a character.
std::string cut(const std::string& s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t end = max - 1;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return s.substr(0, end) + "…";
}

std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::vector<std::string> flags_of(const core::Handoff& h, TimePoint now) {
    std::vector<std::string> flags;
    if (core::is_overdue_to_accept(h, now)) flags.push_back("overdue-to-accept");
    if (core::is_overdue_to_finish(h, now)) flags.push_back("overdue-to-finish");
    if (h.escalation_level > 0) flags.push_back("escalated-" + std::to_string(h.escalation_level));
    if (h.unowned) flags.push_back("unowned");
    if (!h.pending_from.empty()) flags.push_back("reassigned-from-" + h.pending_from);
    return flags;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

}  // namespace

std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows, std::size_t cell_max) {
    std::vector<std::vector<std::string>> cells;
    cells.push_back(header);
    for (const auto& r : rows) {
        std::vector<std::string> row;
        // The last column is never cut: nothing is aligned after it, and a list's FLAGS
        // were shown as "…,esc…".
        for (std::size_t i = 0; i < r.size(); ++i) {
            row.push_back(i + 1 == r.size() ? r[i] : cut(r[i], cell_max));
        }
        cells.push_back(std::move(row));
    }
    std::vector<std::size_t> widths(header.size(), 0);
    for (const auto& r : cells) {
        for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(r[i]));
        }
    }
    std::string out;
    for (const auto& r : cells) {
        std::string line;
        for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(widths[i] - display_width(r[i]) + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string deadline_words(const core::Handoff& h, TimePoint now) {
    using core::HandoffState;
    if (h.state == HandoffState::waiting && h.deadlines.accept_by) {
        const auto delta = *h.deadlines.accept_by - now;
        return delta < Milliseconds(0) ? "waiting " + format_span(-delta) + " past accept time"
                                       : "accept within " + format_span(delta);
    }
    if ((h.state == HandoffState::waiting || h.state == HandoffState::accepted) &&
        h.deadlines.done_by) {
        const auto delta = *h.deadlines.done_by - now;
        return delta < Milliseconds(0) ? format_span(-delta) + " past done time"
                                       : "done within " + format_span(delta);
    }
    if (h.state == HandoffState::declined) return "declined: back with " + h.giver;
    return "-";
}

std::string handoff_list_text(const std::vector<core::Handoff>& handoffs, TimePoint now) {
    if (handoffs.empty()) return "No handoffs match.\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& h : handoffs) {
        const int done = static_cast<int>(h.checklist.size()) - core::open_checklist_items(h);
        rows.push_back({std::to_string(h.id), core::to_string(h.state), h.owner, h.subject,
                        h.playbook_id, format_span(now - h.created_at),
                        std::to_string(done) + "/" + std::to_string(h.checklist.size()),
                        deadline_words(h, now), join(flags_of(h, now), ",")});
    }
    return table({"ID", "STATE", "OWNER", "SUBJECT", "PLAYBOOK", "HELD", "CHECKLIST",
                  "DEADLINE", "FLAGS"},
                 rows);
}

std::string handoff_card_text(const core::Handoff& h, TimePoint now) {
    std::string out;
    out += "Handoff " + std::to_string(h.id) + ": " + h.title + " — " + h.subject + "\n";
    out += "  State:    " + std::string(core::to_string(h.state)) + "\n";
    out += "  Giver:    " + h.giver + "\n";
    out += "  Owner:    " + h.owner + (h.unowned ? " (unowned: landed here)" : "") +
           (h.pending_from.empty() ? "" : " (must accept; " + h.pending_from +
                                              " stays accountable until then)") +
           "\n";
    out += "  Done:     " + h.done_definition + "\n";
    if (h.deadlines.accept_by) out += "  Accept by " + format_rfc3339(*h.deadlines.accept_by) + "\n";
    if (h.deadlines.done_by) out += "  Done by   " + format_rfc3339(*h.deadlines.done_by) + "\n";
    out += "  Deadline: " + deadline_words(h, now) + "\n";
    const auto flags = flags_of(h, now);
    if (!flags.empty()) out += "  Flags:    " + join(flags, ", ") + "\n";
    out += "  Playbook: " + h.playbook_id + " (version " + std::to_string(h.playbook_version) +
           "), from event " + h.event_source + " " + h.event_id + "\n";
    if (!h.checklist.empty()) {
        out += "\nChecklist:\n";
        for (const auto& item : h.checklist) {
            out += "  " + std::to_string(item.number) + ". [" + (item.checked ? "x" : " ") +
                   "] " + item.text +
                   (item.checked ? "  (" + item.checked_by + ")" : std::string()) + "\n";
        }
    }
    if (!h.timeline.empty()) {
        out += "\nTimeline:\n";
        for (const auto& e : h.timeline) {
            out += "  " + format_rfc3339(e.at) + "  " + e.actor + "  " + e.text + "\n";
        }
    }
    return out;
}

std::string relay_text(const engine::Relay& relay, TimePoint now) {
    std::string out = "Relay for " + relay.subject + ":\n";
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < relay.legs.size(); ++i) {
        const auto& h = relay.legs[i].handoff;
        rows.push_back({relay.current == i ? "→" : "", std::to_string(h.id), h.playbook_id,
                        h.giver + " → " + h.owner, core::to_string(h.state),
                        format_span(relay.legs[i].held), deadline_words(h, now)});
    }
    out += table({"", "ID", "PLAYBOOK", "HANDOFF", "STATE", "HELD", "DEADLINE"}, rows);
    if (relay.current) {
        const auto& leg = relay.legs[*relay.current];
        out += "The baton is with " + leg.handoff.owner + " (handoff " +
               std::to_string(leg.handoff.id) + ", " + core::to_string(leg.handoff.state) +
               ", held " + format_span(leg.held) + ").\n";
    } else {
        out += "Nobody holds the baton: every leg is closed.\n";
    }
    return out;
}

std::string report_text(const std::vector<core::ReportRow>& rows, const std::string& by) {
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : rows) {
        cells.push_back({r.key, std::to_string(r.count), std::to_string(r.open),
                         std::to_string(r.done), std::to_string(r.overdue),
                         std::to_string(r.declined), std::to_string(r.cancelled),
                         optional_span(r.accept_p50), optional_span(r.accept_p90),
                         optional_span(r.done_p50), optional_span(r.done_p90),
                         format_span(r.silent_delay)});
    }
    std::string key = by;  // PLAYBOOK, OWNER, GIVER or EDGE
    for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return table({key, "COUNT", "OPEN", "DONE", "OVERDUE", "DECLINED", "CANCELLED",
                  "ACCEPT P50", "ACCEPT P90", "DONE P50", "DONE P90", "SILENT DELAY"},
                 cells);
}

Error with_problem_count(Error error, std::size_t count) {
    if (error.code != ErrorCode::invalid_argument || count == 0) return error;
    error.message += "\n" + std::to_string(count) + " problem" + (count == 1 ? "" : "s") +
                     " found";
    return error;
}

Error with_problem_count(Error error) {
    std::size_t count = 0;
    std::size_t start = 0;
    const std::string& m = error.message;
    while (start < m.size()) {
        auto end = m.find('\n', start);
        if (end == std::string::npos) end = m.size();
        const std::string_view line(m.data() + start, end - start);
        if (line.find(": ") != std::string_view::npos &&
            line.rfind("remote apply stores", 0) != 0) {
            ++count;
        }
        start = end + 1;
    }
    return with_problem_count(std::move(error), count);
}

}  // namespace baton::cli
