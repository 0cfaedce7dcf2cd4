// Browser sign-in for the board: POST /v1/session (email or handle, and password), GET
// /v1/session (who am I, and the CSRF token), DELETE /v1/session (sign out), and setting a
// password (POST /v1/people/{handle}/password). The session lives in an HttpOnly cookie;
// see docs/security.md for the cookie's attributes, CSRF and the limits on attempts.
#include <algorithm>

#include "crypto/crypto.h"
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
    // Lax, not Strict: the one-click links of emails lead to the board from another site,
    // and must land signed in. State-changing requests need the CSRF token besides.
    return std::string(session_cookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Lax" +
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

}  // namespace

bool Api::sign_in_allowed(const std::string& login, const std::string& address,
                          int& retry_after_s) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    for (const auto& [key, max] :
         {std::pair{"login:" + login, options_.sign_in_failures_max},
          std::pair{"address:" + address, options_.sign_in_failures_per_address_max}}) {
        auto it = sign_in_failures_.find(key);
        if (it == sign_in_failures_.end()) continue;
        const auto ends = it->second.window_start + options_.sign_in_window;
        if (now >= ends) {
            sign_in_failures_.erase(it);
            continue;
        }
        if (it->second.count >= max) {
            retry_after_s = static_cast<int>(
                std::chrono::duration_cast<std::chrono::seconds>(ends - now).count() + 1);
            return false;
        }
    }
    return true;
}

void Api::record_sign_in(const std::string& login, const std::string& address, bool ok) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (ok) {
        sign_in_failures_.erase("login:" + login);
        return;
    }
    if (sign_in_failures_.size() > 100000) sign_in_failures_.clear();  // bounded
    for (const std::string& key : {"login:" + login, "address:" + address}) {
        auto [it, fresh] = sign_in_failures_.try_emplace(key, Failures{0, now});
        if (now >= it->second.window_start + options_.sign_in_window) it->second = {0, now};
        ++it->second.count;
    }
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
                     auto body = json_body(r);
                     if (!body) return problem_from(body.error());
                     if (auto st = only_fields(*body, {"login", "password"}); !st) {
                         return problem_from(st.error());
                     }
                     for (const char* field : {"login", "password"}) {
                         if (!body->contains(field) || !(*body)[field].is_string() ||
                             (*body)[field].get<std::string>().empty()) {
                             return problem(400, "Bad Request",
                                            std::string(field) + " is required", field);
                         }
                     }
                     const std::string login = lower_ascii((*body)["login"].get<std::string>());
                     int retry = 0;
                     if (!sign_in_allowed(login, r.remote, retry)) {
                         Response refused =
                             problem(429, "Too Many Requests",
                                     "too many failed sign-ins; try again in " +
                                         std::to_string(retry) + " s",
                                     "login");
                         refused.headers.set("Retry-After", std::to_string(retry));
                         return refused;
                     }
                     auto signed_in = [&] {
                         PasswordSlot slot(hashing_mutex_, hashing_done_, hashing_);
                         return engine_.sign_in((*body)["login"].get<std::string>(),
                                                (*body)["password"].get<std::string>(),
                                                options_.session_ttl);
                     }();
                     if (!signed_in && signed_in.error().code == ErrorCode::forbidden) {
                         record_sign_in(login, r.remote, false);
                         return problem(401, "Unauthorized", signed_in.error().message, "login");
                     }
                     if (!signed_in) return problem_from(signed_in.error());
                     record_sign_in(login, r.remote, true);
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
                     if (auto st = only_fields(*body, {"password"}); !st) {
                         return problem_from(st.error());
                     }
                     if (!body->contains("password") || !(*body)["password"].is_string()) {
                         return problem(400, "Bad Request", "password is required", "password");
                     }
                     Status st = [&] {
                         PasswordSlot slot(hashing_mutex_, hashing_done_, hashing_);
                         return engine_.set_password(handle,
                                                     (*body)["password"].get<std::string>());
                     }();
                     if (!st) return problem_from(st.error());
                     // The person's sessions ended in the store; forget the cached ones.
                     {
                         std::lock_guard lock(mutex_);
                         token_cache_.clear();
                     }
                     return json_response(200, {{"handle", handle}, {"password", "set"}});
                 },
                 false});
}

}  // namespace baton::http
