// Router: the table of routes — method, path pattern ("/v1/handoffs/{id}/accept"), who may
// call it and the handler — and the matching of a request against it. The same table
// feeds the OpenAPI document's check, so a route cannot be served without being listed.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/handoff.h"
#include "http/message.h"

namespace baton::http {

// Who may call a route.
enum class Access {
    open,    // no token: the health routes
    signed_hook,  // no token, but a webhook signature (checked by the handler)
    read,    // any valid token (viewer and up)
    write,   // member and up (per-handoff rules are the engine's)
    admin,   // admins only
};

using Params = std::map<std::string, std::string>;

// Who is calling: the person a bearer token acts as (empty on open routes).
struct Principal {
    core::Actor actor;
    // Identifies the token (or the browser session) for rate limits and idempotency.
    std::string token_hash;
    // Set when the caller signed in through the browser (a session cookie): the CSRF token
    // every state-changing request of that session must carry. Empty for a bearer token.
    std::string csrf;
};

struct Route {
    std::string method;
    std::string pattern;  // segments; "{name}" captures one segment
    Access access = Access::read;
    std::string summary;
    std::function<Response(const Request&, const Params&, const Principal&)> handler;
    // Whether an Idempotency-Key answer may be stored for replay. Off for answers that
    // carry a secret (a new token), which must never be kept.
    bool replayable = true;
};

struct Match {
    const Route* route = nullptr;
    Params params;
    // When the path matched but not the method: the methods that would have (405).
    std::vector<std::string> allowed;
};

class Router {
public:
    void add(Route route);
    Match match(const std::string& method, const std::string& path) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    std::vector<Route> routes_;
};

// Splits a raw (still percent-encoded) path into its segments ("/a/b/" → ["a", "b"]).
std::vector<std::string> split_path(const std::string& path);

}  // namespace baton::http
