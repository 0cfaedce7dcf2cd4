#include "channels/email.h"

#include <algorithm>

#include "channels/limits.h"
#include "channels/text.h"
#include "crypto/crypto.h"

namespace baton::channels {

namespace {

// Base64 never contains '_' or "=_", so this boundary cannot occur inside a part.
constexpr std::string_view boundary = "=_baton_alternative";

bool is_plain_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f;
    });
}

// A display name: as it is when it is plain words, quoted when it has RFC 5322 specials,
// encoded when it is not ASCII.
std::string phrase(std::string_view name, std::size_t first_line_used) {
    const std::string text = single_line(name);
    if (!is_plain_ascii(text) || text.find("=?") != std::string::npos) {
        return encode_header_text(text, first_line_used);
    }
    if (text.find_first_of("()<>[]:;@\\,.\"") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "\"";
}

// `header` is the header's name and colon, for the length of the first line.
std::string mailbox_header(std::string_view header, const core::Mailbox& m) {
    const std::string start = std::string(header) + " ";
    if (m.name.empty()) return start + m.address;
    return start + phrase(m.name, start.size()) + " <" + m.address + ">";
}

// The Message-ID's left part: the delivery id with anything outside RFC 5322's dot-atom
// text replaced, so that a stable id gives a stable, valid Message-ID.
std::string id_left(std::string_view delivery_id) {
    std::string out;
    for (char c : delivery_id) {
        const bool atext =
            std::isalnum(static_cast<unsigned char>(c)) ||
            std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
        out += atext ? c : '-';
    }
    return out;
}

std::string crlf(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string base64_lines(std::string_view bytes) {
    const std::string encoded = crypto::base64_encode(bytes);
    std::string out;
    for (std::size_t at = 0; at < encoded.size(); at += limits::base64_line_chars) {
        out += encoded.substr(at, limits::base64_line_chars) + "\r\n";
    }
    return out;
}

std::string part(std::string_view content_type, std::string_view content) {
    return "--" + std::string(boundary) + "\r\nContent-Type: " + std::string(content_type) +
           "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_lines(content);
}

struct Link {
    const char* label;
    const std::string& url;
};

std::vector<Link> links(const Notification& n) {
    std::vector<Link> out;
    for (const Link& l :
         {Link{"Accept", n.accept_url}, Link{"Done", n.done_url}, Link{"Open", n.card_url}}) {
        if (is_web_url(l.url)) out.push_back(l);
    }
    return out;
}

std::string people_line(const core::Handoff& h) {
    std::string line = "Owner: " + h.owner;
    if (!h.giver.empty()) line += " · From: " + h.giver;
    line += " · State: " + std::string(core::to_string(h.state));
    if (h.escalation_level > 0) line += " · Escalation level " + std::to_string(h.escalation_level);
    return line;
}

std::string text_body(const Notification& n) {
    const core::Handoff& h = n.handoff;
    std::string t;
    if (!n.summary.empty()) t += n.summary + "\n\n";
    t += heading(h) + "\n\n";
    if (!h.done_definition.empty()) t += "Done means: " + h.done_definition + "\n\n";
    if (!h.checklist.empty()) {
        t += "Checklist (" + checklist_progress(h) + "):\n";
        for (const auto& item : h.checklist)
            t += (item.checked ? "[x] " : "[ ] ") + item.text + "\n";
        t += "\n";
    }
    if (const std::string d = deadline_line(h); !d.empty()) t += d + "\n";
    t += people_line(h) + "\n";
    const auto ls = links(n);
    if (!ls.empty()) t += "\n";
    for (const Link& l : ls) t += std::string(l.label) + ": " + l.url + "\n";
    return t;
}

std::string html_page(const std::string& inner) {
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n" + inner +
           "</body></html>\n";
}

std::string html_body(const Notification& n) {
    const core::Handoff& h = n.handoff;
    std::string b;
    if (!n.summary.empty()) b += "<p>" + html_escape(n.summary) + "</p>\n";
    b += "<h2>" + html_escape(heading(h)) + "</h2>\n";
    if (!h.done_definition.empty()) {
        b += "<p><strong>Done means:</strong> " + html_escape(h.done_definition) + "</p>\n";
    }
    if (!h.checklist.empty()) {
        b += "<p><strong>Checklist (" + checklist_progress(h) + ")</strong></p>\n<ul>\n";
        for (const auto& item : h.checklist) {
            b += std::string("<li>") + (item.checked ? "&#9745; " : "&#9744; ") +
                 html_escape(item.text) + "</li>\n";
        }
        b += "</ul>\n";
    }
    if (const std::string d = deadline_line(h); !d.empty()) b += "<p>" + html_escape(d) + "</p>\n";
    b += "<p>" + html_escape(people_line(h)) + "</p>\n";
    const auto ls = links(n);
    if (!ls.empty()) {
        b += "<p>";
        for (std::size_t i = 0; i < ls.size(); ++i) {
            b += (i ? " &middot; " : "") + std::string("<a href=\"") + html_escape(ls[i].url) +
                 "\">" + ls[i].label + "</a>";
        }
        b += "</p>\n";
    }
    return html_page(b);
}

// A template's text as HTML: paragraphs at blank lines, <br> at single line ends.
std::string html_paragraphs(std::string_view text) {
    std::string b, paragraph;
    std::size_t start = 0;
    const auto flush = [&] {
        if (!paragraph.empty()) b += "<p>" + paragraph + "</p>\n";
        paragraph.clear();
    };
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) {
            flush();
        } else {
            paragraph += (paragraph.empty() ? "" : "<br>\n") + html_escape(line);
        }
        start = end + 1;
    }
    flush();
    return html_page(b);
}

}  // namespace

std::string encode_header_text(std::string_view text, std::size_t first_line_used) {
    const std::string line = single_line(text);
    if (is_plain_ascii(line) && line.find("=?") == std::string::npos) return line;
    // A word's 12 bytes of =?UTF-8?B? and ?= plus its base64 stay within 75 (RFC 2047), and
    // a folded line (a space, then a word) within 76; a character is never split.
    const auto chunk_max = [](std::size_t room) {
        return (std::min(room, limits::encoded_word_bytes_max) - 12) / 4 * 3;
    };
    std::string out;
    std::size_t at = 0;
    while (at < line.size()) {
        const std::size_t room = out.empty() ? 76 - std::min<std::size_t>(first_line_used, 50) : 75;
        std::size_t end = std::min(line.size(), at + chunk_max(room));
        while (end < line.size() && end > at &&
               (static_cast<unsigned char>(line[end]) & 0xc0) == 0x80) {
            --end;
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + crypto::base64_encode(line.substr(at, end - at)) + "?=";
        at = end;
    }
    return out;
}

Result<Email> email_message(const Notification& n, const core::SmtpSettings& smtp) {
    const auto from = core::parse_mailbox(smtp.from);
    if (!from)
        return make_error(ErrorCode::invalid_argument, "smtp from: is not an address", "from");
    auto to = core::parse_mailbox(n.target);
    if (!to) {
        return make_error(ErrorCode::invalid_argument,
                          "not an email address: " + truncate_chars(single_line(n.target), 100),
                          "target");
    }
    if (to->name.empty()) to->name = n.recipient.name;
    if (n.delivery_id.empty()) {
        return make_error(ErrorCode::invalid_argument, "the notification has no delivery id");
    }
    // A client-facing template brings its own subject and text.
    const std::string subject = n.subject           ? *n.subject
                                : n.summary.empty() ? heading(n.handoff)
                                                    : n.summary;
    const std::string domain = from->address.substr(from->address.find('@') + 1);

    std::string m;
    m += "Date: " + mail_date(n.now) + "\r\n";
    m += mailbox_header("From:", *from) + "\r\n";
    m += mailbox_header("To:", *to) + "\r\n";
    m += "Subject: " +
         encode_header_text(truncate_chars(single_line(subject), limits::mail_subject_chars_max),
                            std::string_view("Subject: ").size()) +
         "\r\n";
    m += "Message-ID: <" + id_left(n.delivery_id) + "@" + domain + ">\r\n";
    // RFC 3834: an automatic message; vacation responders should not answer it.
    m += "Auto-Submitted: auto-generated\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: multipart/alternative; boundary=\"" + std::string(boundary) + "\"\r\n";
    m += "\r\n";
    m += part("text/plain", crlf(n.body ? *n.body : text_body(n)));
    m += part("text/html", crlf(n.body ? html_paragraphs(*n.body) : html_body(n)));
    m += "--" + std::string(boundary) + "--\r\n";
    return Email{from->address, to->address, std::move(m)};
}

EmailChannel::EmailChannel(Transport& transport) : transport_(transport) {}

void EmailChannel::send(Notification n, std::function<void(Outcome)> done) {
    Outcome refused;
    refused.kind = Outcome::Kind::failed;
    if (!n.config->smtp) {
        refused.detail = "no smtp: in channels.yaml";
        transport_.finish(std::move(refused), std::move(done));
        return;
    }
    auto email = email_message(n, *n.config->smtp);
    if (!email.ok()) {
        refused.detail = email.error().message;
        transport_.finish(std::move(refused), std::move(done));
        return;
    }
    MailSend mail;
    mail.url = n.config->smtp->url;
    mail.username = n.config->smtp->username;
    mail.password = n.config->smtp->password;
    mail.from_address = std::move(email->from_address);
    mail.to_address = std::move(email->to_address);
    mail.message = std::move(email->message);
    mail.pacing = Pacing{.interval = Milliseconds(0), .in_flight_max = limits::smtp_in_flight_max};
    mail.allow = n.config->allow;
    transport_.send_mail(std::move(mail), std::move(done));
}

}  // namespace baton::channels
