// A stored handoff whose text is not UTF-8 (issue 22): written straight into baton.db, past
// every door, as an older binary could have left it. The real `baton serve` over that file
// answers every read route (the list, one handoff, its card, the relay, reports, events, the
// board's series and the live stream) with 200 and JSON in which the bad bytes read as
// U+FFFD, and the CLI's list, show, relay, report and export work over the same file. Before
// the fix the list answered 500 and the stream aborted the process (type_error.316).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/run_process.h"
#include "http/http_client.h"
#include "http/serve_process.h"
#include "http/workspace_setup.h"
#include "support/temp_dir.h"

namespace baton::test {
namespace {

using namespace std::chrono_literals;

const std::string fffd = "\xEF\xBF\xBD";

// Text that no door lets in any more: Latin-1, an overlong '/', a truncated sequence and a
// surrogate, each as SQL blobs cast to text.
constexpr const char* corrupt_sql = R"sql(
UPDATE handoffs SET
    title = 'Caf' || CAST(X'E9' AS TEXT),
    subject = 'Caf' || CAST(X'E9' AS TEXT),
    done_definition = CAST(X'C0AF' AS TEXT),
    owner = owner || CAST(X'E282' AS TEXT),
    data = '{"company":"Caf' || CAST(X'E9' AS TEXT) || '"}'
  WHERE id = 1;
UPDATE checklist_items SET text = 'Send ' || CAST(X'EDA080' AS TEXT) WHERE handoff_id = 1;
INSERT INTO timeline (handoff_id, seq, at_ms, actor, kind, text, data)
  SELECT 1, MAX(seq) + 1, MAX(at_ms), 'val', 'comment', 'Merci ' || CAST(X'FF' AS TEXT),
         '{"note":"' || CAST(X'E9' AS TEXT) || '"}'
  FROM timeline WHERE handoff_id = 1;
UPDATE events SET subject = 'Caf' || CAST(X'E9' AS TEXT),
                  data = '{"company":"Caf' || CAST(X'E9' AS TEXT) || '"}';
)sql";

class StoredUtf8 : public ::testing::Test {
protected:
    void SetUp() override {
        ws_ = dir_.path() + "/ws";
        ASSERT_NO_FATAL_FAILURE(init_workspace_with_tokens(ws_, {"val"}, tokens_));
        const auto emitted = baton({"emit", "deal.won", "--data",
                                    R"({"company":"Zed","amount":5000,"pipeline":"services"})"});
        ASSERT_EQ(emitted.exit_code, 0) << emitted.out << emitted.err;
        ASSERT_NE(emitted.out.find("created handoff 1"), std::string::npos) << emitted.out;
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((ws_ + "/baton.db").c_str(), &db), SQLITE_OK);
        std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
        char* error = nullptr;
        ASSERT_EQ(sqlite3_exec(db, corrupt_sql, nullptr, nullptr, &error), SQLITE_OK)
            << (error ? error : "");
    }

    ProcessResult baton(std::vector<std::string> args) {
        RunOptions o;
        o.args = {"--workspace", ws_};
        o.args.insert(o.args.end(), args.begin(), args.end());
        return run_baton(o);
    }

    testing::TempDir dir_;
    std::string ws_;
    std::map<std::string, std::string> tokens_;
};

TEST_F(StoredUtf8, EveryReadRouteAndTheStreamServeItWithReplacementCharacters) {
    auto serving = start_serve(ws_);
    ASSERT_TRUE(serving);
    const auto get = [&](const std::string& target) {
        HttpRequest r;
        r.target = target;
        r.headers = {{"Authorization", "Bearer " + tokens_.at("val")}};
        return http_exchange(serving->port, r);
    };
    // The stream first: it was what aborted the process.
    auto stream = HttpConnection::connect(serving->port);
    ASSERT_TRUE(stream);
    HttpRequest open;
    open.target = "/v1/stream?after=0";
    open.headers = {{"Authorization", "Bearer " + tokens_.at("val")}};
    ASSERT_TRUE(stream->send(format_request(open)));
    auto head = stream->read_head();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    const std::string events = stream->read_until("\"title\":\"Caf" + fffd, 15s);
    EXPECT_NE(events.find("event: handoff\ndata: "), std::string::npos) << events;
    EXPECT_NE(events.find("\"subject\":\"Caf" + fffd + "\""), std::string::npos) << events;

    const std::vector<std::string> routes = {
        "/v1/handoffs",           "/v1/handoffs?view=card", "/v1/handoffs?owner=dana",
        "/v1/handoffs/1",         "/v1/relays/Caf%E9",      "/v1/reports?by=owner",
        "/v1/reports?by=playbook", "/v1/reports/series",    "/v1/events",
    };
    for (const auto& target : routes) {
        SCOPED_TRACE(target);
        auto r = get(target);
        ASSERT_TRUE(r) << "the server is up";
        EXPECT_EQ(r->status, 200) << r->body;
        EXPECT_TRUE(nlohmann::json::accept(r->body)) << "JSON, so UTF-8: " << r->body;
        EXPECT_EQ(r->body.find("\xE9\""), std::string::npos) << "no raw Latin-1: " << r->body;
    }
    auto one = get("/v1/handoffs/1");
    ASSERT_TRUE(one);
    const auto j = nlohmann::json::parse(one->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << one->body;
    EXPECT_EQ(j.value("title", ""), "Caf" + fffd);
    EXPECT_EQ(j.value("done_definition", ""), fffd + fffd);  // C0 AF: two subparts
    EXPECT_EQ(j["data"].value("company", ""), "Caf" + fffd);
    EXPECT_EQ(j["checklist"][0].value("text", ""), "Send " + fffd + fffd + fffd);
    EXPECT_EQ(j["timeline"].back().value("text", ""), "Merci " + fffd);
    // The stream is still open and the server still serves a new reader.
    auto live = get("/livez");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->status, 200);
    stop_serve(*serving);
}

TEST_F(StoredUtf8, TheCliReadsItToo) {
    const std::vector<std::vector<std::string>> commands = {
        {"list"},          {"--json", "list"},  {"show", "1"},   {"--json", "show", "1"},
        {"relay", "Caf\xE9"}, {"--json", "relay", "Caf\xE9"}, {"report"}, {"--json", "report"},
        {"--json", "report", "--by", "owner"}, {"export", dir_.path() + "/out"},
    };
    for (const auto& args : commands) {
        std::string line;
        for (const auto& a : args) line += a + " ";
        SCOPED_TRACE(line);
        const auto r = baton(args);
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        if (args.front() == "--json") {
            EXPECT_TRUE(nlohmann::json::accept(r.out)) << r.out;
        }
    }
}

}  // namespace
}  // namespace baton::test
