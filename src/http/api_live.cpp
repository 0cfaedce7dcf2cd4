// GET /v1/stream: the board's live updates as Server-Sent Events (stream_hub.h says what
// is sent and how a reader resumes).
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

// A change number from Last-Event-ID or ?after=: digits only, as the hub wrote them.
std::optional<std::int64_t> change_number(const std::string& text) {
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return std::stoll(text);
}

}  // namespace

StreamHub::Allowed Api::credential_check(const Request& request) {
    // Asked of the store each time, not of the token cache: a revocation elsewhere (the
    // CLI, another node) ends the stream as soon as the hub asks. A store that fails to
    // answer is an outage, not a revocation: the stream waits, as it does for changes.
    const auto holds = [](const Result<core::Actor>& actor) {
        return actor.ok() || actor.error().code != ErrorCode::not_found;
    };
    if (auto header = request.headers.get("Authorization")) {
        constexpr std::size_t prefix = std::string_view("Bearer ").size();
        const std::string secret = header->size() > prefix ? header->substr(prefix) : "";
        return [this, secret, holds] { return holds(engine_.authenticate(secret)); };
    }
    if (auto secret = cookie(request, session_cookie)) {
        return [this, secret = *secret, holds] { return holds(engine_.session(secret)); };
    }
    return [] { return false; };
}

void Api::add_stream_routes() {
    router_.add({"GET", "/v1/stream", Access::read,
                 "Live updates of handoffs (Server-Sent Events), resumable with Last-Event-ID",
                 [this](const Request& r, const Params&, const Principal&) {
                     for (const auto& [key, value] : r.query) {
                         if (key != "after") {
                             return problem(400, "Bad Request",
                                            "unknown query parameter `" + key + "`", key);
                         }
                     }
                     std::optional<std::int64_t> after;
                     // The browser's own resumption point wins over the page's first one.
                     if (auto last = r.headers.get("Last-Event-ID")) {
                         after = change_number(*last);
                         if (!after) {
                             return problem(400, "Bad Request",
                                            "Last-Event-ID must be a change number",
                                            "Last-Event-ID");
                         }
                     } else if (r.query.count("after")) {
                         after = change_number(r.query.at("after"));
                         if (!after) {
                             return problem(400, "Bad Request",
                                            "after must be a change number (change_seq of a "
                                            "list answer)",
                                            "after");
                         }
                     } else {
                         auto latest = engine_.last_change_seq();
                         if (!latest) return problem_from(latest.error());
                         after = *latest;
                     }
                     auto stream = hub_->subscribe(*after, credential_check(r));
                     if (!stream) {
                         Response busy = problem(503, "Service Unavailable",
                                                 "too many open live streams; try again soon");
                         busy.headers.set("Retry-After", "5");
                         return busy;
                     }
                     Response out;
                     out.content_type = "text/event-stream; charset=utf-8";
                     out.headers.set("Cache-Control", "no-store");
                     out.headers.set("X-Accel-Buffering", "no");  // nginx: do not buffer
                     // Reconnect after 1 s, and a first line so that readers see it open.
                     out.body = "retry: 1000\n: live updates after " + std::to_string(*after) +
                                "\n\n";
                     out.stream = std::move(stream);
                     return out;
                 }});
}

}  // namespace baton::http
