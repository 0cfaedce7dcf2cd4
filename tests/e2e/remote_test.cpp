// End-to-end tests of the CLI's remote mode: the real baton binary against a real
// `baton serve` on loopback. Two workspaces are prepared the same way; a script of commands
// runs locally on one (--workspace, --as HANDLE) and through the server on the other
// (--server URL, BATON_TOKEN of HANDLE), and each step must give the same exit code, stdout
// and stderr. Then what only remote mode has: a bad or missing token, a server that is down,
// and the commands and flags it refuses.
//
// What legitimately differs between the two runs is normalised, narrowly (normalise()):
// RFC 3339 times and the spans the CLI prints (how long ago, how long until a deadline),
// the *_ms durations of JSON answers, the random secrets of new tokens, and the table
// padding that follows from span widths. Everything else must match byte for byte.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <regex>

#include "e2e/run_process.h"

namespace baton::test {
namespace {

namespace fs = std::filesystem;



std::string normalise(std::string text) {
    static const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    // format_span: "45 s", "3 min", "2 h 5 min", "1 d 4 h", possibly negative.
    static const std::regex span(R"(-?\b\d+ (d|h|min|s)\b( \d+ (h|min)\b)?)");
    static const std::regex ms(R"re(("[a-z0-9_]+_ms": )-?\d+)re");
    static const std::regex secret(R"(bt_[A-Za-z0-9_-]{20,})");
    static const std::regex padding(R"( {2,})");
    text = std::regex_replace(text, time, "<time>");
    text = std::regex_replace(text, span, "<span>");
    text = std::regex_replace(text, ms, "$1<ms>");
    text = std::regex_replace(text, secret, "<token>");
    return std::regex_replace(text, padding, "  ");
}

// One step of the script: who acts, the arguments, and what goes to stdin.
struct Step {
    std::string as;
    std::vector<std::string> args;
    std::string stdin_text = {};
};

std::string command_line(const Step& s) {
    std::string out = "baton";
    for (const auto& a : s.args) out += " " + a;
    return out + "   (as " + s.as + ")";
}

const char* changed_playbook = R"(id: sold-to-onboarding
title: Sold → onboarding (v2)
when: deal.won
if: data.amount >= 1000 && data.pipeline == "services"
subject: "{{data.company}}"
from: sales
owner: ops
done: The client has a welcome email, a shared folder and a booked kickoff call.
checklist:
  - Send the welcome email
  - Set up the client folder
  - Book the kickoff call
  - Add them to the newsletter
accept_within: 4h
done_within: 2d
next: kickoff-prep
)";

// Two problems at known places: the same lines must come back in both modes.
const char* broken_playbook = R"(id: Broken Id
title: Broken
when: deal.won
subject: "{{data.company}}"
from: sales
owner: nobody-here
done: x
accept_within: 4 parsecs
)";

class Remote : public ::testing::Test {
protected:
    void SetUp() override {
        local_ws_ = tmp_ / "local";
        remote_ws_ = tmp_ / "remote";
        for (const std::string* ws : {&local_ws_, &remote_ws_}) {
            prepare(*ws);
            if (HasFatalFailure()) return;
        }
        start_server();
    }

    void TearDown() override { stop_server(); }

    // init, then a token each for ari (an admin), dana and lee (members), in that order, so
    // that both workspaces hold the same ids. The remote workspace's secrets are kept.
    void prepare(const std::string& ws) {
        RunOptions init;
        init.args = {"init", ws};
        const auto r = run_baton(init);
        ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
        for (const char* handle : {"ari", "dana", "lee"}) {
            RunOptions create;
            create.args = {"--workspace", ws, "--json", "token", "create", handle};
            const auto t = run_baton(create);
            ASSERT_EQ(t.exit_code, exit_ok) << describe(t);
            std::smatch m;
            ASSERT_TRUE(std::regex_search(t.out, m, std::regex(R"re("token":"([^"]+)")re")))
                << t.out;
            if (ws == remote_ws_) tokens_[handle] = m[1];
        }
    }

    void start_server() {
        RunOptions o;
        o.args = {"--workspace", remote_ws_, "serve", "--listen", "127.0.0.1:0", "--quiet"};
        auto started = Child::start(baton_binary(), o);
        ASSERT_TRUE(started.has_value()) << "could not start baton serve";
        server_.emplace(std::move(*started));
        server_->close_stdin(true);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        std::string first;
        while (first.empty() && std::chrono::steady_clock::now() < deadline) {
            if (!server_->pump(std::chrono::milliseconds(50))) break;
            auto lines = server_->take_lines();
            if (!lines.empty()) first = lines.front();
        }
        std::smatch m;
        ASSERT_TRUE(std::regex_search(first, m, std::regex(R"(http://127\.0\.0\.1:(\d+))")))
            << "no listening line; stderr:\n" << server_->err();
        url_ = "http://127.0.0.1:" + m[1].str();
    }

    // SIGTERM by the server's pid; it must stop cleanly.
    void stop_server() {
        if (!server_) return;
        server_->kill(SIGTERM);
        const auto status = server_->finish(std::chrono::seconds(20));
        EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
            << "baton serve did not stop cleanly; stderr:\n" << server_->err();
        server_.reset();
    }

    ProcessResult local(const Step& s, const std::string& cwd = "") {
        RunOptions o;
        o.args = {"--workspace", local_ws_, "--as", s.as};
        o.args.insert(o.args.end(), s.args.begin(), s.args.end());
        o.stdin_text = s.stdin_text;
        o.cwd = cwd.empty() ? tmp_.path() : cwd;
        return run_baton(o);
    }

    ProcessResult remote(const Step& s, const std::string& cwd = "") {
        RunOptions o;
        o.args = {"--server", url_};
        o.args.insert(o.args.end(), s.args.begin(), s.args.end());
        o.env = {{"BATON_TOKEN", tokens_.at(s.as)}};
        o.stdin_text = s.stdin_text;
        o.cwd = cwd.empty() ? tmp_.path() : cwd;
        return run_baton(o);
    }

    // Runs the step both ways; the answers must be the same. Answers the local one.
    ProcessResult same(const Step& s, int expected_exit) {
        const auto l = local(s);
        const auto r = remote(s);
        EXPECT_EQ(l.exit_code, expected_exit) << command_line(s) << "\nlocal: " << describe(l);
        EXPECT_EQ(r.exit_code, l.exit_code) << command_line(s) << "\nlocal: " << describe(l)
                                            << "\nremote: " << describe(r);
        EXPECT_EQ(normalise(r.out), normalise(l.out)) << command_line(s);
        EXPECT_EQ(normalise(r.err), normalise(l.err)) << command_line(s);
        return l;
    }

    ProcessResult remote_as(const std::string& token, std::vector<std::string> args,
                            const std::string& url = "") {
        RunOptions o;
        o.args = {"--server", url.empty() ? url_ : url};
        o.args.insert(o.args.end(), args.begin(), args.end());
        if (!token.empty()) o.env = {{"BATON_TOKEN", token}};
        o.cwd = tmp_.path();
        return run_baton(o);
    }

    TempDir tmp_;
    std::string local_ws_, remote_ws_, url_;
    std::map<std::string, std::string> tokens_;
    std::optional<Child> server_;
};

TEST_F(Remote, EveryCommandGivesTheSameOutputLocallyAndThroughTheServer) {
    const std::string events = read_text(source_dir() + "/examples/events.jsonl");
    // A new event, a line with bad data, and the first again (a duplicate).
    const std::string quay =
        R"({"type": "deal.won", "id": "deal-3001", "source": "crm", "subject": "Quay Dental", )"
        R"("data": {"company": "Quay Dental", "amount": 9000, "pipeline": "services"}})"
        "\n";
    const std::string bad = R"({"type": "deal.won", "id": "deal-3002", "data": 7})";
    const std::string lines = quay + bad + "\n" + quay;
    write_text(tmp_ / "changed.yaml", changed_playbook);
    write_text(tmp_ / "broken.yaml", broken_playbook);
    const std::string delivery =
        R"({"type": "deal.won", "data": {"company": "Pier Dental", "amount": 4000, )"
        R"("pipeline": "services"}})";
    write_text(tmp_ / "delivery.json", delivery);
    const std::string bay =
        R"({"company": "Bay Dental", "amount": 5000, "pipeline": "services"})";
    const std::vector<std::pair<Step, int>> script = {
        // Events: JSON Lines, one at a time, a duplicate, bad data.
        {{"ari", {"emit", "-"}, events}, exit_ok},
        {{"ari", {"--json", "emit", "-"}, lines}, exit_invalid},
        {{"ari",
          {"emit", "deal.won", "--id", "deal-2001", "--source", "crm", "--subject", "Bay Dental",
           "--data", bay}},
         exit_ok},
        {{"ari",
          {"--json", "emit", "deal.won", "--id", "deal-2001", "--source", "crm", "--data", bay}},
         exit_ok},
        {{"ari", {"emit", "deal.won", "--id", "deal-2002", "--data", "{\"x\":"}}, exit_invalid},
        {{"ari", {"emit", "signup.done", "--id", "s-1", "--data", "{}"}}, exit_ok},
        // Reads.
        {{"ari", {"list"}}, exit_ok},
        {{"ari", {"list", "--json"}}, exit_ok},
        {{"ari", {"list", "--json", "--owner", "dana", "--state", "waiting"}}, exit_ok},
        {{"ari", {"list", "--playbook", "sold-to-onboarding", "--subject", "Acme Dental"}},
         exit_ok},
        {{"ari", {"list", "--all", "--limit", "2", "--after", "1"}}, exit_ok},
        {{"ari", {"list", "--state", "finished"}}, exit_invalid},
        {{"ari", {"list", "--limit", "5000"}}, exit_invalid},
        {{"dana", {"show", "1"}}, exit_ok},
        {{"dana", {"show", "1", "--json"}}, exit_ok},
        {{"dana", {"show", "99"}}, exit_not_found},
        // dana's handoff, start to finish; and what she may not do.
        {{"dana", {"accept", "1"}}, exit_ok},
        {{"dana", {"check", "1", "1"}}, exit_ok},
        {{"dana", {"check", "1", "set up"}}, exit_ok},
        {{"dana", {"done", "1"}}, exit_conflict},
        {{"dana", {"--json", "check", "1", "Book the kickoff call"}}, exit_ok},
        {{"dana", {"check", "1", "3", "--undo"}}, exit_ok},
        {{"dana", {"check", "1", "no such item"}}, exit_not_found},
        {{"dana", {"done", "1", "--force", "--reason", "booked by phone"}}, exit_ok},
        {{"dana", {"accept", "1"}}, exit_conflict},
        {{"dana", {"accept", "2"}}, exit_forbidden},
        // lee declines, ari reassigns, comments and cancels.
        {{"lee", {"decline", "2", "--reason", "on leave next week"}}, exit_ok},
        {{"ari", {"reassign", "2", "dana", "--reason", "covering for lee"}}, exit_ok},
        {{"ari", {"reassign", "2", "nobody"}}, exit_invalid},
        {{"ari", {"comment", "2", "Call", "them", "on", "Monday"}}, exit_ok},
        {{"dana", {"--json", "accept", "2"}}, exit_ok},
        {{"ari", {"cancel", "3", "--reason", "the client paused"}}, exit_ok},
        {{"dana", {"cancel", "3"}}, exit_forbidden},
        {{"ari", {"show", "2"}}, exit_ok},
        {{"ari", {"show", "3", "--json"}}, exit_ok},
        // Where the baton is, where we leak, what came in.
        {{"ari", {"relay", "Acme Dental"}}, exit_ok},
        {{"ari", {"relay", "Acme Dental", "--json"}}, exit_ok},
        {{"ari", {"relay", "Nobody/at all"}}, exit_not_found},
        {{"ari", {"report"}}, exit_ok},
        {{"ari", {"report", "--by", "owner", "--json"}}, exit_ok},
        {{"ari", {"report", "--since", "7d", "--by", "owner"}}, exit_ok},
        {{"ari", {"report", "--since", "forever"}}, exit_invalid},
        {{"ari", {"events", "--unmatched"}}, exit_ok},
        {{"ari", {"events", "--json", "--type", "deal.won"}}, exit_ok},
        {{"ari", {"events"}}, exit_ok},
        // A saved webhook payload, tried without storing it.
        {{"ari", {"sources", "test", "crm", tmp_ / "delivery.json", "--id", "msg-9"}}, exit_ok},
        {{"ari", {"--json", "sources", "test", "crm", "-", "--id", "msg-9"}, delivery}, exit_ok},
        {{"ari", {"sources", "test", "crm", tmp_ / "delivery.json"}}, exit_invalid},
        {{"ari", {"sources", "test", "nope", tmp_ / "delivery.json"}}, exit_not_found},
        // Configuration: a changed playbook, the same again, a broken one.
        {{"ari", {"apply", tmp_ / "changed.yaml"}}, exit_ok},
        {{"ari", {"--json", "apply", tmp_ / "changed.yaml"}}, exit_ok},
        {{"ari", {"apply", tmp_ / "broken.yaml"}}, exit_invalid},
        // A handoff of the new version: four checklist items.
        {{"ari",
          {"emit", "deal.won", "--id", "deal-2003", "--subject", "Dock Dental", "--data",
           R"({"company": "Dock Dental", "amount": 2000, "pipeline": "services"})"}},
         exit_ok},
        {{"ari", {"show", "7"}}, exit_ok},
        // Tokens.
        {{"ari", {"token", "create", "dana", "--label", "laptop"}}, exit_ok},
        {{"ari", {"token", "create", "nobody"}}, exit_not_found},
        {{"ari", {"token", "list"}}, exit_ok},
        {{"ari", {"token", "revoke", "4"}}, exit_ok},
        {{"ari", {"token", "revoke", "99"}}, exit_not_found},
        {{"ari", {"--json", "token", "list"}}, exit_ok},
        {{"ari", {"version"}}, exit_ok},
    };
    for (const auto& [step, exit] : script) {
        SCOPED_TRACE(command_line(step));
        same(step, exit);
    }
}

TEST_F(Remote, ExportWritesTheSameFilesButKeepsSourcesOnTheServer) {
    fs::create_directories(tmp_ / "l");
    fs::create_directories(tmp_ / "r");
    const Step step{"ari", {"export", "out"}, ""};
    const auto l = local(step, tmp_ / "l");
    const auto r = remote(step, tmp_ / "r");
    ASSERT_EQ(l.exit_code, exit_ok) << describe(l);
    ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    // The one difference: sources.yaml, with its webhook secrets, stays on the server.
    EXPECT_NE(l.out.find("wrote out/sources.yaml\n"), std::string::npos) << l.out;
    std::string expected = l.out;
    expected.erase(expected.find("wrote out/sources.yaml\n"),
                   std::string("wrote out/sources.yaml\n").size());
    EXPECT_EQ(r.out, expected);
    EXPECT_NE(r.err.find("sources.yaml and channels.yaml are not exported through a server"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(tmp_ / "r/out/sources.yaml"));
    for (const char* file : {"people.yaml", "playbooks/sold-to-onboarding.yaml",
                             "playbooks/kickoff-prep.yaml", "playbooks/ready-to-client.yaml"}) {
        EXPECT_EQ(read_text(tmp_ / ("r/out/" + std::string(file))),
                  read_text(tmp_ / ("l/out/" + std::string(file))))
            << file;
    }
}

TEST_F(Remote, ApplyOfSeveralFilesStoresThemAllWithNextAcrossTheBatch) {
    // Two new playbooks where the first names the second in `next`: the server takes one
    // file a request, so the second must be stored first.
    fs::create_directories(tmp_ / "batch");
    write_text(tmp_ / "batch/a-first.yaml", R"(id: a-first
title: A
when: a.happened
subject: "{{data.company}}"
from: sales
owner: dana
done: A is done.
accept_within: 1h
next: z-second
)");
    write_text(tmp_ / "batch/z-second.yaml", R"(id: z-second
title: Z
when: z.happened
subject: "{{data.company}}"
from: ops
owner: lee
done: Z is done.
accept_within: 1h
)");
    const auto r = same({"ari", {"apply", tmp_ / "batch"}, ""}, exit_ok);
    EXPECT_NE(r.out.find("a-first version 1 (stored)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("z-second version 1 (stored)"), std::string::npos) << r.out;
}

TEST_F(Remote, ApplySendsChannelsAndTemplatesAndExportBringsTemplatesBack) {
    fs::create_directories(tmp_ / "cfg/templates");
    write_text(tmp_ / "cfg/channels.yaml",
               "public_url: \"https://baton.example.com\"\nslack_signing_secret: s3cr3t\n");
    const std::string hello = "Subject: Hello, {{subject}}\n\nWe have it.\n";
    write_text(tmp_ / "cfg/templates/hello.md", hello);
    const auto r = same({"ari", {"apply", tmp_ / "cfg"}, ""}, exit_ok);
    EXPECT_NE(r.out.find("channels version 1 (stored)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("template:hello version 1 (stored)"), std::string::npos) << r.out;
    // A broken template is refused with the same located error both ways.
    write_text(tmp_ / "cfg/templates/hello.md", "Hello {{data.\n");
    same({"ari", {"apply", tmp_ / "cfg/templates/hello.md"}, ""}, exit_invalid);

    fs::create_directories(tmp_ / "r");
    const auto exported = remote({"ari", {"export", "out"}, ""}, tmp_ / "r");
    ASSERT_EQ(exported.exit_code, exit_ok) << describe(exported);
    EXPECT_EQ(read_text(tmp_ / "r/out/templates/hello.md"), hello);
    EXPECT_FALSE(fs::exists(tmp_ / "r/out/channels.yaml"));
}

TEST_F(Remote, ABadOrRevokedOrMissingTokenIsForbidden) {
    const auto bad = remote_as("bt_not-a-real-token-at-all-000000000", {"list"});
    EXPECT_EQ(bad.exit_code, exit_forbidden) << describe(bad);
    EXPECT_NE(bad.err.find("BATON_TOKEN"), std::string::npos) << bad.err;
    EXPECT_EQ(bad.out, "");

    const auto missing = remote_as("", {"list"});
    EXPECT_EQ(missing.exit_code, exit_forbidden) << describe(missing);
    EXPECT_NE(missing.err.find("needs an API token in BATON_TOKEN"), std::string::npos)
        << missing.err;

    // lee's token works, then is revoked by ari, then no longer works.
    ASSERT_EQ(remote_as(tokens_.at("lee"), {"list"}).exit_code, exit_ok);
    const auto revoke = remote_as(tokens_.at("ari"), {"token", "revoke", "3"});
    ASSERT_EQ(revoke.exit_code, exit_ok) << describe(revoke);
    EXPECT_EQ(remote_as(tokens_.at("lee"), {"list"}).exit_code, exit_forbidden);

    // A member may not manage tokens.
    const auto member = remote_as(tokens_.at("dana"), {"token", "list"});
    EXPECT_EQ(member.exit_code, exit_forbidden) << describe(member);
    EXPECT_NE(member.err.find("needs an admin"), std::string::npos) << member.err;
}

TEST_F(Remote, AServerThatIsDownIsUnavailable) {
    const std::string url = url_;
    stop_server();
    const auto r = remote_as(tokens_.at("ari"), {"list"}, url);
    EXPECT_EQ(r.exit_code, exit_unavailable) << describe(r);
    EXPECT_NE(r.err.find("cannot reach " + url), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Remote, WhatRemoteModeRefusesItSaysClearly) {
    const std::string ari = tokens_.at("ari");
    // --as: the server acts as the token's person.
    const auto as = remote_as(tokens_.at("dana"), {"--as", "lee", "accept", "2"});
    EXPECT_EQ(as.exit_code, exit_invalid) << describe(as);
    EXPECT_NE(as.err.find("--as"), std::string::npos) << as.err;
    EXPECT_NE(as.err.find("BATON_TOKEN"), std::string::npos) << as.err;
    // For reads too: `--as lee list` was silently the token's person's list.
    const auto read_as = remote_as(tokens_.at("dana"), {"--as", "lee", "list"});
    EXPECT_EQ(read_as.exit_code, exit_invalid) << describe(read_as);
    EXPECT_NE(read_as.err.find("--as"), std::string::npos) << read_as.err;
    EXPECT_EQ(read_as.out, "");
    // backup: it runs on the server's machine.
    const auto backup = remote_as(ari, {"backup", tmp_ / "copy.db"});
    EXPECT_EQ(backup.exit_code, exit_invalid) << describe(backup);
    EXPECT_NE(backup.err.find("server's machine"), std::string::npos) << backup.err;
    EXPECT_FALSE(fs::exists(tmp_ / "copy.db"));
    // init and serve work on a local workspace only.
    for (std::vector<std::string> args :
         {std::vector<std::string>{"init", tmp_ / "new"}, std::vector<std::string>{"serve"}}) {
        const auto r = remote_as(ari, args);
        EXPECT_EQ(r.exit_code, exit_usage) << describe(r);
        EXPECT_NE(r.err.find("local workspace"), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(tmp_ / "new"));
    // https is not spoken yet; a URL that is not http is refused.
    const auto https = remote_as(ari, {"list"}, "https://127.0.0.1:1");
    EXPECT_EQ(https.exit_code, exit_invalid) << describe(https);
    EXPECT_NE(https.err.find("https:// is not supported"), std::string::npos) << https.err;
    const auto ftp = remote_as(ari, {"list"}, "ftp://example.com");
    EXPECT_EQ(ftp.exit_code, exit_invalid) << describe(ftp);
}

TEST_F(Remote, BatonUrlWorksLikeServer) {
    RunOptions o;
    o.args = {"--json", "list"};
    o.env = {{"BATON_URL", url_}, {"BATON_TOKEN", tokens_.at("ari")}};
    o.cwd = tmp_.path();
    const auto r = run_baton(o);
    EXPECT_EQ(r.exit_code, exit_ok) << describe(r);
    EXPECT_EQ(r.out, "[]\n");
}

}  // namespace
}  // namespace baton::test
