// The handoff routes: list, show, and the actions of the state machine, performed as the
// token's person (the engine enforces who may do what).
#include "core/duration.h"
#include "core/limits.h"
#include "engine/json_views.h"
#include "http/api.h"
#include "http/problem.h"
#include "http/redact.h"

namespace baton::http {

Result<std::int64_t> id_param(const Params& params, const char* name) {
    const std::string& text = params.at(name);
    std::int64_t v = 0;
    if (text.empty() || text.size() > 18) {
        return make_error(ErrorCode::invalid_argument, std::string(name) + " must be a number", name);
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return make_error(ErrorCode::invalid_argument,
                              std::string(name) + " must be a number, not `" + text + "`", name);
        }
        v = v * 10 + (c - '0');
    }
    return v;
}

namespace {

Result<std::string> string_field(const nlohmann::json& body, const char* key, bool required) {
    if (!body.contains(key) || body[key].is_null()) {
        if (required) {
            return make_error(ErrorCode::invalid_argument, std::string(key) + " is required", key);
        }
        return std::string();
    }
    if (!body[key].is_string()) {
        return make_error(ErrorCode::invalid_argument, std::string(key) + " must be a string", key);
    }
    return body[key].get<std::string>();
}

Result<engine::ListQuery> list_query(const Request& r, const Principal& caller) {
    engine::ListQuery q;
    for (const auto& [key, value] : r.query) {
        if (key == "state") {
            q.state = core::parse_handoff_state(value);
            if (!q.state) {
                return make_error(ErrorCode::invalid_argument,
                                  "state must be waiting, accepted, done, declined or cancelled",
                                  "state");
            }
        } else if (key == "owner") {
            q.owner = value;
        } else if (key == "playbook") {
            q.playbook = value;
        } else if (key == "subject") {
            q.subject = value;
        } else if (key == "overdue") {
            q.overdue = value == "true" || value == "1";
        } else if (key == "open") {
            q.open_only = value == "true" || value == "1";
        } else if (key == "unowned") {
            q.unowned_only = value == "true" || value == "1";
        } else if (key == "team") {
            q.team = value;
        } else if (key == "accountable") {
            q.accountable = value == "true" || value == "1";
        } else if (key == "mine") {
            // The handoffs the caller holds: owned, reassigned away and not yet accepted,
            // declined back to them as giver, or escalated to them. With owner= as well,
            // the two must agree.
            if (value == "true" || value == "1") {
                if (q.owner && *q.owner != caller.actor.handle) {
                    return make_error(ErrorCode::invalid_argument,
                                      "mine=true and owner= name different people", "mine");
                }
                q.owner = caller.actor.handle;
                q.accountable = true;
                q.mine = true;
                q.givers = caller.actor.teams;
                q.givers.push_back(caller.actor.handle);
            }
        } else if (key == "q") {
            if (value.size() > limits::event_subject_bytes_max) {
                return make_error(ErrorCode::invalid_argument,
                                  "q must be at most " + std::to_string(limits::event_subject_bytes_max) +
                                      " bytes",
                                  "q");
            }
            if (!value.empty()) q.subject_contains = value;
        } else if (key == "closed_since") {
            auto at = parse_rfc3339(value);
            if (!at) {
                return make_error(ErrorCode::invalid_argument,
                                  "closed_since must be an RFC 3339 time, not `" + value + "`",
                                  "closed_since");
            }
            q.closed_since = *at;
        } else if (key == "order") {
            if (value != "asc" && value != "desc") {
                return make_error(ErrorCode::invalid_argument,
                                  "order must be asc or desc, not `" + value + "`", "order");
            }
            q.newest_first = value == "desc";
        } else if (key == "view") {
            if (value != "full" && value != "card") {
                return make_error(ErrorCode::invalid_argument,
                                  "view must be full or card, not `" + value + "`", "view");
            }
            q.cards = value == "card";
        } else if (key == "cursor" || key == "limit") {
            Params p{{key, value}};
            auto n = id_param(p, key.c_str());
            if (!n) return n.error();
            if (key == "cursor") q.after_id = *n;
            else q.limit = static_cast<std::size_t>(*n);
        } else {
            return make_error(ErrorCode::invalid_argument, "unknown query parameter `" + key + "`",
                              key);
        }
    }
    return q;
}

}  // namespace

nlohmann::json Api::handoff_detail(const core::Handoff& h, const Principal& caller) {
    const TimePoint now = engine_.now();
    nlohmann::json out = engine::handoff_json(h, now, true);
    out["allowed_actions"] = core::allowed_actions(h, caller.actor, now);
    nlohmann::json deliveries = nlohmann::json::array();
    if (auto rows = engine_.outbox(h.id)) {
        // A webhook's URL or a Slack response_url is a bearer secret: admins only.
        const bool admin = caller.actor.role == core::Role::admin;
        // Without a channels.yaml nothing is sent: the pending rows say so.
        bool connected = true;
        if (!rows->empty()) {
            auto applied = engine_.channels_applied();
            connected = !applied || *applied;
        }
        for (const auto& row : *rows) {
            nlohmann::json d = engine::delivery_json(row, connected);
            if (!admin) d["target"] = redact_delivery_target(row.target);
            deliveries.push_back(std::move(d));
        }
    } else {
        return out;  // the handoff itself was read; deliveries are an extra
    }
    out["deliveries"] = std::move(deliveries);
    return out;
}

Response Api::handoff_action(const Params& params, const Principal& caller,
                             const std::string& action, const nlohmann::json& body) {
    auto id = id_param(params, "id");
    if (!id) return problem_from(id.error());
    Result<core::Handoff> after = make_error(ErrorCode::internal, "no action");
    auto reason = string_field(body, "reason", action == "decline");
    if (!reason) return problem_from(reason.error());
    if (action == "accept") {
        after = engine_.act(*id, core::Accept{}, caller.actor);
    } else if (action == "decline") {
        after = engine_.act(*id, core::Decline{*reason}, caller.actor);
    } else if (action == "done") {
        bool force = false;
        if (body.contains("force")) {
            if (!body["force"].is_boolean()) {
                return problem(400, "Bad Request", "force must be true or false", "force");
            }
            force = body["force"].get<bool>();
        }
        after = engine_.act(*id, core::Finish{force, *reason}, caller.actor);
    } else if (action == "cancel") {
        after = engine_.act(*id, core::Cancel{*reason}, caller.actor);
    } else if (action == "reassign") {
        auto to = string_field(body, "to", true);
        if (!to) return problem_from(to.error());
        after = engine_.reassign(*id, *to, *reason, caller.actor);
    } else if (action == "comment") {
        auto text = string_field(body, "text", true);
        if (!text) return problem_from(text.error());
        after = engine_.act(*id, core::Comment{*text}, caller.actor);
    }
    if (!after) return problem_from(after.error());
    return json_response(200, handoff_detail(*after, caller));
}

void Api::add_handoff_routes() {
    router_.add({"GET", "/v1/handoffs", Access::read, "List handoffs",
                 [this](const Request& r, const Params&, const Principal& caller) {
                     auto q = list_query(r, caller);
                     if (!q) return problem_from(q.error());
                     // Read before the list: a live stream that starts after this number
                     // misses nothing the list did not show.
                     auto seq = engine_.last_change_seq();
                     if (!seq) return problem_from(seq.error());
                     auto items = engine_.list(*q);
                     if (!items) return problem_from(items.error());
                     // Written as text, in the keys' sorted order that json_response would
                     // give: a page of 1,000 handoffs as JSON values cost most of its time.
                     const TimePoint now = engine_.now();
                     Response out;
                     out.status = 200;
                     const auto view =
                         q->cards ? engine::HandoffView::card : engine::HandoffView::full;
                     out.body.reserve((q->cards ? 640 : 1024) * (items->size() + 1));
                     out.body += "{\"change_seq\":" + std::to_string(*seq) + ",\"items\":[";
                     for (std::size_t i = 0; i < items->size(); ++i) {
                         if (i > 0) out.body += ',';
                         engine::append_handoff_json(out.body, (*items)[i], now, view);
                     }
                     out.body += "],\"next_cursor\":";
                     if (items->size() == q->limit && !items->empty()) {
                         out.body += '"' + std::to_string(items->back().id) + '"';
                     } else {
                         out.body += "null";
                     }
                     out.body += '}';
                     return out;
                 }});
    router_.add({"GET", "/v1/handoffs/{id}", Access::read, "A handoff with checklist and timeline",
                 [this](const Request&, const Params& p, const Principal& caller) {
                     auto id = id_param(p, "id");
                     if (!id) return problem_from(id.error());
                     auto h = engine_.show(*id);
                     if (!h) return problem_from(h.error());
                     return json_response(200, handoff_detail(*h, caller));
                 }});
    // The fields each action takes. Vectors, not initializer_lists: an initializer_list
    // inside a container would dangle once the container is built.
    const std::vector<std::pair<const char*, std::vector<const char*>>> actions = {
        {"accept", {}},
        {"decline", {"reason"}},
        {"done", {"force", "reason"}},
        {"cancel", {"reason"}},
        {"reassign", {"to", "reason"}},
        {"comment", {"text"}}};
    for (const auto& [name, fields] : actions) {
        const std::string action = name;
        const std::vector<const char*> allowed = fields;
        router_.add({"POST", "/v1/handoffs/{id}/" + action, Access::write,
                     "Perform `" + action + "` on a handoff",
                     [this, action, allowed](const Request& r, const Params& p,
                                             const Principal& caller) {
                         auto body = json_body(r);
                         if (!body) return problem_from(body.error());
                         if (!body->is_object()) {
                             return problem(400, "Bad Request", "the body must be a JSON object");
                         }
                         for (const auto& [key, value] : body->items()) {
                             bool known = false;
                             for (const char* a : allowed) known = known || key == a;
                             if (!known) {
                                 return problem(400, "Bad Request",
                                                "unknown field `" + key + "`", key);
                             }
                         }
                         return handoff_action(p, caller, action, *body);
                     }});
    }
    router_.add({"POST", "/v1/handoffs/{id}/checklist/{n}", Access::write,
                 "Tick or untick a checklist item",
                 [this](const Request& r, const Params& p, const Principal& caller) {
                     auto id = id_param(p, "id");
                     if (!id) return problem_from(id.error());
                     auto n = id_param(p, "n");
                     if (!n) return problem_from(n.error());
                     if (*n < 1 || *n > static_cast<std::int64_t>(limits::checklist_items_max)) {
                         return problem(404, "Not Found", "no checklist item " + p.at("n"), "n");
                     }
                     auto body = json_body(r);
                     if (!body) return problem_from(body.error());
                     if (auto st = only_fields(*body, {"checked"}); !st) {
                         return problem_from(st.error());
                     }
                     if (!body->contains("checked") || !(*body)["checked"].is_boolean()) {
                         return problem(400, "Bad Request", "checked must be true or false",
                                        "checked");
                     }
                     auto after = engine_.act(
                         *id, core::Check{static_cast<int>(*n), (*body)["checked"].get<bool>()},
                         caller.actor);
                     if (!after) return problem_from(after.error());
                     return json_response(200, handoff_detail(*after, caller));
                 }});
}

}  // namespace baton::http
