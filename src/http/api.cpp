// The API's dispatch: route, authenticate, check the role and the rate, replay idempotent
// POSTs, run the handler, and turn anything that escapes into a problem+json.
#include "http/api.h"
#include "core/utf8.h"

#include <thread>

#include "core/event.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "http/problem.h"

namespace baton::http {

Api::Api(engine::Engine& engine, ApiOptions options)
    : engine_(engine),
      options_(std::move(options)),
      sign_in_limiter_(options_.sign_in),
      hub_(std::make_unique<StreamHub>(engine, options_.stream)) {
    add_routes();
}

Api::~Api() {
    hub_->stop();
    // Answers owed by handle_async() arrive on the store's thread and go through this Api.
    while (answers_owed_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Api::add_routes() {
    add_event_routes();
    add_handoff_routes();
    add_config_routes();
    add_ops_routes();
    add_hook_routes();
    add_channel_routes();
    add_link_routes();
    add_slack_routes();
    add_session_routes();
    add_stream_routes();
    add_board_data_routes();
}

Result<nlohmann::json> json_body(const Request& request) {
    if (request.body.empty()) return nlohmann::json::object();
    auto body = core::parse_json_limited(request.body, limits::event_bytes_max);
    if (!body) return body.error();
    return std::move(body).value();
}

Status only_fields(const nlohmann::json& body, std::initializer_list<const char*> allowed) {
    if (!body.is_object()) {
        return make_error(ErrorCode::invalid_argument, "the body must be a JSON object");
    }
    for (const auto& [key, value] : body.items()) {
        bool known = false;
        for (const char* a : allowed) known = known || key == a;
        if (!known) {
            return make_error(ErrorCode::invalid_argument, "unknown field `" + key + "`", key);
        }
    }
    return ok_status();
}

Response json_response(int status, const nlohmann::json& body) {
    Response r;
    r.status = status;
    r.body = core::dump_json(body);
    return r;
}

std::string csrf_token(const std::string& secret) {
    return crypto::hex_encode(crypto::hmac_sha256(secret, "baton csrf v1"));
}

Result<Principal> Api::authenticate_session(const std::string& secret) {
    if (secret.empty() || secret.size() > 512) {
        return make_error(ErrorCode::not_found, "the session cookie is malformed", "session");
    }
    // Cached like tokens, under a key no token hash can take.
    const std::string hash = crypto::sha256_hex(secret);
    const std::string key = "session:" + hash;
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        auto it = token_cache_.find(key);
        if (it != token_cache_.end() && it->second.expires > now) {
            return Principal{it->second.actor, key, csrf_token(secret)};
        }
    }
    auto actor = engine_.session(secret);
    if (!actor) return actor.error();
    std::lock_guard lock(mutex_);
    if (token_cache_.size() > 10000) token_cache_.clear();
    token_cache_[key] = CachedToken{*actor, now + options_.token_cache_ttl};
    return Principal{*actor, key, csrf_token(secret)};
}

void Api::forget_session(const std::string& hash) {
    std::lock_guard lock(mutex_);
    token_cache_.erase("session:" + hash);
}

Result<Principal> Api::authenticate(const Request& request) {
    const auto header = request.headers.get("Authorization");
    if (!header) {
        // A browser signed in on the board carries its session in a cookie instead.
        if (auto secret = cookie(request, session_cookie)) return authenticate_session(*secret);
        return make_error(ErrorCode::not_found,
                          "this route needs `Authorization: Bearer TOKEN` or a signed-in "
                          "session",
                          "Authorization");
    }
    constexpr std::string_view prefix = "Bearer ";
    if (header->size() <= prefix.size() || header->size() > 512 ||
        !iequals(std::string_view(*header).substr(0, prefix.size()), prefix)) {
        return make_error(ErrorCode::not_found, "the Authorization header must be `Bearer TOKEN`",
                          "Authorization");
    }
    const std::string secret = header->substr(prefix.size());
    const std::string hash = crypto::sha256_hex(secret);
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        auto it = token_cache_.find(hash);
        if (it != token_cache_.end() && it->second.expires > now) {
            return Principal{it->second.actor, hash, {}};
        }
    }
    auto actor = engine_.authenticate(secret);
    if (!actor) return actor.error();
    std::lock_guard lock(mutex_);
    if (token_cache_.size() > 10000) token_cache_.clear();  // bounded: a cache, not a store
    token_cache_[hash] = CachedToken{*actor, now + options_.token_cache_ttl};
    return Principal{*actor, hash, {}};
}

bool Api::allow_rate(const std::string& token_hash, double& retry_after_s) {
    if (options_.rate_per_token_s <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    const double burst = options_.rate_per_token_s * 2;
    std::lock_guard lock(mutex_);
    auto [it, inserted] = buckets_.try_emplace(token_hash, Bucket{burst, now});
    Bucket& b = it->second;
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst, b.tokens + elapsed * options_.rate_per_token_s);
    b.updated = now;
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return true;
    }
    retry_after_s = (1 - b.tokens) / options_.rate_per_token_s;
    return false;
}

Response Api::with_idempotency(const Request& request, const Principal& caller,
                               bool replayable, const std::function<Response()>& run) {
    const auto key = request.headers.get("Idempotency-Key");
    if (!key || request.method != "POST") return run();
    if (!replayable) {
        return problem(400, "Bad Request",
                       "this route does not take an Idempotency-Key: its answer holds a "
                       "secret that is never stored",
                       "Idempotency-Key");
    }
    if (key->empty() || key->size() > 255) {
        return problem(400, "Bad Request", "Idempotency-Key must be 1 to 255 characters",
                       "Idempotency-Key");
    }
    // The key is stored, and shown back when it is reused: it must be UTF-8 like all text.
    if (const auto bad = core::utf8_invalid_at(*key)) {
        return problem(400, "Bad Request", "Idempotency-Key " + core::utf8_problem(*key, *bad),
                       "Idempotency-Key");
    }
    // The request is what its answer depends on: method, path, body, and the headers that
    // carry meaning (Content-Type, and CloudEvents attributes in binary mode).
    std::string fingerprint = request.method + " " + request.path + "\n";
    for (const auto& [name, value] : request.headers.entries()) {
        std::string lower = name;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "content-type" || lower.rfind("ce-", 0) == 0) {
            fingerprint += lower + ":" + value + "\n";
        }
    }
    const std::string request_hash = crypto::sha256_hex(fingerprint + "\n" + request.body);
    auto stored = engine_.idempotent_answer(caller.token_hash, *key);
    if (!stored) return problem_from(stored.error());
    if (stored->has_value()) {
        if ((*stored)->request_hash != request_hash) {
            return problem(422, "Unprocessable Content",
                           "this Idempotency-Key was used with another request",
                           "Idempotency-Key");
        }
        Response replay;
        replay.status = (*stored)->status;
        replay.body = (*stored)->response_body;
        if (replay.status >= 400) replay.content_type = "application/problem+json";
        replay.headers.set("Idempotent-Replayed", "true");
        return replay;
    }
    Response response = run();
    // Transient failures (5xx) are not remembered: the client should retry them.
    if (response.status < 500) {
        store::IdempotencyRecord record{caller.token_hash, *key, request_hash, response.status,
                                        response.body, engine_.now()};
        // A concurrent twin may have stored it first; either answer is the same request's.
        (void)engine_.remember_answer(record);
    }
    return response;
}

namespace {

// Whether a path tries to climb: a backslash anywhere, or a segment that is — or, once
// decoded, has a part that is — "." or "..". Nothing is served from disk (the board's files
// are embedded), so this is not what keeps a request from a file; it makes every such trick
// a plain 400 rather than the board's page or a route parameter that a later change could
// take for a path.
bool climbs(const std::string& path) {
    if (path.find('\\') != std::string::npos) return true;
    for (const auto& raw : split_path(path)) {
        const auto decoded = percent_decode(raw, false);
        if (!decoded) continue;  // malformed: the router refuses it
        std::size_t start = 0;
        while (start <= decoded->size()) {
            auto end = decoded->find_first_of("/\\", start);
            if (end == std::string::npos) end = decoded->size();
            const std::string_view part(decoded->data() + start, end - start);
            if (part == "." || part == "..") return true;
            start = end + 1;
        }
    }
    return false;
}

}  // namespace

Response Api::handle(Request& request) {
    if (climbs(request.path)) {
        return problem(400, "Bad Request",
                       "the path has a dot segment or a backslash; no route takes one", "path");
    }
    const Match match = router_.match(request.method, request.path);
    if (match.route == nullptr) {
        if (auto page = serve_board(request)) {
            request.route = "/ (board)";
            return std::move(*page);
        }
        if (!match.allowed.empty()) {
            std::string allow;
            for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
            Response r = problem(405, "Method Not Allowed",
                                 request.method + " is not allowed here; use " + allow);
            r.headers.set("Allow", allow);
            return r;
        }
        if (auto page = serve_board_not_found(request)) {
            request.route = "/ (board, not found)";
            return std::move(*page);
        }
        return problem(404, "Not Found", "no route " + request.path);
    }
    const Route& route = *match.route;
    request.route = route.pattern;
    Principal caller;
    if (auto refused = admit(request, route, caller)) return std::move(*refused);
    auto run = [&]() -> Response {
        try {
            return route.handler(request, match.params, caller);
        } catch (const std::exception& e) {
            log_fault(request, e.what());
        } catch (...) {
            log_fault(request, "an exception that is not a std::exception");
        }
        return problem(500, "Internal Server Error",
                       "an unexpected error; see the server log (request " +
                           request.request_id + ")");
    };
    if (route.access == Access::open || route.access == Access::signed_hook) return run();
    return with_idempotency(request, caller, route.replayable, run);
}

bool Api::handle_async(Request& request, const Respond& respond) {
    try {
        // Only single events without an Idempotency-Key; a batch (an array body) and a
        // replayable request keep to handle(), which runs them in order on a worker.
        if (request.method != "POST" || request.headers.get("Idempotency-Key")) return false;
        const auto first = request.body.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && request.body[first] == '[') return false;
        if (auto type = request.headers.get("Content-Type");
            type && type->find("batch") != std::string::npos) {
            return false;
        }
        const Match match = router_.match(request.method, request.path);
        if (match.route == nullptr || match.route->pattern != "/v1/events") return false;
        const Route& route = *match.route;
        request.route = route.pattern;
        Principal caller;
        if (auto refused = admit(request, route, caller)) {
            respond([r = std::move(*refused)] { return r; });
            return true;
        }
        return post_event_async(request, respond);
    } catch (...) {
        // Nothing was answered yet (an answer is the last thing done): handle() takes it.
        return false;
    }
}

std::optional<Response> Api::admit(Request& request, const Route& route, Principal& caller) {
    if (route.access == Access::open || route.access == Access::signed_hook) return std::nullopt;
    auto who = authenticate(request);
    if (!who && who.error().code != ErrorCode::not_found) {
        // The store failed: that is an outage (503), not a bad token.
        return problem_from(who.error());
    }
    if (!who) {
        Response r = problem(401, "Unauthorized", who.error().message, "Authorization");
        r.headers.set("WWW-Authenticate", "Bearer");
        return r;
    }
    caller = std::move(who).value();
    request.actor = caller.actor.handle;
    if (auto refused = check_browser_request(request, caller)) return refused;
    double retry = 0;
    if (!allow_rate(caller.token_hash, retry)) {
        metrics_.add_rate_limited();
        Response r = problem(429, "Too Many Requests", "slow down: this token's rate is " +
                                                           std::to_string(static_cast<int>(
                                                               options_.rate_per_token_s)) +
                                                           " requests a second");
        r.headers.set("Retry-After", std::to_string(static_cast<int>(retry) + 1));
        return r;
    }
    const core::Role role = caller.actor.role;
    if ((route.access == Access::write && role == core::Role::viewer) ||
        (route.access == Access::admin && role != core::Role::admin)) {
        return problem(403, "Forbidden",
                       caller.actor.handle + " is " + core::to_string(role) + "; this needs " +
                           (route.access == Access::admin ? "an admin" : "a member or admin"));
    }
    return std::nullopt;
}

namespace {

// "https://board.example.com:8443" → "board.example.com:8443"; empty when not an origin.
std::string origin_host(const std::string& origin) {
    for (const char* scheme : {"http://", "https://"}) {
        const std::string_view prefix(scheme);
        if (origin.size() > prefix.size() && origin.compare(0, prefix.size(), prefix) == 0) {
            const std::string host = origin.substr(prefix.size());
            if (host.find('/') != std::string::npos) return {};
            return host;
        }
    }
    return {};
}

}  // namespace

std::optional<Response> Api::check_browser_request(const Request& request,
                                                   const Principal& caller) const {
    if (caller.csrf.empty()) return std::nullopt;  // a bearer token: no ambient authority
    if (request.method == "GET" || request.method == "HEAD") return std::nullopt;
    // A browser says where a request comes from; a page of another site must not act here
    // with the board's cookie. The CSRF token (which another site cannot read) is checked
    // besides, for browsers that leave Origin out.
    if (auto origin = request.headers.get("Origin")) {
        const auto host = request.headers.get("Host");
        const std::string from = origin_host(*origin);
        if (from.empty() || !host || !iequals(from, *host)) {
            return problem(403, "Forbidden",
                           "this request comes from another site (" + *origin +
                               "); the board only acts on requests from its own pages",
                           "Origin");
        }
    }
    const auto token = request.headers.get("X-CSRF-Token");
    if (!token || !crypto::constant_time_equal(*token, caller.csrf)) {
        return problem(403, "Forbidden",
                       "a signed-in request that changes something must carry the session's "
                       "X-CSRF-Token header",
                       "X-CSRF-Token");
    }
    return std::nullopt;
}

void Api::log_fault(const Request& request, const std::string& what) {
    if (!options_.log) return;
    try {
        options_.log(core::dump_json({{"ts", format_rfc3339(engine_.now())},
                                      {"level", "error"},
                                      {"request_id", request.request_id},
                                      {"method", request.method},
                                      {"route", request.route},
                                      {"error", what}}));
    } catch (...) {
        // Nowhere left to say it: the request is still answered.
    }
}

void Api::observe(const Request& request, const Response& response,
                  std::chrono::microseconds elapsed) {
    // A change made here reaches the live streams at once rather than at the next poll.
    if (request.method != "GET" && request.method != "HEAD" && response.status < 300) {
        hub_->notify();
    }
    metrics_.record_request(request.method, request.route.empty() ? "unmatched" : request.route,
                            response.status, elapsed);
    if (!options_.log) return;
    // Never the Authorization header, a query or a body: they may carry secrets.
    nlohmann::json line = {{"ts", format_rfc3339(engine_.now())},
                           {"level", response.status >= 500 ? "error" : "info"},
                           {"request_id", request.request_id},
                           {"method", request.method},
                           {"route", request.route},
                           {"status", response.status},
                           {"duration_ms", static_cast<double>(elapsed.count()) / 1000.0},
                           {"remote", request.remote}};
    if (!request.actor.empty()) line["actor"] = request.actor;
    options_.log(core::dump_json(line));
}

}  // namespace baton::http
