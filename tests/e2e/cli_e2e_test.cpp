// End-to-end tests of the command line: the real baton binary, run as a child process in a
// fresh temporary workspace per test, its stdout, stderr and exit code checked against the
// contract in DESIGN.md and the exit codes of src/cli/command.h.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "e2e/run_process.h"

namespace baton::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;




// The CLI's promise for a failure: a non-zero exit and one line on stderr.
void expect_one_line(const ProcessResult& r) {
    EXPECT_EQ(count_lines(r.err), 1) << describe(r);
    EXPECT_FALSE(r.err.empty() || r.err.back() != '\n') << describe(r);
}


// The text of every file under `dir`, by path relative to it.
std::map<std::string, std::string> tree(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        out[fs::relative(entry.path(), dir).string()] = read_text(entry.path());
    }
    return out;
}

std::vector<std::string> timeline_kinds(const json& handoff) {
    std::vector<std::string> kinds;
    for (const auto& e : handoff.at("timeline")) kinds.push_back(e.at("kind").get<std::string>());
    return kinds;
}

std::set<std::int64_t> ids_of(const json& handoffs) {
    std::set<std::int64_t> ids;
    for (const auto& h : handoffs) ids.insert(h.at("id").get<std::int64_t>());
    return ids;
}

// A playbook that is overdue to accept one second after it starts, whatever the time of
// day: the deadline counts around the clock.
const char* fast_playbook = R"(id: fast-lane
title: Fast lane
when: rush.started
subject: "{{data.company}}"
from: sales
owner: dana
calendar: 24x7
done: The rush job is out of the door.
checklist:
  - Do it
accept_within: 1s
done_within: 1h
)";

// Three problems, each at a known line and column.
const char* broken_playbook = R"(id: Broken Id
title: Broken
when: deal.won
if: data.amount >=
subject: "{{data.company}}"
from: sales
owner: ops
done: x
accept_within: 4 parsecs
)";

class Cli : public ::testing::Test {
protected:
    // Runs baton with `args` as given (no workspace added).
    ProcessResult bare(std::vector<std::string> args, std::string stdin_text = "",
                       std::map<std::string, std::string> env = {}, std::string cwd = "") {
        RunOptions o;
        o.args = std::move(args);
        o.stdin_text = std::move(stdin_text);
        o.env = std::move(env);
        o.cwd = cwd.empty() ? tmp_.path() : cwd;
        return run_baton(o);
    }

    // Runs baton on this test's workspace.
    ProcessResult baton(std::vector<std::string> args, std::string stdin_text = "") {
        args.insert(args.begin(), {"--workspace", ws_});
        return bare(std::move(args), std::move(stdin_text));
    }

    // Runs and expects exit 0; answers stdout.
    std::string ok(std::vector<std::string> args, std::string stdin_text = "") {
        const auto r = baton(args, std::move(stdin_text));
        std::string command;
        for (const auto& a : args) command += " " + a;
        EXPECT_EQ(r.exit_code, exit_ok) << "baton" << command << "\n" << describe(r);
        return r.out;
    }

    // Runs with --json, expects exit 0 and answers the parsed stdout.
    json ok_json(std::vector<std::string> args) {
        args.insert(args.begin(), "--json");
        const std::string out = ok(args);
        const json parsed = json::parse(out, nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << "not JSON:\n" << out;
        return parsed;
    }

    json show(std::int64_t id) { return ok_json({"show", std::to_string(id)}); }
    json list(std::vector<std::string> filters = {}) {
        filters.insert(filters.begin(), "list");
        return ok_json(filters);
    }

    void init() {
        const auto r = bare({"init", ws_});
        ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    }

    // The example events: deal-1001 → handoff 1 (dana), deal-1002 → 2 (lee), deal-1003
    // matches nothing, booking-77 → 3 (lee, the host), ready-5 → 4 (dana).
    void init_and_emit_examples() {
        init();
        const auto r = baton({"emit", "-"}, read_text(ws_ + "/events.jsonl"));
        ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    }

    std::string example(const std::string& relative) {
        return read_text(source_dir() + "/examples/" + relative);
    }

    TempDir tmp_;
    const std::string ws_ = tmp_ / "ws";
};

// --- init ------------------------------------------------------------------------------

TEST_F(Cli, InitCreatesAWorkspaceWithTheExamples) {
    const auto r = bare({"init", ws_});
    ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    EXPECT_NE(r.out.find("Created a Baton workspace in " + ws_), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("applied"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::is_regular_file(ws_ + "/baton.db"));
    EXPECT_TRUE(fs::is_directory(ws_ + "/templates"));
    for (const char* file : {"people.yaml", "events.jsonl", "playbooks/sold-to-onboarding.yaml",
                             "playbooks/kickoff-prep.yaml", "playbooks/ready-to-client.yaml",
                             "templates/client-next-step.md"}) {
        ASSERT_TRUE(fs::is_regular_file(ws_ + "/" + file)) << file;
        EXPECT_EQ(read_text(ws_ + "/" + file), example(file)) << file;
    }
    // The database is usable at once, with the playbooks applied: a matching event
    // creates a handoff.
    EXPECT_NE(ok({"emit", "deal.won", "--data",
                  R"({"company":"Zed","amount":5000,"pipeline":"services"})"})
                  .find("created handoff 1"),
              std::string::npos);
}

TEST_F(Cli, InitTwiceIsAConflictWithOneLine) {
    init();
    const std::string people_before = read_text(ws_ + "/people.yaml");
    const auto r = bare({"init", ws_});
    EXPECT_EQ(r.exit_code, exit_conflict) << describe(r);
    expect_one_line(r);
    EXPECT_NE(r.err.find("already a workspace"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(read_text(ws_ + "/people.yaml"), people_before);
}

TEST_F(Cli, InitWithoutADirectoryUsesTheCurrentOne) {
    fs::create_directories(ws_);
    const auto r = bare({"init"}, "", {}, ws_);
    ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    EXPECT_TRUE(fs::is_regular_file(ws_ + "/baton.db"));
    EXPECT_TRUE(fs::is_regular_file(ws_ + "/playbooks/sold-to-onboarding.yaml"));
}

// --- sources test ----------------------------------------------------------------------

// A HubSpot batch as HubSpot documents it: deal stage changes, one won and one not.
const char* hubspot_batch = R"([
  {"eventId": 1794524501, "subscriptionId": 2201573, "portalId": 62515, "appId": 1160452,
   "occurredAt": 1794524217000, "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
   "objectId": 1246965, "propertyName": "dealstage", "propertyValue": "closedwon",
   "changeSource": "CRM"},
  {"eventId": 1794524502, "subscriptionId": 2201573, "portalId": 62515, "appId": 1160452,
   "occurredAt": 1794524217000, "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
   "objectId": 1246966, "propertyName": "dealstage", "propertyValue": "qualifiedtobuy",
   "changeSource": "CRM"}
])";

TEST_F(Cli, SourcesTestSaysWhatASavedPayloadWouldDoAndStoresNothing) {
    init();
    fs::copy_file(source_dir() + "/examples/presets/sources.yaml", ws_ + "/sources.yaml",
                  fs::copy_options::overwrite_existing);
    fs::copy_file(source_dir() + "/examples/presets/hubspot-deal-won.yaml",
                  ws_ + "/playbooks/hubspot-deal-won.yaml");
    ok({"apply", ws_ + "/sources.yaml", ws_ + "/playbooks/hubspot-deal-won.yaml"});
    const std::string file = tmp_ / "batch.json";
    write_text(file, hubspot_batch);

    const std::string out = ok({"sources", "test", "deals", file});
    EXPECT_NE(out.find("event deals/1794524501 (hubspot.deal.propertyChange, subject 1246965): "
                       "starts handoff \"Won in HubSpot → onboarding\" (playbook "
                       "hubspot-deal-won), owner dana, accept by "),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("event deals/1794524502 (hubspot.deal.propertyChange, subject 1246966): "
                       "matches no playbook\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("nothing was stored"), std::string::npos) << out;
    EXPECT_EQ(list({"--all"}).size(), 0u);
    EXPECT_EQ(ok_json({"events"}).size(), 0u);

    // stdin, --json: the API's shape; the counter did not move, so dana again.
    const auto piped = baton({"--json", "sources", "test", "deals", "-"}, hubspot_batch);
    ASSERT_EQ(piped.exit_code, exit_ok) << describe(piped);
    const json answer = json::parse(piped.out);
    EXPECT_EQ(answer["events"][0]["would_start"][0]["owner"], "dana") << piped.out;

    // Once ingested, the same payload is a duplicate.
    ok({"emit", "hubspot.deal.propertyChange", "--source", "deals", "--id", "1794524501",
        "--subject", "1246965", "--data",
        R"({"propertyName": "dealstage", "propertyValue": "closedwon"})"});
    EXPECT_NE(ok({"sources", "test", "deals", file}).find("a duplicate"), std::string::npos);
}

TEST_F(Cli, SourcesTestRefusesWithOneLine) {
    init();
    const std::string file = tmp_ / "one.json";
    write_text(file, R"({"type": "deal.won", "data": {"company": "Acme"}})");
    const auto unknown = baton({"sources", "test", "nope", file});
    EXPECT_EQ(unknown.exit_code, exit_not_found) << describe(unknown);
    expect_one_line(unknown);
    EXPECT_NE(unknown.err.find("crm"), std::string::npos) << unknown.err;  // a known source

    // The crm source's id is the delivery's webhook-id header, which a saved body lacks.
    const auto no_id = baton({"sources", "test", "crm", file});
    EXPECT_EQ(no_id.exit_code, exit_invalid) << describe(no_id);
    expect_one_line(no_id);
    EXPECT_NE(no_id.err.find("--id"), std::string::npos) << no_id.err;
    const std::string with_id = ok({"sources", "test", "crm", file, "--id", "msg_1"});
    EXPECT_NE(with_id.find("event crm/msg_1 (deal.won, subject Acme): "), std::string::npos)
        << with_id;

    const auto bad = baton({"sources", "test", "crm", "-", "--id", "x"}, "{not json");
    EXPECT_EQ(bad.exit_code, exit_invalid) << describe(bad);
    expect_one_line(bad);

    const std::string big = tmp_ / "big.json";
    write_text(big, "[" + std::string(1024 * 1024, ' ') + "]");
    const auto too_big = baton({"sources", "test", "crm", big});
    EXPECT_EQ(too_big.exit_code, exit_invalid) << describe(too_big);
    expect_one_line(too_big);
    EXPECT_NE(too_big.err.find("limit"), std::string::npos) << too_big.err;
    const auto too_big_stdin =
        baton({"sources", "test", "crm", "-"}, "[" + std::string(1024 * 1024, ' ') + "]");
    EXPECT_EQ(too_big_stdin.exit_code, exit_invalid) << describe(too_big_stdin);
    expect_one_line(too_big_stdin);
}

// --- emit ------------------------------------------------------------------------------

TEST_F(Cli, EmitStreamSummarisesThenSuppressesDuplicates) {
    init();
    const std::string events = read_text(ws_ + "/events.jsonl");
    EXPECT_EQ(ok({"emit", "-"}, events),
              "5 events: 5 stored (4 handoffs created, 1 matched no playbook), 0 duplicate, "
              "0 rejected\n");
    const json first = list({"--all"});
    ASSERT_EQ(first.size(), 4u);

    // The same events again, as JSON Lines: each one a duplicate naming the handoffs it
    // created the first time, and nothing new.
    const auto r = baton({"--json", "emit", "-"}, events);
    ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    const auto lines = split_lines(r.out);
    ASSERT_EQ(lines.size(), 6u) << r.out;
    const std::vector<std::pair<std::string, std::vector<int>>> expected = {
        {"deal-1001", {1}}, {"deal-1002", {2}}, {"deal-1003", {}},
        {"booking-77", {3}}, {"ready-5", {4}}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const json line = json::parse(lines[i]);
        EXPECT_EQ(line.at("id"), expected[i].first);
        EXPECT_EQ(line.at("line"), i + 1);
        EXPECT_EQ(line.at("duplicate"), true) << lines[i];
        EXPECT_EQ(line.at("handoffs").get<std::vector<int>>(), expected[i].second) << lines[i];
    }
    const json summary = json::parse(lines.back());
    EXPECT_EQ(summary.at("duplicates"), 5);
    EXPECT_EQ(summary.at("stored"), 0);
    EXPECT_EQ(summary.at("handoffs"), 0);
    EXPECT_EQ(summary.at("rejected"), 0);
    EXPECT_EQ(list({"--all"}).size(), 4u);

    EXPECT_EQ(ok({"emit", "-"}, events),
              "5 events: 0 stored (0 handoffs created, 0 matched no playbook), 5 duplicate, "
              "0 rejected\n");
    EXPECT_EQ(list({"--all"}), first);
}

TEST_F(Cli, EmitStreamAsJsonLinesReportsEachEvent) {
    init();
    const auto r = baton({"--json", "emit", "-"}, read_text(ws_ + "/events.jsonl"));
    ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    const auto lines = split_lines(r.out);
    ASSERT_EQ(lines.size(), 6u) << r.out;
    const json first = json::parse(lines[0]);
    EXPECT_EQ(first.at("source"), "crm");
    EXPECT_EQ(first.at("type"), "deal.won");
    EXPECT_EQ(first.at("duplicate"), false);
    EXPECT_EQ(first.at("handoffs"), json::array({1}));
    EXPECT_EQ(json::parse(lines[2]).at("handoffs"), json::array());
    const json summary = json::parse(lines.back());
    EXPECT_EQ(summary, (json{{"stored", 5}, {"handoffs", 4}, {"unmatched", 1},
                             {"duplicates", 0}, {"rejected", 0}}));
}

TEST_F(Cli, AnUnmatchedEventIsStoredAndListed) {
    init_and_emit_examples();
    const json unmatched = ok_json({"events", "--unmatched"});
    ASSERT_EQ(unmatched.size(), 1u) << unmatched.dump(2);
    EXPECT_EQ(unmatched[0].at("id"), "deal-1003");
    EXPECT_EQ(unmatched[0].at("source"), "crm");
    EXPECT_EQ(unmatched[0].at("handoffs_created"), 0);
    EXPECT_EQ(ok_json({"events"}).size(), 5u);
    const std::string table = ok({"events", "--unmatched"});
    EXPECT_NE(table.find("crm/deal-1003"), std::string::npos) << table;
    EXPECT_EQ(table.find("deal-1001"), std::string::npos) << table;
}

TEST_F(Cli, AnEventThatTicksAChecklistItemMatched) {
    init();
    std::string playbook = fast_playbook;
    const std::string plain = "  - Do it\n";
    playbook.replace(playbook.find(plain), plain.size(),
                     "  - Do it\n  - { item: Book the courier, when: rush.booked }\n");
    const std::string file = tmp_ / "fast.yaml";
    write_text(file, playbook);
    ok({"apply", file});
    EXPECT_EQ(ok({"emit", "rush.started", "--id", "r-1", "--data", R"({"company":"Zed"})"}),
              "event rush.started cli/r-1: stored; created handoff 1\n");
    EXPECT_EQ(ok({"emit", "rush.booked", "--id", "b-1", "--subject", "Zed"}),
              "event rush.booked cli/b-1: stored; ticked a checklist item of handoff 1\n");
    EXPECT_EQ(show(1).at("checklist").at(1).at("checked"), true);
    EXPECT_EQ(ok_json({"events", "--unmatched"}), json::array());
    const json events = ok_json({"events"});
    ASSERT_EQ(events.size(), 2u) << events.dump(2);
    EXPECT_EQ(events[1].at("handoffs_created"), 1);
}

TEST_F(Cli, ListUnownedShowsOnlyTheHandoffsNobodyCouldOwn) {
    init_and_emit_examples();
    // Nobody called `nemo` hosts the call: the prep is unowned and lands with the giver.
    const std::string printed = ok({"emit", "booking.created", "--id", "b-nemo", "--data",
                                    R"({"company":"Nemo Ltd","host":"nemo"})"});
    EXPECT_EQ(printed, "event booking.created cli/b-nemo: stored; created handoff 5\n");
    EXPECT_TRUE(show(5).value("unowned", false)) << show(5).dump(2);
    EXPECT_EQ(ids_of(list({"--unowned"})), std::set<std::int64_t>{5});
    EXPECT_EQ(ids_of(list({"--unowned", "--all"})), std::set<std::int64_t>{5});
    EXPECT_EQ(list({}).size(), 5u);
}

TEST_F(Cli, EmitOneEventCreatesAHandoffOnce) {
    init();
    const std::vector<std::string> args = {
        "emit", "deal.won", "--id", "d-1", "--source", "crm", "--subject", "Zed Corp",
        "--data", R"({"company":"Zed Corp","amount":5000,"pipeline":"services"})"};
    EXPECT_EQ(ok(args), "event deal.won crm/d-1: stored; created handoff 1\n");
    const json h = show(1);
    EXPECT_EQ(h.at("subject"), "Zed Corp");
    EXPECT_EQ(h.at("playbook"), "sold-to-onboarding");
    EXPECT_EQ(h.at("event"), (json{{"source", "crm"}, {"id", "d-1"}}));
    EXPECT_EQ(h.at("data").at("amount"), 5000);
    EXPECT_EQ(h.at("state"), "waiting");

    // The same id and source again: a duplicate, no second handoff.
    auto again = args;
    again.insert(again.begin(), "--json");
    const json dup = json::parse(ok(again));
    EXPECT_EQ(dup.at("duplicate"), true);
    EXPECT_EQ(dup.at("handoffs"), json::array({1}));
    EXPECT_EQ(list({"--all"}).size(), 1u);

    // The same id from another source is another event.
    EXPECT_NE(ok({"emit", "deal.won", "--id", "d-1", "--source", "web", "--data",
                  R"({"company":"Zed Corp","amount":5000,"pipeline":"services"})"})
                  .find("created handoff 2"),
              std::string::npos);
}

TEST_F(Cli, EmitTakesDataFromAFileOrStdin) {
    init();
    const std::string file = tmp_ / "data.json";
    write_text(file, R"({"company":"File Co","amount":2000,"pipeline":"services"})");
    EXPECT_EQ(ok({"emit", "deal.won", "--id", "f-1", "--data-file", file}),
              "event deal.won cli/f-1: stored; created handoff 1\n");
    EXPECT_EQ(show(1).at("subject"), "File Co");

    EXPECT_EQ(ok({"emit", "deal.won", "-", "--id", "s-1"},
                 R"({"company":"Stdin Co","amount":3000,"pipeline":"services"})"),
              "event deal.won cli/s-1: stored; created handoff 2\n");
    EXPECT_EQ(show(2).at("subject"), "Stdin Co");
    EXPECT_EQ(show(2).at("data").at("amount"), 3000);

    // Below the playbook's threshold: stored, and it says so.
    EXPECT_EQ(ok({"emit", "deal.won", "--id", "small", "--data",
                  R"({"company":"Tiny","amount":10,"pipeline":"services"})"}),
              "event deal.won cli/small: stored; it matched no playbook\n");
    EXPECT_EQ(list({"--all"}).size(), 2u);
}

TEST_F(Cli, EmitRefusesBadDataWithExitThree) {
    init();
    auto expect_refused = [&](std::vector<std::string> args, const std::string& says,
                              const std::string& stdin_text = "") {
        const auto r = baton(args, stdin_text);
        EXPECT_EQ(r.exit_code, exit_invalid) << describe(r);
        expect_one_line(r);
        EXPECT_NE(r.err.find(says), std::string::npos) << describe(r);
    };
    expect_refused({"emit", "deal.won", "--data", "{bad"}, "invalid JSON");
    expect_refused({"emit", "deal.won", "--data", R"([1,2])"}, "must be a JSON object");
    expect_refused({"emit", "deal.won", "--data", "42"}, "must be a JSON object");
    expect_refused({"emit", "deal.won", "-"}, "invalid JSON", "not json at all");
    expect_refused({"emit", "deal.won", "--data", "{}", "--data-file", tmp_ / "x.json"},
                   "give the data once");

    // Depth: 31 objects around a value fit; 33 are deeper than the limit of 32.
    auto nested = [](int levels) {
        std::string s;
        for (int i = 0; i < levels; ++i) s += R"({"a":)";
        s += "1";
        for (int i = 0; i < levels; ++i) s += "}";
        return s;
    };
    EXPECT_EQ(baton({"emit", "deep.ok", "--data", nested(31)}).exit_code, exit_ok);
    expect_refused({"emit", "deep.no", "--data", nested(33)}, "nested deeper than 32");
    const std::string deep_file = tmp_ / "deep.json";
    write_text(deep_file, nested(40));
    expect_refused({"emit", "deep.no", "--data-file", deep_file}, "nested deeper than 32");

    // Nothing refused was stored.
    const json events = ok_json({"events"});
    ASSERT_EQ(events.size(), 1u) << events.dump(2);
    EXPECT_EQ(events[0].at("type"), "deep.ok");
}

TEST_F(Cli, EmitStreamStoresTheGoodLinesAndNamesTheBadOnes) {
    init();
    auto deal = [](const std::string& id) {
        return json{{"type", "deal.won"}, {"id", id}, {"source", "crm"},
                    {"data", {{"company", id}, {"amount", 5000}, {"pipeline", "services"}}}}
            .dump();
    };
    const std::string input = deal("a") + "\n" +
                              "{this is not json\n" +
                              "\n" +  // blank lines are skipped but counted
                              deal("b") + "\n" +
                              R"({"id":"no-type","data":{}})" + "\n";
    const auto r = baton({"emit", "-"}, input);
    EXPECT_EQ(r.exit_code, exit_invalid) << describe(r);
    const auto err = split_lines(r.err);
    ASSERT_EQ(err.size(), 3u) << r.err;
    EXPECT_EQ(err[0].rfind("stdin:2: invalid JSON", 0), 0u) << err[0];
    EXPECT_EQ(err[1].rfind("stdin:5: ", 0), 0u) << err[1];
    EXPECT_NE(err[1].find("type"), std::string::npos) << err[1];
    EXPECT_NE(err[2].find("2 stored (2 handoffs created"), std::string::npos) << err[2];
    EXPECT_NE(err[2].find("2 rejected"), std::string::npos) << err[2];

    const json events = ok_json({"events"});
    ASSERT_EQ(events.size(), 2u) << events.dump(2);
    EXPECT_EQ(events[0].at("id"), "a");
    EXPECT_EQ(events[1].at("id"), "b");
    EXPECT_EQ(list({"--all"}).size(), 2u);
}

// --- list ------------------------------------------------------------------------------

TEST_F(Cli, ListShowsATableAndJson) {
    init_and_emit_examples();
    const std::string table = ok({"list"});
    const auto rows = split_lines(table);
    ASSERT_EQ(rows.size(), 5u) << table;  // a header and four handoffs
    for (const char* column : {"ID", "STATE", "OWNER", "SUBJECT", "PLAYBOOK", "DEADLINE"}) {
        EXPECT_NE(rows[0].find(column), std::string::npos) << rows[0];
    }
    EXPECT_EQ(rows[1].rfind("1 ", 0), 0u) << rows[1];
    EXPECT_NE(rows[1].find("Acme Dental"), std::string::npos) << rows[1];
    EXPECT_NE(rows[1].find("dana"), std::string::npos) << rows[1];
    EXPECT_NE(rows[1].find("waiting"), std::string::npos) << rows[1];
    EXPECT_NE(rows[2].find("Northwind Studio"), std::string::npos) << rows[2];
    EXPECT_NE(rows[2].find("lee"), std::string::npos) << rows[2];

    const json all = list();
    ASSERT_EQ(all.size(), 4u);
    const json& h = all[0];
    EXPECT_EQ(h.at("id"), 1);
    EXPECT_EQ(h.at("state"), "waiting");
    EXPECT_EQ(h.at("owner"), "dana");
    EXPECT_EQ(h.at("giver"), "sales");
    EXPECT_EQ(h.at("subject"), "Acme Dental");
    EXPECT_EQ(h.at("playbook"), "sold-to-onboarding");
    EXPECT_EQ(h.at("playbook_version"), 1);
    EXPECT_EQ(h.at("title"), "Sold → onboarding");
    EXPECT_EQ(h.at("event"), (json{{"source", "crm"}, {"id", "deal-1001"}}));
    EXPECT_EQ(h.at("checklist").size(), 3u);
    EXPECT_TRUE(h.at("accept_by").is_string());
    EXPECT_TRUE(h.at("done_by").is_string());
    EXPECT_TRUE(h.at("accepted_at").is_null());
    EXPECT_EQ(h.at("overdue_to_accept"), false);
    EXPECT_FALSE(h.contains("timeline"));  // the list is the cards, not their history
    EXPECT_EQ(all[1].at("owner"), "lee");
    EXPECT_EQ(all[2].at("playbook"), "kickoff-prep");
    EXPECT_EQ(all[2].at("owner"), "lee");
    EXPECT_EQ(all[3].at("owner"), "dana");
}

TEST_F(Cli, ListFilters) {
    init_and_emit_examples();
    ok({"accept", "1", "--as", "dana"});
    ok({"cancel", "4", "--reason", "not needed"});

    using Ids = std::set<std::int64_t>;
    EXPECT_EQ(ids_of(list()), (Ids{1, 2, 3}));  // open ones only
    EXPECT_EQ(ids_of(list({"--all"})), (Ids{1, 2, 3, 4}));
    EXPECT_EQ(ids_of(list({"--state", "waiting"})), (Ids{2, 3}));
    EXPECT_EQ(ids_of(list({"--state", "accepted"})), (Ids{1}));
    EXPECT_EQ(ids_of(list({"--state", "cancelled"})), (Ids{4}));
    EXPECT_EQ(ids_of(list({"--state", "done"})), Ids{});
    EXPECT_EQ(ids_of(list({"--owner", "lee"})), (Ids{2, 3}));
    EXPECT_EQ(ids_of(list({"--owner", "dana"})), (Ids{1}));
    EXPECT_EQ(ids_of(list({"--owner", "dana", "--all"})), (Ids{1, 4}));
    EXPECT_EQ(ids_of(list({"--playbook", "kickoff-prep"})), (Ids{3}));
    EXPECT_EQ(ids_of(list({"--playbook", "sold-to-onboarding", "--owner", "lee"})), (Ids{2}));
    EXPECT_EQ(ids_of(list({"--overdue"})), Ids{});
    EXPECT_EQ(ok({"list", "--owner", "nobody"}), "No handoffs match.\n");

    // Reassigned away, lee stays accountable for 2 until dana accepts: --owner finds it
    // under both.
    ok({"reassign", "2", "dana"});
    EXPECT_EQ(ids_of(list({"--owner", "lee"})), (Ids{2, 3}));
    EXPECT_EQ(ids_of(list({"--owner", "dana"})), (Ids{1, 2}));
    ok({"accept", "2", "--as", "dana"});
    EXPECT_EQ(ids_of(list({"--owner", "lee"})), (Ids{3}));

    const auto bad = baton({"list", "--state", "sleeping"});
    EXPECT_EQ(bad.exit_code, exit_invalid) << describe(bad);
    expect_one_line(bad);
}

TEST_F(Cli, ListOverdueShowsWhatMissedItsDeadline) {
    init_and_emit_examples();
    const std::string file = tmp_ / "fast-lane.yaml";
    write_text(file, fast_playbook);
    ok({"apply", file});
    // The handoff is made after this instant, so its deadline to accept is over a second
    // later. Each run of the binary can take most of a second (a loaded machine, ASan), so
    // "not overdue yet" is only asserted of a list that was done before that second.
    const auto before_emit = std::chrono::steady_clock::now();
    EXPECT_NE(ok({"emit", "rush.started", "--id", "r-1", "--data", R"({"company":"Rush Co"})"})
                  .find("created handoff 5"),
              std::string::npos);
    const auto early = list({"--overdue"});
    if (std::chrono::steady_clock::now() - before_emit < std::chrono::seconds(1)) {
        EXPECT_EQ(early.size(), 0u) << early.dump(2);
    }
    // Waits for a deadline to pass; measures nothing.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const json overdue = list({"--overdue"});
    ASSERT_EQ(overdue.size(), 1u) << overdue.dump(2);
    EXPECT_EQ(overdue[0].at("id"), 5);
    EXPECT_EQ(overdue[0].at("overdue_to_accept"), true);
    EXPECT_EQ(overdue[0].at("overdue_to_finish"), false);
    const std::string table = ok({"list", "--overdue"});
    EXPECT_NE(table.find("overdue-to-accept"), std::string::npos) << table;
    EXPECT_NE(table.find("Rush Co"), std::string::npos) << table;
    // Accepting it ends the overdue-to-accept state.
    ok({"accept", "5", "--as", "dana"});
    EXPECT_EQ(list({"--overdue"}).size(), 0u);
}

// --- show ------------------------------------------------------------------------------

TEST_F(Cli, ShowPrintsTheCardWithChecklistAndTimeline) {
    init_and_emit_examples();
    const std::string card = ok({"show", "1"});
    for (const char* part :
         {"Handoff 1: Sold → onboarding — Acme Dental", "State:    waiting", "Owner:    dana",
          "Giver:    sales", "Checklist:", "1. [ ] Send the welcome email",
          "2. [ ] Set up the client folder", "3. [ ] Book the kickoff call", "Timeline:",
          "Handed over by sales to dana"}) {
        EXPECT_NE(card.find(part), std::string::npos) << part << "\n" << card;
    }

    const json h = show(1);
    ASSERT_EQ(h.at("checklist").size(), 3u);
    EXPECT_EQ(h.at("checklist")[1].at("n"), 2);
    EXPECT_EQ(h.at("checklist")[1].at("text"), "Set up the client folder");
    EXPECT_EQ(h.at("checklist")[1].at("checked"), false);
    EXPECT_EQ(h.at("done_definition"),
              "The client has a welcome email, a shared folder and a booked kickoff call.");
    ASSERT_GE(h.at("timeline").size(), 1u);
    const json& created = h.at("timeline")[0];
    EXPECT_EQ(created.at("kind"), "created");
    EXPECT_EQ(created.at("actor"), "baton");
    EXPECT_EQ(created.at("data").at("playbook"), "sold-to-onboarding");
    EXPECT_EQ(created.at("data").at("event"), (json{{"source", "crm"}, {"id", "deal-1001"}}));
}

TEST_F(Cli, ShowRefusesUnknownAndMalformedIds) {
    init_and_emit_examples();
    const auto unknown = baton({"show", "99"});
    EXPECT_EQ(unknown.exit_code, exit_not_found) << describe(unknown);
    expect_one_line(unknown);
    EXPECT_NE(unknown.err.find("99"), std::string::npos);
    for (const char* id : {"abc", "0", "-1", "1x"}) {
        const auto r = baton({"show", id});
        EXPECT_EQ(r.exit_code, exit_invalid) << id << "\n" << describe(r);
        expect_one_line(r);
    }
    EXPECT_EQ(baton({"accept", "99"}).exit_code, exit_not_found);
    EXPECT_EQ(baton({"accept", "abc"}).exit_code, exit_invalid);
}

// --- the state machine -----------------------------------------------------------------

TEST_F(Cli, OwnerAcceptsChecksAndFinishes) {
    init_and_emit_examples();  // handoff 1: sold-to-onboarding, giver sales, owner dana

    auto refused = [&](std::vector<std::string> args, int code, const std::string& says) {
        const std::size_t before = show(1).at("timeline").size();
        const auto r = baton(args);
        EXPECT_EQ(r.exit_code, code) << describe(r);
        expect_one_line(r);
        EXPECT_NE(r.err.find(says), std::string::npos) << describe(r);
        EXPECT_EQ(show(1).at("timeline").size(), before) << "a refusal changed the timeline";
    };
    refused({"accept", "1", "--as", "lee"}, exit_forbidden, "only the owner or an admin");
    refused({"accept", "1", "--as", "val"}, exit_forbidden, "viewer");
    refused({"accept", "1", "--as", "nobody"}, exit_forbidden, "nobody");
    refused({"done", "1", "--as", "dana"}, exit_conflict, "accept it first");
    EXPECT_EQ(show(1).at("state"), "waiting");

    EXPECT_EQ(ok({"accept", "1", "--as", "dana"}), "handoff 1 is accepted: dana accepted\n");
    json h = show(1);
    EXPECT_EQ(h.at("state"), "accepted");
    EXPECT_TRUE(h.at("accepted_at").is_string());
    EXPECT_EQ(h.at("timeline").back().at("kind"), "accepted");
    EXPECT_EQ(h.at("timeline").back().at("actor"), "dana");

    refused({"done", "1", "--as", "dana"}, exit_conflict, "3 checklist items are open");
    refused({"accept", "1", "--as", "dana"}, exit_conflict, "it is accepted");

    ok({"check", "1", "1", "--as", "dana"});
    h = show(1);
    EXPECT_EQ(h.at("checklist")[0].at("checked"), true);
    EXPECT_EQ(h.at("checklist")[0].at("checked_by"), "dana");
    EXPECT_TRUE(h.at("checklist")[0].at("checked_at").is_string());
    EXPECT_EQ(h.at("timeline").back().at("kind"), "checked");
    EXPECT_EQ(h.at("timeline").back().at("data").at("item"), 1);

    // By its text, in any case.
    ok({"check", "1", "set up the client folder", "--as", "dana"});
    h = show(1);
    EXPECT_EQ(h.at("checklist")[1].at("checked"), true);
    EXPECT_EQ(h.at("timeline").back().at("data").at("item"), 2);

    ok({"check", "1", "3", "--as", "dana"});
    EXPECT_EQ(show(1).at("checklist")[2].at("checked"), true);
    ok({"check", "1", "3", "--undo", "--as", "dana"});
    h = show(1);
    EXPECT_EQ(h.at("checklist")[2].at("checked"), false);
    EXPECT_TRUE(h.at("checklist")[2].at("checked_by").is_null());
    EXPECT_EQ(h.at("timeline").back().at("kind"), "unchecked");
    EXPECT_EQ(h.at("timeline").back().at("data").at("item"), 3);

    refused({"check", "1", "3", "--undo", "--as", "dana"}, exit_conflict, "already unticked");
    refused({"check", "1", "9", "--as", "dana"}, exit_not_found, "no checklist item 9");
    refused({"check", "1", "water the plants", "--as", "dana"}, exit_not_found,
            "no checklist item");
    refused({"check", "1", "2", "--as", "lee"}, exit_forbidden, "lee cannot");

    refused({"done", "1", "--as", "dana"}, exit_conflict, "1 checklist item is open");
    refused({"done", "1", "--force", "--as", "dana"}, exit_invalid, "reason is required");
    EXPECT_EQ(ok({"done", "1", "--force", "--reason", "booked by phone", "--as", "dana"}),
              "handoff 1 is done: dana marked it done with 1 open item: booked by phone\n");
    h = show(1);
    EXPECT_EQ(h.at("state"), "done");
    EXPECT_TRUE(h.at("closed_at").is_string());
    // The done entry, then the relay to the next playbook (`next: ready-to-client`), owned
    // by the deal's account owner: the demo's relay lands with a person, never unowned.
    const json& timeline = h.at("timeline");
    ASSERT_GE(timeline.size(), 2u);
    const json& done = timeline[timeline.size() - 2];
    EXPECT_EQ(done.at("kind"), "done");
    EXPECT_EQ(done.at("data"),
              (json{{"forced", true}, {"reason", "booked by phone"}, {"open_items", 1}}));
    const json& relayed = timeline.back();
    EXPECT_EQ(relayed.at("kind"), "relayed");
    EXPECT_EQ(relayed.at("data").at("playbook"), "ready-to-client");
    const json next = show(relayed.at("data").at("to").get<int>());
    EXPECT_EQ(next.at("playbook"), "ready-to-client");
    EXPECT_EQ(next.at("subject"), h.at("subject"));
    EXPECT_EQ(next.at("owner"), "sam");
    EXPECT_FALSE(next.value("unowned", false)) << next.dump();

    refused({"accept", "1", "--as", "dana"}, exit_conflict, "it is done");
    refused({"cancel", "1"}, exit_conflict, "it is done");
    EXPECT_EQ(timeline_kinds(show(1)),
              (std::vector<std::string>{"created", "assigned", "accepted", "checked", "checked",
                                        "checked", "unchecked", "done", "relayed"}));
}

TEST_F(Cli, DeclineReassignCommentAndCancel) {
    init_and_emit_examples();  // handoff 2: sold-to-onboarding, giver sales, owner lee

    const auto no_reason = baton({"decline", "2", "--as", "lee"});
    EXPECT_EQ(no_reason.exit_code, exit_usage) << describe(no_reason);
    expect_one_line(no_reason);
    EXPECT_NE(no_reason.err.find("--reason"), std::string::npos) << no_reason.err;
    EXPECT_EQ(show(2).at("state"), "waiting");

    const auto not_owner = baton({"decline", "2", "--as", "dana", "--reason", "busy"});
    EXPECT_EQ(not_owner.exit_code, exit_forbidden) << describe(not_owner);

    ok({"decline", "2", "--as", "lee", "--reason", "on leave"});
    json h = show(2);
    EXPECT_EQ(h.at("state"), "declined");
    EXPECT_EQ(h.at("timeline").back().at("kind"), "declined");
    EXPECT_EQ(h.at("timeline").back().at("data").at("reason"), "on leave");

    // The giver (sam, through the sales team) hands it to a person, who must accept.
    ok({"reassign", "2", "dana", "--as", "sam"});
    h = show(2);
    EXPECT_EQ(h.at("state"), "waiting");
    EXPECT_EQ(h.at("owner"), "dana");
    EXPECT_TRUE(h.at("pending_from").is_null());  // declined: nobody else stays accountable
    EXPECT_EQ(h.at("timeline").back().at("data"),
              (json{{"from", "lee"}, {"to", "dana"}, {"reason", ""}}));

    // The owner hands it to a team, which resolves to one person; dana stays accountable
    // until that person accepts.
    ok({"reassign", "2", "office", "--as", "dana", "--reason", "office handles this"});
    h = show(2);
    EXPECT_EQ(h.at("owner"), "ada");
    EXPECT_EQ(h.at("pending_from"), "dana");
    EXPECT_EQ(h.at("timeline").back().at("kind"), "reassigned");
    EXPECT_EQ(h.at("timeline").back().at("data").at("to"), "ada");

    const auto same = baton({"reassign", "2", "ada"});
    EXPECT_EQ(same.exit_code, exit_conflict) << describe(same);

    ok({"comment", "2", "client asked to wait a week", "--as", "ada"});
    h = show(2);
    EXPECT_EQ(h.at("timeline").back().at("kind"), "comment");
    EXPECT_EQ(h.at("timeline").back().at("actor"), "ada");
    EXPECT_EQ(h.at("timeline").back().at("text"), "client asked to wait a week");
    // Several words without quotes are one comment.
    ok({"comment", "2", "two", "words", "--as", "ada"});
    EXPECT_EQ(show(2).at("timeline").back().at("text"), "two words");
    const auto viewer = baton({"comment", "2", "hello", "--as", "val"});
    EXPECT_EQ(viewer.exit_code, exit_forbidden) << describe(viewer);

    const auto not_giver = baton({"cancel", "2", "--as", "lee"});
    EXPECT_EQ(not_giver.exit_code, exit_forbidden) << describe(not_giver);
    expect_one_line(not_giver);
    ok({"cancel", "2", "--as", "sam", "--reason", "deal fell through"});
    h = show(2);
    EXPECT_EQ(h.at("state"), "cancelled");
    EXPECT_TRUE(h.at("closed_at").is_string());
    EXPECT_EQ(h.at("timeline").back().at("actor"), "sam");
    EXPECT_EQ(h.at("timeline").back().at("data").at("reason"), "deal fell through");

    const auto late = baton({"accept", "2", "--as", "ada"});
    EXPECT_EQ(late.exit_code, exit_conflict) << describe(late);
    EXPECT_EQ(timeline_kinds(show(2)),
              (std::vector<std::string>{"created", "assigned", "declined", "reassigned",
                                        "reassigned", "comment", "comment", "cancelled"}));
}

TEST_F(Cli, AnActionPrintsJsonWhenAsked) {
    init_and_emit_examples();
    const json h = ok_json({"accept", "1", "--as", "dana"});
    EXPECT_EQ(h.at("id"), 1);
    EXPECT_EQ(h.at("state"), "accepted");
}

// --- where the workspace and the actor come from ----------------------------------------

TEST_F(Cli, EnvironmentNamesTheWorkspaceAndTheActor) {
    init_and_emit_examples();
    const std::string elsewhere = tmp_ / "elsewhere";
    fs::create_directories(elsewhere);

    // BATON_HOME works like --workspace.
    const auto home = bare({"--json", "list", "--all"}, "", {{"BATON_HOME", ws_}}, elsewhere);
    ASSERT_EQ(home.exit_code, exit_ok) << describe(home);
    EXPECT_EQ(json::parse(home.out).size(), 4u);
    // --workspace wins over BATON_HOME.
    const auto both = bare({"--workspace", ws_, "--json", "list", "--all"}, "",
                           {{"BATON_HOME", elsewhere}}, elsewhere);
    EXPECT_EQ(both.exit_code, exit_ok) << describe(both);

    // --db names the database itself, from anywhere.
    const auto db = bare({"--db", "sqlite:" + ws_ + "/baton.db", "--json", "list"}, "", {},
                         elsewhere);
    ASSERT_EQ(db.exit_code, exit_ok) << describe(db);
    EXPECT_EQ(json::parse(db.out).size(), 4u);
    const auto db_env = bare({"--json", "list"}, "", {{"BATON_DB", "sqlite:" + ws_ + "/baton.db"}},
                             elsewhere);
    ASSERT_EQ(db_env.exit_code, exit_ok) << describe(db_env);
    EXPECT_EQ(json::parse(db_env.out).size(), 4u);
    const auto missing = bare({"--db", "sqlite:" + elsewhere + "/none.db", "list"});
    EXPECT_EQ(missing.exit_code, exit_unavailable) << describe(missing);
    EXPECT_FALSE(fs::exists(elsewhere + "/none.db")) << "a read created a database";
    const auto scheme = bare({"--db", "mysql://localhost/baton", "list"});
    EXPECT_EQ(scheme.exit_code, exit_invalid) << describe(scheme);
    expect_one_line(scheme);

    // BATON_AS works like --as.
    const std::map<std::string, std::string> as_val = {{"BATON_HOME", ws_}, {"BATON_AS", "val"}};
    const auto viewer = bare({"accept", "3"}, "", as_val, elsewhere);
    EXPECT_EQ(viewer.exit_code, exit_forbidden) << describe(viewer);
    const auto lee = bare({"accept", "3"}, "", {{"BATON_HOME", ws_}, {"BATON_AS", "lee"}},
                          elsewhere);
    EXPECT_EQ(lee.exit_code, exit_ok) << describe(lee);
    EXPECT_EQ(show(3).at("timeline").back().at("actor"), "lee");
    // --as wins over BATON_AS.
    const auto dana = bare({"accept", "4", "--as", "dana"}, "", as_val, elsewhere);
    EXPECT_EQ(dana.exit_code, exit_ok) << describe(dana);
    EXPECT_EQ(show(4).at("timeline").back().at("actor"), "dana");
    // Without an actor, the local operator acts, as an admin.
    ok({"accept", "2"});
    EXPECT_EQ(show(2).at("state"), "accepted");
}

// --- relay -----------------------------------------------------------------------------

TEST_F(Cli, RelayShowsTheLegsAndWhoHoldsTheBaton) {
    init_and_emit_examples();
    const std::string text = ok({"relay", "Acme Dental"});
    EXPECT_NE(text.find("Relay for Acme Dental"), std::string::npos) << text;
    EXPECT_NE(text.find("sold-to-onboarding"), std::string::npos) << text;
    EXPECT_NE(text.find("kickoff-prep"), std::string::npos) << text;
    EXPECT_NE(text.find("sales → dana"), std::string::npos) << text;
    EXPECT_NE(text.find("office → lee"), std::string::npos) << text;
    EXPECT_NE(text.find("The baton is with lee (handoff 3"), std::string::npos) << text;

    json relay = ok_json({"relay", "Acme Dental"});
    ASSERT_EQ(relay.at("legs").size(), 2u);
    EXPECT_EQ(relay.at("legs")[0].at("id"), 1);
    EXPECT_EQ(relay.at("legs")[1].at("id"), 3);
    EXPECT_EQ(relay.at("current").at("handoff"), 3);
    EXPECT_EQ(relay.at("current").at("holder"), "lee");

    ok({"cancel", "3"});
    relay = ok_json({"relay", "Acme Dental"});
    EXPECT_EQ(relay.at("current").at("handoff"), 1);
    EXPECT_EQ(relay.at("current").at("holder"), "dana");
    ok({"cancel", "1"});
    EXPECT_TRUE(ok_json({"relay", "Acme Dental"}).at("current").is_null());
    EXPECT_NE(ok({"relay", "Acme Dental"}).find("Nobody holds the baton"), std::string::npos);

    const auto unknown = baton({"relay", "Nobody Inc"});
    EXPECT_EQ(unknown.exit_code, exit_not_found) << describe(unknown);
    expect_one_line(unknown);
}

// --- report ----------------------------------------------------------------------------

TEST_F(Cli, ReportCountsByPlaybookAndByOwner) {
    init_and_emit_examples();
    ok({"accept", "1", "--as", "dana"});
    ok({"cancel", "4"});

    const std::string text = ok({"report"});
    EXPECT_NE(text.find("Handoffs started in the last 30d, by playbook"), std::string::npos);
    for (const char* part : {"PLAYBOOK", "COUNT", "SILENT DELAY", "sold-to-onboarding",
                             "kickoff-prep", "ready-to-client", "\nall "}) {
        EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
    }
    const std::string by_owner = ok({"report", "--by", "owner"});
    EXPECT_NE(by_owner.find("OWNER"), std::string::npos) << by_owner;
    EXPECT_NE(by_owner.find("\ndana "), std::string::npos) << by_owner;
    EXPECT_NE(by_owner.find("\nlee "), std::string::npos) << by_owner;

    const json report = ok_json({"report"});
    EXPECT_EQ(report.at("by"), "playbook");
    EXPECT_EQ(report.at("since"), "30d");
    std::map<std::string, json> rows;
    for (const auto& r : report.at("rows")) rows[r.at("key").get<std::string>()] = r;
    ASSERT_EQ(rows.size(), 4u) << report.dump(2);
    ASSERT_TRUE(rows.count("all"));
    EXPECT_EQ(rows["all"].at("count"), 4);
    EXPECT_EQ(rows["all"].at("cancelled"), 1);
    EXPECT_EQ(rows["all"].at("accepted"), 1);
    EXPECT_EQ(rows["sold-to-onboarding"].at("count"), 2);
    EXPECT_TRUE(rows["sold-to-onboarding"].at("accept_p50_ms").is_number());
    EXPECT_EQ(rows["kickoff-prep"].at("count"), 1);
    EXPECT_TRUE(rows["kickoff-prep"].at("accept_p50_ms").is_null());
    EXPECT_EQ(rows["ready-to-client"].at("cancelled"), 1);

    const json owners = ok_json({"report", "--by", "owner", "--since", "1w"});
    EXPECT_EQ(owners.at("by"), "owner");
    std::map<std::string, int> counts;
    for (const auto& r : owners.at("rows")) {
        counts[r.at("key").get<std::string>()] = r.at("count").get<int>();
    }
    EXPECT_EQ(counts, (std::map<std::string, int>{{"dana", 2}, {"lee", 2}, {"all", 4}}));

    for (std::vector<std::string> bad : {std::vector<std::string>{"report", "--since", "soon"},
                                         {"report", "--since", "-3d"},
                                         {"report", "--by", "colour"}}) {
        const auto r = baton(bad);
        EXPECT_EQ(r.exit_code, exit_invalid) << bad.back() << "\n" << describe(r);
        expect_one_line(r);
    }
}

TEST_F(Cli, ReportByGiverAndByEdge) {
    init_and_emit_examples();
    const json givers = ok_json({"report", "--by", "giver"});
    EXPECT_EQ(givers.at("by"), "giver");
    int given = 0;
    for (const auto& r : givers.at("rows")) {
        const std::string key = r.at("key");
        EXPECT_EQ(key.find("→"), std::string::npos) << key;
        if (key != "all") given += r.at("count").get<int>();
    }
    EXPECT_EQ(given, 4);
    const json edges = ok_json({"report", "--by", "edge"});
    std::map<std::string, int> owned;  // by the owner each edge ends at
    for (const auto& r : edges.at("rows")) {
        const std::string key = r.at("key");
        if (key == "all") continue;
        const auto arrow = key.find(" → ");
        ASSERT_NE(arrow, std::string::npos) << key;
        owned[key.substr(arrow + std::string(" → ").size())] += r.at("count").get<int>();
    }
    EXPECT_EQ(owned, (std::map<std::string, int>{{"dana", 2}, {"lee", 2}}));
    const std::string text = ok({"report", "--by", "edge"});
    EXPECT_NE(text.find("Handoffs started in the last 30d, by edge:\nEDGE "), std::string::npos)
        << text;
    const auto bad = baton({"report", "--by", "team"});
    EXPECT_EQ(bad.exit_code, exit_invalid) << describe(bad);
    EXPECT_NE(bad.err.find("--by must be playbook, owner, giver or edge"), std::string::npos)
        << bad.err;
}

// --- lint, apply, export ---------------------------------------------------------------

TEST_F(Cli, LintPassesTheExamples) {
    init();
    EXPECT_EQ(ok({"lint", ws_ + "/playbooks", ws_ + "/people.yaml"}),
              "ok: 3 playbooks and people.yaml checked\n");
    // The line names every kind of file it read (it said "3 playbooks and people" for a
    // directory with sources.yaml and a template too).
    const auto r = bare({"lint", source_dir() + "/examples"});
    EXPECT_EQ(r.exit_code, exit_ok) << describe(r);
    EXPECT_EQ(r.out, "ok: 3 playbooks, people.yaml, sources.yaml and 1 template checked\n");
    const auto alone = bare({"lint", ws_ + "/playbooks/kickoff-prep.yaml"}, "", {}, tmp_.path());
    EXPECT_EQ(alone.out, "ok: 1 playbook checked (no people file: owners and teams not checked)\n")
        << describe(alone);
}

// One flaw does not hide another: a bad `if:` and an unknown owner in one playbook, a
// team's bad rule and its unknown member in people.yaml — all reported, in line order.
TEST_F(Cli, LintReportsEveryProblemOfAFileInLineOrder) {
    init();
    const std::string dir = tmp_ / "lint";
    fs::create_directories(dir + "/playbooks");
    write_text(dir + "/people.yaml",
               "people:\n  - handle: dana\nteams:\n"
               "  - { handle: ops, members: [dana, zed], rule: random }\n");
    write_text(dir + "/playbooks/p.yaml",
               "id: p\nwhen: deal.won\nif: data.amount >=\nsubject: x\nfrom: ops\n"
               "owner: nobody\ndone: x\n");
    const auto r = bare({"lint", dir});
    EXPECT_EQ(r.exit_code, exit_invalid) << describe(r);
    const auto lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 5u) << r.err;
    EXPECT_NE(lines[0].find("people.yaml:4:"), std::string::npos) << r.err;
    EXPECT_NE(lines[1].find("people.yaml:4:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("rule must be"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("team member `zed` is not in people"), std::string::npos) << r.err;
    EXPECT_NE(lines[2].find("p.yaml:3:"), std::string::npos) << r.err;
    EXPECT_NE(lines[2].find("if:"), std::string::npos) << r.err;
    EXPECT_NE(lines[3].find("p.yaml:6:"), std::string::npos) << r.err;
    EXPECT_NE(lines[3].find("nobody"), std::string::npos) << r.err;
    EXPECT_EQ(lines[4], "4 problems found");
}

TEST_F(Cli, LintNamesEachProblemWithFileLineAndColumn) {
    init();
    const std::string file = tmp_ / "broken.yaml";
    write_text(file, broken_playbook);
    const auto r = baton({"lint", file});
    EXPECT_EQ(r.exit_code, exit_invalid) << describe(r);
    EXPECT_EQ(r.out, "");
    const auto lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 4u) << r.err;
    const std::regex located("^" + file + R"(:(\d+):(\d+): \S.*$)");
    std::vector<int> line_numbers;
    for (std::size_t i = 0; i < 3; ++i) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(lines[i], m, located)) << lines[i];
        line_numbers.push_back(std::stoi(m[1]));
        EXPECT_GE(std::stoi(m[2]), 1);
    }
    EXPECT_EQ(line_numbers, (std::vector<int>{1, 4, 9}));  // id, if, accept_within
    EXPECT_NE(lines[0].find("id"), std::string::npos);
    EXPECT_NE(lines[1].find("if"), std::string::npos);
    EXPECT_NE(lines[2].find("accept_within"), std::string::npos);
    EXPECT_EQ(lines[3], "3 problems found");
}

// Issue 22: `baton apply` stored a Latin-1 `Café` and the server later aborted writing it
// out. Lint and apply refuse such a file at the line and column of its first bad byte, and
// store nothing.
TEST_F(Cli, AFileThatIsNotUtf8IsRefusedAtItsLineAndColumn) {
    init();
    ok({"export", tmp_ / "before"});
    const std::string playbook = tmp_ / "latin.yaml";
    write_text(playbook, "id: latin\ntitle: Caf\xE9\nwhen: deal.won\nowner: ari\ndone: Done.\n");
    const std::string people = tmp_ / "people.yaml";
    write_text(people, "people:\n  - { handle: ari, name: Ren\xC3\xA9 \xC0\xAF }\n");
    for (const char* command : {"lint", "apply"}) {
        SCOPED_TRACE(command);
        const auto r = baton({command, playbook, people});
        EXPECT_EQ(r.exit_code, exit_invalid) << describe(r);
        EXPECT_NE(r.err.find(playbook +
                             ":2:11: the file is not UTF-8 text (byte 0xE9); save it as UTF-8"),
                  std::string::npos)
            << r.err;
        EXPECT_NE(r.err.find(people + ":2:31: the file is not UTF-8 text (byte 0xC0)"),
                  std::string::npos)
            << r.err;
    }
    ok({"export", tmp_ / "after"});
    EXPECT_EQ(tree(tmp_ / "after"), tree(tmp_ / "before"));
}

TEST_F(Cli, ApplyOfABrokenFileStoresNothing) {
    init();
    ok({"export", tmp_ / "before"});
    const std::string file = tmp_ / "broken.yaml";
    write_text(file, broken_playbook);
    const auto r = baton({"apply", file});
    EXPECT_EQ(r.exit_code, exit_invalid) << describe(r);
    EXPECT_NE(r.err.find(file + ":1:"), std::string::npos) << r.err;

    // One good file with a broken one: all or nothing.
    const std::string good = tmp_ / "fast-lane.yaml";
    write_text(good, fast_playbook);
    EXPECT_EQ(baton({"apply", good, file}).exit_code, exit_invalid);

    ok({"export", tmp_ / "after"});
    EXPECT_EQ(tree(tmp_ / "after"), tree(tmp_ / "before"));
    EXPECT_EQ(baton({"emit", "rush.started", "--data", R"({"company":"X"})"}).out.find("created"),
              std::string::npos);
}

TEST_F(Cli, ApplyStoresANewVersionThatNewHandoffsRemember) {
    init();
    ok({"emit", "deal.won", "--id", "old", "--data",
        R"({"company":"Old Co","amount":5000,"pipeline":"services"})"});

    std::string text = example("playbooks/sold-to-onboarding.yaml");
    const std::string item = "  - Book the kickoff call\n";
    ASSERT_NE(text.find(item), std::string::npos);
    text.replace(text.find(item), item.size(), item + "  - Send the signed contract to finance\n");
    const std::string file = tmp_ / "sold.yaml";
    write_text(file, text);
    const std::string applied = ok({"apply", file});
    EXPECT_EQ(applied, "sold-to-onboarding version 2 (stored)  " + file + "\n");

    ok({"emit", "deal.won", "--id", "new", "--data",
        R"({"company":"New Co","amount":5000,"pipeline":"services"})"});
    const json old_handoff = show(1), new_handoff = show(2);
    EXPECT_EQ(old_handoff.at("playbook_version"), 1);
    EXPECT_EQ(old_handoff.at("checklist").size(), 3u);
    EXPECT_EQ(new_handoff.at("playbook_version"), 2);
    ASSERT_EQ(new_handoff.at("checklist").size(), 4u);
    EXPECT_EQ(new_handoff.at("checklist")[3].at("text"), "Send the signed contract to finance");

    // The same text again changes nothing.
    EXPECT_EQ(ok({"apply", file}), "sold-to-onboarding version 2 (unchanged)  " + file + "\n");
    const json again = ok_json({"apply", file});
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].at("version"), 2);
    EXPECT_EQ(again[0].at("changed"), false);

    // The old handoff still works by its own version's checklist.
    ok({"accept", "1"});
    EXPECT_EQ(baton({"check", "1", "4"}).exit_code, exit_not_found);
}

TEST_F(Cli, ExportWritesWhatWasAppliedAndItLintsClean) {
    init();
    const std::string out = tmp_ / "out";
    const std::string printed = ok({"export", out});
    EXPECT_NE(printed.find("wrote " + out + "/people.yaml"), std::string::npos) << printed;
    const auto files = tree(out);
    EXPECT_EQ(files, (std::map<std::string, std::string>{
                         {"people.yaml", example("people.yaml")},
                         {"sources.yaml", example("sources.yaml")},
                         {"playbooks/kickoff-prep.yaml", example("playbooks/kickoff-prep.yaml")},
                         {"playbooks/ready-to-client.yaml",
                          example("playbooks/ready-to-client.yaml")},
                         {"playbooks/sold-to-onboarding.yaml",
                          example("playbooks/sold-to-onboarding.yaml")},
                         {"templates/client-next-step.md",
                          example("templates/client-next-step.md")}}));
    const auto lint = bare({"lint", out});
    EXPECT_EQ(lint.exit_code, exit_ok) << describe(lint);

    // A newly applied playbook is exported as it was written.
    const std::string fast = tmp_ / "fast.yaml";
    write_text(fast, fast_playbook);
    ok({"apply", fast});
    ok({"export", tmp_ / "out2"});
    EXPECT_EQ(read_text(tmp_ / "out2/playbooks/fast-lane.yaml"), fast_playbook);
    EXPECT_EQ(bare({"lint", tmp_ / "out2"}).exit_code, exit_ok);
}

// --- backup ----------------------------------------------------------------------------

TEST_F(Cli, BackupMakesAReadableCopy) {
    init_and_emit_examples();
    const std::string file = tmp_ / "backup.db";
    const std::string printed = ok({"backup", file});
    EXPECT_NE(printed.find(file), std::string::npos) << printed;
    ok({"cancel", "1"});  // after the backup: not in it

    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    auto scalar = [&](const char* sql) {
        sqlite3_stmt* st = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        std::string value;
        if (st && sqlite3_step(st) == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(st, 0);
            value = text ? reinterpret_cast<const char*>(text) : "";
        }
        sqlite3_finalize(st);
        return value;
    };
    EXPECT_EQ(scalar("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(scalar("SELECT count(*) FROM handoffs"), "4");
    EXPECT_EQ(scalar("SELECT count(*) FROM events"), "5");
    EXPECT_EQ(scalar("SELECT state FROM handoffs WHERE id = 1"), "waiting");
    sqlite3_close(db);

    // And baton itself reads it.
    const auto listed = bare({"--db", "sqlite:" + file, "--json", "list", "--all"});
    ASSERT_EQ(listed.exit_code, exit_ok) << describe(listed);
    EXPECT_EQ(json::parse(listed.out).size(), 4u);

    const auto size_before = fs::file_size(file);
    const auto again = baton({"backup", file});
    EXPECT_NE(again.exit_code, exit_ok) << describe(again);
    expect_one_line(again);
    EXPECT_EQ(fs::file_size(file), size_before);
}

// --- usage -----------------------------------------------------------------------------

TEST_F(Cli, UsageErrorsAreExitTwoWithOneLine) {
    init();
    for (std::vector<std::string> args :
         {std::vector<std::string>{"frobnicate"}, {"list", "--frobnicate"}, {"accept"},
          {"show", "1", "2"}, {}}) {
        const auto r = baton(args);
        std::string command;
        for (const auto& a : args) command += " " + a;
        EXPECT_EQ(r.exit_code, exit_usage) << command << "\n" << describe(r);
        expect_one_line(r);
        EXPECT_EQ(r.out, "") << command;
    }
    EXPECT_NE(baton({"list", "--frobnicate"}).err.find("--frobnicate"), std::string::npos);
    // A mistake inside a command points at that command's help, not the program's.
    EXPECT_NE(baton({"accept"}).err.find("(see `baton accept --help`)"), std::string::npos)
        << baton({"accept"}).err;
    EXPECT_NE(baton({"frobnicate"}).err.find("(see `baton --help`)"), std::string::npos);
}

// Captured by a script, `token create` prints the token alone (the README's
// TOKEN=$(baton token create ari) took the "Token 1 for ari" line too); the heading goes to
// stderr, where the person still sees it.
TEST_F(Cli, TokenCreateCapturedByAScriptIsTheTokenAlone) {
    init();
    const auto r = baton({"token", "create", "ari"});
    ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    EXPECT_EQ(r.out.rfind("bt_", 0), 0u) << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
    EXPECT_EQ(r.out.find(' '), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("Token 1 for ari (shown once; store it now)"), std::string::npos)
        << r.err;
}

// --listen as people type it: `localhost:PORT` works, a bare port and a host name say what
// to write instead.
TEST_F(Cli, ListenTakesLocalhostAndExplainsWhatItRefuses) {
    init();
    const auto port = baton({"serve", "--listen", "18205"});
    EXPECT_EQ(port.exit_code, exit_invalid) << describe(port);
    EXPECT_NE(port.err.find("such as 127.0.0.1:18205 (this machine only) or 0.0.0.0:18205"),
              std::string::npos)
        << port.err;
    const auto name = baton({"serve", "--listen", "baton.example:8080"});
    EXPECT_EQ(name.exit_code, exit_invalid) << describe(name);
    EXPECT_NE(name.err.find("not the host name `baton.example`"), std::string::npos) << name.err;
    // localhost is 127.0.0.1: the server starts, on a port the OS picks.
    RunOptions o;
    o.args = {"--workspace", ws_, "serve", "--listen", "localhost:0"};
    o.cwd = tmp_.path();
    auto child = Child::start(baton_binary(), o);
    ASSERT_TRUE(child.has_value());
    std::vector<std::string> said;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (said.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        if (!child->pump(std::chrono::milliseconds(100))) break;
        for (auto& line : child->take_lines()) said.push_back(std::move(line));
    }
    child->kill(SIGTERM);
    const auto status = child->finish(std::chrono::seconds(20));
    const std::string first = said.empty() ? "" : said[0];
    EXPECT_TRUE(std::regex_match(first, std::regex(R"(^Baton is listening on http://127\.0\.0\.1:[1-9][0-9]* .*)")))
        << first << "\n" << child->err();
    // The example workspace has no channels.yaml: the server says that nothing is sent.
    ASSERT_EQ(said.size(), 2u) << child->err();
    EXPECT_NE(said[1].find("No channels.yaml is applied yet: Slack, email and webhook messages "
                           "wait in the outbox"),
              std::string::npos)
        << said[1];
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << child->err();
}

// init's next steps name what a newcomer needs before the board answers: a password to sign
// in with, the server, and a token.
TEST_F(Cli, InitNamesEveryNextStep) {
    const auto r = bare({"init", ws_});
    ASSERT_EQ(r.exit_code, exit_ok) << describe(r);
    for (const char* step : {" emit - < ", " list ", " passwd ari ", " serve ", " token create ari "}) {
        EXPECT_NE(r.out.find(step), std::string::npos) << step << "\n" << r.out;
    }
}

TEST_F(Cli, ACommandOutsideAWorkspaceNamesBatonInit) {
    const std::string empty = tmp_ / "empty";
    fs::create_directories(empty);
    for (std::vector<std::string> args : {std::vector<std::string>{"list"}, {"show", "1"},
                                          {"emit", "deal.won"}, {"report"}}) {
        const auto r = bare(args, "", {}, empty);
        EXPECT_EQ(r.exit_code, exit_unavailable) << args[0] << "\n" << describe(r);
        expect_one_line(r);
        EXPECT_NE(r.err.find("baton init"), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(empty + "/baton.db")) << "a command outside init made a database";
}

TEST_F(Cli, VersionAndHelp) {
    // The version the build declares in CMakeLists.txt.
    const std::string cmake = read_text(source_dir() + "/CMakeLists.txt");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(cmake, m, std::regex(R"(project\(baton VERSION ([0-9.]+))")));
    const std::string version = m[1];

    const auto r = bare({"version"});
    EXPECT_EQ(r.exit_code, exit_ok);
    EXPECT_EQ(r.out, "baton " + version + "\n");
    const auto j = bare({"--json", "version"});
    EXPECT_EQ(json::parse(j.out), (json{{"version", version}}));

    const auto help = bare({"--help"});
    EXPECT_EQ(help.exit_code, exit_ok) << describe(help);
    for (const char* command : {"init", "lint", "apply", "export", "emit", "list", "show",
                                "accept", "decline", "done", "cancel", "check", "comment",
                                "reassign", "relay", "report", "events", "backup", "version"}) {
        EXPECT_NE(help.out.find("\n  " + std::string(command) + " "), std::string::npos)
            << command << "\n" << help.out;
    }
    const auto sub = bare({"check", "--help"});
    EXPECT_EQ(sub.exit_code, exit_ok);
    EXPECT_NE(sub.out.find("--undo"), std::string::npos) << sub.out;
}

}  // namespace
}  // namespace baton::test
