// Api: Baton's HTTP API over the engine — routing, authentication by bearer token, roles,
// per-token rate limits, Idempotency-Key replays, problem+json errors, JSON request logs
// and metrics. It works on plain Request/Response values; server.cpp carries them.
//
// Ownership: borrows the engine, which must outlive it. Threading: handle() is called
// concurrently from the server's workers; shared state is guarded by mutexes.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/router.h"

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

    // Authentication, rate and role for `route`: the refusal, or nothing (and `caller`
    // set) when the request may go on.
    std::optional<Response> admit(Request& request, const Route& route, Principal& caller);
    Result<Principal> authenticate(const Request& request);
    bool allow_rate(const std::string& token_hash, double& retry_after_s);
    Response with_idempotency(const Request& request, const Principal& caller,
                              bool replayable, const std::function<Response()>& run);

    Response post_events(const Request& request);
    bool post_event_async(const Request& request, const Respond& respond);
    Response handoff_action(const Params& params, const Principal& caller,
                            const std::string& action, const nlohmann::json& body);

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
};

// JSON bodies: parsed within the body limit and nesting limit, refusing unknown fields.
Result<nlohmann::json> json_body(const Request& request);
Status only_fields(const nlohmann::json& body, std::initializer_list<const char*> allowed);
Response json_response(int status, const nlohmann::json& body);

}  // namespace baton::http
