// Text helpers shared by the message builders (Slack, email, webhook): cutting UTF-8 to a
// number of characters, escaping for HTML, the readable deadline and checklist lines every
// channel shows. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/handoff.h"
#include "core/time.h"

namespace baton::channels {

// The number of characters (Unicode code points) in UTF-8 text.
std::size_t utf8_chars(std::string_view text);
// At most `chars_max` characters: longer text keeps its first chars_max - 1 and ends with
// "…". Never cuts inside a UTF-8 sequence.
std::string truncate_chars(std::string_view text, std::size_t chars_max);

// &, <, >, " and ' as entities.
std::string html_escape(std::string_view text);
// &, < and > as entities, and with `quotes` also " and ' (HTML attributes); Slack's mrkdwn
// needs only the first three.
std::string escape_markup(std::string_view text, bool quotes);
// Control characters (CR and LF among them) become spaces, runs of them one space.
std::string single_line(std::string_view text);
// An absolute http:// or https:// URL without spaces or control characters: the only links
// a message carries (never javascript:, never a relative path).
bool is_web_url(std::string_view url);

// "Mon 23 Nov 2026, 09:30 UTC"
std::string readable_utc(TimePoint t);
// "Mon, 23 Nov 2026 09:30:00 +0000" (RFC 5322 date-time)
std::string mail_date(TimePoint t);

// "2/3": checked items of all items; "" without a checklist.
std::string checklist_progress(const core::Handoff& handoff);
// The deadline that matters now: "Accept by …" while waiting, "Done by …" while accepted,
// "" otherwise or when there is none.
std::string deadline_line(const core::Handoff& handoff);
// The handoff's heading: "Sold → onboarding: Acme", or the one of the two that is set.
std::string heading(const core::Handoff& handoff);

}  // namespace baton::channels
