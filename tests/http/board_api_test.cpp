// The board's back end on the real `baton serve` over loopback: browser sign-in (cookie,
// CSRF, Origin, limits on attempts, sign-out, passwords), the live stream (Server-Sent
// Events: a change arrives, a reader resumes after Last-Event-ID, stop ends streams), the
// reads the board needs (list filters and change_seq, a card's allowed actions and
// deliveries, lint, reports over time and CSV, people as values) and the board's own files
// (index for every board path, hashed assets, ETags, gzip, the Content-Security-Policy).
//
// Waits for a live update have a generous deadline (10 s) and pass as soon as it arrives:
// the test checks that it comes, never how fast.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "e2e/run_process.h"
#include "http/call.h"
#include "http/compress.h"
#include "http/http_client.h"
#include "http/problem_checks.h"
#include "http/serve_process.h"
#include "http/workspace_setup.h"
#include "support/gunzip.h"

namespace baton::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* password = "correct horse battery staple";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class Board : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(init_workspace_with_tokens(ws_, {"ari", "dana", "val"}, tokens_));
        for (const char* who : {"ari", "dana", "lee", "val"}) set_password(who, password);
        auto started = start_serve(ws_, {"--quiet"});
        ASSERT_TRUE(started.has_value());
        serving_.emplace(std::move(*started));
    }
    void TearDown() override {
        if (serving_) stop_serve(*serving_);
    }

    void set_password(const std::string& who, const std::string& pw) {
        set_password_with_cli(ws_, who, pw);
    }

    HttpResponse call(const std::string& method, const std::string& target,
                      const Headers& headers = {}, const std::string& body = "") {
        return call_on(serving_->port, method, target, headers, body);
    }
    Headers bearer(const std::string& who) const {
        return {{"Authorization", "Bearer " + tokens_.at(who)}};
    }

    struct Browser {
        std::string cookie;  // "baton_session=..."
        std::string csrf;
        Headers reading() const { return {{"Cookie", cookie}}; }
        Headers writing() const {
            return {{"Cookie", cookie}, {"X-CSRF-Token", csrf},
                    {"Content-Type", "application/json"}};
        }
    };
    std::optional<Browser> sign_in(const std::string& login, const std::string& pw = password) {
        const auto r = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                            json{{"login", login}, {"password", pw}}.dump());
        if (r.status != 200) {
            ADD_FAILURE() << describe(r);
            return std::nullopt;
        }
        const std::string set = r.header("Set-Cookie").value_or("");
        const auto semi = set.find(';');
        const json j = body_json(r);
        return Browser{set.substr(0, semi), j.value("csrf", "")};
    }

    // A kickoff-prep handoff owned by `host` (examples/playbooks/kickoff-prep.yaml).
    std::int64_t new_handoff(const std::string& host, const std::string& company) {
        const json event = {{"type", "booking.created"},
                            {"id", "booking-" + std::to_string(++events_)},
                            {"source", "calendar"},
                            {"subject", company},
                            {"data", {{"company", company}, {"host", host}}}};
        const auto r = call("POST", "/v1/events", [&] {
            auto h = bearer("ari");
            h.emplace_back("Content-Type", "application/json");
            return h;
        }(), event.dump());
        EXPECT_EQ(r.status, 202) << describe(r);
        const json j = body_json(r);
        if (!j.is_object() || j["handoffs"].size() != 1) {
            ADD_FAILURE() << describe(r);
            return 0;
        }
        return j["handoffs"][0].get<std::int64_t>();
    }

    TempDir dir_;
    std::string ws_ = dir_.path() + "/ws";
    std::map<std::string, std::string> tokens_;
    std::optional<Serving> serving_;
    int events_ = 0;
};

// --- sign-in ------------------------------------------------------------------------------

TEST_F(Board, SignInSetsAnHttpOnlyCookieThatActsAsThePerson) {
    const auto r = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                        json{{"login", "Dana@Example.com"}, {"password", password}}.dump());
    ASSERT_EQ(r.status, 200) << describe(r);
    const std::string set = r.header("Set-Cookie").value_or("");
    EXPECT_EQ(set.rfind("baton_session=", 0), 0u) << set;
    EXPECT_TRUE(contains(set, "; HttpOnly")) << set;
    EXPECT_TRUE(contains(set, "; SameSite=Strict")) << set;
    EXPECT_TRUE(contains(set, "; Path=/")) << set;
    EXPECT_FALSE(contains(set, "Secure")) << "plain HTTP on loopback: " << set;
    const json me = body_json(r);
    EXPECT_EQ(me.value("handle", ""), "dana");
    EXPECT_EQ(me.value("role", ""), "member");
    EXPECT_EQ(me.value("name", ""), "Dana Reyes");
    EXPECT_EQ(me["csrf"].get<std::string>().size(), 64u);

    const std::string cookie = set.substr(0, set.find(';'));
    const auto who = call("GET", "/v1/session", {{"Cookie", cookie}});
    ASSERT_EQ(who.status, 200) << describe(who);
    EXPECT_EQ(body_json(who).value("handle", ""), "dana");
    EXPECT_EQ(body_json(who).value("csrf", ""), me.value("csrf", ""));
    EXPECT_EQ(call("GET", "/v1/handoffs", {{"Cookie", cookie}}).status, 200);

    // Behind an HTTPS proxy the cookie is Secure.
    const auto proxied = call("POST", "/v1/session",
                              {{"Content-Type", "application/json"}, {"X-Forwarded-Proto", "https"}},
                              json{{"login", "dana"}, {"password", password}}.dump());
    EXPECT_TRUE(contains(proxied.header("Set-Cookie").value_or(""), "; Secure"));
}

TEST_F(Board, AWrongLoginAndAWrongPasswordGetTheSameRefusal) {
    const auto wrong_pw = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                               json{{"login", "dana"}, {"password", "not the password"}}.dump());
    expect_problem(wrong_pw, 401, "login");
    const auto nobody = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                             json{{"login", "nobody"}, {"password", "not the password"}}.dump());
    expect_problem(nobody, 401, "login");
    EXPECT_EQ(body_json(wrong_pw).value("detail", ""), body_json(nobody).value("detail", ""));
    EXPECT_FALSE(wrong_pw.header("Set-Cookie").has_value());
    // sam has no password yet: refused the same way.
    expect_problem(call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                        json{{"login", "sam"}, {"password", password}}.dump()),
                   401, "login");
    expect_problem(call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                        json{{"login", "dana"}}.dump()),
                   400, "password");
    expect_problem(call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                        json{{"login", "dana"}, {"password", password}, {"remember", true}}.dump()),
                   400, "remember");
}

TEST_F(Board, RepeatedFailuresAreLimitedPerLoginWithRetryAfter) {
    for (int i = 0; i < 10; ++i) {
        const auto r = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                            json{{"login", "lee"}, {"password", "guess " + std::to_string(i)}}.dump());
        ASSERT_EQ(r.status, 401) << i << describe(r);
    }
    // The eleventh try is refused before the password is even checked, the right one too.
    const auto limited = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                              json{{"login", "lee"}, {"password", password}}.dump());
    expect_problem(limited, 429, "login");
    const std::string retry = limited.header("Retry-After").value_or("");
    ASSERT_FALSE(retry.empty());
    EXPECT_GT(std::stoi(retry), 0);
    // Another login is not held up by lee's.
    EXPECT_TRUE(sign_in("dana").has_value());
}

TEST_F(Board, ChangesNeedTheCsrfTokenAndTheBoardsOwnOrigin) {
    const auto dana = sign_in("dana");
    ASSERT_TRUE(dana);
    const auto id = new_handoff("dana", "Acme Dental");
    Headers no_token = {{"Cookie", dana->cookie}, {"Content-Type", "application/json"}};
    expect_problem(call("POST", "/v1/handoffs/" + std::to_string(id) + "/accept", no_token, "{}"),
                   403, "X-CSRF-Token");
    Headers wrong = no_token;
    wrong.emplace_back("X-CSRF-Token", std::string(64, '0'));
    expect_problem(call("POST", "/v1/handoffs/" + std::to_string(id) + "/accept", wrong, "{}"),
                   403, "X-CSRF-Token");
    Headers elsewhere = dana->writing();
    elsewhere.emplace_back("Origin", "https://evil.example");
    expect_problem(call("POST", "/v1/handoffs/" + std::to_string(id) + "/accept", elsewhere, "{}"),
                   403, "Origin");
    // As a browser sends them: Host with the port, and the page's origin.
    const std::string here = "127.0.0.1:" + std::to_string(serving_->port);
    Headers same = dana->writing();
    same.emplace_back("Host", here);
    same.emplace_back("Origin", "http://" + here);
    const auto ok = call("POST", "/v1/handoffs/" + std::to_string(id) + "/accept", same, "{}");
    ASSERT_EQ(ok.status, 200) << describe(ok);
    EXPECT_EQ(body_json(ok).value("state", ""), "accepted");
    // A bearer token carries no ambient authority: no CSRF token needed.
    auto token = bearer("ari");
    token.emplace_back("Content-Type", "application/json");
    EXPECT_EQ(call("POST", "/v1/handoffs/" + std::to_string(id) + "/comment", token,
                   json{{"text", "fine"}}.dump())
                  .status,
              200);
}

TEST_F(Board, SignOutEndsTheSessionAndANewPasswordEndsAllOfThem) {
    auto first = sign_in("dana");
    auto second = sign_in("dana");
    ASSERT_TRUE(first && second);
    const auto out = call("DELETE", "/v1/session", first->writing());
    ASSERT_EQ(out.status, 204) << describe(out);
    EXPECT_TRUE(contains(out.header("Set-Cookie").value_or(""), "Max-Age=0"));
    expect_problem(call("GET", "/v1/session", first->reading()), 401);
    EXPECT_EQ(call("GET", "/v1/session", second->reading()).status, 200);

    // dana sets a new password herself (giving the current one): her other session ends too.
    const auto changed = call("POST", "/v1/people/dana/password", second->writing(),
                              json{{"password", "a brand new passphrase"},
                                   {"current_password", password}}
                                  .dump());
    ASSERT_EQ(changed.status, 200) << describe(changed);
    expect_problem(call("GET", "/v1/session", second->reading()), 401);
    EXPECT_TRUE(sign_in("dana", "a brand new passphrase").has_value());
    // A member may not set someone else's; an admin may; a short one is refused.
    const auto dana = sign_in("dana", "a brand new passphrase");
    expect_problem(call("POST", "/v1/people/lee/password", dana->writing(),
                        json{{"password", "lee's new password"}}.dump()),
                   403, "handle");
    auto admin = bearer("ari");
    admin.emplace_back("Content-Type", "application/json");
    EXPECT_EQ(call("POST", "/v1/people/lee/password", admin,
                   json{{"password", "lee's new password"}}.dump())
                  .status,
              200);
    expect_problem(call("POST", "/v1/people/lee/password", admin, json{{"password", "short"}}.dump()),
                   400, "password");
    expect_problem(call("POST", "/v1/people/nobody/password", admin,
                        json{{"password", "long enough here"}}.dump()),
                   404, "handle");
}

// --- live updates ---------------------------------------------------------------------------

TEST_F(Board, AnEventReachesAnOpenStreamAndAReaderResumesAfterItsLastEvent) {
    const auto list = call("GET", "/v1/handoffs", bearer("val"));
    ASSERT_EQ(list.status, 200);
    const std::int64_t seq = body_json(list).at("change_seq").get<std::int64_t>();

    auto conn = HttpConnection::connect(serving_->port);
    ASSERT_TRUE(conn);
    HttpRequest open;
    open.target = "/v1/stream?after=" + std::to_string(seq);
    open.headers = bearer("val");
    ASSERT_TRUE(conn->send(format_request(open)));
    const auto head = conn->read_head();
    ASSERT_TRUE(head) << conn->last_error();
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("Content-Type").value_or(""), "text/event-stream; charset=utf-8");
    EXPECT_FALSE(head->header("Content-Length").has_value());

    const auto id = new_handoff("dana", "Live Co");
    const std::string got = conn->read_until("Live Co", 10s);
    ASSERT_TRUE(contains(got, "event: handoff\n")) << got;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(got, m, std::regex("id: ([0-9]+)\nevent: handoff\ndata: (.*)\n")))
        << got;
    const json card = json::parse(m[2].str(), nullptr, false);
    ASSERT_TRUE(card.is_object()) << m[2];
    EXPECT_EQ(card.value("id", 0), id);
    EXPECT_EQ(card.value("state", ""), "waiting");
    const std::string last_id = m[1];

    // Two changes while nobody listens; a reader that comes back with Last-Event-ID gets both.
    conn->close();
    auto dana = bearer("dana");
    dana.emplace_back("Content-Type", "application/json");
    ASSERT_EQ(call("POST", "/v1/handoffs/" + std::to_string(id) + "/accept", dana, "{}").status, 200);
    const auto other = new_handoff("dana", "Second Co");
    auto again = HttpConnection::connect(serving_->port);
    ASSERT_TRUE(again);
    HttpRequest resume;
    resume.target = "/v1/stream?after=0";  // Last-Event-ID wins over the page's first number
    resume.headers = bearer("val");
    resume.headers.emplace_back("Last-Event-ID", last_id);
    ASSERT_TRUE(again->send(format_request(resume)));
    ASSERT_TRUE(again->read_head());
    const std::string missed = again->read_until("Second Co", 10s);
    EXPECT_TRUE(contains(missed, "\"state\":\"accepted\"")) << missed;
    EXPECT_TRUE(contains(missed, "\"id\":" + std::to_string(other))) << missed;
    EXPECT_FALSE(contains(missed, "Live Co\",\"state\":\"waiting\"")) << "only the latest state";
}

TEST_F(Board, StreamRefusesABadResumePointAndNeedsAReader) {
    expect_problem(call("GET", "/v1/stream?after=abc", bearer("val")), 400, "after");
    auto h = bearer("val");
    h.emplace_back("Last-Event-ID", "12x");
    expect_problem(call("GET", "/v1/stream", h), 400, "Last-Event-ID");
    expect_problem(call("GET", "/v1/stream"), 401);
}

TEST_F(Board, StoppingTheServerEndsOpenStreams) {
    auto conn = HttpConnection::connect(serving_->port);
    ASSERT_TRUE(conn);
    HttpRequest open;
    open.target = "/v1/stream";
    open.headers = bearer("val");
    ASSERT_TRUE(conn->send(format_request(open)));
    ASSERT_TRUE(conn->read_head());
    stop_serve(*serving_);  // exits 0 although a stream was open
    serving_.reset();
    EXPECT_TRUE(conn->wait_closed(10s));
}

// --- the board's reads --------------------------------------------------------------------

TEST_F(Board, ListFiltersByTeamMineAndSearchAndSaysItsChangeNumber) {
    const auto a = new_handoff("dana", "Acme Dental");
    const auto b = new_handoff("lee", "Globex");
    const auto c = new_handoff("ada", "acme labs");
    auto ids = [&](const std::string& query, const std::string& who) {
        const auto r = call("GET", "/v1/handoffs" + query, bearer(who));
        EXPECT_EQ(r.status, 200) << describe(r);
        const json page = body_json(r);
        std::vector<std::int64_t> out;
        for (const auto& item : page["items"]) out.push_back(item["id"].get<std::int64_t>());
        return out;
    };
    EXPECT_EQ(ids("?team=ops", "val"), (std::vector<std::int64_t>{a, b}));
    EXPECT_EQ(ids("?q=ACME", "val"), (std::vector<std::int64_t>{a, c}));
    EXPECT_EQ(ids("?mine=true", "dana"), (std::vector<std::int64_t>{a}));
    EXPECT_EQ(ids("?q=acme&team=office", "val"), (std::vector<std::int64_t>{c}));
    expect_problem(call("GET", "/v1/handoffs?team=nobody", bearer("val")), 404, "team");
    expect_problem(call("GET", "/v1/handoffs?closed_since=yesterday", bearer("val")), 400,
                   "closed_since");
    const auto first = body_json(call("GET", "/v1/handoffs", bearer("val")));
    new_handoff("dana", "Later");
    const auto second = body_json(call("GET", "/v1/handoffs", bearer("val")));
    EXPECT_GT(second["change_seq"].get<std::int64_t>(), first["change_seq"].get<std::int64_t>());
}

// view=card: the same handoffs with only what a card shows, in pages of up to 5,000.
TEST_F(Board, TheCardViewListsTheSameHandoffsWithoutWhatACardNeverShows) {
    const auto a = new_handoff("dana", "Acme Dental");
    const auto b = new_handoff("lee", "Globex");
    const json full = body_json(call("GET", "/v1/handoffs", bearer("val")));
    const auto r = call("GET", "/v1/handoffs?view=card&limit=5000", bearer("val"));
    ASSERT_EQ(r.status, 200) << describe(r);
    const json cards = body_json(r);
    ASSERT_EQ(cards["items"].size(), 2u);
    ASSERT_EQ(full["items"].size(), 2u);
    EXPECT_EQ(cards["items"][0]["id"], a);
    EXPECT_EQ(cards["items"][1]["id"], b);
    EXPECT_TRUE(cards["next_cursor"].is_null());
    EXPECT_TRUE(cards.contains("change_seq"));
    for (std::size_t i = 0; i < 2; ++i) {
        json want = full["items"][i];
        ASSERT_EQ(want["data"]["company"], i == 0 ? "Acme Dental" : "Globex");
        for (const char* key : {"data", "done_definition", "event", "playbook_version"}) {
            want.erase(key);
        }
        ASSERT_FALSE(want["checklist"].empty());
        for (auto& item : want["checklist"]) {
            for (const char* key : {"checked_at", "checked_by", "text"}) item.erase(key);
        }
        EXPECT_EQ(cards["items"][i], want);
    }
    // `view=full` is the default; a page over 1,000 needs the card view.
    EXPECT_EQ(body_json(call("GET", "/v1/handoffs?view=full", bearer("val")))["items"],
              full["items"]);
    expect_problem(call("GET", "/v1/handoffs?limit=1001", bearer("val")), 400, "limit");
    expect_problem(call("GET", "/v1/handoffs?view=card&limit=5001", bearer("val")), 400,
                   "limit");
    expect_problem(call("GET", "/v1/handoffs?view=slim", bearer("val")), 400, "view");
}

// A large answer goes gzipped to a client that takes it, and inflates to the same bytes.
TEST_F(Board, LargeAnswersAreGzippedForClientsThatTakeIt) {
    const auto plain = call("GET", "/v1/openapi.json", bearer("val"));
    ASSERT_EQ(plain.status, 200) << describe(plain);
    ASSERT_GE(plain.body.size(), baton::http::compress_bytes_min);
    EXPECT_FALSE(plain.header("Content-Encoding").has_value());
    auto headers = bearer("val");
    headers.emplace_back("Accept-Encoding", "gzip, deflate, br");
    const auto packed = call("GET", "/v1/openapi.json", headers);
    ASSERT_EQ(packed.status, 200) << describe(packed);
    EXPECT_EQ(packed.header("Content-Encoding"), "gzip");
    EXPECT_EQ(packed.header("Vary"), "Accept-Encoding");
    EXPECT_LT(packed.body.size(), plain.body.size() / 4);
    EXPECT_EQ(baton::testing::inflate_gzip(packed.body), plain.body);
    // A small answer is sent as it is.
    const auto small = call("GET", "/v1/handoffs", headers);
    EXPECT_FALSE(small.header("Content-Encoding").has_value());
}

// order=desc: newest first, and the cursor pages on downwards.
TEST_F(Board, ListPagesNewestFirst) {
    std::vector<std::int64_t> made;
    for (const char* company : {"Acme", "Globex", "Initech"}) {
        made.push_back(new_handoff("dana", company));
    }
    std::vector<std::int64_t> seen;
    std::string cursor;
    for (int pages = 0; pages < 5; ++pages) {
        const auto r = call("GET", "/v1/handoffs?order=desc&view=card&limit=2" +
                                       (cursor.empty() ? "" : "&cursor=" + cursor),
                            bearer("val"));
        ASSERT_EQ(r.status, 200) << describe(r);
        const json page = body_json(r);
        for (const auto& item : page["items"]) seen.push_back(item["id"].get<std::int64_t>());
        if (page["next_cursor"].is_null()) break;
        cursor = page["next_cursor"].get<std::string>();
    }
    EXPECT_EQ(seen, (std::vector<std::int64_t>{made[2], made[1], made[0]}));
    expect_problem(call("GET", "/v1/handoffs?order=newest", bearer("val")), 400, "order");
}

TEST_F(Board, ACardSaysWhatTheCallerMayDoAndHowItsMessagesStand) {
    const auto id = new_handoff("dana", "Acme Dental");
    const std::string path = "/v1/handoffs/" + std::to_string(id);
    const json as_owner = body_json(call("GET", path, bearer("dana")));
    EXPECT_EQ(as_owner["allowed_actions"],
              json::parse(R"(["accept","decline","reassign","comment"])"));
    const json as_viewer = body_json(call("GET", path, bearer("val")));
    EXPECT_EQ(as_viewer["allowed_actions"], json::array());
    ASSERT_TRUE(as_owner["deliveries"].is_array());
    ASSERT_TRUE(as_owner.contains("timeline"));
    // An action answers the same shape.
    auto dana = bearer("dana");
    dana.emplace_back("Content-Type", "application/json");
    const json accepted = body_json(call("POST", path + "/accept", dana, "{}"));
    EXPECT_EQ(accepted["allowed_actions"],
              json::parse(R"(["decline","done","reassign","check","comment"])"));
}

// Without a channels.yaml nothing is sent: each waiting message says its channel is not
// connected (it looked like a hang: "pending, 0 attempts"); once one is applied, none does.
TEST_F(Board, MessagesWaitingForAChannelSayItIsNotConnected) {
    const auto id = new_handoff("dana", "Acme Dental");
    const std::string path = "/v1/handoffs/" + std::to_string(id);
    const json before = body_json(call("GET", path, bearer("dana")));
    ASSERT_TRUE(before["deliveries"].is_array());
    ASSERT_FALSE(before["deliveries"].empty()) << before.dump();  // kickoff-prep: Slack, email
    std::set<std::string> channels;
    for (const auto& d : before["deliveries"]) {
        EXPECT_EQ(d["status"], "pending") << d.dump();
        ASSERT_TRUE(d["waiting_for"].is_string()) << d.dump();
        const std::string why = d["waiting_for"].get<std::string>();
        EXPECT_TRUE(contains(why, "is not connected: no channels.yaml is applied")) << why;
        channels.insert(d["channel"].get<std::string>());
        if (d["channel"] == "slack") EXPECT_TRUE(contains(why, "Slack is not connected")) << why;
        if (d["channel"] == "email" || d["channel"] == "notice") {
            EXPECT_TRUE(contains(why, "Email is not connected")) << why;
        }
    }
    EXPECT_EQ(channels, (std::set<std::string>{"email", "slack"}));

    auto yaml = bearer("ari");
    yaml.emplace_back("Content-Type", "application/yaml");
    ASSERT_EQ(
        call("PUT", "/v1/channels", yaml, "public_url: \"https://baton.example.com\"\n").status,
        200);
    const json after = body_json(call("GET", path, bearer("dana")));
    ASSERT_EQ(after["deliveries"].size(), before["deliveries"].size());
    for (const auto& d : after["deliveries"]) EXPECT_TRUE(d["waiting_for"].is_null()) << d.dump();
}

// A checkpoint whose channel channels.yaml does not have lints clean (a channel may come
// later) and is a warning at the target, with the nearest name.
TEST_F(Board, LintWarnsOfACheckpointChannelNotInChannelsYaml) {
    auto yaml = bearer("ari");
    yaml.emplace_back("Content-Type", "application/yaml");
    ASSERT_EQ(call("PUT", "/v1/channels", yaml,
                   "slack:\n  \"#ops\": { webhook: \"https://hooks.slack.com/services/T/B/X\" }\n"
                   "webhooks:\n  crm: { url: \"https://crm.example.com/baton\", secret: "
                   "\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\" }\n")
                  .status,
              200);
    auto h = bearer("dana");
    h.emplace_back("Content-Type", "application/json");
    const std::string text =
        "id: demo\nwhen: deal.won\nfrom: sales\nowner: dana\ndone: D.\ncheckpoint:\n"
        "  - slack: \"#opps\"\n  - slack: \"#ops\"\n  - webhook: crn\n  - email: owner\n";
    const json j = body_json(call("POST", "/v1/lint", h, json{{"text", text}}.dump()));
    EXPECT_TRUE(j.value("ok", false)) << j.dump();
    std::vector<std::string> messages;
    for (const auto& w : j["warnings"]) {
        if (contains(w["message"].get<std::string>(), "checkpoint:")) {
            messages.push_back(std::to_string(w["line"].get<int>()) + ":" +
                               std::to_string(w["col"].get<int>()) + ": " +
                               w["message"].get<std::string>());
        }
    }
    EXPECT_EQ(messages,
              (std::vector<std::string>{
                  "7:12: checkpoint: no Slack channel `#opps` in channels.yaml; did you mean "
                  "`#ops`?",
                  "9:14: checkpoint: no webhook `crn` in channels.yaml; did you mean `crm`?"}))
        << j.dump();
}

TEST_F(Board, LintGivesTheClisMessagesAndThePlaybookAsTheThreeMoves) {
    auto h = bearer("dana");
    h.emplace_back("Content-Type", "application/json");
    const std::string good =
        "id: demo\ntitle: Demo\nwhen: deal.won\nfrom: sales\nowner: dana\n"
        "done: The client is onboarded.\naccept_within: 4h\ncheckpoint:\n  - email: owner\n";
    const auto ok = call("POST", "/v1/lint", h, json{{"text", good}}.dump());
    ASSERT_EQ(ok.status, 200) << describe(ok);
    const json j = body_json(ok);
    ASSERT_TRUE(j.value("ok", false)) << j.dump();
    EXPECT_EQ(j["playbook"]["trigger"]["on"], "deal.won");
    EXPECT_EQ(j["playbook"]["owner"], "dana");
    EXPECT_EQ(j["playbook"]["accept_within"], "4h");
    EXPECT_EQ(j["playbook"]["checkpoint"][0]["kind"], "email");
    EXPECT_EQ(j["playbook"]["trigger"]["has_condition"], false);
    EXPECT_TRUE(j["playbook"]["trigger"]["condition"].is_null());
    // When a handoff started now would be due, in the owner's hours (nothing is stored).
    EXPECT_EQ(j["preview"]["owner"], "dana") << j.dump();
    EXPECT_TRUE(j["preview"]["accept_by"].is_string()) << j.dump();
    EXPECT_TRUE(j["preview"]["done_by"].is_null()) << j.dump();
    EXPECT_EQ(j["preview"]["working_hours"], true);
    EXPECT_GT(j["preview"]["accept_by"].get<std::string>(),
              j["preview"]["from"].get<std::string>());
    // A type no stored event has is a warning (it lints clean, and nothing will start it).
    std::string unseen = good;
    unseen.replace(unseen.find("deal.won"), 8, "never.seen.type");
    const json w = body_json(call("POST", "/v1/lint", h, json{{"text", unseen}}.dump()));
    EXPECT_TRUE(w.value("ok", false)) << w.dump();
    ASSERT_EQ(w["warnings"].size(), 1u) << w.dump();
    EXPECT_EQ(w["warnings"][0]["line"], 3);
    EXPECT_EQ(w["warnings"][0]["col"], 7);
    EXPECT_EQ(w["warnings"][0]["message"],
              "when: no stored event has the type `never.seen.type` yet; nothing starts this "
              "playbook until one arrives");
    // The condition as written, for the board's builder to show.
    const std::string conditional = good + "if: data.amount >= 1000\n";
    const json c = body_json(call("POST", "/v1/lint", h, json{{"text", conditional}}.dump()));
    EXPECT_EQ(c["playbook"]["trigger"]["has_condition"], true) << c.dump();
    EXPECT_EQ(c["playbook"]["trigger"]["condition"], "data.amount >= 1000") << c.dump();

    const std::string bad =
        "id: demo\ntitle: Demo\nwhen: deal.won\nfrom: sales\nowner: nobody\ndone: x\n";
    const json refused = body_json(call("POST", "/v1/lint", h, json{{"text", bad}}.dump()));
    EXPECT_FALSE(refused.value("ok", true));
    ASSERT_FALSE(refused["errors"].empty()) << refused.dump();
    const json e = refused["errors"][0];
    EXPECT_EQ(e.value("line", 0), 5) << e.dump();
    EXPECT_TRUE(contains(e.value("message", ""), "nobody")) << e.dump();
    EXPECT_EQ(e.value("text", ""), e.value("file", "") + ":5:" + std::to_string(e.value("col", 0)) +
                                       ": " + e.value("message", ""));
    // The same file through the CLI says the same.
    const std::string file = dir_.path() + "/demo.yaml";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs(bad.c_str(), f);
        std::fclose(f);
    }
    RunOptions lint;
    lint.args = {"--workspace", ws_, "lint", file, ws_ + "/people.yaml"};
    const auto cli = run_baton(lint);
    EXPECT_NE(cli.exit_code, 0);
    EXPECT_TRUE(contains(cli.out + cli.err, e.value("message", ""))) << cli.out << cli.err;
    expect_problem(call("POST", "/v1/lint", h, json{{"text", 3}}.dump()), 400, "text");
}

TEST_F(Board, ReportsComeDayByDayAndAsCsv) {
    new_handoff("dana", "=HYPERLINK(\"evil\")");
    const auto series = call("GET", "/v1/reports/series?since=7d", bearer("val"));
    ASSERT_EQ(series.status, 200) << describe(series);
    const json days = body_json(series)["days"];
    ASSERT_GE(days.size(), 7u);
    EXPECT_EQ(days.back().value("created", 0), 1) << days.dump();
    const auto csv = call("GET", "/v1/reports/series?since=7d&format=csv", bearer("val"));
    EXPECT_EQ(csv.header("Content-Type").value_or(""), "text/csv; charset=utf-8");
    EXPECT_EQ(csv.body.rfind("day,created,done,declined,overdue\r\n", 0), 0u) << csv.body;
    const auto report = call("GET", "/v1/reports?by=owner&format=csv", bearer("val"));
    ASSERT_EQ(report.status, 200) << describe(report);
    EXPECT_TRUE(contains(report.body, "\r\ndana,1,1,")) << report.body;
    EXPECT_TRUE(contains(report.header("Content-Disposition").value_or(""), "attachment"));
    expect_problem(call("GET", "/v1/reports/series?since=400d", bearer("val")), 400, "since");
    expect_problem(call("GET", "/v1/reports?format=xml", bearer("val")), 400, "format");
}

TEST_F(Board, PeopleComeAsValuesForFiltersAndThePeoplePage) {
    const json people = body_json(call("GET", "/v1/people", bearer("val")));
    ASSERT_TRUE(people["people"].is_array());
    bool found = false;
    for (const auto& p : people["people"]) {
        if (p["handle"] == "lee") {
            found = true;
            EXPECT_EQ(p["time_zone"], "Europe/Berlin");
            EXPECT_EQ(p["teams"], json::parse(R"(["ops"])"));
        }
    }
    EXPECT_TRUE(found) << people.dump();
    bool ops = false;
    for (const auto& t : people["teams"]) {
        if (t["handle"] == "ops") {
            ops = true;
            EXPECT_EQ(t["members"], json::parse(R"(["dana","lee"])"));
        }
    }
    EXPECT_TRUE(ops);
}

TEST_F(Board, TheSessionCookiesSameSiteIsWhatTheDocsSay) {
    const auto r = call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                        json{{"login", "dana"}, {"password", password}}.dump());
    ASSERT_EQ(r.status, 200) << describe(r);
    const std::string set = r.header("Set-Cookie").value_or("");
    std::smatch sent;
    ASSERT_TRUE(std::regex_search(set, sent, std::regex("; SameSite=(\\w+)"))) << set;
    // Every page that names the cookie's SameSite names the one the server sends.
    for (const char* doc : {"docs/board.md", "docs/security.md", "docs/api.md"}) {
        std::ifstream in(std::string(BATON_SOURCE_DIR) + "/" + doc);
        ASSERT_TRUE(in) << doc;
        const std::string text{std::istreambuf_iterator<char>(in), {}};
        const std::regex said("SameSite=(\\w+)");
        int named = 0;
        for (auto it = std::sregex_iterator(text.begin(), text.end(), said);
             it != std::sregex_iterator(); ++it, ++named) {
            EXPECT_EQ((*it)[1].str(), sent[1].str()) << doc << ": " << (*it)[0].str();
        }
        EXPECT_GT(named, 0) << doc << " does not say which SameSite the cookie has";
    }
}

// --- the board's files ----------------------------------------------------------------------

TEST_F(Board, EveryBoardPathIsThePageUnderAStrictPolicy) {
    const auto root = call("GET", "/");
    ASSERT_EQ(root.status, 200) << describe(root);
    EXPECT_EQ(root.header("Content-Type").value_or(""), "text/html; charset=utf-8");
    const std::string csp = root.header("Content-Security-Policy").value_or("");
    EXPECT_TRUE(contains(csp, "script-src 'self'")) << csp;
    EXPECT_TRUE(contains(csp, "frame-ancestors 'none'")) << csp;
    EXPECT_FALSE(contains(csp, "unsafe-inline")) << csp;
    EXPECT_EQ(root.header("X-Content-Type-Options").value_or(""), "nosniff");
    for (const char* path :
         {"/handoffs/42", "/relays/Acme%20Dental", "/playbooks", "/playbooks/new", "/reports",
          "/people", "/sources", "/setup", "/signin"}) {
        const auto page = call("GET", path);
        EXPECT_EQ(page.status, 200) << path;
        EXPECT_EQ(page.body, root.body) << path;
    }
    expect_problem(call("GET", "/handoffsx"), 404);
    expect_problem(call("POST", "/"), 404);
    // The page is not a login wall: the API behind it is.
    expect_problem(call("GET", "/v1/handoffs"), 401);
}

TEST_F(Board, AnUnknownPathIsTheBoardsNotFoundPageForABrowserAndProblemJsonForTheApi) {
    const auto root = call("GET", "/");
    const char* html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for (const char* path : {"/nope", "/handoffsx", "/nope/deeper"}) {
        const auto page = call("GET", path, {{"Accept", html}});
        EXPECT_EQ(page.status, 404) << path;
        EXPECT_EQ(page.header("Content-Type").value_or(""), "text/html; charset=utf-8") << path;
        EXPECT_EQ(page.body, root.body) << path;
        EXPECT_TRUE(
            contains(page.header("Content-Security-Policy").value_or(""), "script-src 'self'"))
            << path;
        EXPECT_FALSE(page.header("ETag").has_value()) << path;
    }
    // API clients, and every path of the API, keep problem+json.
    expect_problem(call("GET", "/nope", {{"Accept", "application/json"}}), 404);
    expect_problem(call("GET", "/nope"), 404);
    for (const char* path :
         {"/v1/nope", "/hooks/nope/x", "/l", "/slack/nope", "/assets/nothing-here.js"}) {
        SCOPED_TRACE(path);
        expect_problem(call("GET", path, {{"Accept", html}}), 404);
    }
    // Only GET and HEAD: a POST there is still the API's.
    expect_problem(call("POST", "/nope", {{"Accept", html}}), 404);
}

TEST_F(Board, AssetsAreHashedCachedAndRevalidated) {
    const auto root = call("GET", "/");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(root.body, m, std::regex("src=\"(/assets/[^\"]+\\.js)\"")))
        << root.body;
    const std::string script = m[1];
    const auto js = call("GET", script, {{"Accept-Encoding", "gzip, br"}});
    ASSERT_EQ(js.status, 200) << describe(js);
    EXPECT_EQ(js.header("Content-Encoding").value_or(""), "gzip");
    EXPECT_TRUE(contains(js.header("Cache-Control").value_or(""), "immutable"));
    const auto plain = call("GET", script);
    EXPECT_FALSE(plain.header("Content-Encoding").has_value());
    EXPECT_GT(plain.body.size(), js.body.size());
    const std::string etag = root.header("ETag").value_or("");
    ASSERT_FALSE(etag.empty());
    const auto again = call("GET", "/", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    expect_problem(call("GET", "/assets/nothing-here.js"), 404);
    // A climbing path is refused before routing (docs/security.md, Paths).
    expect_problem(call("GET", "/assets/..%2f..%2fetc%2fpasswd"), 400, "path");
}

}  // namespace
}  // namespace baton::test
