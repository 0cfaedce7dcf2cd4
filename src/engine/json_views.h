// JSON views of the domain: the one shape of a handoff, relay, report row and event that
// both the API and `baton --json` print (docs/api.md). Pure functions of their inputs.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "core/handoff.h"
#include "core/report.h"
#include "engine/engine.h"

namespace baton::engine {

nlohmann::json handoff_json(const core::Handoff& h, TimePoint now, bool with_timeline);
nlohmann::json relay_json(const Relay& relay, TimePoint now);
nlohmann::json report_json(const std::vector<core::ReportRow>& rows);
nlohmann::json event_json(const store::EventRecord& record);

}  // namespace baton::engine
