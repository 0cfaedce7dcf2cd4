// The SSRF guard's first half: the URL itself, before anything is resolved or connected.
// The scheme must be one the use allows (http/https for Slack and webhooks, smtp/smtps for
// email) and the URL must carry no credentials (user:password@ ends up in logs, proxies
// and the timeline; SMTP credentials live in channels.yaml's smtp: instead). Addresses are
// judged later, by `refusal` (address.h), on the socket actually opened.
//
// The URL is parsed by libcurl's own URL parser — the one that later connects — so that
// the guard and the connection cannot read the same text differently.
//
// Pure function of its arguments; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace baton::channels {

enum class UrlUse { http, smtp };

struct UrlParts {
    std::string scheme;  // lowercase
    std::string host;    // as in the URL; an IPv6 literal keeps its brackets
    int port = 0;        // the scheme's default when the URL names none
};

// Err(invalid_argument) with a message for the timeline that starts with "refused: " and
// never quotes the URL (a Slack webhook URL is a secret).
Result<UrlParts> check_url(std::string_view url, UrlUse use);

}  // namespace baton::channels
