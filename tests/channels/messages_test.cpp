// What each channel renders — the Slack Block Kit message, the MIME email, the signed
// CloudEvent — from one notification, with the limits and the escaping each needs, and
// how the channels route a notification to the transport (a recording fake here).
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "channels/email.h"
#include "channels/limits.h"
#include "channels/sample.h"
#include "channels/slack.h"
#include "channels/text.h"
#include "channels/webhook.h"
#include "crypto/crypto.h"
#include "crypto/signatures.h"

namespace baton::channels {
namespace {

using nlohmann::json;
using samples::at;
using samples::sample_notification;

// ---------------------------------------------------------------------------------------
// Text helpers

TEST(Text, TruncateCountsCharacters) {
    EXPECT_EQ(truncate_chars("hello", 5), "hello");
    EXPECT_EQ(truncate_chars("hello!", 5), "hell…");
    EXPECT_EQ(truncate_chars("héllo wörld", 4), "hél…");
    EXPECT_EQ(utf8_chars("héllo"), 5u);
    EXPECT_EQ(utf8_chars(truncate_chars(std::string(300, 'a'), 150)), 150u);
    EXPECT_EQ(truncate_chars("→→→→", 2), "→…");
}

TEST(Text, Dates) {
    EXPECT_EQ(readable_utc(at("2026-11-23T09:30:59Z")), "Mon 23 Nov 2026, 09:30 UTC");
    EXPECT_EQ(mail_date(at("2026-11-23T09:30:05Z")), "Mon, 23 Nov 2026 09:30:05 +0000");
    EXPECT_EQ(mail_date(at("2024-02-29T23:59:59Z")), "Thu, 29 Feb 2024 23:59:59 +0000");
}

TEST(Text, EscapesAndLines) {
    EXPECT_EQ(html_escape("<a href=\"x\">Tom & Jerry's</a>"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    EXPECT_EQ(single_line("a\r\nBcc: x\tz"), "a Bcc: x z");
    EXPECT_TRUE(is_web_url("https://baton.example.com/h/1"));
    EXPECT_FALSE(is_web_url("javascript:alert(1)"));
    EXPECT_FALSE(is_web_url("https://x.com/\"onmouseover=\"alert(1)"));
    EXPECT_FALSE(is_web_url("/relative"));
    EXPECT_FALSE(is_web_url(""));
}

// ---------------------------------------------------------------------------------------
// Slack

const json* find_block(const json& message, const std::string& type, int nth = 0) {
    for (const auto& b : message["blocks"]) {
        if (b["type"] == type && nth-- == 0) return &b;
    }
    return nullptr;
}

std::vector<std::string> field_texts(const json& message) {
    std::vector<std::string> out;
    for (const auto& b : message["blocks"]) {
        if (b.contains("fields")) {
            for (const auto& f : b["fields"]) out.push_back(f["text"]);
        }
    }
    return out;
}

TEST(Slack, MessageShape) {
    const json m = slack_message(sample_notification());
    EXPECT_EQ(m["text"], "<@U012AB3CD> Sam handed Acme to Dana");

    const json* header = find_block(m, "header");
    ASSERT_NE(header, nullptr);
    EXPECT_EQ((*header)["text"]["type"], "plain_text");
    EXPECT_EQ((*header)["text"]["text"], "Sold → onboarding: Acme");

    const json* summary = find_block(m, "section", 0);
    ASSERT_NE(summary, nullptr);
    EXPECT_EQ((*summary)["text"]["text"], "<@U012AB3CD> Sam handed Acme to Dana");
    const json* done = find_block(m, "section", 1);
    ASSERT_NE(done, nullptr);
    const std::string done_text = (*done)["text"]["text"];
    EXPECT_NE(done_text.find("*Done means:* The client has a welcome email"), std::string::npos);
    EXPECT_NE(done_text.find("☑ Send the welcome email"), std::string::npos);
    EXPECT_NE(done_text.find("☐ Book the kickoff call"), std::string::npos);

    const auto fields = field_texts(m);
    const std::vector<std::string> expected = {"*Owner*\ndana", "*From*\nsam", "*State*\nwaiting",
                                               "*Deadline*\nAccept by Mon 23 Nov 2026, 09:30 UTC",
                                               "*Checklist*\n1/3"};
    EXPECT_EQ(fields, expected);

    const json* actions = find_block(m, "actions");
    ASSERT_NE(actions, nullptr);
    const json& buttons = (*actions)["elements"];
    ASSERT_EQ(buttons.size(), 2u) << buttons.dump();
    EXPECT_EQ(buttons[0]["action_id"], "baton_accept");
    EXPECT_EQ(buttons[0]["value"], "42");
    EXPECT_EQ(buttons[0]["text"]["text"], "Accept");
    EXPECT_EQ(buttons[1]["action_id"], "baton_open");
    EXPECT_EQ(buttons[1]["url"], "https://baton.example.com/handoffs/42");
}

TEST(Slack, ButtonsFollowTheState) {
    Notification n = sample_notification();
    n.handoff.state = core::HandoffState::accepted;
    n.handoff.escalation_level = 2;
    n.card_url.clear();
    json m = slack_message(n);
    const json* actions = find_block(m, "actions");
    ASSERT_NE(actions, nullptr);
    ASSERT_EQ((*actions)["elements"].size(), 1u);
    EXPECT_EQ((*actions)["elements"][0]["action_id"], "baton_done");
    EXPECT_EQ((*actions)["elements"][0]["value"], "42");
    const auto fields = field_texts(m);
    EXPECT_NE(std::find(fields.begin(), fields.end(), "*Escalation*\nlevel 2"), fields.end());
    EXPECT_NE(
        std::find(fields.begin(), fields.end(), "*Deadline*\nDone by Wed 25 Nov 2026, 17:00 UTC"),
        fields.end());

    n.handoff.state = core::HandoffState::done;
    m = slack_message(n);
    EXPECT_EQ(find_block(m, "actions"), nullptr) << m.dump();  // nothing left to press

    n.card_url = "javascript:alert(1)";
    EXPECT_EQ(find_block(slack_message(n), "actions"), nullptr);
}

TEST(Slack, UserTextCannotPingOrLink) {
    Notification n = sample_notification();
    n.summary = "<!channel> see <https://evil.example|this> & that";
    n.recipient.slack_id = "U1> <!here";
    const json m = slack_message(n);
    EXPECT_EQ(m["text"], "&lt;!channel&gt; see &lt;https://evil.example|this&gt; &amp; that");
    EXPECT_EQ(m.dump().find("<!"), std::string::npos) << m.dump();
}

TEST(Slack, BlockKitLimits) {
    Notification n = sample_notification();
    n.handoff.title = std::string(300, 'T');
    n.handoff.done_definition = std::string(5000, '&');
    n.summary = std::string(5000, 's');
    n.handoff.owner = std::string(3000, 'o');
    n.handoff.checklist.clear();
    for (int i = 1; i <= 50; ++i)
        n.handoff.checklist.push_back({i, std::string(100, 'c'), false, "", {}, {}});
    const json m = slack_message(n);

    ASSERT_LE(m["blocks"].size(), limits::slack_blocks_max);
    EXPECT_LE(utf8_chars(m["text"].get<std::string>()), limits::slack_text_chars_max);
    const std::string header = (*find_block(m, "header"))["text"]["text"];
    EXPECT_EQ(utf8_chars(header), limits::slack_header_chars_max);
    EXPECT_TRUE(header.ends_with("…"));
    for (const auto& b : m["blocks"]) {
        if (b.contains("text") && b["type"] == "section") {
            const std::string text = b["text"]["text"];
            EXPECT_LE(utf8_chars(text), limits::slack_section_chars_max);
            // Cut after escaping, but never inside an entity.
            EXPECT_FALSE(text.ends_with("&…") || text.ends_with("&a…") || text.ends_with("&am…") ||
                         text.ends_with("&amp…"))
                << text.substr(text.size() - 20);
        }
        if (b.contains("fields")) {
            EXPECT_LE(b["fields"].size(), limits::slack_fields_max);
            for (const auto& f : b["fields"]) {
                EXPECT_LE(utf8_chars(f["text"].get<std::string>()), limits::slack_field_chars_max);
            }
        }
        if (b["type"] == "actions") {
            for (const auto& e : b["elements"]) {
                EXPECT_LE(utf8_chars(e["text"]["text"].get<std::string>()),
                          limits::slack_button_text_chars_max);
            }
        }
    }
    const std::string done = (*find_block(m, "section", 1))["text"]["text"];
    EXPECT_EQ(utf8_chars(done), limits::slack_section_chars_max);
    EXPECT_TRUE(done.ends_with("&amp;…"));
}

// ---------------------------------------------------------------------------------------
// Email

struct Mail {
    std::map<std::string, std::string> headers;  // unfolded
    std::vector<std::string> header_lines;       // as sent, folded lines included
    std::string text;                            // the decoded parts
    std::string html;
};

std::string decode_part(const std::string& message, const std::string& type) {
    const auto start = message.find("Content-Type: " + type);
    if (start == std::string::npos) return "";
    const auto body = message.find("\r\n\r\n", start) + 4;
    const auto end = message.find("\r\n--", body);
    std::string b64;
    for (char c : message.substr(body, end - body)) {
        if (c != '\r' && c != '\n') b64 += c;
    }
    auto decoded = crypto::base64_decode(b64);
    EXPECT_TRUE(decoded.ok()) << type;
    return decoded.ok() ? *decoded : "";
}

Mail parse_mail(const std::string& message) {
    Mail mail;
    const std::string head = message.substr(0, message.find("\r\n\r\n"));
    std::string last;
    std::size_t start = 0;
    while (start <= head.size()) {
        auto end = head.find("\r\n", start);
        if (end == std::string::npos) end = head.size();
        const std::string line = head.substr(start, end - start);
        mail.header_lines.push_back(line);
        if (!line.empty() && line[0] == ' ') {
            mail.headers[last] += line;
        } else {
            const auto colon = line.find(": ");
            last = line.substr(0, colon);
            mail.headers[last] = line.substr(colon + 2);
        }
        start = end + 2;
    }
    mail.text = decode_part(message, "text/plain");
    mail.html = decode_part(message, "text/html");
    return mail;
}

Mail build(const Notification& n) {
    auto email = email_message(n, *n.config->smtp);
    EXPECT_TRUE(email.ok()) << email.error().message;
    return email.ok() ? parse_mail(email->message) : Mail{};
}

Notification email_notification() {
    Notification n = sample_notification();
    n.channel = "email";
    n.target = "dana@example.com";
    return n;
}

TEST(Email, Headers) {
    const Notification n = email_notification();
    auto email = email_message(n, *n.config->smtp);
    ASSERT_TRUE(email.ok());
    EXPECT_EQ(email->from_address, "baton@example.com");
    EXPECT_EQ(email->to_address, "dana@example.com");
    const Mail m = parse_mail(email->message);
    EXPECT_EQ(m.headers.at("Date"), "Mon, 23 Nov 2026 08:00:00 +0000");
    EXPECT_EQ(m.headers.at("From"), "Baton <baton@example.com>");
    EXPECT_EQ(m.headers.at("To"), "Dana Scully <dana@example.com>");
    EXPECT_EQ(m.headers.at("Subject"), "Sam handed Acme to Dana");
    EXPECT_EQ(m.headers.at("Message-ID"), "<dlv_42_7@example.com>");
    EXPECT_EQ(m.headers.at("MIME-Version"), "1.0");
    EXPECT_EQ(m.headers.at("Content-Type").rfind("multipart/alternative; boundary=", 0), 0u);
    // Every line ends in CRLF: no bare LF anywhere.
    for (std::size_t i = 0; i < email->message.size(); ++i) {
        if (email->message[i] == '\n') {
            ASSERT_TRUE(i > 0 && email->message[i - 1] == '\r') << i;
        }
    }
    EXPECT_TRUE(email->message.ends_with("--=_baton_alternative--\r\n"));
}

TEST(Email, BothPartsCarryTheHandoffAndTheLinks) {
    const Mail m = build(email_notification());
    for (const std::string* part : {&m.text, &m.html}) {
        EXPECT_NE(part->find("Sam handed Acme to Dana"), std::string::npos) << *part;
        EXPECT_NE(part->find("The client has a welcome email"), std::string::npos);
        EXPECT_NE(part->find("Book the kickoff call"), std::string::npos);
        EXPECT_NE(part->find("Accept by Mon 23 Nov 2026, 09:30 UTC"), std::string::npos);
        EXPECT_NE(part->find("Sold → onboarding: Acme"), std::string::npos);
    }
    EXPECT_NE(m.text.find("[x] Send the welcome email\r\n[ ] Set up the client folder"),
              std::string::npos)
        << m.text;
    EXPECT_NE(m.text.find("Accept: https://baton.example.com/a/42?t=abc\r\n"), std::string::npos);
    EXPECT_NE(m.text.find("Done: https://baton.example.com/d/42?t=def\r\n"), std::string::npos);
    EXPECT_NE(m.text.find("Open: https://baton.example.com/handoffs/42\r\n"), std::string::npos);
    EXPECT_NE(m.html.find("<a href=\"https://baton.example.com/a/42?t=abc\">Accept</a>"),
              std::string::npos)
        << m.html;
    EXPECT_NE(m.html.find("<a href=\"https://baton.example.com/handoffs/42\">Open</a>"),
              std::string::npos);
}

TEST(Email, NoLinksWhenAbsentOrNotWeb) {
    Notification n = email_notification();
    n.accept_url.clear();
    n.done_url = "javascript:alert(1)";
    const Mail m = build(n);
    EXPECT_EQ(m.text.find("Accept:"), std::string::npos);
    EXPECT_EQ(m.text.find("Done:"), std::string::npos);
    EXPECT_EQ(m.html.find("javascript"), std::string::npos);
    EXPECT_NE(m.text.find("Open: "), std::string::npos);
}

TEST(Email, HtmlEscapesEveryUserString) {
    Notification n = email_notification();
    n.summary = "<script>alert(1)</script>";
    n.handoff.subject = "Tom & <b>Jerry</b>";
    n.handoff.done_definition = "\"quoted\" <img src=x>";
    n.handoff.checklist[0].text = "<i>item</i>";
    n.handoff.owner = "<owner>";
    const Mail m = build(n);
    for (const char* raw : {"<script>", "<b>", "<img", "<i>", "<owner>"}) {
        EXPECT_EQ(m.html.find(raw), std::string::npos) << raw << "\n" << m.html;
    }
    EXPECT_NE(m.html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(m.html.find("Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;"), std::string::npos);
    // The text part stays as written.
    EXPECT_NE(m.text.find("<script>alert(1)</script>"), std::string::npos);
}

TEST(Email, HeaderInjectionIsImpossible) {
    Notification n = email_notification();
    n.summary = "Hello\r\nBcc: evil@x";
    n.recipient.name = "Dana\r\nCc: evil@y";
    const auto email = email_message(n, *n.config->smtp);
    ASSERT_TRUE(email.ok());
    const Mail m = parse_mail(email->message);
    for (const auto& line : m.header_lines) {
        EXPECT_NE(line.rfind("Bcc:", 0), 0u) << line;
        EXPECT_NE(line.rfind("Cc:", 0), 0u) << line;
    }
    EXPECT_EQ(m.headers.at("Subject"), "Hello Bcc: evil@x");
    EXPECT_EQ(m.headers.count("Bcc"), 0u);

    n.target = "dana@example.com\r\nBcc: evil@x";
    const auto refused = email_message(n, *n.config->smtp);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("not an email address"), std::string::npos);

    n = email_notification();
    n.subject = "Welcome\nBcc: evil@x";
    n.body = "Hi";
    const Mail templated = build(n);
    EXPECT_EQ(templated.headers.at("Subject"), "Welcome Bcc: evil@x");
    EXPECT_EQ(templated.headers.count("Bcc"), 0u);
}

// Decodes the RFC 2047 words of a header as the receiving side would.
std::string decode_words(const std::string& value) {
    std::string out;
    std::size_t at = 0;
    while ((at = value.find("=?UTF-8?B?", at)) != std::string::npos) {
        const auto end = value.find("?=", at + 10);
        auto bytes = crypto::base64_decode(value.substr(at + 10, end - at - 10));
        EXPECT_TRUE(bytes.ok());
        if (bytes.ok()) out += *bytes;
        at = end + 2;
    }
    return out;
}

TEST(Email, NonAsciiHeadersAreEncoded) {
    Notification n = email_notification();
    n.summary = "Zoë took “Ünïcode GmbH” — " + std::string(60, 'x') + " ✓";
    n.recipient.name = "Zoë Ödegaard";
    const auto email = email_message(n, *n.config->smtp);
    ASSERT_TRUE(email.ok());
    const Mail m = parse_mail(email->message);
    EXPECT_EQ(m.headers.at("Subject").rfind("=?UTF-8?B?", 0), 0u);
    EXPECT_EQ(decode_words(m.headers.at("Subject")), n.summary);
    EXPECT_EQ(decode_words(m.headers.at("To")), "Zoë Ödegaard");
    EXPECT_NE(m.headers.at("To").find(" <dana@example.com>"), std::string::npos);
    for (const auto& line : m.header_lines) {
        EXPECT_LE(line.size(), 78u) << line;  // folded, every word within 75
        for (unsigned char c : line) EXPECT_LT(c, 0x80) << line;
    }
    // A display name with specials is quoted.
    n.recipient.name = "Scully, Dana \"D\"";
    EXPECT_EQ(build(n).headers.at("To"), "\"Scully, Dana \\\"D\\\"\" <dana@example.com>");
}

TEST(Email, MessageIdIsStableAcrossRetries) {
    Notification first = email_notification();
    Notification second = email_notification();
    second.attempt = 3;
    second.now = at("2026-11-24T10:00:00Z");
    EXPECT_EQ(build(first).headers.at("Message-ID"), build(second).headers.at("Message-ID"));
    second.delivery_id = "dlv_43_1";
    EXPECT_NE(build(first).headers.at("Message-ID"), build(second).headers.at("Message-ID"));
    second.delivery_id = "a b<c>@d";
    EXPECT_EQ(build(second).headers.at("Message-ID"), "<a-b-c--d@example.com>");
}

TEST(Email, ClientTemplateReplacesSubjectAndText) {
    Notification n = email_notification();
    n.target = "client@acme.example";
    n.recipient = {};
    n.subject = "What happens next";
    n.body = "Hello Acme,\n\nDana will call you <tomorrow>.\nBring the brief & the plan.\n";
    const Mail m = build(n);
    EXPECT_EQ(m.headers.at("Subject"), "What happens next");
    EXPECT_EQ(m.headers.at("To"), "client@acme.example");
    EXPECT_EQ(
        m.text,
        "Hello Acme,\r\n\r\nDana will call you <tomorrow>.\r\nBring the brief & the plan.\r\n");
    EXPECT_NE(m.html.find("<p>Hello Acme,</p>"), std::string::npos) << m.html;
    EXPECT_NE(
        m.html.find(
            "<p>Dana will call you &lt;tomorrow&gt;.<br>\r\nBring the brief &amp; the plan.</p>"),
        std::string::npos)
        << m.html;
    EXPECT_EQ(m.html.find("<pre>"), std::string::npos);
    EXPECT_EQ(m.text.find("Accept"), std::string::npos);
}

TEST(Email, Refusals) {
    Notification n = email_notification();
    core::SmtpSettings smtp = *n.config->smtp;
    smtp.from = "not an address";
    EXPECT_FALSE(email_message(n, smtp).ok());
    n.delivery_id.clear();
    EXPECT_FALSE(email_message(n, *n.config->smtp).ok());
}

// ---------------------------------------------------------------------------------------
// Webhook

TEST(Webhook, CloudEvent) {
    Notification n = sample_notification();
    n.what = "accepted";
    const json e = cloud_event(n);
    EXPECT_EQ(e["specversion"], "1.0");
    EXPECT_EQ(e["type"], "baton.handoff.accepted");
    EXPECT_EQ(e["source"], "baton");
    EXPECT_EQ(e["id"], "dlv_42_7");
    EXPECT_EQ(e["time"], "2026-11-23T08:00:00.000Z");
    EXPECT_EQ(e["subject"], "Acme");
    EXPECT_EQ(e["datacontenttype"], "application/json");
    const json& d = e["data"];
    EXPECT_EQ(d["id"], 42);
    EXPECT_EQ(d["playbook"], "sold-to-onboarding");
    EXPECT_EQ(d["subject"], "Acme");
    EXPECT_EQ(d["owner"], "dana");
    EXPECT_EQ(d["giver"], "sam");
    EXPECT_EQ(d["state"], "waiting");
    EXPECT_EQ(d["accept_by"], "2026-11-23T09:30:00.000Z");
    EXPECT_EQ(d["done_by"], "2026-11-25T17:00:00.000Z");
    ASSERT_EQ(d["checklist"].size(), 3u);
    EXPECT_EQ(d["checklist"][0],
              (json{{"n", 1}, {"text", "Send the welcome email"}, {"checked", true}}));
    EXPECT_EQ(d["url"], "https://baton.example.com/handoffs/42");

    n.handoff.subject.clear();
    EXPECT_FALSE(cloud_event(n).contains("subject"));
}

TEST(Webhook, SignedPerStandardWebhooks) {
    const Notification n = sample_notification();
    const auto post = webhook_request(n, n.config->webhooks.at("crm"));
    ASSERT_TRUE(post.ok()) << post.error().message;
    std::vector<crypto::Header> headers;
    std::map<std::string, std::string> by_name;
    for (const auto& h : post->headers) {
        headers.push_back({h.name, h.value});
        by_name[h.name] = h.value;
    }
    EXPECT_EQ(by_name["Content-Type"], "application/json");
    EXPECT_EQ(by_name["webhook-id"], "dlv_42_7");
    EXPECT_EQ(by_name["webhook-timestamp"], std::to_string(to_unix_ms(n.now) / 1000));
    EXPECT_EQ(json::parse(post->body)["id"], "dlv_42_7");
    // Our own verifier, itself checked against the published vector in signatures_test.
    const auto verified =
        crypto::verify_standard_webhook({.headers = headers,
                                         .body = post->body,
                                         .secret = n.config->webhooks.at("crm").secret,
                                         .now = n.now});
    EXPECT_TRUE(verified.ok()) << verified.error().message;
    // And by hand: HMAC-SHA256 of "id.timestamp.body" under the base64-decoded key.
    const auto key = crypto::base64_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    ASSERT_TRUE(key.ok());
    const std::string content = "dlv_42_7." + by_name["webhook-timestamp"] + "." + post->body;
    EXPECT_EQ(by_name["webhook-signature"],
              "v1," + crypto::base64_encode(crypto::hmac_sha256(*key, content)));
}

TEST(Webhook, TheSpecsExample) {
    // standardwebhooks.com's published example; the channel signs with the same function.
    const auto signature = crypto::sign_standard_webhook("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                                         R"({"test": 2432232314})",
                                                         "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    ASSERT_TRUE(signature.ok());
    EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(Webhook, IdStableAcrossRetriesAndBadSecretRefused) {
    Notification n = sample_notification();
    const auto endpoint = n.config->webhooks.at("crm");
    const auto first = webhook_request(n, endpoint);
    n.attempt = 2;
    n.now += std::chrono::minutes(5);
    const auto second = webhook_request(n, endpoint);
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_EQ(first->headers[1].value, second->headers[1].value);
    EXPECT_NE(first->headers[3].value, second->headers[3].value);  // a new timestamp signed

    const auto bad = webhook_request(n, {"https://h", "whsec_***"});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message.find("***"), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Routing: what each channel hands to the transport.

class RecordingTransport final : public Transport {
  public:
    void post(HttpPost request, Done done) override {
        posts.push_back(std::move(request));
        Outcome o;
        o.kind = Outcome::Kind::delivered;
        done(o);
    }
    void send_mail(MailSend request, Done done) override {
        mails.push_back(std::move(request));
        Outcome o;
        o.kind = Outcome::Kind::delivered;
        done(o);
    }
    void finish(Outcome outcome, Done done) override {
        ++finished;
        done(std::move(outcome));
    }
    std::vector<HttpPost> posts;
    std::vector<MailSend> mails;
    int finished = 0;
};

Outcome send_one(Channel& channel, Notification n) {
    std::optional<Outcome> got;
    channel.send(std::move(n), [&](Outcome o) { got = std::move(o); });
    EXPECT_TRUE(got.has_value());
    return got.value_or(Outcome{});
}

TEST(Routing, SlackWebhookEmail) {
    RecordingTransport t;
    SlackChannel slack(t, std::chrono::milliseconds(1000));
    WebhookChannel webhook(t);
    EmailChannel email(t);

    Notification n = sample_notification();
    n.config = samples::sample_config();
    std::const_pointer_cast<core::ChannelsConfig>(n.config)->allow = {"127.0.0.1"};
    EXPECT_EQ(send_one(slack, n).kind, Outcome::Kind::delivered);
    ASSERT_EQ(t.posts.size(), 1u);
    EXPECT_EQ(t.posts[0].url, "https://hooks.slack.com/services/T000/B000/XXXX");
    EXPECT_EQ(t.posts[0].pacing.interval, std::chrono::milliseconds(1000));
    EXPECT_EQ(t.posts[0].pacing.in_flight_max, 1u);
    EXPECT_EQ(t.posts[0].allow, std::vector<std::string>{"127.0.0.1"});
    EXPECT_EQ(json::parse(t.posts[0].body), slack_message(n));

    n.target = "crm";
    EXPECT_EQ(send_one(webhook, n).kind, Outcome::Kind::delivered);
    ASSERT_EQ(t.posts.size(), 2u);
    EXPECT_EQ(t.posts[1].url, "https://crm.example.com/baton");

    n.target = "Dana <dana@example.com>";
    EXPECT_EQ(send_one(email, n).kind, Outcome::Kind::delivered);
    ASSERT_EQ(t.mails.size(), 1u);
    EXPECT_EQ(t.mails[0].url, "smtp://mail.example.com:587");
    EXPECT_EQ(t.mails[0].from_address, "baton@example.com");
    EXPECT_EQ(t.mails[0].to_address, "dana@example.com");
    EXPECT_EQ(t.finished, 0);
}

TEST(Slack, ResponseUrlGetsTheMessageReplacingTheOriginal) {
    EXPECT_TRUE(is_slack_response_url("https://hooks.slack.com/actions/T1/2/abc"));
    EXPECT_TRUE(is_slack_response_url("http://127.0.0.1:9/actions"));
    EXPECT_FALSE(is_slack_response_url("#ops"));
    EXPECT_FALSE(is_slack_response_url("httpsish"));

    Notification n = sample_notification();
    n.handoff.state = core::HandoffState::accepted;
    const json m = slack_response_message(n);
    EXPECT_EQ(m.value("replace_original", false), true) << m;
    json without = m;
    without.erase("replace_original");
    EXPECT_EQ(without, slack_message(n)) << "the same message as the channel's, replacing it";
    EXPECT_FALSE(slack_message(n).contains("replace_original"));

    // Sent to the response_url itself, not looked up in channels.yaml, and still guarded.
    RecordingTransport t;
    SlackChannel slack(t, std::chrono::milliseconds(1000));
    n.target = "https://hooks.slack.com/actions/T1/2/abc";
    n.config = samples::sample_config();
    std::const_pointer_cast<core::ChannelsConfig>(n.config)->allow = {"10.0.0.1"};
    EXPECT_EQ(send_one(slack, n).kind, Outcome::Kind::delivered);
    ASSERT_EQ(t.posts.size(), 1u);
    EXPECT_EQ(t.posts[0].url, n.target);
    EXPECT_EQ(t.posts[0].allow, std::vector<std::string>{"10.0.0.1"});
    EXPECT_EQ(json::parse(t.posts[0].body), m);
    EXPECT_EQ(t.finished, 0);
}

TEST(Routing, MissingTargetsFailWithoutARequest) {
    RecordingTransport t;
    SlackChannel slack(t, std::chrono::milliseconds(1000));
    WebhookChannel webhook(t);
    EmailChannel email(t);
    Notification n = sample_notification();

    n.target = "#nowhere";
    Outcome o = send_one(slack, n);
    EXPECT_EQ(o.kind, Outcome::Kind::failed);
    EXPECT_EQ(o.detail, "no slack channel #nowhere in channels.yaml");

    n.target = "erp";
    o = send_one(webhook, n);
    EXPECT_EQ(o.kind, Outcome::Kind::failed);
    EXPECT_EQ(o.detail, "no webhook erp in channels.yaml");

    auto no_smtp = samples::sample_config();
    no_smtp->smtp.reset();
    n.config = no_smtp;
    n.target = "dana@example.com";
    o = send_one(email, n);
    EXPECT_EQ(o.kind, Outcome::Kind::failed);
    EXPECT_EQ(o.detail, "no smtp: in channels.yaml");

    n.config = samples::sample_config();
    n.target = "not-an-address";
    o = send_one(email, n);
    EXPECT_EQ(o.kind, Outcome::Kind::failed);
    EXPECT_NE(o.detail.find("not an email address"), std::string::npos);

    EXPECT_EQ(t.finished, 4);
    EXPECT_TRUE(t.posts.empty());
    EXPECT_TRUE(t.mails.empty());
}

}  // namespace
}  // namespace baton::channels
