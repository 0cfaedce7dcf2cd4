// How the CLI shows handoffs, relays, reports and events: human tables and JSON documents.
// The JSON shapes are the API's (docs/api.md), so scripts can move between CLI and HTTP.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/handoff.h"
#include "core/report.h"
#include "engine/engine.h"
#include "engine/json_views.h"

namespace baton::cli {

using engine::event_json;
using engine::handoff_json;
using engine::relay_json;
using engine::report_json;

// A plain-text table: columns padded to their widest cell, text cells cut at `cell_max`.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows, std::size_t cell_max = 40);

std::string handoff_list_text(const std::vector<core::Handoff>& handoffs, TimePoint now);
std::string handoff_card_text(const core::Handoff& h, TimePoint now);
std::string relay_text(const engine::Relay& relay, TimePoint now);
std::string report_text(const std::vector<core::ReportRow>& rows, const std::string& by);

// "waiting 2 h past accept time", "accept within 3 h", "done by in 1 d 2 h", "on time".
std::string deadline_words(const core::Handoff& h, TimePoint now);

// A refusal of located problems (lint's, apply's, local or through a server: one
// "file:line:col: message" a line) with "N problems found" after them, so that every
// command that lints ends the same way. Any other error comes back as it was. The first
// counts the problem lines (every line but remote apply's note of what it stored).
Error with_problem_count(Error error);
Error with_problem_count(Error error, std::size_t count);

}  // namespace baton::cli
