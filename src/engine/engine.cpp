#include "engine/engine.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <tuple>
#include <thread>

#include "core/deadlines.h"
#include "core/github_events.h"
#include "core/limits.h"
#include "core/owner.h"
#include "core/template.h"
#include "core/utf8.h"
#include "core/channels.h"
#include "core/workspace.h"
#include "crypto/crypto.h"
#include "crypto/signatures.h"
#include "engine/effects.h"
#include "engine/snapshot.h"

namespace baton::engine {

namespace {

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Error lint_error(const core::Diagnostics& errors) {
    std::string message;
    for (const auto& d : errors) {
        if (!message.empty()) message += '\n';
        message += d.format();
    }
    return make_error(ErrorCode::invalid_argument, message);
}

core::TemplateContext context_of(const core::Event& e, const std::string& time_text) {
    return core::TemplateContext{
        &e.data, e.subject ? std::string_view(*e.subject) : "", e.type, e.source, e.id, time_text};
}

}  // namespace

std::vector<core::Diagnostic> lint_message_template(const SourceFile& f) {
    std::vector<core::Diagnostic> out;
    if (!core::valid_template_name(core::template_name(f.path))) {
        out.push_back({f.path, 0, 0,
                       "a template's file name is letters, digits, '-' and '_', then .md or "
                       ".txt"});
    }
    if (f.text.size() > limits::message_template_bytes_max) {
        out.push_back({f.path, 0, 0,
                       "a template is at most " +
                           std::to_string(limits::message_template_bytes_max) + " bytes"});
        return out;
    }
    // A template's text ends up in messages and in JSON answers: it must be UTF-8.
    if (auto bad = core::utf8_file_problem(f.path, f.text)) {
        out.push_back(std::move(*bad));
        return out;
    }
    // Problems point at their line and column, like a playbook's.
    for (const auto& problem : core::check_template(f.text)) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < problem.column && i < static_cast<int>(f.text.size()); ++i) {
            if (f.text[static_cast<std::size_t>(i)] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        out.push_back({f.path, line, column, problem.message});
    }
    return out;
}

bool is_people_file(const std::string& path) {
    const std::string name = base_name(path);
    return name == "people.yaml" || name == "people.yml";
}

LintReport lint_sources(const std::vector<SourceFile>& files, const SourceFile* people) {
    LintReport report;
    std::optional<core::Directory> directory;
    const SourceFile* people_file = people;
    for (const auto& f : files) {
        if (is_people_file(f.path)) people_file = &f;
    }
    if (people_file != nullptr) {
        auto parsed = core::parse_people(people_file->text, people_file->path);
        report.people = true;
        if (parsed.directory) directory = std::move(parsed.directory);
        if (parsed.partial) directory = std::move(parsed.partial);
        // Errors of a people file that is only consulted are reported too: they would
        // stop `apply` all the same.
        for (auto& d : parsed.errors) report.errors.push_back(std::move(d));
    }
    for (const auto& f : files) {
        if (!core::is_sources_file(f.path)) continue;
        ++report.sources;
        auto parsed = core::parse_sources(f.text, f.path);
        for (auto& d : parsed.errors) report.errors.push_back(std::move(d));
        if (!parsed.sources) continue;
        for (const auto& source : parsed.sources->all()) {
            // The secret's shape is checked where the signatures are (crypto).
            auto scheme = crypto::parse_signature_scheme(source.scheme);
            if (!scheme) continue;
            for (const auto& secret : source.secrets) {
                if (auto st = crypto::check_webhook_secret(*scheme, secret); !st) {
                    report.errors.push_back(core::Diagnostic{
                        f.path, 0, 0, "source `" + source.name + "`: " + st.error().message});
                }
            }
        }
    }
    for (const auto& f : files) {
        if (core::file_kind(f.path) == core::FileKind::channels) {
            ++report.channels;
            for (auto& d : core::parse_channels(f.text, f.path).errors) {
                report.errors.push_back(std::move(d));
            }
        } else if (core::file_kind(f.path) == core::FileKind::message_template) {
            ++report.templates;
            for (auto& d : lint_message_template(f)) report.errors.push_back(std::move(d));
        }
    }
    std::vector<core::PlaybookSource> loaded;
    for (const auto& f : files) {
        if (core::file_kind(f.path) != core::FileKind::playbook) continue;
        auto parsed = core::parse_playbook(f.text, f.path);
        ++report.playbooks;
        for (auto& d : parsed.errors) report.errors.push_back(std::move(d));
        if (parsed.playbook) loaded.push_back({std::move(*parsed.playbook), f.path});
        // A flawed playbook is still cross-checked: every problem of a file at once.
        if (parsed.partial) loaded.push_back({std::move(*parsed.partial), f.path});
    }
    for (auto& d : core::cross_check(loaded, directory ? &*directory : nullptr)) {
        report.errors.push_back(std::move(d));
    }
    // In the order of the files and of the lines in each, as an editor lists them.
    std::stable_sort(report.errors.begin(), report.errors.end(),
                     [](const core::Diagnostic& a, const core::Diagnostic& b) {
                         return std::tie(a.file, a.line, a.column) <
                                std::tie(b.file, b.line, b.column);
                     });
    return report;
}

Engine::Engine(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock), directory_(std::make_shared<core::Directory>()) {}

core::Actor Engine::local_operator() {
    return core::Actor{"operator", core::Role::admin, {}};
}

Result<core::Actor> Engine::acting_as(const std::string& handle) {
    if (handle.empty()) return local_operator();
    return actor(handle);
}

Result<std::shared_ptr<const core::Playbook>> Engine::playbook_version(store::Transaction& tx,
                                                                       const std::string& id,
                                                                       int version) {
    const std::string key = id + "@" + std::to_string(version);
    auto record = tx.playbook(id, version);
    if (!record) return record.error();
    if (!record->has_value()) {
        return make_error(ErrorCode::not_found, "playbook " + key + " is not stored");
    }
    {
        std::lock_guard lock(cache_mutex_);
        if (auto it = playbook_cache_.find(key);
            it != playbook_cache_.end() && it->second.yaml == (*record)->yaml) {
            return it->second.playbook;
        }
    }
    auto parsed = core::parse_playbook((*record)->yaml, (*record)->file);
    if (!parsed.playbook) {
        return make_error(ErrorCode::corrupt, "stored playbook " + key + " no longer parses: " +
                                                  lint_error(parsed.errors).message);
    }
    auto shared = std::make_shared<const core::Playbook>(std::move(*parsed.playbook));
    std::lock_guard lock(cache_mutex_);
    playbook_cache_[key] = ParsedPlaybook{(*record)->yaml, shared};
    return std::shared_ptr<const core::Playbook>(shared);
}

Result<std::shared_ptr<const Engine::Snapshot>> Engine::snapshot(store::Transaction& tx,
                                                                 bool committed, bool* stale) {
    auto version = tx.config_version();
    if (!version) return version.error();
    {
        std::lock_guard lock(cache_mutex_);
        if (snapshot_ && snapshot_version_ == *version) return snapshot_;
    }
    if (stale != nullptr) *stale = true;
    auto snap = std::make_shared<Snapshot>();
    auto records = tx.current_playbooks();
    if (!records) return records.error();
    for (const auto& r : *records) {
        auto pb = playbook_version(tx, r.id, r.version);
        if (!pb) return pb.error();
        for (const auto& item : (*pb)->checklist) {
            if (item.when) snap->tick_types.insert(*item.when);
        }
        snap->playbooks.push_back({std::move(pb).value(), r.version});
    }
    auto people = tx.current_document("people");
    if (!people) return people.error();
    const std::string text = people->has_value() ? (*people)->text : std::string();
    std::lock_guard lock(cache_mutex_);
    if (!directory_ || text != directory_text_) {
        if (text.empty()) {
            directory_ = std::make_shared<core::Directory>();
        } else {
            auto parsed = core::parse_people(text, "people.yaml");
            if (!parsed.directory) {
                return make_error(ErrorCode::corrupt, "stored people.yaml no longer parses: " +
                                                          lint_error(parsed.errors).message);
            }
            directory_ = std::make_shared<core::Directory>(std::move(*parsed.directory));
        }
        directory_text_ = text;
    }
    snap->directory = directory_;
    auto sources = tx.current_document("sources");
    if (!sources) return sources.error();
    const std::string sources_text = sources->has_value() ? (*sources)->text : std::string();
    if (!sources_ || sources_text != sources_text_) {
        if (sources_text.empty()) {
            sources_ = std::make_shared<core::SourceList>();
        } else {
            auto parsed = core::parse_sources(sources_text, "sources.yaml");
            if (!parsed.sources) {
                return make_error(ErrorCode::corrupt, "stored sources.yaml no longer parses: " +
                                                          lint_error(parsed.errors).message);
            }
            sources_ = std::make_shared<core::SourceList>(std::move(*parsed.sources));
        }
        sources_text_ = sources_text;
    }
    snap->sources = sources_;
    if (committed) {
        snapshot_ = snap;
        snapshot_version_ = *version;
    }
    return std::shared_ptr<const Snapshot>(snap);
}

Status Engine::refresh_snapshot() {
    return store_.read([&](store::Transaction& tx) -> Status {
        auto snap = snapshot(tx, true);
        return snap ? ok_status() : Status(snap.error());
    });
}

Result<std::vector<AppliedFile>> Engine::apply(const std::vector<SourceFile>& files) {
    if (files.empty()) return make_error(ErrorCode::invalid_argument, "no files to apply");
    const TimePoint now = clock_.now();
    std::vector<AppliedFile> applied;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        applied.clear();
        return apply_in(tx, files, now, applied);
    });
    if (!st) return st.error();
    return applied;
}

Result<AppliedFile> Engine::put_source(const SourceFile& file, std::optional<int> if_version) {
    const TimePoint now = clock_.now();
    std::vector<AppliedFile> applied;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        applied.clear();
        if (if_version) {
            int current = 0;
            if (const std::string kind = core::document_kind(file.path); !kind.empty()) {
                auto doc = tx.current_document(kind);
                if (!doc) return doc.error();
                current = doc->has_value() ? (*doc)->version : 0;
            } else {
                auto parsed = core::parse_playbook(file.text, file.path);
                // A file that does not parse gets its lint errors from apply_in below,
                // which says more than a version mismatch would.
                if (!parsed.playbook) return apply_in(tx, {file}, now, applied);
                auto record = tx.playbook(parsed.playbook->id, std::nullopt);
                if (!record) return record.error();
                current = record->has_value() ? (*record)->version : 0;
            }
            if (current != *if_version) {
                return make_error(ErrorCode::conflict,
                                  "the stored version is " + std::to_string(current) + ", not " +
                                      std::to_string(*if_version) +
                                      ": someone changed it; reload and try again",
                                  "If-Match");
            }
        }
        return apply_in(tx, {file}, now, applied);
    });
    if (!st) return st.error();
    BATON_ASSERT(applied.size() == 1);
    return applied.front();
}

Result<LintReport> Engine::lint_in(store::Transaction& tx, const std::vector<SourceFile>& files) {
    std::optional<SourceFile> stored_people;
    bool has_people = false;
    for (const auto& f : files) has_people = has_people || is_people_file(f.path);
    if (!has_people) {
        auto doc = tx.current_document("people");
        if (!doc) return doc.error();
        if (doc->has_value()) stored_people = SourceFile{"people.yaml", (*doc)->text};
    }
    // Playbooks already stored count for `next:` across files, unless a file replaces them.
    std::set<std::string> applied_ids;
    for (const auto& f : files) {
        if (core::file_kind(f.path) != core::FileKind::playbook) continue;
        auto parsed = core::parse_playbook(f.text, f.path);
        if (parsed.playbook) applied_ids.insert(parsed.playbook->id);
    }
    std::vector<SourceFile> all = files;
    auto current = tx.current_playbooks();
    if (!current) return current.error();
    for (const auto& r : *current) {
        if (applied_ids.count(r.id) == 0) {
            all.push_back({r.file.empty() ? r.id + ".yaml" : r.file, r.yaml});
        }
    }
    return lint_sources(all, stored_people ? &*stored_people : nullptr);
}

Result<LintReport> Engine::lint_with_store(const std::vector<SourceFile>& files) {
    auto lint = read_value<LintReport>([&](store::Transaction& tx) { return lint_in(tx, files); });
    if (!lint) return lint.error();
    // Errors that apply() would give, listed against the given files first; one found in a
    // stored file (this change would break it) is kept too, as apply() would refuse it.
    std::stable_partition(lint->errors.begin(), lint->errors.end(), [&](const core::Diagnostic& d) {
        return std::any_of(files.begin(), files.end(),
                           [&](const SourceFile& f) { return f.path == d.file; });
    });
    return lint;
}

Status Engine::apply_in(store::Transaction& tx, const std::vector<SourceFile>& files, TimePoint now,
                        std::vector<AppliedFile>& applied) {
    auto lint = lint_in(tx, files);
    if (!lint) return lint.error();
    if (!lint->errors.empty()) return lint_error(lint->errors);
    for (const auto& f : files) {
        if (const std::string kind = core::document_kind(f.path); !kind.empty()) {
            auto before = tx.current_document(kind);
            if (!before) return before.error();
            auto version = tx.put_document(kind, f.text, now);
            if (!version) return version.error();
            const bool changed = !before->has_value() || (*before)->version != *version;
            applied.push_back({f.path, kind, *version, changed});
            continue;
        }
        auto parsed = core::parse_playbook(f.text, f.path);
        BATON_ASSERT(parsed.playbook.has_value());
        auto before = tx.playbook(parsed.playbook->id, std::nullopt);
        if (!before) return before.error();
        auto version = tx.put_playbook(parsed.playbook->id, f.text, f.path, now);
        if (!version) return version.error();
        const bool changed = !before->has_value() || (*before)->version != *version;
        applied.push_back({f.path, parsed.playbook->id, *version, changed});
    }
    return ok_status();
}

Result<std::vector<SourceFile>> Engine::current_sources() {
    std::vector<SourceFile> out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto people = tx.current_document("people");
        if (!people) return people.error();
        if (people->has_value()) out.push_back({"people.yaml", (*people)->text});
        for (const char* kind : {"sources", "channels"}) {
            auto doc = tx.current_document(kind);
            if (!doc) return doc.error();
            if (doc->has_value()) out.push_back({std::string(kind) + ".yaml", (*doc)->text});
        }
        auto templates = tx.current_documents_with_prefix("template:");
        if (!templates) return templates.error();
        for (const auto& t : *templates) {
            out.push_back({"templates/" + t.kind.substr(9) + ".md", t.text});
        }
        auto playbooks = tx.current_playbooks();
        if (!playbooks) return playbooks.error();
        for (const auto& r : *playbooks) out.push_back({"playbooks/" + r.id + ".yaml", r.yaml});
        return ok_status();
    });
    if (!st) return st.error();
    return out;
}

}  // namespace baton::engine

namespace baton::engine {

namespace {

using detail::system_entry;

// Notes a template value that was missing, once per path, on the timeline.
void note_missing(std::vector<core::TimelineEntry>& timeline, TimePoint at, const char* field,
                  const std::vector<std::string>& missing) {
    for (const auto& path : missing) {
        timeline.push_back(system_entry(at, "note",
                                        std::string(field) + ": the event has no value for `" +
                                            path + "`, so it rendered empty",
                                        {{"field", field}, {"path", path}}));
    }
}

std::vector<store::TimerRecord> timer_records(std::int64_t handoff_id,
                                              const core::DeadlinePlan& plan,
                                              const std::string& owner) {
    std::vector<store::TimerRecord> out;
    for (const auto& t : plan.timers) {
        store::TimerRecord r;
        r.handoff_id = handoff_id;
        r.kind = t.kind;
        r.level = t.level;
        r.due_at = t.due_at;
        r.target = t.target.empty() ? owner : t.target;
        out.push_back(std::move(r));
    }
    return out;
}

// A handoff before its owner is known: the templates that do not depend on the owner,
// rendered. Pure, so it can be built before the write.
struct HandoffDraft {
    std::string subject;
    std::string giver;
    std::string wanted;  // the rendered owner: a person, a team, or "" (unresolvable)
    std::vector<core::TimelineEntry> notes;
};

HandoffDraft draft_handoff(const core::Playbook& pb, const core::Event& event, TimePoint now) {
    const std::string time_text = format_rfc3339(event.time);
    const core::TemplateContext ctx = context_of(event, time_text);
    HandoffDraft d;
    auto subject = core::render_template(pb.subject, ctx);
    note_missing(d.notes, now, "subject", subject.missing);
    d.subject = subject.text.empty() ? event.type + " " + event.id : subject.text;
    auto giver = core::render_template(pb.from, ctx);
    note_missing(d.notes, now, "from", giver.missing);
    d.giver = giver.text.empty() ? pb.from : giver.text;
    auto wanted = core::render_template(pb.owner, ctx);
    note_missing(d.notes, now, "owner", wanted.missing);
    d.wanted = std::move(wanted.text);
    return d;
}

// What owner resolution needs from the store: the team's round-robin counter (bumped, or
// with `preview` only peeked: see detail::team_load) or its members' open handoffs.
// Nothing for a person or a `first` team.
Status read_team_load(store::Transaction& tx, const core::Directory& directory,
                      const std::string& wanted, core::TeamLoad& load,
                      std::map<std::string, std::int64_t>* preview = nullptr) {
    if (const core::Team* team = directory.team(wanted)) {
        auto counted = detail::team_load(tx, *team, preview);
        if (!counted) return counted.error();
        load = std::move(counted).value();
    }
    return ok_status();
}

// The handoff with its timers and outbox rows, once its owner is resolved; the ids (and
// the outbox dedupe keys, which hold the handoff id) are filled in by insert_plan.
struct HandoffPlan {
    core::OwnerResolution owner;
    core::Handoff handoff;
    std::vector<store::TimerRecord> timers;
    std::vector<store::OutboxRecord> outbox;
};

HandoffPlan finish_handoff(const HandoffDraft& draft, const core::Playbook& pb, int version,
                           const core::Event& event, const core::Directory& directory,
                           core::OwnerResolution owner, TimePoint now) {
    const std::string time_text = format_rfc3339(event.time);
    const core::TemplateContext ctx = context_of(event, time_text);
    HandoffPlan plan;
    core::Handoff& h = plan.handoff;
    h.subject = draft.subject;
    h.giver = draft.giver;
    h.owner = owner.owner;
    h.unowned = owner.unowned;

    h.playbook_id = pb.id;
    h.playbook_version = version;
    h.title = pb.title;
    h.state = core::HandoffState::waiting;
    h.done_definition = pb.done;
    h.created_at = h.updated_at = now;
    h.event_source = event.source;
    h.event_id = event.id;
    h.data = event.data;
    int number = 0;
    for (const auto& item : pb.checklist) {
        h.checklist.push_back(
            core::ChecklistItem{++number, item.text, false, "", std::nullopt, item.when});
    }
    const core::Person* person = directory.person(h.owner);
    const core::Calendar calendar = person ? person->calendar : core::Calendar::always();
    const core::DeadlinePlan deadlines = core::plan_deadlines(pb, now, calendar);
    h.deadlines = deadlines.deadlines;

    std::string text = "Handed over by " + h.giver + " to " + h.owner + ": " + pb.title;
    if (h.deadlines.accept_by) text += "; accept by " + format_rfc3339(*h.deadlines.accept_by);
    h.timeline.push_back(system_entry(now, "created", text,
                                      {{"event", {{"source", event.source}, {"id", event.id}}},
                                       {"playbook", pb.id},
                                       {"version", version}}));
    if (owner.unowned) {
        h.timeline.push_back(system_entry(now, "unowned",
                                          "No owner could be resolved (" + owner.reason +
                                              "); it lands with " + h.owner +
                                              " until someone reassigns it",
                                          {{"reason", owner.reason}, {"wanted", draft.wanted}}));
    } else if (!owner.team.empty()) {
        h.timeline.push_back(system_entry(now, "assigned", h.owner + " " + owner.reason));
    }
    for (const auto& n : draft.notes) h.timeline.push_back(n);
    plan.timers = timer_records(0, deadlines, h.owner);

    for (std::size_t i = 0; i < pb.checkpoint.size(); ++i) {
        const core::Checkpoint& cp = pb.checkpoint[i];
        store::OutboxRecord row;
        row.channel = cp.kind == core::CheckpointKind::slack   ? "slack"
                      : cp.kind == core::CheckpointKind::email ? "email"
                                                               : "webhook";
        auto target = core::render_template(cp.target, ctx);
        row.target = target.text == "owner"   ? h.owner
                     : target.text == "giver" ? h.giver
                                              : target.text;
        row.payload = {{"what", "created"}, {"checkpoint", i + 1}};
        if (cp.template_name) row.payload["template"] = *cp.template_name;
        row.next_attempt_at = row.created_at = now;
        plan.outbox.push_back(std::move(row));
    }
    plan.owner = std::move(owner);
    return plan;
}

// Stores a planned handoff with its timers and outbox rows; the plan is spent.
Status insert_plan(store::Transaction& tx, HandoffPlan& plan, IngestResult& out) {
    auto id = tx.insert_handoff(plan.handoff);
    if (!id) return id.error();
    out.handoff_ids.push_back(*id);
    for (auto& t : plan.timers) t.handoff_id = *id;
    if (auto st = tx.insert_timers(plan.timers); !st) return st;
    // One row per checkpoint, in the playbook's order, so the position is the checkpoint's.
    for (std::size_t i = 0; i < plan.outbox.size(); ++i) {
        plan.outbox[i].handoff_id = *id;
        plan.outbox[i].dedupe_key =
            "handoff:" + std::to_string(*id) + ":created:" + std::to_string(i);
    }
    return tx.insert_outbox(plan.outbox);
}

}  // namespace

// Stores the event; false (with the first time's handoffs in `out`) when (source, id) was
// stored before: a duplicate creates nothing.
Result<bool> Engine::store_event(store::Transaction& tx, const core::Event& event, TimePoint now,
                                 IngestResult& out) {
    auto inserted = tx.insert_event(event, now);
    if (!inserted) return inserted.error();
    if (*inserted) return true;
    out.duplicate = true;
    auto ids = tx.handoffs_of_event(event.source, event.id);
    if (!ids) return ids.error();
    out.handoff_ids = std::move(ids).value();
    return false;
}

Status Engine::record_matches(store::Transaction& tx, const core::Event& event,
                              const IngestResult& out) {
    // A handoff the event both created and ticked counts once.
    std::size_t count = out.handoff_ids.size();
    for (std::int64_t id : out.ticked_ids) {
        const auto& created = out.handoff_ids;
        if (std::find(created.begin(), created.end(), id) == created.end()) ++count;
    }
    return tx.set_event_handoffs(event.source, event.id, static_cast<int>(count));
}

Result<IngestResult> Engine::ingest(const core::Event& event) {
    if (auto st = core::validate_event(event); !st) return st.error();
    const TimePoint now = clock_.now();
    IngestResult out;
    // The write uses the cached snapshot when its config version is current. Only when it
    // is not (playbooks or people changed) does the write parse afresh, and then one read
    // refreshes the cache from committed data for the events after it.
    bool snapshot_was_stale = false;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        out = IngestResult{};
        return ingest_in(tx, event, now, out, &snapshot_was_stale);
    });
    if (!st) return st.error();
    if (snapshot_was_stale) (void)refresh_snapshot();  // a cache miss only costs time
    return out;
}

Status Engine::ingest_in(store::Transaction& tx, const core::Event& event, TimePoint now,
                         IngestResult& out, bool* stale) {
    auto fresh = store_event(tx, event, now, out);
    if (!fresh) return fresh.error();
    if (!*fresh) return ok_status();
    if (auto created = match_in(tx, event, now, out, stale); !created) return created;
    if (auto ticked = tick_checklists(tx, event, now, out); !ticked) return ticked;
    return record_matches(tx, event, out);
}

// The playbooks of `snap` that `event` matches, in order.
std::vector<std::size_t> Engine::matching(const Snapshot& snap, const core::Event& event) {
    std::vector<std::size_t> out;
    const std::string time_text = format_rfc3339(event.time);
    const core::ConditionInput input{
        &event.data, event.subject.value_or(""), event.type, event.source, event.id, time_text};
    for (std::size_t i = 0; i < snap.playbooks.size(); ++i) {
        const core::Playbook& pb = *snap.playbooks[i].playbook;
        if (pb.when != event.type) continue;
        if (pb.condition) {
            // A condition that cannot be evaluated (a missing field) does not match;
            // the event stays stored and listed as unmatched.
            auto matched = pb.condition->evaluate(input);
            if (!matched || !*matched) continue;
        }
        out.push_back(i);
    }
    return out;
}

// Creates the handoffs of every playbook the (just stored) event matches, as `tx` sees
// the configuration; a dry run only plans them (a read transaction's data is committed).
Status Engine::match_in(store::Transaction& tx, const core::Event& event, TimePoint now,
                        IngestResult& out, bool* stale, DryRun* dry) {
    auto snap = snapshot(tx, dry != nullptr, stale);
    if (!snap) return snap.error();
    for (std::size_t i : matching(**snap, event)) {
        const Snapshot::Entry& entry = (*snap)->playbooks[i];
        ++out.playbooks_matched;
        if (auto created = create_handoff(tx, **snap, *entry.playbook, entry.version, event, now,
                                          out, nullptr, dry);
            !created) {
            return created;
        }
    }
    return ok_status();
}

Status Engine::create_handoff(store::Transaction& tx, const Snapshot& snap,
                              const core::Playbook& pb, int version, const core::Event& event,
                              TimePoint now, IngestResult& out, const std::string* subject_carried,
                              DryRun* dry) {
    HandoffDraft draft = draft_handoff(pb, event, now);
    if (subject_carried != nullptr) draft.subject = *subject_carried;
    core::TeamLoad load;
    if (auto st = read_team_load(tx, *snap.directory, draft.wanted, load,
                                 dry != nullptr ? &dry->picks : nullptr);
        !st) {
        return st;
    }
    HandoffPlan plan = finish_handoff(
        draft, pb, version, event, *snap.directory,
        core::resolve_owner(draft.wanted, draft.giver, *snap.directory, load), now);
    if (dry != nullptr) {
        plan.handoff.data = nlohmann::json::object();  // it is the event's, shown with it
        dry->outcome->would_start.push_back(std::move(plan.handoff));
        return ok_status();
    }
    return insert_plan(tx, plan, out);
}

Status Engine::test_event(store::Transaction& tx, const core::Event& event, TimePoint now,
                          DryRun& dry) {
    auto stored = tx.event(event.source, event.id);
    if (!stored) return stored.error();
    // An id twice in one delivery: ingest stores the first and answers the second duplicate.
    const bool earlier = !dry.ids.insert(event.id).second;
    dry.outcome->duplicate = stored->has_value() || earlier;
    if (dry.outcome->duplicate) return ok_status();
    IngestResult unused;
    if (auto st = match_in(tx, event, now, unused, nullptr, &dry); !st) return st;
    return tick_checklists(tx, event, now, unused, nullptr, &dry);
}

namespace {

Error unknown_source(const std::string& name, const core::SourceList& sources) {
    std::vector<std::string> names;
    for (const auto& s : sources.all()) names.push_back(s.name);
    std::string message = "no inbound webhook source `" + name + "`";
    if (names.empty()) {
        message += "; sources.yaml names none";
    } else if (const std::string hint = core::did_you_mean(name, names); !hint.empty()) {
        message += "; " + hint;
    } else if (names.size() <= 10) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        message += "; sources.yaml names " + known;
    }
    return make_error(ErrorCode::not_found, message, "source");
}

}  // namespace

Result<DeliveryTest> Engine::test_delivery(const std::string& source_name,
                                           const std::string& payload_text,
                                           const core::DeliveryFacts& facts) {
    auto payload = core::parse_json_limited(payload_text, limits::event_bytes_max);
    if (!payload) {
        Error e = payload.error();
        e.field = "body";
        return e;
    }
    if (facts.id.size() > limits::event_id_bytes_max) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery id is longer than " +
                              std::to_string(limits::event_id_bytes_max) + " bytes",
                          "id");
    }
    if (facts.event.size() > limits::event_type_bytes_max) {
        return make_error(ErrorCode::invalid_argument,
                          "the event type is longer than " +
                              std::to_string(limits::event_type_bytes_max) + " bytes",
                          "event");
    }
    const TimePoint now = clock_.now();
    DeliveryTest out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        out = DeliveryTest{source_name, {}};
        auto snap = snapshot(tx, true);
        if (!snap) return snap.error();
        const core::Source* source = (*snap)->sources->find(source_name);
        if (source == nullptr) return unknown_source(source_name, *(*snap)->sources);
        const auto scheme = crypto::parse_signature_scheme(source->scheme);
        if (scheme == crypto::SignatureScheme::github && !facts.event.empty()) {
            if (auto mismatch = core::github_event_mismatch(facts.event, *payload)) {
                return make_error(ErrorCode::invalid_argument, *mismatch, "event");
            }
        }
        core::DeliveryFacts delivery = facts;
        // A saved body has no headers. Where the scheme's delivery id is the body's SHA-256
        // (crypto::VerifiedDelivery), it is so here too: a duplicate of a real one is found.
        if (delivery.id.empty() && (scheme == crypto::SignatureScheme::github ||
                                    scheme == crypto::SignatureScheme::typeform ||
                                    scheme == crypto::SignatureScheme::cal_com)) {
            delivery.id = crypto::sha256_hex(payload_text);
        }
        auto events = core::events_of_delivery(*source, *payload, delivery, now);
        if (!events) return events.error();
        DryRun dry;
        out.events.reserve(events->size());
        for (auto& event : *events) {
            out.events.push_back({std::move(event), false, {}, {}});
            dry.outcome = &out.events.back();
            if (auto tried = test_event(tx, dry.outcome->event, now, dry); !tried) return tried;
        }
        return ok_status();
    });
    if (!st) return st.error();
    return out;
}

namespace {

// Past this many members a team's possible owners are not planned ahead: the handoff is
// finished inside the write instead, which is correct, only slower.
constexpr std::size_t planned_owners_max = 16;

// Every resolution the owner may get. One, unless the owner is a team whose rule needs
// the store (round-robin, least-loaded): then each member, found by asking the pure
// resolver with a load that picks that member. Empty when there are too many to plan.
std::vector<core::OwnerResolution> possible_owners(const HandoffDraft& draft,
                                                   const core::Directory& directory) {
    const core::Team* team = directory.team(draft.wanted);
    const bool by_load = team != nullptr && directory.person(draft.wanted) == nullptr &&
                         !team->members.empty() && team->rule != core::AssignmentRule::first;
    if (!by_load) return {core::resolve_owner(draft.wanted, draft.giver, directory, {})};
    if (team->members.size() > planned_owners_max) return {};
    std::vector<core::OwnerResolution> out;
    for (std::size_t i = 0; i < team->members.size(); ++i) {
        core::TeamLoad load;
        load.round_robin_counter = static_cast<std::int64_t>(i);
        for (const auto& m : team->members) load.open_counts[m] = 1;
        load.open_counts[team->members[i]] = 0;
        auto resolution = core::resolve_owner(draft.wanted, draft.giver, directory, load);
        const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& r) {
            return r.owner == resolution.owner;
        });
        if (!seen) out.push_back(std::move(resolution));
    }
    return out;
}

bool same_resolution(const core::OwnerResolution& a, const core::OwnerResolution& b) {
    return a.owner == b.owner && a.unowned == b.unowned && a.reason == b.reason &&
           a.team == b.team;
}

// Runs `release` when it goes out of scope, however the scope ends.
template <class F>
struct Finally {
    F release;
    ~Finally() { release(); }
};
template <class F>
Finally(F) -> Finally<F>;

}  // namespace

// An ingest planned outside the write: one entry per matched playbook, each with its
// handoff finished for every owner it may get, so that the write only reads the team's
// counter, picks one and stores it.
struct Engine::PlannedIngest {
    struct Match {
        std::shared_ptr<const core::Playbook> playbook;
        int version = 0;
        HandoffDraft draft;
        std::vector<HandoffPlan> plans;  // empty: finish it inside the write
    };
    core::Event event;
    TimePoint now{};
    std::shared_ptr<const Snapshot> snapshot;  // null: plan nothing, match inside the write
    std::int64_t config_version = -1;
    std::vector<Match> matches;
    IngestResult out;
    bool stale = false;
};

Engine::~Engine() {
    // The store answers asynchronous ingests on its own thread, through this engine.
    while (ingests_in_flight_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::shared_ptr<Engine::PlannedIngest> Engine::plan_ingest(const core::Event& event,
                                                           TimePoint now) {
    {
        // Frees the plans of answered ingests here, on the caller's thread (see ingest_async).
        thread_local std::vector<std::shared_ptr<PlannedIngest>> spare;
        {
            std::lock_guard lock(retired_mutex_);
            retired_.swap(spare);
        }
        spare.clear();
    }
    auto plan = std::make_shared<PlannedIngest>();
    plan->event = event;
    plan->now = now;
    // The cached snapshot is of committed data; the write checks that its version is
    // still current before trusting anything planned from it.
    if (snapshot_stale_.exchange(false) || !has_snapshot()) (void)refresh_snapshot();
    {
        std::lock_guard lock(cache_mutex_);
        plan->snapshot = snapshot_;
        plan->config_version = snapshot_version_;
    }
    if (!plan->snapshot) return plan;
    const core::Directory& directory = *plan->snapshot->directory;
    for (std::size_t i : matching(*plan->snapshot, plan->event)) {
        const Snapshot::Entry& entry = plan->snapshot->playbooks[i];
        PlannedIngest::Match m{entry.playbook, entry.version,
                               draft_handoff(*entry.playbook, plan->event, now), {}};
        for (auto& owner : possible_owners(m.draft, directory)) {
            m.plans.push_back(finish_handoff(m.draft, *entry.playbook, entry.version,
                                             plan->event, directory, std::move(owner), now));
        }
        plan->matches.push_back(std::move(m));
    }
    return plan;
}

bool Engine::has_snapshot() {
    std::lock_guard lock(cache_mutex_);
    return snapshot_ != nullptr;
}

// The write of a planned ingest: the same effects as ingest()'s, in the same order.
Status Engine::store_planned(store::Transaction& tx, PlannedIngest& plan) {
    IngestResult& out = plan.out;
    out = IngestResult{};
    const core::Event& event = plan.event;
    auto fresh = store_event(tx, event, plan.now, out);
    if (!fresh) return fresh.error();
    if (!*fresh) return ok_status();
    auto version = tx.config_version();
    if (!version) return version.error();
    if (!plan.snapshot || *version != plan.config_version) {
        // The configuration changed since the plan was made: match afresh.
        plan.stale = true;
        if (auto created = match_in(tx, event, plan.now, out, &plan.stale); !created) {
            return created;
        }
    } else {
        const core::Directory& directory = *plan.snapshot->directory;
        for (auto& m : plan.matches) {
            ++out.playbooks_matched;
            core::TeamLoad load;
            if (auto st = read_team_load(tx, directory, m.draft.wanted, load); !st) return st;
            auto owner = core::resolve_owner(m.draft.wanted, m.draft.giver, directory, load);
            auto planned = std::find_if(m.plans.begin(), m.plans.end(), [&](const auto& p) {
                return same_resolution(p.owner, owner);
            });
            if (planned == m.plans.end()) {
                HandoffPlan late = finish_handoff(m.draft, *m.playbook, m.version, event,
                                                  directory, std::move(owner), plan.now);
                if (auto st = insert_plan(tx, late, out); !st) return st;
            } else if (auto st = insert_plan(tx, *planned, out); !st) {
                return st;
            }
        }
    }
    // The planned snapshot is current unless the plan went stale: then ask the store.
    const Snapshot* current = plan.stale ? nullptr : plan.snapshot.get();
    if (auto ticked = tick_checklists(tx, event, plan.now, out, current); !ticked) return ticked;
    return record_matches(tx, event, out);
}

void Engine::ingest_async(const core::Event& event, IngestDone done) {
    if (auto st = core::validate_event(event); !st) return done(st.error());
    std::shared_ptr<PlannedIngest> plan;
    try {
        plan = plan_ingest(event, clock_.now());
    } catch (const std::exception& e) {
        return done(make_error(ErrorCode::internal, std::string("planning an ingest: ") + e.what()));
    }
    ingests_in_flight_.fetch_add(1);
    // The answer owns the plan (the callback only borrows it: the store answers after the
    // callback ran, or instead of running it) and retires it rather than freeing it on the
    // store's thread, whose every microsecond holds up the next commit.
    PlannedIngest* const planned = plan.get();
    bool queued = false;
    Finally unless_queued{[this, &queued] {
        if (!queued) ingests_in_flight_.fetch_sub(1);  // write_async threw: no answer comes
    }};
    store_.write_async(
        [this, planned](store::Transaction& tx) { return store_planned(tx, *planned); },
        [this, plan = std::move(plan), done = std::move(done)](Status st) mutable {
            Finally leave{[this] { ingests_in_flight_.fetch_sub(1); }};
            if (plan->stale) snapshot_stale_.store(true);  // the next plan refreshes it
            Result<IngestResult> result =
                st ? Result<IngestResult>(std::move(plan->out)) : Result<IngestResult>(st.error());
            {
                std::lock_guard lock(retired_mutex_);
                retired_.push_back(std::move(plan));
            }
            try {
                done(std::move(result));
            } catch (...) {
                // `done` must not throw; if it does, the write stands and nobody waits.
            }
        });
    queued = true;
}

Result<core::Actor> Engine::actor(const std::string& handle) {
    std::shared_ptr<const core::Directory> directory;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto snap = snapshot(tx, true);
        if (!snap) return snap.error();
        directory = (*snap)->directory;
        return ok_status();
    });
    if (!st) return st.error();
    const core::Person* p = directory->person(handle);
    if (p == nullptr) {
        std::string message = "nobody called `" + handle + "` in people.yaml";
        const std::string hint = core::did_you_mean(handle, directory->handles());
        if (!hint.empty()) message += "; " + hint;
        return make_error(ErrorCode::forbidden, message, "as");
    }
    return core::Actor{p->handle, p->role, directory->teams_of(handle)};
}

}  // namespace baton::engine

namespace baton::engine {

namespace {

Error no_handoff(std::int64_t id) {
    return make_error(ErrorCode::not_found, "no handoff " + std::to_string(id), "id");
}

}  // namespace

Status Engine::apply_effects(store::Transaction& tx, const core::Handoff& before,
                             const core::Transition& t, TimePoint now) {
    auto pb = playbook_version(tx, before.playbook_id, before.playbook_version);
    if (!pb) return pb.error();
    using core::TimerEffect;
    if (t.timers != TimerEffect::none) {
        // Accepting (or a reassignment) stops the accept side — reminders, the accept
        // deadline and escalation levels that watch acceptance; done and cancel stop all.
        auto timers = tx.timers_of(before.id);
        if (!timers) return timers.error();
        std::vector<std::int64_t> stop;
        for (const auto& timer : *timers) {
            if (timer.fired_at || timer.cancelled) continue;
            if (t.timers == TimerEffect::stop_all ||
                core::is_accept_side(timer.kind, timer.level, **pb)) {
                stop.push_back(timer.id);
            }
        }
        if (auto st = tx.cancel_timers(before.id, stop); !st) return st;
    }
    if (t.timers == TimerEffect::restart_accept_side) {
        auto plan = accept_side_plan(tx, **pb, t.next.owner, now);
        if (!plan) return plan.error();
        if (auto st = tx.insert_timers(timer_records(before.id, *plan, t.next.owner)); !st) {
            return st;
        }
    }
    auto snap = snapshot(tx, false);
    if (!snap) return snap.error();
    const std::string key = "handoff:" + std::to_string(before.id) + ":rev:" +
                            std::to_string(before.revision + 1);
    const std::string actor = t.appended.empty() ? std::string() : t.appended.front().actor;
    std::vector<store::OutboxRecord> rows =
        detail::notice_rows(t.next, key, t.notices, *(*snap)->directory, actor, now);
    // The checkpoint channels hear the moves that matter to everyone watching: accepted,
    // declined, done, cancelled.
    if (t.next.state != before.state && t.next.state != core::HandoffState::waiting) {
        for (auto& row : detail::broadcast_rows(t.next, **pb, key, core::to_string(t.next.state),
                                                now)) {
            rows.push_back(std::move(row));
        }
    }
    if (auto st = tx.insert_outbox(rows); !st) return st;
    if (t.next.state == core::HandoffState::done && before.state != core::HandoffState::done &&
        (*pb)->next) {
        return relay_next(tx, **snap, t.next, *(*pb)->next, now);
    }
    return ok_status();
}

Result<core::DeadlinePlan> Engine::accept_side_plan(store::Transaction& tx,
                                                    const core::Playbook& pb,
                                                    const std::string& owner, TimePoint now) {
    auto snap = snapshot(tx, false);
    if (!snap) return snap.error();
    const core::Person* person = (*snap)->directory->person(owner);
    const core::Calendar calendar = person ? person->calendar : core::Calendar::always();
    return core::plan_accept_side(pb, now, calendar);
}

Status Engine::restart_accept_window(store::Transaction& tx, const core::Playbook& pb,
                                     core::Handoff& next, TimePoint now) {
    auto plan = accept_side_plan(tx, pb, next.owner, now);
    if (!plan) return plan.error();
    next.deadlines.accept_by = plan->deadlines.accept_by;
    auto timers = tx.timers_of(next.id);
    if (!timers) return timers.error();
    std::vector<std::int64_t> stop;
    for (const auto& timer : *timers) {
        if (timer.fired_at || timer.cancelled) continue;
        if (timer.kind == store::TimerKind::remind || timer.kind == store::TimerKind::accept_due) {
            stop.push_back(timer.id);
        }
    }
    if (auto st = tx.cancel_timers(next.id, stop); !st) return st;
    // Restarting the escalations too would fire the level that just reassigned again.
    std::erase_if(plan->timers,
                  [](const core::PlannedTimer& t) { return t.kind == store::TimerKind::escalate; });
    return tx.insert_timers(timer_records(next.id, *plan, next.owner));
}

Status Engine::act_in(store::Transaction& tx, std::int64_t id, const core::Action& action,
                      const core::Actor& actor, TimePoint now, core::Handoff& after) {
    auto loaded = tx.handoff(id, true);
    if (!loaded) return loaded.error();
    if (!loaded->has_value()) return no_handoff(id);
    const core::Handoff& before = **loaded;
    auto t = core::apply_action(before, action, actor, now);
    if (!t) return t.error();
    if (t->timers == core::TimerEffect::restart_accept_side) {
        // The new owner's fresh accept side: the deadline the handoff shows (and that
        // "overdue to accept" is judged by) is the one its new accept_due timer keeps.
        auto pb = playbook_version(tx, before.playbook_id, before.playbook_version);
        if (!pb) return pb.error();
        auto plan = accept_side_plan(tx, **pb, t->next.owner, now);
        if (!plan) return plan.error();
        t->next.deadlines.accept_by = plan->deadlines.accept_by;
    }
    if (auto s = tx.update_handoff(t->next); !s) return s;
    if (auto s = tx.append_timeline(id, t->appended); !s) return s;
    if (auto s = apply_effects(tx, before, *t, now); !s) return s;
    after = t->next;
    after.revision = before.revision + 1;
    for (auto& e : t->appended) after.timeline.push_back(std::move(e));
    return ok_status();
}

Result<core::Handoff> Engine::act(std::int64_t id, const core::Action& action,
                                  const core::Actor& actor) {
    const TimePoint now = clock_.now();
    core::Handoff after;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        return act_in(tx, id, action, actor, now, after);
    });
    if (!st) return st.error();
    return after;
}

Result<core::Handoff> Engine::reassign(std::int64_t id, const std::string& to,
                                       const std::string& reason, const core::Actor& actor) {
    const TimePoint now = clock_.now();
    core::Handoff after;
    // Resolving a team bumps its round-robin counter, so it shares the action's
    // transaction: a refused reassignment leaves the counter as it was.
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        auto snap = snapshot(tx, false);
        if (!snap) return snap.error();
        const core::Directory& directory = *(*snap)->directory;
        std::string resolved = to;
        if (const core::Team* team = directory.team(to)) {
            core::TeamLoad load;
            auto counter = tx.next_assignment(team->handle);
            if (!counter) return counter.error();
            load.round_robin_counter = *counter;
            auto counts = tx.open_handoff_counts(team->members);
            if (!counts) return counts.error();
            load.open_counts = std::move(counts).value();
            resolved = core::resolve_owner(to, "", directory, load).owner;
        } else if (!directory.person(to)) {
            std::string message = "nobody called `" + to + "` in people.yaml";
            const std::string hint = core::did_you_mean(to, directory.handles());
            if (!hint.empty()) message += "; " + hint;
            return make_error(ErrorCode::invalid_argument, message, "to");
        }
        // A viewer may not accept, so a handoff given to one would sit waiting for good.
        if (const core::Person* p = directory.person(resolved);
            p != nullptr && p->role == core::Role::viewer) {
            return make_error(ErrorCode::conflict,
                              "`" + resolved + "` is a viewer and cannot accept a handoff; "
                              "reassign it to a member or an admin",
                              "owner");
        }
        return act_in(tx, id, core::Reassign{resolved, reason}, actor, now, after);
    });
    if (!st) return st.error();
    return after;
}

Result<core::Handoff> Engine::show(std::int64_t id) {
    std::optional<core::Handoff> out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto loaded = tx.handoff(id, true);
        if (!loaded) return loaded.error();
        out = std::move(loaded).value();
        return ok_status();
    });
    if (!st) return st.error();
    if (!out) return no_handoff(id);
    return std::move(*out);
}

Result<std::vector<core::Handoff>> Engine::list(const ListQuery& q) {
    const std::size_t limit_max = q.cards ? limits::list_card_page_max : limits::list_page_max;
    if (q.limit == 0 || q.limit > limit_max) {
        return make_error(ErrorCode::invalid_argument,
                          "limit must be 1 to " + std::to_string(limit_max) +
                              (q.cards ? " with view=card" : ""),
                          "limit");
    }
    store::HandoffFilter f;
    f.state = q.state;
    f.owner = q.owner;
    f.accountable = q.accountable;
    f.mine = q.mine;
    f.givers = q.givers;
    f.playbook = q.playbook;
    f.subject = q.subject;
    if (q.overdue) f.overdue_at = clock_.now();
    f.subject_contains = q.subject_contains;
    f.closed_since = q.closed_since;
    f.unowned_only = q.unowned_only;
    f.newest_first = q.newest_first;
    f.after_id = q.after_id;
    f.limit = q.limit;
    f.with_data = !q.cards;
    std::vector<core::Handoff> out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        if (q.team) {
            auto snap = snapshot(tx, true);
            if (!snap) return snap.error();
            const core::Team* team = (*snap)->directory->team(*q.team);
            if (team == nullptr) {
                return make_error(ErrorCode::not_found, "no team `" + *q.team + "` in people.yaml",
                                  "team");
            }
            // A team without members owns nothing; an empty list would mean "any owner".
            if (team->members.empty()) return ok_status();
            f.owner_in = team->members;
        }
        // open_only filters after reading, page by page, so that a page still has up to
        // `limit` open handoffs.
        while (out.size() < q.limit) {
            auto page = tx.list_handoffs(f);
            if (!page) return page.error();
            if (!q.open_only) {
                out = std::move(*page);  // a page of up to 5,000: not moved one by one
                break;
            }
            if (page->empty()) break;
            f.after_id = page->back().id;
            for (auto& h : *page) {
                if (!core::is_open(h.state)) continue;
                if (out.size() < q.limit) out.push_back(std::move(h));
            }
        }
        return ok_status();
    });
    if (!st) return st.error();
    return out;
}

Result<Relay> Engine::relay(const std::string& subject) {
    Relay out;
    out.subject = subject;
    const TimePoint now = clock_.now();
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        store::HandoffFilter f;
        f.subject = subject;
        f.limit = limits::list_page_max;
        auto page = tx.list_handoffs(f);
        if (!page) return page.error();
        for (auto& h : *page) {
            const Milliseconds held = h.closed_at.value_or(now) - h.created_at;
            out.legs.push_back(RelayLeg{std::move(h), held});
        }
        return ok_status();
    });
    if (!st) return st.error();
    if (out.legs.empty()) {
        return make_error(ErrorCode::not_found, "no handoffs with subject `" + subject + "`",
                          "subject");
    }
    for (std::size_t i = out.legs.size(); i-- > 0;) {
        if (core::is_open(out.legs[i].handoff.state)) {
            out.current = i;
            break;
        }
    }
    return out;
}

Result<std::vector<core::Handoff>> Engine::created_since(TimePoint since, bool with_timelines) {
    std::vector<core::Handoff> handoffs;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        store::HandoffFilter f;
        f.created_since = since;
        f.limit = limits::list_page_max;
        for (;;) {
            auto page = tx.list_handoffs(f);
            if (!page) return page.error();
            if (page->empty()) break;
            f.after_id = page->back().id;
            for (auto& h : *page) handoffs.push_back(std::move(h));
        }
        if (!with_timelines) return ok_status();
        // One read per handoff, in the same transaction: the store has no batch read of
        // timelines yet.
        for (auto& h : handoffs) {
            auto full = tx.handoff(h.id, true);
            if (!full) return full.error();
            if (*full) h.timeline = std::move((*full)->timeline);
        }
        return ok_status();
    });
    if (!st) return st.error();
    return handoffs;
}

Result<std::vector<core::ReportRow>> Engine::report(Milliseconds since, core::ReportBy by) {
    const TimePoint now = clock_.now();
    auto handoffs = created_since(now - since, true);
    if (!handoffs) return handoffs.error();
    return core::build_report(*handoffs, by, now);
}

Result<std::vector<core::SeriesDay>> Engine::series(Milliseconds since) {
    const TimePoint now = clock_.now();
    auto handoffs = created_since(now - since, false);
    if (!handoffs) return handoffs.error();
    return core::build_series(*handoffs, now - since, now);
}

Result<std::vector<store::EventRecord>> Engine::events(const store::EventFilter& filter) {
    return read_value<std::vector<store::EventRecord>>(
        [&](store::Transaction& tx) { return tx.list_events(filter); });
}

Result<std::vector<store::TimerRecord>> Engine::timers(std::int64_t handoff_id) {
    return read_value<std::vector<store::TimerRecord>>(
        [&](store::Transaction& tx) { return tx.timers_of(handoff_id); });
}

Result<std::vector<store::OutboxRecord>> Engine::outbox(std::int64_t handoff_id) {
    return read_value<std::vector<store::OutboxRecord>>(
        [&](store::Transaction& tx) { return tx.outbox_of(handoff_id); });
}

}  // namespace baton::engine

namespace baton::engine {

Result<NewToken> Engine::create_token(const std::string& handle, const std::string& label) {
    // A label names the token in lists: a few words, not a document (it is shown back
    // on every GET /v1/tokens).
    if (label.size() > limits::token_label_bytes_max) {
        return make_error(ErrorCode::invalid_argument,
                          "label is " + std::to_string(label.size()) + " bytes; at most " +
                              std::to_string(limits::token_label_bytes_max),
                          "label");
    }
    auto person = actor(handle);
    if (!person) return make_error(ErrorCode::not_found, person.error().message, "handle");
    auto secret = crypto::random_token();
    if (!secret) return secret.error();
    store::TokenRecord record;
    record.handle = handle;
    record.hash = crypto::sha256_hex(*secret);
    record.label = label;
    record.created_at = clock_.now();
    NewToken out{0, handle, std::move(secret).value()};
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        auto id = tx.insert_token(record);
        if (!id) return id.error();
        out.id = *id;
        return ok_status();
    });
    if (!st) return st.error();
    return out;
}

Status Engine::revoke_token(std::int64_t id) {
    const TimePoint now = clock_.now();
    return store_.write([&](store::Transaction& tx) { return tx.revoke_token(id, now); });
}

Result<std::vector<store::TokenRecord>> Engine::tokens() {
    return read_value<std::vector<store::TokenRecord>>(
        [&](store::Transaction& tx) { return tx.list_tokens(); });
}

Result<core::Actor> Engine::authenticate(const std::string& secret) {
    // Only the hash is stored, so the look-up itself never compares secrets; an unknown
    // and a revoked token get the same answer.
    const std::string hash = crypto::sha256_hex(secret);
    std::optional<store::TokenRecord> token;
    std::shared_ptr<const core::Directory> directory;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto found = tx.token_by_hash(hash);
        if (!found) return found.error();
        token = std::move(found).value();
        auto snap = snapshot(tx, true);
        if (!snap) return snap.error();
        directory = (*snap)->directory;
        return ok_status();
    });
    if (!st) return st.error();
    if (!token || token->revoked_at) {
        return make_error(ErrorCode::not_found, "the token is unknown or revoked", "token");
    }
    const core::Person* p = directory->person(token->handle);
    if (p == nullptr) {
        return make_error(ErrorCode::not_found,
                          "the token's person `" + token->handle + "` is no longer in people.yaml",
                          "token");
    }
    return core::Actor{p->handle, p->role, directory->teams_of(p->handle)};
}

Result<store::PlaybookRecord> Engine::playbook_record(const std::string& id) {
    std::optional<store::PlaybookRecord> out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto r = tx.playbook(id, std::nullopt);
        if (!r) return r.error();
        out = std::move(r).value();
        return ok_status();
    });
    if (!st) return st.error();
    if (!out) return make_error(ErrorCode::not_found, "no playbook `" + id + "`", "id");
    return std::move(*out);
}

Result<std::vector<store::PlaybookRecord>> Engine::playbook_records() {
    return read_value<std::vector<store::PlaybookRecord>>(
        [&](store::Transaction& tx) { return tx.current_playbooks(); });
}

Result<std::optional<store::DocumentRecord>> Engine::people_record() {
    return read_value<std::optional<store::DocumentRecord>>(
        [&](store::Transaction& tx) { return tx.current_document("people"); });
}

Result<std::optional<store::IdempotencyRecord>> Engine::idempotent_answer(const std::string& scope,
                                                                          const std::string& key) {
    return read_value<std::optional<store::IdempotencyRecord>>(
        [&](store::Transaction& tx) { return tx.idempotency(scope, key); });
}

Status Engine::remember_answer(const store::IdempotencyRecord& record) {
    return store_.write([&](store::Transaction& tx) { return tx.put_idempotency(record); });
}

Status Engine::ready() {
    return store_.read([](store::Transaction& tx) -> Status {
        auto v = tx.config_version();
        return v ? ok_status() : Status(v.error());
    });
}

Result<std::map<core::HandoffState, std::int64_t>> Engine::handoff_counts() {
    return read_value<std::map<core::HandoffState, std::int64_t>>(
        [&](store::Transaction& tx) { return tx.count_handoffs_by_state(); });
}

}  // namespace baton::engine

namespace baton::engine {

Result<std::optional<store::DocumentRecord>> Engine::sources_record() {
    return read_value<std::optional<store::DocumentRecord>>(
        [&](store::Transaction& tx) { return tx.current_document("sources"); });
}

Result<std::optional<store::DocumentRecord>> Engine::document_record(const std::string& kind) {
    return read_value<std::optional<store::DocumentRecord>>(
        [&](store::Transaction& tx) { return tx.current_document(kind); });
}

Result<std::vector<store::DocumentRecord>> Engine::template_records() {
    return read_value<std::vector<store::DocumentRecord>>(
        [&](store::Transaction& tx) { return tx.current_documents_with_prefix("template:"); });
}

Result<core::Source> Engine::source(const std::string& name) {
    std::shared_ptr<const core::SourceList> sources;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto snap = snapshot(tx, true);
        if (!snap) return snap.error();
        sources = (*snap)->sources;
        return ok_status();
    });
    if (!st) return st.error();
    const core::Source* found = sources->find(name);
    if (found == nullptr) {
        return make_error(ErrorCode::not_found, "no inbound webhook source `" + name + "`",
                          "source");
    }
    return *found;
}

}  // namespace baton::engine
