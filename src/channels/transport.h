// Transport: the seam under the channels (STYLE.md rule 3). A channel renders a message
// into a request — an HTTP POST or an SMTP send — and hands it over with a callback; the
// transport delivers it and answers one Outcome. CurlTransport (curl_transport.h) is the
// real one; a test can put a recording or failing one in its place.
//
// Requests are plain values owned by the transport once handed over. Every method is
// thread-safe and never blocks on the network; the callback runs exactly once, on the
// transport's own thread (also for `finish`), and must not throw.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "channels/channel.h"

namespace baton::channels {

using Done = std::function<void(Outcome)>;

// How hard one endpoint (one URL, one SMTP server) may be driven. Requests to the same
// endpoint wait in their own queue, so pacing one never delays another.
struct Pacing {
    Milliseconds interval{0};       // between the starts of two requests
    std::size_t in_flight_max = 1;  // at once; 1 keeps the endpoint's messages in order
};

struct RequestHeader {
    std::string name;
    std::string value;  // no CR or LF (asserted)
};

struct HttpPost {
    std::string url;  // http:// or https://, checked by the SSRF guard
    std::vector<RequestHeader> headers;
    std::string body;
    Pacing pacing;
    std::vector<std::string> allow;  // channels.yaml's allow-list of the moment
};

struct MailSend {
    std::string url;       // smtp:// (STARTTLS when offered) or smtps://
    std::string username;  // empty: no login
    std::string password;
    std::string from_address;  // the envelope: MAIL FROM and RCPT TO
    std::string to_address;
    std::string message;  // the whole message, CRLF line ends
    Pacing pacing;
    std::vector<std::string> allow;
};

class Transport {
  public:
    virtual ~Transport() = default;
    virtual void post(HttpPost request, Done done) = 0;
    virtual void send_mail(MailSend request, Done done) = 0;
    // Calls `done` with `outcome` on the transport's thread: for a message that was judged
    // before any request (a target missing from the config), so that every Outcome reaches
    // the dispatcher the same way.
    virtual void finish(Outcome outcome, Done done) = 0;
};

}  // namespace baton::channels
