// Backup and restore under load (issue 7, part 5).
//
// `baton serve` runs on loopback while threads post events and act on the handoffs they
// create (accept, tick, finish, which starts a relay; comment) over HTTP, and the test runs
// `baton backup FILE` several times meanwhile, then once more when the load has stopped.
// Each backup is then restored the way docs/operations.md says — the copy put in place as
// the `baton.db` of a workspace — and a second `baton serve` is started on it. Each must:
// - pass SQLite's integrity and foreign-key checks;
// - hold every event acknowledged (202) before its backup began, with its handoffs;
// - be one consistent moment: each handoff's state, owner and checklist agree with its own
//   timeline, and that timeline is a prefix of the live handoff's (history only grows);
// - for the backup taken after the load: answer exactly what the live server answers —
//   every handoff with its timeline, and the reports by playbook and by owner, over HTTP
//   and through `baton show` / `baton report`.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "e2e/run_process.h"
#include "http/http_client.h"
#include "http/workspace_setup.h"

namespace baton::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr int posters = 3;
constexpr int backups_under_load = 4;
constexpr auto post_pause = 30ms;  // keeps the load steady rather than a flood
constexpr auto backup_interval = 400ms;

// A `baton serve` child and its port.
struct Server {
    std::optional<Child> child;
    unsigned short port = 0;
};

std::optional<Server> start_server(const std::string& workspace) {
    RunOptions o;
    o.args = {"--workspace", workspace, "serve",        "--listen",
              "127.0.0.1:0", "--quiet", "--rate-limit", "0"};
    auto child = Child::start(baton_binary(), o);
    if (!child) return std::nullopt;
    Server s;
    s.child.emplace(std::move(*child));
    const auto deadline = SteadyClock::now() + 15s;
    std::string first;
    while (first.empty() && SteadyClock::now() < deadline) {
        if (!s.child->pump(100ms)) break;
        auto lines = s.child->take_lines();
        if (!lines.empty()) first = lines.front();
    }
    static const std::regex listening(
        R"(^Baton is listening on http://127\.0\.0\.1:([0-9]+) \(.+\)$)");
    std::smatch m;
    if (!std::regex_match(first, m, listening)) {
        ADD_FAILURE() << "unexpected first line: `" << first << "`; stderr: " << s.child->err();
        return std::nullopt;
    }
    s.port = static_cast<unsigned short>(std::stoi(m[1]));
    return s;
}

void stop_server(Server& s) {
    s.child->kill(SIGTERM);
    const auto status = s.child->finish(20s);
    ASSERT_TRUE(status.has_value()) << "baton serve did not stop within 20 s of SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << s.child->err();
}

// Rows of a query over a database file, as text.
std::vector<std::vector<std::string>> query(const std::string& path, const std::string& sql,
                                            const std::vector<std::string>& params = {}) {
    std::vector<std::vector<std::string>> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
        sqlite3_close(db);
        return rows;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
        sqlite3_close(db);
        return rows;
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        sqlite3_bind_text(st, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
            const auto* t = sqlite3_column_text(st, c);
            row.push_back(t ? reinterpret_cast<const char*>(t) : "");
        }
        rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// What the state of a handoff is after its timeline, by the rules of docs/playbooks.md.
std::string state_after(const json& timeline) {
    std::string state;
    for (const auto& e : timeline) {
        const std::string kind = e.at("kind");
        if (kind == "created" || kind == "reassigned") state = "waiting";
        if (kind == "accepted" || kind == "declined" || kind == "done" || kind == "cancelled") {
            state = kind;
        }
    }
    return state;
}

struct Acknowledged {
    std::string id;
    std::vector<std::int64_t> handoffs;
};

class BackupUnderLoad : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(init_workspace_with_tokens(ws_, {"ari"}, tokens_));
        auto s = start_server(ws_);
        ASSERT_TRUE(s.has_value());
        live_.emplace(std::move(*s));
    }
    void TearDown() override {
        stop_.store(true);
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
        if (live_) live_->child->kill(SIGKILL);
    }

    HttpResponse call(unsigned short port, const std::string& method, const std::string& target,
                      const json& body = nullptr) {
        HttpRequest r;
        r.method = method;
        r.target = target;
        r.headers = {{"Authorization", "Bearer " + tokens_.at("ari")}};
        if (!body.is_null()) {
            r.headers.emplace_back("Content-Type", "application/json");
            r.body = body.dump();
        }
        std::string error;
        auto res = http_exchange(port, r, &error, 20s);
        if (!res) {
            ADD_FAILURE() << method << " " << target << ": " << error;
            return HttpResponse{};
        }
        return *res;
    }

    // Posts won deals until told to stop; each 202 is recorded, with its handoffs.
    void post_events(int poster) {
        for (int i = 0; !stop_.load(); ++i) {
            const std::string id = "p" + std::to_string(poster) + "-" + std::to_string(i);
            const std::string company = "Load Co " + id;
            // Three of four start a handoff; the fourth is too small to match.
            const int amount = i % 4 == 3 ? 10 : 5000;
            const json event = {
                {"type", "deal.won"},
                {"id", id},
                {"source", "load"},
                {"subject", company},
                {"data", {{"company", company}, {"amount", amount}, {"pipeline", "services"}}}};
            const HttpResponse res = call(live_->port, "POST", "/v1/events", event);
            if (res.status != 202) {
                ADD_FAILURE() << "POST /v1/events answered " << res.status << ": " << res.body;
                return;
            }
            const json answer = json::parse(res.body, nullptr, false);
            Acknowledged a{id, {}};
            if (answer.is_object() && answer.contains("handoffs")) {
                for (const auto& h : answer.at("handoffs"))
                    a.handoffs.push_back(h.get<std::int64_t>());
            }
            {
                std::lock_guard lock(mutex_);
                for (auto h : a.handoffs) to_act_.push_back(h);
                acknowledged_.push_back(std::move(a));
            }
            std::this_thread::sleep_for(post_pause);
        }
    }

    // Accepts each new handoff; every other one is ticked through and finished (which starts
    // the next handoff of the relay), the rest get a comment.
    void act() {
        int n = 0;
        while (!stop_.load()) {
            std::int64_t id = 0;
            {
                std::lock_guard lock(mutex_);
                if (!to_act_.empty()) {
                    id = to_act_.front();
                    to_act_.pop_front();
                }
            }
            if (id == 0) {
                std::this_thread::sleep_for(10ms);
                continue;
            }
            const std::string base = "/v1/handoffs/" + std::to_string(id);
            std::vector<std::pair<std::string, json>> steps = {{base + "/accept", json::object()}};
            if (++n % 2 == 0) {
                for (int item = 1; item <= 3; ++item) {
                    steps.push_back(
                        {base + "/checklist/" + std::to_string(item), {{"checked", true}}});
                }
                steps.push_back({base + "/done", json::object()});
            } else {
                steps.push_back({base + "/comment", {{"text", "On it"}}});
            }
            for (const auto& [target, body] : steps) {
                const HttpResponse res = call(live_->port, "POST", target, body);
                EXPECT_EQ(res.status, 200) << target << ": " << res.body;
                if (res.status == 200) actions_.fetch_add(1);
            }
        }
    }

    // Every handoff of a server, with its timeline.
    std::map<std::int64_t, json> all_handoffs(unsigned short port) {
        std::map<std::int64_t, json> out;
        std::string cursor;
        for (int page = 0; page < 100; ++page) {
            const HttpResponse res =
                call(port, "GET",
                     "/v1/handoffs?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
            EXPECT_EQ(res.status, 200) << res.body;
            const json list = json::parse(res.body, nullptr, false);
            if (!list.is_object() || list.at("items").empty()) break;
            for (const auto& h : list.at("items")) {
                const std::int64_t id = h.at("id");
                const HttpResponse one = call(port, "GET", "/v1/handoffs/" + std::to_string(id));
                EXPECT_EQ(one.status, 200) << one.body;
                out[id] = json::parse(one.body, nullptr, false);
            }
            if (list.at("next_cursor").is_null()) break;
            cursor = list.at("next_cursor").get<std::string>();
        }
        return out;
    }

    ProcessResult baton(std::vector<std::string> args) {
        RunOptions o;
        o.args = std::move(args);
        auto r = run_baton(o);
        EXPECT_EQ(r.exit_code, 0) << describe(r);
        return r;
    }

    // A backup restored as docs/operations.md says: the copy in place as baton.db.
    std::string restore(const std::string& backup, const std::string& name) {
        const std::string dir = tmp_ / name;
        std::filesystem::create_directories(dir);
        std::filesystem::copy_file(backup, dir + "/baton.db");
        return dir;
    }

    void check_backup(const std::string& file, std::size_t acknowledged_before,
                      const std::map<std::int64_t, json>& live, bool quiet);

    TempDir tmp_;
    const std::string ws_ = tmp_ / "ws";
    std::map<std::string, std::string> tokens_;
    std::optional<Server> live_;
    std::atomic<bool> stop_{false};
    std::atomic<int> actions_{0};
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::vector<Acknowledged> acknowledged_;  // in the order the 202s came
    std::deque<std::int64_t> to_act_;
};

void BackupUnderLoad::check_backup(const std::string& file, std::size_t acknowledged_before,
                                   const std::map<std::int64_t, json>& live, bool quiet) {
    SCOPED_TRACE(file);
    EXPECT_EQ(query(file, "PRAGMA integrity_check"),
              (std::vector<std::vector<std::string>>{{"ok"}}));
    EXPECT_TRUE(query(file, "PRAGMA foreign_key_check").empty());
    // Every event acknowledged before the backup began, with exactly its handoffs.
    for (std::size_t i = 0; i < acknowledged_before; ++i) {
        const Acknowledged& a = acknowledged_[i];
        const auto rows = query(
            file, "SELECT handoffs_created FROM events WHERE source = 'load' AND id = ?", {a.id});
        ASSERT_EQ(rows.size(), 1u) << "acknowledged event " << a.id << " is not in the backup";
        EXPECT_EQ(rows[0][0], std::to_string(a.handoffs.size())) << a.id;
        for (std::int64_t h : a.handoffs) {
            EXPECT_EQ(
                query(file, "SELECT id FROM handoffs WHERE id = ?", {std::to_string(h)}).size(), 1u)
                << "handoff " << h << " of event " << a.id;
        }
    }
    // Restored and served, the copy answers for each of its handoffs a moment of the live
    // one's history.
    const std::string dir = restore(file, std::filesystem::path(file).stem().string());
    auto restored = start_server(dir);
    ASSERT_TRUE(restored.has_value());
    const auto copies = all_handoffs(restored->port);
    EXPECT_EQ(copies.size(), std::stoul(query(file, "SELECT count(*) FROM handoffs").at(0).at(0)));
    for (const auto& [id, copy] : copies) {
        ASSERT_TRUE(live.count(id)) << "handoff " << id << " is in the backup, not live";
        const json& now = live.at(id);
        const json& timeline = copy.at("timeline");
        const json& live_timeline = now.at("timeline");
        ASSERT_LE(timeline.size(), live_timeline.size()) << "handoff " << id;
        for (std::size_t i = 0; i < timeline.size(); ++i) {
            ASSERT_EQ(timeline[i], live_timeline[i]) << "handoff " << id << " entry " << i;
        }
        EXPECT_EQ(copy.at("state"), state_after(timeline)) << "handoff " << id;
        EXPECT_EQ(copy.at("event"), now.at("event")) << "handoff " << id;
        if (quiet) {
            EXPECT_EQ(copy, now) << "handoff " << id;
        }
    }
    if (quiet) {
        EXPECT_EQ(copies.size(), live.size());
        for (const char* by : {"playbook", "owner"}) {
            const std::string target = std::string("/v1/reports?since=30d&by=") + by;
            const HttpResponse a = call(live_->port, "GET", target);
            const HttpResponse b = call(restored->port, "GET", target);
            EXPECT_EQ(a.status, 200);
            EXPECT_EQ(json::parse(a.body, nullptr, false), json::parse(b.body, nullptr, false))
                << "the report by " << by << " differs";
        }
    }
    stop_server(*restored);
    if (quiet) {
        // The command line gives the same answers from either workspace.
        for (const char* by : {"playbook", "owner"}) {
            EXPECT_EQ(baton({"--workspace", ws_, "--json", "report", "--by", by}).out,
                      baton({"--workspace", dir, "--json", "report", "--by", by}).out);
        }
        int shown = 0;
        for (const auto& [id, copy] : copies) {
            if (shown++ % 10 != 0) continue;  // every tenth: each is a process start
            const std::string text = std::to_string(id);
            EXPECT_EQ(baton({"--workspace", ws_, "--json", "show", text}).out,
                      baton({"--workspace", dir, "--json", "show", text}).out);
        }
    }
}

TEST_F(BackupUnderLoad, EveryBackupIsConsistentAndTheLastRestoresTheSameAnswers) {
    for (int p = 0; p < posters; ++p) threads_.emplace_back([this, p] { post_events(p); });
    threads_.emplace_back([this] { act(); });

    std::vector<std::pair<std::string, std::size_t>> backups;  // file, acknowledged before
    for (int b = 0; b < backups_under_load; ++b) {
        std::this_thread::sleep_for(backup_interval);
        const std::string file = tmp_ / ("under-load-" + std::to_string(b) + ".db");
        std::size_t before = 0;
        {
            std::lock_guard lock(mutex_);
            before = acknowledged_.size();
        }
        const auto r = baton({"--workspace", ws_, "backup", file});
        ASSERT_EQ(r.exit_code, 0) << describe(r);
        backups.push_back({file, before});
    }
    stop_.store(true);
    for (auto& t : threads_) t.join();
    threads_.clear();
    ASSERT_FALSE(HasFailure());
    // The load was real: every backup but the first began after more events were answered.
    for (std::size_t b = 1; b < backups.size(); ++b) {
        EXPECT_GT(backups[b].second, backups[b - 1].second) << "backup " << b;
    }
    const std::string quiet_file = tmp_ / "quiet.db";
    ASSERT_EQ(baton({"--workspace", ws_, "backup", quiet_file}).exit_code, 0);
    std::printf("[   INFO   ] %zu events acknowledged, %d actions, %d backups under load\n",
                acknowledged_.size(), actions_.load(), backups_under_load);

    const auto live = all_handoffs(live_->port);
    ASSERT_GT(live.size(), 20u);
    for (const auto& [file, before] : backups) check_backup(file, before, live, false);
    check_backup(quiet_file, acknowledged_.size(), live, true);
    stop_server(*live_);
    live_.reset();
}

}  // namespace
}  // namespace baton::test
