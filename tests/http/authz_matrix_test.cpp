// The authorization matrix: every route of the router × every kind of caller, against the
// real `baton serve` on loopback.
//
// The routes come from the router itself (an http::Api built in process on a scratch
// SQLite store, as openapi_test does), so a new route cannot escape the matrix. Each
// route's access is read from the documented table of docs/api.md ("Every route"), not from
// the code: a route the docs do not list fails, and a route served with weaker access than
// documented fails against the running server. The expected class of answer for each
// (access, caller) is the table `expected_by_access` below; the handoff actions add the
// state machine's who-may rules (`handoff_rules`).
//
// Callers: an admin's, a member's and a viewer's token, no token, a revoked token, a member's
// board session with its CSRF token, the same session without it, another member acting on
// the member's handoff, and an admin's board session. Every path parameter is filled with a
// real value (a fresh handoff for each state-changing call, so one call's effect cannot
// decide the next one's answer).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "http/api.h"
#include "http/security_support.h"
#include "store/sqlite/sqlite_store.h"

namespace baton::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// --- The expected answers -------------------------------------------------------------------

enum class Want {
    ok,            // neither 401 nor 403 (nor a missing route, nor a server error)
    unauthorized,  // 401
    forbidden,     // 403
    csrf,          // ok for GET and HEAD; 403 for anything that changes something
};

const char* name_of(Want w) {
    switch (w) {
        case Want::ok: return "not-401-not-403";
        case Want::unauthorized: return "401";
        case Want::forbidden: return "403";
        case Want::csrf: return "ok-on-GET-else-403";
    }
    return "?";
}

enum Caller {
    admin,           // ari's token
    member,          // dana's token (dana owns the handoffs of the matrix)
    viewer,          // val's token
    anonymous,       // no credentials
    revoked,         // a token of dana's, revoked before the matrix
    session,         // dana signed in on the board, with X-CSRF-Token
    session_no_csrf, // the same cookie without X-CSRF-Token
    other_member,    // lee's token, acting on dana's handoffs
    admin_session,   // ari signed in on the board, with X-CSRF-Token
    caller_count
};

const char* const caller_names[caller_count] = {
    "admin token", "member token", "viewer token", "no token", "revoked token",
    "member session + CSRF", "member session, no CSRF", "another member", "admin session + CSRF"};

constexpr Want O = Want::ok, U = Want::unauthorized, F = Want::forbidden, C = Want::csrf;

// By the access docs/api.md documents for a route. "admin or self" is checked with the
// handle of the member (dana): the member's token and session are dana, another member is not.
struct AccessRow {
    const char* access;
    Want want[caller_count];
};
const AccessRow expected_by_access[] = {
    //                   admin member viewer anon revoked session no-csrf other admin-session
    {"open",            {O,    O,     O,     O,   O,      O,      O,      O,    O}},
    {"link",            {O,    O,     O,     O,   O,      O,      O,      O,    O}},
    {"signature",       {U,    U,     U,     U,   U,      U,      U,      U,    U}},
    {"Slack signature", {U,    U,     U,     U,   U,      U,      U,      U,    U}},
    {"viewer",          {O,    O,     O,     U,   U,      O,      C,      O,    O}},
    {"member",          {O,    O,     F,     U,   U,      O,      F,      O,    O}},
    {"admin",           {O,    F,     F,     U,   U,      F,      F,      F,    O}},
    {"admin or self",   {O,    O,     F,     U,   U,      O,      F,      F,    O}},
};

// The state machine's who-may rules for the handoff actions (docs/api.md): the matrix's
// handoffs are owned by dana and given by the office team (ada), so dana is the owner and
// never the giver, and lee is neither.
struct HandoffRule {
    const char* action;
    bool owner_may;
    bool giver_may;
    bool any_member_may;
};
const HandoffRule handoff_rules[] = {
    {"accept", true, false, false},   {"decline", true, false, false},
    {"done", true, false, false},     {"checklist", true, false, false},
    {"cancel", false, true, false},   {"reassign", true, true, false},
    {"comment", false, false, true},
};

bool acts_as_owner(Caller c) { return c == member || c == session || c == session_no_csrf; }
bool is_admin(Caller c) { return c == admin || c == admin_session; }

// The documented table of docs/api.md: "METHOD /path" → access.
std::map<std::string, std::string> documented_access() {
    std::ifstream in(source_dir() + "/docs/api.md");
    std::map<std::string, std::string> out;
    std::string line;
    bool in_table = false;
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) in_table = line == "## Every route";
        if (!in_table || line.rfind("| `", 0) != 0) continue;
        const auto second_bar = line.find(" | ", 2);
        const auto third_bar = line.find(" | ", second_bar + 3);
        if (second_bar == std::string::npos || third_bar == std::string::npos) continue;
        const std::string routes = line.substr(2, second_bar - 2);
        const std::string access = line.substr(second_bar + 3, third_bar - second_bar - 3);
        // One cell may list several routes: "`GET /readyz`, `GET /healthz`".
        std::size_t at = 0;
        while ((at = routes.find('`', at)) != std::string::npos) {
            const auto end = routes.find('`', at + 1);
            if (end == std::string::npos) break;
            out[routes.substr(at + 1, end - at - 1)] = access;
            at = end + 1;
        }
    }
    return out;
}

http::Access code_access_for(const std::string& documented) {
    if (documented == "open" || documented == "link") return http::Access::open;
    if (documented == "signature" || documented == "Slack signature") {
        return http::Access::signed_hook;
    }
    if (documented == "viewer" || documented == "admin or self") return http::Access::read;
    if (documented == "member") return http::Access::write;
    return http::Access::admin;
}

// The action of a handoff route ("/v1/handoffs/{id}/accept" → "accept"), or empty.
std::string handoff_action(const http::Route& route) {
    const std::string prefix = "/v1/handoffs/{id}/";
    if (route.method != "POST" || route.pattern.rfind(prefix, 0) != 0) return {};
    const std::string rest = route.pattern.substr(prefix.size());
    return rest.substr(0, rest.find('/'));
}

Want expected(const std::string& access, const http::Route& route, Caller caller) {
    const AccessRow* row = nullptr;
    for (const auto& r : expected_by_access) {
        if (access == r.access) row = &r;
    }
    if (row == nullptr) {
        ADD_FAILURE() << "no expectations for the documented access `" << access << "`";
        return Want::ok;
    }
    Want want = row->want[caller];
    if (want == Want::csrf) {
        want = route.method == "GET" || route.method == "HEAD" ? Want::ok : Want::forbidden;
    }
    const std::string action = handoff_action(route);
    if (want != Want::ok || action.empty() || is_admin(caller)) return want;
    for (const auto& rule : handoff_rules) {
        if (action != rule.action) continue;
        const bool may = rule.any_member_may || (rule.owner_may && acts_as_owner(caller));
        return may ? Want::ok : Want::forbidden;
    }
    ADD_FAILURE() << "no who-may rule for the handoff action `" << action << "`";
    return Want::ok;
}

// --- The fixture --------------------------------------------------------------------------

const char* sources_yaml = R"(sources:
  - name: crm
    scheme: standard-webhooks
    secret: whsec_c2VjcmV0LWZvci10aGUtYXV0aHotbWF0cml4LXRlc3Q=
    type: "{{payload.type}}"
)";
const char* channels_yaml = R"(public_url: "https://baton.example.com"
slack_signing_secret: "authz-matrix-slack-signing-secret"
)";

class AuthzMatrix : public SecuredServer {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(start());
        // The routes, from an Api on a scratch store.
        auto scratch = store::open_sqlite({.path = scratch_.path() + "/routes.db"});
        ASSERT_TRUE(scratch.ok()) << scratch.error().message;
        scratch_store_ = std::move(scratch).value();
        scratch_engine_ = std::make_unique<engine::Engine>(*scratch_store_, clock_);
        api_ = std::make_unique<http::Api>(*scratch_engine_, http::ApiOptions{});
        // The workspace's own database, to make one-click links as the dispatcher does.
        auto opened = store::open_sqlite({.path = ws_ + "/baton.db"});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
        engine_ = std::make_unique<engine::Engine>(*store_, clock_);

        auto yaml = bearer("ari");
        yaml.emplace_back("Content-Type", "application/yaml");
        ASSERT_EQ(call("PUT", "/v1/sources", yaml, sources_yaml).status, 200);
        ASSERT_EQ(call("PUT", "/v1/channels", yaml, channels_yaml).status, 200);
        // The revoked token: dana's, revoked through the API.
        const auto made = call("POST", "/v1/tokens", bearer_json("ari"), R"({"handle":"dana"})");
        ASSERT_EQ(made.status, 201) << describe(made);
        revoked_token_ = body_json(made).value("token", "");
        const auto id = body_json(made).value("id", 0);
        ASSERT_EQ(call("DELETE", "/v1/tokens/" + std::to_string(id), bearer("ari")).status, 200);
        // The token the DELETE /v1/tokens/{id} row revokes (sam's: no caller uses it).
        const auto target = call("POST", "/v1/tokens", bearer_json("ari"), R"({"handle":"sam"})");
        ASSERT_EQ(target.status, 201) << describe(target);
        target_token_id_ = body_json(target).value("id", 0);

        shared_handoff_ = new_handoff("dana", "Matrix Shared Co");
        auto d = sign_in("dana");
        auto a = sign_in("ari");
        ASSERT_TRUE(d && a);
        dana_browser_ = *d;
        ari_browser_ = *a;
    }
    void TearDown() override {
        engine_.reset();
        store_.reset();
        api_.reset();
        scratch_engine_.reset();
        scratch_store_.reset();
        SecuredServer::TearDown();
    }

    Headers credentials(Caller caller) const {
        switch (caller) {
            case admin: return bearer("ari");
            case member: return bearer("dana");
            case viewer: return bearer("val");
            case anonymous: return {};
            case revoked: return {{"Authorization", "Bearer " + revoked_token_}};
            case session:
                return {{"Cookie", dana_browser_.cookie}, {"X-CSRF-Token", dana_browser_.csrf}};
            case session_no_csrf: return {{"Cookie", dana_browser_.cookie}};
            case other_member: return bearer("lee");
            case admin_session:
                return {{"Cookie", ari_browser_.cookie}, {"X-CSRF-Token", ari_browser_.csrf}};
            case caller_count: break;
        }
        return {};
    }

    // The path with every "{name}" filled by a real value; `fresh` is a handoff made for
    // this one call.
    std::string fill(const http::Route& route, std::int64_t fresh) {
        std::string out;
        for (const auto& segment : http::split_path(route.pattern)) {
            std::string value = segment;
            if (segment.size() > 2 && segment.front() == '{') {
                const std::string name = segment.substr(1, segment.size() - 2);
                value = parameter(route, name, fresh);
            }
            out += "/" + value;
        }
        return out.empty() ? "/" : out;
    }

    std::string parameter(const http::Route& route, const std::string& name, std::int64_t fresh) {
        const std::string& p = route.pattern;
        if (p.rfind("/v1/handoffs/", 0) == 0 && name == "id") return std::to_string(fresh);
        if (name == "n") return "1";
        if (p.rfind("/v1/tokens/", 0) == 0 && name == "id") {
            return std::to_string(target_token_id_);
        }
        if (p.rfind("/v1/playbooks/", 0) == 0 && name == "id") return "kickoff-prep";
        if (p.rfind("/v1/deliveries/", 0) == 0 && name == "id") return "1";
        if (name == "subject") return url_encode("Matrix Shared Co");
        if (p.rfind("/v1/sources/", 0) == 0 && name == "name") return "crm";
        if (name == "name") return "client-next-step";
        if (name == "handle") return "dana";
        if (name == "source") return "crm";
        if (name == "token") {
            auto link = engine_->make_link(fresh, "accept", "dana", clock_.now() + 1h);
            EXPECT_TRUE(link.ok()) << link.error().message;
            return link.ok() ? *link : std::string();
        }
        ADD_FAILURE() << route.method << " " << p << ": the matrix has no value for {" << name
                      << "}; add one";
        return "x";
    }

    // The request body and its type: a valid one wherever the route's success is harmless,
    // or one the handler refuses on its content (400) after access was granted.
    std::pair<std::string, std::string> body_for(const http::Route& route) {
        const std::string key = route.method + " " + route.pattern;
        const std::string action = handoff_action(route);
        if (action == "decline") return {"application/json", R"({"reason":"not mine"})"};
        if (action == "reassign") return {"application/json", R"({"to":"lee"})"};
        if (action == "comment") return {"application/json", R"({"text":"a comment"})"};
        if (action == "checklist") return {"application/json", R"({"checked":true})"};
        if (key == "POST /v1/events") {
            return {"application/json",
                    json{{"type", "authz.probe"}, {"id", "probe-" + std::to_string(++probes_)},
                         {"source", "authz"}}
                        .dump()};
        }
        if (key == "POST /v1/lint") return {"application/json", R"({"text":"id: x\n"})"};
        if (key == "POST /v1/people/{handle}/password") {
            return {"application/json", R"({"password":"short"})"};  // 400 once allowed
        }
        if (key == "POST /v1/tokens") return {"application/json", R"({"handle":"sam"})"};
        if (key == "PUT /v1/playbooks/{id}") {
            return {"application/yaml", read_text(ws_ + "/playbooks/kickoff-prep.yaml")};
        }
        if (key == "PUT /v1/people") return {"application/yaml", read_text(ws_ + "/people.yaml")};
        if (key == "PUT /v1/sources") return {"application/yaml", sources_yaml};
        if (key == "PUT /v1/channels") return {"application/yaml", channels_yaml};
        if (key == "PUT /v1/templates/{name}") {
            return {"text/markdown", read_text(ws_ + "/templates/client-next-step.md")};
        }
        if (key == "POST /slack/actions") {
            return {"application/x-www-form-urlencoded", "payload=%7B%7D"};
        }
        if (route.method == "POST" || route.method == "PUT") return {"application/json", "{}"};
        return {"", ""};
    }

    // One call; a stream answers its head only.
    HttpResponse send(const std::string& method, const std::string& target, Headers headers,
                      const std::pair<std::string, std::string>& body) {
        if (!body.first.empty()) headers.emplace_back("Content-Type", body.first);
        if (target != "/v1/stream") return call(method, target, headers, body.second);
        auto conn = HttpConnection::connect(port());
        if (!conn) {
            ADD_FAILURE() << "no connection";
            return {};
        }
        HttpRequest r;
        r.method = method;
        r.target = target;
        r.headers = headers;
        EXPECT_TRUE(conn->send(format_request(r)));
        auto head = conn->read_head(5s);
        if (!head) {
            ADD_FAILURE() << target << ": " << conn->last_error();
            return {};
        }
        return *head;
    }

    // Signs the browser in again when a call ended its session (DELETE /v1/session).
    void keep_signed_in(Browser& browser, const std::string& who) {
        if (call("GET", "/v1/session", browser.reading()).status == 200) return;
        auto again = sign_in(who);
        ASSERT_TRUE(again.has_value());
        browser = *again;
    }

    // The handoff's state and what people did to it. The system's own entries (a delivery,
    // a reminder) are left out: the dispatcher and the scheduler add them at their own pace,
    // so a slow run (ASan) saw a checkpoint's delivery land between two reads and took it
    // for the effect of a refused action.
    std::string timeline_of(std::int64_t id) {
        const auto r = call("GET", "/v1/handoffs/" + std::to_string(id), bearer("val"));
        const json j = body_json(r);
        std::string out = j.value("state", "");
        for (const auto& entry : j["timeline"]) {
            if (entry.value("actor", "") == "baton") continue;
            out += " " + entry.value("kind", "") + ":" + entry.value("actor", "");
        }
        return out;
    }

    TempDir scratch_;
    engine::SystemClock clock_;
    std::unique_ptr<store::Store> scratch_store_;
    std::unique_ptr<engine::Engine> scratch_engine_;
    std::unique_ptr<http::Api> api_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<engine::Engine> engine_;
    std::string revoked_token_;
    std::int64_t target_token_id_ = 0;
    std::int64_t shared_handoff_ = 0;
    Browser dana_browser_;
    Browser ari_browser_;
    int probes_ = 0;
};

// --- The tests ----------------------------------------------------------------------------

TEST_F(AuthzMatrix, EveryRouteIsDocumentedWithTheAccessItIsServedWith) {
    const auto docs = documented_access();
    ASSERT_GT(docs.size(), 30u) << "the table of docs/api.md (## Every route) did not parse";
    for (const auto& route : api_->router().routes()) {
        const std::string key = route.method + " " + route.pattern;
        const auto it = docs.find(key);
        if (it == docs.end()) {
            ADD_FAILURE() << key << " is served but not in docs/api.md's table of every route";
            continue;
        }
        EXPECT_EQ(route.access, code_access_for(it->second))
            << key << " is documented as `" << it->second << "`";
    }
}

TEST_F(AuthzMatrix, EveryRouteAnswersEveryCallerAsDocumented) {
    const auto docs = documented_access();
    const auto& routes = api_->router().routes();
    ASSERT_GT(routes.size(), 30u);
    int checked = 0;
    std::set<Want> seen;
    for (const auto& route : routes) {
        const std::string key = route.method + " " + route.pattern;
        const auto doc = docs.find(key);
        ASSERT_NE(doc, docs.end()) << key << " is not in docs/api.md";
        const bool is_handoff_action = !handoff_action(route).empty();
        for (int c = 0; c < caller_count; ++c) {
            const auto caller = static_cast<Caller>(c);
            const Want want = expected(doc->second, route, caller);
            // A fresh handoff (owned by dana) for each call that may change one.
            const bool needs_fresh = is_handoff_action || route.pattern == "/l/{token}";
            const std::int64_t handoff =
                needs_fresh ? new_handoff("dana", "Matrix " + std::to_string(c) + " " +
                                                      std::to_string(checked))
                            : shared_handoff_;
            const std::string before = is_handoff_action ? timeline_of(handoff) : "";
            const std::string target = fill(route, handoff);
            const auto r = send(route.method, target, credentials(caller), body_for(route));
            const std::string where = key + " as " + caller_names[c] + " (" + target +
                                      "): expected " + name_of(want) + "\n" + describe(r);
            switch (want) {
                case Want::unauthorized: EXPECT_EQ(r.status, 401) << where; break;
                case Want::forbidden: EXPECT_EQ(r.status, 403) << where; break;
                default:
                    EXPECT_TRUE(r.status >= 200 && r.status < 500 && r.status != 401 &&
                                r.status != 403 && r.status != 404 && r.status != 405)
                        << where;
            }
            // A refused action changed nothing.
            if (is_handoff_action && want != Want::ok) {
                EXPECT_EQ(timeline_of(handoff), before) << where;
            }
            seen.insert(want);
            ++checked;
            if (caller == session || caller == session_no_csrf) {
                ASSERT_NO_FATAL_FAILURE(keep_signed_in(dana_browser_, "dana"));
            }
            if (caller == admin_session) {
                ASSERT_NO_FATAL_FAILURE(keep_signed_in(ari_browser_, "ari"));
            }
        }
    }
    EXPECT_EQ(checked, static_cast<int>(routes.size()) * caller_count);
    EXPECT_EQ(seen.size(), 3u) << "the matrix must see each class of answer";
    std::cout << "authorization matrix: " << routes.size() << " routes x " << caller_count
              << " callers = " << checked << " combinations\n";
}

}  // namespace
}  // namespace baton::test
