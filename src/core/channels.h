// ChannelsConfig: the workspace's channels.yaml — the outside world a checkpoint reaches.
// The SMTP server, Slack incoming-webhook URLs by channel name, named outbound webhooks
// with their signing secrets, and the SSRF allow-list. A plain value, parsed once per
// stored version and shared read-only between threads.
//
//   smtp: { url: "smtp://127.0.0.1:2525", from: "Baton <baton@example.com>",
//           username: "", password: "" }
//   slack:
//     "#ops": { webhook: "https://hooks.slack.com/services/T000/B000/XXXX" }
//   webhooks:
//     crm: { url: "https://crm.example.com/baton", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
//   allow: [127.0.0.1]          # hosts or addresses the SSRF guard lets through
//   public_url: "https://baton.example.com"   # base of the links in messages
//   slack_signing_secret: "…"   # verifies POST /slack/actions
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace baton::core {

struct SmtpSettings {
    std::string url;   // smtp://host:port (STARTTLS when offered) or smtps://host:port
    std::string from;  // the From header: "Name <address>" or an address
    std::string username;
    std::string password;
};

struct SlackEndpoint {
    std::string webhook;  // an incoming-webhook URL
};

struct WebhookEndpoint {
    std::string url;
    std::string secret;  // "whsec_" + base64 of the key (Standard Webhooks)
};

struct ChannelsConfig {
    std::optional<SmtpSettings> smtp;
    std::map<std::string, SlackEndpoint> slack;       // by channel name, "#ops"
    std::map<std::string, WebhookEndpoint> webhooks;  // by name, "crm"
    std::vector<std::string> allow;                   // SSRF allow-list: hosts or addresses
    std::string public_url;                           // base URL for links; may be empty
    std::string slack_signing_secret;                 // may be empty: /slack/actions refuses
};

// An email address with its optional display name, as in a From or To header:
// "Baton <baton@example.com>", "\"Ops, EU\" <ops@example.com>" or "baton@example.com".
struct Mailbox {
    std::string name;  // may be empty; unquoted
    std::string address;
};
// Parses one mailbox. The address needs one '@' with text on both sides and no spaces,
// control characters or angle brackets; a control character anywhere (CR, LF) refuses it,
// so that a parsed mailbox is always safe to put in a mail header.
std::optional<Mailbox> parse_mailbox(std::string_view text);

struct ChannelsParse {
    std::optional<ChannelsConfig> config;  // set only when `errors` is empty
    Diagnostics errors;
};
// Parses channels.yaml; every error as file:line:col, unknown keys with "did you mean".
ChannelsParse parse_channels(const std::string& yaml_text, const std::string& file);

}  // namespace baton::core
