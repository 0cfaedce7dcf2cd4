// Playbooks, people and tokens: read by anyone with a token, changed by admins. PUT takes
// the YAML itself (or {"yaml": …}), lints it with the same linter as the CLI, and honours
// If-Match against the ETag of the current version.
#include "core/channels.h"
#include "core/utf8.h"
#include "core/workspace.h"
#include "engine/json_views.h"
#include "http/api.h"
#include "http/problem.h"
#include "http/redact.h"

namespace baton::http {

namespace {

std::string etag(int version) { return "\"v" + std::to_string(version) + "\""; }

// The YAML of a PUT: the body itself, or the `yaml` field of a JSON body.
Result<std::string> yaml_of(const Request& r) {
    std::string type = r.headers.get("Content-Type").value_or("");
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type.rfind("application/json", 0) == 0) {
        auto body = json_body(r);
        if (!body) return body.error();
        if (auto st = only_fields(*body, {"yaml"}); !st) return st.error();
        if (!body->contains("yaml") || !(*body)["yaml"].is_string()) {
            return make_error(ErrorCode::invalid_argument, "yaml must be a string", "yaml");
        }
        return (*body)["yaml"].get<std::string>();
    }
    return r.body;
}

// If-Match: "v3" (or v3, or *): the version the client edited.
Result<std::optional<int>> if_match(const Request& r) {
    auto header = r.headers.get("If-Match");
    if (!header || *header == "*") return std::optional<int>();
    std::string v = *header;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.size() < 2 || v[0] != 'v' || v.size() > 10 ||
        v.find_first_not_of("0123456789", 1) != std::string::npos) {
        return make_error(ErrorCode::invalid_argument, "If-Match must be an ETag such as \"v3\"",
                          "If-Match");
    }
    return std::optional<int>(std::stoi(v.substr(1)));
}

// Lint errors as a problem with every located message. Playbooks and people answer 400
// (as they always have); channels.yaml and templates answer 422 (`lint_status`).
Response lint_problem(const Error& error, int lint_status = 400) {
    Response r = problem_from(error);
    if (error.code != ErrorCode::invalid_argument) return r;
    if (lint_status != r.status) {
        r = problem(lint_status, "Unprocessable Content", error.message, error.field);
    }
    auto body = nlohmann::json::parse(r.body);
    body["errors"] = nlohmann::json::array();
    std::size_t start = 0;
    const std::string& m = error.message;
    while (start < m.size()) {
        const auto end = m.find('\n', start);
        body["errors"].push_back(m.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    r.body = core::dump_json(body);
    return r;
}

Response put_answer(const Result<engine::AppliedFile>& applied, int lint_status = 400) {
    if (!applied) {
        if (applied.error().field == "If-Match") {
            return problem(412, "Precondition Failed", applied.error().message, "If-Match");
        }
        return lint_problem(applied.error(), lint_status);
    }
    Response r = json_response(200, {{"id", applied->id},
                                     {"version", applied->version},
                                     {"changed", applied->changed}});
    r.headers.set("ETag", etag(applied->version));
    return r;
}

// channels.yaml as JSON with every secret replaced: the SMTP password (and any user info
// in its URL), the outbound webhooks' secrets, the Slack signing secret and the Slack
// webhook URLs' paths; for anyone but an admin, the outbound webhooks' paths too (they
// often carry a key). The YAML itself is never served: it holds all of them.
nlohmann::json redacted_channels(const core::ChannelsConfig& c, bool admin) {
    nlohmann::json out = nlohmann::json::object();
    if (c.smtp) {
        out["smtp"] = {{"url", redact_url(c.smtp->url, true)},
                       {"from", c.smtp->from},
                       {"username", c.smtp->username},
                       {"password", redact_secret(c.smtp->password)}};
    }
    out["slack"] = nlohmann::json::object();
    for (const auto& [name, endpoint] : c.slack) {
        out["slack"][name] = {{"webhook", redact_url(endpoint.webhook, false)}};
    }
    out["webhooks"] = nlohmann::json::object();
    for (const auto& [name, endpoint] : c.webhooks) {
        out["webhooks"][name] = {{"url", redact_url(endpoint.url, admin)},
                                 {"secret", redact_secret(endpoint.secret)}};
    }
    out["allow"] = c.allow;
    out["public_url"] = c.public_url;
    out["slack_signing_secret"] = redact_secret(c.slack_signing_secret);
    return out;
}

// The template's name from the URL, checked: it becomes a stored document's name.
Result<std::string> template_param(const Params& p) {
    const std::string& name = p.at("name");
    if (!core::valid_template_name(name)) {
        return make_error(ErrorCode::invalid_argument,
                          "a template's name is letters, digits, '-' and '_'", "name");
    }
    return name;
}

}  // namespace

void Api::add_channel_routes() {
    router_.add({"GET", "/v1/channels", Access::read,
                 "channels.yaml, with every secret redacted",
                 [this](const Request&, const Params&, const Principal& caller) {
                     auto doc = engine_.document_record("channels");
                     if (!doc) return problem_from(doc.error());
                     if (!doc->has_value()) {
                         return json_response(
                             200, {{"version", 0}, {"redacted", true}, {"channels", nullptr}});
                     }
                     auto parsed = core::parse_channels((*doc)->text, "channels.yaml");
                     if (!parsed.config) {
                         return problem(500, "Internal Server Error",
                                        "the stored channels.yaml no longer parses");
                     }
                     Response out = json_response(
                         200, {{"version", (*doc)->version},
                               {"applied_at", format_rfc3339((*doc)->applied_at)},
                               {"redacted", true},
                               {"channels", redacted_channels(*parsed.config,
                                                              caller.actor.role ==
                                                                  core::Role::admin)}});
                     out.headers.set("ETag", etag((*doc)->version));
                     return out;
                 }});
    router_.add({"PUT", "/v1/channels", Access::admin, "Lint and store channels.yaml",
                 [this](const Request& req, const Params&, const Principal&) {
                     auto yaml = yaml_of(req);
                     if (!yaml) return problem_from(yaml.error());
                     auto version = if_match(req);
                     if (!version) return problem_from(version.error());
                     return put_answer(engine_.put_source({"channels.yaml", *yaml}, *version),
                                       422);
                 }});
    router_.add({"GET", "/v1/templates", Access::read, "The current message templates",
                 [this](const Request&, const Params&, const Principal&) {
                     auto records = engine_.template_records();
                     if (!records) return problem_from(records.error());
                     nlohmann::json items = nlohmann::json::array();
                     for (const auto& t : *records) {
                         items.push_back({{"name", t.kind.substr(std::string("template:").size())},
                                          {"version", t.version},
                                          {"applied_at", format_rfc3339(t.applied_at)}});
                     }
                     return json_response(200, {{"items", items}});
                 }});
    router_.add({"GET", "/v1/templates/{name}", Access::read,
                 "One message template's current text (Markdown)",
                 [this](const Request&, const Params& p, const Principal&) {
                     auto name = template_param(p);
                     if (!name) return problem_from(name.error());
                     auto doc = engine_.document_record("template:" + *name);
                     if (!doc) return problem_from(doc.error());
                     if (!doc->has_value()) {
                         return problem(404, "Not Found", "no message template `" + *name + "`",
                                        "name");
                     }
                     Response out;
                     out.content_type = "text/markdown; charset=utf-8";
                     out.body = (*doc)->text;
                     out.headers.set("ETag", etag((*doc)->version));
                     return out;
                 }});
    router_.add({"PUT", "/v1/templates/{name}", Access::admin,
                 "Lint and store a message template (the body is its Markdown text)",
                 [this](const Request& req, const Params& p, const Principal&) {
                     auto name = template_param(p);
                     if (!name) return problem_from(name.error());
                     auto version = if_match(req);
                     if (!version) return problem_from(version.error());
                     return put_answer(
                         engine_.put_source({"templates/" + *name + ".md", req.body}, *version),
                         422);
                 }});
}

void Api::add_config_routes() {
    router_.add({"GET", "/v1/playbooks", Access::read, "The current playbooks",
                 [this](const Request&, const Params&, const Principal&) {
                     auto records = engine_.playbook_records();
                     if (!records) return problem_from(records.error());
                     nlohmann::json items = nlohmann::json::array();
                     for (const auto& r : *records) {
                         items.push_back({{"id", r.id},
                                          {"version", r.version},
                                          {"file", r.file},
                                          {"applied_at", format_rfc3339(r.applied_at)}});
                     }
                     return json_response(200, {{"items", items}});
                 }});
    router_.add({"GET", "/v1/playbooks/{id}", Access::read, "One playbook's current YAML",
                 [this](const Request&, const Params& p, const Principal&) {
                     auto r = engine_.playbook_record(p.at("id"));
                     if (!r) return problem_from(r.error());
                     Response out = json_response(200, {{"id", r->id},
                                                        {"version", r->version},
                                                        {"file", r->file},
                                                        {"applied_at", format_rfc3339(r->applied_at)},
                                                        {"yaml", r->yaml}});
                     out.headers.set("ETag", etag(r->version));
                     return out;
                 }});
    router_.add({"PUT", "/v1/playbooks/{id}", Access::admin,
                 "Lint and store a playbook as a new version",
                 [this](const Request& req, const Params& p, const Principal&) {
                     auto yaml = yaml_of(req);
                     if (!yaml) return problem_from(yaml.error());
                     auto version = if_match(req);
                     if (!version) return problem_from(version.error());
                     auto parsed = core::parse_playbook(*yaml, p.at("id") + ".yaml");
                     if (parsed.playbook && parsed.playbook->id != p.at("id")) {
                         return problem(400, "Bad Request",
                                        "the YAML's id `" + parsed.playbook->id +
                                            "` is not the id in the URL",
                                        "id");
                     }
                     return put_answer(engine_.put_source(
                         {"playbooks/" + p.at("id") + ".yaml", *yaml}, *version));
                 }});
    router_.add({"GET", "/v1/people", Access::read, "People and teams (people.yaml)",
                 [this](const Request&, const Params&, const Principal&) {
                     auto doc = engine_.people_record();
                     if (!doc) return problem_from(doc.error());
                     auto directory = engine_.directory();
                     if (!directory) return problem_from(directory.error());
                     // The same people as values, for the board's filters and people page.
                     nlohmann::json people = nlohmann::json::array();
                     nlohmann::json teams = nlohmann::json::array();
                     if (*directory) {
                         for (const auto& p : (*directory)->people()) {
                             people.push_back({{"handle", p.handle},
                                               {"name", p.name},
                                               {"email", p.email},
                                               {"role", core::to_string(p.role)},
                                               {"time_zone", p.time_zone},
                                               {"teams", (*directory)->teams_of(p.handle)}});
                         }
                         for (const auto& t : (*directory)->teams()) {
                             teams.push_back({{"handle", t.handle},
                                              {"name", t.name},
                                              {"members", t.members},
                                              {"rule", core::to_string(t.rule)}});
                         }
                     }
                     if (!doc->has_value()) {
                         return json_response(200, {{"version", 0}, {"yaml", ""},
                                                    {"people", people}, {"teams", teams}});
                     }
                     Response out = json_response(200, {{"version", (*doc)->version},
                                                        {"yaml", (*doc)->text},
                                                        {"people", people},
                                                        {"teams", teams}});
                     out.headers.set("ETag", etag((*doc)->version));
                     return out;
                 }});
    router_.add({"PUT", "/v1/people", Access::admin, "Lint and store people.yaml",
                 [this](const Request& req, const Params&, const Principal&) {
                     auto yaml = yaml_of(req);
                     if (!yaml) return problem_from(yaml.error());
                     auto version = if_match(req);
                     if (!version) return problem_from(version.error());
                     return put_answer(engine_.put_source({"people.yaml", *yaml}, *version));
                 }});
    router_.add({"PUT", "/v1/sources", Access::admin,
                 "Lint and store sources.yaml (inbound webhook sources)",
                 [this](const Request& req, const Params&, const Principal&) {
                     auto yaml = yaml_of(req);
                     if (!yaml) return problem_from(yaml.error());
                     auto version = if_match(req);
                     if (!version) return problem_from(version.error());
                     return put_answer(engine_.put_source({"sources.yaml", *yaml}, *version));
                 }});
    router_.add({"GET", "/v1/tokens", Access::admin, "API tokens (never their secrets)",
                 [this](const Request&, const Params&, const Principal&) {
                     auto tokens = engine_.tokens();
                     if (!tokens) return problem_from(tokens.error());
                     nlohmann::json items = nlohmann::json::array();
                     for (const auto& t : *tokens) {
                         items.push_back({{"id", t.id},
                                          {"handle", t.handle},
                                          {"label", t.label},
                                          {"created_at", format_rfc3339(t.created_at)},
                                          {"revoked_at", t.revoked_at
                                                             ? nlohmann::json(format_rfc3339(
                                                                   *t.revoked_at))
                                                             : nlohmann::json(nullptr)}});
                     }
                     return json_response(200, {{"items", items}});
                 }});
    router_.add({"POST", "/v1/tokens", Access::admin,
                 "Create a token for a person (the secret is shown once)",
                 [this](const Request& req, const Params&, const Principal&) {
                     auto body = json_body(req);
                     if (!body) return problem_from(body.error());
                     if (auto st = only_fields(*body, {"handle", "label"}); !st) {
                         return problem_from(st.error());
                     }
                     if (!body->contains("handle") || !(*body)["handle"].is_string()) {
                         return problem(400, "Bad Request", "handle is required", "handle");
                     }
                     if (body->contains("label") && !(*body)["label"].is_string()) {
                         return problem(400, "Bad Request", "label must be a string", "label");
                     }
                     const std::string label = body->value("label", "");
                     auto token = engine_.create_token((*body)["handle"], label);
                     if (!token) return problem_from(token.error());
                     return json_response(201, {{"id", token->id},
                                                {"handle", token->handle},
                                                {"token", token->secret}});
                 },
                 /*replayable=*/false});
    router_.add({"DELETE", "/v1/tokens/{id}", Access::admin, "Revoke a token",
                 [this](const Request&, const Params& p, const Principal&) {
                     const std::string& text = p.at("id");
                     if (text.empty() || text.size() > 18 ||
                         text.find_first_not_of("0123456789") != std::string::npos) {
                         return problem(400, "Bad Request", "id must be a number", "id");
                     }
                     if (auto st = engine_.revoke_token(std::stoll(text)); !st) {
                         return problem_from(st.error());
                     }
                     // Forget every cached authentication: the revoked one must stop now.
                     {
                         std::lock_guard lock(mutex_);
                         token_cache_.clear();
                     }
                     return json_response(200, {{"id", std::stoll(text)}, {"revoked", true}});
                 }});
}

}  // namespace baton::http
