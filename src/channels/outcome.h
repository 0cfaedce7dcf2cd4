// From what happened on the wire to an Outcome for the dispatcher: delivered, retry (with
// the endpoint's Retry-After when it gave one) or failed. The rules, in one place:
//
//   HTTP 2xx delivered; 408, 429 and 5xx retry; 3xx failed (redirects are not followed,
//   so a moved endpoint is a configuration fault); any other 4xx failed.
//   SMTP 2xx/3xx delivered; 4xx retry (greylisting, a full mailbox); 5xx failed.
//   No answer at all — a timeout, a reset, a refused or failed connection, a DNS failure —
//   retry: the message may yet get through. An SSRF refusal, a URL that cannot be used,
//   or a login the server refused is failed: retrying cannot help until the config
//   changes.
//
// Pure functions of their arguments (`now` is given); safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "channels/channel.h"
#include "core/time.h"

namespace baton::channels {

enum class Protocol { http, smtp };

// How a transfer ended, before any answer was judged.
enum class TransferError {
    none,        // an answer came back; `status` holds it
    refused,     // the SSRF guard refused the URL or the address
    bad_url,     // the URL could not be used (malformed, unsupported)
    timeout,     // no complete answer in time
    connection,  // refused, reset, closed, DNS, TLS: the network failed us
    login,       // the server refused our credentials
    shutdown,    // the transport is stopping
    other,       // anything else libcurl reports
};

struct TransferResult {
    Protocol protocol = Protocol::http;
    TransferError error = TransferError::none;
    int status = 0;           // HTTP status, or the last SMTP reply code; 0 when none
    std::string retry_after;  // the Retry-After header's value, as received
    std::string body;         // the start of the response body (capped by the transport)
    std::string error_text;   // what went wrong, for the detail; never a URL or a secret
};

Outcome outcome_of(const TransferResult& result, TimePoint now);

// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date (IMF-fixdate, as
// servers must send it). A date in the past is zero; anything beyond limits::retry_after_max
// is clamped to it. nullopt when the value is neither.
std::optional<Milliseconds> parse_retry_after(std::string_view value, TimePoint now);

// One printable line, at most `bytes_max` bytes, cut on a UTF-8 boundary: for details.
std::string one_line(std::string_view text, std::size_t bytes_max);

}  // namespace baton::channels
