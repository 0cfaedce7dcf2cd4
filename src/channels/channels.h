// Channels: the three channels — Slack, email, outbound webhook — over one shared
// CurlTransport, built once by the shell (src/app) and handed to the dispatcher as
// Channel references.
//
//   channels::Channels channels({.transport = {.transfer_timeout = 10s}});
//   channels.find("slack")->send(notification, [](channels::Outcome o) { … });
//
// Ownership and threading: Channels owns the transport and the channels; the references it
// hands out are valid until it is destroyed. Destroying it stops the transport first, so
// every pending send is answered (retry "shutting down") while the channels still exist.
// All methods are thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "channels/channel.h"
#include "channels/curl_transport.h"
#include "channels/email.h"
#include "channels/limits.h"
#include "channels/slack.h"
#include "channels/webhook.h"

namespace baton::channels {

struct ChannelOptions {
    TransportOptions transport;
    // Between two messages to one Slack webhook.
    Milliseconds slack_interval = limits::slack_interval_default;
};

class Channels {
  public:
    explicit Channels(ChannelOptions options = {});
    ~Channels();
    // Stops the transport: every send still queued or in flight is answered now (retry,
    // "shutting down"), on the caller's thread. Idempotent; the destructor calls it. Call
    // it before destroying whatever the answers' callbacks refer to.
    void shutdown();
    Channels(const Channels&) = delete;
    Channels& operator=(const Channels&) = delete;

    Channel& slack() { return slack_; }
    Channel& email() { return email_; }
    Channel& webhook() { return webhook_; }
    // By the name in a Notification's `channel`: "slack", "email" or "webhook"; nullptr for
    // any other.
    Channel* find(std::string_view channel);

  private:
    CurlTransport transport_;  // first: constructed before the channels that borrow it
    SlackChannel slack_;
    EmailChannel email_;
    WebhookChannel webhook_;
};

}  // namespace baton::channels
