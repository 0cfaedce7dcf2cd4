// Secrets never logged: a full scenario on the real `baton serve` with its request logs on
// (no --quiet) and on the CLI, local and remote, then every line either wrote — the
// server's stdout and stderr, each CLI run's stdout and stderr — is searched for every
// secret the scenario used: API token secrets (good, revoked and made-up), passwords (right
// and wrong), session cookies, CSRF tokens, inbound webhook secrets (sources.yaml), the
// SMTP password, outbound webhook secrets, a Slack webhook URL's secret path, the Slack
// signing secret and one-click link tokens. None may appear.
//
// The one place a secret is meant to be printed is the answer of `baton token create`
// (shown once, by design): that command's stdout is the only output not searched for the
// token it created, and it is still searched for every other secret.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/signatures.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "http/security_support.h"
#include "store/sqlite/sqlite_store.h"

namespace baton::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* inbound_secret = "whsec_c2VjcmV0LW9mLXRoZS1pbmJvdW5kLWNybS1ob29rLXNvdXJjZQ==";
constexpr const char* github_secret = "github-inbound-secret-never-logged";
constexpr const char* smtp_password = "smtp-password-never-logged";
constexpr const char* outbound_secret = "whsec_b3V0Ym91bmQtd2ViaG9vay1zZWNyZXQtbmV2ZXItbG9nZ2Vk";
constexpr const char* slack_path_secret = "slackPathSecretNeverLogged";
constexpr const char* slack_signing_secret = "slack-signing-secret-never-logged";
constexpr const char* wrong_password = "a wrong password never logged";
constexpr const char* made_up_token = "bt_madeUpTokenThatMustNeverBeLogged0123456789abc";
constexpr const char* made_up_cookie = "madeUpCookieValueThatMustNeverBeLogged";

std::string sources_yaml() {
    return std::string("sources:\n  - name: crm\n    scheme: standard-webhooks\n    secret: ") +
           inbound_secret +
           "\n    type: \"{{payload.type}}\"\n    subject: \"{{payload.data.company}}\"\n"
           "    data: payload.data\n"
           "  - name: gh\n    scheme: github\n    secret: " +
           github_secret + "\n";
}

std::string channels_yaml() {
    // Every target is on loopback and not allow-listed: the dispatcher tries each, the SSRF
    // guard refuses, and the failure is recorded (and must not quote a secret).
    return std::string("smtp:\n  url: \"smtp://127.0.0.1:9\"\n  from: \"Baton <baton@example.com>\"\n"
                       "  username: mailer\n  password: ") +
           smtp_password + "\nslack:\n  \"#office\": { webhook: \"http://127.0.0.1:9/services/T0/B0/" +
           slack_path_secret + "\" }\nwebhooks:\n  crm: { url: \"http://127.0.0.1:9/hook\", secret: \"" +
           outbound_secret + "\" }\npublic_url: \"https://baton.example.com\"\n" +
           "slack_signing_secret: \"" + slack_signing_secret + "\"\n";
}

const char* relay_playbook = R"(id: relay-out
title: Relay out
when: relay.out
subject: "{{data.company}}"
from: sales
owner: dana
done: Told the CRM.
accept_within: 4h
checkpoint:
  - webhook: crm
  - email: owner
  - slack: "#office"
)";

// One run's output, labelled for a failure message.
struct Output {
    std::string label;
    std::string text;
    std::string allowed_secret;  // the one secret this output may carry (token create)
};

class SecretsNeverLogged : public ::testing::Test {
protected:
    ProcessResult cli(std::vector<std::string> args, const std::string& stdin_text = "",
                      std::map<std::string, std::string> env = {}, std::string allowed = "") {
        RunOptions o;
        o.args = {"--workspace", ws_};
        o.args.insert(o.args.end(), args.begin(), args.end());
        o.stdin_text = stdin_text;
        o.env = std::move(env);
        auto r = run_baton(o);
        std::string label = "baton";
        for (const auto& a : args) label += " " + a;
        outputs_.push_back({label + " (stdout)", r.out, allowed});
        outputs_.push_back({label + " (stderr)", r.err, ""});
        return r;
    }
    std::string create_token(const std::string& handle) {
        const auto r = cli({"--json", "token", "create", handle});
        EXPECT_EQ(r.exit_code, 0) << describe(r);
        const std::string token = json::parse(r.out, nullptr, false).value("token", "");
        outputs_[outputs_.size() - 2].allowed_secret = token;
        secrets_.push_back({"token of " + handle, token});
        return token;
    }

    HttpResponse call(const std::string& method, const std::string& target,
                      const Headers& headers = {}, const std::string& body = "") {
        return call_on(serving_->port, method, target, headers, body);
    }
    Headers bearer(const std::string& token, const char* type = "application/json") {
        return {{"Authorization", "Bearer " + token}, {"Content-Type", type}};
    }

    TempDir dir_;
    std::string ws_ = dir_.path() + "/ws";
    std::optional<Serving> serving_;
    std::vector<Output> outputs_;
    std::vector<std::pair<std::string, std::string>> secrets_;
};

TEST_F(SecretsNeverLogged, AFullScenarioLeavesNoSecretInAnyLine) {
    // --- The CLI, locally.
    {
        RunOptions init;
        init.args = {"init", ws_};
        const auto r = run_baton(init);
        ASSERT_EQ(r.exit_code, 0) << describe(r);
        outputs_.push_back({"baton init", r.out + r.err, ""});
    }
    const std::string ari = create_token("ari");
    const std::string dana = create_token("dana");
    const std::string doomed = create_token("lee");
    ASSERT_EQ(cli({"passwd", "dana"}, std::string(board_password) + "\n").exit_code, 0);
    ASSERT_EQ(cli({"passwd", "ari"}, std::string(board_password) + "\n").exit_code, 0);
    write_text(dir_.path() + "/sources.yaml", sources_yaml());
    write_text(dir_.path() + "/channels.yaml", channels_yaml());
    write_text(dir_.path() + "/relay-out.yaml", relay_playbook);
    cli({"lint", dir_.path() + "/sources.yaml", dir_.path() + "/channels.yaml"});
    const auto applied = cli({"apply", dir_.path() + "/sources.yaml", dir_.path() + "/channels.yaml",
                              dir_.path() + "/relay-out.yaml"});
    ASSERT_EQ(applied.exit_code, 0) << describe(applied);
    cli({"token", "list"});
    cli({"--json", "token", "list"});
    ASSERT_EQ(cli({"token", "revoke", "3"}).exit_code, 0);  // lee's
    secrets_.push_back({"password", board_password});
    secrets_.push_back({"wrong password", wrong_password});
    secrets_.push_back({"made-up token", made_up_token});
    secrets_.push_back({"made-up cookie", made_up_cookie});
    secrets_.push_back({"inbound webhook secret", inbound_secret});
    secrets_.push_back({"GitHub webhook secret", github_secret});
    secrets_.push_back({"SMTP password", smtp_password});
    secrets_.push_back({"outbound webhook secret", outbound_secret});
    secrets_.push_back({"Slack webhook path", slack_path_secret});
    secrets_.push_back({"Slack signing secret", slack_signing_secret});

    // --- The server, with its request logs.
    auto started = start_serve(ws_, {});
    ASSERT_TRUE(started.has_value());
    serving_.emplace(std::move(*started));
    const std::string url = "http://127.0.0.1:" + std::to_string(serving_->port);

    // Tokens through the API: made, used, revoked; made-up and revoked ones refused.
    const auto made = call("POST", "/v1/tokens", bearer(ari), R"({"handle":"dana","label":"x"})");
    ASSERT_EQ(made.status, 201) << describe(made);
    const std::string api_token = body_json(made).value("token", "");
    secrets_.push_back({"API-made token", api_token});
    EXPECT_EQ(call("GET", "/v1/handoffs", bearer(api_token)).status, 200);
    EXPECT_EQ(call("GET", "/v1/handoffs", bearer(made_up_token)).status, 401);
    EXPECT_EQ(call("GET", "/v1/handoffs", bearer(doomed)).status, 401);
    call("GET", "/v1/handoffs?token=" + std::string(made_up_token), bearer(dana));

    // Channels with their secrets, through the API.
    EXPECT_EQ(call("PUT", "/v1/channels", bearer(ari, "application/yaml"), channels_yaml()).status,
              200);
    EXPECT_EQ(call("PUT", "/v1/sources", bearer(ari, "application/yaml"), sources_yaml()).status,
              200);
    const auto shown = call("GET", "/v1/channels", bearer(dana));
    EXPECT_EQ(shown.status, 200);

    // Sign-in: wrong, then right; the session reads and writes; a made-up cookie.
    EXPECT_EQ(call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                   json{{"login", "dana"}, {"password", wrong_password}}.dump())
                  .status,
              401);
    const auto signed_in = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                                json{{"login", "dana@example.com"}, {"password", board_password}}.dump());
    ASSERT_EQ(signed_in.status, 200) << describe(signed_in);
    const std::string set = signed_in.header("Set-Cookie").value_or("");
    const std::string cookie = set.substr(0, set.find(';'));
    const std::string csrf = body_json(signed_in).value("csrf", "");
    secrets_.push_back({"session cookie", cookie.substr(cookie.find('=') + 1)});
    secrets_.push_back({"CSRF token", csrf});
    EXPECT_EQ(call("GET", "/v1/session", {{"Cookie", cookie}}).status, 200);
    EXPECT_EQ(call("GET", "/v1/handoffs", {{"Cookie", "baton_session=" + std::string(made_up_cookie)}})
                  .status,
              401);
    EXPECT_EQ(call("POST", "/v1/people/dana/password",
                   {{"Cookie", cookie}, {"X-CSRF-Token", csrf}, {"Content-Type", "application/json"}},
                   json{{"password", "short"}}.dump())
                  .status,
              400);

    // Events: one through the API, one through a signed inbound webhook, one badly signed.
    const auto event = call("POST", "/v1/events", bearer(dana),
                            json{{"type", "relay.out"}, {"id", "r-1"}, {"source", "crm"},
                                 {"data", {{"company", "Secretive Co"}}}}
                                .dump());
    ASSERT_EQ(event.status, 202) << describe(event);
    const std::int64_t handoff = body_json(event)["handoffs"][0].get<std::int64_t>();
    const std::string hook_body =
        json{{"type", "booking.created"}, {"data", {{"company", "Hooked Co"}, {"host", "dana"}}}}.dump();
    const auto ts = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    auto signature = crypto::sign_standard_webhook("msg_1", ts, hook_body, inbound_secret);
    ASSERT_TRUE(signature.ok());
    const Headers hook_headers = {{"Content-Type", "application/json"},
                                  {"webhook-id", "msg_1"},
                                  {"webhook-timestamp", std::to_string(ts)},
                                  {"webhook-signature", *signature}};
    const auto hooked = call("POST", "/hooks/crm", hook_headers, hook_body);
    EXPECT_EQ(hooked.status, 202) << describe(hooked);
    Headers forged = hook_headers;
    forged.back().second = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    EXPECT_EQ(call("POST", "/hooks/crm", forged, hook_body + " ").status, 401);
    const std::string gh_body = R"({"zen":"x"})";
    EXPECT_EQ(call("POST", "/hooks/gh",
                   {{"Content-Type", "application/json"},
                    {"X-GitHub-Event", "push"},
                    {"X-GitHub-Delivery", "d-1"},
                    {"X-Hub-Signature-256",
                     "sha256=" + crypto::hex_encode(crypto::hmac_sha256("wrong", gh_body))}},
                   gh_body)
                  .status,
              401);
    // A Slack action signed with the wrong secret.
    EXPECT_EQ(call("POST", "/slack/actions",
                   {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"X-Slack-Request-Timestamp", std::to_string(ts)},
                    {"X-Slack-Signature", "v0=" + std::string(64, '0')}},
                   "payload=%7B%7D")
                  .status,
              401);

    // One-click links: shown, used, used again, forged.
    std::string link;
    {
        engine::SystemClock clock;
        auto store = store::open_sqlite({.path = ws_ + "/baton.db"});
        ASSERT_TRUE(store.ok()) << store.error().message;
        engine::Engine engine(**store, clock);
        auto made_link = engine.make_link(handoff, "accept", "dana", clock.now() + 1h);
        ASSERT_TRUE(made_link.ok()) << made_link.error().message;
        link = *made_link;
    }
    secrets_.push_back({"link token", link});
    EXPECT_EQ(call("GET", "/l/" + link).status, 200);
    EXPECT_EQ(call("POST", "/l/" + link).status, 303);
    EXPECT_NE(call("POST", "/l/" + link).status, 303);
    const std::string forged_link = link.substr(0, link.size() - 4) + "AAAA";
    secrets_.push_back({"forged link token", forged_link});
    EXPECT_NE(call("GET", "/l/" + forged_link).status, 200);

    // The CLI in remote mode: a good token, a made-up one, a revoked one.
    for (const std::string& token : {dana, std::string(made_up_token), doomed}) {
        cli({"--server", url, "list"}, "", {{"BATON_TOKEN", token}});
        cli({"--server", url, "show", std::to_string(handoff)}, "", {{"BATON_TOKEN", token}});
    }
    cli({"--server", url, "emit", "relay.out", "--id", "r-2", "--data",
         R"({"company":"Remote Co"})"},
        "", {{"BATON_TOKEN", dana}});
    cli({"--server", url, "--json", "token", "create", "ari"}, "", {{"BATON_TOKEN", ari}},
        "");
    {
        // The remote token create's secret: allowed on its stdout alone.
        const std::string out = outputs_[outputs_.size() - 2].text;
        const std::string token = json::parse(out, nullptr, false).value("token", "");
        if (!token.empty()) {
            outputs_[outputs_.size() - 2].allowed_secret = token;
            secrets_.push_back({"remote-made token", token});
        }
    }

    // The dispatcher tries the relay's three checkpoints (each refused by the SSRF guard)
    // and records the outcome; wait until it has.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    bool settled = false;
    while (!settled && std::chrono::steady_clock::now() < deadline) {
        const json h =
            body_json(call("GET", "/v1/handoffs/" + std::to_string(handoff), bearer(dana)));
        settled = h["deliveries"].is_array() && h["deliveries"].size() >= 3;
        for (const auto& d : h["deliveries"]) {
            settled = settled && d.value("status", "") != "pending";
        }
        if (!settled) std::this_thread::sleep_for(200ms);
    }
    EXPECT_TRUE(settled) << "the dispatcher did not try the relay's checkpoints";
    const json tried =
        body_json(call("GET", "/v1/handoffs/" + std::to_string(handoff), bearer(dana)));
    for (const auto& d : tried["deliveries"]) {
        EXPECT_TRUE(contains(d.value("last_error", ""), "refused")) << d.dump();
    }
    cli({"show", std::to_string(handoff)});
    cli({"--json", "show", std::to_string(handoff)});
    cli({"export", dir_.path() + "/exported"});

    stop_serve(*serving_);
    std::string server_out;
    for (const auto& line : serving_->child.take_lines()) server_out += line + "\n";
    server_out += serving_->child.take_partial();
    outputs_.push_back({"baton serve (stdout)", server_out, ""});
    outputs_.push_back({"baton serve (stderr)", serving_->child.err(), ""});
    serving_.reset();

    // The request logs were on: the search looked at something.
    const std::string& log = outputs_.back().text;
    EXPECT_TRUE(contains(log, "\"route\":\"/v1/session\"")) << log;
    EXPECT_TRUE(contains(log, "\"route\":\"/hooks/{source}\"")) << log;
    EXPECT_TRUE(contains(log, "\"route\":\"/l/{token}\"")) << log;

    // The control: the search finds a secret where one is meant to be (token create's answer).
    int shown_once = 0;
    for (const auto& output : outputs_) {
        if (!output.allowed_secret.empty() && contains(output.text, output.allowed_secret)) {
            ++shown_once;
        }
    }
    EXPECT_EQ(shown_once, 4) << "three local token creates and one remote";
    if (std::getenv("BATON_SHOW_OUTPUTS")) {
        for (const auto& output : outputs_) std::cout << "=== " << output.label << "\n" << output.text;
    }

    for (const auto& [what, secret] : secrets_) {
        ASSERT_GE(secret.size(), 12u) << what;
        for (const auto& output : outputs_) {
            if (secret == output.allowed_secret) continue;
            EXPECT_FALSE(contains(output.text, secret))
                << "the " << what << " appears in the output of " << output.label << ":\n"
                << output.text;
            // Percent-encoded too, as a URL or a form would carry it.
            const std::string encoded = url_encode(secret);
            if (encoded != secret) {
                EXPECT_FALSE(contains(output.text, encoded))
                    << "the " << what << " (encoded) appears in " << output.label;
            }
        }
    }
}

}  // namespace
}  // namespace baton::test
