// The dispatcher and the engine's outbox over a real SQLite file, a fake clock and a
// scripted channel: what is sent to whom, the retry schedule, the final-failure path on
// the timeline, at-least-once with a stable delivery id after a crash between sending and
// settling, message templates, and the one-click links of emails.
#include "engine/dispatcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace baton {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeClock;
using testing::TempDir;
using Kind = channels::Outcome::Kind;

const TimePoint kStart = *parse_rfc3339("2026-11-23T10:00:00Z");

// Answers each send at once with the next scripted outcome (delivered when none is left),
// and remembers what it was sent.
class ScriptedChannel final : public channels::Channel {
public:
    void send(channels::Notification n, std::function<void(channels::Outcome)> done) override {
        channels::Outcome outcome{Kind::delivered, std::nullopt, 200, "HTTP 200"};
        {
            std::lock_guard lock(mutex_);
            if (!script_.empty()) {
                outcome = script_.front();
                script_.erase(script_.begin());
            }
            sent_.push_back(std::move(n));
        }
        done(outcome);
    }
    void script(std::vector<channels::Outcome> outcomes) {
        std::lock_guard lock(mutex_);
        script_ = std::move(outcomes);
    }
    std::vector<channels::Notification> sent() {
        std::lock_guard lock(mutex_);
        return sent_;
    }

private:
    std::mutex mutex_;
    std::vector<channels::Outcome> script_;
    std::vector<channels::Notification> sent_;
};

// Holds every send until the test answers it, like an endpoint that is slow to reply.
class HeldChannel final : public channels::Channel {
public:
    void send(channels::Notification, std::function<void(channels::Outcome)> done) override {
        std::lock_guard lock(mutex_);
        held_.push_back(std::move(done));
    }
    std::size_t held() {
        std::lock_guard lock(mutex_);
        return held_.size();
    }
    void answer_all(channels::Outcome outcome) {
        std::vector<std::function<void(channels::Outcome)>> held;
        {
            std::lock_guard lock(mutex_);
            held.swap(held_);
        }
        for (auto& done : held) done(outcome);
    }

private:
    std::mutex mutex_;
    std::vector<std::function<void(channels::Outcome)>> held_;
};

const char* kPeople = R"(
people:
  - { handle: sam, role: member, email: sam@example.com }
  - { handle: dana, name: Dana Reyes, role: member, email: dana@example.com }
  - { handle: nomail, role: member }
teams:
  - { handle: sales, members: [sam] }
)";

const char* kReady = R"(
id: ready
when: onboarding.ready
subject: "{{data.company}}"
from: sales
owner: "{{data.owner}}"
done: The client knows the next step.
calendar: 24x7
accept_within: 1h
checkpoint:
  - slack: "#ops"
  - email: owner
  - email: "{{data.contact}}"
    template: client-next-step
)";

const char* kTemplate = "Subject: What happens next with {{subject}}\n\nHello from {{data.company}}.\n";

const char* kChannels = R"(
slack:
  "#ops": { webhook: "https://hooks.slack.example/T0/B0/x" }
smtp: { url: "smtp://mail.example:25", from: "Baton <baton@example.com>" }
public_url: "https://baton.example.com/"
)";

class DispatcherTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = store::open_sqlite({.path = dir_.file("baton.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
        engine_ = std::make_unique<engine::Engine>(*store_, clock_);
        auto applied = engine_->apply({{"people.yaml", kPeople},
                                       {"playbooks/ready.yaml", kReady},
                                       {"templates/client-next-step.md", kTemplate}});
        ASSERT_TRUE(applied.ok()) << applied.error().message;
        make_dispatcher();
    }

    void make_dispatcher() {
        engine::DispatcherOptions options;
        options.retry.attempts_max = 3;
        options.lease = minutes(10);
        dispatcher_ = std::make_unique<engine::Dispatcher>(
            *engine_, engine::ChannelSet{&slack_, &email_, nullptr}, options);
    }

    void configure() {
        auto applied = engine_->apply({{"channels.yaml", kChannels}});
        ASSERT_TRUE(applied.ok()) << applied.error().message;
    }

    std::int64_t ready(const std::string& id, const std::string& owner = "dana") {
        core::Event e;
        e.id = id;
        e.type = "onboarding.ready";
        e.source = "crm";
        e.time = clock_.now();
        e.data = {{"company", "Acme"}, {"owner", owner}, {"contact", "client@acme.example"}};
        auto r = engine_->ingest(e);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r->handoff_ids.at(0);
    }

    std::vector<store::OutboxRecord> outbox(std::int64_t id) {
        auto rows = engine_->outbox(id);
        EXPECT_TRUE(rows.ok());
        return rows.ok() ? *rows : std::vector<store::OutboxRecord>{};
    }

    std::vector<core::TimelineEntry> timeline(std::int64_t id, const std::string& kind) {
        auto h = engine_->show(id);
        EXPECT_TRUE(h.ok());
        std::vector<core::TimelineEntry> out;
        for (const auto& e : h->timeline) {
            if (e.kind == kind) out.push_back(e);
        }
        return out;
    }

    TempDir dir_;
    FakeClock clock_{kStart};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<engine::Engine> engine_;
    ScriptedChannel slack_;
    ScriptedChannel email_;
    std::unique_ptr<engine::Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, WithoutChannelsYamlMessagesWaitInTheOutbox) {
    const auto id = ready("r1");
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    EXPECT_TRUE(slack_.sent().empty());
    for (const auto& row : outbox(id)) EXPECT_EQ(row.status, "pending");
    configure();
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    EXPECT_EQ(slack_.sent().size(), 1u);
    EXPECT_EQ(email_.sent().size(), 2u);
}

TEST_F(DispatcherTest, EachCheckpointIsSentOnceAndRecordedOnTheTimeline) {
    configure();
    const auto id = ready("r1");
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    const auto slack = slack_.sent();
    ASSERT_EQ(slack.size(), 1u);
    EXPECT_EQ(slack[0].target, "#ops");
    EXPECT_EQ(slack[0].what, "created");
    EXPECT_EQ(slack[0].handoff.subject, "Acme");
    EXPECT_EQ(slack[0].card_url, "https://baton.example.com/handoffs/" + std::to_string(id));
    EXPECT_EQ(slack[0].delivery_id.rfind("msg_", 0), 0u);
    ASSERT_NE(slack[0].config, nullptr);
    EXPECT_EQ(slack[0].config->slack.count("#ops"), 1u);

    auto email = email_.sent();
    ASSERT_EQ(email.size(), 2u);
    std::sort(email.begin(), email.end(),
              [](const auto& a, const auto& b) { return a.target < b.target; });
    // The client-facing email, from the template beside the playbooks.
    EXPECT_EQ(email[0].target, "client@acme.example");
    EXPECT_EQ(email[0].subject.value_or(""), "What happens next with Acme");
    EXPECT_EQ(email[0].body.value_or(""), "Hello from Acme.\n");
    EXPECT_TRUE(email[0].accept_url.empty());  // the client gets no links
    // The owner's email, with one-click links.
    EXPECT_EQ(email[1].target, "dana@example.com");
    EXPECT_EQ(email[1].recipient.handle, "dana");
    EXPECT_EQ(email[1].recipient.name, "Dana Reyes");
    EXPECT_EQ(email[1].accept_url.rfind("https://baton.example.com/l/", 0), 0u);
    EXPECT_FALSE(email[1].done_url.empty());

    for (const auto& row : outbox(id)) {
        EXPECT_EQ(row.status, "delivered");
        EXPECT_EQ(row.attempts, 1);
        EXPECT_TRUE(row.delivered_at.has_value());
    }
    EXPECT_EQ(timeline(id, "delivered").size(), 3u);
    EXPECT_EQ(dispatcher_->counters().delivered, 3u);
    // Nothing is sent twice.
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    EXPECT_EQ(slack_.sent().size(), 1u);
}

TEST_F(DispatcherTest, ARetryWaitsForRetryAfterAndKeepsTheDeliveryId) {
    configure();
    const auto id = ready("r1");
    slack_.script({{Kind::retry, Milliseconds(7000), 429, "HTTP 429"}});
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    auto row = outbox(id)[0];
    EXPECT_EQ(row.channel, "slack");
    EXPECT_EQ(row.status, "pending");
    EXPECT_EQ(row.last_error, "HTTP 429");
    EXPECT_GE(row.next_attempt_at - clock_.now(), seconds(7));
    EXPECT_TRUE(timeline(id, "delivery_failed").empty());  // a retry is not a failure

    clock_.advance(seconds(6));
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    EXPECT_EQ(slack_.sent().size(), 1u);  // not yet
    clock_.advance(seconds(10));
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    const auto sent = slack_.sent();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[1].delivery_id, sent[0].delivery_id);
    EXPECT_EQ(sent[1].attempt, 2);
    EXPECT_EQ(outbox(id)[0].status, "delivered");
}

// Issue 22, finding 6: a Slack response_url is a bearer secret, and every reader (a viewer
// too) sees the timeline: it names the URL by scheme and host only. The outbox row, which
// only admins see whole through the API, keeps it.
TEST_F(DispatcherTest, TheTimelineNamesAResponseUrlByItsHostOnly) {
    configure();
    std::string with_slack = kPeople;
    with_slack.replace(with_slack.find("email: dana@example.com"), 23,
                       "email: dana@example.com, slack: U0DANA");
    ASSERT_TRUE(engine_->apply({{"people.yaml", with_slack}}).ok());
    const auto id = ready("r1");
    const std::string url = "https://hooks.slack.example/actions/T0/1/secret-path";
    ASSERT_TRUE(engine_->act_from_slack("U0DANA", "baton_accept", id, url).ok());
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    bool sent_to_url = false;
    for (const auto& n : slack_.sent()) sent_to_url = sent_to_url || n.target == url;
    EXPECT_TRUE(sent_to_url);
    int to_host = 0;
    for (const auto& e : timeline(id, "delivered")) {
        EXPECT_EQ(e.text.find("secret-path"), std::string::npos) << e.text;
        EXPECT_EQ(e.data.dump().find("secret-path"), std::string::npos) << e.data.dump();
        if (e.data.value("target", "") == "https://hooks.slack.example/…") ++to_host;
    }
    EXPECT_EQ(to_host, 1);
}

TEST_F(DispatcherTest, AfterTheAttemptLimitTheMessageFailsOnTheTimeline) {
    configure();
    const auto id = ready("r1");
    slack_.script({{Kind::retry, std::nullopt, 500, "HTTP 500"},
                   {Kind::retry, std::nullopt, 500, "HTTP 500"},
                   {Kind::retry, std::nullopt, 503, "HTTP 503"}});
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(dispatcher_->drain(seconds(5)));
        clock_.advance(hours(1));
    }
    const auto row = outbox(id)[0];
    EXPECT_EQ(row.status, "failed");
    EXPECT_EQ(row.attempts, 3);
    const auto failed = timeline(id, "delivery_failed");
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].text.find("HTTP 503"), std::string::npos) << failed[0].text;
    EXPECT_NE(failed[0].text.find("gave up after 3 attempts"), std::string::npos);
    EXPECT_EQ(dispatcher_->counters().failed, 1u);
}

TEST_F(DispatcherTest, AFinalRefusalIsNotRetried) {
    configure();
    const auto id = ready("r1");
    slack_.script({{Kind::failed, std::nullopt, 410, "HTTP 410 Gone"}});
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    clock_.advance(hours(5));
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    EXPECT_EQ(slack_.sent().size(), 1u);
    EXPECT_EQ(outbox(id)[0].status, "failed");
    EXPECT_EQ(timeline(id, "delivery_failed").size(), 1u);
}

TEST_F(DispatcherTest, APersonWithoutAnEmailAddressFailsAtOnceAndSaysWhy) {
    configure();
    const auto id = ready("r1", "nomail");
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    const auto failed = timeline(id, "delivery_failed");
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].text.find("nomail has no email address"), std::string::npos)
        << failed[0].text;
    EXPECT_EQ(email_.sent().size(), 1u);  // the client's email still went
}

TEST_F(DispatcherTest, ACrashBetweenSendingAndSettlingSendsAgainWithTheSameId) {
    configure();
    const auto id = ready("r1");
    // A lease taken by a process that then died: nothing settles it.
    auto lease = engine_->lease_notifications(10, minutes(10));
    ASSERT_TRUE(lease.ok());
    ASSERT_EQ(lease->notifications.size(), 3u);
    std::string slack_id;
    for (const auto& n : lease->notifications) {
        if (n.channel == "slack") slack_id = n.delivery_id;
    }
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    EXPECT_TRUE(slack_.sent().empty());  // leased: nobody else takes it
    clock_.advance(minutes(11));
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    const auto sent = slack_.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].delivery_id, slack_id);
    EXPECT_EQ(sent[0].attempt, 2);
    EXPECT_EQ(outbox(id)[0].status, "delivered");
}

// A Store whose next write fails after its callback ran, as a lost commit would.
class CommitFailingStore final : public store::Store {
public:
    explicit CommitFailingStore(store::Store& inner) : inner_(inner) {}
    bool fail_next_write = false;
    Status write(const store::TransactionFn& fn) override {
        const bool fail = std::exchange(fail_next_write, false);
        return inner_.write([&](store::Transaction& tx) -> Status {
            auto st = fn(tx);
            if (!st || !fail) return st;
            return make_error(ErrorCode::unavailable, "injected commit failure");
        });
    }
    Status read(const store::TransactionFn& fn) override { return inner_.read(fn); }
    Status backup(const std::string& path) override { return inner_.backup(path); }
    std::string describe() const override { return "failing(" + inner_.describe() + ")"; }

private:
    store::Store& inner_;
};

// Regression, found by tests/e2e/nodes_fault_test.cpp: the first lease made the link key
// and, reading it back for its second row inside the same transaction, cached it; when that
// transaction then failed to commit, the process went on signing delivery ids and links
// with a key the store never kept. Another node, or this one after a restart, then sent the
// same message under another id, and refused the links.
TEST_F(DispatcherTest, ALinkKeyMadeInALeaseThatFailedToCommitIsNeverUsed) {
    configure();
    ready("r1");  // three rows: Slack, the owner's email, the client's email
    CommitFailingStore failing(*store_);
    engine::Engine node(failing, clock_);
    failing.fail_next_write = true;
    ASSERT_FALSE(node.lease_notifications(10, minutes(10)).ok());
    auto lease = node.lease_notifications(10, minutes(10));
    ASSERT_TRUE(lease.ok()) << lease.error().message;
    ASSERT_EQ(lease->notifications.size(), 3u);

    // Another engine on the store (another node, or a restart) sends the same messages
    // under the same ids once the lease runs out.
    clock_.advance(minutes(11));
    auto again = engine_->lease_notifications(10, minutes(10));
    ASSERT_TRUE(again.ok()) << again.error().message;
    ASSERT_EQ(again->notifications.size(), 3u);
    std::map<std::int64_t, std::string> first_ids;
    for (const auto& n : lease->notifications) first_ids[n.outbox_id] = n.delivery_id;
    for (const auto& n : again->notifications) {
        EXPECT_EQ(n.delivery_id, first_ids[n.outbox_id]) << "outbox row " << n.outbox_id;
    }
    // And a link one of them signs is good on the other.
    auto link = node.make_link(1, "accept", "dana", clock_.now() + hours(1));
    ASSERT_TRUE(link.ok()) << link.error().message;
    EXPECT_TRUE(engine_->peek_link(*link).ok());
}

TEST_F(DispatcherTest, OneClickLinksActOnceAsTheirPersonAndOnlyUntilTheyExpire) {
    configure();
    const auto id = ready("r1");
    ASSERT_TRUE(dispatcher_->drain(seconds(5)));
    std::string accept_url;
    for (const auto& n : email_.sent()) {
        if (!n.accept_url.empty()) accept_url = n.accept_url;
    }
    const std::string token = accept_url.substr(accept_url.find("/l/") + 3);
    auto peek = engine_->peek_link(token);
    ASSERT_TRUE(peek.ok()) << peek.error().message;
    EXPECT_EQ(peek->handoff_id, id);
    EXPECT_EQ(peek->action, "accept");
    EXPECT_EQ(peek->handle, "dana");

    std::string forged = token;
    forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
    auto refused = engine_->use_link(forged);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::forbidden);

    auto used = engine_->use_link(token);
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_EQ(used->state, core::HandoffState::accepted);
    EXPECT_EQ(used->timeline.back().actor, "dana");
    auto again = engine_->use_link(token);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::conflict);

    // Housekeeping forgets old answers, but never a spent link that could still be used.
    clock_.advance(hours(48));
    auto expired_keys = engine_->expire_idempotency(hours(24), 1000);
    ASSERT_TRUE(expired_keys.ok());
    EXPECT_EQ(*expired_keys, 0);
    auto replay = engine_->use_link(token);
    ASSERT_FALSE(replay.ok());
    EXPECT_EQ(replay.error().code, ErrorCode::conflict);
    clock_.advance(hours(24 * 7));
    auto forgotten = engine_->expire_idempotency(hours(24), 1000);
    ASSERT_TRUE(forgotten.ok());
    EXPECT_EQ(*forgotten, 1);
    auto too_late = engine_->use_link(token);  // past its lifetime: refused all the same
    ASSERT_FALSE(too_late.ok());
    EXPECT_EQ(too_late.error().code, ErrorCode::forbidden);

    auto late = engine_->make_link(id, "done", "dana", clock_.now() + hours(1));
    ASSERT_TRUE(late.ok());
    clock_.advance(hours(2));
    auto expired = engine_->use_link(*late);
    ASSERT_FALSE(expired.ok());
    EXPECT_EQ(expired.error().code, ErrorCode::forbidden);
    EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

TEST_F(DispatcherTest, StoppingWaitsForMessagesInFlightAndRecordsHowTheyEnded) {
    configure();
    const auto id = ready("r1");
    HeldChannel held;
    engine::DispatcherOptions options;
    options.poll = Milliseconds(20);
    engine::Dispatcher dispatcher(*engine_, engine::ChannelSet{&held, &held, nullptr}, options);
    dispatcher.start();
    for (int i = 0; i < 500 && held.held() < 3; ++i) std::this_thread::sleep_for(Milliseconds(10));
    ASSERT_EQ(held.held(), 3u);
    // The endpoint answers while the dispatcher is stopping: the answers are recorded.
    std::thread late([&] {
        std::this_thread::sleep_for(Milliseconds(100));
        held.answer_all({Kind::delivered, std::nullopt, 200, "HTTP 200"});
    });
    const auto stopping = std::chrono::steady_clock::now();
    dispatcher.stop(seconds(60));
    const auto took = std::chrono::steady_clock::now() - stopping;
    late.join();
    // It stopped once the last answer was recorded, not at the end of its grace (the
    // margin is for slow machines: the answer comes after 0.1 s).
    EXPECT_LT(took, seconds(50));
    for (const auto& row : outbox(id)) EXPECT_EQ(row.status, "delivered") << row.channel;
    EXPECT_EQ(dispatcher.counters().delivered, 3u);
}

}  // namespace
}  // namespace baton
