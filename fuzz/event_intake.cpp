// Fuzzes the parsing behind POST /v1/events (src/http/api_events.cpp), which calls
// core::parse_json_limited and core::event_from_json. The input is either
//   - a JSON body: a CloudEvent in structured mode, plain JSON, or a batch (an array), or
//   - a binary-mode CloudEvent: "ce-<attribute>: value" lines, an empty line, and the
//     data as the body — assembled into an object the way api_events.cpp's binary_mode does.
// Properties: an accepted event passes validate_event; it can be written as JSON (the
// API answers with its id, type and source); event_to_json → event_from_json gives the
// same event back, whatever defaults are offered the second time; a parsed body is no
// deeper than the pre-parse scan says.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event.h"
#include "core/limits.h"
#include "fuzz_support.h"

using namespace baton;

namespace {

const TimePoint received_at = from_unix_ms(1'790'000'000'000);

void check_event(const core::Event& event) {
    FUZZ_CHECK(core::validate_event(event).ok(), "an accepted event is valid");
    nlohmann::json written = core::event_to_json(event);
    std::string text;
    try {
        text = written.dump();
    } catch (const nlohmann::json::exception& e) {
        FUZZ_CHECK(false, std::string("an accepted event cannot be written as JSON: ") +
                              e.what());
    }
    auto back = core::event_from_json(written, "another-id", "another-source",
                                      from_unix_ms(0));
    FUZZ_CHECK(back.ok(), "event_to_json of an accepted event is accepted: " + text);
    FUZZ_CHECK(back->id == event.id && back->type == event.type &&
                   back->source == event.source && back->subject == event.subject,
               "the attributes survive a round trip: " + text);
    FUZZ_CHECK(back->time == event.time, "the time survives a round trip: " + text);
    FUZZ_CHECK(back->data == event.data, "the data survives a round trip: " + text);
}

void binary_mode(const fuzz::Message& message) {
    nlohmann::json object = {{"specversion", ""}};
    for (const auto& header : message.headers) {
        if (header.name.rfind("ce-", 0) != 0) continue;
        object[header.name.substr(3)] = header.value;
    }
    if (!message.body.empty()) {
        auto data = core::parse_json_limited(message.body, limits::event_bytes_max);
        if (!data) return;
        object["data"] = std::move(data).value();
    } else {
        object["data"] = nlohmann::json::object();
    }
    auto event = core::event_from_json(object, "", "", received_at);
    if (event) check_event(*event);
}

void body_mode(std::string_view body) {
    auto parsed = core::parse_json_limited(body, limits::event_bytes_max);
    if (!parsed) return;
    FUZZ_CHECK(core::json_depth(*parsed) <= core::json_text_depth(body) + 1,
               "the pre-parse depth scan does not under-count");
    std::vector<nlohmann::json> items;
    if (parsed->is_array()) {
        for (auto& item : *parsed) items.push_back(std::move(item));
    } else {
        items.push_back(std::move(parsed).value());
    }
    for (const auto& item : items) {
        auto event = core::event_from_json(item, "api-generated", "api", received_at);
        if (!event) continue;
        if (!item.contains("id")) FUZZ_CHECK(event->id == "api-generated", "default id");
        if (!item.contains("source")) FUZZ_CHECK(event->source == "api", "default source");
        check_event(*event);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    if (text.rfind("ce-", 0) == 0) {
        binary_mode(fuzz::parse_message(text));
    } else {
        body_mode(text);
    }
    return 0;
}
