// POST /hooks/{source}: inbound webhooks. The signature is checked on the raw bytes, in
// constant time, before anything is parsed or stored; a wrong, stale or missing signature
// is 401, counted in /metrics, and nothing is stored. A verified delivery becomes an event
// through the source's mapping (sources.yaml) and is ingested like any other. POST
// /v1/sources/{name}/test is its dry run for an admin: no signature, nothing stored.
#include "core/event.h"
#include "core/github_events.h"
#include "core/limits.h"
#include "core/source_presets.h"
#include "core/sources.h"
#include "crypto/signatures.h"
#include "engine/json_views.h"
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

// The URI a scheme that signs it (HubSpot v3) was called at: the source's public url when
// set, else https:// (HubSpot calls nothing else) + Host + the path and query.
std::string called_uri(const core::Source& source, const Request& r) {
    if (!source.url.empty()) return source.url;
    std::string uri = "https://" + r.headers.get("Host").value_or("") + r.path;
    char sep = '?';
    for (const auto& [k, v] : r.query) {
        uri += sep + k + "=" + v;
        sep = '&';
    }
    return uri;
}

// Slack's Events API checks a URL before it sends anything: a signed url_verification
// body, answered with its challenge. Nothing is stored.
std::optional<Response> slack_challenge(const nlohmann::json& payload) {
    if (!payload.is_object() || payload.value("type", "") != "url_verification") {
        return std::nullopt;
    }
    const auto challenge = payload.find("challenge");
    if (challenge == payload.end() || !challenge->is_string() ||
        challenge->get<std::string>().empty()) {
        return problem(400, "Bad Request", "a url_verification without a challenge", "challenge");
    }
    return json_response(200, {{"challenge", challenge->get<std::string>()}});
}

}  // namespace

void Api::add_hook_routes() {
    router_.add({"POST", "/hooks/{source}", Access::signed_hook,
                 "Receive a signed webhook from a configured source",
                 [this](const Request& r, const Params& p, const Principal&) {
                     const std::string& name = p.at("source");
                     auto source = engine_.source(name);
                     if (!source) return problem_from(source.error());
                     auto scheme = crypto::parse_signature_scheme(source->scheme);
                     if (!scheme) {
                         return problem(500, "Internal Server Error",
                                        "source `" + name + "` has an unknown scheme");
                     }
                     std::vector<crypto::Header> headers;
                     for (const auto& [n, v] : r.headers.entries()) headers.push_back({n, v});
                     const std::string uri = called_uri(*source, r);
                     crypto::SignedRequest signed_request{headers, r.body, {}, engine_.now()};
                     signed_request.method = r.method;
                     signed_request.uri = uri;
                     auto delivery =
                         crypto::verify_signature_any(*scheme, signed_request, source->secrets);
                     if (!delivery) {
                         metrics_.add_signature_failure(name);
                         Response out = problem(401, "Unauthorized",
                                                delivery.error().message, "signature");
                         return out;
                     }
                     auto payload = core::parse_json_limited(r.body, limits::event_bytes_max);
                     if (!payload) return problem_from(payload.error());
                     if (*scheme == crypto::SignatureScheme::github) {
                         // The type header is not signed: the signed body must agree.
                         if (auto mismatch =
                                 core::github_event_mismatch(delivery->event_type, *payload)) {
                             return problem(400, "Bad Request", *mismatch, "X-GitHub-Event");
                         }
                     }
                     if (*scheme == crypto::SignatureScheme::slack) {
                         if (auto answer = slack_challenge(*payload)) return std::move(*answer);
                     }
                     auto events = core::events_of_delivery(
                         *source, *payload, {delivery->delivery_id, delivery->event_type},
                         engine_.now());
                     if (!events) return problem_from(events.error());
                     nlohmann::json answers = nlohmann::json::array();
                     for (const auto& event : *events) {
                         auto result = engine_.ingest(event);
                         if (!result) return problem_from(result.error());
                         metrics_.add_events(result->duplicate ? 0 : 1, result->duplicate ? 1 : 0);
                         answers.push_back(engine::ingest_result_json(event, *result));
                     }
                     // One event answers as it always has; a batch lists each of its own.
                     if (!source->batch) return json_response(202, answers.front());
                     return json_response(202, {{"events", answers}});
                 }});
    router_.add({"POST", "/v1/sources/{name}/test", Access::admin,
                 "Run a saved delivery through a source's mapping and the playbooks, storing "
                 "nothing",
                 [this](const Request& r, const Params& p, const Principal&) {
                     core::DeliveryFacts facts;
                     for (const auto& [key, value] : r.query) {
                         if (key == "id") {
                             facts.id = value;
                         } else if (key == "event") {
                             facts.event = value;
                         } else {
                             return problem(400, "Bad Request",
                                            "unknown parameter `" + key + "`; use id or event",
                                            key);
                         }
                     }
                     auto test = engine_.test_delivery(p.at("name"), r.body, facts);
                     if (!test) return problem_from(test.error());
                     return json_response(200, engine::delivery_test_json(*test, engine_.now()));
                 }});
    router_.add({"GET", "/v1/sources", Access::admin,
                 "Inbound webhook sources (secrets are never shown)",
                 [this](const Request&, const Params&, const Principal&) {
                     auto doc = engine_.sources_record();
                     if (!doc) return problem_from(doc.error());
                     nlohmann::json items = nlohmann::json::array();
                     int version = 0;
                     if (doc->has_value()) {
                         version = (*doc)->version;
                         auto parsed = core::parse_sources((*doc)->text, "sources.yaml");
                         if (parsed.sources) {
                             for (const auto& s : parsed.sources->all()) {
                                 items.push_back({{"name", s.name},
                                                  {"preset", s.preset},
                                                  {"scheme", s.scheme},
                                                  {"secrets", s.secrets.size()},
                                                  {"type", s.type},
                                                  {"id", s.id},
                                                  {"subject", s.subject},
                                                  {"url", "/hooks/" + s.name}});
                             }
                         }
                     }
                     return json_response(200, {{"version", version}, {"items", items}});
                 }});
}

}  // namespace baton::http
