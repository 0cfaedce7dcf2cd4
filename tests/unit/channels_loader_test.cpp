// channels.yaml read into a ChannelsConfig: a full file, then one table of broken files,
// each with the position and the words of its one error, then the limits one past their
// edge, and parse_mailbox.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/channels.h"
#include "core/limits.h"

namespace baton::core {
namespace {

const char* const full = R"(# every key
smtp:
  url: "smtp://127.0.0.1:2525"
  from: "Baton <baton@example.com>"
  username: baton
  password: s3cret
slack:
  "#ops": { webhook: "https://hooks.slack.com/services/T000/B000/XXXX" }
  "#sales": { webhook: "http://127.0.0.1:9000/slack" }
webhooks:
  crm: { url: "https://crm.example.com/baton", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
allow: [127.0.0.1, "::1", crm.internal]
public_url: "https://baton.example.com"
slack_signing_secret: abc123
)";

std::string all_errors(const ChannelsParse& p) {
    std::string out;
    for (const auto& d : p.errors) out += d.format() + "\n";
    return out;
}

TEST(ChannelsLoader, ReadsEveryKey) {
    const ChannelsParse p = parse_channels(full, "channels.yaml");
    ASSERT_TRUE(p.config.has_value()) << all_errors(p);
    const ChannelsConfig& c = *p.config;
    ASSERT_TRUE(c.smtp.has_value());
    EXPECT_EQ(c.smtp->url, "smtp://127.0.0.1:2525");
    EXPECT_EQ(c.smtp->from, "Baton <baton@example.com>");
    EXPECT_EQ(c.smtp->username, "baton");
    EXPECT_EQ(c.smtp->password, "s3cret");
    ASSERT_EQ(c.slack.size(), 2u);
    EXPECT_EQ(c.slack.at("#ops").webhook, "https://hooks.slack.com/services/T000/B000/XXXX");
    EXPECT_EQ(c.slack.at("#sales").webhook, "http://127.0.0.1:9000/slack");
    ASSERT_EQ(c.webhooks.size(), 1u);
    EXPECT_EQ(c.webhooks.at("crm").url, "https://crm.example.com/baton");
    EXPECT_EQ(c.webhooks.at("crm").secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    EXPECT_EQ(c.allow, (std::vector<std::string>{"127.0.0.1", "::1", "crm.internal"}));
    EXPECT_EQ(c.public_url, "https://baton.example.com");
    EXPECT_EQ(c.slack_signing_secret, "abc123");
}

TEST(ChannelsLoader, OnlyCommentsIsAnEmptyConfiguration) {
    const ChannelsParse p = parse_channels("# nothing configured yet\n\n  # smtp: …\n", "c.yaml");
    ASSERT_TRUE(p.config.has_value()) << all_errors(p);
    EXPECT_FALSE(p.config->smtp.has_value());
    EXPECT_TRUE(p.config->slack.empty());
    EXPECT_TRUE(p.config->allow.empty());
}

TEST(ChannelsLoader, SmtpsAndNoCredentials) {
    const ChannelsParse p =
        parse_channels("smtp: {url: \"smtps://mail.example.com:465\", from: a@b.c}\n", "c.yaml");
    ASSERT_TRUE(p.config.has_value()) << all_errors(p);
    EXPECT_EQ(p.config->smtp->url, "smtps://mail.example.com:465");
    EXPECT_TRUE(p.config->smtp->username.empty());
}

struct Broken {
    const char* name;
    const char* yaml;
    int line;
    int column;
    const char* message;  // a part of the one error expected
};

const Broken broken[] = {
    {"unknown top key", "slak: {}\n", 1, 1, "did you mean `slack`"},
    {"unknown smtp key", "smtp: {url: \"smtp://h:25\", from: a@b.c, pasword: x}\n", 1, 41,
     "did you mean `password`"},
    {"smtp needs a url", "smtp: {from: a@b.c}\n", 1, 7, "`url` is required"},
    {"smtp url scheme", "smtp:\n  url: \"http://mail:25\"\n  from: a@b.c\n", 2, 8,
     "smtp:// or smtps://"},
    {"smtp from", "smtp:\n  url: \"smtp://mail:25\"\n  from: \"Baton\"\n", 3, 9,
     "from must be an address"},
    {"smtp half credentials", "smtp: {url: \"smtp://h\", from: a@b.c, username: u}\n", 1, 7,
     "both `username` and `password`"},
    {"smtp credentials in url", "smtp: {url: \"smtp://u:p@h:25\", from: a@b.c}\n", 1, 13,
     "credentials in a URL"},
    {"slack name without #", "slack:\n  ops: {webhook: \"https://h/x\"}\n", 2, 3, "starts with #"},
    {"slack webhook scheme", "slack:\n  \"#ops\": {webhook: \"ftp://h/x\"}\n", 2, 21,
     "https:// or http://"},
    {"slack webhook missing", "slack:\n  \"#ops\": {}\n", 2, 11, "`webhook` is required"},
    {"slack value not a map", "slack:\n  \"#ops\": \"https://h/x\"\n", 2, 11,
     "is a map such as {webhook: URL}"},
    {"slack unknown key", "slack:\n  \"#ops\": {webhook: \"https://h/x\", hook: 1}\n", 2, 36,
     "unknown key `hook`"},
    {"webhook url scheme", "webhooks:\n  crm: {url: \"gopher://h\", secret: \"whsec_AAAA\"}\n", 2,
     14, "https:// or http://"},
    {"webhook secret prefix", "webhooks:\n  crm: {url: \"https://h\", secret: \"AAAA\"}\n", 2, 35,
     "must start with whsec_"},
    {"webhook secret base64", "webhooks:\n  crm: {url: \"https://h\", secret: \"whsec_not*b64\"}\n",
     2, 35, "base64"},
    {"webhook secret missing", "webhooks:\n  crm: {url: \"https://h\"}\n", 2, 8,
     "`secret` is required"},
    {"webhook name", "webhooks:\n  CRM!: {url: \"https://h\", secret: \"whsec_AAAA\"}\n", 2, 3,
     "a-z, 0-9"},
    {"url without host", "public_url: \"https:///x\"\n", 1, 13, "no host"},
    {"url with a space", "public_url: \"https://a b\"\n", 1, 13, "spaces"},
    {"url bad port", "public_url: \"https://h:99999/\"\n", 1, 13, "port"},
    {"allow not a list", "allow: 127.0.0.1\n", 1, 8, "a list of hosts"},
    {"allow with a scheme", "allow: [\"http://127.0.0.1\"]\n", 1, 9, "no scheme, port or path"},
    {"allow with a port", "allow: [\"127.0.0.1:80\"]\n", 1, 9, "no scheme, port or path"},
    {"allow bad ipv6", "allow: [\"fe80::1::2\"]\n", 1, 9, "no scheme, port or path"},
    {"not a map", "- smtp\n", 1, 1, "is a map"},
    {"syntax", "smtp: {url: \n", 2, 1, "YAML syntax"},
};

TEST(ChannelsLoader, EachMistakeHasItsPosition) {
    for (const Broken& b : broken) {
        SCOPED_TRACE(b.name);
        const ChannelsParse p = parse_channels(b.yaml, "channels.yaml");
        EXPECT_FALSE(p.config.has_value());
        ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
        EXPECT_EQ(p.errors[0].file, "channels.yaml");
        EXPECT_EQ(p.errors[0].line, b.line) << p.errors[0].format();
        EXPECT_EQ(p.errors[0].column, b.column) << p.errors[0].format();
        EXPECT_NE(p.errors[0].message.find(b.message), std::string::npos) << p.errors[0].format();
    }
}

TEST(ChannelsLoader, ASecretIsNeverQuotedInAnError) {
    const ChannelsParse p = parse_channels(
        "webhooks:\n  crm: {url: \"https://h\", secret: \"whsec_sup3r$ecret\"}\n", "c.yaml");
    ASSERT_EQ(p.errors.size(), 1u) << all_errors(p);
    EXPECT_EQ(all_errors(p).find("sup3r"), std::string::npos) << all_errors(p);
}

TEST(ChannelsLoader, EveryErrorOfAFileIsReported) {
    const ChannelsParse p = parse_channels(
        "slack:\n  ops: {webhook: \"https://h\"}\nallow: [\"a/b\"]\nextra: 1\n", "c.yaml");
    EXPECT_EQ(p.errors.size(), 3u) << all_errors(p);
}

std::string many(const char* format, std::size_t count) {
    std::string out;
    char line[200];
    for (std::size_t i = 0; i < count; ++i) {
        std::snprintf(line, sizeof line, format, i);
        out += line;
    }
    return out;
}

TEST(ChannelsLoader, Limits) {
    const auto slack = [](std::size_t n) {
        return "slack:\n" + many("  \"#c%zu\": {webhook: \"https://h/x\"}\n", n);
    };
    EXPECT_TRUE(parse_channels(slack(limits::slack_channels_max), "c").config.has_value());
    EXPECT_FALSE(parse_channels(slack(limits::slack_channels_max + 1), "c").config.has_value());

    const auto hooks = [](std::size_t n) {
        return "webhooks:\n" + many("  w%zu: {url: \"https://h\", secret: \"whsec_AAAA\"}\n", n);
    };
    EXPECT_TRUE(parse_channels(hooks(limits::outbound_webhooks_max), "c").config.has_value());
    EXPECT_FALSE(parse_channels(hooks(limits::outbound_webhooks_max + 1), "c").config.has_value());

    const auto allow = [](std::size_t n) { return "allow:\n" + many("  - h%zu.internal\n", n); };
    EXPECT_TRUE(parse_channels(allow(limits::allow_entries_max), "c").config.has_value());
    EXPECT_FALSE(parse_channels(allow(limits::allow_entries_max + 1), "c").config.has_value());

    const auto url = [](std::size_t bytes) {
        const std::string prefix = "https://h/";
        return "public_url: \"" + prefix + std::string(bytes - prefix.size(), 'a') + "\"\n";
    };
    EXPECT_TRUE(parse_channels(url(limits::url_bytes_max), "c").config.has_value());
    const ChannelsParse over = parse_channels(url(limits::url_bytes_max + 1), "c");
    ASSERT_EQ(over.errors.size(), 1u);
    EXPECT_NE(over.errors[0].message.find("the limit is 2048"), std::string::npos);

    const auto secret = [](std::size_t bytes) {
        return "slack_signing_secret: \"" + std::string(bytes, 's') + "\"\n";
    };
    EXPECT_TRUE(parse_channels(secret(limits::channel_secret_bytes_max), "c").config.has_value());
    EXPECT_FALSE(
        parse_channels(secret(limits::channel_secret_bytes_max + 1), "c").config.has_value());

    const std::string host(limits::host_bytes_max, 'h');
    EXPECT_TRUE(parse_channels("allow: [" + host + "]\n", "c").config.has_value());
    EXPECT_FALSE(parse_channels("allow: [" + host + "h]\n", "c").config.has_value());
}

struct MailboxCase {
    const char* text;
    bool ok;
    const char* name;
    const char* address;
};

TEST(Mailbox, Parses) {
    const MailboxCase cases[] = {
        {"baton@example.com", true, "", "baton@example.com"},
        {"Baton <baton@example.com>", true, "Baton", "baton@example.com"},
        {"\"Ops, EU\" <ops@example.com>", true, "Ops, EU", "ops@example.com"},
        {"Zoë Ödegaard <zoe@example.com>", true, "Zoë Ödegaard", "zoe@example.com"},
        {"", false, "", ""},
        {"Baton", false, "", ""},
        {"@example.com", false, "", ""},
        {"baton@", false, "", ""},
        {"a@b@c", false, "", ""},
        {"a b@c.d", false, "", ""},
        {"Baton <baton@example.com", false, "", ""},
        {"a@b.c\r\nBcc: evil@x", false, "", ""},
        {"Evil\n <a@b.c>", false, "", ""},
        {"a@b.c, d@e.f", false, "", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        const auto m = parse_mailbox(c.text);
        ASSERT_EQ(m.has_value(), c.ok);
        if (!m) continue;
        EXPECT_EQ(m->name, c.name);
        EXPECT_EQ(m->address, c.address);
    }
}

}  // namespace
}  // namespace baton::core
