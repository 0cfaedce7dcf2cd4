#include "channels/slack.h"
#include "core/utf8.h"

#include <algorithm>
#include <cctype>

#include "channels/limits.h"
#include "channels/text.h"

namespace baton::channels {

namespace {

using nlohmann::json;

// Slack's mrkdwn treats &, < and > as control characters (links, mentions); nothing else
// needs escaping (api.slack.com/reference/surfaces/formatting#escaping).
std::string mrkdwn_escape(std::string_view text) { return escape_markup(text, false); }

// Escaped, then cut to `chars_max` characters with "…" — never inside an entity, which
// would leave a stray "&am" in the channel.
std::string mrkdwn(std::string_view text, std::size_t chars_max) {
    const std::string escaped = mrkdwn_escape(text);
    if (utf8_chars(escaped) <= chars_max) return escaped;
    std::string cut = truncate_chars(escaped, chars_max);
    cut.resize(cut.size() - std::string_view("…").size());
    const auto amp = cut.rfind('&');
    if (amp != std::string::npos && cut.find(';', amp) == std::string::npos) cut.resize(amp);
    return cut + "…";
}

json plain_text(std::string_view text, std::size_t chars_max) {
    return {{"type", "plain_text"}, {"text", truncate_chars(text, chars_max)}, {"emoji", true}};
}

json section(std::string text) {
    return {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", std::move(text)}}}};
}

// "<@U012AB3CD> " when the recipient's Slack id is known and well formed.
std::string mention(const Recipient& recipient) {
    const std::string& id = recipient.slack_id;
    const bool valid =
        !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
            return std::isupper(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c));
        });
    return valid ? "<@" + id + "> " : "";
}

std::string done_and_checklist(const core::Handoff& h) {
    std::string text;
    if (!h.done_definition.empty()) text += "*Done means:* " + h.done_definition;
    for (const auto& item : h.checklist) {
        text += (text.empty() ? "" : "\n") + std::string(item.checked ? "☑ " : "☐ ") + item.text;
    }
    return text;
}

json fields(const core::Handoff& h) {
    json out = json::array();
    const auto add = [&](const char* label, const std::string& value) {
        if (value.empty() || out.size() >= limits::slack_fields_max) return;
        const std::string head = std::string("*") + label + "*\n";
        out.push_back(
            {{"type", "mrkdwn"},
             {"text", head + mrkdwn(value, limits::slack_field_chars_max - head.size())}});
    };
    add("Owner", h.owner);
    add("From", h.giver);
    add("State", core::to_string(h.state));
    add("Deadline", deadline_line(h));
    add("Checklist", checklist_progress(h));
    if (h.escalation_level > 0) add("Escalation", "level " + std::to_string(h.escalation_level));
    return out;
}

json button(const char* label, const char* action_id) {
    return {{"type", "button"},
            {"text", plain_text(label, limits::slack_button_text_chars_max)},
            {"action_id", action_id}};
}

json actions(const Notification& n) {
    const core::Handoff& h = n.handoff;
    const std::string id = std::to_string(h.id);
    json elements = json::array();
    if (h.state == core::HandoffState::waiting) {
        json accept = button("Accept", "baton_accept");
        accept["value"] = id;
        accept["style"] = "primary";
        elements.push_back(accept);
    }
    if (h.state == core::HandoffState::accepted) {
        json done = button("Done", "baton_done");
        done["value"] = id;
        done["style"] = "primary";
        elements.push_back(done);
    }
    if (is_web_url(n.card_url) && utf8_chars(n.card_url) <= limits::slack_button_url_chars_max) {
        json open = button("Open", "baton_open");
        open["url"] = n.card_url;
        elements.push_back(open);
    }
    return elements;
}

}  // namespace

json slack_message(const Notification& n) {
    const core::Handoff& h = n.handoff;
    const std::string title = heading(h).empty() ? "Handoff " + std::to_string(h.id) : heading(h);
    const std::string who = mention(n.recipient);
    const std::string summary = n.summary.empty() ? title : n.summary;

    json blocks = json::array();
    blocks.push_back(
        {{"type", "header"}, {"text", plain_text(title, limits::slack_header_chars_max)}});
    blocks.push_back(section(who + mrkdwn(summary, limits::slack_section_chars_max - who.size())));
    if (const std::string done = done_and_checklist(h); !done.empty()) {
        blocks.push_back(section(mrkdwn(done, limits::slack_section_chars_max)));
    }
    blocks.push_back({{"type", "section"}, {"fields", fields(h)}});
    if (json elements = actions(n); !elements.empty()) {
        blocks.push_back(
            {{"type", "actions"}, {"block_id", "baton_actions"}, {"elements", elements}});
    }
    BATON_ASSERT(blocks.size() <= limits::slack_blocks_max);
    return {{"text", who + mrkdwn(summary, limits::slack_text_chars_max - who.size())},
            {"blocks", blocks}};
}

bool is_slack_response_url(const std::string& target) {
    return target.rfind("https://", 0) == 0 || target.rfind("http://", 0) == 0;
}

json slack_response_message(const Notification& n) {
    json message = slack_message(n);
    message["replace_original"] = true;
    return message;
}

SlackChannel::SlackChannel(Transport& transport, Milliseconds interval)
    : transport_(transport), interval_(interval) {}

void SlackChannel::send(Notification n, std::function<void(Outcome)> done) {
    HttpPost post;
    post.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    post.pacing = Pacing{.interval = interval_, .in_flight_max = limits::slack_in_flight_max};
    post.allow = n.config->allow;
    if (is_slack_response_url(n.target)) {
        // Slack made this URL for one interaction; it is paced like a webhook, and guarded
        // like any outbound URL (the transport checks post.allow), since it came in a request.
        post.url = n.target;
        post.body = core::dump_json(slack_response_message(n));
        transport_.post(std::move(post), std::move(done));
        return;
    }
    const auto found = n.config->slack.find(n.target);
    if (found == n.config->slack.end()) {
        Outcome o;
        o.kind = Outcome::Kind::failed;
        o.detail =
            "no slack channel " + truncate_chars(single_line(n.target), 100) + " in channels.yaml";
        transport_.finish(std::move(o), std::move(done));
        return;
    }
    post.url = found->second.webhook;
    post.body = core::dump_json(slack_message(n));
    transport_.post(std::move(post), std::move(done));
}

}  // namespace baton::channels
