// Issue 22, findings 2 and 6 on the real `baton serve` over loopback: sign-in limits that hold
// under concurrency (counted before the slow hash, one count per person, X-Forwarded-For from
// trusted proxies only, a guesser slowed without locking the person out everywhere), sign-in
// refusing other content types, and a password change through a session that proves the old
// password and cuts off the old credentials.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "http/security_support.h"

namespace baton::test {
namespace {

using nlohmann::json;

class HostileAuth : public SecuredServer {
protected:
    HttpResponse try_sign_in(const std::string& login, const std::string& password,
                             const std::string& forwarded_for = "") {
        Headers h = {{"Content-Type", "application/json"}};
        if (!forwarded_for.empty()) h.emplace_back("X-Forwarded-For", forwarded_for);
        return call("POST", "/v1/session", h,
                    json{{"login", login}, {"password", password}}.dump());
    }
    // `n` wrong passwords at once, for `login(i)`: how many were checked (401) and how many
    // refused before the check (429, each with Retry-After).
    std::pair<int, int> parallel_guesses(int n, const std::function<std::string(int)>& login) {
        std::atomic<int> checked{0}, refused{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < n; ++i) {
            threads.emplace_back([&, i] {
                const auto r = try_sign_in(login(i), "guess " + std::to_string(i));
                if (r.status == 401) ++checked;
                if (r.status == 429 && r.header("Retry-After")) ++refused;
            });
        }
        for (auto& t : threads) t.join();
        return {checked.load(), refused.load()};
    }
};

TEST_F(HostileAuth, ParallelWrongPasswordsForOneLoginAreNotAllChecked) {
    ASSERT_NO_FATAL_FAILURE(start());
    const auto [checked, refused] = parallel_guesses(40, [](int) { return "lee"; });
    EXPECT_EQ(checked, 10);
    EXPECT_EQ(refused, 30);
    // Now even the right password waits, with Retry-After.
    const auto limited = try_sign_in("lee", board_password);
    expect_problem(limited, 429, "login");
    EXPECT_GE(std::stoi(limited.header("Retry-After").value_or("0")), 1);
}

TEST_F(HostileAuth, ParallelGuessesAcrossLoginsMeetThePerAddressCap) {
    ASSERT_NO_FATAL_FAILURE(start());
    // 40 logins one after the other (each is free: a new login), then 30 more at once: of
    // the 50 attempts an address has, 10 are left. (Sequential first, so that no request
    // waits long for one of the two Argon2id places.)
    for (int i = 0; i < 40; ++i) {
        ASSERT_EQ(try_sign_in("early" + std::to_string(i), "guess").status, 401) << i;
    }
    const auto [checked, refused] =
        parallel_guesses(30, [](int i) { return "nobody" + std::to_string(i) + "@example.com"; });
    EXPECT_EQ(checked, 10);
    EXPECT_EQ(refused, 20);
    // The cap is the address's, whoever it guesses: lee's right password waits too.
    expect_problem(try_sign_in("lee", board_password), 429, "login");
}

TEST_F(HostileAuth, HandleAndEmailOfOnePersonShareOneCount) {
    ASSERT_NO_FATAL_FAILURE(start());
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(try_sign_in("lee", "guess").status, 401) << i;
        ASSERT_EQ(try_sign_in("Lee@Example.com", "guess").status, 401) << i;
    }
    expect_problem(try_sign_in("lee@example.com", board_password), 429, "login");
    expect_problem(try_sign_in("lee", board_password), 429, "login");
}

TEST_F(HostileAuth, BehindATrustedProxyAnotherAddressCanStillSignIn) {
    // The env var, comma-separated, with a range that is not this proxy's first.
    ASSERT_NO_FATAL_FAILURE(start({"--quiet"}, {{"BATON_TRUSTED_PROXY", "10.0.0.0/8, 127.0.0.1"}}));
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(try_sign_in("lee", "guess", "198.51.100.7").status, 401) << i;
    }
    expect_problem(try_sign_in("lee", board_password, "198.51.100.7"), 429, "login");
    // The guesser's lockout is theirs: lee signs in from her own address, and so does the
    // guesser's neighbour behind the same proxy.
    EXPECT_EQ(try_sign_in("lee", board_password, "203.0.113.5").status, 200);
    EXPECT_EQ(try_sign_in("dana", board_password, "198.51.100.8").status, 200);
    // A client cannot pick its address: the proxy appends the real one on the right.
    expect_problem(try_sign_in("lee", board_password, "203.0.113.5, 198.51.100.7"), 429, "login");
}

TEST_F(HostileAuth, ForwardedForIsIgnoredFromAPeerThatIsNotATrustedProxy) {
    ASSERT_NO_FATAL_FAILURE(start({"--quiet", "--trusted-proxy", "10.0.0.0/8",
                                   "--trusted-proxy", "192.168.0.0/16"}));
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(try_sign_in("lee", "guess", "198.51.100." + std::to_string(i)).status, 401);
    }
    // Every try came from 127.0.0.1, whatever the header said.
    expect_problem(try_sign_in("lee", board_password, "203.0.113.5"), 429, "login");
}

TEST_F(HostileAuth, ABadTrustedProxyStopsServeWithTheReason) {
    ASSERT_NO_FATAL_FAILURE(start());
    RunOptions o;
    o.args = {"--workspace", ws_, "serve", "--listen", "127.0.0.1:0", "--trusted-proxy",
              "10.0.0.0/33"};
    const auto r = run_baton(o);
    EXPECT_NE(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.err, "--trusted-proxy `10.0.0.0/33`")) << describe(r);
}

TEST_F(HostileAuth, SignInTakesJsonOrAFormAndAnswers415ForAnythingElse) {
    ASSERT_NO_FATAL_FAILURE(start());
    const std::string body = json{{"login", "dana"}, {"password", board_password}}.dump();
    for (const char* type : {"text/plain", "text/plain;charset=UTF-8", "multipart/form-data",
                             "application/jsonx"}) {
        const auto r = call("POST", "/v1/session", {{"Content-Type", type}}, body);
        expect_problem(r, 415, "Content-Type");
        EXPECT_FALSE(r.header("Set-Cookie").has_value()) << type;
    }
    expect_problem(call("POST", "/v1/session", {}, body), 415, "Content-Type");
    EXPECT_EQ(call("POST", "/v1/session", {{"Content-Type", "application/json; charset=utf-8"}},
                   body)
                  .status,
              200);
    const auto form = call("POST", "/v1/session",
                           {{"Content-Type", "application/x-www-form-urlencoded"}},
                           "login=dana&password=correct+horse+battery+staple");
    EXPECT_EQ(form.status, 200) << describe(form);
    EXPECT_TRUE(form.header("Set-Cookie").has_value());
}

TEST_F(HostileAuth, APasswordChangeThroughASessionNeedsTheCurrentOne) {
    ASSERT_NO_FATAL_FAILURE(start());
    const auto dana = sign_in("dana");
    const auto other = sign_in("dana");
    ASSERT_TRUE(dana && other);
    const std::string target = "/v1/people/dana/password";
    expect_problem(call("POST", target, dana->writing(), json{{"password", "a new passphrase"}}.dump()),
                   400, "current_password");
    expect_problem(call("POST", target, dana->writing(),
                        json{{"password", "a new passphrase"}, {"current_password", "wrong one"}}
                            .dump()),
                   403, "current_password");
    // Refused changes changed nothing: the old password and the token still work.
    EXPECT_EQ(call("GET", "/v1/session", other->reading()).status, 200);
    EXPECT_EQ(call("GET", "/v1/handoffs", bearer("dana")).status, 200);

    const auto changed = call("POST", target, dana->writing(),
                              json{{"password", "a new passphrase"},
                                   {"current_password", board_password}}
                                  .dump());
    ASSERT_EQ(changed.status, 200) << describe(changed);
    EXPECT_EQ(body_json(changed).value("tokens_revoked", -1), 1);
    // Whoever knew the old credentials is cut off: every session and the API token.
    expect_problem(call("GET", "/v1/session", other->reading()), 401);
    expect_problem(call("GET", "/v1/handoffs", bearer("dana")), 401);
    EXPECT_TRUE(sign_in("dana", "a new passphrase").has_value());
    // Another person's tokens are untouched; an admin resetting lee's password needs no
    // current one (and revokes lee's tokens).
    EXPECT_EQ(call("GET", "/v1/handoffs", bearer("lee")).status, 200);
    const auto reset = call("POST", "/v1/people/lee/password", bearer_json("ari"),
                            json{{"password", "reset by the admin"}}.dump());
    ASSERT_EQ(reset.status, 200) << describe(reset);
    expect_problem(call("GET", "/v1/handoffs", bearer("lee")), 401);
    EXPECT_EQ(call("GET", "/v1/handoffs", bearer("ari")).status, 200);
}

TEST_F(HostileAuth, ReassigningToAViewerIsA409NamingOwner) {
    ASSERT_NO_FATAL_FAILURE(start());
    const auto id = new_handoff("dana", "Viewer Co");
    ASSERT_GT(id, 0);
    const std::string target = "/v1/handoffs/" + std::to_string(id) + "/reassign";
    const auto refused = call("POST", target, bearer_json("ari"), json{{"to", "val"}}.dump());
    expect_problem(refused, 409, "owner");
    EXPECT_TRUE(contains(body_json(refused).value("detail", ""), "viewer")) << describe(refused);
    // Nothing changed: dana still owns it, and a member can take it instead.
    const auto h = body_json(call("GET", "/v1/handoffs/" + std::to_string(id), bearer("ari")));
    EXPECT_EQ(h.value("owner", ""), "dana");
    EXPECT_EQ(call("POST", target, bearer_json("ari"), json{{"to", "lee"}}.dump()).status, 200);
}

}  // namespace
}  // namespace baton::test
