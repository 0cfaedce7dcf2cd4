#include "core/source_presets.h"

#include <nlohmann/json.hpp>

namespace baton::core {

// Each mapping follows the payload its vendor documents (the fixtures in
// tests/unit/source_presets_test.cpp are shaped the same way). Every event type is prefixed
// with the vendor, so that a playbook's `when:` says where the moment comes from.
const std::vector<SourcePreset>& source_presets() {
    static const std::vector<SourcePreset> presets = {
        // A JSON array of up to 100 events; a deal moving stage is a deal.propertyChange
        // with propertyName dealstage.
        {"hubspot", "HubSpot", "hubspot-v3", "hubspot.{{payload.subscriptionType}}",
         "{{payload.eventId}}", "{{payload.objectId}}", "payload", true},
        // Webhooks v2: meta.entity and meta.action ("deal", "change"), meta.id per event.
        {"pipedrive", "Pipedrive", "basic",
         "pipedrive.{{payload.meta.entity}}.{{payload.meta.action}}", "{{payload.meta.id}}",
         "{{payload.data.title}}", "payload"},
        // invitee.created / invitee.canceled; the invitee's URI names the booking, so the
        // event kind is part of the id (a cancellation is another event).
        {"calendly", "Calendly", "calendly", "calendly.{{payload.event}}",
         "{{payload.event}}/{{payload.payload.uri}}", "{{payload.payload.name}}",
         "payload.payload"},
        {"typeform", "Typeform", "typeform", "typeform.{{payload.event_type}}",
         "{{payload.event_id}}", "{{payload.form_response.definition.title}}",
         "payload.form_response"},
        // The topic (orders/paid) comes from a header Shopify does not sign, and the
        // delivery id is the signed body's hash: one event per topic and body, so an order
        // created already paid is both orders/create and orders/paid.
        {"shopify", "Shopify", "shopify", "shopify.{{delivery.event}}",
         "{{delivery.event}}/{{delivery.id}}", "{{payload.name}}", "payload"},
        {"cal-com", "Cal.com", "cal-com", "calcom.{{payload.triggerEvent}}",
         "{{payload.triggerEvent}}/{{payload.payload.uid}}", "{{payload.payload.title}}",
         "payload.payload"},
        // Zapier, Make or a form tool that cannot sign: the body is written in the tool as
        // {"type", "id", "subject", "data"}; a bearer token is the (weaker) proof.
        {"zapier", "Zapier or Make", "bearer", "{{payload.type}}", "{{payload.id}}",
         "{{payload.subject}}", "payload.data"},
        {"slack", "Slack Events API", "slack", "slack.{{payload.event.type}}",
         "{{payload.event_id}}", "{{payload.event.channel}}", "payload.event"},
        {"stripe", "Stripe", "stripe", "stripe.{{payload.type}}", "{{payload.id}}", "",
         "payload.data.object"},
        {"github", "GitHub", "github", "github.{{delivery.event}}", "{{delivery.id}}",
         "{{payload.repository.full_name}}", "payload"},
    };
    return presets;
}

const SourcePreset* find_source_preset(std::string_view name) {
    for (const auto& p : source_presets()) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

PresetSample preset_sample(const SourcePreset& preset, std::int64_t n) {
    using nlohmann::json;
    const std::string tag = "sample-" + std::to_string(n);
    const std::string& name = preset.name;
    PresetSample out;
    json body;
    if (name == "hubspot") {
        body = json::array({{{"eventId", n},
                             {"subscriptionId", 1},
                             {"portalId", 1},
                             {"appId", 1},
                             {"occurredAt", n},
                             {"subscriptionType", "deal.propertyChange"},
                             {"attemptNumber", 0},
                             {"objectId", n},
                             {"propertyName", "dealstage"},
                             {"propertyValue", "closedwon"},
                             {"changeSource", "CRM"}}});
    } else if (name == "pipedrive") {
        body = {{"data", {{"id", n}, {"title", "Sample deal"}, {"status", "won"}}},
                {"previous", {{"status", "open"}}},
                {"meta",
                 {{"action", "change"},
                  {"entity", "deal"},
                  {"entity_id", std::to_string(n)},
                  {"id", tag},
                  {"version", "2.0"}}}};
    } else if (name == "calendly") {
        body = {{"event", "invitee.created"},
                {"payload",
                 {{"email", "sample@example.com"},
                  {"name", "Sample Invitee"},
                  {"uri", "https://api.calendly.com/scheduled_events/SAMPLE/invitees/" + tag}}}};
    } else if (name == "typeform") {
        body = {{"event_id", tag},
                {"event_type", "form_response"},
                {"form_response",
                 {{"form_id", "sample"},
                  {"definition", {{"title", "Sample form"}}},
                  {"answers", json::array()}}}};
    } else if (name == "shopify") {
        body = {{"id", n},
                {"email", "sample@example.com"},
                {"name", "#" + std::to_string(n % 100000)},
                {"financial_status", "paid"}};
        out.headers = {{"X-Shopify-Topic", "orders/paid"}};
    } else if (name == "cal-com") {
        body = {{"triggerEvent", "BOOKING_CREATED"},
                {"payload", {{"title", "Sample meeting"}, {"uid", tag}}}};
    } else if (name == "slack") {
        body = {{"type", "event_callback"},
                {"event_id", "Ev" + tag},
                {"event",
                 {{"type", "message"},
                  {"channel", "C0SAMPLE"},
                  {"user", "U0SAMPLE"},
                  {"text", "A sample message"}}}};
    } else if (name == "stripe") {
        body = {{"id", "evt_" + tag},
                {"object", "event"},
                {"type", "checkout.session.completed"},
                {"data", {{"object", {{"id", "cs_" + tag}, {"object", "checkout.session"}}}}}};
    } else if (name == "github") {
        body = {{"zen", "Keep it logically awesome."},
                {"hook_id", n},
                {"hook", {{"type", "Repository"}, {"id", n}, {"active", true}}},
                {"repository", {{"full_name", "acme/sample"}}}};
        out.headers = {{"X-GitHub-Event", "ping"}};
    } else {  // zapier, and any preset whose body the sender writes itself
        body = {{"type", "sample.sent"},
                {"id", tag},
                {"subject", "Sample"},
                {"data", {{"note", "a test delivery from the board"}}}};
    }
    out.body = body.dump();
    return out;
}

}  // namespace baton::core
