// Source presets (core/source_presets.h) read from sources.yaml, and each vendor's payload,
// shaped as the vendor documents it, mapped to events (events_of_delivery). The signatures
// of the same vendors are tested in signatures_test.cpp, and end to end in api_test.cpp.
#include "core/source_presets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/people.h"
#include "core/playbook.h"
#include "core/sources.h"

namespace baton::core {
namespace {

using nlohmann::json;

std::string all_errors(const SourcesParse& p) {
    std::string out;
    for (const auto& d : p.errors) out += d.format() + "\n";
    return out;
}

Source one_source(const std::string& yaml) {
    const SourcesParse p = parse_sources("sources:\n" + yaml, "sources.yaml");
    EXPECT_TRUE(p.sources.has_value()) << all_errors(p);
    if (!p.sources || p.sources->all().empty()) return {};
    return p.sources->all().front();
}

std::string first_error(const std::string& yaml) {
    const SourcesParse p = parse_sources("sources:\n" + yaml, "sources.yaml");
    EXPECT_FALSE(p.sources.has_value());
    return p.errors.empty() ? "" : p.errors.front().format();
}

const TimePoint now = from_unix_ms(1764000000000);

TEST(SourcePresets, APresetFillsTheSchemeAndTheMapping) {
    const Source s = one_source("  - {name: deals, preset: hubspot, secret: app-secret}\n");
    EXPECT_EQ(s.preset, "hubspot");
    EXPECT_EQ(s.scheme, "hubspot-v3");
    EXPECT_TRUE(s.batch);
    EXPECT_EQ(s.type, "hubspot.{{payload.subscriptionType}}");
    EXPECT_EQ(s.id, "{{payload.eventId}}");
    ASSERT_EQ(s.secrets.size(), 1u);
    EXPECT_EQ(s.secrets.front(), "app-secret");
}

TEST(SourcePresets, AKeyBesideThePresetWinsOverIt) {
    const Source s = one_source(
        "  - {name: shop, preset: shopify, secret: s, subject: '{{payload.email}}',"
        " data: payload.customer}\n");
    EXPECT_EQ(s.scheme, "shopify");
    EXPECT_EQ(s.subject, "{{payload.email}}");
    EXPECT_EQ(s.data, "payload.customer");
    EXPECT_EQ(s.type, "shopify.{{delivery.event}}");
}

TEST(SourcePresets, EveryPresetParsesWithASecret) {
    for (const auto& p : source_presets()) {
        const std::string secret = p.scheme == "basic" ? "baton:pw" : "whsec_c2VjcmV0";
        const Source s =
            one_source("  - {name: s, preset: " + p.name + ", secret: '" + secret + "'}\n");
        EXPECT_EQ(s.scheme, p.scheme) << p.name;
        EXPECT_EQ(s.data, p.data) << p.name;
    }
}

TEST(SourcePresets, TwoSecretsDuringARollover) {
    const Source s = one_source("  - {name: t, preset: typeform, secrets: [new-one, old-one]}\n");
    ASSERT_EQ(s.secrets.size(), 2u);
    EXPECT_EQ(s.secrets[0], "new-one");
    EXPECT_EQ(s.secrets[1], "old-one");
}

TEST(SourcePresets, BadSourcesSayWhatAndWhere) {
    EXPECT_EQ(first_error("  - {name: d, preset: hubspott, secret: x}\n"),
              "sources.yaml:2:23: preset must be one of hubspot, pipedrive, calendly, typeform, "
              "shopify, cal-com, zapier, slack, stripe, github; did you mean `hubspot`?");
    EXPECT_EQ(first_error("  - {name: d, preset: hubspot}\n"),
              "sources.yaml:2:5: `secret` is required");
    EXPECT_EQ(first_error("  - {name: d, preset: hubspot, scheme: github, secret: x}\n"),
              "sources.yaml:2:40: preset hubspot is signed with hubspot-v3; leave scheme: out");
    EXPECT_EQ(first_error("  - {name: d, preset: typeform, secret: a, secrets: [b]}\n"),
              "sources.yaml:2:53: write secret: or secrets:, not both");
    EXPECT_EQ(first_error("  - {name: d, preset: typeform, secrets: [a, b, c]}\n"),
              "sources.yaml:2:42: secrets is a list of one or two secrets, such as [new, old] "
              "while a sender rolls its secret over");
    EXPECT_EQ(first_error("  - {name: d, preset: hubspot, secret: x, url: baton.example.com}\n"),
              "sources.yaml:2:48: url is the public address the sender calls, such as "
              "https://baton.example.com/hooks/d");
    EXPECT_EQ(first_error("  - {name: d, scheme: shopfy, secret: x}\n"),
              "sources.yaml:2:23: scheme must be one of standard-webhooks, github, stripe, slack, "
              "hubspot-v3, calendly, typeform, shopify, cal-com, basic, bearer; did you mean "
              "`shopify`?");
}

// HubSpot: a JSON array of up to 100 events; a deal moving to a won stage is a
// deal.propertyChange of dealstage.
const char* hubspot_body = R"([
  {"eventId": 1794524217, "subscriptionId": 2201573, "portalId": 62515, "appId": 1160452,
   "occurredAt": 1764000000000, "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
   "objectId": 1246965, "propertyName": "dealstage", "propertyValue": "closedwon",
   "changeSource": "CRM", "sourceId": "userId:2110001"},
  {"eventId": 1794524218, "subscriptionId": 2201574, "portalId": 62515, "appId": 1160452,
   "occurredAt": 1764000000100, "subscriptionType": "deal.creation", "attemptNumber": 0,
   "objectId": 1246966, "changeFlag": "NEW", "changeSource": "CRM"}
])";

TEST(SourceMapping, HubSpotBatchBecomesOneEventPerEntry) {
    const Source s = one_source("  - {name: deals, preset: hubspot, secret: x}\n");
    auto events = events_of_delivery(s, json::parse(hubspot_body), {}, now);
    ASSERT_TRUE(events) << events.error().message;
    ASSERT_EQ(events->size(), 2u);
    EXPECT_EQ((*events)[0].source, "deals");
    EXPECT_EQ((*events)[0].type, "hubspot.deal.propertyChange");
    EXPECT_EQ((*events)[0].id, "1794524217");
    EXPECT_EQ((*events)[0].subject, "1246965");
    EXPECT_EQ((*events)[0].data["propertyValue"], "closedwon");
    EXPECT_EQ((*events)[1].type, "hubspot.deal.creation");
    EXPECT_EQ((*events)[1].id, "1794524218");
}

TEST(SourceMapping, ABatchMustBeANonEmptyArrayOfAtMostAHundred) {
    const Source s = one_source("  - {name: deals, preset: hubspot, secret: x}\n");
    auto object = events_of_delivery(s, json::parse(R"({"eventId": 1})"), {}, now);
    ASSERT_FALSE(object);
    EXPECT_EQ(object.error().field, "body");
    EXPECT_EQ(object.error().message, "source `deals` takes a JSON array of events");
    EXPECT_FALSE(events_of_delivery(s, json::array(), {}, now));

    json many = json::array();
    const json entry = json::parse(hubspot_body)[0];
    for (int i = 0; i < 101; ++i) many.push_back(entry);
    auto over = events_of_delivery(s, many, {}, now);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().message, "the delivery has 101 events; at most 100 are taken in one");
    many.erase(many.begin());
    EXPECT_TRUE(events_of_delivery(s, many, {}, now));  // 100 is the edge
}

TEST(SourceMapping, AFieldThePayloadLacksIsNamedWithItsPlace) {
    const Source s = one_source("  - {name: deals, preset: hubspot, secret: x}\n");
    json body = json::parse(hubspot_body);
    body[1].erase("eventId");
    auto r = events_of_delivery(s, body, {}, now);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "[1].id");
    EXPECT_EQ(r.error().message,
              "the delivery has no `payload.eventId`, which id: `{{payload.eventId}}` needs");
}

TEST(SourceMapping, Pipedrive) {
    const Source s = one_source("  - {name: pd, preset: pipedrive, secret: 'baton:pw'}\n");
    const json body = json::parse(R"({
      "data": {"id": 123, "title": "Acme Dental deal", "status": "won", "value": 5000,
               "currency": "EUR", "stage_id": 5, "pipeline_id": 1},
      "previous": {"status": "open"},
      "meta": {"action": "change", "entity": "deal", "entity_id": "123",
               "id": "b6f7a6b2-9d4e-4b63-8f6c-1f2e3d4c5b6a", "company_id": "7788",
               "correlation_id": "c0ffee", "is_bulk_edit": false,
               "timestamp": "2026-12-03T10:00:00.000Z", "type": "general", "user_id": "42",
               "version": "2.0", "webhook_id": "99", "webhook_owner_id": "42",
               "change_source": "app", "attempt": 1, "host": "acme.pipedrive.com"}
    })");
    auto e = events_of_delivery(s, body, {}, now);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->front().type, "pipedrive.deal.change");
    EXPECT_EQ(e->front().id, "b6f7a6b2-9d4e-4b63-8f6c-1f2e3d4c5b6a");
    EXPECT_EQ(e->front().subject, "Acme Dental deal");
    EXPECT_EQ(e->front().data["meta"]["action"], "change");
}

TEST(SourceMapping, Calendly) {
    const Source s = one_source("  - {name: cal, preset: calendly, secret: key}\n");
    const json body = json::parse(R"({
      "created_at": "2026-12-03T10:00:00.000000Z",
      "created_by": "https://api.calendly.com/users/AAAAAAAAAAAAAAAA",
      "event": "invitee.created",
      "payload": {
        "email": "ada@acme.example", "name": "Ada Lovelace", "status": "active",
        "timezone": "Europe/London",
        "uri": "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAA",
        "event": "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2",
        "scheduled_event": {"name": "Kickoff call", "start_time": "2026-12-08T15:00:00.000000Z"}
      }
    })");
    auto e = events_of_delivery(s, body, {}, now);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->front().type, "calendly.invitee.created");
    EXPECT_EQ(e->front().id,
              "invitee.created/https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/"
              "invitees/AAAA");
    EXPECT_EQ(e->front().subject, "Ada Lovelace");
    EXPECT_EQ(e->front().data["scheduled_event"]["name"], "Kickoff call");
}

TEST(SourceMapping, Typeform) {
    const Source s = one_source("  - {name: form, preset: typeform, secret: key}\n");
    const json body = json::parse(R"({
      "event_id": "01HJ3Q4XN2W8Y5V6B7C8D9E0F1", "event_type": "form_response",
      "form_response": {
        "form_id": "lT4Z3j", "token": "a3a12ec67a1365927098a606107fac15",
        "submitted_at": "2026-12-03T10:00:00Z", "landed_at": "2026-12-03T09:58:00Z",
        "definition": {"id": "lT4Z3j", "title": "New client intake", "fields": []},
        "answers": [{"type": "text", "text": "Acme Dental",
                     "field": {"id": "JwWggjAKtOkA", "type": "short_text"}}]
      }
    })");
    auto e = events_of_delivery(s, body, {}, now);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->front().type, "typeform.form_response");
    EXPECT_EQ(e->front().id, "01HJ3Q4XN2W8Y5V6B7C8D9E0F1");
    EXPECT_EQ(e->front().subject, "New client intake");
    EXPECT_EQ(e->front().data["form_id"], "lT4Z3j");
}

TEST(SourceMapping, ShopifyTakesTopicAndIdFromTheHeaders) {
    const Source s = one_source("  - {name: shop, preset: shopify, secret: key}\n");
    const json body = json::parse(R"({
      "id": 820982911946154508, "email": "jon@example.com", "name": "#9999",
      "financial_status": "paid", "total_price": "403.00", "currency": "USD",
      "customer": {"id": 115310627314723954, "first_name": "John", "last_name": "Smith"},
      "line_items": [{"id": 866550311766439020, "title": "Aviator sunglasses", "quantity": 1}]
    })");
    auto e =
        events_of_delivery(s, body, {"b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "orders/paid"}, now);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->front().type, "shopify.orders/paid");
    EXPECT_EQ(e->front().id, "orders/paid/b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    EXPECT_EQ(e->front().subject, "#9999");
    // Without the topic header there is no type, said so.
    auto no_topic = events_of_delivery(s, body, {"b5", ""}, now);
    ASSERT_FALSE(no_topic);
    EXPECT_EQ(no_topic.error().field, "type");
}

TEST(SourceMapping, CalCom) {
    const Source s = one_source("  - {name: calcom, preset: cal-com, secret: key}\n");
    const json body = json::parse(R"({
      "triggerEvent": "BOOKING_CREATED", "createdAt": "2026-12-03T10:00:00.000Z",
      "payload": {"type": "30min", "title": "30 Min Meeting between Ada and Dana",
                  "startTime": "2026-12-08T15:00:00Z", "endTime": "2026-12-08T15:30:00Z",
                  "organizer": {"name": "Dana", "email": "dana@example.com",
                                "timeZone": "Europe/London"},
                  "attendees": [{"name": "Ada", "email": "ada@acme.example"}],
                  "uid": "bFJeNb2uX8ANpT3JL5EfXw", "bookingId": 91, "status": "ACCEPTED"}
    })");
    auto e = events_of_delivery(s, body, {"ab12", ""}, now);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->front().type, "calcom.BOOKING_CREATED");
    EXPECT_EQ(e->front().id, "BOOKING_CREATED/bFJeNb2uX8ANpT3JL5EfXw");
    EXPECT_EQ(e->front().subject, "30 Min Meeting between Ada and Dana");
    EXPECT_EQ(e->front().data["bookingId"], 91);
}

TEST(SourceMapping, ZapierTakesTheBodyTheZapWrites) {
    const Source s = one_source("  - {name: zap, preset: zapier, secret: a-long-bearer-token}\n");
    auto e = events_of_delivery(
        s, json::parse(R"({"type": "form.submitted", "id": "zap-1", "subject": "Acme",
                        "data": {"email": "ada@acme.example"}})"),
        {}, now);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->front().type, "form.submitted");
    EXPECT_EQ(e->front().subject, "Acme");
    auto no_data = events_of_delivery(s, json::parse(R"({"type": "t", "id": "zap-2"})"), {}, now);
    ASSERT_FALSE(no_data);
    EXPECT_EQ(no_data.error().field, "data");
    EXPECT_EQ(no_data.error().message, "the delivery has no object at `payload.data`");
}

TEST(SourceMapping, SlackEventCallback) {
    const Source s = one_source("  - {name: chat, preset: slack, secret: key}\n");
    const json body = json::parse(R"({
      "token": "XXYYZZ", "team_id": "T123ABC456", "api_app_id": "A123ABC456",
      "event": {"type": "reaction_added", "user": "U123ABC456", "reaction": "white_check_mark",
                "item": {"type": "message", "channel": "C123ABC456", "ts": "1764000000.000100"},
                "event_ts": "1764000001.000200", "channel": "C123ABC456"},
      "type": "event_callback", "event_id": "Ev123ABC456", "event_time": 1764000001
    })");
    auto e = events_of_delivery(s, body, {}, now);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->front().type, "slack.reaction_added");
    EXPECT_EQ(e->front().id, "Ev123ABC456");
    EXPECT_EQ(e->front().data["reaction"], "white_check_mark");
}

std::string read_example(const std::string& name) {
    std::ifstream in(std::filesystem::path(BATON_SOURCE_DIR) / "examples" / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// docs/sources.md points at these: every preset's source, and the HubSpot playbook, which
// must load against the example people and match the event the preset makes of a won deal.
TEST(SourcePresets, TheExamplesParseAndTheHubSpotPlaybookMatchesAWonDeal) {
    const SourcesParse sources =
        parse_sources(read_example("presets/sources.yaml"), "sources.yaml");
    ASSERT_TRUE(sources.sources.has_value()) << all_errors(sources);
    EXPECT_EQ(sources.sources->all().size(), source_presets().size() - 2)  // not stripe, github
        << "one example source per preset beyond the old schemes";
    const PlaybookParse pb =
        parse_playbook(read_example("presets/hubspot-deal-won.yaml"), "hubspot-deal-won.yaml");
    ASSERT_TRUE(pb.playbook.has_value()) << (pb.errors.empty() ? "" : pb.errors.front().format());
    const PeopleParse people = parse_people(read_example("people.yaml"), "people.yaml");
    ASSERT_TRUE(people.directory.has_value());
    EXPECT_TRUE(cross_check({{*pb.playbook, "hubspot-deal-won.yaml"}}, &*people.directory).empty());

    auto events =
        events_of_delivery(*sources.sources->find("deals"), json::parse(hubspot_body), {}, now);
    ASSERT_TRUE(events) << events.error().message;
    const auto matches = [&](const Event& e) {
        if (e.type != pb.playbook->when) return false;
        const ConditionInput input{&e.data, e.subject.value_or(""), e.type, e.source, e.id, ""};
        auto r = pb.playbook->condition->evaluate(input);
        return r && *r;
    };
    EXPECT_TRUE(matches((*events)[0]));
    EXPECT_FALSE(matches((*events)[1]));
}

}  // namespace
}  // namespace baton::core
