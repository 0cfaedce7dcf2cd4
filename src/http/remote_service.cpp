#include "http/remote_service.h"
#include "core/utf8.h"

#include <type_traits>
#include <variant>

#include "core/event.h"
#include "core/playbook.h"
#include "core/sources.h"
#include "core/workspace.h"
#include "engine/engine.h"
#include "engine/json_views.h"

namespace baton::http {

namespace {

using nlohmann::json;

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        out += (out.empty() ? "?" : "&") + key + "=" + percent_encode(value);
    }
    return out;
}

// The route and body of one action on a handoff. The reason goes along even when empty,
// so that the engine behind the API judges it exactly as it would locally.
std::pair<std::string, json> action_route(std::int64_t id, const core::Action& action) {
    const std::string base = "/v1/handoffs/" + std::to_string(id) + "/";
    return std::visit(
        [&](const auto& a) -> std::pair<std::string, json> {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, core::Accept>) {
                return {base + "accept", json::object()};
            } else if constexpr (std::is_same_v<A, core::Decline>) {
                return {base + "decline", {{"reason", a.reason}}};
            } else if constexpr (std::is_same_v<A, core::Finish>) {
                return {base + "done", {{"force", a.force}, {"reason", a.reason}}};
            } else if constexpr (std::is_same_v<A, core::Cancel>) {
                return {base + "cancel", {{"reason", a.reason}}};
            } else if constexpr (std::is_same_v<A, core::Reassign>) {
                return {base + "reassign", {{"to", a.to}, {"reason", a.reason}}};
            } else if constexpr (std::is_same_v<A, core::Check>) {
                return {base + "checklist/" + std::to_string(a.item), {{"checked", a.checked}}};
            } else {
                static_assert(std::is_same_v<A, core::Comment>);
                return {base + "comment", {{"text", a.text}}};
            }
        },
        action);
}

// The engine's answer to lint errors (engine.cpp): one located message a line.
Error lint_failure(const core::Diagnostics& errors) {
    std::string message;
    for (const auto& d : errors) {
        if (!message.empty()) message += '\n';
        message += d.format();
    }
    return make_error(ErrorCode::invalid_argument, message);
}

// An error after some files were stored: says which, since remote apply is per file.
Error with_progress(Error error, const std::vector<std::string>& stored) {
    if (stored.empty()) return error;
    std::string paths;
    for (const auto& p : stored) paths += (paths.empty() ? "" : ", ") + p;
    const std::string note = "remote apply stores file by file; stored before this: " + paths;
    if (error.message.find('\n') != std::string::npos) {
        error.message += "\n" + note;
    } else {
        error.message += " (" + note + ")";
    }
    return error;
}

}  // namespace

ErrorCode error_code_for_status(int status) {
    switch (status) {
        case 400: return ErrorCode::invalid_argument;
        case 401:
        case 403: return ErrorCode::forbidden;
        case 404: return ErrorCode::not_found;
        case 409:
        case 412: return ErrorCode::conflict;
        case 413: return ErrorCode::limit_exceeded;
        case 422: return ErrorCode::invalid_argument;  // lint errors of channels, templates
        case 429:
        case 503: return ErrorCode::unavailable;
        default: return ErrorCode::internal;
    }
}

RemoteService::RemoteService(std::unique_ptr<HttpClient> client, const engine::Clock& clock)
    : client_(std::move(client)), clock_(clock) {
    BATON_ASSERT(client_ != nullptr);
}

Error RemoteService::error_from(const Response& response) const {
    std::string message, field;
    const json body = json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("detail") && body["detail"].is_string()) {
        message = body["detail"].get<std::string>();
        if (body.contains("field") && body["field"].is_string()) field = body["field"];
    } else {
        message = client_->base_url().text + " answered HTTP " + std::to_string(response.status);
    }
    if (response.status == 401) {
        message = "the server refused the token in BATON_TOKEN: " + message;
    }
    return make_error(error_code_for_status(response.status), message, field);
}

Error RemoteService::malformed(const std::string& what) const {
    return make_error(ErrorCode::corrupt,
                      "malformed answer from " + client_->base_url().text + ": " + what);
}

Result<json> RemoteService::call(const ClientRequest& request) {
    auto response = client_->send(request);
    if (!response) return response.error();
    if (response->status < 200 || response->status > 299) return error_from(*response);
    if (response->body.empty()) return json::object();
    auto body = core::parse_json_limited(response->body, response->body.size());
    if (!body) return malformed(body.error().message);
    // Every route the CLI calls answers an object.
    if (!body->is_object()) return malformed(request.method + " " + request.target +
                                             " did not answer a JSON object");
    return std::move(body).value();
}

Result<json> RemoteService::get(const std::string& target) {
    ClientRequest request;
    request.target = target;
    return call(request);
}

Result<std::string> RemoteService::get_text(const std::string& target) {
    ClientRequest request;
    request.target = target;
    auto response = client_->send(request);
    if (!response) return response.error();
    if (response->status < 200 || response->status > 299) return error_from(*response);
    return std::move(response->body);
}

Result<json> RemoteService::post(const std::string& target, const json& body, bool retry_safe) {
    return call({.method = "POST", .target = target, .body = core::dump_json(body),
                 .retry_safe = retry_safe});
}

Result<core::Handoff> RemoteService::handoff_answer(const Result<json>& answer) {
    if (!answer) return answer.error();
    return engine::handoff_from_json(*answer);
}

// --- configuration ---------------------------------------------------------------------

Status RemoteService::lint_like_the_server(const std::vector<engine::SourceFile>& files) {
    std::optional<engine::SourceFile> stored_people;
    bool has_people = false;
    for (const auto& f : files) has_people = has_people || engine::is_people_file(f.path);
    if (!has_people) {
        auto people = get("/v1/people");
        if (!people) return people.error();
        const json yaml = people->value("yaml", json());
        if (!yaml.is_string()) return malformed("GET /v1/people has no yaml");
        if (!yaml.get<std::string>().empty()) {
            stored_people = engine::SourceFile{"people.yaml", yaml.get<std::string>()};
        }
    }
    // The stored playbooks that the files do not replace count for `next:` across files.
    std::vector<std::string> replaced;
    for (const auto& f : files) {
        if (core::file_kind(f.path) != core::FileKind::playbook) continue;
        auto parsed = core::parse_playbook(f.text, f.path);
        if (parsed.playbook) replaced.push_back(parsed.playbook->id);
    }
    std::vector<engine::SourceFile> all = files;
    auto stored = get("/v1/playbooks");
    if (!stored) return stored.error();
    const json items = stored->value("items", json());
    if (!items.is_array()) return malformed("GET /v1/playbooks has no items");
    for (const auto& item : items) {
        const json id = item.value("id", json());
        if (!id.is_string()) return malformed("a playbook without an id");
        if (std::find(replaced.begin(), replaced.end(), id.get<std::string>()) != replaced.end()) {
            continue;
        }
        auto one = get("/v1/playbooks/" + percent_encode(id.get<std::string>()));
        if (!one) return one.error();
        const json yaml = one->value("yaml", json());
        const json file = one->value("file", json(""));
        if (!yaml.is_string() || !file.is_string()) return malformed("a playbook without yaml");
        const std::string path = file.get<std::string>().empty()
                                     ? id.get<std::string>() + ".yaml"
                                     : file.get<std::string>();
        all.push_back({path, yaml.get<std::string>()});
    }
    const engine::LintReport lint =
        engine::lint_sources(all, stored_people ? &*stored_people : nullptr);
    if (!lint.errors.empty()) return lint_failure(lint.errors);
    return ok_status();
}

Result<engine::AppliedFile> RemoteService::put_file(const engine::SourceFile& file) {
    std::string target;
    std::string content_type = "application/yaml";
    switch (core::file_kind(file.path)) {
        case core::FileKind::people: target = "/v1/people"; break;
        case core::FileKind::sources: target = "/v1/sources"; break;
        case core::FileKind::channels: target = "/v1/channels"; break;
        case core::FileKind::message_template:
            target = "/v1/templates/" + percent_encode(core::template_name(file.path));
            content_type = "text/markdown; charset=utf-8";
            break;
        case core::FileKind::playbook: {
            auto parsed = core::parse_playbook(file.text, file.path);
            if (!parsed.playbook) return lint_failure(parsed.errors);
            target = "/v1/playbooks/" + percent_encode(parsed.playbook->id);
            break;
        }
    }
    auto answer = call({.method = "PUT",
                        .target = target,
                        .body = file.text,
                        .content_type = content_type});
    if (!answer) return answer.error();
    try {
        return engine::AppliedFile{file.path, answer->at("id").get<std::string>(),
                                   answer->at("version").get<int>(),
                                   answer->at("changed").get<bool>()};
    } catch (const json::exception& e) {
        return malformed("PUT " + target + ": " + e.what());
    }
}

Result<std::vector<engine::AppliedFile>> RemoteService::apply(
    const std::vector<engine::SourceFile>& files) {
    if (files.empty()) return make_error(ErrorCode::invalid_argument, "no files to apply");
    if (auto st = lint_like_the_server(files); !st) return st.error();
    std::vector<std::optional<engine::AppliedFile>> applied(files.size());
    std::vector<std::string> stored;
    // People first, then sources, channels and templates: the server checks each playbook
    // against the stored people. The answers keep the order of the files, as the engine's do.
    std::vector<std::size_t> people, documents, playbooks;
    for (std::size_t i = 0; i < files.size(); ++i) {
        switch (core::file_kind(files[i].path)) {
            case core::FileKind::people: people.push_back(i); break;
            case core::FileKind::playbook: playbooks.push_back(i); break;
            default: documents.push_back(i);
        }
    }
    for (const auto* group : {&people, &documents}) {
        for (std::size_t i : *group) {
            auto a = put_file(files[i]);
            if (!a) return with_progress(a.error(), stored);
            applied[i] = std::move(a).value();
            stored.push_back(files[i].path);
        }
    }
    // Then the playbooks, in passes: one whose `next:` names a playbook of this batch that
    // is not stored yet is refused by the server, and goes again once that one is.
    while (!playbooks.empty()) {
        std::vector<std::size_t> refused;
        std::optional<Error> first_refusal;
        for (std::size_t i : playbooks) {
            auto a = put_file(files[i]);
            if (!a) {
                if (a.error().code != ErrorCode::invalid_argument) {
                    return with_progress(a.error(), stored);
                }
                refused.push_back(i);
                if (!first_refusal) first_refusal = a.error();
                continue;
            }
            applied[i] = std::move(a).value();
            stored.push_back(files[i].path);
        }
        if (refused.size() == playbooks.size()) return with_progress(*first_refusal, stored);
        playbooks = std::move(refused);
    }
    std::vector<engine::AppliedFile> out;
    for (auto& a : applied) {
        BATON_ASSERT(a.has_value());
        out.push_back(std::move(*a));
    }
    return out;
}

Result<std::vector<engine::SourceFile>> RemoteService::current_sources() {
    std::vector<engine::SourceFile> out;
    auto people = get("/v1/people");
    if (!people) return people.error();
    const json yaml = people->value("yaml", json());
    if (!yaml.is_string()) return malformed("GET /v1/people has no yaml");
    const json version = people->value("version", json());
    if (!version.is_number_integer()) return malformed("GET /v1/people has no version");
    // Version 0: no people.yaml is stored.
    if (version.get<std::int64_t>() > 0) out.push_back({"people.yaml", yaml.get<std::string>()});
    auto templates = get("/v1/templates");
    if (!templates) return templates.error();
    const json names = templates->value("items", json());
    if (!names.is_array()) return malformed("GET /v1/templates has no items");
    for (const auto& item : names) {
        const json name = item.value("name", json());
        if (!name.is_string()) return malformed("a template without a name");
        auto text = get_text("/v1/templates/" + percent_encode(name.get<std::string>()));
        if (!text) return text.error();
        out.push_back({"templates/" + name.get<std::string>() + ".md", std::move(*text)});
    }
    auto list = get("/v1/playbooks");
    if (!list) return list.error();
    const json items = list->value("items", json());
    if (!items.is_array()) return malformed("GET /v1/playbooks has no items");
    for (const auto& item : items) {
        const json id = item.value("id", json());
        if (!id.is_string()) return malformed("a playbook without an id");
        auto one = get("/v1/playbooks/" + percent_encode(id.get<std::string>()));
        if (!one) return one.error();
        const json text = one->value("yaml", json());
        if (!text.is_string()) return malformed("a playbook without yaml");
        out.push_back({"playbooks/" + id.get<std::string>() + ".yaml", text.get<std::string>()});
    }
    return out;
}

// --- events and handoffs ---------------------------------------------------------------

Result<engine::IngestResult> RemoteService::ingest(const core::Event& event) {
    // Safe to send again: the server deduplicates an event by its source and id.
    auto answer = post("/v1/events", core::event_to_json(event));
    if (!answer) return answer.error();
    try {
        engine::IngestResult r;
        r.duplicate = answer->at("duplicate").get<bool>();
        r.handoff_ids = answer->at("handoffs").get<std::vector<std::int64_t>>();
        // A server from before ticks were counted as matches does not send them.
        if (answer->contains("ticked")) {
            r.ticked_ids = answer->at("ticked").get<std::vector<std::int64_t>>();
        }
        // The API does not say how many playbooks matched; each created one handoff.
        r.playbooks_matched = static_cast<int>(r.handoff_ids.size());
        return r;
    } catch (const json::exception& e) {
        return malformed(std::string("POST /v1/events: ") + e.what());
    }
}

Result<core::Actor> RemoteService::acting_as(const std::string& handle) {
    if (handle.empty()) return core::Actor{};  // the server knows: the token's person
    return make_error(ErrorCode::invalid_argument,
                      "--as (or BATON_AS) does not apply with a server: it acts as the person "
                      "whose token is in BATON_TOKEN; to act as " + handle + ", use " + handle +
                          "'s token",
                      "as");
}

Result<core::Handoff> RemoteService::act(std::int64_t id, const core::Action& action,
                                         const core::Actor&) {
    // The client sends a request again only when a kept-alive connection turns out to have
    // been closed by the server before any byte of an answer: closed while idle, before it
    // read this request. So an action is not performed twice.
    auto [target, body] = action_route(id, action);
    return handoff_answer(post(target, body));
}

Result<core::Handoff> RemoteService::reassign(std::int64_t id, const std::string& to,
                                              const std::string& reason, const core::Actor&) {
    return handoff_answer(post("/v1/handoffs/" + std::to_string(id) + "/reassign",
                               {{"to", to}, {"reason", reason}}));
}

Result<core::Handoff> RemoteService::show(std::int64_t id) {
    return handoff_answer(get("/v1/handoffs/" + std::to_string(id)));
}

Result<std::vector<core::Handoff>> RemoteService::list(const engine::ListQuery& q) {
    std::vector<std::pair<std::string, std::string>> params;
    if (q.state) params.emplace_back("state", core::to_string(*q.state));
    if (q.owner) params.emplace_back("owner", *q.owner);
    if (q.playbook) params.emplace_back("playbook", *q.playbook);
    if (q.subject) params.emplace_back("subject", *q.subject);
    if (q.overdue) params.emplace_back("overdue", "true");
    if (q.open_only) params.emplace_back("open", "true");
    if (q.unowned_only) params.emplace_back("unowned", "true");
    if (q.team) params.emplace_back("team", *q.team);
    if (q.accountable) params.emplace_back("accountable", "true");
    if (q.subject_contains) params.emplace_back("q", *q.subject_contains);
    if (q.closed_since) params.emplace_back("closed_since", format_rfc3339(*q.closed_since));
    if (q.after_id > 0) params.emplace_back("cursor", std::to_string(q.after_id));
    params.emplace_back("limit", std::to_string(q.limit));
    auto answer = get("/v1/handoffs" + query_string(params));
    if (!answer) return answer.error();
    const json items = answer->value("items", json());
    if (!items.is_array()) return malformed("GET /v1/handoffs has no items");
    std::vector<core::Handoff> out;
    for (const auto& item : items) {
        auto h = engine::handoff_from_json(item);
        if (!h) return h.error();
        out.push_back(std::move(h).value());
    }
    return out;
}

Result<engine::Relay> RemoteService::relay(const std::string& subject) {
    auto answer = get("/v1/relays/" + percent_encode(subject));
    if (!answer) return answer.error();
    return engine::relay_from_json(*answer);
}

Result<std::vector<core::ReportRow>> RemoteService::report(Milliseconds since,
                                                           core::ReportBy by) {
    // The CLI has already read the span; whole seconds say it exactly.
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since).count();
    auto answer = get("/v1/reports" + query_string({{"since", std::to_string(seconds) + "s"},
                                                    {"by", core::to_string(by)}}));
    if (!answer) return answer.error();
    return engine::report_rows_from_json(answer->value("rows", json()));
}

Result<std::vector<store::EventRecord>> RemoteService::events(const store::EventFilter& f) {
    std::vector<std::pair<std::string, std::string>> params;
    if (f.type) params.emplace_back("type", *f.type);
    if (f.unmatched_only) params.emplace_back("unmatched", "true");
    if (f.after_seq > 0) params.emplace_back("cursor", std::to_string(f.after_seq));
    params.emplace_back("limit", std::to_string(f.limit));
    auto answer = get("/v1/events" + query_string(params));
    if (!answer) return answer.error();
    const json items = answer->value("items", json());
    if (!items.is_array()) return malformed("GET /v1/events has no items");
    std::vector<store::EventRecord> out;
    for (const auto& item : items) {
        auto e = engine::event_record_from_json(item);
        if (!e) return e.error();
        out.push_back(std::move(e).value());
    }
    return out;
}

// --- the /hooks delivery log -----------------------------------------------------------

Result<std::vector<store::HookDeliveryRecord>> RemoteService::hook_deliveries(
    const store::HookDeliveryFilter& f) {
    std::vector<std::pair<std::string, std::string>> params;
    if (f.source) params.emplace_back("source", *f.source);
    if (f.outcome) params.emplace_back("outcome", *f.outcome);
    if (f.before_id > 0) params.emplace_back("cursor", std::to_string(f.before_id));
    params.emplace_back("limit", std::to_string(f.limit));
    auto answer = get("/v1/deliveries" + query_string(params));
    if (!answer) return answer.error();
    const json items = answer->value("items", json());
    if (!items.is_array()) return malformed("GET /v1/deliveries has no items");
    std::vector<store::HookDeliveryRecord> out;
    for (const auto& item : items) {
        auto d = engine::hook_delivery_from_json(item);
        if (!d) return d.error();
        out.push_back(std::move(d).value());
    }
    return out;
}

Result<store::HookDeliveryRecord> RemoteService::hook_delivery(std::int64_t id) {
    auto answer = get("/v1/deliveries/" + std::to_string(id));
    if (!answer) return answer.error();
    return engine::hook_delivery_from_json(*answer);
}

Result<store::HookDeliveryRecord> RemoteService::replay_hook_delivery(std::int64_t id) {
    // Never sent twice: the server replays a delivery once, and a lost answer would make
    // the second try a conflict that hides how the first one went.
    auto answer = post("/v1/deliveries/" + std::to_string(id) + "/replay", json::object(), false);
    if (!answer) return answer.error();
    return engine::hook_delivery_from_json(*answer);
}

Result<engine::DeliveryTest> RemoteService::test_delivery(const std::string& source_name,
                                                          const std::string& payload,
                                                          const core::DeliveryFacts& facts) {
    std::vector<std::pair<std::string, std::string>> params;
    if (!facts.id.empty()) params.emplace_back("id", facts.id);
    if (!facts.event.empty()) params.emplace_back("event", facts.event);
    // The body is the payload as it was saved, byte for byte; a dry run stores nothing.
    auto answer = call(
        {.method = "POST",
         .target = "/v1/sources/" + percent_encode(source_name) + "/test" + query_string(params),
         .body = payload});
    if (!answer) return answer.error();
    return engine::delivery_test_from_json(*answer);
}

// --- tokens and the rest ---------------------------------------------------------------

Result<engine::NewToken> RemoteService::create_token(const std::string& handle,
                                                     const std::string& label) {
    // Never sent twice: a second try would make a second token.
    auto answer = post("/v1/tokens", {{"handle", handle}, {"label", label}}, false);
    if (!answer) return answer.error();
    try {
        return engine::NewToken{answer->at("id").get<std::int64_t>(),
                                answer->at("handle").get<std::string>(),
                                answer->at("token").get<std::string>()};
    } catch (const json::exception& e) {
        return malformed(std::string("POST /v1/tokens: ") + e.what());
    }
}

Status RemoteService::revoke_token(std::int64_t id) {
    ClientRequest request;
    request.method = "DELETE";
    request.target = "/v1/tokens/" + std::to_string(id);
    auto answer = call(request);
    if (!answer) return answer.error();
    return ok_status();
}

Status RemoteService::set_password(const std::string& handle, const std::string& password) {
    // A repeat sets the same password again, so a retry is harmless.
    auto answer = post("/v1/people/" + percent_encode(handle) + "/password",
                       {{"password", password}});
    if (!answer) return answer.error();
    return ok_status();
}

Result<std::vector<store::TokenRecord>> RemoteService::tokens() {
    auto answer = get("/v1/tokens");
    if (!answer) return answer.error();
    std::vector<store::TokenRecord> out;
    try {
        for (const auto& item : answer->at("items")) {
            store::TokenRecord t;
            t.id = item.at("id").get<std::int64_t>();
            t.handle = item.at("handle").get<std::string>();
            t.label = item.at("label").get<std::string>();
            auto created = parse_rfc3339(item.at("created_at").get<std::string>());
            if (!created) return malformed("a token's created_at is not a time");
            t.created_at = *created;
            if (!item.at("revoked_at").is_null()) {
                auto revoked = parse_rfc3339(item.at("revoked_at").get<std::string>());
                if (!revoked) return malformed("a token's revoked_at is not a time");
                t.revoked_at = *revoked;
            }
            out.push_back(std::move(t));
        }
    } catch (const json::exception& e) {
        return malformed(std::string("GET /v1/tokens: ") + e.what());
    }
    return out;
}

Status RemoteService::backup(const std::string&) {
    return make_error(ErrorCode::invalid_argument,
                      "backup runs on the server's machine: run `baton backup FILE` there, on "
                      "its workspace (it is safe while the server runs)");
}

std::string RemoteService::describe_store() const {
    return "the Baton server at " + client_->base_url().text;
}

TimePoint RemoteService::now() const { return clock_.now(); }

Result<std::unique_ptr<engine::Service>> open_remote(const RemoteOptions& options,
                                                     const engine::Clock& clock) {
    auto client = HttpClient::create(options.url, options.token, options.limits);
    if (!client) return client.error();
    return std::unique_ptr<engine::Service>(
        std::make_unique<RemoteService>(std::move(client).value(), clock));
}

}  // namespace baton::http
