// Event: a fact that happened, CloudEvents 1.0 shaped. `source` + `id` is the
// idempotency key: the same event twice changes nothing. A plain value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/time.h"

namespace baton::core {

struct Event {
    std::string id;
    std::string type;
    std::string source;
    TimePoint time{};
    std::optional<std::string> subject;
    nlohmann::json data = nlohmann::json::object();
};

// Checks an event against the limits and the CloudEvents rules Baton relies on: non-empty
// type, id and source within their byte limits, data an object nested at most
// limits::json_depth_max deep. Error::field names the field at fault.
Status validate_event(const Event& event);

// Reads an event from a JSON object: either a CloudEvent in structured mode
// ({specversion, type, id, source, time?, subject?, data}) or plain JSON
// ({type, id?, source?, subject?, time?, data?}). Missing id or source are filled from
// `default_id` and `default_source`; a missing time is `received_at`. Unknown top-level
// keys are refused unless they are CloudEvents extension attributes (lowercase a-z0-9).
Result<Event> event_from_json(const nlohmann::json& object, const std::string& default_id,
                              const std::string& default_source, TimePoint received_at);

nlohmann::json event_to_json(const Event& event);

// The depth of a JSON value (a scalar is 1); used to refuse deeply nested input.
std::size_t json_depth(const nlohmann::json& value);

// The deepest bracket nesting in JSON text, found by a scan that skips strings, so that
// input nested too deep is refused before it is parsed (and before anything recursive
// walks it).
std::size_t json_text_depth(std::string_view text);

// Parses JSON text within limits: at most `bytes_max` bytes and limits::json_depth_max
// levels. Errors say where: "invalid JSON at byte 17: …".
Result<nlohmann::json> parse_json_limited(std::string_view text, std::size_t bytes_max);

}  // namespace baton::core
