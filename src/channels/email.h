// EmailChannel: a checkpoint sent as email over SMTP (channels.yaml: smtp: {url, from,
// username, password}); smtp:// upgrades with STARTTLS when the server offers it (and
// insists on it when a password is configured), smtps:// is TLS from the start.
//
// The message is MIME multipart/alternative with a text/plain and a text/html part, both
// UTF-8 in base64: the summary, the definition of done, the checklist, the deadline and
// the links Accept, Done and Open when the notification has them. A client-facing
// template (notification.subject/body) replaces subject and text, and its HTML is the
// same text as escaped paragraphs. The Message-ID is <delivery id@the From domain>, the
// same on every retry, so a receiver can tell a resend from a new message.
//
// Headers are injection-proof: CR, LF and other control characters never reach a header
// (they become spaces in text, and an address containing one is refused), non-ASCII text
// is RFC 2047 encoded, and the HTML part escapes every user string.
//
// Ownership and threading: borrows the Transport, which must outlive it; `send` is
// thread-safe and does not block. `email_message` is a pure function.
#pragma once

#include <string>

#include "channels/channel.h"
#include "channels/transport.h"
#include "core/result.h"

namespace baton::channels {

struct Email {
    std::string from_address;  // the envelope: MAIL FROM
    std::string to_address;    // RCPT TO
    std::string message;       // headers and body, CRLF line ends
};

// invalid_argument when the From in channels.yaml or the target is not an address, or the
// notification has no delivery id.
Result<Email> email_message(const Notification& notification, const core::SmtpSettings& smtp);

// "=?UTF-8?B?…?=" words (folded with CRLF SP) when `text` is not plain printable ASCII;
// otherwise `text` itself. Control characters become spaces first. `first_line_used` is
// how much of the first line the header's name already takes, so that every line stays
// within 76 characters.
std::string encode_header_text(std::string_view text, std::size_t first_line_used = 0);

class EmailChannel final : public Channel {
  public:
    explicit EmailChannel(Transport& transport);
    void send(Notification notification, std::function<void(Outcome)> done) override;

  private:
    Transport& transport_;
};

}  // namespace baton::channels
