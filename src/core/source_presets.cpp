#include "core/source_presets.h"

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

}  // namespace baton::core
