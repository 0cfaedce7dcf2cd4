// Fuzzes the channels.yaml loader, core::parse_channels, and the mailbox parser it uses for
// smtp.from (and the email channel for recipients).
// Properties: the loader's diagnostics contract (yaml_checks.h); in an accepted config,
// smtp.from is a mailbox, Slack channel names start with '#', URLs and secrets are within
// their limits, and allow entries within theirs. A mailbox the parser accepts is safe in a
// mail header: no control character anywhere, one '@' with text on both sides, no angle
// brackets or spaces in the address.
#include <string>

#include "core/channels.h"
#include "core/limits.h"
#include "fuzz_support.h"
#include "yaml_checks.h"

using namespace baton;

namespace {

bool has_control(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) return true;
    }
    return false;
}

void check_mailbox(std::string_view text) {
    const auto mailbox = core::parse_mailbox(text);
    if (!mailbox) return;
    const std::string& address = mailbox->address;
    FUZZ_CHECK(!has_control(mailbox->name) && !has_control(address),
               "no control character in a parsed mailbox");
    const auto at = address.find('@');
    FUZZ_CHECK(at != std::string::npos && at > 0 && at + 1 < address.size() &&
                   address.find('@', at + 1) == std::string::npos,
               "one '@' with text on both sides: `" + address + "`");
    FUZZ_CHECK(address.find_first_of("<> ") == std::string::npos,
               "no angle bracket or space in the address `" + address + "`");
}

void check_config(const core::ChannelsConfig& config) {
    if (config.smtp) {
        FUZZ_CHECK(core::parse_mailbox(config.smtp->from).has_value(), "smtp.from is a mailbox");
        FUZZ_CHECK(config.smtp->url.size() <= limits::url_bytes_max, "smtp.url within limit");
    }
    FUZZ_CHECK(config.slack.size() <= limits::slack_channels_max, "slack within its limit");
    for (const auto& [name, endpoint] : config.slack) {
        FUZZ_CHECK(!name.empty() && name[0] == '#' &&
                       name.size() <= limits::slack_channel_name_bytes_max,
                   "slack channel `" + name + "`");
        FUZZ_CHECK(endpoint.webhook.size() <= limits::url_bytes_max, "webhook URL within limit");
    }
    FUZZ_CHECK(config.webhooks.size() <= limits::outbound_webhooks_max, "webhooks within limit");
    for (const auto& [name, endpoint] : config.webhooks) {
        FUZZ_CHECK(endpoint.url.size() <= limits::url_bytes_max, "webhook URL within limit");
        FUZZ_CHECK(!endpoint.secret.empty() &&
                       endpoint.secret.size() <= limits::channel_secret_bytes_max,
                   "webhook `" + name + "` has a secret within its limit");
    }
    FUZZ_CHECK(config.allow.size() <= limits::allow_entries_max, "allow within its limit");
    for (const auto& entry : config.allow) {
        FUZZ_CHECK(!entry.empty() && entry.size() <= limits::host_bytes_max, "allow entry");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    check_mailbox(text);
    const core::ChannelsParse parsed = core::parse_channels(text, fuzz::yaml_file);
    fuzz::check_diagnostics(parsed.errors, parsed.config.has_value(), text);
    if (parsed.config) check_config(*parsed.config);
    return 0;
}
