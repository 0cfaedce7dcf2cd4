// POST /hooks/{source}: inbound webhooks, and their delivery log. The engine runs the call
// (engine/engine_hooks.cpp: the signature on the raw bytes, in constant time, before
// anything is parsed; the mapping; the ingest) and logs it; here its receipt becomes the
// answer: a wrong, stale or missing signature is 401 and counted in /metrics. POST
// /v1/sources/{name}/test is its dry run for an admin: no signature, nothing stored.
#include "core/event.h"
#include "core/limits.h"
#include "core/source_presets.h"
#include "core/sources.h"
#include "engine/json_views.h"
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

// The URI a scheme that signs it (HubSpot v3) was called at: the source's public url when
// set, else https:// (HubSpot calls nothing else) + Host + the path and query.
std::string called_uri(const std::optional<core::Source>& source, const Request& r) {
    if (source && !source->url.empty()) return source->url;
    std::string uri = "https://" + r.headers.get("Host").value_or("") + r.path;
    char sep = '?';
    for (const auto& [k, v] : r.query) {
        uri += sep + k + "=" + v;
        sep = '&';
    }
    return uri;
}

// A delivery log's query: ?source=, ?outcome=, ?cursor= (the last id of the page before),
// ?limit= (1 to hook_deliveries_page_max).
Result<store::HookDeliveryFilter> deliveries_filter(const Request& r) {
    store::HookDeliveryFilter f;
    f.with_content = false;
    for (const auto& [key, value] : r.query) {
        if (key == "source") {
            f.source = value;
        } else if (key == "outcome") {
            if (value != "accepted" && value != "unmatched" && value != "duplicate" &&
                value != "challenge" && value != "refused") {
                return make_error(ErrorCode::invalid_argument,
                                  "outcome must be accepted, unmatched, duplicate, challenge "
                                  "or refused, not `" +
                                      value + "`",
                                  "outcome");
            }
            f.outcome = value;
        } else if (key == "cursor" || key == "limit") {
            if (value.empty() || value.size() > 18 ||
                value.find_first_not_of("0123456789") != std::string::npos) {
                return make_error(ErrorCode::invalid_argument, key + " must be a number", key);
            }
            if (key == "cursor") {
                f.before_id = std::stoll(value);
            } else {
                f.limit = static_cast<std::size_t>(std::stoll(value));
            }
        } else {
            return make_error(ErrorCode::invalid_argument, "unknown query parameter `" + key + "`",
                              key);
        }
    }
    if (f.limit == 0 || f.limit > limits::hook_deliveries_page_max) {
        return make_error(ErrorCode::invalid_argument,
                          "limit must be 1 to " + std::to_string(limits::hook_deliveries_page_max),
                          "limit");
    }
    return f;
}

}  // namespace

Response Api::hook_answer(const std::string& source, const engine::Engine::HookReceipt& receipt) {
    if (receipt.refusal) {
        if (receipt.stage == "signature") {
            metrics_.add_signature_failure(source);
            return problem(401, "Unauthorized", receipt.refusal->message, receipt.refusal->field);
        }
        return problem_from(*receipt.refusal);
    }
    if (!receipt.challenge.empty()) return json_response(200, {{"challenge", receipt.challenge}});
    nlohmann::json answers = nlohmann::json::array();
    for (const auto& [event, result] : receipt.events) {
        metrics_.add_events(result.duplicate ? 0 : 1, result.duplicate ? 1 : 0);
        answers.push_back(engine::ingest_result_json(event, result));
    }
    // One event answers as it always has; a batch lists each of its own.
    if (!receipt.batch) return json_response(202, answers.front());
    return json_response(202, {{"events", answers}});
}

void Api::add_hook_routes() {
    router_.add({"POST", "/hooks/{source}", Access::signed_hook,
                 "Receive a signed webhook from a configured source",
                 [this](const Request& r, const Params& p, const Principal&) {
                     const std::string& name = p.at("source");
                     auto source = engine_.source(name);
                     std::optional<core::Source> found;
                     if (source) found = *source;
                     engine::Engine::HookCall call;
                     call.source = name;
                     call.method = r.method;
                     call.uri = called_uri(found, r);
                     for (const auto& [n, v] : r.headers.entries()) call.headers.emplace_back(n, v);
                     call.body = r.body;
                     auto receipt = engine_.receive_hook(call);
                     if (!receipt) return problem_from(receipt.error());
                     return hook_answer(name, *receipt);
                 }});
    router_.add({"GET", "/v1/deliveries", Access::admin,
                 "The delivery log of /hooks: every call, newest first, and how it ended",
                 [this](const Request& r, const Params&, const Principal&) {
                     auto filter = deliveries_filter(r);
                     if (!filter) return problem_from(filter.error());
                     auto page = engine_.hook_deliveries(*filter);
                     if (!page) return problem_from(page.error());
                     nlohmann::json out = {{"items", nlohmann::json::array()},
                                           {"next_cursor", nullptr},
                                           {"unlogged", engine_.hook_refusals_unlogged()}};
                     for (const auto& d : *page) {
                         out["items"].push_back(engine::hook_delivery_json(d, false));
                     }
                     if (page->size() == filter->limit) {
                         out["next_cursor"] = std::to_string(page->back().id);
                     }
                     return json_response(200, out);
                 }});
    router_.add({"GET", "/v1/deliveries/{id}", Access::admin,
                 "One call of the delivery log, with its headers (credentials redacted) and body",
                 [this](const Request&, const Params& p, const Principal&) {
                     auto id = id_param(p, "id");
                     if (!id) return problem_from(id.error());
                     auto d = engine_.hook_delivery(*id);
                     if (!d) return problem_from(d.error());
                     return json_response(200, engine::hook_delivery_json(*d, true));
                 }});
    router_.add({"POST", "/v1/deliveries/{id}/replay", Access::admin,
                 "Run a refused delivery again, once, through the source's current secrets, "
                 "mapping and playbooks",
                 [this](const Request&, const Params& p, const Principal&) {
                     auto id = id_param(p, "id");
                     if (!id) return problem_from(id.error());
                     auto replay = engine_.replay_hook_delivery(*id);
                     if (!replay) return problem_from(replay.error());
                     return json_response(201, engine::hook_delivery_json(*replay, true));
                 }});
    router_.add({"GET", "/v1/sources/presets", Access::admin,
                 "The source presets: each vendor Baton knows how to connect",
                 [](const Request&, const Params&, const Principal&) {
                     nlohmann::json items = nlohmann::json::array();
                     for (const auto& preset : core::source_presets()) {
                         items.push_back({{"name", preset.name},
                                          {"vendor", preset.vendor},
                                          {"scheme", preset.scheme},
                                          {"batch", preset.batch},
                                          // The event type, a template over the payload
                                          // ("calendly.{{payload.event}}"), for the
                                          // playbook builder's handoff moment.
                                          {"type", preset.type},
                                          {"sample", true}});
                     }
                     return json_response(200, {{"items", items}});
                 }});
    router_.add({"POST", "/v1/sources", Access::admin,
                 "Add a source from a preset; its new secret is answered once",
                 [this](const Request& r, const Params&, const Principal&) {
                     auto body = json_body(r);
                     if (!body) return problem_from(body.error());
                     if (auto st = only_fields(*body, {"name", "preset"}); !st) {
                         return problem_from(st.error());
                     }
                     for (const char* key : {"name", "preset"}) {
                         if (!body->contains(key) || !(*body)[key].is_string() ||
                             (*body)[key].get<std::string>().empty()) {
                             return problem(400, "Bad Request",
                                            std::string(key) + " is required, as a string", key);
                         }
                     }
                     auto added = engine_.add_source((*body)["name"].get<std::string>(),
                                                     (*body)["preset"].get<std::string>());
                     if (!added) return problem_from(added.error());
                     Response out = json_response(201, {{"name", added->name},
                                                        {"preset", added->preset},
                                                        {"url", added->url},
                                                        {"secret", added->secret}});
                     out.headers.set("Cache-Control", "no-store");
                     return out;
                 },
                 /*replayable=*/false});
    router_.add({"POST", "/v1/sources/{name}/sample", Access::admin,
                 "Send a test delivery: the preset's sample, signed, through the whole pipeline",
                 [this](const Request&, const Params& p, const Principal&) {
                     auto logged = engine_.send_sample_delivery(p.at("name"));
                     if (!logged) return problem_from(logged.error());
                     return json_response(201, engine::hook_delivery_json(*logged, true));
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
