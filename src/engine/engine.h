// Engine: Baton's use cases over the pure core and the Store interface — apply playbooks
// and people, ingest events into handoffs, act on handoffs, and answer the reads (list,
// show, relay, report). It is the local implementation of Service (service.h), the
// interface the CLI works through. Every write is one Store transaction: an ingested
// event, the handoffs it creates, their timers and outbox rows commit together or not at
// all.
//
// Ownership: borrows the Store and the Clock, which must outlive it. Threading: safe to
// call from several threads; the parsed-playbook and people caches are guarded by a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "channels/channel.h"
#include "core/channels.h"
#include "core/deadlines.h"
#include "core/delivery.h"
#include "core/event.h"
#include "core/handoff.h"
#include "core/people.h"
#include "core/playbook.h"
#include "core/report.h"
#include "core/sources.h"
#include "engine/clock.h"
#include "engine/service.h"
#include "store/store.h"

namespace baton::engine {

// people.yaml (or people.yml) is the people file, sources.yaml the inbound webhook sources;
// every other file is a playbook.
bool is_people_file(const std::string& path);

// Lints one message template (templates/NAME.md): its name, size and placeholders.
std::vector<core::Diagnostic> lint_message_template(const SourceFile& f);

struct LintReport {
    core::Diagnostics errors;
    int playbooks = 0;
    bool people = false;
    int sources = 0;    // sources.yaml files
    int channels = 0;   // channels.yaml files
    int templates = 0;  // message templates
};

// Lints playbooks and people together: each file on its own, then across files (ids,
// `next`, handles). `people` is the people file to check handles against when `files`
// has none (may be null: then handles are not checked). Needs no store.
LintReport lint_sources(const std::vector<SourceFile>& files, const SourceFile* people);

class Engine;

// An engine with the store it runs on, as the application opens them. The engine is
// destroyed before the store it borrows.
struct Opened {
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Engine> engine;
};
// Opens the store named by a database URL ("sqlite:PATH") and an engine on it; supplied by
// the application, which alone knows the store implementations.
using OpenEngine = std::function<Result<Opened>(const std::string& db_url, bool create)>;

// The local implementation of Service (service.h), plus what only the server needs.
class Engine : public Service {
public:
    Engine(store::Store& store, const Clock& clock);

    // Lints `files` (with the stored people when no people file is among them) and, if
    // clean, stores each as a new version. All or nothing: one error stores nothing, and
    // the errors come back as an invalid_argument whose message lists them, one per line.
    Result<std::vector<AppliedFile>> apply(const std::vector<SourceFile>& files) override;
    // Lints `files` as apply() would (against the stored people and playbooks), storing
    // nothing: the errors of these files first. For the board's live validation.
    Result<LintReport> lint_with_store(const std::vector<SourceFile>& files);
    // The current version of people.yaml, sources.yaml and each playbook, for `export`.
    Result<std::vector<SourceFile>> current_sources() override;

    // Validates and stores an event and creates the handoffs of every playbook it
    // matches, in one transaction. The same (source, id) again creates nothing and
    // answers duplicate with the handoffs of the first time.
    Result<IngestResult> ingest(const core::Event& event) override;
    // ingest() without blocking the caller, for the HTTP I/O threads: the handoffs are
    // planned here from the cached configuration (templates, owners, deadlines, rows), so
    // that the store's commit only stores them. `done` gets what ingest() would have
    // answered, after the durable commit, on a store thread: it must only hand it on.
    using IngestDone = std::function<void(Result<IngestResult>)>;
    void ingest_async(const core::Event& event, IngestDone done);
    // The dry run of a delivery (service.h): one read transaction over the planning that
    // ingest() does, with the round-robin counters peeked rather than bumped.
    Result<DeliveryTest> test_delivery(const std::string& source_name, const std::string& payload,
                                       const core::DeliveryFacts& facts) override;
    // Waits for the ingest_async() calls still in flight.
    ~Engine() override;

    // The person acting: a handle from people.yaml. Unknown handles are refused.
    Result<core::Actor> actor(const std::string& handle);
    // The local operator, who runs the CLI on the workspace itself: an admin.
    static core::Actor local_operator();
    // actor(handle), or the local operator for an empty handle.
    Result<core::Actor> acting_as(const std::string& handle) override;

    // Performs an action on a handoff as `actor`; answers the handoff after it.
    Result<core::Handoff> act(std::int64_t id, const core::Action& action,
                              const core::Actor& actor) override;
    // Reassign takes a handle (person, or team resolved by its rule).
    Result<core::Handoff> reassign(std::int64_t id, const std::string& to,
                                   const std::string& reason,
                                   const core::Actor& actor) override;

    Result<core::Handoff> show(std::int64_t id) override;
    Result<std::vector<core::Handoff>> list(const ListQuery& query) override;
    Result<Relay> relay(const std::string& subject) override;
    Result<std::vector<core::ReportRow>> report(Milliseconds since,
                                               core::ReportBy by) override;
    Result<std::vector<store::EventRecord>> events(const store::EventFilter& filter) override;
    // Handoffs started within `since`, day by day (core::build_series).
    Result<std::vector<core::SeriesDay>> series(Milliseconds since);
    Result<std::vector<store::TimerRecord>> timers(std::int64_t handoff_id);
    Result<std::vector<store::OutboxRecord>> outbox(std::int64_t handoff_id);

    // API tokens. create_token: the person must exist. authenticate: not_found for a
    // secret that is unknown or revoked (the API answers 401), else the person it acts as.
    Result<NewToken> create_token(const std::string& handle, const std::string& label) override;
    Status revoke_token(std::int64_t id) override;
    Result<std::vector<store::TokenRecord>> tokens() override;
    Result<core::Actor> authenticate(const std::string& secret);

    // Browser sign-in (engine_sessions.cpp). sign_in: `login` is a handle or an email
    // address of people.yaml; a wrong login and a wrong password get the same refusal
    // (forbidden, field "login") in about the same time. The session's secret goes to the
    // cookie and only its hash to the store. session(): the person of a live session
    // (not_found when unknown, signed out or expired). sign_out ends one session.
    Status set_password(const std::string& handle, const std::string& password) override;
    struct SignedIn {
        std::string secret;
        core::Actor actor;
        std::string name;
        TimePoint expires_at{};
    };
    Result<SignedIn> sign_in(const std::string& login, const std::string& password,
                             Milliseconds ttl);
    Result<core::Actor> session(const std::string& secret);
    // The key that sign-in limits count `login` under: the handle of the person it names
    // (by handle or email), so that both share one count; else the login itself, lowered.
    std::string login_key(const std::string& login);
    // Whether `password` is `handle`'s: ok, or forbidden naming `field` (a wrong password,
    // or none set), in the time of one Argon2id check either way.
    Status check_password(const std::string& handle, const std::string& password,
                          const std::string& field);
    // Of `handles`, those with no sign-in password set (for `baton doctor`).
    Result<std::vector<std::string>> without_password(const std::vector<std::string>& handles);
    Status sign_out(const std::string& secret);
    // Housekeeping: removes expired sessions, at most `limit` a call.
    Result<std::int64_t> expire_sessions(std::size_t limit);

    // Live updates: the handoffs changed after change number `after` (each at its latest
    // change, at most `limit`), and the latest change number.
    Result<std::vector<store::HandoffChange>> changes(std::int64_t after, std::size_t limit);
    Result<std::int64_t> last_change_seq();
    // Hears handoff changes committed by other nodes (Store::listen_for_changes); null
    // when the store cannot.
    std::unique_ptr<store::ChangeListener> listen_for_changes(std::function<void()> on_change) {
        return store_.listen_for_changes(std::move(on_change));
    }
    // The people and teams of the current people.yaml (empty when there is none).
    Result<std::shared_ptr<const core::Directory>> directory();

    // The stored text of a playbook (its current version) and of people.yaml.
    Result<store::PlaybookRecord> playbook_record(const std::string& id);
    Result<std::vector<store::PlaybookRecord>> playbook_records();
    Result<std::optional<store::DocumentRecord>> people_record();
    Result<std::optional<store::DocumentRecord>> sources_record();
    // The current version of one stored document ("channels", "template:NAME"), and of
    // every message template (kind "template:NAME"), in name order.
    Result<std::optional<store::DocumentRecord>> document_record(const std::string& kind);
    Result<std::vector<store::DocumentRecord>> template_records();
    // The inbound webhook source called `name` (not_found when there is none).
    Result<core::Source> source(const std::string& name);
    // Like apply, for one file, refusing with conflict (field "If-Match") when the
    // current version is not `if_version` (0: it must not exist yet).
    Result<AppliedFile> put_source(const SourceFile& file, std::optional<int> if_version);

    // POST /hooks/{source} (engine_hooks.cpp): a call as the HTTP layer received it, and
    // what became of it. Every call is logged (store::HookDeliveryRecord) with its headers,
    // credentials redacted, and body — except refusals that were never verified past a
    // budget a minute per source (hook_refusals_unlogged counts those).
    struct HookCall {
        std::string source;  // the path's name
        std::string method = "POST";
        std::string uri;  // the URL the sender called (HubSpot v3 signs it)
        std::vector<std::pair<std::string, std::string>> headers;
        std::string body;
    };
    struct HookReceipt {
        std::int64_t delivery_id = 0;  // 0: not logged (over the budget)
        // accepted, unmatched, duplicate, challenge or refused (HookDeliveryRecord).
        std::string outcome;
        std::string stage;             // of a refusal: source, signature, body, …
        std::optional<Error> refusal;  // why, with its field
        bool batch = false;            // the source sends arrays: answer each event
        std::vector<std::pair<core::Event, IngestResult>> events;
        std::string challenge;  // Slack's url_verification, to answer
    };
    // Verifies, maps and ingests one call: the events and the log row commit together.
    // An error only when the store fails; a refusal is a receipt with `refusal` set.
    Result<HookReceipt> receive_hook(const HookCall& call);
    // Runs a refused delivery again through the source's current secrets (checked as of
    // when it arrived), mapping and playbooks. Once: conflict when it was replayed already,
    // was not refused, is itself a replay, or its body or credential was not kept whole.
    // Answers the replay's own log row.
    Result<store::HookDeliveryRecord> replay_hook_delivery(std::int64_t id) override;
    // An inbound source added from a preset without editing YAML (the board): appended to
    // the stored sources.yaml, with a new random secret that is answered here once and
    // never shown again. invalid_argument for an unknown preset or a bad name (field
    // preset, name), conflict for a name taken or a sources.yaml Baton cannot add to.
    struct NewSource {
        std::string name;
        std::string preset;
        std::string url;  // the path to give the sender: /hooks/NAME
        std::string secret;
    };
    Result<NewSource> add_source(const std::string& name, const std::string& preset);
    // A test delivery: the source's preset sample, signed with its secret as the vendor
    // signs, through the whole pipeline (verified, mapped, ingested, logged). Answers its
    // log entry. conflict for a source without a preset (its sender's body is unknown).
    Result<store::HookDeliveryRecord> send_sample_delivery(const std::string& name);
    // Why `d` cannot be replayed (conflict, naming the field), or nullopt when it can: it
    // was refused, is not itself a replay, was not replayed yet, and its body was kept whole.
    static std::optional<Error> replay_refusal(const store::HookDeliveryRecord& d);
    Result<std::vector<store::HookDeliveryRecord>> hook_deliveries(
        const store::HookDeliveryFilter& filter) override;
    Result<store::HookDeliveryRecord> hook_delivery(std::int64_t id) override;
    // Housekeeping: removes deliveries older than `keep`, at most `limit` a call.
    Result<std::int64_t> expire_hook_deliveries(Milliseconds keep, std::size_t limit);
    std::int64_t hook_refusals_unlogged() const { return hook_refusals_unlogged_.load(); }

    // Idempotency-Key support for the API.
    Result<std::optional<store::IdempotencyRecord>> idempotent_answer(const std::string& scope,
                                                                      const std::string& key);
    Status remember_answer(const store::IdempotencyRecord& record);

    // The scheduler's step: fires the timers due at the clock's now, oldest first, at most
    // `limit`, in one transaction. Each timer fires at most once (the store marks it), so a
    // clock that jumps back fires nothing again, and one that jumps forward fires each
    // timer it passed, once. `lags` are now − due_at of the fired timers.
    struct TimerTick {
        int fired = 0;  // timers that did something (reminded, escalated, overdue)
        int spent = 0;  // timers found due whose handoff had moved on
        std::vector<Milliseconds> lags;
        std::optional<TimePoint> next_due;  // the earliest armed timer left
    };
    Result<TimerTick> fire_due_timers(std::size_t limit);

    // The dispatcher's side of the outbox (dispatcher.h). lease_notifications leases the
    // rows due now (at most `limit`, for `lease`) and resolves each into a Notification:
    // the handoff, who it is for, the rendered template, the links. A row that cannot be
    // resolved (a person without an email address, a missing template) fails at once, on
    // its timeline. Without a channels.yaml nothing is leased: messages wait for one.
    struct Lease {
        std::vector<channels::Notification> notifications;
        std::optional<TimePoint> next_due;
        bool configured = true;
    };
    Result<Lease> lease_notifications(std::size_t limit, Milliseconds lease);
    // Records how one attempt ended: delivered, retry later, or failed for good (then on
    // the handoff's timeline, as a delivery is when it succeeds).
    Result<core::Settlement> settle_delivery(const channels::Notification& n,
                                             const channels::Outcome& outcome,
                                             const core::RetryPolicy& policy, double jitter);

    // One-click links (email): a signed, expiring, single-use token that performs `action`
    // ("accept" or "done") on a handoff as `handle`. use_link verifies it, spends it and
    // performs the action; a token used before is a conflict, an expired or forged one
    // forbidden.
    Result<std::string> make_link(std::int64_t handoff_id, const std::string& action,
                                  const std::string& handle, TimePoint expires);
    struct LinkUse {
        std::int64_t handoff_id = 0;
        std::string action;
        std::string handle;
    };
    Result<LinkUse> peek_link(const std::string& token);  // verifies, performs nothing
    Result<core::Handoff> use_link(const std::string& token);

    // Slack interactivity: the person whose Slack user id is `slack_user` (people.yaml
    // `slack:`) performs `action_id` — "baton_accept" or "baton_done" — on handoff `id`, and
    // the Slack message is updated through `response_url` by the dispatcher (an outbox row:
    // the request itself never calls out). forbidden for an unknown Slack user.
    Result<core::Handoff> act_from_slack(const std::string& slack_user,
                                         const std::string& action_id, std::int64_t id,
                                         const std::string& response_url);

    // Housekeeping: forgets stored Idempotency-Key answers older than `ttl`, and spent
    // one-click links once they could no longer be used anyway; at most `limit` a call.
    Result<std::int64_t> expire_idempotency(Milliseconds ttl, std::size_t limit);

    // The parsed channels.yaml (empty when none is stored).
    Result<std::shared_ptr<const core::ChannelsConfig>> channels_config();
    // Whether a channels.yaml is stored: without one the dispatcher sends nothing.
    Result<bool> channels_applied();

    // For /readyz and /metrics.
    Status ready();
    Result<std::map<core::HandoffState, std::int64_t>> handoff_counts();
    // Outbox rows by status ("pending", "delivered", "failed").
    Result<std::map<std::string, std::int64_t>> outbox_counts();
    std::size_t pending_writes() const { return store_.pending_writes(); }

    // A consistent copy of the whole store into `path`.
    Status backup(const std::string& path) override { return store_.backup(path); }
    std::string describe_store() const override { return store_.describe(); }
    // Copies this engine's whole store, every table as it is (ids, history, counters), into
    // `target`'s, which must be empty: one snapshot of this store, one transaction on the
    // target (`baton migrate`). Answers the rows copied per table.
    Result<store::CopySummary> copy_store_into(Engine& target) {
        return store_.copy_into(target.store_);
    }

    TimePoint now() const override { return clock_.now(); }

private:
    struct Snapshot;        // the parsed playbooks and people of one store state
    struct PlannedIngest;   // an ingest_async() call, planned before its write
    struct DryRun;          // a test_delivery() call: where the effects it finds go

    // One value read in one read transaction: the shape of most of the reads below.
    template <class T, class Fetch>
    Result<T> read_value(Fetch&& fetch) {
        std::optional<T> out;
        Status st = store_.read([&](store::Transaction& tx) -> Status {
            Result<T> r = fetch(tx);
            if (!r) return r.error();
            out = std::move(r).value();
            return ok_status();
        });
        if (!st) return st.error();
        return std::move(*out);
    }
    // The parsed configuration as `tx` sees it. Only a snapshot read in a read transaction
    // (committed data) is cached: inside a write, versions may still be rolled back and
    // their numbers reused, so a write builds afresh when the cache does not match.
    // `stale`, when given, is set when the cache did not match and the snapshot was built.
    Result<std::shared_ptr<const Snapshot>> snapshot(store::Transaction& tx, bool committed,
                                                     bool* stale = nullptr);
    // Warms the snapshot cache from committed data (a cheap version check when warm).
    Status refresh_snapshot();
    Result<std::shared_ptr<const core::Playbook>> playbook_version(store::Transaction& tx,
                                                                   const std::string& id,
                                                                   int version);
    // The positions in snap.playbooks of the playbooks `event` matches, in order.
    static std::vector<std::size_t> matching(const Snapshot& snap, const core::Event& event);
    // With `dry`, the handoffs are planned into it and nothing is written (test_delivery).
    Status match_in(store::Transaction& tx, const core::Event& event, TimePoint now,
                    IngestResult& out, bool* stale, DryRun* dry = nullptr);
    // ingest() inside `tx`: stores the (validated) event, and unless it is a duplicate
    // creates its handoffs, ticks checklists and records the matches.
    Status ingest_in(store::Transaction& tx, const core::Event& event, TimePoint now,
                     IngestResult& out, bool* stale);
    // The hook pipeline (engine_hooks.cpp) for a call received at `received`; `original` is
    // the logged delivery it replays, or null for a sender's call.
    Result<HookReceipt> run_hook(const HookCall& call, TimePoint received,
                                 const store::HookDeliveryRecord* original);
    // Whether a refused call that was not verified may still be logged: a budget per
    // source name a minute (hook_unverified_log_per_minute), so that forged calls cannot
    // fill the store.
    bool unverified_log_allowed(const std::string& source, TimePoint now);
    std::shared_ptr<PlannedIngest> plan_ingest(const core::Event& event, TimePoint now);
    bool has_snapshot();
    Status store_planned(store::Transaction& tx, PlannedIngest& plan);
    // `subject_carried`, when given, is the subject a relay carries over (it wins over the
    // playbook's subject template, so that one subject groups the whole relay). With `dry`,
    // the handoff is planned into it, not stored.
    Status create_handoff(store::Transaction& tx, const Snapshot& snap, const core::Playbook& pb,
                          int version, const core::Event& event, TimePoint now, IngestResult& out,
                          const std::string* subject_carried = nullptr, DryRun* dry = nullptr);
    Result<bool> store_event(store::Transaction& tx, const core::Event& event, TimePoint now,
                             IngestResult& out);
    // `next:` — starts playbook `next_id` for a handoff that is done, carrying its subject
    // and data, and notes the relay on both timelines.
    Status relay_next(store::Transaction& tx, const Snapshot& snap, const core::Handoff& done,
                      const std::string& next_id, TimePoint now);
    // Ticks the checklist items that `event` completes on the open handoffs of its subject.
    // `current` is the configuration `tx` sees, when the caller has it (else it is read).
    // The ticked handoffs' ids are appended to `out.ticked_ids`. With `dry`, the ticks are
    // noted in it and nothing is written.
    Status tick_checklists(store::Transaction& tx, const core::Event& event, TimePoint now,
                           IngestResult& out, const Snapshot* current = nullptr,
                           DryRun* dry = nullptr);
    // One event of a dry run: a duplicate, or the handoffs and ticks it would make.
    Status test_event(store::Transaction& tx, const core::Event& event, TimePoint now, DryRun& dry);
    // Notes on the stored event how many handoffs it created or ticked: an event that did
    // either matched, and is not listed as unmatched.
    static Status record_matches(store::Transaction& tx, const core::Event& event,
                                 const IngestResult& out);
    // A person handle for `wanted` as a timer or escalation names it: a template rendered
    // against the handoff, a team resolved by its rule; an unknown name is kept as written.
    Result<std::string> resolve_person(store::Transaction& tx, const Snapshot& snap,
                                       const core::Handoff& h, const std::string& wanted);
    Result<std::shared_ptr<const core::ChannelsConfig>> channels_in(store::Transaction& tx);
    // The workspace's link key as `tx` sees it (made when missing and `create`); see the
    // rules in engine_outbox.cpp. remember_link_key caches it once its transaction has
    // committed; retry_link_key_race runs a write again when it lost the race to make it.
    Result<std::string> link_key(store::Transaction& tx, bool create);
    void remember_link_key(const std::string& key);
    Status retry_link_key_race(const store::TransactionFn& fn);
    Result<std::optional<channels::Notification>> resolve_row(
        store::Transaction& tx, const store::OutboxRecord& row,
        const std::shared_ptr<const core::ChannelsConfig>& config, const std::string& key,
        TimePoint now);
    // Fires one timer (already marked fired); false when its handoff had moved on.
    Result<bool> fire_one(store::Transaction& tx, const Snapshot& snap,
                          const store::TimerRecord& timer, TimePoint now);
    Result<LintReport> lint_in(store::Transaction& tx, const std::vector<SourceFile>& files);
    // Every handoff started at or after `since`, page by page (reports).
    // with_timelines: each handoff's timeline too (the report's holds: who held it when).
    Result<std::vector<core::Handoff>> created_since(TimePoint since, bool with_timelines);
    Status apply_in(store::Transaction& tx, const std::vector<SourceFile>& files,
                    TimePoint now, std::vector<AppliedFile>& applied);
    Status act_in(store::Transaction& tx, std::int64_t id, const core::Action& action,
                  const core::Actor& actor, TimePoint now, core::Handoff& after);
    Status apply_effects(store::Transaction& tx, const core::Handoff& before,
                         const core::Transition& t, TimePoint now);
    // The accept side of `pb` planned from `now` on `owner`'s calendar (a reassignment).
    Result<core::DeadlinePlan> accept_side_plan(store::Transaction& tx, const core::Playbook& pb,
                                                const std::string& owner, TimePoint now);
    // An escalation reassigned `next`: its new owner gets a fresh accept window counted from
    // `now` in their hours — the accept-by, reminders and accept deadline a manual reassign
    // gives — while the escalation ladder goes on as planned.
    Status restart_accept_window(store::Transaction& tx, const core::Playbook& pb,
                                 core::Handoff& next, TimePoint now);

    store::Store& store_;
    const Clock& clock_;

    std::mutex cache_mutex_;
    // The snapshot of the last config version seen: ingest reuses it while no playbook or
    // people version changes.
    std::int64_t snapshot_version_ = -1 /* GUARDED_BY(cache_mutex_) */;
    std::shared_ptr<const Snapshot> snapshot_ /* GUARDED_BY(cache_mutex_) */;
    // Parsed playbooks by "id@version", each with the text it was parsed from: a hit counts
    // only when the text is the same, so a rolled-back version number cannot poison it.
    struct ParsedPlaybook {
        std::string yaml;
        std::shared_ptr<const core::Playbook> playbook;
    };
    std::map<std::string, ParsedPlaybook> playbook_cache_ /* GUARDED_BY(cache_mutex_) */;
    // The parsed people, with the text they were parsed from.
    std::string directory_text_ /* GUARDED_BY(cache_mutex_) */;
    std::shared_ptr<const core::Directory> directory_ /* GUARDED_BY(cache_mutex_) */;
    std::string channels_text_ /* GUARDED_BY(cache_mutex_) */;
    std::shared_ptr<const core::ChannelsConfig> channels_ /* GUARDED_BY(cache_mutex_) */;
    // Loaded once, from a committed transaction, and never changes.
    std::string link_key_ /* GUARDED_BY(cache_mutex_) */;
    std::string sources_text_ /* GUARDED_BY(cache_mutex_) */;
    std::shared_ptr<const core::SourceList> sources_ /* GUARDED_BY(cache_mutex_) */;
    // Set when a planned ingest found the configuration changed: the next plan refreshes
    // the cached snapshot first.
    std::atomic<bool> snapshot_stale_{false};
    std::atomic<int> ingests_in_flight_{0};
    // unverified_log_allowed(): per source name (or "?" past hook_budget_sources_max
    // names), the minute counted and the refusals logged in it.
    struct HookBudget {
        std::int64_t minute = 0;
        int logged = 0;
    };
    std::mutex hook_budget_mutex_;
    std::map<std::string, HookBudget> hook_budget_ /* GUARDED_BY(hook_budget_mutex_) */;
    std::atomic<std::int64_t> hook_refusals_unlogged_{0};
    std::mutex retired_mutex_;
    std::vector<std::shared_ptr<PlannedIngest>> retired_ /* GUARDED_BY(retired_mutex_) */;
};

}  // namespace baton::engine
