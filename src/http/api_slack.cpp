// POST /slack/actions: Slack interactivity — a person pressed Accept or Done on a Baton
// message. Slack signs each request (v0, X-Slack-Signature over
// "v0:{X-Slack-Request-Timestamp}:{raw body}") with the app's signing secret, which is
// `slack_signing_secret` in channels.yaml. The signature is checked on the raw bytes, in
// constant time, before the body is parsed; a wrong, stale or missing one is 401, counted
// in /metrics with the inbound webhooks, and nothing is performed.
//
// The body is a form with one field, `payload`: the block_actions JSON. The person acting
// is the one whose people.yaml `slack:` id is the payload's user.id. The request only
// records: the engine queues the updated message for the response_url in the outbox, and
// the dispatcher sends it. So the answer is 200 with an empty body at once; a refusal
// (unknown Slack user, wrong state, not the owner) is also 200, with an ephemeral message
// that shows the person why, since Slack shows nothing useful for an HTTP error.
#include "core/event.h"
#include "crypto/signatures.h"
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

// The label Slack's signature failures are counted under in
// baton_webhook_signature_failures_total; not a valid source name, so it cannot collide.
constexpr const char* slack_metrics_label = "slack/actions";

struct SlackAction {
    std::string user;
    std::string action_id;
    std::string value;
    std::string response_url;
};

Error malformed(const std::string& message, const std::string& field) {
    return make_error(ErrorCode::invalid_argument, message, field);
}

// A string at `key` of `object`, or an error naming `field`.
Result<std::string> string_at(const nlohmann::json& object, const char* key,
                              const std::string& field, bool required = true) {
    if (!object.is_object() || !object.contains(key)) {
        if (!required) return std::string();
        return malformed(field + " is missing from the Slack payload", field);
    }
    if (!object[key].is_string()) return malformed(field + " must be a string", field);
    return object[key].get<std::string>();
}

Result<SlackAction> parse_action(const std::string& body, std::size_t bytes_max) {
    auto form = parse_query(body);
    if (!form) return malformed("the body is not application/x-www-form-urlencoded", "payload");
    const auto found = form->find("payload");
    if (found == form->end()) return malformed("the form has no `payload` field", "payload");
    auto payload = core::parse_json_limited(found->second, bytes_max);
    if (!payload) return malformed("payload: " + payload.error().message, "payload");
    auto type = string_at(*payload, "type", "type");
    if (!type) return type.error();
    if (*type != "block_actions") {
        return malformed("only block_actions are handled, not `" + *type + "`", "type");
    }
    SlackAction out;
    auto user = string_at((*payload).value("user", nlohmann::json()), "id", "user.id");
    if (!user) return user.error();
    out.user = *user;
    const nlohmann::json actions = payload->value("actions", nlohmann::json());
    if (!actions.is_array() || actions.empty()) {
        return malformed("actions must be a non-empty array", "actions");
    }
    auto action_id = string_at(actions[0], "action_id", "actions[0].action_id");
    if (!action_id) return action_id.error();
    out.action_id = *action_id;
    auto value = string_at(actions[0], "value", "actions[0].value", false);
    if (!value) return value.error();
    out.value = *value;
    auto response_url = string_at(*payload, "response_url", "response_url", false);
    if (!response_url) return response_url.error();
    out.response_url = *response_url;
    if (!out.response_url.empty() && out.response_url.rfind("https://", 0) != 0 &&
        out.response_url.rfind("http://", 0) != 0) {
        return malformed("response_url must be an http(s) URL", "response_url");
    }
    return out;
}

Response acknowledged() {
    Response r;
    r.status = 200;
    r.content_type = "text/plain; charset=utf-8";
    return r;
}

// Shown only to the person who pressed the button; the original message stays.
Response ephemeral(const std::string& text) {
    return json_response(200, {{"response_type", "ephemeral"},
                               {"replace_original", false},
                               {"text", text}});
}

}  // namespace

void Api::add_slack_routes() {
    router_.add({"POST", "/slack/actions", Access::signed_hook,
                 "Slack interactivity: Accept and Done buttons (signed by Slack)",
                 [this](const Request& r, const Params&, const Principal&) {
                     if (r.body.size() > options_.slack_action_bytes_max) {
                         return problem(413, "Content Too Large",
                                        "a Slack action is at most " +
                                            std::to_string(options_.slack_action_bytes_max) +
                                            " bytes",
                                        "payload");
                     }
                     auto config = engine_.channels_config();
                     if (!config) return problem_from(config.error());
                     if ((*config)->slack_signing_secret.empty()) {
                         return problem(404, "Not Found",
                                        "Slack actions are off: set slack_signing_secret in "
                                        "channels.yaml to the Slack app's signing secret",
                                        "slack_signing_secret");
                     }
                     std::vector<crypto::Header> headers;
                     for (const auto& [n, v] : r.headers.entries()) headers.push_back({n, v});
                     auto verified = crypto::verify_slack(
                         {.headers = headers,
                          .body = r.body,
                          .secret = (*config)->slack_signing_secret,
                          .now = engine_.now()});
                     if (!verified) {
                         metrics_.add_signature_failure(slack_metrics_label);
                         return problem(401, "Unauthorized", verified.error().message,
                                        "signature");
                     }
                     auto action = parse_action(r.body, options_.slack_action_bytes_max);
                     if (!action) return problem_from(action.error());
                     // The Open button is a link; Slack still reports the press, and wants
                     // it acknowledged.
                     if (action->action_id == "baton_open") return acknowledged();
                     const std::string& value = action->value;
                     if (value.empty() || value.size() > 18 ||
                         value.find_first_not_of("0123456789") != std::string::npos) {
                         return problem(400, "Bad Request",
                                        "actions[0].value must be a handoff id",
                                        "actions[0].value");
                     }
                     auto done = engine_.act_from_slack(action->user, action->action_id,
                                                        std::stoll(value), action->response_url);
                     if (done) return acknowledged();
                     switch (done.error().code) {
                         case ErrorCode::forbidden:
                         case ErrorCode::conflict:
                         case ErrorCode::not_found:
                         case ErrorCode::limit_exceeded:
                             return ephemeral(done.error().message);
                         default:
                             return problem_from(done.error());
                     }
                 }});
}

}  // namespace baton::http
