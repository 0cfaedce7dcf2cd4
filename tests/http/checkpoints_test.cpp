// Integration tests of the checkpoint routes of issue 4 on the real `baton serve`, on a port
// the OS picks, in a fresh workspace per test: one-click email links (/l/{token}), Slack
// interactivity (/slack/actions), the channels and templates configuration routes, and the
// outbox gauge in /metrics.
//
// Links are made the way the dispatcher makes them — Engine::make_link — by this test
// process on the same workspace database while the server runs (SQLite in WAL mode allows
// it); the test reads the outbox the same way. Nothing here waits on time: Slack's request
// timestamps are the wall clock, and "stale" is ten minutes off against a five-minute
// tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "e2e/run_process.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "http/http_client.h"
#include "http/problem_checks.h"
#include "http/workspace_setup.h"
#include "store/sqlite/sqlite_store.h"

namespace baton::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* signing_secret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr const char* response_url = "https://hooks.slack.com/actions/T0001/123/abcDEF";
constexpr const char* dana_slack = "U024BE7LH";  // examples/people.yaml

// Every secret of this channels.yaml must stay out of GET /v1/channels.
const std::string channels_yaml = std::string(R"(smtp:
  url: "smtp://127.0.0.1:2525"
  from: "Baton <baton@example.com>"
  username: mailer
  password: smtp-password-secret
slack:
  "#office": { webhook: "https://hooks.slack.com/services/T000/B000/slack-path-secret" }
webhooks:
  crm: { url: "https://crm.example.com/baton", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
public_url: "https://baton.example.com"
slack_signing_secret: ")") + signing_secret + "\"\n";


bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class Checkpoints : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(
            init_workspace_with_tokens(ws_, {"ari", "dana", "lee", "val"}, tokens_));
        RunOptions o;
        o.args = {"--workspace", ws_, "serve", "--listen", "127.0.0.1:0", "--quiet"};
        auto child = Child::start(baton_binary(), o);
        ASSERT_TRUE(child.has_value());
        server_.emplace(std::move(*child));
        std::string first;
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        while (first.empty() && std::chrono::steady_clock::now() < deadline) {
            if (!server_->pump(100ms)) break;
            auto lines = server_->take_lines();
            if (!lines.empty()) first = lines.front();
        }
        static const std::regex listening(
            R"(^Baton is listening on http://127\.0\.0\.1:([0-9]+) .*$)");
        std::smatch m;
        ASSERT_TRUE(std::regex_match(first, m, listening)) << first << server_->err();
        port_ = static_cast<unsigned short>(std::stoi(m[1]));

        // The same database, for what the dispatcher would do: make links, read the outbox.
        auto opened = store::open_sqlite({.path = ws_ + "/baton.db"});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
        engine_ = std::make_unique<engine::Engine>(*store_, clock_);
    }

    void TearDown() override {
        engine_.reset();
        store_.reset();
        if (!server_) return;
        server_->kill(SIGTERM);
        const auto status = server_->finish(20s);
        ASSERT_TRUE(status.has_value()) << "baton serve did not stop on SIGTERM";
        EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server_->err();
    }

    HttpResponse call(const std::string& method, const std::string& target, const std::string& who,
                      const std::string& body = "", Headers headers = {}) {
        HttpRequest r;
        r.method = method;
        r.target = target;
        if (!who.empty()) r.headers.emplace_back("Authorization", "Bearer " + tokens_.at(who));
        r.headers.insert(r.headers.end(), headers.begin(), headers.end());
        r.body = body;
        std::string error;
        auto answer = http_exchange(port_, r, &error);
        if (!answer) {
            ADD_FAILURE() << method << " " << target << ": no response (" << error << ")";
            return {};
        }
        return *answer;
    }

    HttpResponse put_channels(const std::string& yaml, const std::string& who = "ari") {
        return call("PUT", "/v1/channels", who, yaml, {{"Content-Type", "application/yaml"}});
    }

    // A booking hosted by `host`: a kickoff-prep handoff owned by them, waiting.
    std::int64_t new_handoff(const std::string& host, const std::string& company) {
        const json event = {{"type", "booking.created"},
                            {"id", "booking-" + std::to_string(++events_)},
                            {"source", "calendar"},
                            {"data", {{"company", company}, {"host", host}}}};
        const auto r = call("POST", "/v1/events", "ari", event.dump(),
                            {{"Content-Type", "application/json"}});
        EXPECT_EQ(r.status, 202) << describe(r);
        const json j = body_json(r);
        if (!j.is_object() || j["handoffs"].size() != 1) {
            ADD_FAILURE() << describe(r);
            return -1;
        }
        return j["handoffs"][0].get<std::int64_t>();
    }

    json show(std::int64_t id) {
        const auto r = call("GET", "/v1/handoffs/" + std::to_string(id), "val");
        EXPECT_EQ(r.status, 200) << describe(r);
        return body_json(r);
    }
    std::string state(std::int64_t id) { return show(id).value("state", ""); }

    std::string link(std::int64_t id, const std::string& action, const std::string& handle,
                     Milliseconds valid_for = std::chrono::hours(1)) {
        auto token = engine_->make_link(id, action, handle, clock_.now() + valid_for);
        EXPECT_TRUE(token.ok()) << token.error().message;
        return token.ok() ? *token : std::string();
    }

    // A Slack interactivity request as Slack sends it: the block_actions payload in a form,
    // signed v0 with `secret` at `timestamp` (unix seconds).
    HttpResponse slack(const json& payload, std::int64_t timestamp,
                       const std::string& secret = signing_secret) {
        const std::string body = "payload=" + url_encode(payload.dump());
        const std::string ts = std::to_string(timestamp);
        const std::string signature =
            "v0=" + crypto::hex_encode(crypto::hmac_sha256(secret, "v0:" + ts + ":" + body));
        return call("POST", "/slack/actions", "", body,
                    {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"X-Slack-Request-Timestamp", ts},
                     {"X-Slack-Signature", signature}});
    }

    static std::int64_t unix_now() {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    static json block_actions(const std::string& user, const std::string& action_id,
                              std::int64_t handoff) {
        return {{"type", "block_actions"},
                {"user", {{"id", user}, {"username", "someone"}}},
                {"response_url", response_url},
                {"actions",
                 {{{"action_id", action_id},
                   {"block_id", "baton_actions"},
                   {"value", std::to_string(handoff)},
                   {"type", "button"}}}}};
    }

    TempDir tmp_;
    const std::string ws_ = tmp_ / "ws";
    std::map<std::string, std::string> tokens_;
    std::optional<Child> server_;
    unsigned short port_ = 0;
    int events_ = 0;
    engine::SystemClock clock_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<engine::Engine> engine_;
};

// --- One-click links ---------------------------------------------------------------------

TEST_F(Checkpoints, LinkGetShowsAPageWithAButtonAndPerformsNothing) {
    const auto id = new_handoff("dana", "Acme Dental");
    const std::string token = link(id, "accept", "dana");
    for (int fetch = 0; fetch < 2; ++fetch) {  // a mail scanner, then the person
        const auto r = call("GET", "/l/" + token, "");
        ASSERT_EQ(r.status, 200) << describe(r);
        EXPECT_EQ(r.header("Content-Type").value_or(""), "text/html; charset=utf-8");
        EXPECT_EQ(r.header("Content-Security-Policy").value_or(""),
                  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                  "frame-ancestors 'none'");
        EXPECT_EQ(r.header("Referrer-Policy").value_or(""), "no-referrer");
        EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-store");
        EXPECT_TRUE(contains(r.body, "Accept: Acme Dental — ")) << r.body;
        EXPECT_TRUE(contains(r.body, "<form method=\"post\" action=\"/l/" + token + "\">"))
            << r.body;
        // Self-contained: nothing to fetch, nothing to run.
        EXPECT_FALSE(contains(r.body, "<script")) << r.body;
        EXPECT_FALSE(contains(r.body, "src=")) << r.body;
        // The one link is to the card on the board (a navigation, not a fetch).
        const std::string card = "href=\"/handoffs/" + std::to_string(id) + "\"";
        EXPECT_TRUE(contains(r.body, card)) << r.body;
        EXPECT_EQ(r.body.find("href="), r.body.rfind("href=")) << r.body;
    }
    EXPECT_EQ(state(id), "waiting");
}

TEST_F(Checkpoints, LinkPostActsOnceAndRefusesAgainForgedOrExpired) {
    const auto id = new_handoff("dana", "Acme Dental");
    const std::string token = link(id, "accept", "dana");
    const auto first = call("POST", "/l/" + token, "");
    ASSERT_EQ(first.status, 303) << describe(first);
    EXPECT_EQ(first.header("Location").value_or(""), "/handoffs/" + std::to_string(id));
    EXPECT_EQ(first.header("Content-Type").value_or(""), "text/html; charset=utf-8");
    EXPECT_EQ(first.header("Cache-Control").value_or(""), "no-store");
    EXPECT_TRUE(contains(first.body, "Accepted: Acme Dental — ")) << first.body;
    const json h = show(id);
    EXPECT_EQ(h.value("state", ""), "accepted");
    EXPECT_EQ(h["timeline"].back().value("actor", ""), "dana") << h["timeline"].back();

    const auto again = call("POST", "/l/" + token, "");
    EXPECT_EQ(again.status, 409) << describe(again);
    EXPECT_TRUE(contains(again.body, "used already")) << again.body;
    EXPECT_EQ(again.header("Content-Security-Policy").value_or("").rfind("default-src 'none'", 0),
              0u);

    // Done through its own link; then a forged one (one signature character changed).
    const std::string done = link(id, "done", "dana");
    std::string forged = done;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    const auto refused = call("POST", "/l/" + forged, "");
    EXPECT_EQ(refused.status, 403) << describe(refused);
    EXPECT_TRUE(contains(refused.body, "not valid")) << refused.body;
    EXPECT_EQ(call("GET", "/l/" + forged, "").status, 403);
    EXPECT_EQ(call("GET", "/l/not-even-a-token", "").status, 403);
    EXPECT_EQ(state(id), "accepted");

    // Expired an hour ago: refused in words, as a problem+json to a client asking for JSON.
    const std::string expired = link(id, "done", "dana", -std::chrono::hours(1));
    const auto old = call("POST", "/l/" + expired, "");
    EXPECT_EQ(old.status, 403) << describe(old);
    EXPECT_TRUE(contains(old.body, "expired")) << old.body;
    expect_problem(call("POST", "/l/" + expired, "", "", {{"Accept", "application/json"}}), 403,
                   "token");
    EXPECT_EQ(state(id), "accepted");
}

TEST_F(Checkpoints, LinkRefusalOfTheStateMachineIsAConflictInWords) {
    const auto id = new_handoff("dana", "Acme Dental");
    // Done while still waiting: the state machine says no, and the link stays unspent.
    const std::string done = link(id, "done", "dana");
    const auto r = call("POST", "/l/" + done, "");
    EXPECT_EQ(r.status, 409) << describe(r);
    EXPECT_TRUE(contains(r.body, "cannot")) << r.body;
    EXPECT_EQ(state(id), "waiting");
}

TEST_F(Checkpoints, LinkPageEscapesEveryUserString) {
    const auto id = new_handoff("dana", "<script>alert(1)</script>");
    const std::string token = link(id, "accept", "dana");
    for (const std::string method : {"GET", "POST"}) {
        const auto r = call(method, "/l/" + token, "");
        ASSERT_EQ(r.status, method == "GET" ? 200 : 303) << describe(r);
        EXPECT_FALSE(contains(r.body, "<script>")) << r.body;
        EXPECT_TRUE(contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;")) << r.body;
    }
}

// --- Slack interactivity -----------------------------------------------------------------

TEST_F(Checkpoints, SlackActionsNeedASigningSecretInChannelsYaml) {
    const auto id = new_handoff("dana", "Acme Dental");
    expect_problem(slack(block_actions(dana_slack, "baton_accept", id), unix_now()), 404,
                   "slack_signing_secret");
    EXPECT_EQ(state(id), "waiting");
}

TEST_F(Checkpoints, SlackAcceptActsAsTheMappedPersonAndQueuesTheUpdate) {
    ASSERT_EQ(put_channels(channels_yaml).status, 200);
    const auto id = new_handoff("dana", "Acme Dental");
    const auto r = slack(block_actions(dana_slack, "baton_accept", id), unix_now());
    ASSERT_EQ(r.status, 200) << describe(r);
    EXPECT_TRUE(r.body.empty()) << r.body;
    const json h = show(id);
    EXPECT_EQ(h.value("state", ""), "accepted");
    EXPECT_EQ(h["timeline"].back().value("actor", ""), "dana") << h["timeline"].back();

    // The updated message goes to the response_url through the outbox (the dispatcher's).
    auto rows = engine_->outbox(id);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    int to_response_url = 0;
    for (const auto& row : *rows) {
        if (row.channel == "slack" && row.target == response_url) ++to_response_url;
    }
    EXPECT_EQ(to_response_url, 1);

    // Done through the Done button; the Open button is only acknowledged.
    const auto open = slack(block_actions(dana_slack, "baton_open", id), unix_now());
    EXPECT_EQ(open.status, 200) << describe(open);
    EXPECT_EQ(state(id), "accepted");
}

// Issue 22, finding 6: a Slack response_url and an outbound webhook's URL are bearer
// secrets; a viewer (or a member) sees their scheme and host only, an admin all of it.
TEST_F(Checkpoints, ViewersSeeNeitherResponseUrlsNorWebhookUrlsInFull) {
    ASSERT_EQ(put_channels(channels_yaml).status, 200);
    const auto id = new_handoff("dana", "Acme Dental");
    ASSERT_EQ(slack(block_actions(dana_slack, "baton_accept", id), unix_now()).status, 200);
    const auto targets = [&](const std::string& who) {
        const auto r = call("GET", "/v1/handoffs/" + std::to_string(id), who);
        EXPECT_EQ(r.status, 200) << describe(r);
        std::vector<std::string> out;
        for (const auto& d : body_json(r).value("deliveries", json::array())) {
            if (d.value("channel", "") == "slack") out.push_back(d.value("target", ""));
        }
        return out;
    };
    for (const char* who : {"val", "dana"}) {
        const auto seen = targets(who);
        EXPECT_NE(std::find(seen.begin(), seen.end(), "https://hooks.slack.com/•••"), seen.end())
            << who;
        for (const auto& t : seen) EXPECT_FALSE(contains(t, "abcDEF")) << who << ": " << t;
    }
    const auto admin_sees = targets("ari");
    EXPECT_NE(std::find(admin_sees.begin(), admin_sees.end(), response_url), admin_sees.end());

    const auto viewer = body_json(call("GET", "/v1/channels", "val"));
    EXPECT_EQ(viewer["channels"]["webhooks"]["crm"].value("url", ""), "https://crm.example.com/•••");
    const auto admin = body_json(call("GET", "/v1/channels", "ari"));
    EXPECT_EQ(admin["channels"]["webhooks"]["crm"].value("url", ""), "https://crm.example.com/baton");
    EXPECT_EQ(admin["channels"]["webhooks"]["crm"].value("secret", ""), "•••");
}

TEST_F(Checkpoints, SlackBadSignaturesAre401AndChangeNothing) {
    ASSERT_EQ(put_channels(channels_yaml).status, 200);
    const auto id = new_handoff("dana", "Acme Dental");
    const json payload = block_actions(dana_slack, "baton_accept", id);
    expect_problem(slack(payload, unix_now(), "another-secret"), 401, "signature");
    expect_problem(slack(payload, unix_now() - 600), 401, "signature");  // stale
    expect_problem(call("POST", "/slack/actions", "", "payload=%7B%7D",
                        {{"Content-Type", "application/x-www-form-urlencoded"}}),
                   401, "signature");  // unsigned
    EXPECT_EQ(state(id), "waiting");
    auto rows = engine_->outbox(id);
    ASSERT_TRUE(rows.ok());
    for (const auto& row : *rows) EXPECT_NE(row.target, response_url);

    const auto metrics = call("GET", "/metrics", "val");
    EXPECT_TRUE(contains(metrics.body,
                         "baton_webhook_signature_failures_total{source=\"slack/actions\"} 3"))
        << metrics.body;
}

TEST_F(Checkpoints, SlackRefusalsAreEphemeralMessages) {
    ASSERT_EQ(put_channels(channels_yaml).status, 200);
    const auto id = new_handoff("dana", "Acme Dental");
    const auto unknown = slack(block_actions("U999NOBODY", "baton_accept", id), unix_now());
    ASSERT_EQ(unknown.status, 200) << describe(unknown);
    const json j = body_json(unknown);
    EXPECT_EQ(j.value("response_type", ""), "ephemeral") << j;
    EXPECT_EQ(j.value("replace_original", true), false) << j;
    EXPECT_TRUE(contains(j.value("text", ""), "U999NOBODY")) << j;
    EXPECT_EQ(state(id), "waiting");

    // Done before accepting: the state machine's words.
    const auto early = slack(block_actions(dana_slack, "baton_done", id), unix_now());
    ASSERT_EQ(early.status, 200) << describe(early);
    EXPECT_EQ(body_json(early).value("response_type", ""), "ephemeral") << early.body;
    EXPECT_EQ(state(id), "waiting");
    auto rows = engine_->outbox(id);
    ASSERT_TRUE(rows.ok());
    for (const auto& row : *rows) EXPECT_NE(row.target, response_url);
}

TEST_F(Checkpoints, SlackMalformedPayloadsAre400AndOversizedBodies413) {
    ASSERT_EQ(put_channels(channels_yaml).status, 200);
    const auto id = new_handoff("dana", "Acme Dental");
    json no_user = block_actions(dana_slack, "baton_accept", id);
    no_user.erase("user");
    expect_problem(slack(no_user, unix_now()), 400, "user.id");
    json bad_value = block_actions(dana_slack, "baton_accept", id);
    bad_value["actions"][0]["value"] = "forty-two";
    expect_problem(slack(bad_value, unix_now()), 400, "actions[0].value");
    json other = block_actions(dana_slack, "baton_accept", id);
    other["type"] = "view_submission";
    expect_problem(slack(other, unix_now()), 400, "type");
    json big = block_actions(dana_slack, "baton_accept", id);
    big["padding"] = std::string(70 * 1024, 'x');
    expect_problem(slack(big, unix_now()), 413);
    EXPECT_EQ(state(id), "waiting");
}

// --- Channels and templates ----------------------------------------------------------------

TEST_F(Checkpoints, ChannelsGetRedactsEverySecret) {
    const auto empty = call("GET", "/v1/channels", "val");
    ASSERT_EQ(empty.status, 200) << describe(empty);
    EXPECT_EQ(body_json(empty).value("version", -1), 0);
    EXPECT_TRUE(body_json(empty)["channels"].is_null()) << empty.body;

    const auto put = put_channels(channels_yaml);
    ASSERT_EQ(put.status, 200) << describe(put);
    EXPECT_EQ(put.header("ETag").value_or(""), "\"v1\"");
    const auto r = call("GET", "/v1/channels", "val");
    ASSERT_EQ(r.status, 200) << describe(r);
    EXPECT_EQ(r.header("ETag").value_or(""), "\"v1\"");
    for (const char* secret : {"smtp-password-secret", "slack-path-secret", "services/T000",
                               "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", signing_secret}) {
        EXPECT_FALSE(contains(r.body, secret)) << "leaked " << secret << ": " << r.body;
    }
    const json c = body_json(r);
    EXPECT_EQ(c.value("redacted", false), true);
    const json& ch = c["channels"];
    EXPECT_EQ(ch["smtp"].value("password", ""), "•••") << c;
    EXPECT_EQ(ch["smtp"].value("url", ""), "smtp://127.0.0.1:2525") << c;
    EXPECT_EQ(ch["smtp"].value("username", ""), "mailer") << c;
    EXPECT_EQ(ch["slack"]["#office"].value("webhook", ""), "https://hooks.slack.com/•••") << c;
    EXPECT_EQ(ch["webhooks"]["crm"].value("secret", ""), "•••") << c;
    // A viewer sees the outbound webhook's host only (its path may be a key).
    EXPECT_EQ(ch["webhooks"]["crm"].value("url", ""), "https://crm.example.com/•••") << c;
    EXPECT_EQ(ch.value("slack_signing_secret", ""), "•••") << c;
    EXPECT_EQ(ch.value("public_url", ""), "https://baton.example.com") << c;
}

TEST_F(Checkpoints, ChannelsPutLintsWithLocatedErrorsAndNeedsAnAdmin) {
    const auto broken = put_channels("slack:\n  \"#ops\": { webhok: \"https://x.example.com\" }\n");
    expect_problem(broken, 422);
    const json p = body_json(broken);
    ASSERT_TRUE(p.contains("errors") && p["errors"].is_array() && !p["errors"].empty())
        << describe(broken);
    static const std::regex located(R"(^channels\.yaml:[0-9]+:[0-9]+: .+$)");
    for (const auto& line : p["errors"]) {
        EXPECT_TRUE(std::regex_match(line.get<std::string>(), located)) << line;
    }
    EXPECT_TRUE(contains(p.value("detail", ""), "channels.yaml:2:")) << p;
    expect_problem(put_channels(channels_yaml, "dana"), 403);
    EXPECT_EQ(body_json(call("GET", "/v1/channels", "val")).value("version", -1), 0);

    // If-Match as for people.yaml.
    ASSERT_EQ(put_channels(channels_yaml).status, 200);
    expect_problem(call("PUT", "/v1/channels", "ari", channels_yaml + "# edited\n",
                        {{"Content-Type", "application/yaml"}, {"If-Match", "\"v0\""}}),
                   412, "If-Match");
}

TEST_F(Checkpoints, TemplatesPutGetAndListRoundTrip) {
    const std::string text = "Subject: Welcome, {{subject}}\n\nHello from {{data.company}}.\n";
    const auto put = call("PUT", "/v1/templates/welcome-note", "ari", text,
                          {{"Content-Type", "text/markdown"}});
    ASSERT_EQ(put.status, 200) << describe(put);
    EXPECT_EQ(body_json(put).value("changed", false), true);
    const std::string etag = put.header("ETag").value_or("");
    EXPECT_FALSE(etag.empty());

    const auto got = call("GET", "/v1/templates/welcome-note", "val");
    ASSERT_EQ(got.status, 200) << describe(got);
    EXPECT_EQ(got.body, text);
    EXPECT_EQ(got.header("Content-Type").value_or("").rfind("text/markdown", 0), 0u);
    EXPECT_EQ(got.header("ETag").value_or(""), etag);

    const auto list = call("GET", "/v1/templates", "val");
    ASSERT_EQ(list.status, 200) << describe(list);
    bool listed = false;
    const json items = body_json(list)["items"];
    for (const auto& item : items) {
        listed = listed || item.value("name", "") == "welcome-note";
    }
    EXPECT_TRUE(listed) << list.body;

    const auto broken = call("PUT", "/v1/templates/welcome-note", "ari", "Hello {{data.\n",
                             {{"Content-Type", "text/markdown"}});
    expect_problem(broken, 422);
    EXPECT_TRUE(contains(broken.body, "templates/welcome-note.md:1:")) << broken.body;
    expect_problem(call("PUT", "/v1/templates/welcome-note", "dana", text), 403);
    expect_problem(call("GET", "/v1/templates/no-such-template", "val"), 404, "name");
    expect_problem(call("GET", "/v1/templates/bad.name", "val"), 400, "name");
    EXPECT_EQ(call("GET", "/v1/templates/welcome-note", "val").body, text);
}

// --- Metrics -----------------------------------------------------------------------------

TEST_F(Checkpoints, MetricsCountTheOutboxByStatus) {
    new_handoff("dana", "Acme Dental");  // kickoff-prep's checkpoints queue messages
    const auto r = call("GET", "/metrics", "val");
    ASSERT_EQ(r.status, 200) << describe(r);
    EXPECT_TRUE(contains(r.body, "# TYPE baton_outbox_messages gauge")) << r.body;
    static const std::regex pending(R"(baton_outbox_messages\{status="pending"\} ([0-9]+))");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.body, m, pending)) << r.body;
    EXPECT_GE(std::stoi(m[1]), 1) << r.body;
    EXPECT_TRUE(contains(r.body, "baton_outbox_messages{status=\"delivered\"} 0")) << r.body;
    EXPECT_TRUE(contains(r.body, "baton_outbox_messages{status=\"failed\"} 0")) << r.body;
}

}  // namespace
}  // namespace baton::test
