// The simulation's world, its model and its invariants. See simulation.h for what a run
// does; docs/reliability.md ("Deterministic simulation") lists the invariants in words.
//
// How the checks work. Every engine call the simulation makes is an "operation". Before
// it, the simulation takes a digest of the store (handoffs per state, outbox rows per
// status, whether an event or handoff newer than the model's exists). The FaultyStore says
// which handoffs the call's write touched and which timers it marked fired. After it:
// - a call that failed (an injected fault, or a refusal the model predicted) must leave the
//   digest and every handoff it touched exactly as the model has them;
// - a call that succeeded must have done what the model expects of it (the state an action
//   leads to, the handoffs an event creates and their owners, the status a delivery
//   reaches, timers firing only when due and only once), and every handoff it touched is
//   read back, checked (timeline a prefix-extension of the model's, agreeing with the
//   state; timers and outbox rows consistent with the state and the timeline) and then
//   adopted by the model.
// After every step the digest must equal the model's counts; every `deep_check_every`
// steps, and at the end, every handoff and event in the store must equal the model.
#include "sim/simulation.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "channels/channel.h"
#include "core/deadlines.h"
#include "core/delivery.h"
#include "core/people.h"
#include "core/playbook.h"
#include "engine/engine.h"
#include "sim/faulty_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"

namespace baton::sim {
namespace {

using core::HandoffState;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Kind = channels::Outcome::Kind;

// The Saturday before the spring DST change of Europe/Berlin (2026-03-29 01:00 UTC), so
// that even a short run walks across it with handoffs open; the long outage in the middle
// of a run lands on the Saturday before the autumn one (2026-10-25 01:00 UTC).
const TimePoint kSpringStart = *parse_rfc3339("2026-03-28T06:00:00Z");
const TimePoint kAutumnStart = *parse_rfc3339("2026-10-24T06:00:00Z");
const TimePoint kDstChanges[] = {*parse_rfc3339("2026-03-29T01:00:00Z"),
                                 *parse_rfc3339("2026-10-25T01:00:00Z")};

// Working hours in Berlin, one of them with a Sunday night shift that spans the hour the
// clocks skip in spring and repeat in autumn. noor has no email address: messages to noor
// fail when they are resolved, on the timeline.
const char* const kPeople = R"(
people:
  - { handle: sam, role: member, email: sam@example.com }
  - { handle: dana, role: member, email: dana@example.com, time_zone: Europe/Berlin,
      hours: "Mon-Fri 09:00-17:00" }
  - { handle: lee, role: member, email: lee@example.com, time_zone: Europe/Berlin,
      hours: "Mon-Fri 08:00-18:00, Sun 00:00-06:00" }
  - { handle: noor, role: member, time_zone: America/New_York, hours: "Mon-Sat 07:00-19:00" }
  - { handle: kim, role: admin, email: kim@example.com }
  - { handle: ari, role: admin, email: ari@example.com, time_zone: Europe/Berlin }
  - { handle: val, role: viewer, email: val@example.com }
teams:
  - { handle: sales, members: [sam] }
  - { handle: ops, members: [dana, lee, noor], rule: round-robin }
  - { handle: managers, members: [kim, ari], rule: least-loaded }
)";

const char* const kSold = R"(
id: sold
title: Sold → onboarding
when: deal.won
if: data.amount >= 1000
subject: "{{data.company}}"
from: sales
owner: ops
done: Welcome email sent, folder ready, contract countersigned.
checklist:
  - Send the welcome email
  - Set up the folder
  - { item: Countersign the contract, when: contract.signed }
accept_within: 4h
done_within: 2d
remind: [1h, 3h]
escalate:
  - { after: 2h, to: managers }
  - { after: 5h, to: kim, reassign: true }
  - { after: 1d, to: ari, on: done, reassign: true }
checkpoint:
  - slack: "#ops"
  - email: owner
  - webhook: crm
next: kickoff
)";

const char* const kKickoff = R"(
id: kickoff
title: Kickoff
when: kickoff.needed
subject: "{{data.company}} kickoff"
from: ops
owner: "{{data.kickoff_owner}}"
done: The kickoff is booked.
calendar: 24x7
accept_within: 1h
done_within: 8h
remind: [30m]
escalate:
  - { after: 90m, to: ari, reassign: true }
checkpoint:
  - email: owner
  - email: "{{data.contact}}"
)";

const char* const kSupport = R"(
id: support
title: Ticket triage
when: ticket.opened
if: data.priority >= 2
subject: "Ticket {{data.number}}"
from: sam
owner: "{{data.assignee}}"
done: The customer has an answer.
checklist: [Reproduce it, Answer the customer]
accept_within: 30m
done_within: 4h
remind: [10m]
escalate:
  - { after: 45m, to: managers }
checkpoint:
  - slack: "#support"
  - email: owner
)";

const char* const kChannels = R"(
slack:
  "#ops": { webhook: "https://hooks.slack.example/T0/B0/ops" }
  "#support": { webhook: "https://hooks.slack.example/T0/B0/support" }
smtp: { url: "smtp://mail.example:25", from: "Baton <baton@example.com>" }
webhooks:
  crm: { url: "https://crm.example.com/baton", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
public_url: "https://baton.example.com/"
)";

const std::vector<std::string> kCompanies = {"Acme", "Globex", "Initech", "Umbrella", "Hooli"};
const std::vector<std::string> kHandles = {"sam", "dana", "lee", "noor", "kim", "ari", "val"};

// Thrown to end a run at its first broken invariant.
struct Broken {
    std::string what;
};

const char* state_name(HandoffState s) {
    return core::to_string(s);
}

// A channel that answers each message as the generator says: delivered, a retry (an HTTP
// 503 or a timeout), a final failure, or later (held until the simulation answers it).
class SimChannel final : public channels::Channel {
  public:
    SimChannel(std::mt19937_64& rng, SimStats& stats) : rng_(rng), stats_(stats) {}

    void send(channels::Notification n, std::function<void(channels::Outcome)> done) override {
        ++stats_.deliveries;
        const int draw = static_cast<int>(rng_() % 100);
        if (draw >= 90) {
            ++stats_.channel_faults;
            held_.push_back({n.outbox_id, std::move(done)});
            return;
        }
        done(outcome(draw));
    }
    // Answers up to `count` held messages, oldest first.
    void answer_held(std::size_t count) {
        while (count-- > 0 && !held_.empty()) {
            auto held = std::move(held_.front());
            held_.pop_front();
            held.second(outcome(static_cast<int>(rng_() % 90)));
        }
    }
    std::size_t held() const { return held_.size(); }

  private:
    channels::Outcome outcome(int draw) {
        if (draw < 70) return {Kind::delivered, std::nullopt, 200, "HTTP 200"};
        ++stats_.channel_faults;
        if (draw < 78) {
            std::optional<Milliseconds> retry_after;
            if (draw % 2 == 0) retry_after = minutes(static_cast<int>(rng_() % 90));
            return {Kind::retry, retry_after, 503, "HTTP 503"};
        }
        if (draw < 84) return {Kind::retry, std::nullopt, 0, "timed out after 10 s"};
        return {Kind::failed, std::nullopt, 400, "HTTP 400"};
    }

    std::mt19937_64& rng_;
    SimStats& stats_;
    std::deque<std::pair<std::int64_t, std::function<void(channels::Outcome)>>> held_;
};

// A handoff as the store holds it, with its timers and outbox rows.
struct Stored {
    core::Handoff h;
    std::vector<store::TimerRecord> timers;
    std::vector<store::OutboxRecord> outbox;
};

// The model's view of one handoff: the last state read back and checked.
struct ModelHandoff {
    Stored s;
    std::string first_owner;  // the owner it was created with
};

struct ModelEvent {
    core::Event event;
    bool acknowledged = false;
    std::vector<std::int64_t> handoffs;
    std::int64_t seq = 0;
};

struct Digest {
    std::map<HandoffState, std::int64_t> states;
    std::map<std::string, std::int64_t> outbox;
    bool newer_event = false;
    bool newer_handoff = false;
    bool operator==(const Digest&) const = default;
};

std::string describe(const Digest& d) {
    std::ostringstream out;
    for (const auto& [s, n] : d.states) out << state_name(s) << "=" << n << " ";
    for (const auto& [s, n] : d.outbox) out << s << "=" << n << " ";
    out << "newer_event=" << d.newer_event << " newer_handoff=" << d.newer_handoff;
    return out.str();
}

std::string describe(const core::Action& a) {
    std::string out = core::action_name(a);
    if (const auto* r = std::get_if<core::Reassign>(&a)) out += " to " + r->to;
    if (const auto* c = std::get_if<core::Check>(&a)) out += " item " + std::to_string(c->item);
    if (const auto* f = std::get_if<core::Finish>(&a); f && f->force) out += " (forced)";
    return out;
}

// The timeline entries whose kinds change the state.
std::optional<HandoffState> state_of_entry(const std::string& kind) {
    if (kind == "created" || kind == "reassigned") return HandoffState::waiting;
    if (kind == "accepted") return HandoffState::accepted;
    if (kind == "declined") return HandoffState::declined;
    if (kind == "done") return HandoffState::done;
    if (kind == "cancelled") return HandoffState::cancelled;
    return std::nullopt;
}

class Simulation {
  public:
    explicit Simulation(const SimOptions& options)
        : options_(options),
          rng_(options.seed),
          slack_(rng_, stats_),
          email_(rng_, stats_),
          webhook_(rng_, stats_) {}

    SimResult run();

  private:
    // --- set-up -------------------------------------------------------------------------
    void open();
    void configure();

    // --- steps ----------------------------------------------------------------------------
    void step();
    void step_event(bool duplicate);
    void step_action();
    void step_clock();
    void move_clock(TimePoint to);
    void step_tick();
    void step_dispatch();
    void step_answer_held();
    void finish_run();

    // --- operations and their checks --------------------------------------------------------
    core::Event next_event();
    int expected_handoffs(const core::Event& e) const;
    void ingest(const core::Event& e);
    std::set<std::int64_t> ticks_of(const core::Event& e) const;
    void check_ingested(const core::Event& e, const engine::IngestResult& r, const WriteRecord& w,
                        const std::set<std::int64_t>& to_tick);
    void act(std::int64_t id, const core::Action& action, const std::string& handle);
    void check_acted(const core::Handoff& was, const core::Action& action,
                     const std::string& handle, const core::Handoff& answered,
                     const WriteRecord& w);
    std::size_t check_relay(const core::Handoff& was, const Stored& s, const WriteRecord& w);
    void tick(std::size_t limit);
    void dispatch(std::size_t limit);
    std::size_t check_leased(const WriteRecord& w, const std::set<std::int64_t>& due,
                             const std::set<std::int64_t>& leased, std::size_t limit);
    void send(std::vector<channels::Notification>& notifications);
    void settle(const channels::Notification& n, const channels::Outcome& outcome);

    // Faults for the next operation; returns whether a real COMMIT failure is armed.
    bool arm_faults();
    // After an operation: the write it made (or none), with faults disarmed.
    WriteRecord after_operation(bool commit_fault_armed);
    // A failed operation: it must have failed for a reason the simulation gave it, and left
    // no trace.
    void expect_failed_cleanly(const char* what, const Error& error, const WriteRecord& w,
                               bool commit_fault_armed, const Digest& before,
                               std::optional<ErrorCode> predicted = std::nullopt);

    // --- reading and checking -----------------------------------------------------------
    Digest digest();
    Digest model_digest() const;
    Stored read(std::int64_t id);
    // Checks a handoff read back against itself and against the model's previous view;
    // `allow_rearm` lets a cancelled timer be armed again (a reassignment).
    void check_handoff(const Stored& s, bool allow_rearm);
    void check_timeline(const Stored& s, const std::string& first_owner);
    void check_timers(const Stored& s, const ModelHandoff* before, bool allow_rearm);
    void check_outbox(const Stored& s, const ModelHandoff* before);
    void check_unchanged(std::int64_t id);
    void check_new_handoff(const Stored& s, const std::string& playbook, const std::string& owner,
                           bool unowned);
    void check_accept_ladder(const Stored& s, const core::Playbook& pb, TimePoint start,
                             const std::string& owner);
    // Only these timeline kinds were appended, and the state moved only as allowed.
    void check_appended(const Stored& s, const std::set<std::string>& kinds);
    void adopt(const Stored& s, const std::string& first_owner);
    void adopt(const Stored& s);
    void check_globals();
    void deep_check();

    std::optional<ErrorCode> predict(const core::Handoff& h, const core::Action& action,
                                     const core::Actor& actor) const;
    core::Actor actor_of(const std::string& handle) const;
    const core::Playbook& playbook(const std::string& id) const { return playbooks_.at(id); }
    const core::Calendar& calendar_of(const std::string& handle) const;
    bool resolvable(const store::OutboxRecord& row) const;

    void log(std::string line);
    [[noreturn]] void broken(const std::string& what);
    void expect(bool condition, const std::string& what) {
        if (!condition) broken(what);
    }
    template <class T>
    T must(Result<T> r, const std::string& what) {
        if (!r) broken(what + ": " + r.error().message);
        return std::move(r).value();
    }

    TimePoint now() const { return clock_.now(); }
    std::uint64_t draw(std::uint64_t n) { return rng_() % n; }
    bool chance(int percent) { return static_cast<int>(draw(100)) < percent; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[draw(v.size())];
    }

    const SimOptions options_;
    std::mt19937_64 rng_;
    SimStats stats_;
    testing::TempDir dir_;
    testing::FakeClock clock_{kSpringStart};
    std::unique_ptr<store::Store> raw_;
    std::unique_ptr<FaultyStore> faulty_;
    std::unique_ptr<engine::Engine> engine_;
    core::Directory directory_;
    std::map<std::string, core::Playbook> playbooks_;
    SimChannel slack_, email_, webhook_;
    const core::RetryPolicy policy_{.attempts_max = 4,
                                    .backoff_first = seconds(30),
                                    .backoff_max = hours(2),
                                    .retry_after_max = hours(24)};
    const Milliseconds lease_ = minutes(10);

    int step_ = 0;
    int outage_step_ = 0;
    bool outage_done_ = false;
    std::deque<std::string> log_;
    bool faults_on_ = true;

    // The model.
    std::map<std::int64_t, ModelHandoff> handoffs_;
    std::map<std::pair<std::string, std::string>, ModelEvent> events_;
    std::vector<std::pair<std::string, std::string>> event_keys_;  // in the order sent
    std::int64_t event_seq_max_ = 0;
    std::int64_t ops_counter_ = 0;               // the ops team's round-robin counter
    std::map<std::int64_t, TimerFiring> fired_;  // every committed firing, by timer id
    std::set<std::int64_t> in_flight_;           // outbox rows sent and not yet settled
    std::deque<std::pair<channels::Notification, channels::Outcome>> finished_;
    int event_number_ = 0;
};

// --- set-up -------------------------------------------------------------------------------

void Simulation::open() {
    engine_.reset();
    faulty_.reset();
    raw_.reset();
    auto opened = store::open_sqlite({.path = dir_.file("baton.db")});
    if (!opened) broken("cannot open the store: " + opened.error().message);
    raw_ = std::move(opened).value();
    faulty_ = std::make_unique<FaultyStore>(*raw_);
    engine_ = std::make_unique<engine::Engine>(*faulty_, clock_);
}

void Simulation::configure() {
    auto applied = engine_->apply({{"people.yaml", kPeople},
                                   {"playbooks/sold.yaml", kSold},
                                   {"playbooks/kickoff.yaml", kKickoff},
                                   {"playbooks/support.yaml", kSupport},
                                   {"channels.yaml", kChannels}});
    if (!applied) broken("apply: " + applied.error().message);
    (void)faulty_->take_writes();
    auto people = core::parse_people(kPeople, "people.yaml");
    expect(people.directory.has_value(), "people.yaml parses");
    directory_ = *people.directory;
    for (const char* text : {kSold, kKickoff, kSupport}) {
        auto parsed = core::parse_playbook(text, "playbook.yaml");
        expect(parsed.playbook.has_value(), "a playbook parses");
        playbooks_.emplace(parsed.playbook->id, *parsed.playbook);
    }
}

SimResult Simulation::run() {
    SimResult result;
    try {
        open();
        configure();
        // The long outage (a jump of seven months) falls in the middle third of the run.
        outage_step_ = options_.steps / 3 + static_cast<int>(draw(options_.steps / 3 + 1));
        for (step_ = 1; step_ <= options_.steps; ++step_) {
            step();
            check_globals();
            if (step_ % options_.deep_check_every == 0) deep_check();
            ++stats_.steps;
        }
        finish_run();
        result.ok = true;
    } catch (const Broken& b) {
        std::ostringstream out;
        out << "simulation seed " << options_.seed << " broke at step " << step_ << " of "
            << options_.steps << ": " << b.what << "\n";
        out << "the last steps:\n";
        for (const auto& line : log_) out << "  " << line << "\n";
        out << "replay: scripts/sim.sh --seed " << options_.seed << " " << options_.steps
            << "   (or BATON_SIM_SEED=" << options_.seed << " BATON_SIM_STEPS=" << options_.steps
            << " BATON_SIM_VERBOSE=1 build/tests/sim_test)\n";
        result.failure = out.str();
    }
    result.stats = stats_;
    return result;
}

void Simulation::log(std::string line) {
    line = "step " + std::to_string(step_) + " [" + format_rfc3339(now()) + "] " + line;
    if (options_.verbose) std::cout << line << "\n";
    log_.push_back(std::move(line));
    while (static_cast<int>(log_.size()) > options_.log_steps_max) log_.pop_front();
}

void Simulation::broken(const std::string& what) {
    throw Broken{what};
}

// --- steps ----------------------------------------------------------------------------------

void Simulation::step() {
    if (!outage_done_ && step_ >= outage_step_) {
        outage_done_ = true;
        move_clock(kAutumnStart + minutes(static_cast<int>(draw(12 * 60))));
        log("clock: a long outage, the clock jumps seven months ahead");
        return;
    }
    const int d = static_cast<int>(draw(100));
    if (d < 20) return step_event(false);
    if (d < 25) return step_event(true);
    if (d < 55) return step_action();
    if (d < 70) return step_clock();
    if (d < 82) return step_tick();
    if (d < 95) return step_dispatch();
    return step_answer_held();
}

void Simulation::move_clock(TimePoint to) {
    const TimePoint before = now();
    clock_.set(to);
    for (TimePoint change : kDstChanges) {
        if ((before < change) != (now() < change)) ++stats_.dst_crossings;
    }
}

void Simulation::step_clock() {
    const int d = static_cast<int>(draw(100));
    Milliseconds by{};
    if (d < 70) {
        by = minutes(1 + static_cast<int>(draw(120))) + seconds(static_cast<int>(draw(60)));
    } else if (d < 88) {
        by = hours(2 + static_cast<int>(draw(28))) + minutes(static_cast<int>(draw(60)));
    } else {
        by = -(hours(1 + static_cast<int>(draw(8))) + minutes(static_cast<int>(draw(60))));
        ++stats_.clock_jumps_back;
    }
    move_clock(now() + by);
    log("clock: " + std::string(by.count() < 0 ? "back " : "forward ") +
        format_span(by.count() < 0 ? -by : by));
}

void Simulation::step_event(bool duplicate) {
    if (duplicate && !event_keys_.empty()) {
        const auto& key = pick(event_keys_);
        ++stats_.duplicates_sent;
        return ingest(events_.at(key).event);
    }
    ingest(next_event());
}

core::Event Simulation::next_event() {
    core::Event e;
    const int n = ++event_number_;
    e.time = now();
    const std::string company = pick(kCompanies);
    const int d = static_cast<int>(draw(100));
    if (d < 50) {
        e.type = "deal.won";
        e.source = "crm";
        e.id = "deal-" + std::to_string(n);
        e.subject = company;
        static const std::vector<int> amounts = {500, 1000, 2500, 9000};
        e.data = {{"company", company}, {"amount", pick(amounts)}};
        if (chance(60)) e.data["contact"] = "client@" + company + ".example";
        static const std::vector<std::string> kickoff = {"lee", "sam", "dana", "ghost", ""};
        if (const std::string& k = pick(kickoff); !k.empty()) e.data["kickoff_owner"] = k;
    } else if (d < 75) {
        e.type = "ticket.opened";
        e.source = "desk";
        e.id = "ticket-" + std::to_string(n);
        e.data = {{"number", n}, {"priority", 1 + static_cast<int>(draw(3))}};
        static const std::vector<std::string> assignees = {"dana", "lee",    "noor",
                                                           "kim",  "nobody", ""};
        if (const std::string& a = pick(assignees); !a.empty()) e.data["assignee"] = a;
    } else if (d < 92) {
        e.type = "contract.signed";
        e.source = "sign";
        e.id = "sig-" + std::to_string(n);
        e.subject = company;
        e.data = {{"company", company}};
    } else {
        e.type = "note.added";
        e.source = "crm";
        e.id = "note-" + std::to_string(n);
        e.subject = company;
        e.data = {{"text", "not a handoff"}};
    }
    return e;
}

int Simulation::expected_handoffs(const core::Event& e) const {
    if (e.type == "deal.won") return e.data.at("amount").get<int>() >= 1000 ? 1 : 0;
    if (e.type == "ticket.opened") return e.data.at("priority").get<int>() >= 2 ? 1 : 0;
    return 0;
}

void Simulation::step_action() {
    // The handoff: mostly an open one, sometimes any, sometimes one that does not exist.
    std::vector<std::int64_t> open, all;
    for (const auto& [id, m] : handoffs_) {
        all.push_back(id);
        if (core::is_open(m.s.h.state)) open.push_back(id);
    }
    std::int64_t id = 0;
    const int d = static_cast<int>(draw(100));
    if (d < 75 && !open.empty()) {
        id = pick(open);
    } else if (d < 93 && !all.empty()) {
        id = pick(all);
    } else {
        id = (handoffs_.empty() ? 0 : handoffs_.rbegin()->first) + 1 + static_cast<int>(draw(5));
    }
    const auto found = handoffs_.find(id);
    const core::Handoff* h = found == handoffs_.end() ? nullptr : &found->second.s.h;
    // Who acts: mostly the owner, sometimes an admin, the giver, or anyone (the wrong
    // person for this handoff, usually).
    std::string who = pick(kHandles);
    const int a = static_cast<int>(draw(100));
    if (h != nullptr && a < 60) who = h->owner;
    if (h != nullptr && a >= 60 && a < 65) who = "sam";
    if (a >= 65 && a < 72) who = chance(50) ? "kim" : "ari";
    // What they do: what the state invites, mostly.
    core::Action action = core::Comment{"A note at step " + std::to_string(step_)};
    const int w = static_cast<int>(draw(100));
    const int items = h != nullptr ? static_cast<int>(h->checklist.size()) : 3;
    if (h != nullptr && h->state == HandoffState::waiting && w < 55) {
        action = core::Accept{};
    } else if (h != nullptr && h->state == HandoffState::accepted && w < 45) {
        const int item = 1 + static_cast<int>(draw(static_cast<std::uint64_t>(items) + 1));
        const bool checked = item <= items && h->checklist[item - 1].checked;
        action = core::Check{item, chance(85) ? !checked : checked};
    } else if (w < 62) {
        action = core::Finish{};
    } else if (w < 66) {
        action = core::Finish{true, "Done enough for now"};
    } else if (w < 72) {
        action = core::Decline{chance(90) ? "Not mine, sorry" : ""};
    } else if (w < 82) {
        static const std::vector<std::string> targets = {"dana", "lee", "noor", "kim",
                                                         "sam",  "ari", "ghost"};
        action = core::Reassign{pick(targets), chance(50) ? "Holiday" : ""};
    } else if (w < 87) {
        action = core::Cancel{chance(50) ? "The deal fell through" : ""};
    } else if (w < 90) {
        action = core::Accept{};
    }
    act(id, action, who);
}

void Simulation::step_tick() {
    tick(1 + draw(40));
}

void Simulation::step_dispatch() {
    dispatch(1 + draw(12));
}

void Simulation::step_answer_held() {
    std::size_t held = slack_.held() + email_.held() + webhook_.held();
    log("channels: " + std::to_string(held) + " late answers due");
    slack_.answer_held(1 + draw(3));
    email_.answer_held(1 + draw(3));
    webhook_.answer_held(1 + draw(3));
    while (!finished_.empty()) {
        auto [n, outcome] = std::move(finished_.front());
        finished_.pop_front();
        settle(n, outcome);
    }
}

// --- faults --------------------------------------------------------------------------------

bool Simulation::arm_faults() {
    if (!faults_on_) return false;
    const int d = static_cast<int>(draw(100));
    if (d < 8) {
        faulty_->arm(Fault{Fault::Kind::fail_call, static_cast<int>(draw(30))});
    } else if (d < 11) {
        faulty_->arm(Fault{Fault::Kind::fail_commit, 0});
    } else if (d < 14) {
        if (auto st = store::sqlite_fail_commits(*raw_, 0, 1); !st) {
            broken("sqlite_fail_commits: " + st.error().message);
        }
        return true;
    }
    return false;
}

WriteRecord Simulation::after_operation(bool commit_fault_armed) {
    faulty_->disarm();
    if (commit_fault_armed) {
        // The armed COMMIT failure may not have been used (the write failed before its
        // commit): it must not hit a later operation.
        (void)store::sqlite_fail_commits(*raw_, 0, 0);
    }
    std::vector<WriteRecord> writes = faulty_->take_writes();
    expect(writes.size() <= 1, "one engine call made " + std::to_string(writes.size()) + " writes");
    WriteRecord w = writes.empty() ? WriteRecord{} : std::move(writes.front());
    if (w.fault_injected) ++stats_.store_faults;
    expect(!w.fault_swallowed, "the engine went on after a store call failed (" + w.fault +
                                   "): its write committed anyway");
    return w;
}

void Simulation::expect_failed_cleanly(const char* what, const Error& error, const WriteRecord& w,
                                       bool commit_fault_armed, const Digest& before,
                                       std::optional<ErrorCode> predicted) {
    const bool injected = w.fault_injected || (commit_fault_armed && !w.ok &&
                                               error.code == ErrorCode::unavailable && w.calls > 0);
    if (injected) {
        expect(error.code == ErrorCode::unavailable,
               std::string(what) +
                   " failed by an injected fault with the wrong code: " + error.message);
        if (!w.fault_injected) ++stats_.commit_faults;
    } else {
        expect(predicted.has_value(),
               std::string(what) + " was refused, but the model " + "allows it: " + error.message);
        expect(error.code == *predicted, std::string(what) + " was refused with " +
                                             to_string(error.code) + " where the model expects " +
                                             to_string(*predicted) + ": " + error.message);
    }
    const Digest after = digest();
    expect(after == before, std::string(what) + " failed but left a trace: before {" +
                                describe(before) + "}, after {" + describe(after) + "}");
    for (std::int64_t id : w.handoffs) check_unchanged(id);
}

// --- operations ----------------------------------------------------------------------------

void Simulation::ingest(const core::Event& e) {
    const auto key = std::make_pair(e.source, e.id);
    const bool known = events_.count(key) > 0;
    ModelEvent& model = events_[key];
    if (!known) {
        model.event = e;
        event_keys_.push_back(key);
    }
    const bool duplicate = model.acknowledged;
    const bool async = chance(40);
    std::string text = std::string(async ? "ingest_async " : "ingest ") + e.type + " " + e.source +
                       "/" + e.id + (e.subject ? " about " + *e.subject : "") +
                       (known ? " (sent before)" : "");
    ++stats_.events_sent;
    const std::set<std::int64_t> to_tick = duplicate ? std::set<std::int64_t>{} : ticks_of(e);
    const Digest before = digest();
    const bool commit_fault = arm_faults();
    std::optional<Result<engine::IngestResult>> answer;
    if (async) {
        engine_->ingest_async(e, [&](Result<engine::IngestResult> r) { answer = std::move(r); });
        expect(answer.has_value(), "ingest_async did not answer on a synchronous store");
    } else {
        answer = engine_->ingest(e);
    }
    const WriteRecord w = after_operation(commit_fault);
    Result<engine::IngestResult>& r = *answer;
    if (!r) {
        log(text + " → " + r.error().message + (w.fault.empty() ? "" : " [" + w.fault + "]"));
        return expect_failed_cleanly("ingest", r.error(), w, commit_fault, before);
    }
    expect(!w.fault_injected, "ingest succeeded although its write failed (" + w.fault + ")");
    ++stats_.events_acknowledged;
    if (duplicate) {
        log(text + " → duplicate");
        expect(r->duplicate, "an event sent again was not answered as a duplicate");
        expect(r->handoff_ids == model.handoffs,
               "a duplicate answered other handoffs than the first time");
        expect(digest() == before, "a duplicate changed the store");
        return;
    }
    expect(!r->duplicate, "a new event was answered as a duplicate");
    log(text + " → " + std::to_string(r->handoff_ids.size()) + " handoffs");
    check_ingested(e, *r, w, to_tick);
}

// Checklist items an event should tick: item `when: contract.signed` of each waiting or
// accepted sold handoff of its subject.
std::set<std::int64_t> Simulation::ticks_of(const core::Event& e) const {
    std::set<std::int64_t> out;
    if (e.type != "contract.signed") return out;
    for (const auto& [id, m] : handoffs_) {
        const auto& h = m.s.h;
        if (h.playbook_id == "sold" && h.subject == *e.subject &&
            (h.state == HandoffState::waiting || h.state == HandoffState::accepted) &&
            !h.checklist.at(2).checked) {
            out.insert(id);
        }
    }
    return out;
}

// A new event was acknowledged: it is stored with exactly the handoffs the model expects,
// owned as the model expects, and it ticked exactly the items the model expects.
void Simulation::check_ingested(const core::Event& e, const engine::IngestResult& r,
                                const WriteRecord& w, const std::set<std::int64_t>& to_tick) {
    ModelEvent& model = events_.at({e.source, e.id});
    const int expected = expected_handoffs(e);
    expect(static_cast<int>(r.handoff_ids.size()) == expected,
           "the event created " + std::to_string(r.handoff_ids.size()) + " handoffs, not " +
               std::to_string(expected));
    model.acknowledged = true;
    model.handoffs = r.handoff_ids;
    // The event is stored with its handoffs.
    std::optional<store::EventRecord> stored;
    std::vector<std::int64_t> of_event;
    must(Result<Ok>(raw_->read([&](store::Transaction& tx) -> Status {
             auto ev = tx.event(e.source, e.id);
             if (!ev) return ev.error();
             stored = *ev;
             auto ids = tx.handoffs_of_event(e.source, e.id);
             if (!ids) return ids.error();
             of_event = *ids;
             return ok_status();
         })),
         "reading the event back");
    expect(stored.has_value(), "an acknowledged event is not in the store");
    // An event that ticks a checklist item matched: the store counts the ticked handoffs
    // with the created ones (the sim's ticking event creates none).
    expect(stored->handoffs_created == expected + static_cast<int>(to_tick.size()) &&
               of_event == r.handoff_ids,
           "the stored event does not list its handoffs");
    expect(std::set<std::int64_t>(r.ticked_ids.begin(), r.ticked_ids.end()) == to_tick,
           "the ingest result does not name the handoffs the event ticked");
    expect(stored->seq > event_seq_max_, "the event's sequence number did not grow");
    event_seq_max_ = stored->seq;
    model.seq = stored->seq;
    for (std::int64_t id : r.handoff_ids) {
        const Stored s = read(id);
        std::string owner;
        bool unowned = false;
        if (e.type == "deal.won") {
            static const std::vector<std::string> ops = {"dana", "lee", "noor"};
            owner = ops[static_cast<std::size_t>(ops_counter_++ % 3)];
        } else {
            const std::string wanted = e.data.value("assignee", "");
            unowned = directory_.person(wanted) == nullptr;
            owner = unowned ? "sam" : wanted;
        }
        check_new_handoff(s, e.type == "deal.won" ? "sold" : "support", owner, unowned);
        ++stats_.handoffs;
    }
    std::set<std::int64_t> ticked;
    for (std::int64_t id : w.handoffs) {
        if (std::find(r.handoff_ids.begin(), r.handoff_ids.end(), id) != r.handoff_ids.end()) {
            continue;
        }
        const Stored s = read(id);
        check_handoff(s, false);
        check_appended(s, {"checked"});
        ticked.insert(id);
        const auto& before_h = handoffs_.at(id).s.h;
        expect(s.h.state == before_h.state && s.h.owner == before_h.owner,
               "ticking a checklist item changed handoff " + std::to_string(id) + "'s state");
        expect(s.h.checklist.at(2).checked && s.h.checklist.at(2).checked_by == "baton",
               "the event did not tick item 3 of handoff " + std::to_string(id));
        adopt(s);
    }
    expect(ticked == to_tick, "the event ticked " + std::to_string(ticked.size()) +
                                  " handoffs' items where the model expects " +
                                  std::to_string(to_tick.size()));
}

void Simulation::act(std::int64_t id, const core::Action& action, const std::string& handle) {
    const core::Actor actor = actor_of(handle);
    const auto found = handoffs_.find(id);
    const ModelHandoff* model = found == handoffs_.end() ? nullptr : &found->second;
    std::optional<ErrorCode> predicted;
    const auto* reassign = std::get_if<core::Reassign>(&action);
    if (reassign != nullptr && directory_.person(reassign->to) == nullptr &&
        directory_.team(reassign->to) == nullptr) {
        predicted = ErrorCode::invalid_argument;  // checked before the handoff is read
    } else if (model == nullptr) {
        predicted = ErrorCode::not_found;
    } else {
        predicted = predict(model->s.h, action, actor);
    }
    std::string text = handle + " " + describe(action) + " #" + std::to_string(id);
    if (model != nullptr) {
        text +=
            " (" + std::string(state_name(model->s.h.state)) + ", owner " + model->s.h.owner + ")";
    }
    ++stats_.actions;
    // Sometimes the actor is looked up through the engine, as the API does, and that read
    // fails.
    if (chance(3)) {
        faulty_->fail_next_read();
        auto looked_up = engine_->actor(handle);
        faulty_->disarm();
        expect(!looked_up && looked_up.error().code == ErrorCode::unavailable,
               "a failed read answered the actor anyway");
        ++stats_.read_faults;
        log(text + " → not attempted: the actor's read failed");
        return;
    }
    const Digest before = digest();
    const bool commit_fault = arm_faults();
    Result<core::Handoff> r = reassign != nullptr
                                  ? engine_->reassign(id, reassign->to, reassign->reason, actor)
                                  : engine_->act(id, action, actor);
    const WriteRecord w = after_operation(commit_fault);
    if (!r) {
        log(text + " → " + to_string(r.error().code) + ": " + r.error().message +
            (w.fault.empty() ? "" : " [" + w.fault + "]"));
        if (!w.fault_injected && predicted) ++stats_.actions_refused;
        return expect_failed_cleanly("the action", r.error(), w, commit_fault, before, predicted);
    }
    log(text + " → ok, " + state_name(r->state));
    expect(!w.fault_injected, "the action succeeded although its write failed (" + w.fault + ")");
    expect(!predicted.has_value(),
           "the action succeeded, but the model expects " + std::string(to_string(*predicted)));
    check_acted(model->s.h, action, handle, *r, w);
}

// An action succeeded: the handoff stored is the one answered, in the state the rules lead
// to, with one more timeline entry (and the relay's next handoff when it was finished).
void Simulation::check_acted(const core::Handoff& was, const core::Action& action,
                             const std::string& handle, const core::Handoff& answered,
                             const WriteRecord& w) {
    const std::int64_t id = was.id;
    const auto* reassign = std::get_if<core::Reassign>(&action);
    const core::Handoff* r = &answered;
    const Stored s = read(id);
    check_handoff(s, reassign != nullptr);
    // What the engine answered is what it stored.
    expect(s.h.state == r->state && s.h.owner == r->owner && s.h.revision == r->revision &&
               s.h.checklist == r->checklist,
           "the handoff answered by the action is not the one stored");
    expect(s.h.timeline.size() >= r->timeline.size() &&
               std::equal(r->timeline.begin(), r->timeline.end(), s.h.timeline.begin()),
           "the stored timeline does not start with the answered one");
    expect(r->timeline.size() == was.timeline.size() + 1,
           "an action appended " + std::to_string(r->timeline.size() - was.timeline.size()) +
               " entries");
    const core::TimelineEntry& entry = r->timeline.back();
    expect(entry.actor == handle, "the action's entry names " + entry.actor);
    // The state the action leads to, as the model sees it.
    HandoffState next = was.state;
    std::string kind = "comment";
    std::string owner = was.owner;
    std::visit(
        [&](const auto& a) {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, core::Accept>)
                next = HandoffState::accepted, kind = "accepted";
            if constexpr (std::is_same_v<A, core::Decline>)
                next = HandoffState::declined, kind = "declined";
            if constexpr (std::is_same_v<A, core::Finish>) next = HandoffState::done, kind = "done";
            if constexpr (std::is_same_v<A, core::Cancel>)
                next = HandoffState::cancelled, kind = "cancelled";
            if constexpr (std::is_same_v<A, core::Reassign>)
                next = HandoffState::waiting, kind = "reassigned", owner = a.to;
            if constexpr (std::is_same_v<A, core::Check>)
                kind = a.checked ? "checked" : "unchecked";
        },
        action);
    expect(s.h.state == next && entry.kind == kind && s.h.owner == owner,
           "the action led to " + std::string(state_name(s.h.state)) + " (" + entry.kind +
               ", owner " + s.h.owner + "), the model expects " + state_name(next) + " (" + kind +
               ", owner " + owner + ")");
    if (const auto* c = std::get_if<core::Check>(&action)) {
        expect(s.h.checklist.at(static_cast<std::size_t>(c->item - 1)).checked == c->checked,
               "the checklist item did not change");
    }
    if (reassign != nullptr) {
        check_accept_ladder(s, playbook(s.h.playbook_id), now(), owner);
    }
    for (std::int64_t other : w.handoffs) {
        expect(other == id || handoffs_.count(other) == 0,
               "the action touched another existing handoff, " + std::to_string(other));
    }
    const bool finished = was.state != HandoffState::done && next == HandoffState::done;
    const std::size_t relayed = finished ? check_relay(was, s, w) : 0;
    expect(s.h.timeline.size() == r->timeline.size() + relayed,
           "the action's write appended entries it did not answer");
    adopt(s);
}

// Done on a playbook with `next:` starts the relay: the next handoff, in the same write.
// Answers how many handoffs it started (and so entries it added to the finished one).
std::size_t Simulation::check_relay(const core::Handoff& was, const Stored& s,
                                    const WriteRecord& w) {
    if (!playbook(was.playbook_id).next) return 0;
    std::size_t relayed = 0;
    for (std::int64_t other : w.handoffs) {
        if (other == was.id) continue;
        const Stored started = read(other);
        const std::string wanted = was.data.value("kickoff_owner", "");
        const bool unowned = directory_.person(wanted) == nullptr;
        check_new_handoff(started, "kickoff", unowned ? "dana" : wanted, unowned);
        expect(started.h.subject == was.subject, "the relay did not carry the subject");
        expect(started.h.event_id == "relay:" + std::to_string(was.id),
               "the relay's handoff does not name its source");
        ++relayed;
        ++stats_.handoffs;
    }
    expect(relayed == 1, "done on a relay started " + std::to_string(relayed) + " handoffs, not 1");
    expect(s.h.timeline.back().kind == "relayed", "the relay is not on the timeline");
    return relayed;
}

void Simulation::tick(std::size_t limit) {
    const Digest before = digest();
    const bool commit_fault = arm_faults();
    auto r = engine_->fire_due_timers(limit);
    const WriteRecord w = after_operation(commit_fault);
    ++stats_.ticks;
    if (!r) {
        log("tick (limit " + std::to_string(limit) + ") → " + r.error().message +
            (w.fault.empty() ? "" : " [" + w.fault + "]"));
        return expect_failed_cleanly("the timer tick", r.error(), w, commit_fault, before);
    }
    log("tick (limit " + std::to_string(limit) + ") → " + std::to_string(w.firings.size()) +
        " fired, " + std::to_string(r->fired) + " effective");
    expect(w.firings.size() <= limit, "a tick fired more timers than its limit");
    expect(static_cast<std::size_t>(r->fired + r->spent) == w.firings.size(),
           "a tick counted other timers than it fired");
    TimePoint previous_due{};
    for (const TimerFiring& f : w.firings) {
        const std::string which = "timer " + std::to_string(f.timer_id) + " (" +
                                  core::to_string(f.kind) + " " + std::to_string(f.level) +
                                  " of handoff " + std::to_string(f.handoff_id) + ")";
        expect(f.handoff_id > 0, which + " fired without being found due");
        expect(f.due_at <= now(),
               which + " fired before it was due: due " + format_rfc3339(f.due_at));
        expect(f.fired_at == now(), which + " fired at another time than the tick's");
        expect(f.due_at >= previous_due, which + " fired out of due order");
        previous_due = f.due_at;
        expect(fired_.count(f.timer_id) == 0,
               which + " fired twice: first at " +
                   (fired_.count(f.timer_id) ? format_rfc3339(fired_.at(f.timer_id).fired_at)
                                             : std::string()));
        fired_[f.timer_id] = f;
        ++stats_.timers_fired;
    }
    // The tick leaves nothing due behind unless its batch was full.
    if (w.timers_due < limit) {
        std::vector<store::TimerRecord> due;
        std::optional<TimePoint> next_due;
        must(Result<Ok>(raw_->read([&](store::Transaction& tx) -> Status {
                 auto d = tx.due_timers(now(), 1);
                 if (!d) return d.error();
                 due = *d;
                 auto n = tx.next_timer_due();
                 if (!n) return n.error();
                 next_due = *n;
                 return ok_status();
             })),
             "reading due timers");
        expect(due.empty(), "a tick under its limit left timer " +
                                (due.empty() ? std::string() : std::to_string(due[0].id)) + " due");
        expect(r->next_due == next_due, "the tick's next due time is not the store's");
    }
    for (std::int64_t id : w.handoffs) {
        const Stored s = read(id);
        check_handoff(s, false);
        check_appended(s, {"reminded", "overdue", "escalated", "reassigned", "note"});
        adopt(s);
    }
}

bool Simulation::resolvable(const store::OutboxRecord& row) const {
    if (row.channel != "email" && row.channel != "notice") return true;
    if (row.target.find('@') != std::string::npos) return true;
    const core::Person* p = directory_.person(row.target);
    return p != nullptr && !p->email.empty();
}

// The rows a lease touched: those it took were due and resolvable and are leased now;
// those it failed could not be sent; nothing else changed. Answers how many it failed.
std::size_t Simulation::check_leased(const WriteRecord& w, const std::set<std::int64_t>& due,
                                     const std::set<std::int64_t>& leased, std::size_t limit) {
    std::size_t failed_now = 0;
    for (std::int64_t id : w.handoffs) {
        const Stored s = read(id);
        check_handoff(s, false);
        check_appended(s, {"delivery_failed"});
        const ModelHandoff& was = handoffs_.at(id);
        for (const auto& row : s.outbox) {
            auto old = std::find_if(was.s.outbox.begin(), was.s.outbox.end(),
                                    [&](const auto& o) { return o.id == row.id; });
            if (old == was.s.outbox.end()) broken("a lease created outbox rows");
            const bool took = leased.count(row.id) > 0;
            if (took) {
                expect(due.count(row.id) > 0,
                       "outbox row " + std::to_string(row.id) + " was leased before it was due");
                expect(row.status == "pending" && row.attempts == old->attempts + 1 &&
                           row.next_attempt_at == now() + lease_,
                       "outbox row " + std::to_string(row.id) + " was not leased properly");
                expect(resolvable(*old), "outbox row " + std::to_string(row.id) +
                                             " cannot be sent, yet it was leased");
            } else if (row.status != old->status) {
                expect(row.status == "failed" && !resolvable(*old) && due.count(row.id),
                       "outbox row " + std::to_string(row.id) + " became " + row.status +
                           " in a lease");
                ++failed_now;
            } else {
                expect(row.attempts == old->attempts && row.next_attempt_at == old->next_attempt_at,
                       "outbox row " + std::to_string(row.id) + " changed but was not leased");
            }
        }
        adopt(s);
    }
    // Under its limit, the lease takes everything due.
    if (leased.size() + failed_now < limit) {
        for (std::int64_t id : due) {
            bool settled = false;
            for (const auto& [hid, m] : handoffs_) {
                for (const auto& row : m.s.outbox) {
                    if (row.id == id && row.next_attempt_at > now()) settled = true;
                    if (row.id == id && row.status != "pending") settled = true;
                }
            }
            expect(settled,
                   "a lease under its limit left outbox row " + std::to_string(id) + " due");
        }
    }
    return failed_now;
}

void Simulation::dispatch(std::size_t limit) {
    // What the model expects to be due: pending rows whose next attempt has come.
    std::set<std::int64_t> due;
    for (const auto& [id, m] : handoffs_) {
        for (const auto& row : m.s.outbox) {
            if (row.status == "pending" && row.next_attempt_at <= now()) due.insert(row.id);
        }
    }
    const Digest before = digest();
    const bool commit_fault = arm_faults();
    auto r = engine_->lease_notifications(limit, lease_);
    const WriteRecord w = after_operation(commit_fault);
    if (!r) {
        log("dispatch (limit " + std::to_string(limit) + ") → " + r.error().message +
            (w.fault.empty() ? "" : " [" + w.fault + "]"));
        return expect_failed_cleanly("the lease", r.error(), w, commit_fault, before);
    }
    expect(r->configured, "channels.yaml is applied, yet the lease says it is not");
    std::set<std::int64_t> leased;
    for (const auto& n : r->notifications) leased.insert(n.outbox_id);
    const std::size_t failed_now = check_leased(w, due, leased, limit);
    log("dispatch (limit " + std::to_string(limit) + ") → " +
        std::to_string(r->notifications.size()) + " leased, " + std::to_string(failed_now) +
        " unresolvable");
    send(r->notifications);
}

// Hands the leased messages to their channels and settles what they answered; like the
// dispatcher, a row still in flight from an earlier lease is not sent again.
void Simulation::send(std::vector<channels::Notification>& notifications) {
    for (auto& n : notifications) {
        if (!in_flight_.insert(n.outbox_id).second) continue;
        channels::Channel* channel = n.channel == "slack" ? static_cast<channels::Channel*>(&slack_)
                                     : n.channel == "email" ? &email_
                                                            : &webhook_;
        channels::Notification copy = n;
        channel->send(std::move(n), [this, copy](channels::Outcome outcome) {
            finished_.push_back({copy, std::move(outcome)});
        });
    }
    while (!finished_.empty()) {
        auto [n, outcome] = std::move(finished_.front());
        finished_.pop_front();
        settle(n, outcome);
    }
}

void Simulation::settle(const channels::Notification& n, const channels::Outcome& outcome) {
    in_flight_.erase(n.outbox_id);
    std::string expected = outcome.kind == Kind::delivered     ? "delivered"
                           : outcome.kind == Kind::failed      ? "failed"
                           : n.attempt >= policy_.attempts_max ? "failed"
                                                               : "pending";
    const std::string text = "settle outbox row " + std::to_string(n.outbox_id) + " (" + n.channel +
                             ", attempt " + std::to_string(n.attempt) + ") as " + outcome.detail;
    const Digest before = digest();
    const bool commit_fault = arm_faults();
    const double jitter = static_cast<double>(draw(1000)) / 1000.0;
    auto r = engine_->settle_delivery(n, outcome, policy_, jitter);
    const WriteRecord w = after_operation(commit_fault);
    if (!r) {
        log(text + " → " + r.error().message + (w.fault.empty() ? "" : " [" + w.fault + "]"));
        return expect_failed_cleanly("settling a delivery", r.error(), w, commit_fault, before);
    }
    log(text + " → " + r->status);
    expect(r->status == expected,
           "a delivery settled as " + r->status + ", the model expects " + expected);
    const Stored s = read(n.handoff.id);
    check_handoff(s, false);
    check_appended(s, {"delivered", "delivery_failed"});
    const auto row = std::find_if(s.outbox.begin(), s.outbox.end(),
                                  [&](const auto& o) { return o.id == n.outbox_id; });
    expect(row != s.outbox.end(), "the settled outbox row is gone");
    expect(row->status == expected, "outbox row " + std::to_string(row->id) + " is " + row->status +
                                        " after it was settled as " + expected);
    if (expected == "delivered") expect(row->delivered_at == now(), "no delivery time");
    if (expected == "pending") {
        expect(row->next_attempt_at == r->next_attempt_at && row->next_attempt_at > now(),
               "a retry is not scheduled after now");
    }
    adopt(s);
}

// --- reading and checking ----------------------------------------------------------------

Digest Simulation::digest() {
    Digest d;
    const std::int64_t last_handoff = handoffs_.empty() ? 0 : handoffs_.rbegin()->first;
    must(Result<Ok>(raw_->read([&](store::Transaction& tx) -> Status {
             auto states = tx.count_handoffs_by_state();
             if (!states) return states.error();
             d.states = *states;
             auto outbox = tx.count_outbox_by_status();
             if (!outbox) return outbox.error();
             d.outbox = *outbox;
             auto events = tx.list_events({.after_seq = event_seq_max_, .limit = 1});
             if (!events) return events.error();
             d.newer_event = !events->empty();
             auto newer = tx.list_handoffs({.after_id = last_handoff, .limit = 1});
             if (!newer) return newer.error();
             d.newer_handoff = !newer->empty();
             return ok_status();
         })),
         "reading the digest");
    return d;
}

Digest Simulation::model_digest() const {
    Digest d;
    for (auto s : {HandoffState::waiting, HandoffState::accepted, HandoffState::done,
                   HandoffState::declined, HandoffState::cancelled}) {
        d.states[s] = 0;
    }
    for (const char* s : {"pending", "delivered", "failed"}) d.outbox[s] = 0;
    for (const auto& [id, m] : handoffs_) {
        ++d.states[m.s.h.state];
        for (const auto& row : m.s.outbox) ++d.outbox[row.status];
    }
    return d;
}

Stored Simulation::read(std::int64_t id) {
    // Through the engine's read API, as the CLI and the API read.
    Stored s;
    s.h = must(engine_->show(id), "show " + std::to_string(id));
    s.timers = must(engine_->timers(id), "timers of " + std::to_string(id));
    s.outbox = must(engine_->outbox(id), "outbox of " + std::to_string(id));
    return s;
}

void Simulation::check_unchanged(std::int64_t id) {
    const auto found = handoffs_.find(id);
    if (found == handoffs_.end()) {
        // A handoff the failed write created: it must not exist.
        auto h = engine_->show(id);
        expect(!h && h.error().code == ErrorCode::not_found,
               "a failed write left handoff " + std::to_string(id) + " behind");
        return;
    }
    const Stored s = read(id);
    const Stored& m = found->second.s;
    const std::string which = "handoff " + std::to_string(id);
    expect(s.h.timeline == m.h.timeline, "a failed write changed " + which + "'s timeline");
    expect(s.h.revision == m.h.revision && s.h.state == m.h.state && s.h.owner == m.h.owner &&
               s.h.checklist == m.h.checklist && s.h.escalation_level == m.h.escalation_level,
           "a failed write changed " + which);
    auto same_timers = [](const auto& a, const auto& b) {
        return a.id == b.id && a.fired_at == b.fired_at && a.cancelled == b.cancelled &&
               a.due_at == b.due_at;
    };
    expect(
        std::equal(s.timers.begin(), s.timers.end(), m.timers.begin(), m.timers.end(), same_timers),
        "a failed write changed " + which + "'s timers");
    auto same_rows = [](const auto& a, const auto& b) {
        return a.id == b.id && a.status == b.status && a.attempts == b.attempts &&
               a.next_attempt_at == b.next_attempt_at;
    };
    expect(
        std::equal(s.outbox.begin(), s.outbox.end(), m.outbox.begin(), m.outbox.end(), same_rows),
        "a failed write changed " + which + "'s outbox rows");
}

void Simulation::check_handoff(const Stored& s, bool allow_rearm) {
    const auto found = handoffs_.find(s.h.id);
    const ModelHandoff* before = found == handoffs_.end() ? nullptr : &found->second;
    const std::string which = "handoff " + std::to_string(s.h.id);
    if (before != nullptr) {
        const auto& old = before->s.h.timeline;
        expect(s.h.timeline.size() >= old.size() &&
                   std::equal(old.begin(), old.end(), s.h.timeline.begin()),
               which + "'s timeline is not an extension of what it was (append-only)");
        expect(s.h.revision >= before->s.h.revision, which + "'s revision went back");
        expect(s.h.playbook_id == before->s.h.playbook_id &&
                   s.h.created_at == before->s.h.created_at && s.h.giver == before->s.h.giver,
               which + "'s fixed fields changed");
    }
    // Exactly one owner: a person, never a team or nobody; pending_from only while waiting.
    expect(!s.h.owner.empty() && directory_.person(s.h.owner) != nullptr,
           which + " is owned by `" + s.h.owner + "`, not one person");
    expect(s.h.pending_from.empty() || s.h.state == HandoffState::waiting,
           which + " keeps a previous owner accountable while " + state_name(s.h.state));
    check_timeline(s, before != nullptr ? before->first_owner : s.h.owner);
    check_timers(s, before, allow_rearm);
    check_outbox(s, before);
}

void Simulation::check_timeline(const Stored& s, const std::string& first_owner) {
    const std::string which = "handoff " + std::to_string(s.h.id);
    const core::Playbook& pb = playbook(s.h.playbook_id);
    expect(!s.h.timeline.empty() && s.h.timeline.front().kind == "created",
           which + "'s timeline does not start with `created`");
    HandoffState state = HandoffState::waiting;
    std::string owner = first_owner;
    std::vector<bool> checked(s.h.checklist.size(), false);
    int level = 0;
    std::optional<TimePoint> accepted_at, closed_at;
    for (std::size_t i = 0; i < s.h.timeline.size(); ++i) {
        const core::TimelineEntry& e = s.h.timeline[i];
        const std::string at = which + " entry " + std::to_string(i) + " (" + e.kind + ")";
        // The accept ladder: reminders, accept deadlines and accept-side escalations act only
        // while the handoff waits to be accepted.
        const bool accept_side =
            e.kind == "reminded" ||
            (e.kind == "overdue" && e.data.value("deadline", "") == "accept") ||
            (e.kind == "escalated" &&
             core::is_accept_side(core::TimerKind::escalate, e.data.value("level", 0), pb));
        if (accept_side) {
            expect(state == HandoffState::waiting,
                   at + " acted on the accept side while " + state_name(state));
        }
        if (e.kind == "overdue" || e.kind == "escalated") {
            expect(core::is_open(state), at + " acted on a closed handoff");
        }
        if (e.kind == "escalated") level = std::max(level, e.data.value("level", 0));
        if (e.kind == "checked" || e.kind == "unchecked") {
            const int item = e.data.value("item", 0);
            expect(item >= 1 && item <= static_cast<int>(checked.size()), at + ": no such item");
            checked[static_cast<std::size_t>(item - 1)] = e.kind == "checked";
        }
        if (auto next = state_of_entry(e.kind)) {
            if (i > 0) {
                expect(core::is_open(state), at + " after the handoff was closed");
            }
            state = *next;
            if (e.kind == "reassigned") owner = e.data.value("to", "");
            if (e.kind == "accepted") accepted_at = e.at;
            if (e.kind == "done" || e.kind == "cancelled") closed_at = e.at;
        }
    }
    expect(state == s.h.state,
           which + " is " + state_name(s.h.state) + " but its timeline says " + state_name(state));
    expect(owner == s.h.owner,
           which + " is owned by " + s.h.owner + " but its timeline says " + owner);
    for (std::size_t i = 0; i < checked.size(); ++i) {
        expect(
            checked[i] == s.h.checklist[i].checked,
            which + "'s checklist item " + std::to_string(i + 1) + " disagrees with its timeline");
    }
    expect(level == s.h.escalation_level,
           which + "'s escalation level disagrees with its timeline");
    if (s.h.state == HandoffState::accepted) {
        expect(s.h.accepted_at == accepted_at, which + "'s accepted_at is not its accept entry's");
    }
    if (s.h.state == HandoffState::done || s.h.state == HandoffState::cancelled) {
        expect(s.h.closed_at == closed_at, which + "'s closed_at is not its closing entry's");
    }
}

void Simulation::check_timers(const Stored& s, const ModelHandoff* before, bool allow_rearm) {
    const std::string which = "handoff " + std::to_string(s.h.id);
    const core::Playbook& pb = playbook(s.h.playbook_id);
    for (const auto& t : s.timers) {
        const std::string timer = which + "'s timer " + std::to_string(t.id) + " (" +
                                  core::to_string(t.kind) + " " + std::to_string(t.level) + ")";
        expect(t.handoff_id == s.h.id, timer + " names another handoff");
        const bool armed = !t.fired_at && !t.cancelled;
        // Accepting (or declining) stops the accept side; done and cancel stop everything.
        if (armed && !core::is_open(s.h.state)) {
            broken(timer + " is still armed while the handoff is " + state_name(s.h.state));
        }
        if (armed && s.h.state != HandoffState::waiting &&
            core::is_accept_side(t.kind, t.level, pb)) {
            broken(timer + " (accept side) is still armed while the handoff is " +
                   state_name(s.h.state));
        }
        // Every fired timer was fired by a tick the simulation saw commit, at that time.
        if (t.fired_at) {
            const auto f = fired_.find(t.id);
            expect(f != fired_.end(), timer + " is marked fired but no tick fired it");
            expect(f->second.fired_at == *t.fired_at && f->second.handoff_id == s.h.id,
                   timer + " is marked fired at another time than its tick");
            expect(*t.fired_at >= t.due_at, timer + " fired before it was due");
        }
        if (before == nullptr) continue;
        auto old = std::find_if(before->s.timers.begin(), before->s.timers.end(),
                                [&](const auto& o) { return o.id == t.id; });
        if (old == before->s.timers.end()) continue;
        expect(old->kind == t.kind && old->level == t.level && old->due_at == t.due_at &&
                   (old->target == t.target || (allow_rearm && !t.fired_at)),
               timer + " changed what it is: was due " + format_rfc3339(old->due_at) + " for " +
                   old->target + ", now " + format_rfc3339(t.due_at) + " for " + t.target);
        if (old->fired_at) expect(t.fired_at == old->fired_at, timer + " fired again");
        if (old->cancelled && !t.cancelled) {
            expect(allow_rearm && !t.fired_at, timer + " was armed again");
        }
    }
    // The accept deadline shown is the one the armed accept_due timer will act on (after a
    // reassignment too, which gives the new owner a fresh accept side).
    for (const auto& t : s.timers) {
        if (t.kind != core::TimerKind::accept_due || t.fired_at || t.cancelled) continue;
        expect(s.h.deadlines.accept_by == t.due_at,
               which + " shows accept by " +
                   (s.h.deadlines.accept_by ? format_rfc3339(*s.h.deadlines.accept_by) : "-") +
                   " but its armed accept_due timer " + std::to_string(t.id) + " is due " +
                   format_rfc3339(t.due_at));
    }
    if (before != nullptr) {
        for (const auto& old : before->s.timers) {
            expect(std::any_of(s.timers.begin(), s.timers.end(),
                               [&](const auto& t) { return t.id == old.id; }),
                   which + "'s timer " + std::to_string(old.id) + " is gone");
        }
    }
}

void Simulation::check_outbox(const Stored& s, const ModelHandoff* before) {
    const std::string which = "handoff " + std::to_string(s.h.id);
    std::map<std::int64_t, int> delivered_entries, failed_entries;
    for (const auto& e : s.h.timeline) {
        if (e.kind == "delivered") ++delivered_entries[e.data.value("outbox", 0LL)];
        if (e.kind == "delivery_failed") ++failed_entries[e.data.value("outbox", 0LL)];
    }
    for (const auto& row : s.outbox) {
        const std::string r = which + "'s outbox row " + std::to_string(row.id) + " (" +
                              row.channel + " " + row.target + ")";
        expect(row.handoff_id == s.h.id, r + " names another handoff");
        expect(row.status == "pending" || row.status == "delivered" || row.status == "failed",
               r + " has status " + row.status);
        // Delivered and failed reach the timeline once; a pending row not at all.
        expect(delivered_entries[row.id] == (row.status == "delivered" ? 1 : 0),
               r + " is " + row.status + " with " + std::to_string(delivered_entries[row.id]) +
                   " `delivered` entries");
        expect(failed_entries[row.id] == (row.status == "failed" ? 1 : 0),
               r + " is " + row.status + " with " + std::to_string(failed_entries[row.id]) +
                   " `delivery_failed` entries");
        if (row.status == "delivered") expect(row.delivered_at.has_value(), r + ": no time");
        if (row.status == "failed") expect(!row.last_error.empty(), r + ": failed, no error");
        if (before == nullptr) continue;
        auto old = std::find_if(before->s.outbox.begin(), before->s.outbox.end(),
                                [&](const auto& o) { return o.id == row.id; });
        if (old == before->s.outbox.end()) continue;
        expect(old->dedupe_key == row.dedupe_key && old->channel == row.channel &&
                   old->target == row.target,
               r + " changed what it is");
        expect(old->status == "pending" || old->status == row.status,
               r + " went from " + old->status + " back to " + row.status);
        expect(row.attempts >= old->attempts, r + "'s attempts went back");
    }
    if (before != nullptr) {
        for (const auto& old : before->s.outbox) {
            expect(std::any_of(s.outbox.begin(), s.outbox.end(),
                               [&](const auto& o) { return o.id == old.id; }),
                   which + "'s outbox row " + std::to_string(old.id) + " is lost");
        }
    }
}

void Simulation::check_appended(const Stored& s, const std::set<std::string>& kinds) {
    const ModelHandoff& was = handoffs_.at(s.h.id);
    bool reassigned = false;
    for (std::size_t i = was.s.h.timeline.size(); i < s.h.timeline.size(); ++i) {
        const auto& e = s.h.timeline[i];
        expect(kinds.count(e.kind) > 0, "handoff " + std::to_string(s.h.id) + " got a `" + e.kind +
                                            "` entry from the wrong operation");
        expect(e.actor == "baton", "a system entry names " + e.actor);
        reassigned = reassigned || e.kind == "reassigned";
    }
    if (!reassigned) {
        expect(s.h.state == was.s.h.state && s.h.owner == was.s.h.owner,
               "handoff " + std::to_string(s.h.id) + " changed state or owner without an entry");
    }
}

void Simulation::check_new_handoff(const Stored& s, const std::string& pb_id,
                                   const std::string& owner, bool unowned) {
    const std::string which = "new handoff " + std::to_string(s.h.id);
    expect(handoffs_.count(s.h.id) == 0, which + " has the id of an existing one");
    expect(s.h.playbook_id == pb_id, which + " is of playbook " + s.h.playbook_id);
    expect(s.h.state == HandoffState::waiting, which + " is not waiting");
    expect(s.h.owner == owner && s.h.unowned == unowned,
           which + " is owned by " + s.h.owner + (s.h.unowned ? " (unowned)" : "") +
               ", the model expects " + owner + (unowned ? " (unowned)" : ""));
    expect(s.h.created_at == now(), which + " was not created now");
    const bool noted = std::any_of(s.h.timeline.begin(), s.h.timeline.end(),
                                   [](const auto& e) { return e.kind == "unowned"; });
    expect(noted == unowned, which + ": the `unowned` entry disagrees with the flag");
    const core::Playbook& pb = playbook(pb_id);
    expect(s.h.checklist.size() == pb.checklist.size(), which + " lacks checklist items");
    expect(s.outbox.size() == pb.checkpoint.size(), which + " lacks checkpoint messages");
    for (const auto& row : s.outbox) {
        expect(row.status == "pending" && row.attempts == 0 && row.next_attempt_at == now(),
               which + "'s checkpoint message is not pending now");
    }
    const std::size_t timers = (pb.accept_within ? 1 : 0) + (pb.done_within ? 1 : 0) +
                               pb.remind.size() + pb.escalate.size();
    expect(s.timers.size() == timers, which + " has " + std::to_string(s.timers.size()) +
                                          " timers, not " + std::to_string(timers));
    check_handoff(s, false);
    check_accept_ladder(s, pb, now(), owner);
    adopt(s, owner);
}

// The accept side planned from `start` on the owner's calendar: each deadline lies exactly
// its span of working time after the start (across DST changes too); on 24x7, of plain time.
void Simulation::check_accept_ladder(const Stored& s, const core::Playbook& pb, TimePoint start,
                                     const std::string& owner) {
    const core::Calendar cal = pb.calendar_24x7 ? core::Calendar::always() : calendar_of(owner);
    auto expect_at = [&](core::TimerKind kind, int level, const core::Span& span) {
        if (span.days != 0 || span.weeks != 0) return;  // day arithmetic is not elapsed time
        const bool found = std::any_of(s.timers.begin(), s.timers.end(), [&](const auto& t) {
            // Armed, or fired already when the clock came back to plan the same instant
            // again (insert_timers keeps one timer per handoff, kind, level and due time).
            return t.kind == kind && t.level == level && !t.cancelled && t.due_at >= start &&
                   cal.working_between(start, t.due_at) ==
                       std::chrono::duration_cast<Milliseconds>(span.clock) &&
                   (cal.is_24x7() || cal.is_working(t.due_at - Milliseconds(1)));
        });
        expect(found, "handoff " + std::to_string(s.h.id) + " has no armed " +
                          core::to_string(kind) + " " + std::to_string(level) + " timer " +
                          "at its span of " + owner + "'s working time after " +
                          format_rfc3339(start) + " (" + cal.time_zone() + ")");
    };
    if (pb.accept_within) expect_at(core::TimerKind::accept_due, 0, *pb.accept_within);
    for (std::size_t i = 0; i < pb.remind.size(); ++i) {
        expect_at(core::TimerKind::remind, static_cast<int>(i + 1), pb.remind[i]);
    }
    for (std::size_t i = 0; i < pb.escalate.size(); ++i) {
        if (pb.escalate[i].on != core::EscalationSide::accept) continue;
        expect_at(core::TimerKind::escalate, static_cast<int>(i + 1), pb.escalate[i].after);
    }
}

void Simulation::adopt(const Stored& s, const std::string& first_owner) {
    ModelHandoff& m = handoffs_[s.h.id];
    m.s = s;
    m.first_owner = first_owner;
}

void Simulation::adopt(const Stored& s) {
    adopt(s, handoffs_.at(s.h.id).first_owner);
}

void Simulation::check_globals() {
    const Digest stored = digest();
    const Digest model = model_digest();
    expect(stored == model, "the store's counts {" + describe(stored) + "} are not the model's {" +
                                describe(model) + "}");
}

// Every handoff and every acknowledged event in the store equals the model.
void Simulation::deep_check() {
    std::set<std::int64_t> listed;
    must(Result<Ok>(raw_->read([&](store::Transaction& tx) -> Status {
             store::HandoffFilter f;
             f.limit = 1000;
             for (;;) {
                 auto page = tx.list_handoffs(f);
                 if (!page) return page.error();
                 if (page->empty()) return ok_status();
                 for (const auto& h : *page) listed.insert(h.id);
                 f.after_id = page->back().id;
             }
         })),
         "listing handoffs");
    std::set<std::int64_t> modelled;
    for (const auto& [id, m] : handoffs_) modelled.insert(id);
    expect(listed == modelled, "the store holds " + std::to_string(listed.size()) +
                                   " handoffs, the model " + std::to_string(modelled.size()));
    for (const auto& [id, m] : handoffs_) {
        check_unchanged(id);
        check_handoff(read(id), false);
    }
    for (const auto& [key, e] : events_) {
        std::optional<store::EventRecord> stored;
        std::vector<std::int64_t> ids;
        must(Result<Ok>(raw_->read([&](store::Transaction& tx) -> Status {
                 auto ev = tx.event(key.first, key.second);
                 if (!ev) return ev.error();
                 stored = *ev;
                 auto of = tx.handoffs_of_event(key.first, key.second);
                 if (!of) return of.error();
                 ids = *of;
                 return ok_status();
             })),
             "reading an event");
        if (e.acknowledged) {
            if (!stored) ++stats_.events_lost;
            expect(stored.has_value() && stored->seq == e.seq && ids == e.handoffs,
                   "acknowledged event " + key.first + "/" + key.second + " is lost or changed");
        } else {
            expect(!stored.has_value(), "event " + key.first + "/" + key.second +
                                            " was never acknowledged, yet it is stored");
        }
    }
}

// At the end: no more faults; the clock runs on until every message has reached delivered
// or failed and no timer is due; then the store is closed, opened again and checked whole.
void Simulation::finish_run() {
    faults_on_ = false;
    log("the end: answering, dispatching and ticking until quiet");
    for (int round = 0; round < 200; ++round) {
        slack_.answer_held(1000);
        email_.answer_held(1000);
        webhook_.answer_held(1000);
        while (!finished_.empty()) {
            auto [n, outcome] = std::move(finished_.front());
            finished_.pop_front();
            settle(n, outcome);
        }
        tick(1000);
        dispatch(1000);
        Digest d = digest();
        const bool quiet =
            d.outbox["pending"] == 0 && slack_.held() + email_.held() + webhook_.held() == 0;
        if (quiet && round > 0) break;
        clock_.advance(hours(3));
        check_globals();
    }
    const Digest d = digest();
    expect(d.outbox.at("pending") == 0,
           "outbox rows still pending after the run: " + std::to_string(d.outbox.at("pending")));
    deep_check();
    // What was acknowledged survives closing and opening the store.
    open();
    deep_check();
}

// --- the model's rules ---------------------------------------------------------------------

core::Actor Simulation::actor_of(const std::string& handle) const {
    const core::Person* p = directory_.person(handle);
    return core::Actor{handle, p ? p->role : core::Role::member, directory_.teams_of(handle)};
}

const core::Calendar& Simulation::calendar_of(const std::string& handle) const {
    static const core::Calendar always = core::Calendar::always();
    const core::Person* p = directory_.person(handle);
    return p ? p->calendar : always;
}

// Whether the rules (docs/playbooks.md, "States") allow `action`; the refusal's code if not.
std::optional<ErrorCode> Simulation::predict(const core::Handoff& h, const core::Action& action,
                                             const core::Actor& actor) const {
    using E = ErrorCode;
    if (actor.role == core::Role::viewer) return E::forbidden;
    const bool admin = actor.role == core::Role::admin;
    const bool owner = actor.handle == h.owner || admin;
    const bool giver =
        actor.handle == h.giver || admin ||
        std::find(actor.teams.begin(), actor.teams.end(), h.giver) != actor.teams.end();
    const HandoffState s = h.state;
    const bool open = core::is_open(s);
    return std::visit(
        [&](const auto& a) -> std::optional<E> {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, core::Accept>) {
                if (!owner) return E::forbidden;
                if (s != HandoffState::waiting) return E::conflict;
            } else if constexpr (std::is_same_v<A, core::Decline>) {
                if (!owner) return E::forbidden;
                if (s != HandoffState::waiting && s != HandoffState::accepted) return E::conflict;
                if (a.reason.empty()) return E::invalid_argument;
            } else if constexpr (std::is_same_v<A, core::Finish>) {
                if (!owner) return E::forbidden;
                if (s != HandoffState::accepted) return E::conflict;
                const bool all = std::all_of(h.checklist.begin(), h.checklist.end(),
                                             [](const auto& i) { return i.checked; });
                if (!all && !a.force) return E::conflict;
            } else if constexpr (std::is_same_v<A, core::Cancel>) {
                if (!giver) return E::forbidden;
                if (!open) return E::conflict;
            } else if constexpr (std::is_same_v<A, core::Reassign>) {
                if (!giver && actor.handle != h.owner) return E::forbidden;
                if (!open) return E::conflict;
                if (a.to == h.owner && s != HandoffState::declined) return E::conflict;
            } else if constexpr (std::is_same_v<A, core::Check>) {
                if (!owner) return E::forbidden;
                if (s != HandoffState::accepted) return E::conflict;
                if (a.item < 1 || a.item > static_cast<int>(h.checklist.size())) {
                    return E::not_found;
                }
                if (h.checklist[static_cast<std::size_t>(a.item - 1)].checked == a.checked) {
                    return E::conflict;
                }
            }
            return std::nullopt;  // Comment: anyone but a viewer
        },
        action);
}

}  // namespace

SimResult run_simulation(const SimOptions& options) {
    return Simulation(options).run();
}

}  // namespace baton::sim
