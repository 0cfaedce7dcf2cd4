#include "channels/webhook.h"
#include "core/utf8.h"

#include "channels/limits.h"
#include "channels/text.h"
#include "crypto/signatures.h"

namespace baton::channels {

namespace {

using nlohmann::json;

json optional_time(const std::optional<TimePoint>& t) {
    return t ? json(format_rfc3339(*t)) : json(nullptr);
}

Outcome failed(std::string detail) {
    Outcome o;
    o.kind = Outcome::Kind::failed;
    o.detail = std::move(detail);
    return o;
}

}  // namespace

json webhook_handoff_json(const Notification& n) {
    const core::Handoff& h = n.handoff;
    json checklist = json::array();
    for (const auto& item : h.checklist) {
        checklist.push_back({{"n", item.number}, {"text", item.text}, {"checked", item.checked}});
    }
    json out = {
        {"id", h.id},
        {"playbook", h.playbook_id},
        {"playbook_version", h.playbook_version},
        {"title", h.title},
        {"subject", h.subject},
        {"state", core::to_string(h.state)},
        {"giver", h.giver},
        {"owner", h.owner},
        {"done_definition", h.done_definition},
        {"checklist", checklist},
        {"created_at", format_rfc3339(h.created_at)},
        {"accepted_at", optional_time(h.accepted_at)},
        {"closed_at", optional_time(h.closed_at)},
        {"accept_by", optional_time(h.deadlines.accept_by)},
        {"done_by", optional_time(h.deadlines.done_by)},
        {"escalation_level", h.escalation_level},
        {"summary", n.summary},
    };
    if (is_web_url(n.card_url)) out["url"] = n.card_url;
    return out;
}

json cloud_event(const Notification& n) {
    json event = {
        {"specversion", "1.0"},
        {"type", "baton.handoff." + n.what},
        {"source", "baton"},
        {"id", n.delivery_id},
        {"time", format_rfc3339(n.now)},
        {"datacontenttype", "application/json"},
        {"data", webhook_handoff_json(n)},
    };
    // CloudEvents: when present, subject must not be empty.
    if (!n.handoff.subject.empty()) event["subject"] = n.handoff.subject;
    return event;
}

Result<HttpPost> webhook_request(const Notification& n, const core::WebhookEndpoint& endpoint) {
    HttpPost post;
    post.url = endpoint.url;
    post.body = core::dump_json(cloud_event(n));
    const std::int64_t timestamp = to_unix_ms(n.now) / 1000;
    auto signature =
        crypto::sign_standard_webhook(n.delivery_id, timestamp, post.body, endpoint.secret);
    if (!signature.ok()) {
        // The signer never quotes the secret; its message names what is wrong.
        return make_error(ErrorCode::invalid_argument,
                          "cannot sign the webhook: " + signature.error().message, "secret");
    }
    post.headers = {{"Content-Type", "application/json"},
                    {"webhook-id", n.delivery_id},
                    {"webhook-timestamp", std::to_string(timestamp)},
                    {"webhook-signature", *signature}};
    post.pacing =
        Pacing{.interval = Milliseconds(0), .in_flight_max = limits::webhook_in_flight_max};
    post.allow = n.config->allow;
    return post;
}

WebhookChannel::WebhookChannel(Transport& transport) : transport_(transport) {}

void WebhookChannel::send(Notification n, std::function<void(Outcome)> done) {
    const auto found = n.config->webhooks.find(n.target);
    if (found == n.config->webhooks.end()) {
        transport_.finish(failed("no webhook " + truncate_chars(single_line(n.target), 100) +
                                 " in channels.yaml"),
                          std::move(done));
        return;
    }
    auto post = webhook_request(n, found->second);
    if (!post.ok()) {
        transport_.finish(failed(post.error().message), std::move(done));
        return;
    }
    transport_.post(std::move(*post), std::move(done));
}

}  // namespace baton::channels
