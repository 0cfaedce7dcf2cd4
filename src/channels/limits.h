// The channels' limits and defaults, named here, units last (STYLE.md rule 6). Durations
// marked "default" are overridable through ChannelOptions / TransportOptions (tests use
// short ones); the others are fixed by a remote API or by how much memory a response may
// take.
#pragma once

#include <chrono>
#include <cstddef>

namespace baton::channels::limits {

using namespace std::chrono_literals;

// Transport: one attempt to deliver one message.
inline constexpr std::chrono::milliseconds connect_timeout_default = 5s;
inline constexpr std::chrono::milliseconds transfer_timeout_default = 20s;  // connect included
// A message that waited this long for its endpoint (paced or paused) is given back to the
// dispatcher as a retry rather than kept in memory.
inline constexpr std::chrono::milliseconds queue_wait_default = 5min;
// What is kept of a response body: enough for an error line, never a memory hazard.
inline constexpr std::size_t response_body_bytes_max = 64 * 1024;
inline constexpr std::size_t response_header_bytes_max = 8 * 1024;  // one header line
inline constexpr std::size_t transfers_max = 64;         // in flight at once, all endpoints
inline constexpr std::size_t queued_sends_max = 10'000;  // waiting, all endpoints
// A Retry-After further away than this is clamped: a broken header must not park a
// message for a year.
inline constexpr std::chrono::milliseconds retry_after_max = 24h;
// After a 429 the endpoint is paused for its Retry-After, at most this long, so that the
// messages queued behind it do not hammer it.
inline constexpr std::chrono::milliseconds endpoint_pause_max = 60s;
inline constexpr std::size_t detail_bytes_max = 300;  // an Outcome's one line

// Pacing per endpoint (per webhook URL, per SMTP server).
// Slack: one message per second per incoming webhook (api.slack.com/apis/rate-limits).
inline constexpr std::chrono::milliseconds slack_interval_default = 1s;
inline constexpr std::size_t slack_in_flight_max = 1;  // also keeps a channel's messages in order
inline constexpr std::size_t webhook_in_flight_max = 4;
inline constexpr std::size_t smtp_in_flight_max = 2;

// Slack Block Kit (api.slack.com/reference/block-kit), counted in characters.
inline constexpr std::size_t slack_blocks_max = 50;
inline constexpr std::size_t slack_header_chars_max = 150;
inline constexpr std::size_t slack_section_chars_max = 3000;
inline constexpr std::size_t slack_field_chars_max = 2000;
inline constexpr std::size_t slack_fields_max = 10;
inline constexpr std::size_t slack_button_text_chars_max = 75;
inline constexpr std::size_t slack_button_value_chars_max = 2000;
inline constexpr std::size_t slack_button_url_chars_max = 3000;
inline constexpr std::size_t slack_text_chars_max = 4000;  // the notification fallback

// Email (RFC 5322, RFC 2045, RFC 2047).
inline constexpr std::size_t mail_line_bytes_max = 998;    // a header line, CRLF excluded
inline constexpr std::size_t base64_line_chars = 76;       // a body line
inline constexpr std::size_t encoded_word_bytes_max = 75;  // one =?UTF-8?B?…?=
inline constexpr std::size_t mail_subject_chars_max = 200;

static_assert(connect_timeout_default <= transfer_timeout_default);
static_assert(endpoint_pause_max <= retry_after_max);
static_assert(slack_header_chars_max <= slack_section_chars_max);
static_assert(slack_in_flight_max >= 1 && webhook_in_flight_max >= 1 && smtp_in_flight_max >= 1);
static_assert(base64_line_chars % 4 == 0);
static_assert(encoded_word_bytes_max < mail_line_bytes_max);

}  // namespace baton::channels::limits
