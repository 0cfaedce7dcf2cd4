// POST /v1/events: CloudEvents 1.0 in structured, binary and batch mode, and plain JSON.
// A 202 is answered only after every event of the request is durably committed.
#include <random>

#include "core/event.h"
#include "core/limits.h"
#include "engine/json_views.h"
#include "crypto/crypto.h"
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

std::string content_type_of(const Request& r) {
    std::string type = r.headers.get("Content-Type").value_or("application/json");
    const auto semicolon = type.find(';');
    if (semicolon != std::string::npos) type.resize(semicolon);
    while (!type.empty() && type.back() == ' ') type.pop_back();
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return type;
}

std::string generated_id() {
    auto bytes = crypto::random_bytes(16);
    return "api-" + (bytes ? crypto::hex_encode(*bytes) : std::string("unknown"));
}

// Binary mode: the attributes are ce-* headers and the body is the data.
Result<std::vector<core::Event>> binary_mode(const Request& r, TimePoint now) {
    nlohmann::json object = {{"specversion", r.headers.get("ce-specversion").value_or("")}};
    for (const char* name : {"type", "id", "source", "subject", "time"}) {
        if (auto v = r.headers.get(std::string("ce-") + name)) object[name] = *v;
    }
    auto data = json_body(r);
    if (!data) return make_error(data.error().code, data.error().message, "data");
    object["data"] = std::move(data).value();
    auto event = core::event_from_json(object, "", "", now);
    if (!event) {
        Error e = event.error();
        if (!e.field.empty() && e.field != "data") e.field = "ce-" + e.field;
        return e;
    }
    return std::vector<core::Event>{std::move(event).value()};
}

Result<std::vector<core::Event>> events_of(const Request& r, TimePoint now,
                                           std::size_t batch_max) {
    const std::string type = content_type_of(r);
    if (r.headers.get("ce-specversion")) return binary_mode(r, now);
    if (type != "application/json" && type != "application/cloudevents+json" &&
        type != "application/cloudevents-batch+json") {
        return make_error(ErrorCode::invalid_argument,
                          "Content-Type must be application/json, application/cloudevents+json "
                          "or application/cloudevents-batch+json",
                          "Content-Type");
    }
    auto body = core::parse_json_limited(r.body, limits::event_bytes_max);
    if (!body) return body.error();
    const bool batch = type == "application/cloudevents-batch+json" || body->is_array();
    if (batch && !body->is_array()) {
        return make_error(ErrorCode::invalid_argument, "a batch must be a JSON array");
    }
    std::vector<nlohmann::json> items;
    if (batch) {
        if (body->empty()) return make_error(ErrorCode::invalid_argument, "the batch is empty");
        if (body->size() > batch_max) {
            return make_error(ErrorCode::limit_exceeded,
                              "a batch holds at most " + std::to_string(batch_max) + " events",
                              "batch");
        }
        for (auto& item : *body) items.push_back(std::move(item));
    } else {
        items.push_back(std::move(body).value());
    }
    std::vector<core::Event> out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto event = core::event_from_json(items[i], generated_id(), "api", now);
        if (!event) {
            Error e = event.error();
            if (batch) e.field = "[" + std::to_string(i) + "]" + (e.field.empty() ? "" : "." + e.field);
            return e;
        }
        out.push_back(std::move(event).value());
    }
    return out;
}

}  // namespace

// A batch with too many events is a body too large for this route (413), unlike a field
// over its limit inside one event (400).
Response events_problem(const Error& e) {
    if (e.code == ErrorCode::limit_exceeded && e.field == "batch") {
        return problem(413, "Content Too Large", e.message, "batch");
    }
    return problem_from(e);
}

Response Api::post_events(const Request& request) {
    auto events = events_of(request, engine_.now(), options_.batch_events_max);
    if (!events) return events_problem(events.error());
    nlohmann::json results = nlohmann::json::array();
    std::int64_t stored = 0, duplicates = 0;
    for (const auto& event : *events) {
        auto r = engine_.ingest(event);
        if (!r) {
            metrics_.add_events(stored, duplicates);
            // Earlier events of a batch stay committed; a retry is safe (deduplicated).
            return problem_from(r.error());
        }
        (r->duplicate ? duplicates : stored) += 1;
        results.push_back(engine::ingest_result_json(event, *r));
    }
    metrics_.add_events(stored, duplicates);
    const bool single = results.size() == 1 && !request.body.empty() &&
                        request.body.find_first_not_of(" \t\r\n") != std::string::npos &&
                        request.body[request.body.find_first_not_of(" \t\r\n")] != '[';
    return json_response(202, single ? results[0] : nlohmann::json{{"events", results}});
}

// One event, ingested without holding a thread while it commits: the answer is the same
// as post_events() gives for it, sent when the store has committed.
bool Api::post_event_async(const Request& request, const Respond& respond) {
    auto events = events_of(request, engine_.now(), options_.batch_events_max);
    if (!events) {
        respond([r = events_problem(events.error())] { return r; });
        return true;
    }
    if (events->size() != 1) return false;
    const core::Event& event = events->front();
    // Runs on the store's thread: it only counts and hands the result on; the answer is
    // made on the connection's thread.
    auto answer = [this, respond, source = event.source, id = event.id,
                   type = event.type](Result<engine::IngestResult> r) mutable {
        if (r) metrics_.add_events(r->duplicate ? 0 : 1, r->duplicate ? 1 : 0);
        try {
            respond([r = std::move(r), source = std::move(source), id = std::move(id),
                     type = std::move(type)] {
                if (!r) return problem_from(r.error());
                return json_response(202, {{"source", source},
                                           {"id", id},
                                           {"type", type},
                                           {"duplicate", r->duplicate},
                                           {"handoffs", r->handoff_ids},
                                           {"ticked", r->ticked_ids}});
            });
        } catch (...) {
            // The connection is lost to us; the event is stored all the same.
        }
        answers_owed_.fetch_sub(1);
    };
    answers_owed_.fetch_add(1);
    try {
        engine_.ingest_async(event, std::move(answer));
    } catch (...) {
        answers_owed_.fetch_sub(1);
        throw;
    }
    return true;
}

void Api::add_event_routes() {
    router_.add({"POST", "/v1/events", Access::write,
                 "Record events: CloudEvents (structured, binary, batch) or plain JSON",
                 [this](const Request& r, const Params&, const Principal&) {
                     return post_events(r);
                 }});
}

}  // namespace baton::http
