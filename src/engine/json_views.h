// JSON views of the domain: the one shape of a handoff, relay, report row and event that
// both the API and `baton --json` print (docs/api.md), and their inverses, which turn an
// API answer back into the same domain values (the CLI's remote mode prints those exactly
// as it prints local ones). Pure functions of their inputs.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "core/handoff.h"
#include "core/report.h"
#include "engine/engine.h"

namespace baton::engine {

nlohmann::json handoff_json(const core::Handoff& h, TimePoint now, bool with_timeline);
// What a list item holds. full: handoff_json(h, now, false). card: what the board's card
// shows — the same keys less data, done_definition, event, giver,
// playbook_version, and of each checklist item only `checked` and `n` (GET /v1/handoffs
// ?view=card, docs/api.md).
enum class HandoffView { full, card };
// Appends to `out` the text of the view: for full, byte for byte handoff_json(h, now,
// false).dump(). Written directly rather than through a JSON value: a page of the list holds
// up to 1,000 handoffs (5,000 cards), and building, printing and freeing their values was
// most of the page's CPU time (bench/README.md). Text that is not UTF-8 is written with
// U+FFFD, as core::dump_json() writes it: it never throws.
void append_handoff_json(std::string& out, const core::Handoff& h, TimePoint now,
                         HandoffView view = HandoffView::full);
nlohmann::json relay_json(const Relay& relay, TimePoint now);
nlohmann::json report_json(const std::vector<core::ReportRow>& rows);
nlohmann::json event_json(const store::EventRecord& record);
// The answer to one ingested event (POST /v1/events, /hooks, `baton emit --json`).
nlohmann::json ingest_result_json(const core::Event& e, const IngestResult& r);
// One outbox row as the board shows it: where it goes and how its delivery stands (never
// the payload). Without channels_connected (no channels.yaml is applied) a pending row says
// in `waiting_for` that its channel is not connected, so a message that waits for set-up
// does not look like a hang; else `waiting_for` is null.
nlohmann::json delivery_json(const store::OutboxRecord& row, bool channels_connected);

// One call of the /hooks delivery log (GET /v1/deliveries): with_content adds its method,
// URI, headers (credentials redacted) and body.
nlohmann::json hook_delivery_json(const store::HookDeliveryRecord& d, bool with_content);
// A dry run of a delivery (POST /v1/sources/{name}/test, `baton sources test --json`): per
// event, the event, `duplicate`, the handoffs it would start (each as handoff_json with its
// timeline, id 0) and the ticks it would make. delivery_test_from_json is its inverse.
nlohmann::json delivery_test_json(const DeliveryTest& test, TimePoint now);
Result<DeliveryTest> delivery_test_from_json(const nlohmann::json& j);

// The inverses. A value of the wrong shape (a missing field, a wrong type, a bad time) is
// corrupt, naming the field. Fields the views derive from `now` (overdue_to_accept,
// overdue_to_finish) are not read back: they are recomputed from the deadlines. What the
// views leave out stays at its default: a checklist item's `when`, a handoff's revision.
Result<core::Handoff> handoff_from_json(const nlohmann::json& j);
Result<Relay> relay_from_json(const nlohmann::json& j);
// The array that report_json makes (the "rows" of GET /v1/reports).
Result<std::vector<core::ReportRow>> report_rows_from_json(const nlohmann::json& j);
Result<store::EventRecord> event_record_from_json(const nlohmann::json& j);
// hook_delivery_json's inverse; without content when the JSON has no body.
Result<store::HookDeliveryRecord> hook_delivery_from_json(const nlohmann::json& j);

}  // namespace baton::engine
