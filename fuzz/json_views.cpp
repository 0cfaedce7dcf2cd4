// Fuzzes stored data into every JSON view (issue 22): the input's lines become the string
// fields of a handoff (with a checklist item and a timeline entry), an event record and an
// outbox row — arbitrary bytes, as an old database or a row written by an older binary
// could hold — which go through handoff_json, append_handoff_json (full and card),
// relay_json, event_json, delivery_json and report_json, and out through core::dump_json.
// Properties: nothing throws; every text written is JSON (so UTF-8); append_handoff_json's
// full view is byte for byte dump_json(handoff_json(…, false)); text that was UTF-8 reads
// back unchanged, and text that was not reads back as utf8_repaired of it; utf8_repaired
// is UTF-8 and leaves UTF-8 as it is.
#include <string>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "engine/json_views.h"
#include "fuzz_support.h"

using namespace baton;

namespace {

constexpr std::size_t fields = 20;

std::string line(const std::vector<std::string_view>& lines, std::size_t i) {
    return i < lines.size() ? std::string(lines[i]) : std::string();
}

void check_utf8_helpers(const std::string& text) {
    const std::string repaired = core::utf8_repaired(text);
    FUZZ_CHECK(core::is_utf8(repaired), "utf8_repaired is UTF-8");
    FUZZ_CHECK(core::is_utf8(text) == (repaired == text), "repair changes only what is bad");
    const auto bad = core::utf8_invalid_at(text);
    FUZZ_CHECK(!bad || *bad < text.size(), "the bad byte is inside the text");
    if (bad) {
        FUZZ_CHECK(core::is_utf8(text.substr(0, *bad)), "all before the bad byte is UTF-8");
        const auto p = core::text_position(text, *bad);
        FUZZ_CHECK(p.line >= 1 && p.column >= 1, "positions count from 1");
    }
}

// What a view must write: JSON whose string holds `text` as dump_json writes it.
std::string written(const std::string& text) {
    return nlohmann::json::parse(core::dump_json(text)).get<std::string>();
}

std::string dumped_checked(const nlohmann::json& value, const char* what) {
    const std::string text = core::dump_json(value);
    FUZZ_CHECK(nlohmann::json::accept(text), std::string(what) + " is JSON");
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto lines = fuzz::split_lines(fuzz::as_text(data, size), fields);
    for (const auto& l : lines) check_utf8_helpers(std::string(l));

    core::Handoff h;
    h.id = 7;
    h.playbook_id = line(lines, 0);
    h.playbook_version = 2;
    h.title = line(lines, 1);
    h.subject = line(lines, 2);
    h.giver = line(lines, 3);
    h.owner = line(lines, 4);
    h.pending_from = line(lines, 5);
    h.done_definition = line(lines, 6);
    h.event_source = line(lines, 7);
    h.event_id = line(lines, 8);
    h.created_at = from_unix_ms(1795426200000);
    h.updated_at = h.created_at;
    h.deadlines.accept_by = h.created_at;
    h.data = {{"company", line(lines, 9)}, {line(lines, 10), {1, line(lines, 11)}}};
    h.checklist.push_back({.number = 1,
                           .text = line(lines, 12),
                           .checked = size % 2 == 0,
                           .checked_by = line(lines, 13),
                           .checked_at = h.created_at,
                           .when = std::nullopt});
    h.timeline.push_back({.at = h.created_at,
                          .actor = line(lines, 14),
                          .kind = line(lines, 15),
                          .text = line(lines, 16),
                          .data = {{"note", line(lines, 17)}}});
    const TimePoint now = h.created_at + std::chrono::hours(5);

    const std::string full = dumped_checked(engine::handoff_json(h, now, false), "handoff_json");
    dumped_checked(engine::handoff_json(h, now, true), "handoff_json with its timeline");
    std::string appended;
    engine::append_handoff_json(appended, h, now, engine::HandoffView::full);
    FUZZ_CHECK(appended == full, "append_handoff_json is dump_json(handoff_json)");
    std::string card;
    engine::append_handoff_json(card, h, now, engine::HandoffView::card);
    FUZZ_CHECK(nlohmann::json::accept(card), "the card is JSON");
    const auto read = nlohmann::json::parse(full);
    FUZZ_CHECK(read["title"] == written(h.title), "the title is its repaired text");
    FUZZ_CHECK(written(h.subject) == core::utf8_repaired(h.subject),
               "dump_json writes utf8_repaired");
    if (core::is_utf8(h.subject)) FUZZ_CHECK(read["subject"] == h.subject, "UTF-8 kept");

    engine::Relay relay{.subject = h.subject, .legs = {{.handoff = h}}, .current = 0};
    dumped_checked(engine::relay_json(relay, now), "relay_json");

    store::EventRecord event;
    event.seq = 3;
    event.event.id = line(lines, 8);
    event.event.type = line(lines, 18);
    event.event.source = line(lines, 7);
    event.event.subject = line(lines, 2);
    event.event.time = h.created_at;
    event.event.data = h.data;
    event.received_at = h.created_at;
    dumped_checked(engine::event_json(event), "event_json");

    store::OutboxRecord row;
    row.id = 1;
    row.handoff_id = h.id;
    row.channel = line(lines, 18);
    row.target = line(lines, 19);
    row.status = line(lines, 15);
    row.last_error = line(lines, 16);
    dumped_checked(engine::delivery_json(row, h.id % 2 == 0), "delivery_json");

    core::ReportRow report;
    report.key = line(lines, 4);
    dumped_checked(engine::report_json({report}), "report_json");
    return 0;
}
