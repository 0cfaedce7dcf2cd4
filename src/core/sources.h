// Inbound webhook sources (sources.yaml): for each source, the signature scheme and secret
// that authenticate its deliveries to POST /hooks/{name}, and the mapping from a delivery
// to an event — templates over payload.* and delivery.id / delivery.event. An immutable
// value, safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/event.h"
#include "core/result.h"
#include "core/time.h"

namespace baton::core {

struct Source {
    std::string name;    // the {name} of /hooks/{name}, and the events' source
    std::string preset;  // the vendor preset it was made from (core/source_presets.h), or ""
    std::string scheme;  // a crypto/signatures.h scheme name: standard-webhooks, github, …
    // As the sender shows them (whsec_… for Standard Webhooks; user:password for basic).
    // One, or two during a rollover: a delivery signed with either is accepted.
    std::vector<std::string> secrets;
    std::string type;    // a template: the event type
    std::string id;      // a template: the event id (the idempotency key with the name)
    std::string subject;  // a template, optional
    // Which part of the payload becomes the event's data: "payload" (the default) or a
    // path below it such as "payload.data" (Standard Webhooks bodies wrap it so).
    std::string data = "payload";
    // The body is a JSON array, each element one event (HubSpot); `payload` is the element.
    bool batch = false;
    // The public URL the sender calls, https://baton.example.com/hooks/NAME, for a scheme
    // that signs it (HubSpot v3); empty: https:// + the Host header + the request target.
    std::string url;
};

class SourceList {
public:
    SourceList() = default;
    explicit SourceList(std::vector<Source> sources) : sources_(std::move(sources)) {}
    const Source* find(std::string_view name) const;
    const std::vector<Source>& all() const { return sources_; }

private:
    std::vector<Source> sources_;
};

struct SourcesParse {
    std::optional<SourceList> sources;  // set only when `errors` is empty
    Diagnostics errors;
};

// Parses sources.yaml:
//   sources:
//     - name: deals
//       preset: hubspot                  # scheme and mapping from core/source_presets.h
//       secret: …                        # or secrets: [new, old] during a rollover
//     - name: crm
//       scheme: standard-webhooks
//       secret: whsec_…
//       type: "{{payload.type}}"        # default: {{delivery.event}} for GitHub
//       id: "{{delivery.id}}"           # default: {{delivery.id}}, or {{payload.id}} (Stripe)
//       subject: "{{payload.data.company}}"
//       data: payload.data                # which part becomes the event's data
SourcesParse parse_sources(const std::string& yaml_text, const std::string& file);

// What a verified delivery says of itself beyond its body (crypto::VerifiedDelivery):
// the templates' delivery.id and delivery.event.
struct DeliveryFacts {
    std::string id;
    std::string event;
};

// The events one verified delivery becomes through `source`'s mapping: one, or one per
// element of a batch source's array (at most source_batch_entries_max). Refuses, with the
// template's key as the field ("type", "id", "data", or "[3].id" inside a batch), a
// delivery whose type or id template names a field the payload lacks or renders empty, a
// `data` path that is not an object, a batch that is not a non-empty array within the
// limit, and an event validate_event refuses. A missing subject is no subject. Pure.
Result<std::vector<Event>> events_of_delivery(const Source& source, const nlohmann::json& payload,
                                              const DeliveryFacts& delivery, TimePoint now);

// The file name of the sources document in a workspace.
bool is_sources_file(const std::string& path);

}  // namespace baton::core
