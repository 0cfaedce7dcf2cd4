// WebhookChannel: a checkpoint sent to another system as a signed HTTP POST
// (channels.yaml: webhooks: {crm: {url: URL, secret: whsec_…}}). The body is a CloudEvent
// 1.0 in structured JSON — type "baton.handoff.<what>", source "baton", id = the delivery
// id, data = the handoff — signed per Standard Webhooks: webhook-id (the delivery id, the
// same on every retry, so the receiver can drop duplicates), webhook-timestamp and
// webhook-signature "v1,<base64 HMAC-SHA256>".
//
// Ownership and threading: borrows the Transport, which must outlive it; `send` is
// thread-safe and does not block. The builders are pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "channels/channel.h"
#include "channels/transport.h"
#include "core/result.h"

namespace baton::channels {

// The handoff as the webhook's data: the field names of the API's handoff view.
nlohmann::json webhook_handoff_json(const Notification& notification);
nlohmann::json cloud_event(const Notification& notification);
// The signed request for one endpoint (its URL, body and headers); invalid_argument when
// the secret or the delivery id cannot be used to sign.
Result<HttpPost> webhook_request(const Notification& notification,
                                 const core::WebhookEndpoint& endpoint);

class WebhookChannel final : public Channel {
  public:
    explicit WebhookChannel(Transport& transport);
    void send(Notification notification, std::function<void(Outcome)> done) override;

  private:
    Transport& transport_;
};

}  // namespace baton::channels
