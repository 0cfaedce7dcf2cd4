// Checkpoints end to end, in real seconds: the real `baton serve` with its scheduler and
// dispatcher, a recording HTTP receiver standing in for Slack and a CRM webhook, and a real
// SMTP server (aiosmtpd). An event starts a handoff; Slack, the webhook, the owner and the
// client hear of it; the reminder, the accept deadline and the escalation fire once each;
// accepting tells the giver and the channels. Then: SIGKILL between sending a message and
// recording it, after which the message is sent again with the same delivery id.
//
// Waits poll for an outcome with generous limits; nothing asserts how fast the machine is.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <functional>
#include <regex>

#include "e2e/run_process.h"
#include "support/loopback.h"

namespace baton::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* kRush = R"(id: rush
title: Rush job
when: rush.started
subject: "{{data.company}}"
from: sam
owner: dana
calendar: 24x7
done: The rush job is out of the door.
accept_within: 2s
done_within: 1h
remind: [1s]
escalate:
  - { after: 3s, to: ari }
checkpoint:
  - slack: "#ops"
  - webhook: crm
  - email: owner
  - email: "{{data.contact}}"
    template: client-next-step
)";

std::string channels_yaml(const Receiver& r, const SmtpServer& smtp, const std::string& crm_path) {
    return "slack:\n  \"#ops\": { webhook: \"" + r.url("/200/slack") + "\" }\n" +
           "webhooks:\n  crm: { url: \"" + r.url(crm_path) +
           "\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\" }\n" +
           "smtp: { url: \"" + smtp.url() + "\", from: \"Baton <baton@example.com>\" }\n" +
           "allow: [127.0.0.1]\n" + "public_url: \"http://127.0.0.1:9\"\n";
}

// Polls `done` every 100 ms for up to `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return done();
}

class Checkpoints : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_GT(receiver_.port(), 0) << receiver_.error();
        ASSERT_TRUE(smtp_.ready()) << "aiosmtpd did not start: " << smtp_.error();
        baton({"init", ws_.path()});
        write_text(ws_ / "rush.yaml", kRush);
    }

    void TearDown() override {
        if (server_) {
            server_->kill(SIGKILL);
            (void)server_->finish(10s);
        }
    }

    ProcessResult baton(std::vector<std::string> args) {
        RunOptions o;
        o.args = std::move(args);
        auto r = run_baton(o);
        EXPECT_EQ(r.exit_code, 0) << describe(r);
        return r;
    }
    ProcessResult in_ws(std::vector<std::string> args) {
        args.insert(args.begin(), {"--workspace", ws_.path()});
        return baton(std::move(args));
    }

    void configure(const std::string& crm_path) {
        write_text(ws_ / "channels.yaml", channels_yaml(receiver_, smtp_, crm_path));
        in_ws({"apply", ws_ / "rush.yaml", ws_ / "channels.yaml"});
    }

    void serve(std::vector<std::string> extra = {}) {
        RunOptions o;
        o.args = {"--workspace", ws_.path(), "serve", "--listen", "127.0.0.1:0", "--quiet",
                  "--poll", "1s"};
        o.args.insert(o.args.end(), extra.begin(), extra.end());
        auto child = Child::start(baton_binary(), o);
        ASSERT_TRUE(child.has_value());
        server_.emplace(std::move(*child));
        std::string first;
        const auto deadline = Clock::now() + 30s;
        while (first.empty() && Clock::now() < deadline && server_->pump(100ms)) {
            auto lines = server_->take_lines();
            if (!lines.empty()) first = lines.front();
        }
        ASSERT_NE(first.find("Baton is listening"), std::string::npos)
            << first << server_->err();
    }

    std::int64_t emit(const std::string& id) {
        const auto r = in_ws({"--json", "emit", "rush.started", "--id", id, "--source", "crm",
                              "--data", R"({"company":"Acme","contact":"client@acme.example"})"});
        const json j = json::parse(r.out, nullptr, false);
        EXPECT_TRUE(j.is_object()) << r.out;
        return j.value("handoffs", json::array()).at(0).get<std::int64_t>();
    }

    json show(std::int64_t id) {
        const auto r = in_ws({"--json", "show", std::to_string(id)});
        return json::parse(r.out, nullptr, false);
    }

    int entries(const json& h, const std::string& kind) {
        int n = 0;
        for (const auto& e : h["timeline"]) n += e["kind"] == kind ? 1 : 0;
        return n;
    }

    // CloudEvent types the webhook receiver got at `path`.
    std::vector<std::string> webhook_types(const std::string& path) {
        std::vector<std::string> out;
        for (const auto& r : receiver_.requests(path)) {
            const json body = json::parse(r["body"].get<std::string>(), nullptr, false);
            if (body.is_object()) out.push_back(body.value("type", ""));
        }
        return out;
    }

    // Recipients of the received mail, with their subjects.
    std::vector<std::pair<std::string, std::string>> mail() {
        std::vector<std::pair<std::string, std::string>> out;
        const json messages = smtp_.messages();
        if (!messages.is_array()) return out;
        for (const auto& m : messages) {
            out.emplace_back(m["headers"].value("To", ""), m["headers"].value("Subject", ""));
        }
        return out;
    }
    int mail_to(const std::string& address) {
        int n = 0;
        for (const auto& [to, subject] : mail()) n += to.find(address) != std::string::npos;
        return n;
    }

    TempDir ws_;
    Receiver receiver_;
    SmtpServer smtp_;
    std::optional<Child> server_;
};

TEST_F(Checkpoints, TheOwnerTheClientTheChannelsAndTheLadderAllHearInRealSeconds) {
    configure("/200/crm");
    serve();
    const std::int64_t id = emit("r1");

    // Created: Slack, the webhook, the owner and the client.
    ASSERT_TRUE(eventually([&] { return !receiver_.requests("/200/slack").empty(); }));
    const json slack = json::parse(receiver_.requests("/200/slack")[0]["body"].get<std::string>());
    EXPECT_EQ(slack["blocks"][0]["type"], "header");
    ASSERT_TRUE(eventually([&] { return !webhook_types("/200/crm").empty(); }));
    EXPECT_EQ(webhook_types("/200/crm")[0], "baton.handoff.created");
    ASSERT_TRUE(eventually([&] { return mail_to("client@acme.example") == 1; }))
        << "client mail never came: " << show(id).dump(2);
    for (const auto& [to, subject] : mail()) {
        if (to.find("client@acme.example") != std::string::npos) {
            EXPECT_EQ(subject, "What happens next with Acme");
        }
    }

    // The ladder: remind at 1 s, overdue at 2 s, escalate to ari at 3 s — once each.
    ASSERT_TRUE(eventually([&] {
        const json h = show(id);
        return entries(h, "escalated") == 1 && entries(h, "overdue") == 1;
    })) << show(id).dump(2);
    ASSERT_TRUE(eventually([&] { return mail_to("ari@example.com") >= 1; }));
    const auto overdue_and_escalated = [&] {
        const auto types = webhook_types("/200/crm");
        return std::count(types.begin(), types.end(), "baton.handoff.overdue") == 1 &&
               std::count(types.begin(), types.end(), "baton.handoff.escalated") == 1;
    };
    ASSERT_TRUE(eventually(overdue_and_escalated));

    // The giver hears back when the owner accepts.
    in_ws({"--as", "dana", "accept", std::to_string(id)});
    ASSERT_TRUE(eventually([&] {
        const auto types = webhook_types("/200/crm");
        return std::count(types.begin(), types.end(), "baton.handoff.accepted") == 1;
    }));
    ASSERT_TRUE(eventually([&] { return mail_to("sam@example.com") >= 2; }))
        << "sam (the giver) hears of overdue and accepted";

    // Nothing fired twice, and every delivery is on the timeline.
    std::this_thread::sleep_for(1500ms);
    const json h = show(id);
    EXPECT_EQ(entries(h, "reminded"), 1);
    EXPECT_EQ(entries(h, "overdue"), 1);
    EXPECT_EQ(entries(h, "escalated"), 1);
    EXPECT_EQ(entries(h, "delivery_failed"), 0) << h.dump(2);
    EXPECT_GE(entries(h, "delivered"), 10);
}

TEST_F(Checkpoints, AMessageCutOffBySigkillIsSentAgainWithTheSameDeliveryId) {
    configure("/hang/crm");
    serve({"--delivery-lease", "2s"});
    const std::int64_t id = emit("k1");
    // The webhook is on the wire and its receiver never answers: kill Baton now.
    ASSERT_TRUE(eventually([&] { return !receiver_.requests("/hang/crm").empty(); }));
    server_->kill(SIGKILL);
    ASSERT_TRUE(server_->finish(10s).has_value());
    server_.reset();
    const auto created_id = [&](const std::string& path) -> std::string {
        for (const auto& r : receiver_.requests(path)) {
            const json body = json::parse(r["body"].get<std::string>(), nullptr, false);
            if (body.is_object() && body.value("type", "") == "baton.handoff.created") {
                return r["headers"]["webhook-id"];
            }
        }
        return "";
    };
    const std::string first_id = created_id("/hang/crm");
    ASSERT_FALSE(first_id.empty());

    // The CRM is reachable again; Baton restarts and sends the message once more.
    configure("/200/crm");
    serve({"--delivery-lease", "2s"});
    ASSERT_TRUE(eventually([&] { return !created_id("/200/crm").empty(); }));
    EXPECT_EQ(created_id("/200/crm"), first_id);
    ASSERT_TRUE(eventually([&] {
        const json h = show(id);
        for (const auto& e : h["timeline"]) {
            if (e["kind"] == "delivered" && e["data"].value("channel", "") == "webhook" &&
                e["data"].value("what", "") == "created") {
                return e["data"].value("delivery_id", "") == first_id &&
                       e["data"].value("attempts", 0) == 2;
            }
        }
        return false;
    })) << show(id).dump(2);
}

}  // namespace
}  // namespace baton::test
