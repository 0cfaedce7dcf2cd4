// Operations and reads: health, readiness, metrics, relays, reports, the OpenAPI document.
#include "core/duration.h"
#include "engine/json_views.h"
#include "http/api.h"
#include "http/openapi.h"
#include "http/problem.h"

namespace baton::http {

void Api::add_ops_routes() {
    router_.add({"GET", "/livez", Access::open, "The process is alive",
                 [](const Request&, const Params&, const Principal&) {
                     return json_response(200, {{"status", "ok"}});
                 }});
    auto ready = [this](const Request&, const Params&, const Principal&) {
        if (auto st = engine_.ready(); !st) {
            Response r = problem(503, "Service Unavailable",
                                 "the database is not reachable: " + st.error().message);
            r.headers.set("Retry-After", "1");
            return r;
        }
        return json_response(200, {{"status", "ok"}, {"database", engine_.describe_store()}});
    };
    router_.add({"GET", "/readyz", Access::open,
                 "Ready: the database is reachable and migrated", ready});
    router_.add({"GET", "/healthz", Access::open, "An alias of /readyz", ready});
    router_.add({"GET", "/metrics", Access::read, "Prometheus metrics",
                 [this](const Request&, const Params&, const Principal&) {
                     std::string extra;
                     extra += "# HELP baton_handoffs Handoffs by state.\n";
                     extra += "# TYPE baton_handoffs gauge\n";
                     if (auto counts = engine_.handoff_counts()) {
                         for (const auto& [state, n] : *counts) {
                             extra += std::string("baton_handoffs{state=\"") +
                                      core::to_string(state) + "\"} " + std::to_string(n) + "\n";
                         }
                     }
                     extra += "# HELP baton_write_queue_depth Writes waiting for a commit.\n";
                     extra += "# TYPE baton_write_queue_depth gauge\n";
                     extra += "baton_write_queue_depth " +
                              std::to_string(engine_.pending_writes()) + "\n";
                     extra += "# HELP baton_outbox_messages Outbox messages by status.\n";
                     extra += "# TYPE baton_outbox_messages gauge\n";
                     if (auto counts = engine_.outbox_counts()) {
                         // Every status, even at zero, so that a rate or an alert on one
                         // has a series from the start.
                         for (const char* status : {"pending", "delivered", "failed"}) {
                             const auto found = counts->find(status);
                             extra += std::string("baton_outbox_messages{status=\"") + status +
                                      "\"} " +
                                      std::to_string(found == counts->end() ? 0 : found->second) +
                                      "\n";
                         }
                     }
                     if (options_.extra_metrics) {
                         extra += options_.extra_metrics();
                         if (!extra.empty() && extra.back() != '\n') extra += '\n';
                     }
                     Response r;
                     r.content_type = "text/plain; version=0.0.4";
                     r.body = metrics_.render(extra);
                     return r;
                 }});
    router_.add({"GET", "/v1/relays/{subject}", Access::read,
                 "Where the baton is for one subject",
                 [this](const Request&, const Params& p, const Principal&) {
                     auto relay = engine_.relay(p.at("subject"));
                     if (!relay) return problem_from(relay.error());
                     return json_response(200, engine::relay_json(*relay, engine_.now()));
                 }});
    router_.add({"GET", "/v1/reports", Access::read,
                 "Where handoffs leak, per playbook, owner, giver or edge",
                 [this](const Request& r, const Params&, const Principal&) {
                     auto since = report_since(r, {"since", "by", "format"});
                     if (!since) return problem_from(since.error());
                     const std::string& since_text = since->first;
                     const std::string by = r.query.count("by") ? r.query.at("by") : "playbook";
                     const auto report_by = core::parse_report_by(by);
                     if (!report_by) {
                         return problem(400, "Bad Request",
                                        "by must be playbook, owner, giver or edge", "by");
                     }
                     auto rows = engine_.report(since->second, *report_by);
                     if (!rows) return problem_from(rows.error());
                     const std::string format =
                         r.query.count("format") ? r.query.at("format") : "json";
                     if (format == "csv") {
                         return csv_response(
                             engine::report_json(*rows),
                             {"key", "count", "open", "accepted", "done", "declined", "cancelled",
                              "overdue", "accept_p50_ms", "accept_p90_ms", "done_p50_ms",
                              "done_p90_ms", "silent_delay_ms"},
                             "baton-report-" + by + "-" + since_text + ".csv");
                     }
                     if (format != "json") {
                         return problem(400, "Bad Request", "format must be json or csv", "format");
                     }
                     return json_response(200, {{"since", since_text},
                                                {"by", by},
                                                {"rows", engine::report_json(*rows)}});
                 }});
    router_.add({"GET", "/v1/events", Access::read,
                 "Stored events, including those that matched no playbook",
                 [this](const Request& r, const Params&, const Principal&) {
                     store::EventFilter f;
                     for (const auto& [key, value] : r.query) {
                         if (key == "type") {
                             f.type = value;
                         } else if (key == "unmatched") {
                             f.unmatched_only = value == "true" || value == "1";
                         } else if (key == "cursor" || key == "limit") {
                             if (value.empty() || value.size() > 18 ||
                                 value.find_first_not_of("0123456789") != std::string::npos) {
                                 return problem(400, "Bad Request", key + " must be a number",
                                                key);
                             }
                             if (key == "cursor") {
                                 f.after_seq = std::stoll(value);
                             } else {
                                 f.limit = static_cast<std::size_t>(std::stoll(value));
                             }
                         } else {
                             return problem(400, "Bad Request",
                                            "unknown query parameter `" + key + "`", key);
                         }
                     }
                     if (f.limit == 0 || f.limit > 1000) {
                         return problem(400, "Bad Request", "limit must be 1 to 1000", "limit");
                     }
                     auto events = engine_.events(f);
                     if (!events) return problem_from(events.error());
                     nlohmann::json out = {{"items", nlohmann::json::array()},
                                           {"next_cursor", nullptr}};
                     for (const auto& e : *events) out["items"].push_back(engine::event_json(e));
                     if (events->size() == f.limit) {
                         out["next_cursor"] = std::to_string(events->back().seq);
                     }
                     return json_response(200, out);
                 }});
    router_.add({"GET", "/v1/openapi.json", Access::read, "This API, as OpenAPI 3.1",
                 [](const Request&, const Params&, const Principal&) {
                     Response r;
                     r.body = openapi_document();
                     return r;
                 }});
}

}  // namespace baton::http
