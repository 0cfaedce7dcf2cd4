// What the API shows of a secret: that it is set, and for a URL its scheme and host. Used by
// GET /v1/channels and by the deliveries of a handoff, where a Slack response_url or an
// outbound webhook's URL (bearer secrets in their paths) must not reach non-admins.
// Plain functions of strings; thread-safe.
#pragma once

#include <string>

namespace baton::http {

// What a redacted secret reads as.
inline constexpr const char* redacted = "•••";

// "•••" for a set secret, "" for an unset one.
std::string redact_secret(const std::string& secret);

// The URL's scheme://host:port and, when `keep_path`, its path; user:password@ and (when
// not kept) the path, query and fragment become •••. A Slack incoming-webhook URL is a
// bearer secret in its path; an SMTP URL may carry a password in its user info.
std::string redact_url(const std::string& url, bool keep_path);

// A delivery's target as a non-admin sees it: a URL (a webhook, a Slack response_url) as
// scheme and host only; an email address or a channel name as it is.
std::string redact_delivery_target(const std::string& target);

}  // namespace baton::http
