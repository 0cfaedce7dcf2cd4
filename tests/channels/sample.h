// A notification as the dispatcher would make it, shared by the channels' unit and
// integration tests: a waiting handoff with a three-item checklist, deadlines, a
// recipient with a Slack id, links, and a channels configuration.
#pragma once

#include <memory>
#include <string>

#include "channels/channel.h"
#include "core/channels.h"

namespace baton::channels::samples {

inline TimePoint at(const char* rfc3339) {
    return *parse_rfc3339(rfc3339);
}

inline core::Handoff sample_handoff() {
    core::Handoff h;
    h.id = 42;
    h.playbook_id = "sold-to-onboarding";
    h.playbook_version = 3;
    h.title = "Sold → onboarding";
    h.subject = "Acme";
    h.giver = "sam";
    h.owner = "dana";
    h.state = core::HandoffState::waiting;
    h.done_definition = "The client has a welcome email, a shared folder and a kickoff call.";
    h.checklist = {{1, "Send the welcome email", true, "dana", at("2026-11-23T07:00:00Z"), {}},
                   {2, "Set up the client folder", false, "", {}, {}},
                   {3, "Book the kickoff call", false, "", {}, {}}};
    h.created_at = at("2026-11-23T06:00:00Z");
    h.updated_at = h.created_at;
    h.deadlines.accept_by = at("2026-11-23T09:30:00Z");
    h.deadlines.done_by = at("2026-11-25T17:00:00Z");
    return h;
}

inline std::shared_ptr<core::ChannelsConfig> sample_config() {
    auto c = std::make_shared<core::ChannelsConfig>();
    c->slack["#ops"] = {"https://hooks.slack.com/services/T000/B000/XXXX"};
    c->webhooks["crm"] = {"https://crm.example.com/baton",
                          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
    c->smtp =
        core::SmtpSettings{"smtp://mail.example.com:587", "Baton <baton@example.com>", "", ""};
    return c;
}

inline Notification sample_notification() {
    Notification n;
    n.outbox_id = 7;
    n.delivery_id = "dlv_42_7";
    n.channel = "slack";
    n.target = "#ops";
    n.what = "created";
    n.summary = "Sam handed Acme to Dana";
    n.handoff = sample_handoff();
    n.recipient = {"dana", "Dana Scully", "dana@example.com", "U012AB3CD"};
    n.card_url = "https://baton.example.com/handoffs/42";
    n.accept_url = "https://baton.example.com/a/42?t=abc";
    n.done_url = "https://baton.example.com/d/42?t=def";
    n.now = at("2026-11-23T08:00:00Z");
    n.config = sample_config();
    return n;
}

}  // namespace baton::channels::samples
