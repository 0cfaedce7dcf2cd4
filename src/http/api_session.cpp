// Browser sign-in for the board: POST /v1/session (email or handle, and password), GET
// /v1/session (who am I, and the CSRF token), DELETE /v1/session (sign out), and setting a
// password (POST /v1/people/{handle}/password). The session lives in an HttpOnly cookie;
// see docs/security.md for the cookie's attributes, CSRF and the limits on attempts.
#include <algorithm>
#include <variant>

#include "crypto/crypto.h"
#include "crypto/password.h"
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

// Argon2id takes 64 MiB and a good part of a core for each check: a burst of sign-ins
// waits its turn rather than exhaust the machine.
constexpr int concurrent_password_checks = 2;

// Holds one of the concurrent_password_checks places while alive.
class PasswordSlot {
public:
    PasswordSlot(std::mutex& mutex, std::condition_variable& done, int& running)
        : mutex_(mutex), done_(done), running_(running) {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return running_ < concurrent_password_checks; });
        ++running_;
    }
    ~PasswordSlot() {
        {
            std::lock_guard lock(mutex_);
            --running_;
        }
        done_.notify_one();
    }
    PasswordSlot(const PasswordSlot&) = delete;
    PasswordSlot& operator=(const PasswordSlot&) = delete;

private:
    std::mutex& mutex_;
    std::condition_variable& done_;
    int& running_;
};

std::string lower_ascii(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool secure_request(const Request& r, bool secure_cookies) {
    const auto proto = r.headers.get("X-Forwarded-Proto");
    return secure_cookies || (proto && iequals(*proto, "https"));
}

std::string session_cookie_header(const std::string& value, long long max_age_s, bool secure) {
    // Strict: no request that another site starts carries it. A link to a card from Slack or
    // an email still lands signed in: the board's page needs no cookie, and its own requests
    // (GET /v1/session, same-site) carry it. Changes need the CSRF token besides.
    return std::string(session_cookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" +
           "; Max-Age=" + std::to_string(max_age_s) + (secure ? "; Secure" : "");
}

nlohmann::json caller_json(const core::Actor& actor, const std::string& name,
                           const std::string& csrf) {
    return {{"handle", actor.handle},
            {"name", name},
            {"role", core::to_string(actor.role)},
            {"teams", actor.teams},
            {"csrf", csrf.empty() ? nlohmann::json(nullptr) : nlohmann::json(csrf)}};
}

// The body of a sign-in: JSON or an HTML form (application/x-www-form-urlencoded), as an
// object; a 415 for any other content type, so that a page elsewhere cannot post a "simple"
// text/plain request that skips the browser's preflight.
std::variant<nlohmann::json, Response> sign_in_body(const Request& r) {
    std::string media = lower_ascii(r.headers.get("Content-Type").value_or(""));
    media = media.substr(0, media.find(';'));
    media.erase(0, std::min(media.size(), media.find_first_not_of(" \t")));
    media.erase(media.find_last_not_of(" \t") + 1);
    const auto is = [&](const char* name) { return media == name; };
    if (is("application/x-www-form-urlencoded")) {
        auto form = parse_query(r.body);
        if (!form) {
            return problem(400, "Bad Request", "the body is not a valid form", "body");
        }
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [key, value] : *form) out[key] = value;
        return out;
    }
    if (!is("application/json")) {
        return problem(415, "Unsupported Media Type",
                       "sign in with Content-Type application/json or "
                       "application/x-www-form-urlencoded, not `" +
                           (media.empty() ? std::string("(none)") : media) + "`",
                       "Content-Type");
    }
    auto body = json_body(r);
    if (!body) return problem_from(body.error());
    return std::move(body).value();
}

Response too_many_sign_ins(std::chrono::seconds wait) {
    const std::string retry = std::to_string(wait.count());
    Response refused = problem(429, "Too Many Requests",
                               "too many failed sign-ins; try again in " + retry + " s", "login");
    refused.headers.set("Retry-After", retry);
    return refused;
}

}  // namespace

Result<int> Api::revoke_tokens_of(const std::string& handle) {
    auto tokens = engine_.tokens();
    if (!tokens) return tokens.error();
    int revoked = 0;
    for (const store::TokenRecord& t : *tokens) {
        if (t.handle != handle || t.revoked_at) continue;
        if (Status st = engine_.revoke_token(t.id); !st) return st.error();
        ++revoked;
    }
    return revoked;
}

void Api::add_session_routes() {
    router_.add({"POST", "/v1/session", Access::open,
                 "Sign in on the board: sets the session cookie",
                 [this](const Request& r, const Params&, const Principal&) {
                     if (auto origin = r.headers.get("Origin")) {
                         const auto host = r.headers.get("Host");
                         const std::string o = *origin;
                         const auto slashes = o.find("://");
                         if (slashes == std::string::npos || !host ||
                             !iequals(o.substr(slashes + 3), *host)) {
                             return problem(403, "Forbidden",
                                            "sign in from the board's own page", "Origin");
                         }
                     }
                     auto parsed = sign_in_body(r);
                     if (auto* refused = std::get_if<Response>(&parsed)) return *refused;
                     const nlohmann::json& body = std::get<nlohmann::json>(parsed);
                     if (auto st = only_fields(body, {"login", "password"}); !st) {
                         return problem_from(st.error());
                     }
                     for (const char* field : {"login", "password"}) {
                         if (!body.contains(field) || !body[field].is_string() ||
                             body[field].get<std::string>().empty()) {
                             return problem(400, "Bad Request",
                                            std::string(field) + " is required", field);
                         }
                     }
                     const std::string login = body["login"].get<std::string>();
                     // Counted before the slow hash, under the person (handle and email
                     // share it) and the client behind any trusted proxy.
                     const std::string person = engine_.login_key(login);
                     const std::string address = client_address(
                         r.remote, r.headers.get("X-Forwarded-For"), options_.trusted_proxies);
                     if (auto wait = sign_in_limiter_.reserve(person, address)) {
                         return too_many_sign_ins(*wait);
                     }
                     auto signed_in = [&] {
                         PasswordSlot slot(hashing_mutex_, hashing_done_, hashing_);
                         return engine_.sign_in(login, body["password"].get<std::string>(),
                                                options_.session_ttl);
                     }();
                     if (!signed_in && signed_in.error().code == ErrorCode::forbidden) {
                         return problem(401, "Unauthorized", signed_in.error().message, "login");
                     }
                     if (!signed_in) return problem_from(signed_in.error());
                     sign_in_limiter_.succeeded(person, address);
                     Response out = json_response(
                         200, caller_json(signed_in->actor, signed_in->name,
                                          csrf_token(signed_in->secret)));
                     const auto ttl_s = std::chrono::duration_cast<std::chrono::seconds>(
                                            options_.session_ttl)
                                            .count();
                     out.headers.set("Set-Cookie",
                                     session_cookie_header(signed_in->secret, ttl_s,
                                                           secure_request(r, options_.secure_cookies)));
                     out.headers.set("Cache-Control", "no-store");
                     return out;
                 },
                 false});
    router_.add({"GET", "/v1/session", Access::read,
                 "Who is signed in, with the CSRF token of the session",
                 [this](const Request&, const Params&, const Principal& caller) {
                     std::string name;
                     if (auto people = engine_.directory(); people && *people) {
                         if (const core::Person* p = (*people)->person(caller.actor.handle)) {
                             name = p->name;
                         }
                     }
                     Response out = json_response(200, caller_json(caller.actor, name, caller.csrf));
                     out.headers.set("Cache-Control", "no-store");
                     return out;
                 }});
    router_.add({"DELETE", "/v1/session", Access::read, "Sign out: ends the session",
                 [this](const Request& r, const Params&, const Principal&) {
                     Response out;
                     out.status = 204;
                     out.content_type = "text/plain";
                     out.headers.set("Set-Cookie",
                                     session_cookie_header("", 0, secure_request(
                                                                     r, options_.secure_cookies)));
                     if (auto secret = cookie(r, session_cookie)) {
                         forget_session(crypto::sha256_hex(*secret));
                         if (auto st = engine_.sign_out(*secret); !st) {
                             return problem_from(st.error());
                         }
                     }
                     return out;
                 }});
    router_.add({"POST", "/v1/people/{handle}/password", Access::read,
                 "Set a person's sign-in password (an admin, or the person themselves)",
                 [this](const Request& r, const Params& p, const Principal& caller) {
                     const std::string handle = p.at("handle");
                     if (caller.actor.role != core::Role::admin && caller.actor.handle != handle) {
                         return problem(403, "Forbidden",
                                        caller.actor.handle + " may set only their own password",
                                        "handle");
                     }
                     auto body = json_body(r);
                     if (!body) return problem_from(body.error());
                     if (auto st = only_fields(*body, {"password", "current_password"}); !st) {
                         return problem_from(st.error());
                     }
                     if (!body->contains("password") || !(*body)["password"].is_string()) {
                         return problem(400, "Bad Request", "password is required", "password");
                     }
                     if (Status rules = crypto::password_acceptable(
                             (*body)["password"].get<std::string>());
                         !rules) {
                         return problem_from(rules.error());
                     }
                     // A browser session changing its own password proves the old one, so
                     // that a board left open (or a stolen cookie) cannot take the account
                     // over. A bearer token already is the person's credential.
                     const bool own = caller.actor.handle == handle && !caller.csrf.empty();
                     const auto current = body->value("current_password", nlohmann::json());
                     if (own && (!current.is_string() || current.get<std::string>().empty())) {
                         return problem(400, "Bad Request",
                                        "current_password is required to change your own "
                                        "password",
                                        "current_password");
                     }
                     Status st = [&] {
                         PasswordSlot slot(hashing_mutex_, hashing_done_, hashing_);
                         if (own) {
                             if (Status c = engine_.check_password(
                                     handle, current.get<std::string>(), "current_password");
                                 !c) {
                                 return c;
                             }
                         }
                         return engine_.set_password(handle,
                                                     (*body)["password"].get<std::string>());
                     }();
                     if (!st) return problem_from(st.error());
                     // The store ended the person's sessions; their API tokens go too, so
                     // that a new password cuts off whoever knew the old one everywhere.
                     auto revoked = revoke_tokens_of(handle);
                     if (!revoked) return problem_from(revoked.error());
                     {
                         std::lock_guard lock(mutex_);
                         token_cache_.clear();
                     }
                     return json_response(200, {{"handle", handle},
                                                {"password", "set"},
                                                {"sessions_ended", true},
                                                {"tokens_revoked", *revoked}});
                 },
                 false});
}

}  // namespace baton::http
