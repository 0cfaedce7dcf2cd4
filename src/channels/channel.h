// Channel: the seam between Baton's dispatcher (engine) and the outside world. One
// implementation per kind of checkpoint — Slack incoming webhook, email over SMTP,
// outbound webhook — all under src/channels/, which alone talks to the network (libcurl).
// The engine only sees this header.
//
// A Notification is one outbox row, resolved by the dispatcher into everything a message
// needs: the handoff as it is now, what happened, who it is for, the links, and the
// channels configuration of the moment. The channel renders it (Block Kit, MIME, a
// CloudEvent) and delivers it, and reports one Outcome.
//
// Ownership and threading: the dispatcher owns nothing of the channel; a Channel is
// thread-safe, `send` never blocks on the network, and `done` is called exactly once, on
// the channel's own thread, possibly before `send` returns. A slow endpoint must never
// delay messages to other endpoints.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/channels.h"
#include "core/handoff.h"
#include "core/time.h"

namespace baton::channels {

// A person a message is for, or about.
struct Recipient {
    std::string handle;  // empty for an address outside the people list (a client)
    std::string name;
    std::string email;
    std::string slack_id;
};

struct Notification {
    std::int64_t outbox_id = 0;
    // Stable across retries of the same outbox row: the receiver's dedupe key (the
    // Standard Webhooks `webhook-id`, the email Message-ID's left part).
    std::string delivery_id;
    std::string channel;  // "slack", "email", "webhook"
    std::string target;   // slack: "#ops"; email: an address; webhook: a configured name
    // What happened: created, reminded, escalated, overdue, accepted, declined, done,
    // cancelled, reassigned.
    std::string what;
    std::string summary;  // one human sentence about it ("Dana accepted Acme …")
    core::Handoff handoff;  // as it is now, with its checklist (the timeline is not loaded)
    Recipient recipient;    // email: who it goes to
    // A custom message from a template beside the playbooks (client-facing email),
    // already rendered: the first line "Subject: …" is split off into `subject`.
    std::optional<std::string> subject;
    std::optional<std::string> body;
    std::string card_url;    // the handoff on the board; empty without public_url
    std::string accept_url;  // one-click links (signed, expiring, single use); may be empty
    std::string done_url;
    int attempt = 1;  // from 1
    TimePoint now{};
    std::shared_ptr<const core::ChannelsConfig> config;  // never null
};

struct Outcome {
    enum class Kind {
        delivered,  // the endpoint took it (2xx; SMTP 250)
        retry,      // try again later: 5xx, 408, 429, a timeout, a reset, a refused connection
        failed,     // final: any other 4xx, an SSRF refusal, a target missing from the config
    };
    Kind kind = Kind::failed;
    std::optional<Milliseconds> retry_after;  // from a Retry-After header
    int status = 0;                           // the HTTP or SMTP code, 0 when none
    std::string detail;                       // one line for the timeline; never a secret
};

class Channel {
public:
    virtual ~Channel() = default;
    virtual void send(Notification notification, std::function<void(Outcome)> done) = 0;
};

}  // namespace baton::channels
