// channels.yaml: read with yaml-cpp into a ChannelsConfig, every problem reported with its
// position. The checks here are the ones a person can fix in the file (a URL's scheme, a
// secret that is not base64, a Slack channel without '#'); the SSRF guard itself runs in
// the channels at the moment of connecting, because only then is the address known.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "core/channels.h"
#include "core/limits.h"
#include "core/yaml_support.h"

namespace baton::core {

namespace {

using yaml_support::Reporter;

bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// A file with nothing but comments and blank lines is a workspace without channels, not a
// mistake: `baton init` writes one like that.
bool is_blank_document(const std::string& text) {
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + start, end - start);
        const auto first = line.find_first_not_of(" \t\r");
        if (first != std::string_view::npos && line[first] != '#' && line.substr(first) != "---") {
            return false;
        }
        start = end + 1;
    }
    return true;
}

// Strict base64 (RFC 4648 section 4, padded), as the Standard Webhooks libraries decode a
// secret. Written here because core depends on no crypto library; the channels decode the
// key with baton::crypto when they sign.
bool is_base64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return false;
    std::size_t padding = 0;
    while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
    for (std::size_t i = 0; i < text.size() - padding; ++i) {
        const char c = text[i];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
    }
    return text.size() - padding > 0;
}

// What is wrong with `url` for a use that allows `schemes`, or "" when nothing is. Only the
// shape is checked: scheme, a host, a numeric port, no credentials, no spaces.
std::string url_problem(const std::string& url, const std::vector<std::string>& schemes) {
    std::string allowed;
    for (const auto& s : schemes) allowed += (allowed.empty() ? "" : " or ") + s + "://";
    if (std::any_of(url.begin(), url.end(), [](char c) { return is_control(c) || c == ' '; })) {
        return "a URL must not contain spaces or control characters";
    }
    const auto sep = url.find("://");
    if (sep == std::string::npos ||
        std::find(schemes.begin(), schemes.end(), lower(url.substr(0, sep))) == schemes.end()) {
        return "the URL must start with " + allowed;
    }
    const std::string rest = url.substr(sep + 3);
    const std::string authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string::npos) {
        return "credentials in a URL (user:password@) are refused; they would reach logs and "
               "the timeline";
    }
    std::string host = authority, port;
    if (!host.empty() && host[0] == '[') {
        const auto close = host.find(']');
        if (close == std::string::npos) return "an IPv6 address in a URL needs a closing `]`";
        port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!port.empty() && port[0] != ':') return "unexpected text after the IPv6 address";
        if (!port.empty()) port = port.substr(1);
    } else if (const auto colon = host.find(':'); colon != std::string::npos) {
        port = host.substr(colon + 1);
        host = host.substr(0, colon);
    }
    if (host.empty()) return "the URL has no host";
    if (host.size() > limits::host_bytes_max) return "the URL's host is too long";
    if (authority.find(':') != std::string::npos && authority[0] != '[' && port.empty()) {
        return "the URL's port is empty";
    }
    if (!port.empty()) {
        const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
                                return c >= '0' && c <= '9';
                            });
        if (!digits || std::stol(port) < 1 || std::stol(port) > 65535) {
            return "the URL's port must be a number from 1 to 65535";
        }
    }
    return "";
}

std::optional<std::string> get_url(const YAML::Node& map, const char* key, Reporter& r,
                                   bool required, const std::vector<std::string>& schemes) {
    auto url = yaml_support::get_string(map, key, r, limits::url_bytes_max, required);
    if (!url || url->empty()) return url;
    const std::string problem = url_problem(*url, schemes);
    if (!problem.empty()) {
        r.error(map[key].Mark(), std::string(key) + ": " + problem);
        return std::nullopt;
    }
    return url;
}

bool valid_webhook_name(const std::string& n) {
    if (n.empty() || n.size() > limits::id_bytes_max) return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

// An allow-list entry is a host name as written in URLs or an IP address (IPv6 with or
// without brackets). Anything with a scheme, a path, a port or credentials is a mistake.
bool valid_allow_entry(const std::string& entry) {
    if (entry.empty() || entry.size() > limits::host_bytes_max) return false;
    std::string_view text = entry;
    if (text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (text.find(':') != std::string_view::npos) {
        // Only an IPv6 address has colons; "127.0.0.1:80" is a host with a port.
        in6_addr address{};
        return ::inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
    }
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
    });
}

void load_smtp(const YAML::Node& node, Reporter& r, ChannelsConfig& config) {
    if (!node.IsMap()) {
        r.error(node.Mark(), "smtp is a map such as {url: smtp://mail.example.com:587, from: …}");
        return;
    }
    yaml_support::check_keys(node, {"url", "from", "username", "password"}, r, "smtp");
    SmtpSettings smtp;
    smtp.url = get_url(node, "url", r, true, {"smtp", "smtps"}).value_or("");
    if (auto from = yaml_support::get_string(node, "from", r, limits::text_bytes_max, true)) {
        if (!parse_mailbox(*from)) {
            r.error(node["from"].Mark(),
                    "from must be an address, or a name and an address such as "
                    "\"Baton <baton@example.com>\"");
        }
        smtp.from = *from;
    }
    const auto max = limits::channel_secret_bytes_max;
    smtp.username = yaml_support::get_string(node, "username", r, max, false).value_or("");
    smtp.password = yaml_support::get_string(node, "password", r, max, false).value_or("");
    if (smtp.username.empty() != smtp.password.empty() && node["username"]) {
        r.error(node.Mark(), "smtp needs both `username` and `password`, or neither");
    }
    config.smtp = smtp;
}

void load_slack(const YAML::Node& node, Reporter& r, ChannelsConfig& config) {
    if (!node.IsMap()) {
        r.error(node.Mark(), "slack is a map of channel names, such as \"#ops\": {webhook: URL}");
        return;
    }
    if (node.size() > limits::slack_channels_max) {
        r.error(node.Mark(), "slack names " + std::to_string(node.size()) +
                                 " channels; the limit is " +
                                 std::to_string(limits::slack_channels_max));
        return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
        auto name = yaml_support::scalar(it->first, r, "a slack channel name",
                                         limits::slack_channel_name_bytes_max);
        if (!name) continue;
        if (name->size() < 2 || (*name)[0] != '#' ||
            std::any_of(name->begin(), name->end(),
                        [](char c) { return is_control(c) || c == ' '; })) {
            r.error(it->first.Mark(),
                    "a slack channel name starts with # and has no spaces, "
                    "such as \"#ops\" (quote it: # starts a YAML comment)");
            continue;
        }
        // A copy: a map iterator's `->` is a temporary proxy, so a reference into it
        // dangles at the end of this statement (AddressSanitizer: stack-use-after-scope).
        const YAML::Node value = it->second;
        if (!value.IsMap()) {
            r.error(value.Mark(), "slack channel " + *name + " is a map such as {webhook: URL}");
            continue;
        }
        yaml_support::check_keys(value, {"webhook"}, r, "a slack channel");
        auto webhook = get_url(value, "webhook", r, true, {"https", "http"});
        if (!webhook) continue;
        if (!config.slack.emplace(*name, SlackEndpoint{*webhook}).second) {
            r.error(it->first.Mark(), "slack channel " + *name + " is defined twice");
        }
    }
}

void load_webhook(const YAML::Node& key, const YAML::Node& value, Reporter& r,
                  ChannelsConfig& config) {
    auto name = yaml_support::scalar(key, r, "a webhook name", limits::id_bytes_max);
    if (!name) return;
    if (!valid_webhook_name(*name)) {
        r.error(key.Mark(), "a webhook name is a-z, 0-9, - and _, such as crm");
        return;
    }
    if (!value.IsMap()) {
        r.error(value.Mark(), "webhook " + *name + " is a map such as {url: URL, secret: whsec_…}");
        return;
    }
    yaml_support::check_keys(value, {"url", "secret"}, r, "a webhook");
    WebhookEndpoint endpoint;
    auto url = get_url(value, "url", r, true, {"https", "http"});
    auto secret =
        yaml_support::get_string(value, "secret", r, limits::channel_secret_bytes_max, true);
    if (secret) {
        // Never quote the secret back: error messages reach terminals and logs.
        if (secret->rfind("whsec_", 0) != 0) {
            r.error(value["secret"].Mark(), "secret must start with whsec_ (Standard Webhooks)");
            return;
        }
        if (!is_base64(std::string_view(*secret).substr(6))) {
            r.error(value["secret"].Mark(),
                    "secret must be whsec_ followed by base64 of the key, such as the "
                    "output of `openssl rand -base64 32`");
            return;
        }
    }
    if (!url || !secret) return;
    if (!config.webhooks.emplace(*name, WebhookEndpoint{*url, *secret}).second) {
        r.error(key.Mark(), "webhook " + *name + " is defined twice");
    }
}

void load_webhooks(const YAML::Node& node, Reporter& r, ChannelsConfig& config) {
    if (!node.IsMap()) {
        r.error(node.Mark(), "webhooks is a map of names, such as crm: {url: URL, secret: …}");
        return;
    }
    if (node.size() > limits::outbound_webhooks_max) {
        r.error(node.Mark(), "webhooks names " + std::to_string(node.size()) +
                                 " webhooks; the limit is " +
                                 std::to_string(limits::outbound_webhooks_max));
        return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
        load_webhook(it->first, it->second, r, config);
    }
}

void load_allow(const YAML::Node& node, Reporter& r, ChannelsConfig& config) {
    if (!node.IsSequence()) {
        r.error(node.Mark(), "allow is a list of hosts or addresses, such as [127.0.0.1]");
        return;
    }
    if (node.size() > limits::allow_entries_max) {
        r.error(node.Mark(), "allow has " + std::to_string(node.size()) +
                                 " entries; the limit is " +
                                 std::to_string(limits::allow_entries_max));
        return;
    }
    for (const auto& entry : node) {
        auto text = yaml_support::scalar(entry, r, "an allow entry", limits::host_bytes_max);
        if (!text) continue;
        if (!valid_allow_entry(*text)) {
            r.error(entry.Mark(),
                    "an allow entry is a host name or an IP address, such as "
                    "127.0.0.1 or crm.internal (no scheme, port or path)");
            continue;
        }
        config.allow.push_back(*text);
    }
}

}  // namespace

std::optional<Mailbox> parse_mailbox(std::string_view text) {
    if (std::any_of(text.begin(), text.end(), is_control)) return std::nullopt;
    Mailbox mailbox;
    std::string_view address = text;
    if (const auto open = text.rfind('<'); open != std::string_view::npos) {
        if (text.back() != '>') return std::nullopt;
        address = text.substr(open + 1, text.size() - open - 2);
        std::string_view name = text.substr(0, open);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
            name = name.substr(1, name.size() - 2);
        }
        mailbox.name = std::string(name);
    }
    const auto at = address.find('@');
    const bool bad_char = std::any_of(address.begin(), address.end(), [](char c) {
        return c == ' ' || c == '<' || c == '>' || c == '"' || c == ',';
    });
    if (bad_char || at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
        address.find('@', at + 1) != std::string_view::npos || address.size() > 254) {
        return std::nullopt;
    }
    mailbox.address = std::string(address);
    return mailbox;
}

ChannelsParse parse_channels(const std::string& yaml_text, const std::string& file) {
    ChannelsParse result;
    if (yaml_text.size() <= limits::yaml_file_bytes_max && is_blank_document(yaml_text)) {
        result.config = ChannelsConfig{};
        return result;
    }
    Reporter r(file, result.errors);
    auto root = yaml_support::load(yaml_text, r);
    if (!root) return result;
    if (!root->IsMap()) {
        r.error(root->Mark(), "channels.yaml is a map with smtp:, slack:, webhooks: and allow:");
        return result;
    }
    yaml_support::check_keys(
        *root, {"smtp", "slack", "webhooks", "allow", "public_url", "slack_signing_secret"}, r,
        "channels.yaml");
    ChannelsConfig config;
    const YAML::Node& doc = *root;
    if (doc["smtp"] && !doc["smtp"].IsNull()) load_smtp(doc["smtp"], r, config);
    if (doc["slack"] && !doc["slack"].IsNull()) load_slack(doc["slack"], r, config);
    if (doc["webhooks"] && !doc["webhooks"].IsNull()) load_webhooks(doc["webhooks"], r, config);
    if (doc["allow"] && !doc["allow"].IsNull()) load_allow(doc["allow"], r, config);
    config.public_url = get_url(doc, "public_url", r, false, {"https", "http"}).value_or("");
    config.slack_signing_secret = yaml_support::get_string(doc, "slack_signing_secret", r,
                                                           limits::channel_secret_bytes_max, false)
                                      .value_or("");
    if (result.errors.empty()) result.config = std::move(config);
    return result;
}

}  // namespace baton::core
