// SlackChannel: a checkpoint posted to a Slack channel through its incoming webhook
// (channels.yaml: slack: {"#ops": {webhook: URL}}). The message is Block Kit: a header
// with the handoff, the summary (mentioning the recipient when their Slack id is known),
// the definition of done with the checklist, fields for owner, giver, state, deadline,
// checklist progress and escalation level, and buttons — Accept while waiting, Done while
// accepted (handled by POST /slack/actions, value = the handoff id) and Open (the card)
// when there is a card URL. A plain `text` fallback goes with it for notifications.
//
// Every webhook URL is its own endpoint, paced at one message per interval (Slack allows
// one per second) with one in flight, so a channel's messages arrive in order and a busy
// channel never delays another.
//
// Ownership and threading: borrows the Transport, which must outlive it; `send` is
// thread-safe and does not block. `slack_message` is a pure function.
//
// A target that is an http(s) URL is a Slack response_url: the message after a button
// press goes there (replacing the original), through the same SSRF guard, instead of to
// an incoming webhook.
#pragma once

#include <nlohmann/json.hpp>

#include "channels/channel.h"
#include "channels/transport.h"

namespace baton::channels {

// The JSON body for Slack's incoming webhook. Every user string is escaped for Slack's
// mrkdwn (&, <, >), so a subject cannot mention @channel or forge a link, and cut to the
// Block Kit limits (channels/limits.h) with "…".
nlohmann::json slack_message(const Notification& notification);

// Whether a Slack notification's target is a response_url (an interactive message to
// update, from POST /slack/actions) rather than a channel name of channels.yaml.
bool is_slack_response_url(const std::string& target);
// The body for a response_url: the same message, replacing the one whose button was
// pressed, so that the channel shows the handoff's new state instead of a stale button.
nlohmann::json slack_response_message(const Notification& notification);

class SlackChannel final : public Channel {
  public:
    SlackChannel(Transport& transport, Milliseconds interval);
    void send(Notification notification, std::function<void(Outcome)> done) override;

  private:
    Transport& transport_;
    const Milliseconds interval_;
};

}  // namespace baton::channels
