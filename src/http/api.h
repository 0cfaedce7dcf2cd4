// Api: Baton's HTTP API over the engine — routing, authentication by bearer token, roles,
// per-token rate limits, Idempotency-Key replays, problem+json errors, JSON request logs
// and metrics. It works on plain Request/Response values; server.cpp carries them.
//
// Ownership: borrows the engine, which must outlive it. Threading: handle() is called
// concurrently from the server's workers; shared state is guarded by mutexes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/sign_in_limiter.h"
#include "http/stream_hub.h"

namespace baton::http {

struct ApiOptions {
    // Requests per second per token (a token bucket with a burst of twice this); 0: off.
    double rate_per_token_s = 200;
    // How long an authenticated token is trusted without asking the store again; a token
    // revoked through this API is forgotten at once, one revoked elsewhere within this.
    std::chrono::milliseconds token_cache_ttl{1000};
    std::size_t batch_events_max = 1000;  // CloudEvents batch mode
    // A Slack interactivity request (a form with the block_actions JSON) is a few KiB;
    // beyond this it is refused (413) before its signature is even computed.
    std::size_t slack_action_bytes_max = 64 * 1024;
    // Where JSON request logs go (one line each); empty: nowhere.
    std::function<void(const std::string&)> log;
    // Browser sessions (sign-in on the board): how long one lasts, and whether the cookie
    // is marked Secure (set it when Baton is reached over HTTPS through a proxy; a request
    // that says `X-Forwarded-Proto: https` gets a Secure cookie either way).
    std::chrono::milliseconds session_ttl{7LL * 24 * 3600 * 1000};
    bool secure_cookies = false;
    // Sign-in guesses allowed (http/sign_in_limiter.h): per client address and person, and
    // per address across logins; beyond them, 429 with Retry-After.
    SignInLimits sign_in;
    // The proxies whose X-Forwarded-For names the client (serve --trusted-proxy); from any
    // other peer the header is ignored.
    std::vector<AddressRange> trusted_proxies;
    // Live updates (GET /v1/stream).
    StreamHubOptions stream;
    // More Prometheus text for /metrics, read at scrape time: the application adds what
    // the API does not know (the dispatcher's and the scheduler's figures). Called from
    // the server's workers, so it must be thread-safe; empty: nothing more.
    std::function<std::string()> extra_metrics;
};

class Api {
public:
    Api(engine::Engine& engine, ApiOptions options);

    Response handle(Request& request);
    // The server's AsyncHandler: takes what can be answered without blocking a thread (a
    // single event without an Idempotency-Key: POST /v1/events) and answers it through
    // `respond` once committed; false for everything else, which goes to handle(). Never
    // throws. Waits in the destructor for the answers still owed.
    using Respond = std::function<void(std::function<Response()>)>;  // see server.h
    bool handle_async(Request& request, const Respond& respond);
    ~Api();
    // For the server's fault_log, and for a route that throws: one JSON error line with the
    // request's id and what was thrown. Never throws.
    void log_fault(const Request& request, const std::string& what);
    // For the server's observer: one JSON log line and the request metrics.
    void observe(const Request& request, const Response& response,
                 std::chrono::microseconds elapsed);

    const Router& router() const { return router_; }
    Metrics& metrics() { return metrics_; }

private:
    void add_routes();
    void add_event_routes();
    void add_handoff_routes();
    void add_config_routes();
    void add_ops_routes();
    void add_hook_routes();
    void add_channel_routes();
    void add_link_routes();
    void add_slack_routes();
    void add_session_routes();
    void add_stream_routes();
    void add_board_data_routes();
    // The answer to a /hooks call from the engine's receipt (api_hooks.cpp).
    Response hook_answer(const std::string& source, const engine::Engine::HookReceipt& receipt);

    // Authentication, rate and role for `route`: the refusal, or nothing (and `caller`
    // set) when the request may go on.
    std::optional<Response> admit(Request& request, const Route& route, Principal& caller);
    Result<Principal> authenticate(const Request& request);
    Result<Principal> authenticate_session(const std::string& secret);
    // Whether the token or session `request` was admitted with still holds (for a live
    // stream, which outlives its request).
    StreamHub::Allowed credential_check(const Request& request);
    // Refuses a state-changing request of a browser session without its CSRF token, or
    // from another origin.
    std::optional<Response> check_browser_request(const Request& request,
                                                  const Principal& caller) const;
    void forget_session(const std::string& hash);
    // Revokes every live API token of `handle`: how many.
    Result<int> revoke_tokens_of(const std::string& handle);
    bool allow_rate(const std::string& token_hash, double& retry_after_s);
    Response with_idempotency(const Request& request, const Principal& caller,
                              bool replayable, const std::function<Response()>& run);

    Response post_events(const Request& request);
    bool post_event_async(const Request& request, const Respond& respond);
    Response handoff_action(const Params& params, const Principal& caller,
                            const std::string& action, const nlohmann::json& body);
    // A handoff as GET /v1/handoffs/{id} shows it: timeline, deliveries, and the actions
    // the caller may take.
    nlohmann::json handoff_detail(const core::Handoff& h, const Principal& caller);

    engine::Engine& engine_;
    const ApiOptions options_;
    Router router_;
    Metrics metrics_;

    struct CachedToken {
        core::Actor actor;
        std::chrono::steady_clock::time_point expires;
    };
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    std::mutex mutex_;
    std::map<std::string, CachedToken> token_cache_;  // GUARDED_BY(mutex_), by token hash
    std::map<std::string, Bucket> buckets_;           // GUARDED_BY(mutex_), by token hash
    std::atomic<int> answers_owed_{0};  // handle_async() requests not yet answered

    SignInLimiter sign_in_limiter_;
    std::mutex hashing_mutex_;
    std::condition_variable hashing_done_;
    int hashing_ = 0;  // GUARDED_BY(hashing_mutex_): password checks running now

    std::unique_ptr<StreamHub> hub_;
};

// The board's page or one of its files for a GET of `/`, a board path (/handoffs/42) or
// /assets/...; nullopt for every other request (the API's).
std::optional<Response> serve_board(const Request& request);

// The board's page with status 404 (the board shows "Not found") for a browser's GET of a
// path that is neither the board's nor the API's (Accept names text/html; not /v1/, /hooks/,
// /l/, /slack/, /assets/ or an operators' endpoint); nullopt otherwise, for the API's 404.
std::optional<Response> serve_board_not_found(const Request& request);

// The `since` of a report query (default 30d) as written and as a span, after refusing any
// query parameter not in `known` (invalid_argument naming it).
Result<std::pair<std::string, Milliseconds>> report_since(const Request& r,
                                                          std::initializer_list<const char*> known);

// A CSV answer (RFC 4180, CRLF lines, a header row of `columns`) of the JSON objects in
// `rows`, as a download called `filename`.
Response csv_response(const nlohmann::json& rows, const std::vector<std::string>& columns,
                      const std::string& filename);

// The name of the browser session cookie.
inline constexpr const char* session_cookie = "baton_session";
// The CSRF token of the session whose cookie holds `secret` (derived, never stored).
std::string csrf_token(const std::string& secret);

// JSON bodies: parsed within the body limit and nesting limit, refusing unknown fields.
Result<nlohmann::json> json_body(const Request& request);
Status only_fields(const nlohmann::json& body, std::initializer_list<const char*> allowed);
Response json_response(int status, const nlohmann::json& body);

// A path parameter that must be a non-negative number (an id): invalid_argument naming it.
Result<std::int64_t> id_param(const Params& params, const char* name);

}  // namespace baton::http
