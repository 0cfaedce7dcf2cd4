// Inbound webhook sources (sources.yaml): for each source, the signature scheme and secret
// that authenticate its deliveries to POST /hooks/{name}, and the mapping from a delivery
// to an event — templates over payload.* and delivery.id / delivery.event. An immutable
// value, safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.h"

namespace baton::core {

struct Source {
    std::string name;    // the {name} of /hooks/{name}, and the events' source
    std::string scheme;  // standard-webhooks, github, stripe or slack
    std::string secret;  // as the sender shows it (whsec_… for Standard Webhooks)
    std::string type;    // a template: the event type
    std::string id;      // a template: the event id (the idempotency key with the name)
    std::string subject;  // a template, optional
    // Which part of the payload becomes the event's data: "payload" (the default) or a
    // path below it such as "payload.data" (Standard Webhooks bodies wrap it so).
    std::string data = "payload";
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
//     - name: crm
//       scheme: standard-webhooks
//       secret: whsec_…
//       type: "{{payload.type}}"        # default: {{delivery.event}} for GitHub
//       id: "{{delivery.id}}"           # default: {{delivery.id}}, or {{payload.id}} (Stripe)
//       subject: "{{payload.data.company}}"
//       data: payload.data                # which part becomes the event's data
SourcesParse parse_sources(const std::string& yaml_text, const std::string& file);

// The file name of the sources document in a workspace.
bool is_sources_file(const std::string& path);

}  // namespace baton::core
