// Events: reading plain JSON and CloudEvents (structured mode) into an Event, the rules and
// byte limits each field must meet, and the JSON depth and size guards that run before
// anything recursive touches untrusted input.
#include "core/event.h"

#include <gtest/gtest.h>

#include <string>

#include "core/limits.h"

namespace baton::core {
namespace {

using nlohmann::json;

const TimePoint received = from_unix_ms(1795426200000);  // 2026-11-23T09:30:00Z

Result<Event> read(const json& object) {
    return event_from_json(object, "default-id", "default-source", received);
}

// `[[[…]]]`: `levels` nested arrays around a 1.
std::string nested_arrays(std::size_t levels) {
    return std::string(levels, '[') + "1" + std::string(levels, ']');
}

json nested_objects(std::size_t levels) {
    json value = 1;
    for (std::size_t i = 0; i < levels; ++i) value = json{{"a", value}};
    return value;
}

// ---------------------------------------------------------------------------------------
// Plain JSON

TEST(EventFromJson, PlainJsonTakesDefaultsForIdSourceAndTime) {
    const auto event = read({{"type", "deal.won"}, {"data", {{"amount", 1500}}}});
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->type, "deal.won");
    EXPECT_EQ(event->id, "default-id");
    EXPECT_EQ(event->source, "default-source");
    EXPECT_EQ(event->time, received);
    EXPECT_FALSE(event->subject.has_value());
    EXPECT_EQ(event->data, (json{{"amount", 1500}}));
}

TEST(EventFromJson, PlainJsonKeepsEveryFieldItIsGiven) {
    const auto event = read({{"type", "deal.won"},
                             {"id", "evt-1"},
                             {"source", "crm"},
                             {"subject", "Acme"},
                             {"time", "2026-11-23T10:30:00+01:00"},
                             {"data", {{"company", "Acme"}, {"nested", {{"x", true}}}}}});
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->id, "evt-1");
    EXPECT_EQ(event->source, "crm");
    ASSERT_TRUE(event->subject.has_value());
    EXPECT_EQ(*event->subject, "Acme");
    EXPECT_EQ(event->time, received);  // the same instant, written with an offset
    EXPECT_EQ(event->data["nested"]["x"], true);
}

TEST(EventFromJson, MissingOrNullDataIsAnEmptyObject) {
    for (const json& object : {json{{"type", "a.b"}}, json{{"type", "a.b"}, {"data", nullptr}}}) {
        SCOPED_TRACE(object.dump());
        const auto event = read(object);
        ASSERT_TRUE(event.ok()) << event.error().message;
        EXPECT_TRUE(event->data.is_object());
        EXPECT_TRUE(event->data.empty());
    }
}

TEST(EventFromJson, NullSubjectAndTimeAreAbsent) {
    const auto event = read({{"type", "a.b"}, {"subject", nullptr}, {"time", nullptr}});
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_FALSE(event->subject.has_value());
    EXPECT_EQ(event->time, received);
}

TEST(EventFromJson, PlainJsonRefusesUnknownFields) {
    // Extension-shaped names are CloudEvents attributes; plain JSON has none.
    for (const char* key : {"amount", "traceparent", "Data", "data_2"}) {
        SCOPED_TRACE(key);
        const auto event = read({{"type", "a.b"}, {key, 1}});
        ASSERT_FALSE(event.ok());
        EXPECT_EQ(event.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(event.error().field, key);
        EXPECT_EQ(event.error().message, std::string("unknown field `") + key + "`");
    }
}

TEST(EventFromJson, RefusesWhatIsNotAnObject) {
    for (const json& value : {json::array({1, 2}), json("deal.won"), json(42), json(nullptr)}) {
        SCOPED_TRACE(value.dump());
        const auto event = read(value);
        ASSERT_FALSE(event.ok());
        EXPECT_EQ(event.error().code, ErrorCode::invalid_argument);
    }
}

TEST(EventFromJson, RefusesBadFieldValues) {
    struct Case {
        json object;
        std::string field;
    };
    const Case cases[] = {
        {json{{"data", json::object()}}, "type"},  // no type
        {json{{"type", 42}}, "type"},              // not a string
        {json{{"type", ""}}, "type"},              // empty
        {json{{"type", "deal won"}}, "type"},      // a space
        {json{{"type", "deal\twon"}}, "type"},     // a control character
        {json{{"type", "a.b"}, {"id", 7}}, "id"},
        {json{{"type", "a.b"}, {"id", ""}}, "id"},
        {json{{"type", "a.b"}, {"source", json::array()}}, "source"},
        {json{{"type", "a.b"}, {"source", ""}}, "source"},
        {json{{"type", "a.b"}, {"subject", 3}}, "subject"},
        {json{{"type", "a.b"}, {"time", "yesterday"}}, "time"},
        {json{{"type", "a.b"}, {"time", "2026-11-23T09:30:00"}}, "time"},  // no zone
        {json{{"type", "a.b"}, {"time", 1795426200}}, "time"},
        {json{{"type", "a.b"}, {"data", json::array({1})}}, "data"},
        {json{{"type", "a.b"}, {"data", "text"}}, "data"},
        {json{{"type", "a.b"}, {"data", 5}}, "data"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.object.dump());
        const auto event = read(c.object);
        ASSERT_FALSE(event.ok());
        EXPECT_EQ(event.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(event.error().field, c.field);
    }
}

TEST(EventFromJson, EachFieldOneByteOverItsLimitIsLimitExceeded) {
    struct Case {
        const char* field;
        std::size_t limit;
    };
    const Case cases[] = {
        {"type", limits::event_type_bytes_max},
        {"id", limits::event_id_bytes_max},
        {"source", limits::event_source_bytes_max},
        {"subject", limits::event_subject_bytes_max},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.field);
        for (bool cloud_event : {false, true}) {
            json at_limit = {{"type", "a.b"}, {"id", "1"}, {"source", "s"}};
            if (cloud_event) at_limit["specversion"] = "1.0";
            at_limit[c.field] = std::string(c.limit, 'x');
            const auto fits = read(at_limit);
            EXPECT_TRUE(fits.ok()) << fits.error().message;

            json over = at_limit;
            over[c.field] = std::string(c.limit + 1, 'x');
            const auto refused = read(over);
            ASSERT_FALSE(refused.ok());
            EXPECT_EQ(refused.error().code, ErrorCode::limit_exceeded);
            EXPECT_EQ(refused.error().field, c.field);
            EXPECT_NE(refused.error().message.find(std::to_string(c.limit)), std::string::npos)
                << refused.error().message;
        }
    }
}

TEST(EventFromJson, DataNestedOneLevelTooDeepIsLimitExceeded) {
    // json_depth counts the scalar at the bottom: `levels` objects around a 1 is levels+1.
    const auto fits = read({{"type", "a.b"}, {"data", nested_objects(limits::json_depth_max - 1)}});
    EXPECT_TRUE(fits.ok()) << fits.error().message;
    const auto refused = read({{"type", "a.b"}, {"data", nested_objects(limits::json_depth_max)}});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::limit_exceeded);
    EXPECT_EQ(refused.error().field, "data");
}

// ---------------------------------------------------------------------------------------
// CloudEvents, structured mode

json cloud_event() {
    return {{"specversion", "1.0"},
            {"type", "deal.won"},
            {"id", "A234-1234-1234"},
            {"source", "https://crm.example.com"},
            {"time", "2026-11-23T09:00:00Z"},
            {"subject", "Acme"},
            {"datacontenttype", "application/json"},
            {"dataschema", "https://example.com/deal.json"},
            {"data", {{"amount", 1500}}}};
}

TEST(EventFromJson, CloudEventReadsEveryAttribute) {
    const auto event = read(cloud_event());
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->id, "A234-1234-1234");
    EXPECT_EQ(event->source, "https://crm.example.com");
    EXPECT_EQ(event->type, "deal.won");
    EXPECT_EQ(format_rfc3339(event->time), "2026-11-23T09:00:00.000Z");
    EXPECT_EQ(event->subject, std::optional<std::string>("Acme"));
    EXPECT_EQ(event->data, (json{{"amount", 1500}}));
}

TEST(EventFromJson, CloudEventWithoutTimeIsStampedOnReceipt) {
    json object = cloud_event();
    object.erase("time");
    const auto event = read(object);
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->time, received);
}

TEST(EventFromJson, CloudEventNeedsItsOwnIdAndSource) {
    for (const char* field : {"id", "source"}) {
        SCOPED_TRACE(field);
        json object = cloud_event();
        object.erase(field);
        const auto event = read(object);
        ASSERT_FALSE(event.ok());
        EXPECT_EQ(event.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(event.error().field, field);
    }
}

TEST(EventFromJson, CloudEventAllowsExtensionAttributes) {
    json object = cloud_event();
    object["traceparent"] = "00-abc-def-01";
    object["partitionkey"] = "p1";
    object["x2"] = 7;
    object[std::string(20, 'e')] = "twenty characters, the longest name allowed";
    const auto event = read(object);
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->type, "deal.won");
}

TEST(EventFromJson, CloudEventRefusesWhatCannotBeAnExtensionName) {
    for (const std::string& key : {std::string("traceParent"), std::string("trace_parent"),
                                   std::string("trace-parent"), std::string(21, 'e')}) {
        SCOPED_TRACE(key);
        json object = cloud_event();
        object[key] = "x";
        const auto event = read(object);
        ASSERT_FALSE(event.ok());
        EXPECT_EQ(event.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(event.error().field, key);
    }
}

TEST(EventFromJson, SpecversionMustBeOnePointZero) {
    for (const json& version : {json("0.3"), json("1.1"), json("1"), json(1.0), json(nullptr)}) {
        SCOPED_TRACE(version.dump());
        json object = cloud_event();
        object["specversion"] = version;
        const auto event = read(object);
        ASSERT_FALSE(event.ok());
        EXPECT_EQ(event.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(event.error().field, "specversion");
    }
}

TEST(EventToJson, WritesACloudEventThatReadsBackTheSame) {
    Event event;
    event.id = "evt-9";
    event.type = "form.signed";
    event.source = "forms";
    event.time = from_unix_ms(1795426200123);
    event.subject = "Acme";
    event.data = {{"signed_by", "Jo"}};
    const json written = event_to_json(event);
    EXPECT_EQ(written["specversion"], "1.0");
    EXPECT_EQ(written["time"], "2026-11-23T09:30:00.123Z");
    const auto back = read(written);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->id, event.id);
    EXPECT_EQ(back->type, event.type);
    EXPECT_EQ(back->source, event.source);
    EXPECT_EQ(back->time, event.time);
    EXPECT_EQ(back->subject, event.subject);
    EXPECT_EQ(back->data, event.data);

    event.subject.reset();
    EXPECT_FALSE(event_to_json(event).contains("subject"));
}

// ---------------------------------------------------------------------------------------
// validate_event

Event valid_event() {
    Event e;
    e.id = "1";
    e.type = "deal.won";
    e.source = "crm";
    e.time = received;
    return e;
}

TEST(ValidateEvent, AcceptsAMinimalEvent) {
    const Status status = validate_event(valid_event());
    EXPECT_TRUE(status.ok()) << status.error().message;
}

TEST(ValidateEvent, NamesTheFieldAtFault) {
    struct Case {
        const char* name;
        void (*edit)(Event&);
        ErrorCode code;
        const char* field;
    };
    const Case cases[] = {
        {"empty type", [](Event& e) { e.type.clear(); }, ErrorCode::invalid_argument, "type"},
        {"empty id", [](Event& e) { e.id.clear(); }, ErrorCode::invalid_argument, "id"},
        {"empty source", [](Event& e) { e.source.clear(); }, ErrorCode::invalid_argument, "source"},
        {"space in type", [](Event& e) { e.type = "deal won"; }, ErrorCode::invalid_argument,
         "type"},
        {"DEL in type", [](Event& e) { e.type = "deal\x7fwon"; }, ErrorCode::invalid_argument,
         "type"},
        {"long type", [](Event& e) { e.type = std::string(limits::event_type_bytes_max + 1, 't'); },
         ErrorCode::limit_exceeded, "type"},
        {"long id", [](Event& e) { e.id = std::string(limits::event_id_bytes_max + 1, 'i'); },
         ErrorCode::limit_exceeded, "id"},
        {"long source",
         [](Event& e) { e.source = std::string(limits::event_source_bytes_max + 1, 's'); },
         ErrorCode::limit_exceeded, "source"},
        {"long subject",
         [](Event& e) { e.subject = std::string(limits::event_subject_bytes_max + 1, 's'); },
         ErrorCode::limit_exceeded, "subject"},
        // Binary-mode CloudEvents carry attributes in HTTP headers, which may hold any byte.
        {"bad byte in type", [](Event& e) { e.type = "deal.\x93won"; },
         ErrorCode::invalid_argument, "type"},
        {"bad byte in id", [](Event& e) { e.id = "a\xff"; }, ErrorCode::invalid_argument, "id"},
        {"truncated in source", [](Event& e) { e.source = "crm\xc3"; },
         ErrorCode::invalid_argument, "source"},
        {"surrogate in subject", [](Event& e) { e.subject = "\xed\xa0\x80"; },
         ErrorCode::invalid_argument, "subject"},
        {"overlong in subject", [](Event& e) { e.subject = "\xc0\xaf"; },
         ErrorCode::invalid_argument, "subject"},
        {"above U+10FFFF in id", [](Event& e) { e.id = "\xf4\x90\x80\x80"; },
         ErrorCode::invalid_argument, "id"},
        {"array data", [](Event& e) { e.data = json::array(); }, ErrorCode::invalid_argument,
         "data"},
        {"null data", [](Event& e) { e.data = nullptr; }, ErrorCode::invalid_argument, "data"},
        {"deep data", [](Event& e) { e.data = nested_objects(limits::json_depth_max); },
         ErrorCode::limit_exceeded, "data"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        Event event = valid_event();
        c.edit(event);
        const Status status = validate_event(event);
        ASSERT_FALSE(status.ok());
        EXPECT_EQ(status.error().code, c.code);
        EXPECT_EQ(status.error().field, c.field);
    }
}

TEST(ValidateEvent, AcceptsUtf8InEveryTextField) {
    Event event = valid_event();
    event.type = "commande.signée";
    event.id = "\xf0\x9f\x8e\x89-1";    // U+1F389
    event.source = "\xef\xbf\xbd";       // U+FFFD
    event.subject = "Zoë's Café 東京 \xf4\x8f\xbf\xbf";  // and U+10FFFF
    const Status status = validate_event(event);
    EXPECT_TRUE(status.ok()) << status.error().message;
    EXPECT_NO_THROW((void)event_to_json(event).dump());
}

TEST(EventFromJson, BinaryModeAttributesThatAreNotUtf8AreRefused) {
    // What api_events.cpp builds from ce-* headers: strings with whatever bytes arrived.
    const json object = {{"specversion", "1.0"}, {"type", "deal.won"},
                         {"id", std::string("deal-\x93")}, {"source", "crm"}};
    const auto event = read(object);
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(event.error().field, "id");
    EXPECT_NE(event.error().message.find("UTF-8"), std::string::npos);
}

TEST(ValidateEvent, AcceptsEveryFieldAtItsLimit) {
    Event event = valid_event();
    event.type = std::string(limits::event_type_bytes_max, 't');
    event.id = std::string(limits::event_id_bytes_max, 'i');
    event.source = std::string(limits::event_source_bytes_max, 's');
    event.subject = std::string(limits::event_subject_bytes_max, 'u');
    event.data = nested_objects(limits::json_depth_max - 1);
    const Status status = validate_event(event);
    EXPECT_TRUE(status.ok()) << status.error().message;
}

// ---------------------------------------------------------------------------------------
// Depth and size guards

TEST(JsonDepth, CountsLevelsWithAScalarAsOne) {
    struct Case {
        json value;
        std::size_t depth;
    };
    const Case cases[] = {
        {json(1), 1},
        {json("text"), 1},
        {json(nullptr), 1},
        {json::object(), 1},
        {json::array(), 1},
        {json::array({1, 2}), 2},
        {json{{"a", 1}}, 2},
        {json{{"a", {{"b", 1}}}}, 3},
        {json{{"shallow", 1}, {"deep", json::array({json::array({json::array({1})})})}}, 5},
        {nested_objects(40), 41},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.value.dump());
        EXPECT_EQ(json_depth(c.value), c.depth);
    }
}

TEST(JsonTextDepth, CountsBracketsOutsideStrings) {
    struct Case {
        std::string text;
        std::size_t depth;
    };
    const Case cases[] = {
        {"", 0},
        {"42", 0},
        {R"("[[[[")", 0},
        {"{}", 1},
        {"[[]]", 2},
        {"[[], [[]], []]", 3},
        {R"({"a": {"b": [1, 2]}})", 3},
        {R"({"a": "{{{[[["})", 1},
        {R"({"a": "x\"[[[[\"y"})", 1},  // an escaped quote does not end the string
        {R"(["\\", [[1]]])", 3},        // an escaped backslash does not escape the quote
        {R"({"a": "}}}]]]", "b": [[1]]})", 3},
        {std::string("]]]][["), 2},  // stray closers do not go below zero
        {nested_arrays(100), 100},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text.substr(0, 60));
        EXPECT_EQ(json_text_depth(c.text), c.depth);
    }
}

TEST(ParseJsonLimited, ParsesWithinLimits) {
    const auto parsed = parse_json_limited(R"({"type": "a.b", "data": {"x": "[{"}})", 1000);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ((*parsed)["data"]["x"], "[{");

    const auto deepest = parse_json_limited(nested_arrays(limits::json_depth_max), 1000);
    EXPECT_TRUE(deepest.ok()) << deepest.error().message;
}

TEST(ParseJsonLimited, NumbersTooLargeForADoubleAreInvalidNotThrown) {
    // nlohmann/json reports these as out_of_range, not parse_error: they must still come
    // back as an error value, never as an exception out of core.
    for (const char* text : {"1e999", "5e445e44", R"({"type": "a.b", "data": {"x": -1e400}})"}) {
        SCOPED_TRACE(text);
        Result<json> parsed = make_error(ErrorCode::internal, "not run");
        ASSERT_NO_THROW(parsed = parse_json_limited(text, 1000));
        ASSERT_FALSE(parsed.ok());
        EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument);
        EXPECT_NE(parsed.error().message.find("number overflow"), std::string::npos)
            << parsed.error().message;
    }
}

TEST(ParseJsonLimited, RefusesTextOverTheByteLimit) {
    const std::string text = R"({"a": "0123456789"})";  // 19 bytes
    EXPECT_TRUE(parse_json_limited(text, text.size()).ok());
    const auto refused = parse_json_limited(text, text.size() - 1);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::limit_exceeded);
    EXPECT_NE(refused.error().message.find("19 bytes"), std::string::npos)
        << refused.error().message;
}

TEST(ParseJsonLimited, RefusesTextNestedTooDeepBeforeParsing) {
    // One level too deep, and far too deep: both are refused by the scan, so the second
    // never reaches a recursive parser.
    for (std::size_t levels : {limits::json_depth_max + 1, std::size_t{100000}}) {
        SCOPED_TRACE(levels);
        const std::string text = nested_arrays(levels);
        const auto refused = parse_json_limited(text, text.size());
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code, ErrorCode::limit_exceeded);
        EXPECT_NE(refused.error().message.find("deeper"), std::string::npos)
            << refused.error().message;
    }
}

TEST(ParseJsonLimited, InvalidJsonSaysWhereByByteOffset) {
    struct Case {
        std::string text;
        std::size_t byte;  // from 1: the character the parser stopped at
        const char* what;
    };
    const Case cases[] = {
        {R"({"a": })", 7, "unexpected '}'"},
        // On a later line: the byte offset still points at the `2` (byte 19).
        {"{\n  \"a\": 1,\n  \"b\" 2\n}", 19, "expected ':'"},
        {R"({"a": 1)", 8, "unexpected end of input"},
        {"", 1, "unexpected end of input"},
        {"[1, 2,]", 7, "unexpected ']'"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const auto refused = parse_json_limited(c.text, 1000);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
        const std::string& message = refused.error().message;
        const std::string prefix = "invalid JSON at byte " + std::to_string(c.byte) + ": ";
        EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
        EXPECT_NE(message.find(c.what), std::string::npos) << message;
        // The library's exception id and its (unreliable) line/column are not repeated.
        EXPECT_EQ(message.find("json.exception"), std::string::npos) << message;
        EXPECT_EQ(message.find("column"), std::string::npos) << message;
    }
}

}  // namespace
}  // namespace baton::core
