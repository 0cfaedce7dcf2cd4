// One-click links from emails: /l/{token}, where the token is the engine's signed,
// expiring, single-use link (Engine::make_link). GET only shows what the link would do and
// a button; POST performs it and sends the browser on to the card on the board (303). GET
// never acts, because mail scanners and link previews fetch every URL in a message, and a
// prefetch must not accept a handoff for its owner.
//
// The pages are for people in a browser: small, self-contained HTML (no scripts, no
// external assets, every user string escaped) under a strict Content-Security-Policy. A
// client that asks for JSON (Accept: application/json or application/problem+json, without
// text/html) gets the same answers as JSON and problem+json instead.
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

std::string html_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

// Whether the caller wants JSON rather than a page: it names a JSON type and not HTML.
bool wants_json(const Request& r) {
    const std::string accept = r.headers.get("Accept").value_or("");
    return accept.find("text/html") == std::string::npos &&
           (accept.find("application/json") != std::string::npos ||
            accept.find("application/problem+json") != std::string::npos);
}

// "Acme — Sold → onboarding", or the id when the handoff has neither.
std::string handoff_name(const core::Handoff& h) {
    if (h.subject.empty() && h.title.empty()) return "Handoff " + std::to_string(h.id);
    if (h.subject.empty()) return h.title;
    if (h.title.empty()) return h.subject;
    return h.subject + " — " + h.title;
}

const char* verb(const std::string& action) { return action == "done" ? "Mark done" : "Accept"; }
const char* past(const std::string& action) { return action == "done" ? "Done" : "Accepted"; }

// The page around `body_html` (already escaped). The policy lets nothing load, allows the
// inline style and a form posting back to this origin, and forbids framing (no one can
// overlay the button); no-referrer keeps the token out of any Referer header.
Response page(int status, const std::string& title, const std::string& body_html) {
    Response r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.headers.set("Content-Security-Policy",
                  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                  "frame-ancestors 'none'");
    r.headers.set("Referrer-Policy", "no-referrer");
    r.headers.set("Cache-Control", "no-store");
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.body =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"robots\" content=\"noindex\"><title>" +
        html_escape(title) +
        " · Baton</title><style>"
        "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;"
        "padding:0 1rem;color:#1d1d1f}h1{font-size:1.4rem}dt{color:#666;font-size:.85rem}"
        "dd{margin:0 0 .6rem}button{font:inherit;padding:.6rem 1.4rem;border:0;"
        "border-radius:.4rem;background:#1f6feb;color:#fff;cursor:pointer}"
        ".note{color:#666;font-size:.9rem}</style></head><body>\n" +
        body_html + "\n</body></html>\n";
    return r;
}

// A refusal in words, with the status the engine's error calls for.
Response refusal_page(const Error& error) {
    const int status = status_for(error.code);
    std::string title = "This link did not work";
    if (error.code == ErrorCode::unavailable) title = "Baton is busy";
    Response r = page(status, title,
                      "<h1>" + html_escape(title) + "</h1><p>" + html_escape(error.message) +
                          "</p><p class=\"note\">Open the handoff on the board instead.</p>");
    if (status == 503) r.headers.set("Retry-After", "1");
    return r;
}

Response refusal(const Request& r, const Error& error) {
    if (wants_json(r)) return problem_from(error);
    return refusal_page(error);
}

std::string details(const core::Handoff& h) {
    return "<dl><dt>Handoff</dt><dd>" + html_escape(handoff_name(h)) + "</dd><dt>Owner</dt><dd>" +
           html_escape(h.owner) + "</dd><dt>State</dt><dd>" +
           html_escape(core::to_string(h.state)) + "</dd></dl>";
}

}  // namespace

void Api::add_link_routes() {
    router_.add({"GET", "/l/{token}", Access::open,
                 "What a one-click link would do, with a button to do it (performs nothing)",
                 [this](const Request& r, const Params& p, const Principal&) {
                     const std::string& token = p.at("token");
                     auto use = engine_.peek_link(token);
                     if (!use) return refusal(r, use.error());
                     auto h = engine_.show(use->handoff_id);
                     if (!h) return refusal(r, h.error());
                     if (wants_json(r)) {
                         return json_response(200, {{"handoff", h->id},
                                                    {"name", handoff_name(*h)},
                                                    {"action", use->action},
                                                    {"as", use->handle},
                                                    {"state", core::to_string(h->state)}});
                     }
                     const std::string title = std::string(verb(use->action)) + ": " +
                                               handoff_name(*h);
                     Response out = page(
                         200, title,
                         "<h1>" + html_escape(title) + "</h1>" + details(*h) +
                             "<form method=\"post\" action=\"/l/" + html_escape(token) +
                             "\"><button type=\"submit\">" + verb(use->action) +
                             "</button></form><p class=\"note\">Acting as " +
                             html_escape(use->handle) +
                             ". The link works once; nothing happens until you press the "
                             "button.</p><p class=\"note\"><a href=\"/handoffs/" +
                             std::to_string(h->id) + "\">Open the card on the board</a></p>");
                     return out;
                 }});
    router_.add({"POST", "/l/{token}", Access::open,
                 "Perform a one-click link's action (once)",
                 [this](const Request& r, const Params& p, const Principal&) {
                     const std::string& token = p.at("token");
                     auto use = engine_.peek_link(token);
                     if (!use) return refusal(r, use.error());
                     auto h = engine_.use_link(token);
                     if (!h) return refusal(r, h.error());
                     if (wants_json(r)) {
                         return json_response(200, {{"handoff", h->id},
                                                    {"name", handoff_name(*h)},
                                                    {"action", use->action},
                                                    {"as", use->handle},
                                                    {"state", core::to_string(h->state)}});
                     }
                     const std::string title =
                         std::string(past(use->action)) + ": " + handoff_name(*h);
                     // The browser lands on the card on the board (303: fetched with GET);
                     // the page is for anything that does not follow.
                     const std::string card = "/handoffs/" + std::to_string(h->id);
                     Response out = page(303, title,
                                         "<h1>" + html_escape(title) + "</h1>" + details(*h) +
                                             "<p class=\"note\">Recorded as " +
                                             html_escape(use->handle) + ". <a href=\"" + card +
                                             "\">Open the card on the board</a>.</p>");
                     out.headers.set("Location", card);
                     return out;
                 }});
}

}  // namespace baton::http
