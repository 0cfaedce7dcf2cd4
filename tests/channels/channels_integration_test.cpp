// The channels against real servers on loopback, started by the tests on ports the OS
// chooses and stopped by their PIDs: an HTTP receiver (tests/support/receiver.py) that
// records every request and answers as the path tells it (200, 500, 429 with Retry-After,
// 410, a redirect, a hang, a reset, an endless body), and aiosmtpd, a real SMTP server,
// whose Maildir is read back with Python's email package (tests/support/read_maildir.py).
//
// Every outcome goes through the real CurlTransport. Timing is asserted only as order or
// with lenient lower bounds, never as an upper bound a slow machine could miss.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "channels/channels.h"
#include "channels/sample.h"
#include "channels/text.h"
#include "crypto/signatures.h"
#include "e2e/run_process.h"
#include "support/loopback.h"

namespace baton::channels {
namespace {

using namespace std::chrono_literals;
using baton::test::free_port;
using baton::test::Receiver;
using baton::test::SmtpServer;
using nlohmann::json;
using Kind = Outcome::Kind;


// ---------------------------------------------------------------------------------------
// Helpers

// Outcomes in the order they arrived, labelled by the test.
class Outcomes {
  public:
    std::function<void(Outcome)> callback(std::string label) {
        return [this, label = std::move(label)](Outcome o) {
            std::lock_guard lock(mutex_);
            arrived_.emplace_back(label, std::move(o));
            changed_.notify_all();
        };
    }
    // Waits for `count` outcomes in all; false after a generous limit.
    bool wait(std::size_t count, std::chrono::seconds limit = 60s) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return arrived_.size() >= count; });
    }
    std::vector<std::pair<std::string, Outcome>> all() {
        std::lock_guard lock(mutex_);
        return arrived_;
    }
    Outcome get(const std::string& label) {
        for (auto& [l, o] : all()) {
            if (l == label) return o;
        }
        ADD_FAILURE() << "no outcome for " << label;
        return {};
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::pair<std::string, Outcome>> arrived_;
};

std::string describe(const Outcome& o) {
    const char* kinds[] = {"delivered", "retry", "failed"};
    return std::string(kinds[int(o.kind)]) + " " + std::to_string(o.status) + " " + o.detail;
}

// Sends one notification and waits for its outcome.
Outcome send_and_wait(Channel& channel, Notification n) {
    Outcomes outcomes;
    channel.send(std::move(n), outcomes.callback("one"));
    EXPECT_TRUE(outcomes.wait(1)) << "no outcome";
    return outcomes.all().empty() ? Outcome{} : outcomes.all()[0].second;
}

ChannelOptions quick(Milliseconds transfer_timeout = 10s) {
    ChannelOptions o;
    o.transport.connect_timeout = 5s;
    o.transport.transfer_timeout = transfer_timeout;
    return o;
}

class ChannelsOnTheWire : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { receiver_ = new Receiver(); }
    static void TearDownTestSuite() {
        delete receiver_;  // kills the receiver by its pid
        receiver_ = nullptr;
    }
    void SetUp() override {
        ASSERT_GT(receiver_->port(), 0) << "the receiver did not start: " << receiver_->error();
    }

    // A notification whose config sends "#ops", "crm" to the receiver at `path`, with
    // loopback allow-listed unless told otherwise.
    static Notification to(const std::string& path,
                           std::vector<std::string> allow = {"127.0.0.1"}) {
        Notification n = samples::sample_notification();
        auto config = samples::sample_config();
        config->slack["#ops"] = {receiver_->url(path)};
        config->webhooks["crm"] = {receiver_->url(path), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
        config->allow = std::move(allow);
        n.config = config;
        return n;
    }
    static Notification webhook_to(const std::string& path) {
        Notification n = to(path);
        n.channel = "webhook";
        n.target = "crm";
        return n;
    }
    static Notification with_url(Notification n, const std::string& url) {
        auto config = std::make_shared<core::ChannelsConfig>(*n.config);
        config->slack["#ops"] = {url};
        n.config = config;
        return n;
    }

    static Receiver* receiver_;
};

Receiver* ChannelsOnTheWire::receiver_ = nullptr;

// ---------------------------------------------------------------------------------------
// Slack and webhook bodies on the wire

TEST_F(ChannelsOnTheWire, SlackPostsTheBlockKitMessage) {
    Channels channels(quick());
    Notification n = to("/200/slack-shape");
    n.handoff.title = std::string(400, 'T');
    const Outcome o = send_and_wait(channels.slack(), n);
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);
    EXPECT_EQ(o.status, 200);

    const auto got = receiver_->requests("/200/slack-shape");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["method"], "POST");
    EXPECT_EQ(got[0]["headers"]["content-type"], "application/json; charset=utf-8");
    const json body = json::parse(got[0]["body"].get<std::string>());
    EXPECT_EQ(body, slack_message(n));
    EXPECT_EQ(body["blocks"][0]["type"], "header");
    const std::string header = body["blocks"][0]["text"]["text"];
    EXPECT_EQ(utf8_chars(header), limits::slack_header_chars_max);
    EXPECT_EQ(body["text"], "<@U012AB3CD> Sam handed Acme to Dana");
    EXPECT_LE(body["blocks"].size(), limits::slack_blocks_max);
}

TEST_F(ChannelsOnTheWire, WebhookIsSignedAndKeepsItsIdOnRetry) {
    // First, the verifier used below agrees with the Standard Webhooks spec's own example.
    const std::vector<crypto::Header> example = {
        {"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"},
        {"webhook-timestamp", "1614265330"},
        {"webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}};
    ASSERT_TRUE(crypto::verify_standard_webhook({.headers = example,
                                                 .body = R"({"test": 2432232314})",
                                                 .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                                 .now = from_unix_ms(1614265330'000)})
                    .ok());

    Channels channels(quick());
    Notification n = webhook_to("/fail-once/crm");
    n.delivery_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    n.now = from_unix_ms(1614265330'000);
    n.what = "done";
    const Outcome first = send_and_wait(channels.webhook(), n);
    EXPECT_EQ(first.kind, Kind::retry) << describe(first);
    EXPECT_EQ(first.status, 500);
    n.attempt = 2;
    n.now += 30s;  // the dispatcher's retry, later
    const Outcome second = send_and_wait(channels.webhook(), n);
    EXPECT_EQ(second.kind, Kind::delivered) << describe(second);

    const auto got = receiver_->requests("/fail-once/crm");
    ASSERT_EQ(got.size(), 2u);
    for (std::size_t i = 0; i < got.size(); ++i) {
        SCOPED_TRACE(i);
        const json& h = got[i]["headers"];
        EXPECT_EQ(h["webhook-id"], "msg_p5jXN8AQM9LWM0D4loKWxJek");
        EXPECT_EQ(h["content-type"], "application/json");
        const std::vector<crypto::Header> headers = {{"webhook-id", h["webhook-id"]},
                                                     {"webhook-timestamp", h["webhook-timestamp"]},
                                                     {"webhook-signature", h["webhook-signature"]}};
        const std::string body = got[i]["body"];
        const auto verified = crypto::verify_standard_webhook(
            {.headers = headers,
             .body = body,
             .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
             .now = from_unix_ms(std::stoll(h["webhook-timestamp"].get<std::string>()) * 1000)});
        EXPECT_TRUE(verified.ok()) << verified.error().message;
        const json event = json::parse(body);
        EXPECT_EQ(event["type"], "baton.handoff.done");
        EXPECT_EQ(event["id"], "msg_p5jXN8AQM9LWM0D4loKWxJek");
        EXPECT_EQ(event["data"]["id"], 42);
    }
    EXPECT_EQ(got[0]["headers"]["webhook-timestamp"], "1614265330");
    EXPECT_EQ(got[1]["headers"]["webhook-timestamp"], "1614265360");
}

// ---------------------------------------------------------------------------------------
// Outcomes

TEST_F(ChannelsOnTheWire, AnswersMapToOutcomes) {
    struct Case {
        const char* path;
        Kind kind;
        int status;
        long long retry_after_ms;  // -1: none
        const char* detail;
    };
    const Case cases[] = {
        {"/500/outcome", Kind::retry, 500, -1, "HTTP 500: status 500"},
        {"/503/outcome", Kind::retry, 503, -1, "HTTP 503"},
        {"/429-7/outcome", Kind::retry, 429, 7000, "HTTP 429: slow down"},
        {"/408/outcome", Kind::retry, 408, -1, "HTTP 408"},
        {"/410/outcome", Kind::failed, 410, -1, "HTTP 410: status 410"},
        {"/404/outcome", Kind::failed, 404, -1, "HTTP 404"},
        {"/204/outcome", Kind::delivered, 204, -1, "HTTP 204"},
        {"/reset/outcome", Kind::retry, 0, -1, ""},
        {"/301/outcome", Kind::failed, 301, -1, "not followed"},
    };
    Channels channels(quick());
    Outcomes outcomes;
    for (const Case& c : cases)
        channels.webhook().send(webhook_to(c.path), outcomes.callback(c.path));
    ASSERT_TRUE(outcomes.wait(std::size(cases)));
    for (const Case& c : cases) {
        SCOPED_TRACE(c.path);
        const Outcome o = outcomes.get(c.path);
        EXPECT_EQ(o.kind, c.kind) << describe(o);
        EXPECT_EQ(o.status, c.status) << describe(o);
        EXPECT_EQ(o.retry_after.has_value(), c.retry_after_ms >= 0);
        if (o.retry_after && c.retry_after_ms >= 0) {
            EXPECT_EQ(o.retry_after->count(), c.retry_after_ms);
        }
        EXPECT_NE(o.detail.find(c.detail), std::string::npos) << o.detail;
    }
    // The redirect was not followed.
    EXPECT_TRUE(receiver_->requests("/200/redirected").empty());
}

TEST_F(ChannelsOnTheWire, AHangIsARetryAfterTheTimeout) {
    Channels channels(quick(1s));
    const Outcome o = send_and_wait(channels.webhook(), webhook_to("/hang/timeout"));
    EXPECT_EQ(o.kind, Kind::retry) << describe(o);
    EXPECT_NE(o.detail.find("timed out"), std::string::npos) << o.detail;
    EXPECT_EQ(receiver_->requests("/hang/timeout").size(), 1u);  // it did reach the endpoint
}

TEST_F(ChannelsOnTheWire, ResponseBodyIsCapped) {
    // The receiver sends a body that never ends: read uncapped, it would run into the
    // timeout and come back as a retry.
    Channels channels(quick(30s));
    const Outcome o = send_and_wait(channels.webhook(), webhook_to("/endless/cap"));
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);
    EXPECT_EQ(o.status, 200);
    EXPECT_LE(o.detail.size(), limits::detail_bytes_max);
}

TEST_F(ChannelsOnTheWire, ShutdownAnswersWhatIsPending) {
    Outcomes outcomes;
    {
        Channels channels(quick(60s));
        channels.webhook().send(webhook_to("/hang/shutdown"), outcomes.callback("in flight"));
        // Two to one Slack webhook: the second waits a second for its turn.
        channels.slack().send(to("/hang/shutdown-slack"), outcomes.callback("slack in flight"));
        channels.slack().send(to("/hang/shutdown-slack"), outcomes.callback("slack queued"));
        const auto limit = std::chrono::steady_clock::now() + 30s;
        while (receiver_->requests("/hang/shutdown").size() < 2 &&
               std::chrono::steady_clock::now() < limit) {
            std::this_thread::sleep_for(20ms);
        }
    }
    const auto all = outcomes.all();  // the destructor returned: all answered
    ASSERT_EQ(all.size(), 3u);
    for (const auto& [label, o] : all) {
        EXPECT_EQ(o.kind, Kind::retry) << label << ": " << describe(o);
        EXPECT_EQ(o.detail, "shutting down") << label;
    }
}

// ---------------------------------------------------------------------------------------
// The SSRF guard

TEST_F(ChannelsOnTheWire, LoopbackOnlyWhenAllowListed) {
    Channels channels(quick());
    Outcome o = send_and_wait(channels.slack(), to("/200/ssrf-loopback", {}));
    EXPECT_EQ(o.kind, Kind::failed) << describe(o);
    EXPECT_EQ(o.detail,
              "refused: 127.0.0.1 is a loopback address; add it to allow: in channels.yaml to "
              "permit it");
    EXPECT_TRUE(receiver_->requests("/200/ssrf-loopback").empty());

    o = send_and_wait(channels.slack(), to("/200/ssrf-loopback", {"127.0.0.1"}));
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);
    EXPECT_EQ(receiver_->requests("/200/ssrf-loopback").size(), 1u);
}

TEST_F(ChannelsOnTheWire, AnOpenConnectionIsJudgedAgainOnReuse) {
    // The first send opens a keep-alive connection while loopback is allowed; the second
    // comes after the allow-list lost it and must not ride on that connection.
    Channels channels(quick());
    Outcome o = send_and_wait(channels.webhook(), webhook_to("/200/reuse"));
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);
    Notification later = webhook_to("/200/reuse");
    std::const_pointer_cast<core::ChannelsConfig>(later.config)->allow.clear();
    o = send_and_wait(channels.webhook(), later);
    EXPECT_EQ(o.kind, Kind::failed) << describe(o);
    EXPECT_EQ(o.detail.rfind("refused: 127.0.0.1 is a loopback address", 0), 0u) << o.detail;
    EXPECT_EQ(receiver_->requests("/200/reuse").size(), 1u);
}

TEST_F(ChannelsOnTheWire, ANameResolvingToLoopbackIsJudgedByItsAddress) {
    Channels channels(quick());
    const std::string url =
        "http://localhost:" + std::to_string(receiver_->port()) + "/200/ssrf-name";
    Outcome o = send_and_wait(channels.slack(), with_url(to("/unused", {}), url));
    EXPECT_EQ(o.kind, Kind::failed) << describe(o);
    EXPECT_NE(o.detail.find("refused: localhost resolves to"), std::string::npos) << o.detail;
    EXPECT_NE(o.detail.find("a loopback address"), std::string::npos) << o.detail;
    // Allow-listing another host does not help.
    o = send_and_wait(channels.slack(), with_url(to("/unused", {"example.com"}), url));
    EXPECT_EQ(o.kind, Kind::failed) << describe(o);
    EXPECT_TRUE(receiver_->requests("/200/ssrf-name").empty());

    o = send_and_wait(channels.slack(), with_url(to("/unused", {"localhost"}), url));
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);
    EXPECT_EQ(receiver_->requests("/200/ssrf-name").size(), 1u);
}

TEST_F(ChannelsOnTheWire, ARedirectToLoopbackIsNeverFollowedWhateverItsStatus) {
    // Each redirect status, with an absolute Location on loopback: this receiver, so that a
    // follow would show in its log. Loopback is allow-listed for the first hop, so nothing
    // but the no-follow rule stands between a redirect and the internal address.
    Channels channels(quick());
    for (const int code : {301, 302, 303, 307, 308}) {
        const std::string path = "/redirect-" + std::to_string(code) + "/ssrf";
        SCOPED_TRACE(path);
        for (Notification n : {to(path), webhook_to(path)}) {
            Channel& channel = n.channel == "webhook" ? channels.webhook() : channels.slack();
            const Outcome o = send_and_wait(channel, n);
            EXPECT_EQ(o.kind, Kind::failed) << describe(o);
            EXPECT_EQ(o.status, code) << describe(o);
            EXPECT_NE(o.detail.find("not followed"), std::string::npos) << o.detail;
        }
        EXPECT_EQ(receiver_->requests(path).size(), 2u);
        EXPECT_TRUE(receiver_->requests("/200/redirected-" + std::to_string(code)).empty());
    }
}

TEST_F(ChannelsOnTheWire, PrivateAddressesAreRefusedBeforeAnyPacket) {
    // The socket callback refuses before connect(): these addresses are never contacted.
    // Were they contacted, the outcome would be a retry (a timeout or an unreachable
    // network), not a failure that names the guard.
    struct Case {
        const char* url;
        const char* detail;
    };
    const Case cases[] = {
        {"http://10.0.0.1:9/x", "refused: 10.0.0.1 is a private address"},
        {"http://169.254.169.254/latest/meta-data/",
         "refused: 169.254.169.254 is a link-local address"},
        {"http://0x0a000001:9/x", "refused: 10.0.0.1 is a private address"},
        {"http://100.64.0.1:9/x", "refused: 100.64.0.1 is a shared (carrier-grade NAT) address"},
        {"http://[fd00::1]:9/x", "refused: fd00::1 is a private address"},
        {"http://0.0.0.0:9/x", "refused: 0.0.0.0 is an unspecified address"},
        {"http://user:pw@127.0.0.1/", "refused: the URL carries credentials"},
        {"ftp://127.0.0.1/x", "refused: the scheme ftp:// is not allowed"},
    };
    Channels channels(quick());
    Outcomes outcomes;
    for (const Case& c : cases) {
        channels.slack().send(with_url(to("/unused", {"127.0.0.1"}), c.url),
                              outcomes.callback(c.url));
    }
    ASSERT_TRUE(outcomes.wait(std::size(cases)));
    for (const Case& c : cases) {
        const Outcome o = outcomes.get(c.url);
        EXPECT_EQ(o.kind, Kind::failed) << c.url << ": " << describe(o);
        EXPECT_EQ(o.status, 0);
        EXPECT_EQ(o.detail.rfind(c.detail, 0), 0u) << c.url << ": " << o.detail;
        EXPECT_EQ(o.detail.find("pw"), std::string::npos) << o.detail;
    }
}

// ---------------------------------------------------------------------------------------
// Endpoints do not wait for each other; one Slack webhook is paced.

TEST_F(ChannelsOnTheWire, ASlowEndpointDoesNotDelayAnother) {
    Channels channels(quick(5s));
    Outcomes outcomes;
    channels.slack().send(to("/hang/slow-endpoint"), outcomes.callback("slow"));
    channels.slack().send(to("/200/fast-endpoint"), outcomes.callback("fast"));
    ASSERT_TRUE(outcomes.wait(2));
    const auto all = outcomes.all();
    EXPECT_EQ(all[0].first, "fast");
    EXPECT_EQ(all[0].second.kind, Kind::delivered) << describe(all[0].second);
    EXPECT_EQ(all[1].first, "slow");
    EXPECT_EQ(all[1].second.kind, Kind::retry) << describe(all[1].second);
}

TEST_F(ChannelsOnTheWire, OneSlackWebhookGetsOneMessagePerSecondInOrder) {
    Channels channels(quick());
    Outcomes outcomes;
    for (int i = 1; i <= 3; ++i) {
        Notification n = to("/200/paced");
        n.summary = "message " + std::to_string(i);
        channels.slack().send(n, outcomes.callback(std::to_string(i)));
    }
    ASSERT_TRUE(outcomes.wait(3));
    const auto all = outcomes.all();
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(all[i].first, std::to_string(i + 1));
        EXPECT_EQ(all[i].second.kind, Kind::delivered) << describe(all[i].second);
    }
    const auto got = receiver_->requests("/200/paced");
    ASSERT_EQ(got.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        const json body = json::parse(got[i]["body"].get<std::string>());
        EXPECT_NE(body["text"].get<std::string>().find("message " + std::to_string(i + 1)),
                  std::string::npos);
    }
    // Starts are a second apart. Arrivals can be closer by how much longer the first took
    // to connect (the later ones reuse its connection), so the bound is half a second:
    // without pacing the three would arrive within milliseconds. There is no upper bound,
    // so a slow machine cannot fail the test.
    for (int i = 1; i < 3; ++i) {
        const double gap = got[i]["time"].get<double>() - got[i - 1]["time"].get<double>();
        EXPECT_GE(gap, 0.5) << "request " << i;
    }
}

// ---------------------------------------------------------------------------------------
// The transport's limits, each at its edge

TEST_F(ChannelsOnTheWire, ResponseBodyBytesMax) {
    // The receiver answers 410 with the body "status 410" (10 bytes).
    for (const auto& [max, detail] :
         {std::pair{10, "HTTP 410: status 410"}, std::pair{6, "HTTP 410: status"}}) {
        ChannelOptions options = quick();
        options.transport.response_body_bytes_max = static_cast<std::size_t>(max);
        Channels channels(options);
        const Outcome o = send_and_wait(channels.webhook(), webhook_to("/410/body-max"));
        EXPECT_EQ(o.kind, Kind::failed) << describe(o);
        EXPECT_EQ(o.detail, detail);
    }
}

TEST_F(ChannelsOnTheWire, QueuedSendsMax) {
    ChannelOptions options = quick(60s);
    options.transport.queued_sends_max = 2;
    Outcomes outcomes;
    {
        Channels channels(options);
        // One in flight (it hangs), then two wait behind it in the Slack webhook's queue
        // and the fourth finds the queue full.
        channels.slack().send(to("/hang/queue-max"), outcomes.callback("1"));
        const auto limit = std::chrono::steady_clock::now() + 30s;
        while (receiver_->requests("/hang/queue-max").empty() &&
               std::chrono::steady_clock::now() < limit) {
            std::this_thread::sleep_for(10ms);
        }
        for (const char* label : {"2", "3", "4"}) {
            channels.slack().send(to("/hang/queue-max"), outcomes.callback(label));
        }
        ASSERT_TRUE(outcomes.wait(1));
        const auto first = outcomes.all()[0];
        EXPECT_EQ(first.first, "4");
        EXPECT_EQ(first.second.kind, Kind::retry);
        EXPECT_EQ(first.second.detail, "too many messages waiting to be sent");
    }
    EXPECT_EQ(outcomes.all().size(), 4u);  // the others: "shutting down"
}

TEST_F(ChannelsOnTheWire, QueueWait) {
    ChannelOptions options = quick();
    options.transport.queue_wait = 300ms;  // shorter than Slack's one second between messages
    Channels channels(options);
    Outcomes outcomes;
    channels.slack().send(to("/200/queue-wait"), outcomes.callback("first"));
    channels.slack().send(to("/200/queue-wait"), outcomes.callback("second"));
    ASSERT_TRUE(outcomes.wait(2));
    EXPECT_EQ(outcomes.get("first").kind, Kind::delivered);
    const Outcome second = outcomes.get("second");
    EXPECT_EQ(second.kind, Kind::retry) << describe(second);
    EXPECT_EQ(second.detail, "waited too long for a busy or paused endpoint");
    EXPECT_EQ(receiver_->requests("/200/queue-wait").size(), 1u);
}

TEST_F(ChannelsOnTheWire, TransfersMax) {
    // With room for one transfer, a fast endpoint waits for a slow one: the opposite of
    // ASlowEndpointDoesNotDelayAnother, which runs with the default.
    ChannelOptions options = quick(2s);
    options.transport.transfers_max = 1;
    Channels channels(options);
    Outcomes outcomes;
    channels.webhook().send(webhook_to("/hang/transfers-max"), outcomes.callback("slow"));
    channels.webhook().send(webhook_to("/200/transfers-max"), outcomes.callback("fast"));
    ASSERT_TRUE(outcomes.wait(2));
    EXPECT_EQ(outcomes.all()[0].first, "slow");
    EXPECT_EQ(outcomes.all()[1].first, "fast");
    EXPECT_EQ(outcomes.get("fast").kind, Kind::delivered);
}

TEST_F(ChannelsOnTheWire, A429PausesItsEndpoint) {
    Channels channels(quick());
    const Outcome first = send_and_wait(channels.webhook(), webhook_to("/429-2/pause"));
    EXPECT_EQ(first.kind, Kind::retry) << describe(first);
    ASSERT_TRUE(first.retry_after.has_value());
    EXPECT_EQ(first.retry_after->count(), 2000);
    const Outcome second = send_and_wait(channels.webhook(), webhook_to("/429-2/pause"));
    EXPECT_EQ(second.kind, Kind::retry) << describe(second);
    const auto got = receiver_->requests("/429-2/pause");
    ASSERT_EQ(got.size(), 2u);
    // The second waited out the first's Retry-After of 2 s (a lenient lower bound only;
    // without the pause it would follow within milliseconds).
    EXPECT_GE(got[1]["time"].get<double>() - got[0]["time"].get<double>(), 1.0);
}

// ---------------------------------------------------------------------------------------
// Email through a real SMTP server

Notification email_to(const SmtpServer& server, std::vector<std::string> allow = {"127.0.0.1"}) {
    Notification n = samples::sample_notification();
    auto config = samples::sample_config();
    config->smtp = core::SmtpSettings{server.url(), "Baton <baton@example.com>", "", ""};
    config->allow = std::move(allow);
    n.config = config;
    n.channel = "email";
    n.target = "dana@example.com";
    return n;
}

const json* part(const json& message, const std::string& type) {
    for (const auto& p : message["parts"]) {
        if (p["content_type"] == type) return &p;
    }
    return nullptr;
}

TEST(EmailOverSmtp, ARealServerReceivesBothPartsWithAStableMessageId) {
    SmtpServer server;
    ASSERT_TRUE(server.ready()) << "aiosmtpd did not start (python3-aiosmtpd installed?): "
                                << server.error();
    Channels channels(quick());
    Notification n = email_to(server);
    n.summary = "Zoë handed “Acme” to Dana";
    Outcome o = send_and_wait(channels.email(), n);
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);
    EXPECT_EQ(o.status, 250);
    n.attempt = 2;
    n.now += 5min;
    o = send_and_wait(channels.email(), n);
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);

    const json messages = server.messages();
    ASSERT_TRUE(messages.is_array());
    ASSERT_EQ(messages.size(), 2u) << messages.dump();
    for (const auto& m : messages) {
        SCOPED_TRACE(m.dump());
        const json& h = m["headers"];
        EXPECT_EQ(h["From"], "Baton <baton@example.com>");
        EXPECT_EQ(h["To"], "Dana Scully <dana@example.com>");
        EXPECT_EQ(h["Subject"], "Zoë handed “Acme” to Dana");
        EXPECT_EQ(h["Message-ID"], "<dlv_42_7@example.com>");
        EXPECT_EQ(h["MIME-Version"], "1.0");
        EXPECT_EQ(h["X-MailFrom"], "baton@example.com");
        EXPECT_EQ(h["X-RcptTo"], "dana@example.com");
        EXPECT_EQ(m["content_type"], "multipart/alternative");
        EXPECT_TRUE(m["defects"].empty());
        const json* text = part(m, "text/plain");
        const json* html = part(m, "text/html");
        ASSERT_NE(text, nullptr);
        ASSERT_NE(html, nullptr);
        EXPECT_EQ((*text)["charset"], "utf-8");
        const std::string t = (*text)["text"], x = (*html)["text"];
        EXPECT_NE(t.find("Done means: The client has a welcome email"), std::string::npos);
        EXPECT_NE(t.find("[x] Send the welcome email"), std::string::npos);
        EXPECT_NE(t.find("Accept by Mon 23 Nov 2026, 09:30 UTC"), std::string::npos);
        EXPECT_NE(t.find("Accept: https://baton.example.com/a/42?t=abc"), std::string::npos);
        EXPECT_NE(t.find("Done: https://baton.example.com/d/42?t=def"), std::string::npos);
        EXPECT_NE(t.find("Open: https://baton.example.com/handoffs/42"), std::string::npos);
        EXPECT_NE(x.find("<a href=\"https://baton.example.com/a/42?t=abc\">Accept</a>"),
                  std::string::npos);
        EXPECT_NE(x.find("<a href=\"https://baton.example.com/d/42?t=def\">Done</a>"),
                  std::string::npos);
        EXPECT_NE(x.find("<a href=\"https://baton.example.com/handoffs/42\">Open</a>"),
                  std::string::npos);
    }
    EXPECT_EQ(messages[0]["headers"]["Message-ID"], messages[1]["headers"]["Message-ID"]);
    EXPECT_NE(messages[0]["headers"]["Date"], messages[1]["headers"]["Date"]);
}

TEST(EmailOverSmtp, AnInjectedBccNeverBecomesARecipient) {
    SmtpServer server;
    ASSERT_TRUE(server.ready()) << server.error();
    Channels channels(quick());
    Notification n = email_to(server);
    n.subject = "Welcome\r\nBcc: evil@x";
    n.body = "Hello <b>Acme</b>,\n\nwhat happens next.";
    n.target = "client@acme.example";
    const Outcome o = send_and_wait(channels.email(), n);
    EXPECT_EQ(o.kind, Kind::delivered) << describe(o);
    const json messages = server.messages();
    ASSERT_EQ(messages.size(), 1u);
    const json& m = messages[0];
    EXPECT_EQ(m["headers"]["Subject"], "Welcome Bcc: evil@x");
    EXPECT_FALSE(m["headers"].contains("Bcc"));
    EXPECT_EQ(m["headers"]["X-RcptTo"], "client@acme.example");
    const json* html = part(m, "text/html");
    ASSERT_NE(html, nullptr);
    EXPECT_NE((*html)["text"].get<std::string>().find("Hello &lt;b&gt;Acme&lt;/b&gt;,"),
              std::string::npos);
    // The template's text as written, in the CRLF canonical form of MIME text.
    EXPECT_EQ((*part(m, "text/plain"))["text"], "Hello <b>Acme</b>,\r\n\r\nwhat happens next.");
}

TEST(EmailOverSmtp, GuardAndDownServer) {
    SmtpServer server;
    ASSERT_TRUE(server.ready()) << server.error();
    Channels channels(quick());
    // Not allow-listed: refused before connecting, nothing delivered.
    Outcome o = send_and_wait(channels.email(), email_to(server, {}));
    EXPECT_EQ(o.kind, Kind::failed) << describe(o);
    EXPECT_EQ(o.detail.rfind("refused: 127.0.0.1 is a loopback address", 0), 0u) << o.detail;
    EXPECT_TRUE(server.messages().empty());

    // Nobody listening: the connection is refused, which is worth a retry.
    Notification down = email_to(server);
    auto config = std::make_shared<core::ChannelsConfig>(*down.config);
    config->smtp->url = "smtp://127.0.0.1:" + std::to_string(free_port());
    down.config = config;
    o = send_and_wait(channels.email(), down);
    EXPECT_EQ(o.kind, Kind::retry) << describe(o);
}

}  // namespace
}  // namespace baton::channels
