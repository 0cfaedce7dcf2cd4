// POST /hooks/{source}: inbound webhooks. The signature is checked on the raw bytes, in
// constant time, before anything is parsed or stored; a wrong, stale or missing signature
// is 401, counted in /metrics, and nothing is stored. A verified delivery becomes an event
// through the source's mapping (sources.yaml) and is ingested like any other.
#include "core/event.h"
#include "core/github_events.h"
#include "core/limits.h"
#include "core/template.h"
#include "crypto/signatures.h"
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

Result<core::Event> event_of(const core::Source& source, const crypto::VerifiedDelivery& d,
                             const nlohmann::json& payload, TimePoint now) {
    core::TemplateContext ctx;
    ctx.payload = &payload;
    ctx.delivery_id = d.delivery_id;
    ctx.delivery_event = d.event_type;
    core::Event event;
    event.source = source.name;
    event.type = core::render_template(source.type, ctx).text;
    event.id = core::render_template(source.id, ctx).text;
    if (!source.subject.empty()) {
        auto subject = core::render_template(source.subject, ctx).text;
        if (!subject.empty()) event.subject = subject;
    }
    event.time = now;
    // The part of the payload the source names becomes the data; "payload" is all of it.
    const nlohmann::json* data = &payload;
    std::size_t start = std::string("payload").size();
    while (data != nullptr && start < source.data.size()) {
        const auto next = source.data.find('.', start + 1);
        const std::string key = source.data.substr(start + 1, next == std::string::npos
                                                                  ? std::string::npos
                                                                  : next - start - 1);
        data = data->is_object() && data->contains(key) ? &(*data)[key] : nullptr;
        start = next == std::string::npos ? source.data.size() : next;
    }
    if (data == nullptr || !data->is_object()) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery has no object at `" + source.data + "`", "data");
    }
    event.data = *data;
    if (event.type.empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery has no event type: `" + source.type + "` rendered empty",
                          "type");
    }
    if (event.id.empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery has no id: `" + source.id + "` rendered empty", "id");
    }
    if (auto st = core::validate_event(event); !st) return st.error();
    return event;
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
                     const crypto::SignedRequest signed_request{headers, r.body, source->secret,
                                                                engine_.now()};
                     auto delivery = crypto::verify_signature(*scheme, signed_request);
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
                     auto event = event_of(*source, *delivery, *payload, engine_.now());
                     if (!event) return problem_from(event.error());
                     auto result = engine_.ingest(*event);
                     if (!result) return problem_from(result.error());
                     metrics_.add_events(result->duplicate ? 0 : 1, result->duplicate ? 1 : 0);
                     return json_response(202, {{"source", event->source},
                                                {"id", event->id},
                                                {"type", event->type},
                                                {"duplicate", result->duplicate},
                                                {"handoffs", result->handoff_ids},
                                                {"ticked", result->ticked_ids}});
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
                                                  {"scheme", s.scheme},
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
