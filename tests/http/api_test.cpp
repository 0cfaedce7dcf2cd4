// Integration tests of Baton's HTTP API: the real `baton serve` on loopback, on a port the
// OS picks, in a fresh workspace per test, driven over raw sockets (tests/http/http_client.h)
// so that malformed, oversized, slow and concurrent traffic can be sent as well as good
// requests. Each test checks the contract of DESIGN.md (Interfaces: HTTP) and the limits of
// src/http/server.h; the server must always stop with exit code 0 on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/limits.h"
#include "crypto/crypto.h"
#include "crypto/signatures.h"
#include "e2e/run_process.h"
#include "http/http_client.h"
#include "http/problem_checks.h"
#include "http/workspace_setup.h"

namespace baton::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;


// A `baton serve` child: its pid, the port it printed and its captured output.
struct ServerProcess {
    std::optional<Child> child;
    unsigned short port = 0;
    bool stopped = false;
};

// A playbook that is overdue to accept one second after it starts, at any time of day.
const char* rush_playbook = R"(id: rush
title: Rush job
when: rush.started
subject: "{{data.company}}"
from: sales
owner: "{{data.owner}}"
calendar: 24x7
done: The rush job is out of the door.
checklist:
  - Do it
accept_within: 1s
done_within: 1h
)";

class HttpApi : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(
            init_workspace_with_tokens(ws_, {"ari", "dana", "lee", "val"}, tokens_));
        main_ = start_server({"--quiet"});
        ASSERT_NE(main_, nullptr);
        port_ = main_->port;
    }

    void TearDown() override {
        for (auto& s : servers_) {
            if (!s->stopped) stop_server(*s);
        }
    }

    // Starts `baton --workspace WS serve --listen 127.0.0.1:0 ARGS...` and reads the port
    // from its first line. Several may run on one workspace.
    ServerProcess* start_server(std::vector<std::string> args,
                                std::map<std::string, std::string> env = {}) {
        RunOptions o;
        o.args = {"--workspace", ws_, "serve", "--listen", "127.0.0.1:0"};
        o.args.insert(o.args.end(), args.begin(), args.end());
        o.env = std::move(env);
        auto child = Child::start(baton_binary(), o);
        if (!child) {
            ADD_FAILURE() << "could not start baton serve";
            return nullptr;
        }
        auto server = std::make_unique<ServerProcess>();
        server->child.emplace(std::move(*child));
        const auto deadline = Clock::now() + 15s;
        std::string first;
        while (first.empty() && Clock::now() < deadline) {
            if (!server->child->pump(100ms)) break;
            auto lines = server->child->take_lines();
            if (!lines.empty()) first = lines.front();
        }
        static const std::regex listening(
            R"(^Baton is listening on http://127\.0\.0\.1:([0-9]+) \(.+\)$)");
        std::smatch m;
        if (!std::regex_match(first, m, listening)) {
            ADD_FAILURE() << "unexpected first line: `" << first
                          << "`; stderr: " << server->child->err();
            return nullptr;
        }
        server->port = static_cast<unsigned short>(std::stoi(m[1]));
        EXPECT_GT(server->port, 0);
        servers_.push_back(std::move(server));
        return servers_.back().get();
    }

    // SIGTERM by pid; the server must answer what is in flight and exit 0.
    void stop_server(ServerProcess& s) {
        s.stopped = true;
        s.child->kill(SIGTERM);
        const auto status = s.child->finish(20s);
        ASSERT_TRUE(status.has_value()) << "baton serve did not stop within 20 s of SIGTERM";
        EXPECT_TRUE(WIFEXITED(*status)) << "baton serve ended by signal " << WTERMSIG(*status);
        if (WIFEXITED(*status)) {
            EXPECT_EQ(WEXITSTATUS(*status), 0) << "stderr: " << s.child->err();
        }
    }

    Headers auth(const std::string& who) const {
        if (who.empty()) return {};
        return {{"Authorization", "Bearer " + tokens_.at(who)}};
    }

    HttpResponse send(const HttpRequest& request, unsigned short port = 0) {
        std::string error;
        auto r = http_exchange(port ? port : port_, request, &error);
        if (!r) {
            ADD_FAILURE() << request.method << " " << request.target << ": no response (" << error
                          << ")";
            return {};
        }
        return *r;
    }

    HttpResponse call(const std::string& method, const std::string& target, const std::string& who,
                      const std::string& body = "", Headers headers = {}, unsigned short port = 0) {
        HttpRequest r;
        r.method = method;
        r.target = target;
        r.headers = auth(who);
        bool has_type = false;
        for (const auto& h : headers) has_type = has_type || h.first == "Content-Type";
        if (!body.empty() && !has_type) r.headers.emplace_back("Content-Type", "application/json");
        r.headers.insert(r.headers.end(), headers.begin(), headers.end());
        r.body = body;
        return send(r, port);
    }

    HttpResponse get(const std::string& target, const std::string& who = "ari") {
        return call("GET", target, who);
    }
    HttpResponse post(const std::string& target, const json& body, const std::string& who = "ari",
                      Headers headers = {}) {
        return call("POST", target, who, body.dump(), std::move(headers));
    }

    // Posts a booking: the kickoff-prep playbook makes a handoff owned by `host`, given by
    // the office team. Answers the new handoff's id.
    std::int64_t new_handoff(const std::string& host, const std::string& company) {
        const json event = {{"type", "booking.created"},
                            {"id", "booking-" + std::to_string(++event_counter_)},
                            {"source", "calendar"},
                            {"subject", company},
                            {"data", {{"company", company}, {"host", host}}}};
        const auto r = post("/v1/events", event, "ari");
        EXPECT_EQ(r.status, 202) << describe(r);
        const json j = body_json(r);
        if (!j.is_object() || !j.contains("handoffs") || j["handoffs"].size() != 1) {
            ADD_FAILURE() << "expected one handoff: " << describe(r);
            return -1;
        }
        return j["handoffs"][0].get<std::int64_t>();
    }

    json show(std::int64_t id) {
        const auto r = get("/v1/handoffs/" + std::to_string(id));
        EXPECT_EQ(r.status, 200) << describe(r);
        return body_json(r);
    }

    std::string action(std::int64_t id, const std::string& what) {
        return "/v1/handoffs/" + std::to_string(id) + "/" + what;
    }

    // Every stored event of one type, through GET /v1/events and its cursor.
    std::vector<std::string> stored_event_ids(const std::string& type, unsigned short port) {
        std::vector<std::string> ids;
        std::string cursor;
        for (int page = 0; page < 100; ++page) {
            const auto r = call("GET",
                                "/v1/events?type=" + url_encode(type) + "&limit=1000" +
                                    (cursor.empty() ? "" : "&cursor=" + cursor),
                                "ari", "", {}, port);
            EXPECT_EQ(r.status, 200) << describe(r);
            const json j = body_json(r);
            if (!j.is_object()) break;
            for (const auto& e : j["items"]) ids.push_back(e.at("id").get<std::string>());
            if (j["next_cursor"].is_null()) break;
            cursor = j["next_cursor"].get<std::string>();
        }
        return ids;
    }

    TempDir tmp_;
    const std::string ws_ = tmp_ / "ws";
    std::map<std::string, std::string> tokens_;
    std::vector<std::unique_ptr<ServerProcess>> servers_;
    ServerProcess* main_ = nullptr;
    unsigned short port_ = 0;
    int event_counter_ = 0;
};

// --- POST /v1/events ------------------------------------------------------------------

TEST_F(HttpApi, PlainJsonEventIsAcceptedWithItsHandoffAndADuplicateAnswersTheSame) {
    const json event = {{"type", "booking.created"},
                        {"id", "booking-plain"},
                        {"source", "calendar"},
                        {"subject", "Acme Dental"},
                        {"data", {{"company", "Acme Dental"}, {"host", "dana"}}}};
    const auto first = post("/v1/events", event, "dana");
    ASSERT_EQ(first.status, 202) << describe(first);
    EXPECT_EQ(first.header("Content-Type").value_or(""), "application/json");
    EXPECT_FALSE(first.header("X-Request-Id").value_or("").empty()) << describe(first);
    const json a = body_json(first);
    EXPECT_EQ(a.value("duplicate", true), false) << a;
    EXPECT_EQ(a.value("id", ""), "booking-plain");
    EXPECT_EQ(a.value("source", ""), "calendar");
    EXPECT_EQ(a.value("type", ""), "booking.created");
    ASSERT_EQ(a["handoffs"].size(), 1u) << a;
    const std::int64_t id = a["handoffs"][0];

    const json h = show(id);
    EXPECT_EQ(h.value("playbook", ""), "kickoff-prep");
    EXPECT_EQ(h.value("owner", ""), "dana");
    EXPECT_EQ(h.value("state", ""), "waiting");
    EXPECT_EQ(h.value("subject", ""), "Acme Dental");

    const auto again = post("/v1/events", event, "dana");
    ASSERT_EQ(again.status, 202) << describe(again);
    const json b = body_json(again);
    EXPECT_EQ(b.value("duplicate", false), true) << b;
    EXPECT_EQ(b["handoffs"], a["handoffs"]) << b;
    // The duplicate made nothing new.
    const json list = body_json(get("/v1/handoffs?subject=Acme%20Dental"));
    EXPECT_EQ(list["items"].size(), 1u) << list;
}

TEST_F(HttpApi, PlainJsonWithoutIdOrSourceGetsGeneratedOnes) {
    const json event = {{"type", "nothing.matches"}, {"data", {{"x", 1}}}};
    const auto r1 = post("/v1/events", event, "dana");
    const auto r2 = post("/v1/events", event, "dana");
    ASSERT_EQ(r1.status, 202) << describe(r1);
    ASSERT_EQ(r2.status, 202) << describe(r2);
    const json a = body_json(r1), b = body_json(r2);
    EXPECT_EQ(a.value("source", ""), "api");
    EXPECT_FALSE(a.value("id", "").empty());
    EXPECT_NE(a.value("id", ""), b.value("id", "")) << "each event without an id is new";
    EXPECT_EQ(b.value("duplicate", true), false);
    EXPECT_TRUE(a["handoffs"].is_array() && a["handoffs"].empty()) << a;
}

TEST_F(HttpApi, CloudEventStructuredModeIsAccepted) {
    const json event = {{"specversion", "1.0"},
                        {"type", "booking.created"},
                        {"id", "ce-structured-1"},
                        {"source", "calendar"},
                        {"subject", "Northwind"},
                        {"time", "2026-11-20T10:00:00Z"},
                        {"datacontenttype", "application/json"},
                        {"data", {{"company", "Northwind"}, {"host", "lee"}}}};
    const auto r = call("POST", "/v1/events", "dana", event.dump(),
                        {{"Content-Type", "application/cloudevents+json; charset=utf-8"}});
    ASSERT_EQ(r.status, 202) << describe(r);
    const json j = body_json(r);
    EXPECT_EQ(j.value("duplicate", true), false);
    ASSERT_EQ(j["handoffs"].size(), 1u) << j;
    EXPECT_EQ(show(j["handoffs"][0]).value("owner", ""), "lee");

    json bad = event;
    bad["specversion"] = "0.3";
    bad["id"] = "ce-structured-2";
    expect_problem(call("POST", "/v1/events", "dana", bad.dump(),
                        {{"Content-Type", "application/cloudevents+json"}}),
                   400, "specversion");
    json no_source = event;
    no_source.erase("source");
    expect_problem(call("POST", "/v1/events", "dana", no_source.dump(),
                        {{"Content-Type", "application/cloudevents+json"}}),
                   400, "source");
}

TEST_F(HttpApi, CloudEventBinaryModeTakesAttributesFromHeaders) {
    const json data = {{"company", "Harbor Clinic"}, {"host", "dana"}};
    const Headers ce = {{"Content-Type", "application/json"},
                        {"ce-specversion", "1.0"},
                        {"ce-type", "booking.created"},
                        {"ce-id", "ce-binary-1"},
                        {"ce-source", "calendar"},
                        {"ce-subject", "Harbor Clinic"}};
    const auto r = call("POST", "/v1/events", "dana", data.dump(), ce);
    ASSERT_EQ(r.status, 202) << describe(r);
    const json j = body_json(r);
    EXPECT_EQ(j.value("id", ""), "ce-binary-1");
    EXPECT_EQ(j.value("source", ""), "calendar");
    ASSERT_EQ(j["handoffs"].size(), 1u) << j;
    const json h = show(j["handoffs"][0]);
    EXPECT_EQ(h.value("subject", ""), "Harbor Clinic");
    EXPECT_EQ(h["event"].value("id", ""), "ce-binary-1");

    // The same attributes again: a duplicate with the first handoff.
    const auto dup = call("POST", "/v1/events", "dana", data.dump(), ce);
    ASSERT_EQ(dup.status, 202) << describe(dup);
    EXPECT_EQ(body_json(dup).value("duplicate", false), true);
    EXPECT_EQ(body_json(dup)["handoffs"], j["handoffs"]);

    // Without ce-type: the header is the field at fault.
    Headers no_type;
    for (const auto& h2 : ce) {
        if (h2.first != "ce-type") no_type.push_back(h2);
    }
    no_type.push_back({"ce-id", "ce-binary-2"});
    expect_problem(call("POST", "/v1/events", "dana", data.dump(), no_type), 400, "ce-type");
}

TEST_F(HttpApi, CloudEventBatchModeAnswersEachEvent) {
    json batch = json::array();
    for (int i = 1; i <= 3; ++i) {
        batch.push_back({{"specversion", "1.0"},
                         {"type", "booking.created"},
                         {"id", "batch-" + std::to_string(i)},
                         {"source", "calendar"},
                         {"data", {{"company", "Batch " + std::to_string(i)}, {"host", "lee"}}}});
    }
    const Headers type = {{"Content-Type", "application/cloudevents-batch+json"}};
    const auto r = call("POST", "/v1/events", "dana", batch.dump(), type);
    ASSERT_EQ(r.status, 202) << describe(r);
    const json j = body_json(r);
    ASSERT_EQ(j["events"].size(), 3u) << j;
    std::set<std::int64_t> handoffs;
    for (int i = 0; i < 3; ++i) {
        const json& e = j["events"][i];
        EXPECT_EQ(e.value("id", ""), "batch-" + std::to_string(i + 1));
        EXPECT_EQ(e.value("duplicate", true), false);
        ASSERT_EQ(e["handoffs"].size(), 1u) << e;
        handoffs.insert(e["handoffs"][0].get<std::int64_t>());
    }
    EXPECT_EQ(handoffs.size(), 3u);

    // Again: every event is a duplicate with its first handoffs.
    const auto again = call("POST", "/v1/events", "dana", batch.dump(), type);
    ASSERT_EQ(again.status, 202) << describe(again);
    const json k = body_json(again);
    ASSERT_EQ(k["events"].size(), 3u) << k;
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(k["events"][i].value("duplicate", false), true);
        EXPECT_EQ(k["events"][i]["handoffs"], j["events"][i]["handoffs"]);
    }

    // A bad item names its index; a batch that is not an array and an empty one are refused.
    batch[1].erase("type");
    batch[1]["id"] = "batch-bad";
    expect_problem(call("POST", "/v1/events", "dana", batch.dump(), type), 400, "[1].type");
    expect_problem(call("POST", "/v1/events", "dana", R"({"type":"x"})", type), 400);
    expect_problem(call("POST", "/v1/events", "dana", "[]", type), 400);

    // More events than a batch holds: the body is too large for the route (413), and
    // nothing of it is stored.
    json big = json::array();
    for (int i = 0; i < 1001; ++i) {
        big.push_back({{"specversion", "1.0"}, {"type", "t"}, {"source", "big"},
                       {"id", "big-" + std::to_string(i)}});
    }
    expect_problem(call("POST", "/v1/events", "dana", big.dump(), type), 413, "batch");
    const auto stored = call("GET", "/v1/events?type=t", "dana");
    EXPECT_EQ(json::parse(stored.body).at("items").size(), 0u) << describe(stored);
}

TEST_F(HttpApi, EventsRefuseBadInputWithAProblem) {
    // Malformed JSON.
    expect_problem(call("POST", "/v1/events", "dana", R"({"type": "a", )"), 400);
    // Nested 40 deep: refused before it is walked.
    std::string deep = R"({"type":"deep.event","data":)";
    for (int i = 0; i < 40; ++i) deep += R"({"a":)";
    deep += "1";
    for (int i = 0; i < 40; ++i) deep += "}";
    deep += "}";
    expect_problem(call("POST", "/v1/events", "dana", deep), 400);
    // Not a content type the route takes.
    expect_problem(
        call("POST", "/v1/events", "dana", R"({"type":"a"})", {{"Content-Type", "text/plain"}}),
        400, "Content-Type");
    // Unknown top-level field on a plain event.
    expect_problem(call("POST", "/v1/events", "dana", R"({"type":"a","colour":"red"})"), 400,
                   "colour");
    // No type.
    expect_problem(call("POST", "/v1/events", "dana", R"({"data":{}})"), 400, "type");
    // Nothing of it was stored.
    const json events = body_json(get("/v1/events"));
    ASSERT_TRUE(events.is_object());
    EXPECT_TRUE(events["items"].empty()) << events;
}

TEST_F(HttpApi, GetEventsListsStoredEventsWithACursor) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(
            post("/v1/events", {{"type", "listed.event"}, {"id", "e" + std::to_string(i)}}).status,
            202);
    }
    ASSERT_EQ(post("/v1/events", {{"type", "other.event"}, {"id", "x"}}).status, 202);
    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    for (; pages < 10; ++pages) {
        const auto r = get(
            "/v1/events?type=listed.event&limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor),
            "val");
        ASSERT_EQ(r.status, 200) << describe(r);
        const json j = body_json(r);
        for (const auto& e : j["items"]) seen.push_back(e.at("id"));
        if (j["next_cursor"].is_null()) break;
        cursor = j["next_cursor"];
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4"}));
    EXPECT_EQ(pages, 2);
    expect_problem(get("/v1/events?limit=0"), 400, "limit");
    expect_problem(get("/v1/events?colour=red"), 400, "colour");
}

TEST_F(HttpApi, AnEventThatTicksAChecklistItemIsNotListedAsUnmatched) {
    std::string playbook = rush_playbook;
    const std::string plain = "  - Do it\n";
    playbook.replace(playbook.find(plain), plain.size(),
                     "  - Do it\n  - { item: Book the courier, when: rush.booked }\n");
    const auto put =
        call("PUT", "/v1/playbooks/rush", "ari", playbook, {{"Content-Type", "application/yaml"}});
    ASSERT_EQ(put.status, 200) << describe(put);
    const auto started = post("/v1/events", {{"type", "rush.started"},
                                             {"id", "rush-1"},
                                             {"data", {{"company", "Delta"}, {"owner", "lee"}}}});
    ASSERT_EQ(started.status, 202) << describe(started);
    const std::int64_t id = body_json(started)["handoffs"].at(0);
    const auto booked =
        post("/v1/events", {{"type", "rush.booked"}, {"id", "book-1"}, {"subject", "Delta"}});
    ASSERT_EQ(booked.status, 202) << describe(booked);
    EXPECT_EQ(body_json(booked)["handoffs"], json::array());
    EXPECT_EQ(body_json(booked)["ticked"], json::array({id}));
    ASSERT_EQ(post("/v1/events", {{"type", "nothing.matches"}, {"id", "n-1"}}).status, 202);
    const auto r = get("/v1/events?unmatched=true", "val");
    ASSERT_EQ(r.status, 200) << describe(r);
    std::vector<std::string> unmatched;
    const json page = body_json(r);  // the loop below must not range over a temporary's part
    for (const auto& e : page.at("items")) unmatched.push_back(e.at("id"));
    EXPECT_EQ(unmatched, std::vector<std::string>{"n-1"});
}

// --- GET /v1/handoffs -------------------------------------------------------------------

TEST_F(HttpApi, ListFiltersByStateOwnerPlaybookSubjectAndOverdue) {
    const auto d1 = new_handoff("dana", "Alpha");
    const auto d2 = new_handoff("dana", "Beta");
    const auto l1 = new_handoff("lee", "Gamma");
    ASSERT_EQ(post(action(d2, "accept"), json::object(), "dana").status, 200);
    // A playbook whose accept deadline passes after one second.
    const auto put = call("PUT", "/v1/playbooks/rush", "ari", rush_playbook,
                          {{"Content-Type", "application/yaml"}});
    ASSERT_EQ(put.status, 200) << describe(put);
    const auto rushed = post("/v1/events", {{"type", "rush.started"},
                                            {"id", "rush-1"},
                                            {"data", {{"company", "Delta"}, {"owner", "lee"}}}});
    ASSERT_EQ(rushed.status, 202) << describe(rushed);
    ASSERT_EQ(body_json(rushed)["handoffs"].size(), 1u) << describe(rushed);
    const std::int64_t r1 = body_json(rushed)["handoffs"][0];

    auto ids = [&](const std::string& query) {
        const auto r = get("/v1/handoffs" + query, "val");
        EXPECT_EQ(r.status, 200) << query << "\n" << describe(r);
        std::set<std::int64_t> out;
        const json j = body_json(r);
        if (!j.is_object()) return out;
        for (const auto& h : j["items"]) out.insert(h.at("id").get<std::int64_t>());
        return out;
    };
    using Ids = std::set<std::int64_t>;
    EXPECT_EQ(ids(""), (Ids{d1, d2, l1, r1}));
    EXPECT_EQ(ids("?state=accepted"), (Ids{d2}));
    EXPECT_EQ(ids("?state=waiting"), (Ids{d1, l1, r1}));
    EXPECT_EQ(ids("?owner=lee"), (Ids{l1, r1}));
    EXPECT_EQ(ids("?owner=dana&state=waiting"), (Ids{d1}));
    EXPECT_EQ(ids("?playbook=rush"), (Ids{r1}));
    EXPECT_EQ(ids("?playbook=kickoff-prep"), (Ids{d1, d2, l1}));
    EXPECT_EQ(ids("?subject=Gamma"), (Ids{l1}));
    EXPECT_EQ(ids("?overdue=false"), (Ids{d1, d2, l1, r1}));
    std::this_thread::sleep_for(1200ms);
    EXPECT_EQ(ids("?overdue=true"), (Ids{r1}));

    expect_problem(get("/v1/handoffs?state=lost"), 400, "state");
    expect_problem(get("/v1/handoffs?colour=red"), 400, "colour");
    expect_problem(get("/v1/handoffs?cursor=abc"), 400, "cursor");
}

TEST_F(HttpApi, ListFiltersUnownedHandoffs) {
    const auto d1 = new_handoff("dana", "Alpha");
    const auto put = call("PUT", "/v1/playbooks/rush", "ari", rush_playbook,
                          {{"Content-Type", "application/yaml"}});
    ASSERT_EQ(put.status, 200) << describe(put);
    // Nobody called `nemo`: the handoff is unowned and lands with its giver.
    const auto rushed = post("/v1/events", {{"type", "rush.started"},
                                            {"id", "rush-1"},
                                            {"data", {{"company", "Delta"}, {"owner", "nemo"}}}});
    ASSERT_EQ(rushed.status, 202) << describe(rushed);
    const std::int64_t unowned = body_json(rushed)["handoffs"].at(0);
    EXPECT_TRUE(show(unowned).value("unowned", false));
    auto ids = [&](const std::string& query) {
        const auto r = get("/v1/handoffs" + query, "val");
        EXPECT_EQ(r.status, 200) << query << "\n" << describe(r);
        std::set<std::int64_t> out;
        const json page = body_json(r);
        if (!page.is_object()) return out;
        for (const auto& h : page.at("items")) out.insert(h.at("id").get<std::int64_t>());
        return out;
    };
    using Ids = std::set<std::int64_t>;
    EXPECT_EQ(ids("?unowned=true"), (Ids{unowned}));
    EXPECT_EQ(ids("?unowned=1&state=waiting"), (Ids{unowned}));
    EXPECT_EQ(ids("?unowned=false"), (Ids{d1, unowned}));
}

TEST_F(HttpApi, ListPaginatesWithNextCursor) {
    std::set<std::int64_t> created;
    for (int i = 0; i < 5; ++i) created.insert(new_handoff("lee", "Page " + std::to_string(i)));
    std::vector<std::int64_t> seen;
    std::string cursor;
    int pages = 0;
    for (; pages < 10; ++pages) {
        const auto r = get("/v1/handoffs?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
        ASSERT_EQ(r.status, 200) << describe(r);
        const json j = body_json(r);
        EXPECT_LE(j["items"].size(), 2u);
        for (const auto& h : j["items"]) seen.push_back(h.at("id"));
        if (j["next_cursor"].is_null()) break;
        cursor = j["next_cursor"];
    }
    EXPECT_EQ(pages, 2) << "5 handoffs in pages of 2 make 3 pages";
    EXPECT_EQ(seen.size(), 5u);
    EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()), created);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(HttpApi, ShowAnswersTheHandoffWithChecklistAndTimeline) {
    const auto id = new_handoff("dana", "Show Co");
    const json h = show(id);
    EXPECT_EQ(h.value("id", 0), id);
    EXPECT_EQ(h.value("giver", ""), "office");
    ASSERT_EQ(h["checklist"].size(), 3u) << h;
    EXPECT_EQ(h["checklist"][0].value("n", 0), 1);
    EXPECT_EQ(h["checklist"][0].value("text", ""), "Confirm the room or video link");
    EXPECT_EQ(h["checklist"][0].value("checked", true), false);
    ASSERT_TRUE(h["timeline"].is_array());
    EXPECT_FALSE(h["timeline"].empty()) << h;
    expect_problem(get("/v1/handoffs/999999"), 404);
    expect_problem(get("/v1/handoffs/abc"), 400, "id");
}

// --- Actions ----------------------------------------------------------------------------

TEST_F(HttpApi, AcceptCheckCommentAndDoneFollowTheStateMachine) {
    const auto id = new_handoff("dana", "Flow Co");
    // Done before accept: a conflict.
    expect_problem(post(action(id, "done"), json::object(), "dana"), 409);
    const auto accepted = post(action(id, "accept"), json::object(), "dana");
    ASSERT_EQ(accepted.status, 200) << describe(accepted);
    EXPECT_EQ(body_json(accepted).value("state", ""), "accepted");
    EXPECT_FALSE(body_json(accepted)["accepted_at"].is_null());

    const auto ticked = post(action(id, "checklist/1"), {{"checked", true}}, "dana");
    ASSERT_EQ(ticked.status, 200) << describe(ticked);
    EXPECT_EQ(body_json(ticked)["checklist"][0].value("checked", false), true);
    EXPECT_EQ(body_json(ticked)["checklist"][0].value("checked_by", ""), "dana");
    expect_problem(post(action(id, "checklist/1"), {{"checked", true}}, "dana"), 409);
    expect_problem(post(action(id, "checklist/9"), {{"checked", true}}, "dana"), 404);
    expect_problem(post(action(id, "checklist/0"), {{"checked", true}}, "dana"), 404, "n");
    expect_problem(post(action(id, "checklist/2"), {{"checked", "yes"}}, "dana"), 400, "checked");
    expect_problem(post(action(id, "checklist/2"), {{"checked", true}, {"by", "x"}}, "dana"), 400,
                   "by");

    const auto commented = post(action(id, "comment"), {{"text", "Room 4 is booked"}}, "dana");
    ASSERT_EQ(commented.status, 200) << describe(commented);
    bool found = false;
    const json after_comment = body_json(commented);
    for (const auto& e : after_comment["timeline"]) {
        found = found ||
                (e.value("kind", "") == "comment" && e.value("text", "") == "Room 4 is booked");
    }
    EXPECT_TRUE(found) << commented.body;
    expect_problem(post(action(id, "comment"), json::object(), "dana"), 400, "text");

    // Two items are open: done needs force and a reason.
    expect_problem(post(action(id, "done"), json::object(), "dana"), 409);
    expect_problem(post(action(id, "done"), {{"force", "yes"}}, "dana"), 400, "force");
    const auto done = post(action(id, "done"), {{"force", true}, {"reason", "agreed"}}, "dana");
    ASSERT_EQ(done.status, 200) << describe(done);
    EXPECT_EQ(body_json(done).value("state", ""), "done");

    // Illegal transitions from done.
    expect_problem(post(action(id, "accept"), json::object(), "dana"), 409);
    expect_problem(post(action(id, "cancel"), json::object(), "ari"), 409);
    EXPECT_EQ(show(id).value("state", ""), "done");
}

TEST_F(HttpApi, DeclineNeedsAReasonThenReassignAndCancel) {
    const auto id = new_handoff("dana", "Decline Co");
    expect_problem(post(action(id, "decline"), json::object(), "dana"), 400, "reason");
    expect_problem(post(action(id, "decline"), {{"reason", 42}}, "dana"), 400, "reason");
    const auto declined = post(action(id, "decline"), {{"reason", "on leave"}}, "dana");
    ASSERT_EQ(declined.status, 200) << describe(declined);
    EXPECT_EQ(body_json(declined).value("state", ""), "declined");

    expect_problem(post(action(id, "reassign"), json::object(), "ari"), 400, "to");
    const auto moved = post(action(id, "reassign"), {{"to", "lee"}, {"reason", "cover"}}, "ari");
    ASSERT_EQ(moved.status, 200) << describe(moved);
    EXPECT_EQ(body_json(moved).value("owner", ""), "lee");
    EXPECT_EQ(body_json(moved).value("state", ""), "waiting");

    // dana no longer owns it; lee does.
    expect_problem(post(action(id, "accept"), json::object(), "dana"), 403);
    const auto cancelled = post(action(id, "cancel"), {{"reason", "client left"}}, "ari");
    ASSERT_EQ(cancelled.status, 200) << describe(cancelled);
    EXPECT_EQ(body_json(cancelled).value("state", ""), "cancelled");
    EXPECT_EQ(show(id).value("state", ""), "cancelled");
}

TEST_F(HttpApi, ActionsRefuseUnknownFieldsAndBadBodies) {
    const auto id = new_handoff("dana", "Fields Co");
    expect_problem(post(action(id, "accept"), {{"note", "hi"}}, "dana"), 400, "note");
    expect_problem(post(action(id, "decline"), {{"reason", "x"}, {"urgent", true}}, "dana"), 400,
                   "urgent");
    expect_problem(call("POST", action(id, "accept"), "dana", "[1,2]"), 400);
    expect_problem(call("POST", action(id, "accept"), "dana", "{nope"), 400);
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "[";
    for (int i = 0; i < 40; ++i) deep += "]";
    expect_problem(call("POST", action(id, "comment"), "dana", deep), 400);
    expect_problem(post("/v1/handoffs/999999/accept", json::object(), "ari"), 404);
    expect_problem(post("/v1/handoffs/x1/accept", json::object(), "ari"), 400, "id");
    // None of it changed the handoff.
    EXPECT_EQ(show(id).value("state", ""), "waiting");
}

// --- Roles and authentication -----------------------------------------------------------

TEST_F(HttpApi, RolesDecideWhoMayDoWhat) {
    const auto danas = new_handoff("dana", "Roles A");
    const auto lees = new_handoff("lee", "Roles B");
    // The viewer reads but does not write.
    EXPECT_EQ(get("/v1/handoffs", "val").status, 200);
    EXPECT_EQ(get("/v1/handoffs/" + std::to_string(danas), "val").status, 200);
    expect_problem(post("/v1/events", {{"type", "x.y"}}, "val"), 403);
    expect_problem(post(action(danas, "accept"), json::object(), "val"), 403);
    // A member acts on her own handoff, not on another's.
    expect_problem(post(action(lees, "accept"), json::object(), "dana"), 403);
    EXPECT_EQ(show(lees).value("state", ""), "waiting");
    EXPECT_EQ(post(action(danas, "accept"), json::object(), "dana").status, 200);
    // A member cannot change playbooks, people or tokens; an admin can.
    const std::string yaml = body_json(get("/v1/playbooks/kickoff-prep"))["yaml"];
    expect_problem(call("PUT", "/v1/playbooks/kickoff-prep", "dana", yaml,
                        {{"Content-Type", "application/yaml"}}),
                   403);
    expect_problem(get("/v1/tokens", "dana"), 403);
    expect_problem(post("/v1/tokens", {{"handle", "dana"}}, "lee"), 403);
    const auto admin_put = call("PUT", "/v1/playbooks/kickoff-prep", "ari", yaml + "\n# edited\n",
                                {{"Content-Type", "application/yaml"}});
    EXPECT_EQ(admin_put.status, 200) << describe(admin_put);
    // An admin may act for the owner.
    EXPECT_EQ(post(action(lees, "accept"), json::object(), "ari").status, 200);
    EXPECT_EQ(show(lees).value("state", ""), "accepted");
}

TEST_F(HttpApi, MissingOrBadTokensAre401WithWwwAuthenticate) {
    for (const Headers& headers :
         {Headers{}, Headers{{"Authorization", "Bearer bt_not-a-real-token"}},
          Headers{{"Authorization", "Basic YXJpOnNlY3JldA=="}},
          Headers{{"Authorization", "Bearer "}}}) {
        HttpRequest r;
        r.target = "/v1/handoffs";
        r.headers = headers;
        const auto res = send(r);
        expect_problem(res, 401, "Authorization");
        EXPECT_EQ(res.header("WWW-Authenticate").value_or(""), "Bearer") << describe(res);
    }
    HttpRequest r;
    r.method = "POST";
    r.target = "/v1/events";
    r.headers = {{"Content-Type", "application/json"}};
    r.body = R"({"type":"unauth.event"})";
    expect_problem(send(r), 401);
    EXPECT_TRUE(body_json(get("/v1/events?type=unauth.event"))["items"].empty());
}

// --- Playbooks and people ----------------------------------------------------------------

TEST_F(HttpApi, PlaybooksListGetAndPutWithETagAndIfMatch) {
    const auto list = get("/v1/playbooks", "val");
    ASSERT_EQ(list.status, 200) << describe(list);
    std::set<std::string> ids;
    const json playbooks = body_json(list);
    for (const auto& p : playbooks["items"]) ids.insert(p.at("id").get<std::string>());
    EXPECT_EQ(ids,
              (std::set<std::string>{"kickoff-prep", "ready-to-client", "sold-to-onboarding"}));

    const auto one = get("/v1/playbooks/kickoff-prep", "val");
    ASSERT_EQ(one.status, 200) << describe(one);
    const json pb = body_json(one);
    const int v1 = pb.at("version");
    EXPECT_EQ(one.header("ETag").value_or(""), "\"v" + std::to_string(v1) + "\"");
    const std::string yaml = pb.at("yaml");
    EXPECT_NE(yaml.find("id: kickoff-prep"), std::string::npos) << yaml;

    const std::string edited =
        std::regex_replace(yaml, std::regex("accept_within: 2h"), "accept_within: 3h");
    ASSERT_NE(edited, yaml);
    const auto put =
        call("PUT", "/v1/playbooks/kickoff-prep", "ari", edited,
             {{"Content-Type", "application/yaml"}, {"If-Match", *one.header("ETag")}});
    ASSERT_EQ(put.status, 200) << describe(put);
    const int v2 = body_json(put).at("version");
    EXPECT_EQ(v2, v1 + 1);
    EXPECT_EQ(body_json(put).value("changed", false), true);
    EXPECT_EQ(put.header("ETag").value_or(""), "\"v" + std::to_string(v2) + "\"");

    // The stale ETag: 412, and nothing stored.
    expect_problem(call("PUT", "/v1/playbooks/kickoff-prep", "ari", yaml,
                        {{"Content-Type", "application/yaml"}, {"If-Match", *one.header("ETag")}}),
                   412, "If-Match");
    const json now = body_json(get("/v1/playbooks/kickoff-prep"));
    EXPECT_EQ(now.value("version", 0), v2);
    EXPECT_NE(now.value("yaml", "").find("accept_within: 3h"), std::string::npos);

    // The JSON form {"yaml": …} with the current ETag.
    const auto as_json =
        call("PUT", "/v1/playbooks/kickoff-prep", "ari", json{{"yaml", yaml}}.dump(),
             {{"If-Match", "\"v" + std::to_string(v2) + "\""}});
    EXPECT_EQ(as_json.status, 200) << describe(as_json);
    EXPECT_EQ(body_json(as_json).value("version", 0), v2 + 1);

    expect_problem(call("PUT", "/v1/playbooks/kickoff-prep", "ari", yaml,
                        {{"Content-Type", "application/yaml"}, {"If-Match", "yesterday"}}),
                   400, "If-Match");
    expect_problem(get("/v1/playbooks/no-such-playbook"), 404);
}

TEST_F(HttpApi, PuttingABrokenPlaybookAnswersEveryLintError) {
    const std::string broken =
        "id: kickoff-prep\ntitle: Broken\nwhen: booking.created\n"
        "if: data.amount >=\nfrom: office\nowner: dana\ndone: x\n"
        "accept_within: 4 parsecs\n";
    const auto r = call("PUT", "/v1/playbooks/kickoff-prep", "ari", broken,
                        {{"Content-Type", "application/yaml"}});
    expect_problem(r, 400);
    const json p = body_json(r);
    ASSERT_TRUE(p.contains("errors") && p["errors"].is_array()) << describe(r);
    EXPECT_GE(p["errors"].size(), 2u) << describe(r);
    static const std::regex located(R"(^.+:[0-9]+:[0-9]+: .+$)");
    for (const auto& line : p["errors"]) {
        EXPECT_TRUE(std::regex_match(line.get<std::string>(), located)) << line;
    }
    // The id in the YAML must be the one in the URL.
    const std::string other = body_json(get("/v1/playbooks/ready-to-client"))["yaml"];
    expect_problem(call("PUT", "/v1/playbooks/kickoff-prep", "ari", other,
                        {{"Content-Type", "application/yaml"}}),
                   400, "id");
    // Nothing changed.
    EXPECT_EQ(body_json(get("/v1/playbooks/kickoff-prep")).value("version", 0), 1);
}

TEST_F(HttpApi, PeopleGetAndPut) {
    const auto r = get("/v1/people", "val");
    ASSERT_EQ(r.status, 200) << describe(r);
    const json doc = body_json(r);
    const std::string yaml = doc.at("yaml");
    EXPECT_NE(yaml.find("handle: dana"), std::string::npos) << yaml;
    EXPECT_EQ(r.header("ETag").value_or(""),
              "\"v" + std::to_string(doc.value("version", 0)) + "\"");

    // A token for a person who does not exist yet: not found.
    expect_problem(post("/v1/tokens", {{"handle", "zoe"}}), 404, "handle");
    const std::string added = yaml + "\n# a comment changes the text\n";
    const std::string with_zoe = std::regex_replace(
        yaml, std::regex("people:\n"),
        "people:\n  - { handle: zoe, name: Zoe Park, email: zoe@example.com, role: member }\n");
    ASSERT_NE(with_zoe, yaml);
    const auto put = call("PUT", "/v1/people", "ari", with_zoe,
                          {{"Content-Type", "application/yaml"}, {"If-Match", *r.header("ETag")}});
    ASSERT_EQ(put.status, 200) << describe(put);
    EXPECT_EQ(body_json(put).value("version", 0), doc.value("version", 0) + 1);
    EXPECT_NE(body_json(get("/v1/people"))["yaml"].get<std::string>().find("handle: zoe"),
              std::string::npos);
    const auto token = post("/v1/tokens", {{"handle", "zoe"}});
    EXPECT_EQ(token.status, 201) << describe(token);

    // Stale, broken and unauthorised puts.
    expect_problem(call("PUT", "/v1/people", "ari", added,
                        {{"Content-Type", "application/yaml"}, {"If-Match", *r.header("ETag")}}),
                   412);
    const auto broken = call("PUT", "/v1/people", "ari", "people:\n  - { handle: 12 34 }\n  - [",
                             {{"Content-Type", "application/yaml"}});
    expect_problem(broken, 400);
    EXPECT_TRUE(body_json(broken).contains("errors")) << describe(broken);
    expect_problem(
        call("PUT", "/v1/people", "dana", with_zoe, {{"Content-Type", "application/yaml"}}), 403);
}

// --- Relays, reports, sources -----------------------------------------------------------

TEST_F(HttpApi, RelayOfASubjectWithASpace) {
    const auto id = new_handoff("dana", "Acme Dental");
    new_handoff("lee", "Someone Else");
    const auto r = get("/v1/relays/" + url_encode("Acme Dental"), "val");
    ASSERT_EQ(r.status, 200) << describe(r);
    const json j = body_json(r);
    EXPECT_EQ(j.value("subject", ""), "Acme Dental");
    ASSERT_EQ(j["legs"].size(), 1u) << j;
    EXPECT_EQ(j["legs"][0].value("id", 0), id);
    EXPECT_TRUE(j["legs"][0].contains("held_ms"));
    ASSERT_TRUE(j["current"].is_object()) << j;
    EXPECT_EQ(j["current"].value("handoff", 0), id);
    expect_problem(get("/v1/relays/" + url_encode("Nobody Inc")), 404, "subject");
    expect_problem(get("/v1/relays/bad%zzencoding"), 400);
}

TEST_F(HttpApi, ReportsBySinceAndBy) {
    const auto a = new_handoff("dana", "Report A");
    new_handoff("dana", "Report B");
    new_handoff("lee", "Report C");
    ASSERT_EQ(post(action(a, "accept"), json::object(), "dana").status, 200);

    const auto by_playbook = get("/v1/reports", "val");
    ASSERT_EQ(by_playbook.status, 200) << describe(by_playbook);
    json j = body_json(by_playbook);
    EXPECT_EQ(j.value("since", ""), "30d");
    EXPECT_EQ(j.value("by", ""), "playbook");
    std::map<std::string, json> rows;
    for (const auto& row : j["rows"]) rows[row.at("key")] = row;
    ASSERT_TRUE(rows.count("kickoff-prep")) << j;
    EXPECT_EQ(rows["kickoff-prep"].value("count", 0), 3);
    EXPECT_EQ(rows["kickoff-prep"].value("accepted", 0), 1);

    const auto by_owner = get("/v1/reports?since=7d&by=owner");
    ASSERT_EQ(by_owner.status, 200) << describe(by_owner);
    j = body_json(by_owner);
    EXPECT_EQ(j.value("since", ""), "7d");
    rows.clear();
    for (const auto& row : j["rows"]) rows[row.at("key")] = row;
    EXPECT_EQ(rows["dana"].value("count", 0), 2) << j;
    EXPECT_EQ(rows["lee"].value("count", 0), 1) << j;

    expect_problem(get("/v1/reports?since=forever"), 400, "since");
    expect_problem(get("/v1/reports?by=team"), 400, "by");
    expect_problem(get("/v1/reports?colour=red"), 400, "colour");
}

TEST_F(HttpApi, ReportsByGiverAndByEdge) {
    new_handoff("dana", "Edge A");
    new_handoff("lee", "Edge B");
    const auto rows_of = [&](const std::string& target) {
        const auto r = get(target);
        EXPECT_EQ(r.status, 200) << describe(r);
        std::map<std::string, int> counts;
        const json j = body_json(r);  // kept: a loop over a temporary's member would dangle
        for (const auto& row : j["rows"]) counts[row.at("key")] = row.at("count");
        return counts;
    };
    const std::string giver = "office";  // kickoff-prep's `from`
    EXPECT_EQ(rows_of("/v1/reports?by=giver"),
              (std::map<std::string, int>{{giver, 2}, {"all", 2}}));
    const auto edges = rows_of("/v1/reports?by=edge");
    EXPECT_EQ(edges, (std::map<std::string, int>{
                         {giver + " → dana", 1}, {giver + " → lee", 1}, {"all", 2}}));
    EXPECT_EQ(body_json(get("/v1/reports?by=edge")).value("by", ""), "edge");
    const auto csv = get("/v1/reports?by=edge&format=csv");
    ASSERT_EQ(csv.status, 200) << describe(csv);
    EXPECT_NE(csv.body.find(giver + " → lee,1,"), std::string::npos) << csv.body;
    const auto bad = get("/v1/reports?by=colour");
    expect_problem(bad, 400, "by");
    EXPECT_NE(bad.body.find("playbook, owner, giver or edge"), std::string::npos) << bad.body;
}

// After a reassignment the previous owner stays accountable until the new owner accepts:
// Mine (and accountable=true) finds it under them; owner= keeps meaning the owner.
TEST_F(HttpApi, MineFindsAHandoffUnderThePreviousOwnerUntilTheNewOneAccepts) {
    const auto moved = new_handoff("dana", "Handed On");
    const auto kept = new_handoff("dana", "Kept");
    ASSERT_EQ(post(action(moved, "reassign"), {{"to", "lee"}}, "ari").status, 200);
    auto ids = [&](const std::string& query, const std::string& who) {
        const auto r = get("/v1/handoffs" + query, who);
        EXPECT_EQ(r.status, 200) << query << "\n" << describe(r);
        std::set<std::int64_t> out;
        const json j = body_json(r);
        for (const auto& h : j["items"]) out.insert(h.at("id").get<std::int64_t>());
        return out;
    };
    using Ids = std::set<std::int64_t>;
    EXPECT_EQ(ids("?mine=true", "dana"), (Ids{moved, kept}));
    EXPECT_EQ(ids("?mine=true", "lee"), (Ids{moved}));
    EXPECT_EQ(ids("?owner=dana", "val"), (Ids{kept}));
    EXPECT_EQ(ids("?owner=dana&accountable=true", "val"), (Ids{moved, kept}));
    ASSERT_EQ(post(action(moved, "accept"), json::object(), "lee").status, 200);
    EXPECT_EQ(ids("?mine=true", "dana"), (Ids{kept}));
    EXPECT_EQ(ids("?owner=dana&accountable=true", "val"), (Ids{kept}));
}

TEST_F(HttpApi, SourcesAreListedToAdminsWithoutSecretsAndHooksNeedASignature) {
    const auto r = get("/v1/sources", "ari");
    ASSERT_EQ(r.status, 200) << describe(r);
    std::set<std::string> names;
    const json sources = body_json(r);
    for (const auto& s : sources["items"]) names.insert(s.at("name").get<std::string>());
    EXPECT_TRUE(names.count("crm")) << r.body;
    EXPECT_EQ(r.body.find("whsec_"), std::string::npos) << "a secret leaked: " << r.body;
    expect_problem(get("/v1/sources", "dana"), 403);
    // An unsigned webhook is refused and stores nothing.
    HttpRequest hook;
    hook.method = "POST";
    hook.target = "/hooks/crm";
    hook.headers = {{"Content-Type", "application/json"}};
    hook.body = R"({"type":"deal.won","data":{"company":"Unsigned"}})";
    expect_problem(send(hook), 401, "signature");
    EXPECT_TRUE(body_json(get("/v1/events?type=deal.won"))["items"].empty());
}

// --- Operations -------------------------------------------------------------------------

TEST_F(HttpApi, HealthRoutesNeedNoToken) {
    for (const char* path : {"/livez", "/readyz", "/healthz"}) {
        HttpRequest r;
        r.target = path;
        const auto res = send(r);
        ASSERT_EQ(res.status, 200) << path << "\n" << describe(res);
        EXPECT_EQ(body_json(res).value("status", ""), "ok") << path;
    }
    HttpRequest ready;
    ready.target = "/readyz";
    EXPECT_NE(body_json(send(ready)).value("database", "").find("baton.db"), std::string::npos);
}

TEST_F(HttpApi, MetricsAreInThePrometheusTextFormat) {
    const auto id = new_handoff("dana", "Metrics Co");
    ASSERT_EQ(post(action(id, "accept"), json::object(), "dana").status, 200);
    new_handoff("lee", "Metrics Two");
    ASSERT_EQ(post("/v1/events", {{"type", "unmatched.kind"}, {"id", "u1"}}).status, 202);
    ASSERT_EQ(post("/v1/events", {{"type", "unmatched.kind"}, {"id", "u1"}}).status, 202);
    get("/v1/handoffs/999999");

    // A request is counted once its answer is written, which may be a moment after the
    // client has read it: scrape until the last one shows.
    HttpResponse r;
    for (int attempt = 0; attempt < 100; ++attempt) {
        r = get("/metrics", "val");
        if (r.body.find("status=\"404\"} 1") != std::string::npos &&
            r.body.find("status=\"202\"} 4") != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(r.status, 200) << describe(r);
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind("text/plain", 0), 0u) << describe(r);
    const std::string& m = r.body;
    // Every sample line is `name{labels} value` or `name value`.
    static const std::regex sample(R"(^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? [0-9.e+-]+$)");
    for (const auto& line : split_lines(m)) {
        if (line.empty() || line[0] == '#') continue;
        EXPECT_TRUE(std::regex_match(line, sample)) << line;
    }
    EXPECT_NE(m.find("# TYPE baton_http_requests_total counter"), std::string::npos);
    EXPECT_NE(m.find("baton_http_requests_total{route=\"POST /v1/events\",status=\"202\"} 4"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("baton_http_requests_total{route=\"GET /v1/handoffs/{id}\",status=\"404\"} 1"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("baton_handoffs{state=\"waiting\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("baton_handoffs{state=\"accepted\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("baton_events_ingested_total 3"), std::string::npos) << m;
    EXPECT_NE(m.find("baton_events_duplicate_total 1"), std::string::npos) << m;
}

TEST_F(HttpApi, OpenApiDocumentIsJson) {
    const auto r = get("/v1/openapi.json", "val");
    ASSERT_EQ(r.status, 200) << describe(r);
    const json doc = body_json(r);
    ASSERT_TRUE(doc.is_object()) << r.body.substr(0, 500);
    EXPECT_EQ(doc.value("openapi", "").rfind("3.1", 0), 0u);
    ASSERT_TRUE(doc.contains("paths"));
    EXPECT_TRUE(doc["paths"].contains("/v1/events"));
    EXPECT_TRUE(doc["paths"].contains("/v1/handoffs/{id}/accept"));
}

// --- Tokens -----------------------------------------------------------------------------

TEST_F(HttpApi, TokensCreateListAndRevoke) {
    const auto created = post("/v1/tokens", {{"handle", "sam"}, {"label", "ci"}});
    ASSERT_EQ(created.status, 201) << describe(created);
    const json t = body_json(created);
    const std::string secret = t.at("token");
    const std::int64_t id = t.at("id");
    EXPECT_EQ(t.value("handle", ""), "sam");

    HttpRequest as_sam;
    as_sam.target = "/v1/handoffs";
    as_sam.headers = {{"Authorization", "Bearer " + secret}};
    EXPECT_EQ(send(as_sam).status, 200);

    const auto list = get("/v1/tokens");
    ASSERT_EQ(list.status, 200) << describe(list);
    EXPECT_EQ(list.body.find(secret), std::string::npos) << "the secret is shown only once";
    bool listed = false;
    const json token_list = body_json(list);
    for (const auto& item : token_list["items"]) {
        if (item.value("id", 0) == id) {
            listed = true;
            EXPECT_EQ(item.value("handle", ""), "sam");
            EXPECT_EQ(item.value("label", ""), "ci");
            EXPECT_TRUE(item["revoked_at"].is_null());
        }
    }
    EXPECT_TRUE(listed) << list.body;

    const auto revoked = call("DELETE", "/v1/tokens/" + std::to_string(id), "ari");
    ASSERT_EQ(revoked.status, 200) << describe(revoked);
    EXPECT_EQ(body_json(revoked).value("revoked", false), true);
    const auto after = send(as_sam);
    expect_problem(after, 401);
    EXPECT_EQ(after.header("WWW-Authenticate").value_or(""), "Bearer");

    expect_problem(post("/v1/tokens", json::object()), 400, "handle");
    // A label is a few words (at most 200 bytes): a 500 KB one was stored (issue 22, 6).
    expect_problem(post("/v1/tokens", {{"handle", "sam"}, {"label", std::string(201, 'x')}}),
                   400, "label");
    expect_problem(post("/v1/tokens", {{"handle", "sam"}, {"label", std::string(500000, 'x')}}),
                   400, "label");
    EXPECT_EQ(post("/v1/tokens", {{"handle", "sam"}, {"label", std::string(200, 'x')}}).status,
              201);
    expect_problem(post("/v1/tokens", {{"handle", "sam"}, {"scope", "all"}}), 400, "scope");
    expect_problem(call("DELETE", "/v1/tokens/abc", "ari"), 400, "id");
    expect_problem(call("DELETE", "/v1/tokens/424242", "ari"), 404);
}

// --- Routing ----------------------------------------------------------------------------

TEST_F(HttpApi, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
    expect_problem(get("/v1/nothing-here"), 404);
    expect_problem(get("/v2/handoffs"), 404);
    const auto wrong = call("DELETE", "/v1/handoffs", "ari");
    expect_problem(wrong, 405);
    EXPECT_EQ(wrong.header("Allow").value_or(""), "GET");
    const auto put_events = call("PUT", "/v1/events", "ari", "{}");
    expect_problem(put_events, 405);
    const std::string allow = put_events.header("Allow").value_or("");
    EXPECT_TRUE(allow == "GET, POST" || allow == "POST, GET") << allow;
    const auto playbook = call("DELETE", "/v1/playbooks/kickoff-prep", "ari");
    expect_problem(playbook, 405);
    EXPECT_EQ(playbook.header("Allow").value_or(""), "GET, PUT");
    const auto accept = get(action(1, "accept"));
    expect_problem(accept, 405);
    EXPECT_EQ(accept.header("Allow").value_or(""), "POST");
}

TEST_F(HttpApi, MalformedRequestsAre400) {
    for (const std::string& raw :
         {std::string("THIS IS NOT HTTP\r\n\r\n"),
          std::string("GET /livez HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
          std::string("GET /v1/handoffs/%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
          std::string("GET /v1/handoffs?state=%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
          // A NUL in the path is refused as a bad path, before any route (not a 404).
          std::string("GET /v1/relays/%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
          std::string("GET /v1/handoffs/1%00 HTTP/1.1\r\nHost: x\r\n\r\n")}) {
        auto c = HttpConnection::connect(port_);
        ASSERT_TRUE(c.has_value());
        ASSERT_TRUE(c->send(raw));
        const auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << raw << ": " << c->last_error();
        expect_problem(*r, 400);
    }
    // The server is still well.
    EXPECT_EQ(get("/livez", "").status, 200);
}

TEST_F(HttpApi, AProblemQuotingBytesThatAreNotUtf8IsStill400) {
    // The unknown parameter's name (%ff, not UTF-8) is quoted in the detail and named in the
    // field. Before, writing the problem threw and the answer was a 500.
    for (const std::string target : {"/v1/handoffs?%ff=1", "/v1/handoffs?closed_since=%c3",
                                     "/v1/handoffs?state=waiting&%e2%9c=x"}) {
        SCOPED_TRACE(target);
        const auto r = get(target);
        expect_problem(r, 400);
        const json p = body_json(r);
        ASSERT_TRUE(p.is_object());
        EXPECT_NE(p.value("detail", "").find("\xef\xbf\xbd"), std::string::npos) << describe(r);
    }
    const auto named = get("/v1/handoffs?%ff=1");
    EXPECT_EQ(body_json(named).value("field", ""), "\xef\xbf\xbd") << describe(named);
}

// --- Idempotency-Key ----------------------------------------------------------------------

TEST_F(HttpApi, IdempotencyKeyReplaysTheFirstAnswerWithoutASecondEffect) {
    // No id: without the key, each POST would be a new event and a new handoff.
    const json event = {{"type", "booking.created"},
                        {"subject", "Idem Co"},
                        {"data", {{"company", "Idem Co"}, {"host", "lee"}}}};
    const Headers key = {{"Idempotency-Key", "order-7731"}};
    const auto first = post("/v1/events", event, "dana", key);
    ASSERT_EQ(first.status, 202) << describe(first);
    EXPECT_FALSE(first.header("Idempotent-Replayed").has_value());
    const auto second = post("/v1/events", event, "dana", key);
    ASSERT_EQ(second.status, 202) << describe(second);
    EXPECT_EQ(second.header("Idempotent-Replayed").value_or(""), "true");
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(body_json(get("/v1/handoffs?subject=Idem%20Co"))["items"].size(), 1u);
    EXPECT_EQ(body_json(get("/v1/events?type=booking.created"))["items"].size(), 1u);

    // The same key with another body is refused and has no effect either.
    json other = event;
    other["data"]["host"] = "dana";
    expect_problem(post("/v1/events", other, "dana", key), 422, "Idempotency-Key");
    EXPECT_EQ(body_json(get("/v1/handoffs?subject=Idem%20Co"))["items"].size(), 1u);

    // An action replays its answer instead of failing the second time.
    const std::int64_t id = body_json(first)["handoffs"][0];
    const Headers accept_key = {{"Idempotency-Key", "accept-once"}};
    const auto accepted = post(action(id, "accept"), json::object(), "lee", accept_key);
    ASSERT_EQ(accepted.status, 200) << describe(accepted);
    const auto replayed = post(action(id, "accept"), json::object(), "lee", accept_key);
    EXPECT_EQ(replayed.status, 200) << describe(replayed);
    EXPECT_EQ(replayed.header("Idempotent-Replayed").value_or(""), "true");
    EXPECT_EQ(replayed.body, accepted.body);
    int accepts = 0;
    const json shown = show(id);
    for (const auto& e : shown["timeline"]) accepts += e.value("kind", "") == "accepted";
    EXPECT_EQ(accepts, 1);
    // Without the key, the second accept is the conflict it is.
    expect_problem(post(action(id, "accept"), json::object(), "lee"), 409);
    expect_problem(post("/v1/events", event, "dana", {{"Idempotency-Key", std::string(300, 'k')}}),
                   400, "Idempotency-Key");
    // The key is stored: it must be UTF-8 text (issue 22).
    const auto latin = post("/v1/events", event, "dana", {{"Idempotency-Key", "caf\xE9"}});
    expect_problem(latin, 400, "Idempotency-Key");
    EXPECT_NE(latin.body.find("is not UTF-8 text: byte 0xE9 at offset 3"), std::string::npos)
        << describe(latin);
}

// --- Rate limit --------------------------------------------------------------------------

TEST_F(HttpApi, RateLimitIsPerTokenWithRetryAfter) {
    ServerProcess* limited = start_server({"--quiet", "--rate-limit", "5"});
    ASSERT_NE(limited, nullptr);
    auto c = HttpConnection::connect(limited->port);
    ASSERT_TRUE(c.has_value());
    int ok = 0, limited_count = 0;
    std::optional<HttpResponse> too_many;
    for (int i = 0; i < 30; ++i) {
        HttpRequest r;
        r.target = "/v1/handoffs";
        r.headers = auth("dana");
        r.keep_alive = true;
        const auto res = c->exchange(r);
        ASSERT_TRUE(res.has_value()) << "request " << i << ": " << c->last_error();
        if (res->status == 200) ++ok;
        if (res->status == 429) {
            ++limited_count;
            if (!too_many) too_many = *res;
        }
    }
    EXPECT_GT(ok, 0);
    EXPECT_GT(limited_count, 0) << "30 quick requests at 5/s must meet the limit";
    EXPECT_EQ(ok + limited_count, 30);
    ASSERT_TRUE(too_many.has_value());
    expect_problem(*too_many, 429);
    const std::string retry = too_many->header("Retry-After").value_or("");
    ASSERT_FALSE(retry.empty()) << describe(*too_many);
    ASSERT_EQ(retry.find_first_not_of("0123456789"), std::string::npos) << retry;
    EXPECT_GE(std::stoi(retry), 1);
    // Other tokens are not affected.
    EXPECT_EQ(call("GET", "/v1/handoffs", "lee", "", {}, limited->port).status, 200);
    EXPECT_EQ(call("GET", "/v1/handoffs", "val", "", {}, limited->port).status, 200);
    const std::string metrics = call("GET", "/metrics", "ari", "", {}, limited->port).body;
    EXPECT_NE(metrics.find("baton_rate_limited_total " + std::to_string(limited_count)),
              std::string::npos)
        << metrics;
}

// --- Connection limits -------------------------------------------------------------------

TEST_F(HttpApi, KeepAliveServesSeveralRequestsOnOneConnection) {
    auto c = HttpConnection::connect(port_);
    ASSERT_TRUE(c.has_value());
    std::set<std::string> request_ids;
    for (int i = 0; i < 3; ++i) {
        HttpRequest r;
        r.target = i == 1 ? "/v1/handoffs" : "/livez";
        r.headers = auth("dana");
        r.keep_alive = true;
        const auto res = c->exchange(r);
        ASSERT_TRUE(res.has_value()) << i << ": " << c->last_error();
        EXPECT_EQ(res->status, 200);
        EXPECT_NE(res->header("Connection").value_or(""), "close");
        request_ids.insert(res->header("X-Request-Id").value_or(""));
    }
    EXPECT_EQ(request_ids.size(), 3u);
    // Two requests sent at once (pipelined) are both answered, in order.
    HttpRequest a, b;
    a.target = "/livez";
    a.keep_alive = true;
    b.target = "/v1/nothing";
    b.keep_alive = false;
    ASSERT_TRUE(c->send(format_request(a) + format_request(b)));
    const auto ra = c->read_response(5s);
    const auto rb = c->read_response(5s);
    ASSERT_TRUE(ra && rb) << c->last_error();
    EXPECT_EQ(ra->status, 200);
    EXPECT_EQ(rb->status, 404);
    // Connection: close was honoured.
    EXPECT_TRUE(c->wait_closed(5s));
}

TEST_F(HttpApi, HeadersOver16KiBAre431) {
    HttpRequest ok;
    ok.target = "/livez";
    ok.headers = {{"X-Padding", std::string(8 * 1024, 'a')}};
    EXPECT_EQ(send(ok).status, 200);
    HttpRequest big = ok;
    big.headers = {{"X-Padding", std::string(17 * 1024, 'a')}};
    expect_problem(send(big), 431);
    HttpRequest many = ok;
    many.headers.clear();
    for (int i = 0; i < 40; ++i)
        many.headers.push_back({"X-H" + std::to_string(i), std::string(500, 'b')});
    expect_problem(send(many), 431);
}

TEST_F(HttpApi, BodyOver1MiBIs413BeforeTheBodyIsSent) {
    auto c = HttpConnection::connect(port_);
    ASSERT_TRUE(c.has_value());
    // Only the head: a Content-Length of 2 MiB, and no body at all.
    const std::string head =
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer " +
        tokens_["dana"] +
        "\r\nContent-Type: application/json\r\n"
        "Content-Length: 2097152\r\n\r\n";
    ASSERT_TRUE(c->send(head));
    const auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << "no answer without the body: " << c->last_error();
    expect_problem(*r, 413);
    EXPECT_TRUE(c->wait_closed(5s)) << "the rest of the input is not trusted";

    // One byte over the limit, announced with Expect: 100-continue: refused at once, and no
    // 100 Continue invites the body. Exactly the limit is read and stored.
    auto boundary = HttpConnection::connect(port_);
    ASSERT_TRUE(boundary.has_value());
    ASSERT_TRUE(
        boundary->send("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Authorization: Bearer " +
                       tokens_["dana"] +
                       "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                       "Content-Length: " +
                       std::to_string(1024 * 1024 + 1) + "\r\n\r\n"));
    const auto over = boundary->read_response(5s);
    ASSERT_TRUE(over.has_value()) << boundary->last_error();
    expect_problem(*over, 413);
    std::string exact = R"({"type":"padded.event","id":"p1"})";
    exact += std::string(1024 * 1024 - exact.size(), ' ');
    const auto read = call("POST", "/v1/events", "dana", exact);
    EXPECT_EQ(read.status, 202) << describe(read);

    // --body-limit moves the limit.
    ServerProcess* small = start_server({"--quiet", "--body-limit", "2048"});
    ASSERT_NE(small, nullptr);
    std::string padded = R"({"type":"padded.event","id":"p2"})";
    padded += std::string(3000 - padded.size(), ' ');
    expect_problem(call("POST", "/v1/events", "dana", padded, {}, small->port), 413);
    EXPECT_EQ(
        call("POST", "/v1/events", "dana", R"({"type":"small.event"})", {}, small->port).status,
        202);
}

TEST_F(HttpApi, SlowLorisIsCutOffWhileOthersAreServed) {
    // The idle timeout comes from the environment (BATON_IDLE_TIMEOUT, like every flag).
    ServerProcess* s =
        start_server({"--quiet", "--read-timeout", "1s"}, {{"BATON_IDLE_TIMEOUT", "2s"}});
    ASSERT_NE(s, nullptr);
    auto slow = HttpConnection::connect(s->port);
    ASSERT_TRUE(slow.has_value());
    ASSERT_TRUE(slow->send("GET /v1/handoffs HT"));  // half a request line, then nothing
    const auto started = Clock::now();
    // Meanwhile another client is served, again and again.
    int served = 0;
    while (served < 3 || Clock::now() - started < 1500ms) {
        const auto r = call("GET", "/v1/handoffs", "lee", "", {}, s->port);
        ASSERT_EQ(r.status, 200) << describe(r);
        ++served;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(slow->wait_closed(8s))
        << "a client that stalls mid-request must be disconnected (read timeout 1s)";

    // A stall in the middle of the headers and one in the middle of a body: the same.
    auto slow_headers = HttpConnection::connect(s->port);
    ASSERT_TRUE(slow_headers.has_value());
    ASSERT_TRUE(slow_headers->send("GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    auto slow_body = HttpConnection::connect(s->port);
    ASSERT_TRUE(slow_body.has_value());
    ASSERT_TRUE(slow_body->send("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                tokens_["dana"] +
                                "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
                                "\r\n{\"type\":"));
    EXPECT_TRUE(slow_headers->wait_closed(8s));
    EXPECT_TRUE(slow_body->wait_closed(8s));
    EXPECT_EQ(call("GET", "/livez", "", "", {}, s->port).status, 200);

    // A keep-alive connection that sits idle past the idle timeout is closed too.
    auto idle = HttpConnection::connect(s->port);
    ASSERT_TRUE(idle.has_value());
    HttpRequest live;
    live.target = "/livez";
    live.keep_alive = true;
    const auto first = idle->exchange(live);
    ASSERT_TRUE(first.has_value()) << idle->last_error();
    EXPECT_EQ(first->status, 200);
    EXPECT_TRUE(idle->wait_closed(10s)) << "an idle keep-alive connection must be closed";
}

TEST_F(HttpApi, ConnectionsBeyondTheLimitGet503) {
    ServerProcess* s = start_server({"--quiet", "--max-connections", "2"});
    ASSERT_NE(s, nullptr);
    HttpRequest live;
    live.target = "/livez";
    live.keep_alive = true;
    std::vector<HttpConnection> held;
    for (int i = 0; i < 2; ++i) {
        auto c = HttpConnection::connect(s->port);
        ASSERT_TRUE(c.has_value());
        const auto r = c->exchange(live);
        ASSERT_TRUE(r.has_value()) << c->last_error();
        ASSERT_EQ(r->status, 200);
        held.push_back(std::move(*c));
    }
    // The third is answered at once, before it sends anything.
    auto third = HttpConnection::connect(s->port);
    ASSERT_TRUE(third.has_value());
    const auto busy = third->read_response(5s);
    ASSERT_TRUE(busy.has_value()) << third->last_error();
    expect_problem(*busy, 503);
    EXPECT_FALSE(busy->header("Retry-After").value_or("").empty());
    EXPECT_TRUE(third->wait_closed(5s));
    // The two held connections still work; once one closes, a new one is served.
    ASSERT_TRUE(held[0].exchange(live).has_value());
    held[1].close();
    bool served = false;
    for (int attempt = 0; attempt < 50 && !served; ++attempt) {
        std::string error;
        auto r = http_exchange(s->port, live, &error);
        served = r && r->status == 200;
        if (!served) std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(served) << "a slot freed by a closed connection is used again";
}

// --- Shutdown and crashes ---------------------------------------------------------------

// Posts events `prefix-N` of type `type` as `token`, each on a fresh connection, until
// `stop` or until the server is gone; records the ids answered 202.
struct Poster {
    std::vector<std::string> acknowledged;
    int failures_before_signal = 0;
    int other_status = 0;
    int acknowledged_after_signal = 0;  // answered 202 after the signal was sent
};

void post_until_gone(unsigned short port, const std::string& token, const std::string& type,
                     const std::string& prefix, int max_events, const std::atomic<bool>& signalled,
                     std::atomic<int>& acked_total, Poster& out) {
    for (int i = 0; i < max_events; ++i) {
        HttpRequest r;
        r.method = "POST";
        r.target = "/v1/events";
        r.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
        const std::string id = prefix + "-" + std::to_string(i);
        r.body = json{{"type", type}, {"id", id}, {"source", "load"}, {"data", {{"n", i}}}}.dump();
        std::string error;
        const auto res = http_exchange(port, r, &error, 10s);
        if (!res) {
            if (!signalled.load()) ++out.failures_before_signal;
            if (signalled.load()) return;  // the server is gone: nothing more will be answered
            continue;
        }
        if (res->status == 202) {
            if (signalled.load()) ++out.acknowledged_after_signal;
            out.acknowledged.push_back(id);
            acked_total.fetch_add(1);
        } else {
            ++out.other_status;
            if (signalled.load()) return;
        }
    }
}

TEST_F(HttpApi, SigtermWhileRequestsAreInFlightKeepsEveryAcknowledgedEvent) {
    ServerProcess* s = start_server({"--quiet", "--rate-limit", "0"});
    ASSERT_NE(s, nullptr);
    constexpr int threads = 20;
    std::atomic<bool> signalled{false};
    std::atomic<int> acked{0};
    std::vector<Poster> posters(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back(post_until_gone, s->port, tokens_["dana"], "sigterm.load",
                          "t" + std::to_string(t), 400, std::cref(signalled), std::ref(acked),
                          std::ref(posters[t]));
    }
    const auto deadline = Clock::now() + 20s;
    while (acked.load() < 200 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    signalled.store(true);
    s->child->kill(SIGTERM);
    for (auto& t : pool) t.join();
    stop_server(*s);  // SIGTERM again is harmless; it must exit 0

    std::set<std::string> acknowledged;
    int failures = 0, after_signal = 0;
    for (const auto& p : posters) {
        acknowledged.insert(p.acknowledged.begin(), p.acknowledged.end());
        failures += p.failures_before_signal;
        after_signal += p.acknowledged_after_signal;
        EXPECT_EQ(p.other_status, 0);
    }
    RecordProperty("acknowledged_after_sigterm", after_signal);
    std::printf("[   INFO   ] %zu events acknowledged, %d of them after SIGTERM\n",
                acknowledged.size(), after_signal);
    EXPECT_EQ(failures, 0) << "requests failed before the signal";
    ASSERT_GE(acknowledged.size(), 200u);
    const auto stored = stored_event_ids("sigterm.load", port_);
    const std::set<std::string> stored_set(stored.begin(), stored.end());
    EXPECT_EQ(stored.size(), stored_set.size()) << "an event stored twice";
    int missing = 0;
    for (const auto& id : acknowledged) missing += stored_set.count(id) == 0;
    EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged events";
}

TEST_F(HttpApi, KillDashNineLosesNoAcknowledgedEvent) {
    ServerProcess* s = start_server({"--quiet", "--rate-limit", "0"});
    ASSERT_NE(s, nullptr);
    constexpr int threads = 8;
    std::atomic<bool> signalled{false};
    std::atomic<int> acked{0};
    std::vector<Poster> posters(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back(post_until_gone, s->port, tokens_["lee"], "crash.load",
                          "k" + std::to_string(t), 400, std::cref(signalled), std::ref(acked),
                          std::ref(posters[t]));
    }
    const auto deadline = Clock::now() + 20s;
    while (acked.load() < 150 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    signalled.store(true);
    s->child->kill(SIGKILL);
    for (auto& t : pool) t.join();
    s->stopped = true;
    const auto status = s->child->finish(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);

    std::vector<std::string> acknowledged;
    for (const auto& p : posters) {
        EXPECT_EQ(p.failures_before_signal, 0);
        acknowledged.insert(acknowledged.end(), p.acknowledged.begin(), p.acknowledged.end());
    }
    ASSERT_GE(acknowledged.size(), 150u);

    // A new server on the same workspace finds every acknowledged event exactly once.
    ServerProcess* again = start_server({"--quiet", "--rate-limit", "0"});
    ASSERT_NE(again, nullptr);
    std::map<std::string, int> count;
    for (const auto& id : stored_event_ids("crash.load", again->port)) ++count[id];
    int wrong = 0;
    for (const auto& id : acknowledged) {
        if (count[id] != 1) {
            if (++wrong <= 5) ADD_FAILURE() << id << " is stored " << count[id] << " times";
        }
    }
    EXPECT_EQ(wrong, 0);

    // Posting them all again: every one is a duplicate.
    for (std::size_t start = 0; start < acknowledged.size(); start += 500) {
        json batch = json::array();
        for (std::size_t i = start; i < std::min(acknowledged.size(), start + 500); ++i) {
            batch.push_back({{"specversion", "1.0"},
                             {"type", "crash.load"},
                             {"id", acknowledged[i]},
                             {"source", "load"},
                             {"data", json::object()}});
        }
        const auto r = call("POST", "/v1/events", "lee", batch.dump(),
                            {{"Content-Type", "application/cloudevents-batch+json"}}, again->port);
        ASSERT_EQ(r.status, 202) << describe(r);
        const json j = body_json(r);
        ASSERT_EQ(j["events"].size(), batch.size());
        for (const auto& e : j["events"]) {
            EXPECT_EQ(e.value("duplicate", false), true) << e;
        }
    }
    // One single re-post in plain JSON answers the same.
    const auto single =
        call("POST", "/v1/events", "lee",
             json{{"type", "crash.load"}, {"id", acknowledged.front()}, {"source", "load"}}.dump(),
             {}, again->port);
    ASSERT_EQ(single.status, 202);
    EXPECT_EQ(body_json(single).value("duplicate", false), true);
}

// --- Logs -------------------------------------------------------------------------------

TEST_F(HttpApi, EachRequestLogsOneJsonLineWithoutSecrets) {
    ServerProcess* s = start_server({});
    ASSERT_NE(s, nullptr);
    const std::string garbage = "bt_garbage-secret-that-must-not-be-logged";
    std::map<std::string, int> statuses;  // by request id
    auto record = [&](const HttpResponse& r) {
        const std::string id = r.header("X-Request-Id").value_or("");
        EXPECT_FALSE(id.empty()) << describe(r);
        statuses[id] = r.status;
    };
    record(call("GET", "/v1/handoffs", "dana", "", {}, s->port));
    record(call("GET", "/v1/handoffs/424242", "dana", "", {}, s->port));
    record(call("POST", "/v1/events?secret=in-the-query", "dana",
                json{{"type", "logged.event"}, {"data", {{"password", "hunter2"}}}}.dump(), {},
                s->port));
    record(call("GET", "/livez", "", "", {}, s->port));
    HttpRequest bad;
    bad.target = "/v1/handoffs";
    bad.headers = {{"Authorization", "Bearer " + garbage}};
    record(send(bad, s->port));
    ASSERT_EQ(statuses.size(), 5u);
    stop_server(*s);

    const std::string& err = s->child->err();
    std::map<std::string, int> logged;
    for (const auto& line : split_lines(err)) {
        if (line.empty()) continue;
        const json j = json::parse(line, nullptr, false);
        ASSERT_TRUE(j.is_object()) << "not a JSON line: " << line;
        ASSERT_TRUE(j.contains("request_id")) << line;
        const std::string id = j["request_id"];
        ++logged[id];
        ASSERT_TRUE(statuses.count(id)) << "a line for a request not made: " << line;
        EXPECT_EQ(j.value("status", 0), statuses[id]) << line;
        EXPECT_TRUE(j.contains("route") && j["route"].is_string()) << line;
        EXPECT_TRUE(j.contains("method")) << line;
    }
    for (const auto& [id, status] : statuses) {
        EXPECT_EQ(logged[id], 1) << "request " << id << " (" << status << ") logged " << logged[id]
                                 << " times\n"
                                 << err;
    }
    EXPECT_NE(err.find("\"route\":\"/v1/handoffs/{id}\""), std::string::npos) << err;
    EXPECT_NE(err.find("\"actor\":\"dana\""), std::string::npos) << err;
    for (const std::string& secret :
         {tokens_["dana"], garbage, std::string("hunter2"), std::string("in-the-query")}) {
        EXPECT_EQ(err.find(secret), std::string::npos) << "a secret in the log: " << secret;
    }
    // The token's hash is not a secret's stand-in in the log either.
    EXPECT_EQ(err.find("Bearer"), std::string::npos) << err;
}


// ---------------------------------------------------------------------------------------
// Inbound webhooks: every signature scheme, on the real server — valid, body tampered,
// timestamp stale, wrong secret, header missing. A refused delivery stores nothing.

const char* hook_sources = R"(sources:
  - name: crm
    scheme: standard-webhooks
    secret: whsec_c2VjcmV0LWZvci10aGUtc3RhbmRhcmQtd2ViaG9va3MtdGVzdA==
    type: "{{payload.type}}"
    subject: "{{payload.data.company}}"
    data: payload.data
  - name: gh
    scheme: github
    secret: github-test-secret
  - name: pay
    scheme: stripe
    secret: whsec_stripe_test_secret
    type: "{{payload.type}}"
  - name: chat
    scheme: slack
    secret: slack-signing-secret
    type: "slack.{{payload.type}}"
    id: "{{payload.event_id}}"
)";

struct SignedDelivery {
    Headers headers;
    std::string body;
};

// Signs `body` for `scheme` at unix time `ts` with `secret`, the way each sender does.
SignedDelivery sign_for(const std::string& scheme, const std::string& body, std::int64_t ts,
                        const std::string& secret, const std::string& id) {
    SignedDelivery d{{{"Content-Type", "application/json"}}, body};
    if (scheme == "standard-webhooks") {
        auto sig = crypto::sign_standard_webhook(id, ts, body, secret);
        d.headers.insert(d.headers.end(), {{"webhook-id", id},
                                           {"webhook-timestamp", std::to_string(ts)},
                                           {"webhook-signature", sig ? *sig : "v1,bad"}});
    } else if (scheme == "github") {
        d.headers.insert(d.headers.end(),
                         {{"X-Hub-Signature-256",
                           "sha256=" + crypto::hex_encode(crypto::hmac_sha256(secret, body))},
                          {"X-GitHub-Event", "push"},
                          {"X-GitHub-Delivery", id}});
    } else if (scheme == "stripe") {
        const std::string signed_payload = std::to_string(ts) + "." + body;
        d.headers.emplace_back("Stripe-Signature",
                               "t=" + std::to_string(ts) + ",v1=" +
                                   crypto::hex_encode(crypto::hmac_sha256(secret, signed_payload)));
    } else {
        const std::string base = "v0:" + std::to_string(ts) + ":" + body;
        d.headers.insert(d.headers.end(),
                         {{"X-Slack-Request-Timestamp", std::to_string(ts)},
                          {"X-Slack-Signature",
                           "v0=" + crypto::hex_encode(crypto::hmac_sha256(secret, base))}});
    }
    return d;
}

struct HookCase {
    const char* source;
    const char* scheme;
    const char* secret;
    bool signs_time;  // GitHub signs no timestamp: there is no stale delivery to test
};

const HookCase hook_cases[] = {
    {"crm", "standard-webhooks", "whsec_c2VjcmV0LWZvci10aGUtc3RhbmRhcmQtd2ViaG9va3MtdGVzdA==",
     true},
    {"gh", "github", "github-test-secret", false},
    {"pay", "stripe", "whsec_stripe_test_secret", true},
    {"chat", "slack", "slack-signing-secret", true},
};

class HttpHooks : public HttpApi {
  protected:
    void SetUp() override {
        HttpApi::SetUp();
        const auto put = call("PUT", "/v1/sources", "ari", hook_sources,
                              {{"Content-Type", "application/yaml"}});
        ASSERT_EQ(put.status, 200) << put.body;
    }

    HttpResponse deliver(const std::string& source, const SignedDelivery& d) {
        HttpRequest r;
        r.method = "POST";
        r.target = "/hooks/" + source;
        r.headers = d.headers;
        r.body = d.body;
        return send(r);
    }

    std::size_t stored_events() {
        const auto r = get("/v1/events?limit=1000");
        EXPECT_EQ(r.status, 200) << r.body;
        return body_json(r)["items"].size();
    }
};

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string hook_body(const HookCase& c, int n) {
    json body = {{"type", std::string(c.scheme) == "standard-webhooks" ? "deal.won"
                                                                       : "thing.happened"},
                 {"id", std::string("evt_") + c.source + std::to_string(n)},
                 {"event_id", std::string("Ev") + c.source + std::to_string(n)},
                 {"data", {{"company", "Hooked"}, {"amount", 5000}, {"pipeline", "services"}}}};
    if (std::string(c.scheme) == "github") {
        // sign_for says X-GitHub-Event: push, and the body must look like one.
        body.update({{"ref", "refs/heads/main"}, {"before", "a1"}, {"after", "b" +
                     std::to_string(n)}, {"commits", json::array()}});
    }
    return body.dump();
}

TEST_F(HttpHooks, AValidDeliveryOfEverySchemeIsStoredOnceAndAReplayIsADuplicate) {
    int n = 0;
    for (const auto& c : hook_cases) {
        SCOPED_TRACE(c.source);
        const auto d = sign_for(c.scheme, hook_body(c, ++n), unix_now(), c.secret,
                                std::string("msg_") + c.source);
        const auto first = deliver(c.source, d);
        ASSERT_EQ(first.status, 202) << first.body;
        const json j = body_json(first);
        EXPECT_EQ(j.value("source", ""), c.source);
        EXPECT_FALSE(j.value("duplicate", true));
        const auto again = deliver(c.source, d);
        ASSERT_EQ(again.status, 202) << again.body;
        EXPECT_TRUE(body_json(again).value("duplicate", false));
    }
    // The Standard Webhooks delivery mapped payload.data to the event's data: it matched the
    // sold-to-onboarding playbook and made a handoff about "Hooked".
    const auto list = get("/v1/handoffs?subject=Hooked");
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(body_json(list)["items"].size(), 1u) << list.body;
    // GitHub's type comes from X-GitHub-Event, Slack's from the mapping.
    const auto events = body_json(get("/v1/events?limit=1000"))["items"];
    std::set<std::string> types;
    for (const auto& e : events) types.insert(e.value("type", ""));
    EXPECT_TRUE(types.count("push")) << events.dump();
    EXPECT_TRUE(types.count("slack.thing.happened")) << events.dump();
    EXPECT_TRUE(types.count("deal.won")) << events.dump();
}

// Issue 22, finding 4: GitHub signs the body, not X-GitHub-Delivery or X-GitHub-Event. The
// same signed body under a new delivery id is a duplicate (before: a new event, 202 and
// duplicate:false), and under another event type it is refused, naming the header (before:
// a new event of that type).
TEST_F(HttpHooks, AGitHubBodyReplayedUnderNewHeadersIsADuplicateOrRefused) {
    const HookCase& gh = hook_cases[1];
    ASSERT_EQ(std::string(gh.scheme), "github");
    const auto d = sign_for("github", hook_body(gh, 900), unix_now(), gh.secret, "guid-1");
    const auto first = deliver("gh", d);
    ASSERT_EQ(first.status, 202) << first.body;
    EXPECT_FALSE(body_json(first).value("duplicate", true));
    const std::size_t stored = stored_events();

    SignedDelivery new_id = d;
    for (auto& [name, value] : new_id.headers) {
        if (name == "X-GitHub-Delivery") value = "guid-2";
    }
    const auto again = deliver("gh", new_id);
    ASSERT_EQ(again.status, 202) << again.body;
    EXPECT_TRUE(body_json(again).value("duplicate", false)) << again.body;
    EXPECT_EQ(body_json(again).value("id", ""), body_json(first).value("id", ""));

    for (const char* other : {"pull_request", "issues", "create", "deal.won"}) {
        SCOPED_TRACE(other);
        SignedDelivery retyped = new_id;
        for (auto& [name, value] : retyped.headers) {
            if (name == "X-GitHub-Event") value = other;
        }
        expect_problem(deliver("gh", retyped), 400, "X-GitHub-Event");
    }
    EXPECT_EQ(stored_events(), stored);

    // A body that is the event its header says gets through: an `issues` event.
    const std::string issue = json{{"action", "opened"}, {"issue", {{"number", 7}}}}.dump();
    SignedDelivery issues = sign_for("github", issue, unix_now(), gh.secret, "guid-3");
    for (auto& [name, value] : issues.headers) {
        if (name == "X-GitHub-Event") value = "issues";
    }
    const auto opened = deliver("gh", issues);
    ASSERT_EQ(opened.status, 202) << opened.body;
    EXPECT_EQ(body_json(opened).value("type", ""), "issues");
}

TEST_F(HttpHooks, EveryBadSignatureIs401AndStoresNothing) {
    const std::size_t before = stored_events();
    int refused = 0;
    int n = 100;
    for (const auto& c : hook_cases) {
        SCOPED_TRACE(c.source);
        const std::string body = hook_body(c, ++n);
        const std::string id = std::string("msg_bad_") + c.source;
        // Body tampered after signing.
        SignedDelivery tampered = sign_for(c.scheme, body, unix_now(), c.secret, id);
        tampered.body.back() = ' ';
        tampered.body += "}";
        // Signed with another secret (for Standard Webhooks, another valid whsec_ key).
        const std::string other = std::string(c.scheme) == "standard-webhooks"
                                      ? "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlcg=="
                                      : std::string(c.secret) + "-not";
        const SignedDelivery wrong_secret = sign_for(c.scheme, body, unix_now(), other, id);
        std::vector<std::pair<const char*, SignedDelivery>> bad = {
            {"tampered", tampered}, {"wrong secret", wrong_secret}};
        if (c.signs_time) {
            bad.emplace_back("stale", sign_for(c.scheme, body, unix_now() - 3600, c.secret, id));
            bad.emplace_back("future",
                             sign_for(c.scheme, body, unix_now() + 3600, c.secret, id));
        }
        // Each signature header missing in turn.
        const SignedDelivery good = sign_for(c.scheme, body, unix_now(), c.secret, id);
        for (std::size_t i = 1; i < good.headers.size(); ++i) {
            SignedDelivery missing = good;
            missing.headers.erase(missing.headers.begin() + static_cast<long>(i));
            bad.emplace_back("missing header", missing);
        }
        for (const auto& [what, delivery] : bad) {
            SCOPED_TRACE(what);
            const auto r = deliver(c.source, delivery);
            if (std::string(c.scheme) == "github" && std::string(what) == "missing header" &&
                r.status == 400) {
                // GitHub does not sign X-GitHub-Event/Delivery: without them the signature
                // holds but the delivery cannot become an event (400, still nothing stored).
                expect_problem(r, 400);
                continue;
            }
            expect_problem(r, 401, "signature");
            ++refused;
        }
    }
    EXPECT_EQ(stored_events(), before);
    // Every refusal is counted per source.
    const auto metrics = get("/metrics");
    std::int64_t counted = 0;
    for (const auto& c : hook_cases) {
        const std::regex line("baton_webhook_signature_failures_total\\{source=\"" +
                              std::string(c.source) + "\"\\} ([0-9]+)");
        std::smatch m;
        if (std::regex_search(metrics.body, m, line)) counted += std::stoll(m[1]);
    }
    EXPECT_EQ(counted, refused) << metrics.body;
}

TEST_F(HttpHooks, AnUnknownSourceIs404AndSourcesNeverShowTheirSecrets) {
    const auto r = deliver("nobody", sign_for("github", "{}", unix_now(), "x", "id1"));
    expect_problem(r, 404, "source");
    const auto sources = get("/v1/sources");
    ASSERT_EQ(sources.status, 200);
    EXPECT_EQ(sources.body.find("github-test-secret"), std::string::npos);
    EXPECT_EQ(sources.body.find("slack-signing-secret"), std::string::npos);
    EXPECT_EQ(body_json(sources)["items"].size(), 4u);
    // Only admins read them.
    EXPECT_EQ(get("/v1/sources", "dana").status, 403);
}

// Vendor presets (issue 19): each vendor's delivery signed as the vendor signs it, shaped as
// it documents its payload, through the real server; a HubSpot deal won starts a handoff.
const char* preset_sources = R"(sources:
  - {name: deals, preset: hubspot, secret: hubspot-app-secret,
     url: "https://baton.example.com/hooks/deals"}
  - {name: pd, preset: pipedrive, secret: "baton:pipedrive-pass"}
  - {name: cal, preset: calendly, secret: calendly-signing-key}
  - {name: form, preset: typeform, secrets: [typeform-new-secret, typeform-old-secret]}
  - {name: shop, preset: shopify, secret: shopify-app-secret}
  - {name: calcom, preset: cal-com, secret: calcom-secret}
  - {name: zap, preset: zapier, secret: zapier-bearer-token-0123456789}
  - {name: chat, preset: slack, secret: slack-signing-secret}
)";

const char* hubspot_won_playbook = R"(id: hubspot-won
title: Won in HubSpot → onboarding
when: hubspot.deal.propertyChange
if: data.propertyName == "dealstage" && data.propertyValue == "closedwon"
subject: "deal {{subject}}"
from: sales
owner: dana
calendar: 24x7
done: The client has a kickoff date.
checklist:
  - Book the kickoff
accept_within: 1h
done_within: 1d
)";

std::string hubspot_entry(long long event_id, const std::string& stage) {
    return json({{"eventId", event_id},
                 {"subscriptionId", 2201573},
                 {"portalId", 62515},
                 {"appId", 1160452},
                 {"occurredAt", unix_now() * 1000},
                 {"subscriptionType", "deal.propertyChange"},
                 {"attemptNumber", 0},
                 {"objectId", 1246965},
                 {"propertyName", "dealstage"},
                 {"propertyValue", stage},
                 {"changeSource", "CRM"}})
        .dump();
}

class HttpPresets : public HttpApi {
  protected:
    void SetUp() override {
        HttpApi::SetUp();
        const auto put = call("PUT", "/v1/sources", "ari", preset_sources,
                              {{"Content-Type", "application/yaml"}});
        ASSERT_EQ(put.status, 200) << put.body;
        const auto pb = call("PUT", "/v1/playbooks/hubspot-won", "ari", hubspot_won_playbook,
                             {{"Content-Type", "application/yaml"}});
        ASSERT_EQ(pb.status, 200) << pb.body;
    }

    HttpResponse deliver(const std::string& source, const Headers& headers,
                         const std::string& body) {
        HttpRequest r;
        r.method = "POST";
        r.target = "/hooks/" + source;
        r.headers = headers;
        r.headers.emplace_back("Content-Type", "application/json");
        r.body = body;
        return send(r);
    }
};

Headers hubspot_headers(const std::string& body, const std::string& secret, std::int64_t ms) {
    const std::string base =
        "POST" + std::string("https://baton.example.com/hooks/deals") + body + std::to_string(ms);
    return {{"X-HubSpot-Signature-v3", crypto::base64_encode(crypto::hmac_sha256(secret, base))},
            {"X-HubSpot-Request-Timestamp", std::to_string(ms)}};
}

TEST_F(HttpPresets, AHubSpotBatchIsOneEventEachAndADealWonStartsAHandoff) {
    const std::string body = "[" + hubspot_entry(1794524217, "closedwon") + "," +
                             hubspot_entry(1794524218, "appointmentscheduled") + "]";
    const auto r =
        deliver("deals", hubspot_headers(body, "hubspot-app-secret", unix_now() * 1000), body);
    ASSERT_EQ(r.status, 202) << r.body;
    const json answer = body_json(r);
    ASSERT_EQ(answer["events"].size(), 2u) << r.body;
    EXPECT_EQ(answer["events"][0]["id"], "1794524217");
    EXPECT_EQ(answer["events"][0]["type"], "hubspot.deal.propertyChange");
    EXPECT_EQ(answer["events"][0]["handoffs"].size(), 1u) << "the won stage starts one";
    EXPECT_EQ(answer["events"][1]["handoffs"].size(), 0u) << "another stage starts none";
    const json h = body_json(get("/v1/handoffs/" + answer["events"][0]["handoffs"][0].dump()));
    EXPECT_EQ(h["subject"], "deal 1246965");
    EXPECT_EQ(h["owner"], "dana");
    // HubSpot retries the whole batch: both are duplicates, nothing new.
    const auto again =
        deliver("deals", hubspot_headers(body, "hubspot-app-secret", unix_now() * 1000), body);
    ASSERT_EQ(again.status, 202) << again.body;
    EXPECT_EQ(body_json(again)["events"][0]["duplicate"], true);
    EXPECT_EQ(body_json(again)["events"][1]["duplicate"], true);
}

TEST_F(HttpPresets, ATestDeliveryAnswersWhatItWouldDoAndStoresNothing) {
    const std::string body = "[" + hubspot_entry(1794524301, "closedwon") + "," +
                             hubspot_entry(1794524302, "appointmentscheduled") + "]";
    const Headers json_type = {{"Content-Type", "application/json"}};
    const auto r = call("POST", "/v1/sources/deals/test", "ari", body, json_type);
    ASSERT_EQ(r.status, 200) << r.body;
    const json answer = body_json(r);
    EXPECT_EQ(answer["source"], "deals");
    ASSERT_EQ(answer["events"].size(), 2u) << r.body;
    const json& won = answer["events"][0];
    EXPECT_EQ(won["event"]["id"], "1794524301");
    EXPECT_EQ(won["event"]["type"], "hubspot.deal.propertyChange");
    EXPECT_EQ(won["duplicate"], false);
    ASSERT_EQ(won["would_start"].size(), 1u) << r.body;
    EXPECT_EQ(won["would_start"][0]["playbook"], "hubspot-won");
    EXPECT_EQ(won["would_start"][0]["owner"], "dana");
    EXPECT_EQ(won["would_start"][0]["subject"], "deal 1246965");
    EXPECT_TRUE(won["would_start"][0]["accept_by"].is_string()) << r.body;
    EXPECT_EQ(answer["events"][1]["would_start"].size(), 0u);
    EXPECT_EQ(body_json(get("/v1/events"))["items"].size(), 0u) << "no event stored";
    EXPECT_EQ(body_json(get("/v1/handoffs"))["items"].size(), 0u) << "no handoff stored";

    // Once the real delivery is in, the same body is a duplicate.
    ASSERT_EQ(deliver("deals", hubspot_headers(body, "hubspot-app-secret", unix_now() * 1000), body)
                  .status,
              202);
    const json again = body_json(call("POST", "/v1/sources/deals/test", "ari", body, json_type));
    EXPECT_EQ(again["events"][0]["duplicate"], true) << again.dump();

    // Admins only; refusals name their field.
    EXPECT_EQ(call("POST", "/v1/sources/deals/test", "dana", body, json_type).status, 403);
    expect_problem(call("POST", "/v1/sources/nope/test", "ari", body, json_type), 404, "source");
    expect_problem(call("POST", "/v1/sources/deals/test", "ari", "[{", json_type), 400, "body");
    expect_problem(call("POST", "/v1/sources/deals/test", "ari", R"([{"eventId": 1}])", json_type),
                   400, "[0].type");
    expect_problem(call("POST", "/v1/sources/deals/test?color=red", "ari", body, json_type), 400,
                   "color");
}

TEST_F(HttpPresets, HubSpotRefusesAStaleOrForgedOrOversizedBatch) {
    const std::string body = "[" + hubspot_entry(1, "closedwon") + "]";
    const auto stale = deliver(
        "deals", hubspot_headers(body, "hubspot-app-secret", (unix_now() - 600) * 1000), body);
    expect_problem(stale, 401, "signature");
    const auto forged =
        deliver("deals", hubspot_headers(body, "not-the-secret", unix_now() * 1000), body);
    expect_problem(forged, 401, "signature");
    std::string many = "[";
    for (int i = 0; i < 101; ++i) many += (i ? "," : "") + hubspot_entry(100 + i, "closedwon");
    many += "]";
    const auto over =
        deliver("deals", hubspot_headers(many, "hubspot-app-secret", unix_now() * 1000), many);
    expect_problem(over, 400, "body");
    EXPECT_NE(over.body.find("at most 100"), std::string::npos) << over.body;
    EXPECT_EQ(body_json(get("/v1/events?limit=1000"))["items"].size(), 0u);
}

TEST_F(HttpPresets, EveryOtherVendorsSignedDeliveryIsStoredAndAForgeryRefused) {
    struct Case {
        std::string source;
        std::function<Headers(const std::string& body, const std::string& secret)> sign;
        std::string secret;
        std::string body;
        std::string type;
    };
    const auto hmac = [](const std::string& k, const std::string& m) {
        return crypto::hmac_sha256(k, m);
    };
    const std::string t = std::to_string(unix_now());
    const std::vector<Case> cases = {
        {"pd",
         [](const std::string&, const std::string& secret) {
             return Headers{{"Authorization", "Basic " + crypto::base64_encode(secret)}};
         },
         "baton:pipedrive-pass",
         R"({"data":{"id":123,"title":"Acme deal","status":"won"},"previous":{"status":"open"},)"
         R"("meta":{"action":"change","entity":"deal","entity_id":"123","id":"b6f7a6b2-1",)"
         R"("version":"2.0","timestamp":"2026-12-03T10:00:00.000Z"}})",
         "pipedrive.deal.change"},
        {"cal",
         [&](const std::string& body, const std::string& secret) {
             return Headers{{"Calendly-Webhook-Signature",
                             "t=" + t + ",v1=" + crypto::hex_encode(hmac(secret, t + "." + body))}};
         },
         "calendly-signing-key",
         R"({"created_at":"2026-12-03T10:00:00.000000Z","event":"invitee.created",)"
         R"("payload":{"email":"ada@acme.example","name":"Ada Lovelace",)"
         R"("uri":"https://api.calendly.com/scheduled_events/GBGB/invitees/AAAA"}})",
         "calendly.invitee.created"},
        {"form",
         [&](const std::string& body, const std::string& secret) {
             return Headers{
                 {"Typeform-Signature", "sha256=" + crypto::base64_encode(hmac(secret, body))}};
         },
         "typeform-new-secret",
         R"({"event_id":"01HJ3Q4XN2","event_type":"form_response","form_response":)"
         R"({"form_id":"lT4Z3j","definition":{"title":"Intake"},"answers":[]}})",
         "typeform.form_response"},
        {"shop",
         [&](const std::string& body, const std::string& secret) {
             return Headers{{"X-Shopify-Hmac-SHA256", crypto::base64_encode(hmac(secret, body))},
                            {"X-Shopify-Topic", "orders/paid"},
                            {"X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"}};
         },
         "shopify-app-secret",
         R"({"id":820982911946154508,"email":"jon@example.com","name":"#9999",)"
         R"("financial_status":"paid"})",
         "shopify.orders/paid"},
        {"calcom",
         [&](const std::string& body, const std::string& secret) {
             return Headers{{"X-Cal-Signature-256", crypto::hex_encode(hmac(secret, body))}};
         },
         "calcom-secret",
         R"({"triggerEvent":"BOOKING_CREATED","createdAt":"2026-12-03T10:00:00.000Z",)"
         R"("payload":{"title":"30 Min Meeting","uid":"bFJeNb2uX8ANpT3JL5EfXw"}})",
         "calcom.BOOKING_CREATED"},
        {"zap",
         [](const std::string&, const std::string& secret) {
             return Headers{{"Authorization", "Bearer " + secret}};
         },
         "zapier-bearer-token-0123456789",
         R"({"type":"form.submitted","id":"zap-1","subject":"Acme","data":{"x":1}})",
         "form.submitted"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.source);
        expect_problem(deliver(c.source, c.sign(c.body, c.secret + "-wrong"), c.body), 401,
                       "signature");
        expect_problem(deliver(c.source, {}, c.body), 401, "signature");
        const auto r = deliver(c.source, c.sign(c.body, c.secret), c.body);
        ASSERT_EQ(r.status, 202) << r.body;
        EXPECT_EQ(body_json(r)["type"], c.type);
        EXPECT_EQ(body_json(r)["duplicate"], false);
        const auto again = deliver(c.source, c.sign(c.body, c.secret), c.body);
        ASSERT_EQ(again.status, 202) << again.body;
        EXPECT_EQ(body_json(again)["duplicate"], true) << "the same delivery is stored once";
    }
    EXPECT_EQ(body_json(get("/v1/events?limit=1000"))["items"].size(), cases.size());
}

TEST_F(HttpPresets, BothSecretsOfARolloverAreAcceptedAndNoOther) {
    const auto sign = [](const std::string& body, const std::string& secret) {
        return Headers{{"Typeform-Signature",
                        "sha256=" + crypto::base64_encode(crypto::hmac_sha256(secret, body))}};
    };
    const auto body = [](const std::string& id) {
        return R"({"event_id":")" + id +
               R"(","event_type":"form_response","form_response":{"form_id":"f"}})";
    };
    EXPECT_EQ(deliver("form", sign(body("a"), "typeform-new-secret"), body("a")).status, 202);
    EXPECT_EQ(deliver("form", sign(body("b"), "typeform-old-secret"), body("b")).status, 202);
    expect_problem(deliver("form", sign(body("c"), "typeform-older-secret"), body("c")), 401,
                   "signature");
}

TEST_F(HttpPresets, SlacksUrlVerificationIsAnsweredWithItsChallengeAndNothingStored) {
    const std::string body =
        R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})";
    const std::string ts = std::to_string(unix_now());
    const Headers signed_headers = {
        {"X-Slack-Request-Timestamp", ts},
        {"X-Slack-Signature", "v0=" + crypto::hex_encode(crypto::hmac_sha256(
                                          "slack-signing-secret", "v0:" + ts + ":" + body))}};
    const auto r = deliver("chat", signed_headers, body);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_json(r)["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    // Unsigned, it is a forgery like any other.
    expect_problem(deliver("chat", {}, body), 401, "signature");
    EXPECT_EQ(body_json(get("/v1/events?limit=1000"))["items"].size(), 0u);
    // The sources list says which preset each source came from, and never a secret.
    const auto sources = get("/v1/sources");
    EXPECT_EQ(sources.body.find("slack-signing-secret"), std::string::npos);
    EXPECT_EQ(sources.body.find("typeform-old-secret"), std::string::npos);
    EXPECT_NE(sources.body.find(R"("preset":"hubspot")"), std::string::npos) << sources.body;
}

// The delivery log of /hooks (issue 19): every call is logged with the check that refused
// it, and a refused call is replayed once its cause is fixed.
class HttpDeliveries : public HttpPresets {
  protected:
    json deliveries(const std::string& query = "") {
        const auto r = get("/v1/deliveries" + query);
        EXPECT_EQ(r.status, 200) << r.body;
        return body_json(r);
    }
    json newest() {
        const json page = deliveries("?limit=1");
        EXPECT_EQ(page["items"].size(), 1u);
        return page["items"].empty() ? json::object() : page["items"][0];
    }
    // sources.yaml with one source changed.
    void put_sources(const std::string& from, const std::string& to) {
        std::string yaml = preset_sources;
        const auto at = yaml.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        yaml.replace(at, from.size(), to);
        const auto put =
            call("PUT", "/v1/sources", "ari", yaml, {{"Content-Type", "application/yaml"}});
        ASSERT_EQ(put.status, 200) << put.body;
    }
    HttpResponse replay(std::int64_t id) {
        return call("POST", "/v1/deliveries/" + std::to_string(id) + "/replay", "ari");
    }
};

Headers typeform_headers(const std::string& body, const std::string& secret) {
    return {{"Typeform-Signature",
             "sha256=" + crypto::base64_encode(crypto::hmac_sha256(secret, body))}};
}

TEST_F(HttpDeliveries, AMappingRefusalIsLoggedAndReplayedOnceTheMappingIsFixed) {
    // A HubSpot entry without eventId: the preset's id template has nothing to use.
    json entry = json::parse(hubspot_entry(1, "closedwon"));
    entry.erase("eventId");
    const std::string body = "[" + entry.dump() + "]";
    const auto refused =
        deliver("deals", hubspot_headers(body, "hubspot-app-secret", unix_now() * 1000), body);
    expect_problem(refused, 400, "[0].id");
    const json logged = newest();
    EXPECT_EQ(logged["source"], "deals");
    EXPECT_EQ(logged["outcome"], "refused");
    EXPECT_EQ(logged["stage"], "mapping");
    EXPECT_EQ(logged["field"], "[0].id");
    EXPECT_EQ(logged["message"], body_json(refused)["detail"]);
    EXPECT_EQ(logged["verified"], true);
    EXPECT_EQ(logged["replayable"], true);
    EXPECT_FALSE(logged.contains("body")) << "the list leaves the content out";
    const std::int64_t id = logged["id"];
    // One call has its headers and body as they came.
    const json one = body_json(get("/v1/deliveries/" + std::to_string(id)));
    EXPECT_EQ(one["body"], body);
    EXPECT_EQ(one["method"], "POST");
    EXPECT_EQ(one["uri"], "https://baton.example.com/hooks/deals");
    bool signature_kept = false;
    for (const auto& h : one["headers"]) {
        signature_kept = signature_kept || (h[0] == "X-HubSpot-Signature-v3" && h[1] != "•••");
    }
    EXPECT_TRUE(signature_kept) << one["headers"].dump();

    // Replayed before the fix, it is refused again and stays replayable.
    const auto early = replay(id);
    ASSERT_EQ(early.status, 201) << early.body;
    EXPECT_EQ(body_json(early)["outcome"], "refused");
    EXPECT_EQ(body_json(early)["replay_of"], id);
    EXPECT_EQ(body_json(get("/v1/deliveries/" + std::to_string(id)))["replayable"], true);

    // The fix: an id the payload has. The replay starts the handoff, checked against the
    // signature's timestamp as of when the call arrived.
    put_sources("{name: deals, preset: hubspot,",
                "{name: deals, preset: hubspot, id: \"{{payload.objectId}}\",");
    const auto fixed = replay(id);
    ASSERT_EQ(fixed.status, 201) << fixed.body;
    const json replayed = body_json(fixed);
    EXPECT_EQ(replayed["outcome"], "accepted") << fixed.body;
    EXPECT_EQ(replayed["replay_of"], id);
    ASSERT_EQ(replayed["events"].size(), 1u);
    EXPECT_EQ(replayed["events"][0]["id"], "1246965");
    EXPECT_EQ(replayed["events"][0]["handoffs"].size(), 1u);
    const json original = body_json(get("/v1/deliveries/" + std::to_string(id)));
    EXPECT_EQ(original["replayed_by"], replayed["id"]);
    EXPECT_FALSE(original["replayed_at"].is_null());
    EXPECT_EQ(original["replayable"], false);
    // Once: a second replay is a conflict and stores nothing.
    const auto twice = replay(id);
    expect_problem(twice, 409, "id");
    EXPECT_NE(twice.body.find("replayed already"), std::string::npos) << twice.body;
    EXPECT_EQ(body_json(get("/v1/events?limit=1000"))["items"].size(), 1u);
    // A replay is not replayed itself; an unknown delivery is 404.
    expect_problem(replay(replayed["id"].get<std::int64_t>()), 409, "id");
    expect_problem(replay(id + 100), 404, "id");
}

TEST_F(HttpDeliveries, AWrongSecretIsLoggedUnverifiedAndReplaysOnceTheSecretIsFixed) {
    const std::string body =
        R"({"event_id":"01HJ3Q4XN2","event_type":"form_response","form_response":{"form_id":"f"}})";
    expect_problem(deliver("form", typeform_headers(body, "the-new-secret"), body), 401,
                   "signature");
    const json logged = newest();
    EXPECT_EQ(logged["stage"], "signature");
    EXPECT_EQ(logged["verified"], false);
    EXPECT_EQ(logged["replayable"], true);
    EXPECT_EQ(body_json(get("/v1/events?limit=1000"))["items"].size(), 0u);
    put_sources("secrets: [typeform-new-secret, typeform-old-secret]",
                "secrets: [the-new-secret, typeform-new-secret]");
    const auto r = replay(logged["id"].get<std::int64_t>());
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(body_json(r)["outcome"], "unmatched") << "stored, though no playbook wants it";
    EXPECT_EQ(body_json(r)["verified"], true);
    EXPECT_EQ(body_json(get("/v1/events?limit=1000"))["items"].size(), 1u);
}

TEST_F(HttpDeliveries, CredentialsAreNeverLoggedSoABearerRefusalCannotBeReplayed) {
    const std::string body = R"({"type":"form.submitted","id":"zap-1","data":{}})";
    expect_problem(deliver("zap",
                           {{"Authorization", "Bearer wrong-token-abcdefghijkl"},
                            {"X-Api-Key", "key-abcdef"},
                            {"Cookie", "session=abc"}},
                           body),
                   401, "signature");
    const std::int64_t id = newest()["id"];
    const auto one = get("/v1/deliveries/" + std::to_string(id));
    for (const char* secret : {"wrong-token-abcdefghijkl", "key-abcdef", "session=abc"}) {
        EXPECT_EQ(one.body.find(secret), std::string::npos) << secret << " in " << one.body;
    }
    EXPECT_NE(one.body.find("•••"), std::string::npos) << one.body;
    const auto r = replay(id);
    expect_problem(r, 409, "signature");
    EXPECT_NE(r.body.find("not kept"), std::string::npos) << r.body;
}

TEST_F(HttpDeliveries, EveryOutcomeIsLoggedAndTheLogFiltersAndPages) {
    const std::string body =
        R"({"event_id":"e-1","event_type":"form_response","form_response":{}})";
    ASSERT_EQ(deliver("form", typeform_headers(body, "typeform-new-secret"), body).status, 202);
    ASSERT_EQ(deliver("form", typeform_headers(body, "typeform-new-secret"), body).status, 202);
    expect_problem(deliver("nowhere", {}, "{}"), 404, "source");
    const std::string won = "[" + hubspot_entry(77, "closedwon") + "]";
    ASSERT_EQ(
        deliver("deals", hubspot_headers(won, "hubspot-app-secret", unix_now() * 1000), won).status,
        202);
    const json all = deliveries();
    ASSERT_EQ(all["items"].size(), 4u) << all.dump();
    EXPECT_EQ(all["items"][0]["outcome"], "accepted");
    EXPECT_NE(all["items"][0]["message"].get<std::string>().find("started 1 handoff"),
              std::string::npos)
        << all["items"][0].dump();
    EXPECT_EQ(all["items"][1]["outcome"], "refused");
    EXPECT_EQ(all["items"][1]["stage"], "source");
    EXPECT_EQ(all["items"][1]["source"], "nowhere");
    EXPECT_EQ(all["items"][2]["outcome"], "duplicate");
    EXPECT_EQ(all["items"][3]["outcome"], "unmatched");
    EXPECT_EQ(all["items"][0]["replayable"], false) << "only a refusal is replayed";
    EXPECT_EQ(deliveries("?outcome=duplicate")["items"].size(), 1u);
    EXPECT_EQ(deliveries("?source=form")["items"].size(), 2u);
    const json first = deliveries("?limit=3");
    ASSERT_EQ(first["items"].size(), 3u);
    const json rest = deliveries("?limit=3&cursor=" + first["next_cursor"].get<std::string>());
    ASSERT_EQ(rest["items"].size(), 1u);
    EXPECT_EQ(rest["items"][0]["outcome"], "unmatched");
    EXPECT_TRUE(rest["next_cursor"].is_null());
    // Bad queries name their parameter; only admins read the log.
    expect_problem(get("/v1/deliveries?outcome=lost"), 400, "outcome");
    expect_problem(get("/v1/deliveries?limit=201"), 400, "limit");
    expect_problem(get("/v1/deliveries?cursor=x"), 400, "cursor");
    expect_problem(get("/v1/deliveries?since=1d"), 400, "since");
    expect_problem(get("/v1/deliveries/abc"), 400, "id");
    EXPECT_EQ(get("/v1/deliveries", "dana").status, 403);
    EXPECT_EQ(call("POST", "/v1/deliveries/1/replay", "dana").status, 403);
}

TEST_F(HttpDeliveries, ForgedCallsAreLoggedWithinABudgetAndCountedPastIt) {
    for (int i = 0; i < limits::hook_unverified_log_per_minute + 5; ++i) {
        expect_problem(deliver("form", {}, "{}"), 401, "signature");
    }
    const json page = deliveries("?limit=200");
    // The budget is per minute: a run that crosses a minute logs up to twice as many.
    const auto logged = static_cast<std::int64_t>(page["items"].size());
    EXPECT_GE(logged, limits::hook_unverified_log_per_minute);
    EXPECT_EQ(logged + page["unlogged"].get<std::int64_t>(),
              limits::hook_unverified_log_per_minute + 5);
}

TEST_F(HttpDeliveries, AnUnverifiedBodyIsKeptOnlyInPartAndCannotBeReplayed) {
    const std::string big =
        "{\"pad\":\"" + std::string(limits::hook_unverified_body_bytes_max + 10, 'x') + "\"}";
    expect_problem(deliver("form", {}, big), 401, "signature");
    const std::int64_t id = newest()["id"];
    const json one = body_json(get("/v1/deliveries/" + std::to_string(id)));
    EXPECT_EQ(one["body_partial"], true);
    EXPECT_EQ(one["body"].get<std::string>().size(), limits::hook_unverified_body_bytes_max);
    EXPECT_EQ(one["replayable"], false);
    expect_problem(replay(id), 409, "body");
}

TEST_F(HttpDeliveries, ASourceAddedFromAPresetShowsItsSecretOnceAndItsSampleVerifies) {
    const auto added = post("/v1/sources", {{"name", "bookings"}, {"preset", "calendly"}});
    ASSERT_EQ(added.status, 201) << added.body;
    const json a = body_json(added);
    EXPECT_EQ(a["url"], "/hooks/bookings");
    const std::string secret = a["secret"];
    EXPECT_EQ(secret.size(), 64u) << "32 random bytes, in hex";
    const auto sources = get("/v1/sources");
    EXPECT_EQ(sources.body.find(secret), std::string::npos) << "shown once, never listed";
    EXPECT_NE(sources.body.find(R"("name":"bookings")"), std::string::npos) << sources.body;
    // The secret is real: a call the sender signs with it is accepted.
    const std::string body =
        R"({"event":"invitee.created","payload":{"name":"Ada","uri":"https://api.calendly.com/x/1"}})";
    const std::string t = std::to_string(unix_now());
    const auto signed_call = deliver(
        "bookings",
        {{"Calendly-Webhook-Signature",
          "t=" + t + ",v1=" + crypto::hex_encode(crypto::hmac_sha256(secret, t + "." + body))}},
        body);
    EXPECT_EQ(signed_call.status, 202) << signed_call.body;
    // The same name again, an unknown preset, a bad name, a missing field.
    expect_problem(post("/v1/sources", {{"name", "bookings"}, {"preset", "calendly"}}), 409,
                   "name");
    const auto typo = post("/v1/sources", {{"name", "b2"}, {"preset", "calendy"}});
    expect_problem(typo, 400, "preset");
    EXPECT_NE(typo.body.find("calendly"), std::string::npos) << "did you mean: " << typo.body;
    expect_problem(post("/v1/sources", {{"name", "Bad Name"}, {"preset", "calendly"}}), 400,
                   "name");
    expect_problem(post("/v1/sources", {{"name", "x"}}), 400, "preset");
    expect_problem(post("/v1/sources", {{"name", "x"}, {"preset", "stripe"}, {"extra", 1}}), 400,
                   "extra");
    EXPECT_EQ(post("/v1/sources", {{"name", "y"}, {"preset", "stripe"}}, "dana").status, 403);
    // Never stored for an Idempotency-Key replay: the answer holds the secret.
    expect_problem(post("/v1/sources", {{"name", "z"}, {"preset", "stripe"}}, "ari",
                        {{"Idempotency-Key", "k1"}}),
                   400, "Idempotency-Key");
}

TEST_F(HttpDeliveries, EveryPresetsSampleIsSignedVerifiedAndLoggedAndHubSpotsStartsAHandoff) {
    const json presets = body_json(get("/v1/sources/presets"));
    ASSERT_EQ(presets["items"].size(), 10u) << presets.dump();
    EXPECT_EQ(presets["items"][0]["name"], "hubspot");
    EXPECT_EQ(presets["items"][0]["type"], "hubspot.{{payload.subscriptionType}}");
    for (const auto& item : presets["items"]) {
        const std::string preset = item["name"];
        SCOPED_TRACE(preset);
        EXPECT_EQ(item["sample"], true);
        const std::string name = "t-" + preset;
        ASSERT_EQ(post("/v1/sources", {{"name", name}, {"preset", preset}}).status, 201);
        const auto r = call("POST", "/v1/sources/" + name + "/sample", "ari");
        ASSERT_EQ(r.status, 201) << r.body;
        const json logged = body_json(r);
        EXPECT_EQ(logged["verified"], true) << r.body;
        EXPECT_NE(logged["outcome"], "refused") << r.body;
        EXPECT_EQ(logged["source"], name);
        EXPECT_EQ(logged["events"].size(), 1u) << r.body;
        bool marked = false;
        for (const auto& h : logged["headers"]) marked = marked || h[0] == "X-Baton-Sample";
        EXPECT_TRUE(marked) << "a test delivery says so in the log";
        if (preset == "hubspot") {
            EXPECT_EQ(logged["outcome"], "accepted") << "the deal-won playbook takes it";
        }
    }
    // A source written by hand has no preset, so no sample; an unknown one is 404.
    put_sources("{name: chat, preset: slack, secret: slack-signing-secret}",
                "{name: chat, scheme: slack, secret: slack-signing-secret, type: x, "
                "id: \"{{payload.event_id}}\"}");
    expect_problem(call("POST", "/v1/sources/chat/sample", "ari"), 409, "preset");
    expect_problem(call("POST", "/v1/sources/nobody/sample", "ari"), 404, "source");
}

}  // namespace
}  // namespace baton::test
