// The security pass on the real `baton serve` over loopback (issue 7, part 4):
//
// - path traversal and encoding tricks on the board's files and the API's routes: nothing
//   but the API's 400/404 problem, never a file from disk (the board's files are embedded);
// - sessions: a cookie the client made up is never accepted and never becomes signed in,
//   sign-in always sets a fresh secret, sign-out ends the cookie, a CSRF token belongs to
//   one session, and another site's Origin (or `Origin: null`) is refused;
// - storage: after a scenario, no token secret, session secret, CSRF token, one-click link
//   token or password appears anywhere in the bytes of baton.db and its WAL, and passwords
//   are Argon2id strings;
// - limits the older suites do not cover for the board's routes (/v1/session, /v1/lint,
//   /v1/stream): body and nesting limits, and the per-caller rate limit for a session.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "http/security_support.h"
#include "store/sqlite/sqlite_store.h"

namespace baton::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Security : public SecuredServer {
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(start()); }

    std::string here() const { return "127.0.0.1:" + std::to_string(port()); }
};

// --- Path traversal and encoding tricks ---------------------------------------------------

// Each answer is the API's problem (400 or 404; 405 when an encoded slash, kept inside its
// parameter, makes the path one of a route of another method), never a file: no line of
// /etc/passwd, no byte of the workspace's database, not the board's page.
void expect_refused_path(const HttpResponse& r, const std::string& target,
                         const std::string& board_page) {
    SCOPED_TRACE(target);
    EXPECT_TRUE(r.status == 400 || r.status == 404 || r.status == 405) << describe(r);
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/problem+json") << describe(r);
    EXPECT_FALSE(contains(r.body, "root:")) << describe(r);
    EXPECT_FALSE(contains(r.body, "SQLite format 3")) << describe(r);
    EXPECT_NE(r.body, board_page);
}

TEST_F(Security, TraversalAndEncodingTricksNeverReachAFile) {
    const std::string page = call("GET", "/").body;
    ASSERT_FALSE(page.empty());
    // The workspace's own database, reached by climbing out of any directory.
    std::string climb;
    for (int i = 0; i < 12; ++i) climb += "../";
    const std::string db = climb + ws_.substr(1) + "/baton.db";
    std::string encoded_db;
    for (char c : db) encoded_db += c == '/' ? std::string("%2f") : c == '.' ? "%2e" : std::string(1, c);
    const std::vector<std::string> targets = {
        "/assets/../../etc/passwd",
        "/assets/" + db,
        "/assets/" + encoded_db,
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/assets/..%2f..%2f..%2fetc%2fpasswd",
        "/assets/%252e%252e%252f%252e%252e%252fetc%252fpasswd",  // double encoding
        "/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",          // overlong UTF-8 dots
        "/assets/index.html%00.js",
        "/assets/%00",
        "/assets/..%5c..%5c..%5cetc%5cpasswd",
        "/assets\\..\\..\\etc\\passwd",
        "/assets/.%2e/.%2e/etc/passwd",
        "/assets/./../../etc/passwd",
        "/assets/",
        "/assets",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/.%2e/.%2e/etc/passwd",
        "/..",
        "/.",
        "//etc/passwd",
        "//assets/../../etc/passwd",
        "///../../etc/passwd",
        "/etc/passwd",
        "/index.html/../../etc/passwd",
        "/index.html%00",
        "/favicon.ico",
        "/web/index.html",
        "/src/web/assets.h",
        "/baton.db",
        "/" + db,
        "/handoffs/../../etc/passwd",
        "/handoffs/%2e%2e/%2e%2e/etc/passwd",
        "/signin/..%2f..%2fetc%2fpasswd",
        "/people/..\\..\\etc\\passwd",
        "/assets/" + std::string(8000, 'a') + ".js",
        "/" + [] {
            std::string deep;
            for (int i = 0; i < 2000; ++i) deep += "../";
            return deep;
        }() + "etc/passwd",
    };
    for (const auto& target : targets) {
        for (const Headers& who : {Headers{}, bearer("ari")}) {
            expect_refused_path(call("GET", target, who), target, page);
        }
    }
}

TEST_F(Security, EncodedSlashesAndDotsInRouteParametersStayInsideTheirSegment) {
    const std::string page = call("GET", "/").body;
    const auto id = new_handoff("dana", "Traversal Co");
    const std::vector<std::pair<std::string, std::string>> targets = {
        {"GET", "/v1/playbooks/..%2F..%2F..%2Fetc%2Fpasswd"},
        {"GET", "/v1/playbooks/%2e%2e"},
        {"GET", "/v1/playbooks/..%5Ckickoff-prep"},
        {"GET", "/v1/playbooks/kickoff-prep%00"},
        {"GET", "/v1/playbooks/kickoff-prep%2F..%2Fkickoff-prep"},
        {"GET", "/v1/templates/..%2F..%2F..%2Fetc%2Fpasswd"},
        {"GET", "/v1/templates/%2e%2e"},
        {"GET", "/v1/templates/client-next-step%00"},
        {"GET", "/v1/templates/..%2Ftemplates%2Fclient-next-step"},
        {"GET", "/v1/relays/..%2F..%2F..%2Fetc%2Fpasswd"},
        {"GET", "/v1/relays/%00"},
        {"GET", "/v1/handoffs/" + std::to_string(id) + "%2F..%2F" + std::to_string(id)},
        {"GET", "/v1/handoffs/%2e%2e"},
        {"GET", "/v1/handoffs/" + std::to_string(id) + "%00"},
        {"GET", "/v1/handoffs/..%2Fhandoffs"},
        {"POST", "/v1/handoffs/" + std::to_string(id) + "%2Faccept"},
        {"POST", "/v1/handoffs/" + std::to_string(id) + "/checklist/1%2F..%2F2"},
        {"GET", "/v1/tokens/..%2F1"},
        {"DELETE", "/v1/tokens/1%2F..%2F2"},
        {"GET", "/l/..%2F..%2Fetc%2Fpasswd"},
        {"GET", "/l/%2e%2e"},
        {"POST", "/hooks/..%2F..%2Fetc%2Fpasswd"},
        {"POST", "/hooks/%2e%2e"},
    };
    for (const auto& [method, target] : targets) {
        auto h = bearer("ari");
        if (method != "GET") h.emplace_back("Content-Type", "application/json");
        const auto r = call(method, target, h, method == "GET" ? "" : "{}");
        SCOPED_TRACE(method + " " + target);
        // A signed hook refuses an unknown source or a missing signature; either way not a file.
        if (target.rfind("/hooks/", 0) == 0 && r.status == 401) {
            EXPECT_FALSE(contains(r.body, "root:"));
            continue;
        }
        expect_refused_path(r, target, page);
    }
    // Nothing of those acted: the handoff is as it was.
    const json h = body_json(call("GET", "/v1/handoffs/" + std::to_string(id), bearer("val")));
    EXPECT_EQ(h.value("state", ""), "waiting");
    EXPECT_EQ(h["timeline"].size(), 1u) << h.dump();
}

// --- Sessions: fixation, sign-out, CSRF, Origin -------------------------------------------

TEST_F(Security, AMadeUpCookieIsNeverAcceptedAndSignInSetsAFreshSecret) {
    const std::string planted_secret = std::string(64, 'a');
    const std::string planted = std::string("baton_session=") + planted_secret;
    expect_problem(call("GET", "/v1/session", {{"Cookie", planted}}), 401);
    expect_problem(call("GET", "/v1/handoffs", {{"Cookie", planted}}), 401);
    // A cookie shaped like a real one (a base64url secret) is no better.
    const std::string shaped = "baton_session=" + std::string(43, 'Q');
    expect_problem(call("GET", "/v1/session", {{"Cookie", shaped}}), 401);

    // Signing in while the planted cookie is sent: the answer sets another secret, and the
    // planted one stays refused.
    const auto r = call("POST", "/v1/session",
                        {{"Content-Type", "application/json"}, {"Cookie", planted}},
                        json{{"login", "dana"}, {"password", board_password}}.dump());
    ASSERT_EQ(r.status, 200) << describe(r);
    const std::string set = r.header("Set-Cookie").value_or("");
    const std::string fresh = set.substr(0, set.find(';'));
    EXPECT_NE(fresh, planted);
    EXPECT_FALSE(contains(set, planted_secret)) << set;
    EXPECT_GE(fresh.size(), std::string("baton_session=").size() + 43) << "256 bits at least";
    expect_problem(call("GET", "/v1/session", {{"Cookie", planted}}), 401);
    EXPECT_EQ(call("GET", "/v1/session", {{"Cookie", fresh}}).status, 200);

    // Two sign-ins never share a secret.
    const auto again = sign_in("dana");
    ASSERT_TRUE(again.has_value());
    EXPECT_NE(again->cookie, fresh);
    EXPECT_NE(again->csrf, body_json(r).value("csrf", ""));
}

TEST_F(Security, AfterSignOutTheOldCookieIsRefusedEverywhere) {
    const auto dana = sign_in("dana");
    ASSERT_TRUE(dana.has_value());
    const auto id = new_handoff("dana", "Signed Out Co");
    ASSERT_EQ(call("GET", "/v1/handoffs", dana->reading()).status, 200);  // cached now
    ASSERT_EQ(call("DELETE", "/v1/session", dana->writing()).status, 204);
    // At once, not after the cache's second.
    expect_problem(call("GET", "/v1/session", dana->reading()), 401);
    expect_problem(call("GET", "/v1/handoffs", dana->reading()), 401);
    expect_problem(call("POST", "/v1/handoffs/" + std::to_string(id) + "/accept",
                        dana->writing(), "{}"),
                   401);
    const json h = body_json(call("GET", "/v1/handoffs/" + std::to_string(id), bearer("val")));
    EXPECT_EQ(h.value("state", ""), "waiting");
}

TEST_F(Security, ACsrfTokenWorksOnlyWithItsOwnSession) {
    const auto first = sign_in("dana");
    const auto second = sign_in("dana");
    const auto ari = sign_in("ari");
    ASSERT_TRUE(first && second && ari);
    ASSERT_NE(first->csrf, second->csrf);
    const auto id = new_handoff("dana", "Csrf Co");
    const std::string comment = "/v1/handoffs/" + std::to_string(id) + "/comment";
    const std::string body = json{{"text", "hello"}}.dump();
    for (const std::string& foreign : {second->csrf, ari->csrf, std::string(64, '0'),
                                       std::string(), first->csrf.substr(0, 32),
                                       first->csrf + "00"}) {
        Headers h = {{"Cookie", first->cookie},
                     {"X-CSRF-Token", foreign},
                     {"Content-Type", "application/json"}};
        expect_problem(call("POST", comment, h, body), 403, "X-CSRF-Token");
    }
    // The CSRF token is not a credential by itself.
    expect_problem(call("POST", comment,
                        {{"X-CSRF-Token", first->csrf}, {"Content-Type", "application/json"}},
                        body),
                   401);
    // Its own works (the control).
    EXPECT_EQ(call("POST", comment, first->writing(), body).status, 200);
    const json h = body_json(call("GET", "/v1/handoffs/" + std::to_string(id), bearer("val")));
    EXPECT_EQ(h["timeline"].size(), 2u) << "one comment, from the one good request";
}

TEST_F(Security, AnotherSitesOriginAndOriginNullAreRefused) {
    const auto dana = sign_in("dana");
    ASSERT_TRUE(dana.has_value());
    const auto id = new_handoff("dana", "Origin Co");
    const std::string accept = "/v1/handoffs/" + std::to_string(id) + "/accept";
    const std::vector<std::string> origins = {
        "null",
        "https://evil.example",
        "http://" + here() + ".evil.example",
        "http://evil.example/" + here(),
        "http://" + here() + "@evil.example",
        "http://127.0.0.1",  // another port is another origin
        "http://localhost:" + std::to_string(port()),
        "file://",
        "",
    };
    for (const auto& origin : origins) {
        Headers h = dana->writing();
        h.emplace_back("Host", here());
        h.emplace_back("Origin", origin);
        expect_problem(call("POST", accept, h, "{}"), 403, "Origin");
        // Sign-out and password changes are state-changing requests too.
        expect_problem(call("DELETE", "/v1/session", h), 403, "Origin");
        expect_problem(call("POST", "/v1/people/dana/password", h,
                            json{{"password", "a brand new passphrase"}}.dump()),
                       403, "Origin");
        // Sign-in from another site sets no cookie.
        const auto signin = call("POST", "/v1/session",
                                 {{"Content-Type", "application/json"},
                                  {"Host", here()},
                                  {"Origin", origin}},
                                 json{{"login", "dana"}, {"password", board_password}}.dump());
        expect_problem(signin, 403, "Origin");
        EXPECT_FALSE(signin.header("Set-Cookie").has_value()) << origin;
    }
    // Nothing happened, and the session still works from its own origin.
    EXPECT_EQ(call("GET", "/v1/session", dana->reading()).status, 200);
    Headers same = dana->writing();
    same.emplace_back("Host", here());
    same.emplace_back("Origin", "http://" + here());
    const auto ok = call("POST", accept, same, "{}");
    EXPECT_EQ(ok.status, 200) << describe(ok);
}

// --- How secrets are stored ---------------------------------------------------------------

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST_F(Security, NoSecretIsStoredAsGivenAndPasswordsAreArgon2id) {
    // A scenario: tokens (from `baton token create` and the API), passwords (the CLI and the
    // API), sessions, CSRF tokens and one-click links.
    const auto made = call("POST", "/v1/tokens", bearer_json("ari"), R"({"handle":"lee"})");
    ASSERT_EQ(made.status, 201) << describe(made);
    const std::string api_token = body_json(made).value("token", "");
    const std::string api_password = "a password set through the API";
    ASSERT_EQ(call("POST", "/v1/people/lee/password", bearer_json("ari"),
                   json{{"password", api_password}}.dump())
                  .status,
              200);
    const auto dana = sign_in("dana");
    const auto lee = sign_in("lee", api_password);
    ASSERT_TRUE(dana && lee);
    const auto id = new_handoff("dana", "Stored Co");
    ASSERT_EQ(call("POST", "/v1/handoffs/" + std::to_string(id) + "/comment", dana->writing(),
                   json{{"text", "from the board"}}.dump())
                  .status,
              200);
    std::string link;
    {
        engine::SystemClock clock;
        auto store = store::open_sqlite({.path = ws_ + "/baton.db"});
        ASSERT_TRUE(store.ok()) << store.error().message;
        engine::Engine engine(**store, clock);
        auto made_link = engine.make_link(id, "accept", "dana", clock.now() + 1h);
        ASSERT_TRUE(made_link.ok()) << made_link.error().message;
        link = *made_link;
    }
    ASSERT_EQ(call("POST", "/l/" + link, {{"Accept", "application/json"}}).status, 200);

    std::vector<std::pair<std::string, std::string>> secrets = {
        {"password (CLI)", board_password},
        {"password (API)", api_password},
        {"API token", api_token},
        {"session secret", dana->secret()},
        {"session secret", lee->secret()},
        {"CSRF token", dana->csrf},
        {"CSRF token", lee->csrf},
        {"link token", link},
    };
    for (const auto& [who, token] : tokens_) secrets.push_back({"token of " + who, token});

    auto scan = [&](const std::string& when) {
        std::string bytes;
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            bytes += file_bytes(ws_ + "/baton.db" + suffix);
        }
        ASSERT_GT(bytes.size(), 4096u) << when;
        // The control: what is stored as given is found (a handle, a comment).
        ASSERT_TRUE(contains(bytes, "from the board")) << when;
        for (const auto& [what, secret] : secrets) {
            ASSERT_FALSE(secret.empty()) << what;
            EXPECT_FALSE(contains(bytes, secret)) << when << ": the " << what << " is in the file";
        }
    };
    ASSERT_NO_FATAL_FAILURE(scan("while serving"));
    stop_serve(*serving_);
    serving_.reset();
    ASSERT_NO_FATAL_FAILURE(scan("after stopping"));

    // The rows: passwords are Argon2id strings; tokens and sessions keep SHA-256 only.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((ws_ + "/baton.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
    auto column = [&](const std::string& sql) {
        std::vector<std::string> out;
        sqlite3_stmt* st = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        }
        sqlite3_finalize(st);
        return out;
    };
    const auto passwords = column("SELECT hash FROM passwords");
    ASSERT_EQ(passwords.size(), 4u);  // ari, dana, lee, val
    for (const auto& hash : passwords) {
        EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
        EXPECT_TRUE(contains(hash, "m=65536")) << "64 MiB: " << hash;
    }
    const auto token_hashes = column("SELECT hash FROM tokens");
    EXPECT_NE(std::find(token_hashes.begin(), token_hashes.end(), crypto::sha256_hex(api_token)),
              token_hashes.end());
    const auto session_hashes = column("SELECT hash FROM sessions");
    EXPECT_NE(std::find(session_hashes.begin(), session_hashes.end(),
                        crypto::sha256_hex(dana->secret())),
              session_hashes.end());
}

// --- Limits on the board's routes ----------------------------------------------------------

TEST_F(Security, TheBoardsRoutesHaveTheBodyAndNestingLimits) {
    const auto dana = sign_in("dana");
    ASSERT_TRUE(dana.has_value());
    // 413 before the body is read: the head alone is answered.
    for (const std::string path : {"/v1/session", "/v1/lint"}) {
        auto conn = HttpConnection::connect(port());
        ASSERT_TRUE(conn.has_value());
        ASSERT_TRUE(conn->send("POST " + path + " HTTP/1.1\r\nHost: " + here() +
                               "\r\nCookie: " + dana->cookie + "\r\nX-CSRF-Token: " + dana->csrf +
                               "\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(2 * 1024 * 1024) + "\r\n\r\n"));
        const auto r = conn->read_response(5s);
        ASSERT_TRUE(r.has_value()) << path << ": " << conn->last_error();
        expect_problem(*r, 413);
    }
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "[";
    for (int i = 0; i < 40; ++i) deep += "]";
    expect_problem(call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                        R"({"login":"dana","password":)" + deep + "}"),
                   400);
    expect_problem(call("POST", "/v1/lint", dana->writing(), R"({"text":)" + deep + "}"), 400);
    // A password over 1024 bytes is refused before it is hashed; sign-in still works after.
    const auto long_pw = call("POST", "/v1/people/dana/password", dana->writing(),
                              json{{"password", std::string(1025, 'p')}}.dump());
    expect_problem(long_pw, 400, "password");
    EXPECT_TRUE(sign_in("dana").has_value());
}

class SecurityRateLimited : public SecuredServer {
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(start({"--quiet", "--rate-limit", "2"})); }
};

TEST_F(SecurityRateLimited, ASessionIsRateLimitedLikeATokenOnTheBoardsRoutes) {
    const auto dana = sign_in("dana");
    const auto lee = sign_in("lee");
    ASSERT_TRUE(dana && lee);
    struct Probe {
        const char* method;
        const char* path;
        const char* body;
    };
    const Probe probes[] = {{"GET", "/v1/session", ""},
                            {"POST", "/v1/lint", R"({"text":"id: x\n"})"},
                            {"GET", "/v1/stream", ""}};
    for (const auto& probe : probes) {
        SCOPED_TRACE(probe.path);
        std::optional<HttpResponse> limited;
        // A burst of 4 at 2/s: the tenth request within a moment must meet the limit.
        for (int i = 0; i < 10 && !limited; ++i) {
            HttpRequest r;
            r.method = probe.method;
            r.target = probe.path;
            r.headers = probe.body[0] ? dana->writing() : dana->reading();
            r.body = probe.body;
            auto conn = HttpConnection::connect(port());
            ASSERT_TRUE(conn.has_value());
            ASSERT_TRUE(conn->send(format_request(r)));
            auto head = std::string(probe.path) == "/v1/stream" ? conn->read_head(5s)
                                                                : conn->read_response(5s);
            ASSERT_TRUE(head.has_value()) << conn->last_error();
            if (head->status == 429) limited = head;
        }
        ASSERT_TRUE(limited.has_value()) << "ten quick requests at 2/s were all served";
        EXPECT_GE(std::stoi(limited->header("Retry-After").value_or("0")), 1);
        // Another person's session is not held up by dana's.
        EXPECT_EQ(call("GET", "/v1/session", lee->reading()).status, 200);
        std::this_thread::sleep_for(2500ms);  // the bucket refills before the next probe
    }
}

}  // namespace
}  // namespace baton::test
