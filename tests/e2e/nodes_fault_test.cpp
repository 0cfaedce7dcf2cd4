// Several Baton nodes on one PostgreSQL database, with faults: a real throw-away cluster
// (support/pg_cluster.h), three real `baton serve` processes on it (each with its scheduler
// and dispatcher, short timers and a short delivery lease), a recording webhook receiver and
// a real SMTP server on loopback. Several client threads stream events to the nodes round-
// robin; mid-stream one node gets SIGKILL, and an admin connection keeps terminating random
// backends of the nodes (pg_terminate_backend) through the stream and the timers' firing.
//
// What must hold afterwards, whatever the interleaving:
//   1. Events: every event the clients sent was answered 202 in the end (a client retries on
//      another node after a reset, a 5xx or a timeout), and each has exactly one handoff and
//      one event row, by (source, id). A retry of an event the first node committed but
//      could not acknowledge is answered as a duplicate, never stored twice.
//   2. Timers: each handoff's timers (two reminders, the accept deadline, one escalation)
//      all fired, and each appears exactly once on the handoff's timeline: a timer fires in
//      the same transaction that marks it fired, so a lost connection or a dead node can
//      only roll the firing back (it fires again later), never repeat it. There is no timer
//      lease to expire; what is leased is the outbox.
//   3. Outbox: every row (the created webhook, and the messages the timers queued: emails
//      to the owner, the giver and the escalation's target, webhooks for overdue and
//      escalated) ends delivered. The receivers saw each row's message at least once, and
//      every copy of it carries the row's one delivery id: msg_ + the first 32 hex digits of
//      HMAC-SHA256(the workspace's link key, the row's dedupe key), the webhook-id header
//      (and the CloudEvent's id) or the email's Message-ID. So the set of delivery ids the
//      receivers saw equals the set the rows give, exactly: a second copy sent after a lease
//      ran out (a node died or lost its connection before recording the send) is allowed,
//      but only under the same id. The workspace has one link key, whichever node made it.
//
// Nothing asserts on timing: every wait polls a condition with a generous deadline.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "crypto/crypto.h"
#include "e2e/run_process.h"
#include "http/http_client.h"
#include "support/loopback.h"
#include "support/pg_cluster.h"

namespace baton::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int node_count = 3;
constexpr int client_threads = 4;
constexpr int events_per_client = 40;
constexpr int events_total = client_threads * events_per_client;
constexpr const char* event_source = "fault-drill";
// Connections of this test carry this application_name, so the fault injector spares them.
constexpr const char* admin_application = "baton-fault-admin";

// Two reminders, the accept deadline and an escalation fall due within 4 s of creation; the
// done deadline is a day away and stays armed.
const char* kDrill = R"(id: drill
title: Fault drill
when: drill.started
subject: "{{data.company}}"
from: sam
owner: ops
calendar: 24x7
done: The drill is over.
accept_within: 3s
done_within: 1d
remind: [1s, 2s]
escalate:
  - { after: 4s, to: ari }
checkpoint:
  - webhook: crm
)";

// Polls `done` every 200 ms for up to `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return done();
}

// Rows of one query on a connection of its own (first column first), or nullopt with `why`.
using Rows = std::vector<std::vector<std::string>>;
std::optional<Rows> query(const std::string& conninfo, const std::string& sql,
                          std::string* why = nullptr) {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    std::optional<Rows> out;
    if (PQstatus(conn) != CONNECTION_OK) {
        if (why) *why = PQerrorMessage(conn);
    } else {
        PGresult* r = PQexec(conn, sql.c_str());
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            out.emplace();
            for (int i = 0; i < PQntuples(r); ++i) {
                std::vector<std::string> row;
                for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
                out->push_back(std::move(row));
            }
        } else if (why) {
            *why = PQresultErrorMessage(r);
        }
        PQclear(r);
    }
    PQfinish(conn);
    return out;
}

// One `baton serve` node. Its pipes are pumped by the fixture's pump thread only (a Child is
// not thread-safe); other threads only read its port and send signals by its pid.
struct Node {
    std::optional<Child> child;
    unsigned short port = 0;
    std::atomic<bool> killed{false};
    std::mutex err_mutex;
    std::string err_tail;  // the last of its stderr, copied by the pump thread
};

class NodesFault : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        cluster_ = baton::testing::shared_pg_cluster(why);
        if (cluster_ == nullptr) GTEST_SKIP() << "no PostgreSQL server for the tests: " << why;
        db_ = cluster_->create_database(why);
        ASSERT_FALSE(db_.empty()) << why;
        admin_ = cluster_->conninfo(db_) + " application_name=" + admin_application;
        ASSERT_GT(receiver_.port(), 0) << receiver_.error();
        ASSERT_TRUE(smtp_.ready()) << "aiosmtpd did not start: " << smtp_.error();
    }

    void TearDown() override {
        stop_pumping();
        for (auto& node : nodes_) {
            if (node.child) {
                node.child->kill(SIGKILL);
                (void)node.child->finish(std::chrono::seconds(10));
            }
        }
    }

    ProcessResult baton(std::vector<std::string> args) {
        args.insert(args.begin(), {"--db", cluster_->url(db_)});
        RunOptions o;
        o.args = std::move(args);
        o.cwd = tmp_.path();
        auto r = run_baton(o);
        EXPECT_EQ(r.exit_code, 0) << describe(r);
        return r;
    }

    void configure() {
        const std::string examples = source_dir() + "/examples";
        write_text(tmp_ / "drill.yaml", kDrill);
        write_text(tmp_ / "channels.yaml",
                   "webhooks:\n  crm: { url: \"" + receiver_.url("/200/crm") +
                       "\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\" }\n" +
                       "smtp: { url: \"" + smtp_.url() +
                       "\", from: \"Baton <baton@example.com>\" }\n" + "allow: [127.0.0.1]\n");
        baton({"apply", examples + "/people.yaml", tmp_ / "drill.yaml", tmp_ / "channels.yaml"});
        const json created =
            json::parse(baton({"--json", "token", "create", "ari"}).out, nullptr, false);
        ASSERT_TRUE(created.is_object()) << created;
        token_ = created.value("token", "");
        ASSERT_FALSE(token_.empty());
    }

    // Starts every node at once (they share the database from the first moment), then reads
    // each one's port from its first line.
    void start_nodes() {
        for (auto& node : nodes_) {
            RunOptions o;
            o.args = {"--db",
                      cluster_->url(db_),
                      "serve",
                      "--listen",
                      "127.0.0.1:0",
                      "--quiet",
                      "--rate-limit",
                      "0",
                      "--poll",
                      "1s",
                      "--delivery-lease",
                      "3s"};
            o.cwd = tmp_.path();
            o.die_with_parent = true;
            auto child = Child::start(baton_binary(), o);
            ASSERT_TRUE(child.has_value());
            node.child.emplace(std::move(*child));
        }
        static const std::regex listening(
            R"(^Baton is listening on http://127\.0\.0\.1:([0-9]+) .*$)");
        for (auto& node : nodes_) {
            std::string first;
            const auto deadline = Clock::now() + std::chrono::seconds(60);
            while (first.empty() && Clock::now() < deadline &&
                   node.child->pump(std::chrono::milliseconds(100))) {
                auto lines = node.child->take_lines();
                if (!lines.empty()) first = lines.front();
            }
            std::smatch m;
            ASSERT_TRUE(std::regex_match(first, m, listening))
                << "first line `" << first << "`; stderr: " << node.child->err();
            node.port = static_cast<unsigned short>(std::stoi(m[1]));
        }
        pumping_ = true;
        pump_thread_ = std::thread([this] { pump(); });
    }

    // Keeps the nodes' pipes drained, so that a node writing many error lines to stderr
    // (as it does while its connections are being killed) never blocks on a full pipe.
    void pump() {
        while (pumping_.load()) {
            for (auto& node : nodes_) {
                if (!node.child) continue;
                (void)node.child->pump(std::chrono::milliseconds(20));
                (void)node.child->take_lines();
                const std::string& err = node.child->err();
                std::lock_guard lock(node.err_mutex);
                node.err_tail = err.substr(err.size() > 3000 ? err.size() - 3000 : 0);
            }
        }
    }
    void stop_pumping() {
        pumping_ = false;
        if (pump_thread_.joinable()) pump_thread_.join();
    }

    // POSTs one event until some node answers 202, moving to the next node after a reset, a
    // refused connection, a 5xx or a timeout. Answers the final status (0: gave up).
    int send_event(int n, std::atomic<int>& retries, std::atomic<int>& duplicates) {
        const std::string id = "ev-" + std::to_string(n);
        HttpRequest req;
        req.method = "POST";
        req.target = "/v1/events";
        req.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
        req.body = json{{"type", "drill.started"},
                        {"id", id},
                        {"source", event_source},
                        {"data", {{"company", "Client " + std::to_string(n)}}}}
                       .dump();
        const auto deadline = Clock::now() + std::chrono::seconds(120);
        int attempt = 0;
        while (Clock::now() < deadline) {
            const Node& node = nodes_[static_cast<std::size_t>((n + attempt) % node_count)];
            ++attempt;
            std::string error;
            const auto res = http_exchange(node.port, req, &error, std::chrono::seconds(20));
            if (res && res->status == 202) {
                const json body = json::parse(res->body, nullptr, false);
                if (body.is_object() && body.value("duplicate", false)) ++duplicates;
                return 202;
            }
            if (res && res->status < 500 && res->status != 429) {
                ADD_FAILURE() << "event " << id << ": " << res->status << " " << res->body;
                return res->status;
            }
            ++retries;
            if (attempt % node_count == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        return 0;
    }

    // Terminates one random backend of the nodes' connections to the database.
    bool terminate_one(std::string& why) {
        const auto rows = query(admin_,
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                "AND backend_type = 'client backend' AND application_name <> '" +
                                    std::string(admin_application) + "' ORDER BY random() LIMIT 1",
                                &why);
        return rows && !rows->empty() && rows->front().front() == "t";
    }

    std::string scalar(const std::string& sql) {
        std::string why;
        const auto rows = query(admin_, sql, &why);
        if (!rows) return "<error: " + why + ">";
        if (rows->empty()) return "<none>";
        return rows->front().front();
    }

    std::string node_errors() {
        std::string out;
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            std::lock_guard lock(nodes_[i].err_mutex);
            out += "--- node " + std::to_string(i) + " stderr (last 3000 bytes):\n" +
                   nodes_[i].err_tail;
        }
        return out;
    }

    baton::testing::PgCluster* cluster_ = nullptr;
    std::string db_;
    std::string admin_;
    std::string token_;
    TempDir tmp_;
    Receiver receiver_;
    SmtpServer smtp_;
    std::array<Node, node_count> nodes_;
    std::atomic<bool> pumping_{false};
    std::thread pump_thread_;
};

TEST_F(NodesFault, ThreeNodesLoseANodeAndConnectionsAndLoseNothing) {
    const auto started = Clock::now();
    ASSERT_NO_FATAL_FAILURE(configure());
    ASSERT_NO_FATAL_FAILURE(start_nodes());

    // --- the stream, with a node killed and backends terminated part-way -------------------
    std::atomic<int> acknowledged{0}, retries{0}, duplicates{0};
    std::vector<int> status(events_total, -1);
    std::vector<std::thread> clients;
    for (int t = 0; t < client_threads; ++t) {
        clients.emplace_back([&, t] {
            for (int i = 0; i < events_per_client; ++i) {
                const int n = i * client_threads + t;
                status[static_cast<std::size_t>(n)] = send_event(n, retries, duplicates);
                if (status[static_cast<std::size_t>(n)] == 202) ++acknowledged;
            }
        });
    }
    std::atomic<bool> faults_on{true};
    std::atomic<int> terminated{0};
    std::thread injector;
    const auto kill_deadline = Clock::now() + std::chrono::seconds(120);
    while (acknowledged.load() < events_total / 3 && Clock::now() < kill_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const bool mid_stream = acknowledged.load() >= events_total / 3;
    EXPECT_TRUE(mid_stream) << "only " << acknowledged.load() << " events acknowledged";
    const int acknowledged_at_kill = acknowledged.load();
    nodes_[1].child->kill(SIGKILL);
    nodes_[1].killed = true;
    injector = std::thread([&] {
        std::mt19937 random(20261124);
        // About two and a half terminations a second: each node loses a connection every
        // second or so, often enough to hit every kind of transaction, rarely enough that
        // a scheduler's batch of firings (all or nothing) gets through.
        std::uniform_int_distribution<int> pause_ms(200, 600);
        std::string why;
        while (faults_on.load()) {
            if (terminate_one(why)) ++terminated;
            std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
        }
    });
    for (auto& c : clients) c.join();
    const auto streamed = Clock::now();

    // --- 1. every event acknowledged, stored once --------------------------------------------
    int not_acknowledged = 0;
    for (int n = 0; n < events_total; ++n)
        not_acknowledged += status[static_cast<std::size_t>(n)] != 202;
    EXPECT_EQ(not_acknowledged, 0) << node_errors();
    const std::string fault_handoffs =
        "SELECT id FROM handoffs WHERE event_source = '" + std::string(event_source) + "'";

    // The faults go on while the timers fire, then stop once every timer that falls due
    // within seconds has fired (or after 120 s: the checks below then say what is missing).
    const std::string armed_soon =
        "SELECT count(*) FROM timers WHERE kind <> 'done_due' AND fired_ms IS NULL AND "
        "cancelled = 0 AND handoff_id IN (" +
        fault_handoffs + ")";
    EXPECT_TRUE(eventually([&] { return scalar(armed_soon) == "0"; }, std::chrono::seconds(120)))
        << scalar(armed_soon) << " timers still armed\n"
        << node_errors();
    faults_on = false;
    injector.join();
    const auto timers_fired = Clock::now();

    const auto per_event =
        query(admin_, "SELECT event_id, count(*) FROM handoffs WHERE event_source = '" +
                          std::string(event_source) + "' GROUP BY event_id");
    ASSERT_TRUE(per_event.has_value());
    std::map<std::string, int> handoffs_of;
    for (const auto& row : *per_event) handoffs_of[row[0]] = std::stoi(row[1]);
    for (int n = 0; n < events_total; ++n) {
        const std::string id = "ev-" + std::to_string(n);
        if (status[static_cast<std::size_t>(n)] != 202) continue;
        EXPECT_EQ(handoffs_of[id], 1) << "handoffs of event " << id;
    }
    EXPECT_EQ(handoffs_of.size(), static_cast<std::size_t>(events_total));
    EXPECT_EQ(
        scalar("SELECT count(*) FROM events WHERE source = '" + std::string(event_source) + "'"),
        std::to_string(events_total));

    // Then no more faults: every message is settled within a few leases.
    const std::string outbox_rows = "FROM outbox WHERE handoff_id IN (" + fault_handoffs + ")";
    EXPECT_TRUE(eventually(
        [&] { return scalar("SELECT count(*) " + outbox_rows + " AND status = 'pending'") == "0"; },
        std::chrono::seconds(120)))
        << node_errors();
    const auto settled = Clock::now();

    // --- 2. each timer on the timeline once -----------------------------------------------
    const auto timers = query(admin_,
                              "SELECT handoff_id, kind, level FROM timers WHERE fired_ms IS NOT "
                              "NULL AND handoff_id IN (" +
                                  fault_handoffs + ")");
    ASSERT_TRUE(timers.has_value());
    std::map<std::string, std::multiset<std::string>> fired;  // handoff -> kind:level
    for (const auto& row : *timers) fired[row[0]].insert(row[1] + ":" + row[2]);
    const std::multiset<std::string> expected_fired = {"remind:1", "remind:2", "accept_due:0",
                                                       "escalate:1"};
    const auto entries = query(admin_,
                               "SELECT handoff_id, kind, data FROM timeline WHERE kind IN "
                               "('reminded', 'overdue', 'escalated', 'delivered', "
                               "'delivery_failed') AND handoff_id IN (" +
                                   fault_handoffs + ") ORDER BY handoff_id, seq");
    ASSERT_TRUE(entries.has_value());
    std::map<std::string, std::multiset<std::string>> steps;        // handoff -> kind:level
    std::map<std::string, std::vector<std::string>> delivered_ids;  // outbox id -> delivery ids
    int failed_entries = 0;
    for (const auto& row : *entries) {
        const json data = json::parse(row[2], nullptr, false);
        if (row[1] == "reminded") steps[row[0]].insert("reminded:" + data["reminder"].dump());
        if (row[1] == "overdue") steps[row[0]].insert("overdue:" + data.value("deadline", ""));
        if (row[1] == "escalated") steps[row[0]].insert("escalated:" + data["level"].dump());
        if (row[1] == "delivered") {
            delivered_ids[data["outbox"].dump()].push_back(data.value("delivery_id", ""));
        }
        if (row[1] == "delivery_failed") ++failed_entries;
    }
    const std::multiset<std::string> expected_steps = {"reminded:1", "reminded:2", "overdue:accept",
                                                       "escalated:1"};
    int wrong_timers = 0, wrong_steps = 0;
    const auto ids = query(admin_, fault_handoffs);
    ASSERT_TRUE(ids.has_value());
    for (const auto& row : *ids) {
        if (fired[row[0]] != expected_fired && ++wrong_timers <= 5) {
            ADD_FAILURE() << "handoff " << row[0] << " fired " << fired[row[0]].size()
                          << " timers, not the four expected";
        }
        if (steps[row[0]] != expected_steps && ++wrong_steps <= 5) {
            std::string got;
            for (const auto& s : steps[row[0]]) got += s + " ";
            ADD_FAILURE() << "handoff " << row[0] << " timeline steps: " << got;
        }
    }
    EXPECT_EQ(wrong_timers, 0);
    EXPECT_EQ(wrong_steps, 0);

    // --- 3. every outbox row delivered, under its one delivery id ------------------------
    const auto keys = query(admin_, "SELECT text FROM documents WHERE kind = 'secret:links'");
    ASSERT_TRUE(keys.has_value());
    ASSERT_EQ(keys->size(), 1u) << "the workspace has one link key (the delivery ids' key), "
                                   "whichever node made it first";
    const std::string link_key = keys->front().front();
    const auto outbox =
        query(admin_, "SELECT id, channel, dedupe_key, status, attempts " + outbox_rows);
    ASSERT_TRUE(outbox.has_value());
    EXPECT_EQ(outbox->size(), static_cast<std::size_t>(events_total) * 8)
        << "per handoff: 3 webhooks (created, overdue, escalated) and 5 emails (two reminders "
           "and overdue to the owner, overdue to the giver, escalated to ari)";
    // Each delivery id expected for a channel, and where a wrong one came from.
    std::map<std::string, std::set<std::string>> expected_ids;  // channel -> ids
    int undelivered = 0, wrong_entries = 0, resent = 0;
    const auto delivery_id = [&](const std::string& dedupe_key) {
        return "msg_" + crypto::hex_encode(crypto::hmac_sha256(link_key, dedupe_key)).substr(0, 32);
    };
    for (const auto& row : *outbox) {
        const std::string expected = delivery_id(row[2]);
        const std::string channel = row[1] == "notice" ? "email" : row[1];
        expected_ids[channel].insert(expected);
        if (row[3] != "delivered" && ++undelivered <= 5) {
            ADD_FAILURE() << "outbox row " << row[0] << " (" << row[2] << ") is " << row[3];
        }
        const auto& seen = delivered_ids[row[0]];
        if (row[3] == "delivered" && seen.empty() && ++wrong_entries <= 5) {
            ADD_FAILURE() << "outbox row " << row[0] << " has no delivered entry";
        }
        for (const auto& id : seen) {
            if (id != expected && ++wrong_entries <= 5) {
                ADD_FAILURE() << "outbox row " << row[0] << " delivered as " << id << ", expected "
                              << expected;
            }
        }
        resent += std::stoi(row[4]) > 1;
    }
    EXPECT_EQ(undelivered, 0);
    EXPECT_EQ(wrong_entries, 0);
    EXPECT_EQ(failed_entries, 0);

    // What the receivers saw: every id expected, at least once, and no other.
    std::map<std::string, int> webhook_copies;
    int header_mismatch = 0;
    for (const auto& r : receiver_.requests("/200/crm")) {
        const std::string header = r["headers"].value("webhook-id", "");
        const json body = json::parse(r["body"].get<std::string>(), nullptr, false);
        if (!body.is_object() || body.value("id", "") != header) ++header_mismatch;
        ++webhook_copies[header];
    }
    EXPECT_EQ(header_mismatch, 0);
    std::map<std::string, int> email_copies;
    const json mail = smtp_.messages();
    ASSERT_TRUE(mail.is_array());
    static const std::regex message_id(R"(^<([^@>]+)@[^>]*>$)");
    for (const auto& m : mail) {
        const std::string header = m["raw_headers"].value("Message-ID", "");
        std::smatch got;
        email_copies[std::regex_match(header, got, message_id) ? got[1].str() : header] += 1;
    }
    const auto compare = [](const std::string& channel, const std::set<std::string>& expected,
                            const std::map<std::string, int>& copies) {
        int missing = 0, strays = 0, duplicated = 0;
        for (const auto& id : expected) missing += copies.count(id) == 0;
        for (const auto& [id, n] : copies) {
            strays += expected.count(id) == 0;
            duplicated += n > 1;
        }
        EXPECT_EQ(missing, 0) << channel << ": rows whose message never arrived";
        EXPECT_EQ(strays, 0) << channel << ": messages under an id no row gives";
        return duplicated;
    };
    const int webhook_duplicated = compare("webhook", expected_ids["webhook"], webhook_copies);
    const int email_duplicated = compare("email", expected_ids["email"], email_copies);

    const auto seconds = [](Clock::time_point from, Clock::time_point to) {
        return std::chrono::duration<double>(to - from).count();
    };
    std::cout << "nodes fault drill: " << events_total << " events (" << acknowledged_at_kill
              << " acknowledged when node 1 was killed), " << retries.load() << " client retries, "
              << duplicates.load() << " answered as duplicates; " << terminated.load()
              << " backends terminated; " << outbox->size() << " outbox rows, " << resent
              << " leased more than once, " << webhook_duplicated << " webhooks and "
              << email_duplicated << " emails received more than once (same id); "
              << seconds(started, Clock::now()) << " s (set-up and stream "
              << seconds(started, streamed) << " s, timers " << seconds(streamed, timers_fired)
              << " s, outbox " << seconds(timers_fired, settled) << " s)\n";

    // The nodes that lived stop cleanly on SIGTERM.
    stop_pumping();
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i].killed) continue;
        nodes_[i].child->kill(SIGTERM);
        const auto status_code = nodes_[i].child->finish(std::chrono::seconds(30));
        ASSERT_TRUE(status_code.has_value()) << "node " << i << " did not stop on SIGTERM";
        EXPECT_TRUE(WIFEXITED(*status_code) && WEXITSTATUS(*status_code) == 0)
            << "node " << i << ": " << nodes_[i].child->err();
        nodes_[i].child.reset();
    }
}

}  // namespace
}  // namespace baton::test
