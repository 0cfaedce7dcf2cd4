#include "core/event.h"

#include "core/limits.h"
#include "core/utf8.h"

#include <algorithm>

namespace baton::core {

namespace {

bool is_extension_name(const std::string& key) {
    if (key.empty() || key.size() > 20) return false;
    for (char c : key) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

Result<std::string> string_field(const nlohmann::json& object, const char* key,
                                 std::size_t max_bytes) {
    const auto& value = object.at(key);
    if (!value.is_string()) {
        return make_error(ErrorCode::invalid_argument, std::string(key) + " must be a string",
                          key);
    }
    auto text = value.get<std::string>();
    if (text.size() > max_bytes) {
        return make_error(ErrorCode::limit_exceeded,
                          std::string(key) + " is longer than " + std::to_string(max_bytes) +
                              " bytes",
                          key);
    }
    return text;
}

}  // namespace

std::size_t json_depth(const nlohmann::json& value) {
    if (value.is_object() || value.is_array()) {
        std::size_t deepest = 0;
        for (const auto& child : value) deepest = std::max(deepest, json_depth(child));
        return deepest + 1;
    }
    return 1;
}

std::size_t json_text_depth(std::string_view text) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

Result<nlohmann::json> parse_json_limited(std::string_view text, std::size_t bytes_max) {
    if (text.size() > bytes_max) {
        return make_error(ErrorCode::limit_exceeded, "the JSON is " + std::to_string(text.size()) +
                                                         " bytes; the limit is " +
                                                         std::to_string(bytes_max));
    }
    if (json_text_depth(text) > limits::json_depth_max) {
        return make_error(ErrorCode::limit_exceeded,
                          "the JSON is nested deeper than " +
                              std::to_string(limits::json_depth_max) + " levels");
    }
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 9:
        // …": keep the description after the position, and say where by byte offset. The
        // library's column is wrong on every line after the first (nlohmann/json 3.11
        // reports column 0 there), while its byte offset is right.
        std::string what = e.what();
        const auto colon = what.find(": ");
        if (colon != std::string::npos) what = what.substr(colon + 2);
        return make_error(ErrorCode::invalid_argument,
                          "invalid JSON at byte " + std::to_string(e.byte) + ": " + what);
    } catch (const nlohmann::json::exception& e) {
        // Well-formed JSON the library still refuses: a number too large for a double
        // ("1e999" is out_of_range.406, not a parse_error; found by fuzz/event_intake.cpp).
        std::string what = e.what();
        const auto bracket = what.find("] ");
        if (bracket != std::string::npos) what = what.substr(bracket + 2);
        return make_error(ErrorCode::invalid_argument, "invalid JSON: " + what);
    }
}

Status validate_event(const Event& event) {
    struct Check {
        const std::string& value;
        const char* field;
        std::size_t max;
    };
    for (const Check& c : {Check{event.type, "type", limits::event_type_bytes_max},
                           Check{event.id, "id", limits::event_id_bytes_max},
                           Check{event.source, "source", limits::event_source_bytes_max}}) {
        if (c.value.empty()) {
            return make_error(ErrorCode::invalid_argument,
                              std::string(c.field) + " must not be empty", c.field);
        }
        if (c.value.size() > c.max) {
            return make_error(ErrorCode::limit_exceeded,
                              std::string(c.field) + " is longer than " +
                                  std::to_string(c.max) + " bytes",
                              c.field);
        }
    }
    // JSON text is UTF-8 by the time it is parsed, but binary-mode CloudEvents carry their
    // attributes in HTTP headers, which may hold any byte: such an event could be stored but
    // never written out again as JSON (found by fuzz/event_intake.cpp).
    const std::pair<std::string_view, const char*> texts[] = {
        {event.type, "type"},
        {event.id, "id"},
        {event.source, "source"},
        {event.subject ? std::string_view(*event.subject) : std::string_view(), "subject"}};
    for (const auto& [text, field] : texts) {
        if (!is_utf8(text)) {
            return make_error(ErrorCode::invalid_argument,
                              std::string(field) + " must be UTF-8 text", field);
        }
    }
    for (char ch : event.type) {
        if (static_cast<unsigned char>(ch) < 0x21 || ch == 0x7f) {
            return make_error(ErrorCode::invalid_argument,
                              "type must not contain spaces or control characters", "type");
        }
    }
    if (event.subject && event.subject->size() > limits::event_subject_bytes_max) {
        return make_error(ErrorCode::limit_exceeded,
                          "subject is longer than " +
                              std::to_string(limits::event_subject_bytes_max) + " bytes",
                          "subject");
    }
    if (!event.data.is_object()) {
        return make_error(ErrorCode::invalid_argument, "data must be a JSON object", "data");
    }
    if (json_depth(event.data) > limits::json_depth_max) {
        return make_error(ErrorCode::limit_exceeded,
                          "data is nested deeper than " +
                              std::to_string(limits::json_depth_max) + " levels",
                          "data");
    }
    return ok_status();
}

Result<Event> event_from_json(const nlohmann::json& object, const std::string& default_id,
                              const std::string& default_source, TimePoint received_at) {
    if (!object.is_object()) {
        return make_error(ErrorCode::invalid_argument, "an event must be a JSON object");
    }
    const bool cloud_event = object.contains("specversion");
    static const char* const known[] = {"specversion", "type",    "id",   "source",
                                        "subject",     "time",    "data", "datacontenttype",
                                        "dataschema"};
    for (const auto& [key, value] : object.items()) {
        bool is_known = false;
        for (const char* k : known) is_known = is_known || key == k;
        if (!is_known && !(cloud_event && is_extension_name(key))) {
            return make_error(ErrorCode::invalid_argument, "unknown field `" + key + "`", key);
        }
    }
    if (cloud_event && object.at("specversion") != "1.0") {
        return make_error(ErrorCode::invalid_argument, "specversion must be \"1.0\"",
                          "specversion");
    }
    Event event;
    if (!object.contains("type")) {
        return make_error(ErrorCode::invalid_argument, "type is required", "type");
    }
    auto type = string_field(object, "type", limits::event_type_bytes_max);
    if (!type) return type.error();
    event.type = std::move(type).value();
    if (object.contains("id")) {
        auto id = string_field(object, "id", limits::event_id_bytes_max);
        if (!id) return id.error();
        event.id = std::move(id).value();
    } else if (cloud_event) {
        return make_error(ErrorCode::invalid_argument, "id is required for a CloudEvent", "id");
    } else {
        event.id = default_id;
    }
    if (object.contains("source")) {
        auto source = string_field(object, "source", limits::event_source_bytes_max);
        if (!source) return source.error();
        event.source = std::move(source).value();
    } else if (cloud_event) {
        return make_error(ErrorCode::invalid_argument, "source is required for a CloudEvent",
                          "source");
    } else {
        event.source = default_source;
    }
    if (object.contains("subject") && !object.at("subject").is_null()) {
        auto subject = string_field(object, "subject", limits::event_subject_bytes_max);
        if (!subject) return subject.error();
        event.subject = std::move(subject).value();
    }
    event.time = received_at;
    if (object.contains("time") && !object.at("time").is_null()) {
        auto text = string_field(object, "time", 64);
        if (!text) return text.error();
        auto parsed = parse_rfc3339(*text);
        if (!parsed) {
            return make_error(ErrorCode::invalid_argument,
                              "time must be an RFC 3339 timestamp such as "
                              "2026-11-23T09:30:00Z",
                              "time");
        }
        event.time = *parsed;
    }
    if (object.contains("data") && !object.at("data").is_null()) {
        event.data = object.at("data");
    }
    if (auto status = validate_event(event); !status) return status.error();
    return event;
}

nlohmann::json event_to_json(const Event& event) {
    nlohmann::json out = {{"specversion", "1.0"},
                          {"id", event.id},
                          {"type", event.type},
                          {"source", event.source},
                          {"time", format_rfc3339(event.time)},
                          {"data", event.data}};
    if (event.subject) out["subject"] = *event.subject;
    return out;
}

}  // namespace baton::core
