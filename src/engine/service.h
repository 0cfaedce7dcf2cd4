// Service: the operations the command line performs on Baton, whether on a local workspace
// (engine::Engine over a store) or on a Baton server through its API (http::RemoteService).
// The CLI sees only this interface, so every command works the same in both modes and
// prints the same output: the values that come back are the same domain values.
//
// The interface is narrow on purpose: exactly what the CLI's commands need. What only the
// server needs (authentication, idempotency, readiness, put_source with If-Match) stays on
// Engine.
//
// Ownership: whoever opens a service owns it (the CLI's Context); a service borrows what
// it was given (the engine its store and clock, the remote service its clock). Threading:
// each implementation says; Engine is safe from several threads, RemoteService is not (it
// holds one connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/handoff.h"
#include "core/report.h"
#include "core/sources.h"
#include "core/time.h"
#include "store/store.h"

namespace baton::engine {

// A YAML file as the CLI read it: its path (for diagnostics) and its text.
struct SourceFile {
    std::string path;
    std::string text;
};

struct AppliedFile {
    std::string path;
    std::string id;  // the playbook id, "people" or "sources"
    int version = 0;
    bool changed = false;
};

struct IngestResult {
    bool duplicate = false;
    std::vector<std::int64_t> handoff_ids;
    int playbooks_matched = 0;
    // The open handoffs whose checklist the event ticked: such an event matched too, and
    // the store counts these with the created ones (empty for a duplicate).
    std::vector<std::int64_t> ticked_ids;
};

// What a delivery to a webhook source would do, found by a dry run that stores nothing
// (Service::test_delivery): per event the source's mapping makes of it, whether it is
// already stored, the handoffs it would start and the checklist items it would tick.
struct DeliveryTest {
    struct Tick {
        std::int64_t handoff_id = 0;
        std::string title;
        std::vector<int> items;  // the item numbers it would tick, from 1
    };
    struct Outcome {
        core::Event event;
        // (source, id) is stored already (or comes earlier in the same delivery): ingesting
        // it would change nothing, so nothing is planned for it.
        bool duplicate = false;
        // Each as it would be created, not stored: id 0, state waiting, its owner resolved
        // (the next round-robin member, previewed without bumping the counter) or unowned,
        // its deadlines, checklist and timeline; its `data` is left empty (it is the
        // event's).
        std::vector<core::Handoff> would_start;
        std::vector<Tick> would_tick;
    };
    std::string source;
    std::vector<Outcome> events;
};

struct ListQuery {
    std::optional<core::HandoffState> state{};
    std::optional<std::string> owner{};
    std::optional<std::string> playbook{};
    std::optional<std::string> subject{};
    bool overdue = false;
    bool open_only = false;  // waiting, accepted or declined
    std::optional<std::string> team{};              // owned by one of the team's members
    // owner and team match the previous owner of a reassigned handoff too, who stays
    // accountable until the new owner accepts (store::HandoffFilter::accountable).
    bool accountable = false;
    // Mine: accountable, and the declined handoffs one of `givers` gave and those
    // escalated to the owner (store::HandoffFilter::mine).
    bool mine = false;
    std::vector<std::string> givers{};
    std::optional<std::string> subject_contains{};  // board search, ignoring ASCII case
    std::optional<TimePoint> closed_since{};        // closed at or after this instant
    bool unowned_only = false;  // only handoffs nobody the playbook named could own
    bool newest_first = false;  // ids descending; after_id then bounds them from above
    std::int64_t after_id = 0;
    std::size_t limit = 100;
    // The board's card view: pages of up to list_card_page_max, and each handoff without its
    // event data (not read from the store at all; Handoff::data stays null).
    bool cards = false;
};

struct RelayLeg {
    core::Handoff handoff;
    Milliseconds held{0};  // how long this leg has had (or had) the baton
};

struct Relay {
    std::string subject;
    std::vector<RelayLeg> legs;            // in order of creation
    std::optional<std::size_t> current;    // index of the leg that holds the baton now
};

// An API token just created: the secret is shown once and stored only as a hash.
struct NewToken {
    std::int64_t id = 0;
    std::string handle;
    std::string secret;
};

class Service {
public:
    virtual ~Service() = default;

    // Lints YAML files (playbooks, people.yaml, sources.yaml) and stores each as a new
    // version. The engine stores all or nothing. Remotely the files are linted together
    // first and then stored one by one (the API takes one file a request): a failure on the
    // server part-way leaves the files before it stored, and its message says which.
    virtual Result<std::vector<AppliedFile>> apply(const std::vector<SourceFile>& files) = 0;
    // The current version of people.yaml, sources.yaml and each playbook, for `export`.
    // Remotely without sources.yaml: its webhook secrets never leave the server.
    virtual Result<std::vector<SourceFile>> current_sources() = 0;

    // Stores an event and creates the handoffs of the playbooks it matches. The same
    // (source, id) again creates nothing and answers duplicate.
    virtual Result<IngestResult> ingest(const core::Event& event) = 0;

    // Runs `payload` (a delivery's body, at most limits::event_bytes_max) through source
    // `source_name`'s mapping and the playbooks, storing nothing: no event, no handoff, no
    // round-robin counter bump. No signature is checked: the caller is trusted (an admin).
    // Refusals: not_found naming the source (and the known ones); invalid_argument for JSON
    // that does not parse (field "body") and for what the mapping refuses (its field, such
    // as "[1].id").
    virtual Result<DeliveryTest> test_delivery(const std::string& source_name,
                                               const std::string& payload,
                                               const core::DeliveryFacts& facts) = 0;

    // Who acts in act() and reassign(): the person `handle` (the CLI's --as), or with an
    // empty handle the service's own actor — the local operator (an admin) for the engine.
    // A server acts as the person of the token it was given, whatever act() is passed, so
    // the remote service refuses a handle.
    virtual Result<core::Actor> acting_as(const std::string& handle) = 0;
    // Performs an action as `actor`; answers the handoff after it, with its timeline.
    virtual Result<core::Handoff> act(std::int64_t id, const core::Action& action,
                                      const core::Actor& actor) = 0;
    // Reassigns to a handle (a person, or a team resolved by its rule).
    virtual Result<core::Handoff> reassign(std::int64_t id, const std::string& to,
                                           const std::string& reason,
                                           const core::Actor& actor) = 0;

    // Reads. show() answers the timeline too; list() does not.
    virtual Result<core::Handoff> show(std::int64_t id) = 0;
    virtual Result<std::vector<core::Handoff>> list(const ListQuery& query) = 0;
    virtual Result<Relay> relay(const std::string& subject) = 0;
    virtual Result<std::vector<core::ReportRow>> report(Milliseconds since,
                                                       core::ReportBy by) = 0;
    virtual Result<std::vector<store::EventRecord>> events(const store::EventFilter& filter) = 0;

    // The /hooks delivery log: calls newest first (without their headers and body), one
    // call with them (not_found), and a refused call run again, once (conflict otherwise),
    // answering the replay's own log entry.
    virtual Result<std::vector<store::HookDeliveryRecord>> hook_deliveries(
        const store::HookDeliveryFilter& filter) = 0;
    virtual Result<store::HookDeliveryRecord> hook_delivery(std::int64_t id) = 0;
    virtual Result<store::HookDeliveryRecord> replay_hook_delivery(std::int64_t id) = 0;

    // API tokens. create_token: the person must exist. tokens(): never their hashes
    // remotely (TokenRecord::hash is then empty).
    virtual Result<NewToken> create_token(const std::string& handle,
                                          const std::string& label) = 0;
    virtual Status revoke_token(std::int64_t id) = 0;
    virtual Result<std::vector<store::TokenRecord>> tokens() = 0;
    // Sets a person's sign-in password (Argon2id; never stored as given) and ends every
    // session of theirs. invalid_argument for a password too short or too long.
    virtual Status set_password(const std::string& handle, const std::string& password) = 0;

    // A consistent copy of the whole store into `path` on this machine; refused remotely
    // (a backup runs on the server's machine).
    virtual Status backup(const std::string& path) = 0;
    // What the service works on, for messages: "sqlite:…", or the server's URL.
    virtual std::string describe_store() const = 0;
    // The time the CLI shows durations and deadlines against (the local clock).
    virtual TimePoint now() const = 0;
};

}  // namespace baton::engine
