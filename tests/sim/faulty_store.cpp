#include "sim/faulty_store.h"

namespace baton::sim {

// Delegates every call to the real transaction, after counting it and, when it is the
// armed call, failing it instead. Records the handoffs each mutating call touches.
class FaultyTransaction final : public store::Transaction {
  public:
    FaultyTransaction(FaultyStore& store, store::Transaction& inner, Fault fault,
                      WriteRecord* record, bool fail_read)
        : store_(store), inner_(inner), fault_(fault), record_(record), fail_read_(fail_read) {}

    std::vector<TimerFiring> firings;  // marked fired in this transaction
    bool failed = false;               // a call was failed on purpose

    Result<bool> insert_event(const core::Event& event, TimePoint received_at) override {
        if (auto e = gate("insert_event")) return *e;
        return inner_.insert_event(event, received_at);
    }
    Status set_event_handoffs(const std::string& source, const std::string& id,
                              int handoffs_created) override {
        if (auto e = gate("set_event_handoffs")) return *e;
        return inner_.set_event_handoffs(source, id, handoffs_created);
    }
    Result<std::optional<store::EventRecord>> event(const std::string& source,
                                                    const std::string& id) override {
        if (auto e = gate("event")) return *e;
        return inner_.event(source, id);
    }
    Result<std::vector<store::EventRecord>> list_events(const store::EventFilter& f) override {
        if (auto e = gate("list_events")) return *e;
        return inner_.list_events(f);
    }
    Result<std::vector<std::int64_t>> handoffs_of_event(const std::string& source,
                                                        const std::string& id) override {
        if (auto e = gate("handoffs_of_event")) return *e;
        return inner_.handoffs_of_event(source, id);
    }
    Result<int> put_playbook(const std::string& id, const std::string& yaml,
                             const std::string& file, TimePoint now) override {
        if (auto e = gate("put_playbook")) return *e;
        return inner_.put_playbook(id, yaml, file, now);
    }
    Result<std::vector<store::PlaybookRecord>> current_playbooks() override {
        if (auto e = gate("current_playbooks")) return *e;
        return inner_.current_playbooks();
    }
    Result<std::optional<store::PlaybookRecord>> playbook(const std::string& id,
                                                          std::optional<int> version) override {
        if (auto e = gate("playbook")) return *e;
        return inner_.playbook(id, version);
    }
    Result<int> put_document(const std::string& kind, const std::string& text,
                             TimePoint now) override {
        if (auto e = gate("put_document")) return *e;
        return inner_.put_document(kind, text, now);
    }
    Result<std::optional<store::DocumentRecord>> current_document(
        const std::string& kind) override {
        if (auto e = gate("current_document")) return *e;
        return inner_.current_document(kind);
    }
    Result<std::vector<store::DocumentRecord>> current_documents_with_prefix(
        const std::string& prefix) override {
        if (auto e = gate("current_documents_with_prefix")) return *e;
        return inner_.current_documents_with_prefix(prefix);
    }
    Result<std::int64_t> insert_handoff(const core::Handoff& handoff) override {
        if (auto e = gate("insert_handoff")) return *e;
        auto id = inner_.insert_handoff(handoff);
        if (id) touch(*id);
        return id;
    }
    Status update_handoff(const core::Handoff& handoff) override {
        touch(handoff.id);
        if (auto e = gate("update_handoff")) return *e;
        return inner_.update_handoff(handoff);
    }
    Status append_timeline(std::int64_t handoff_id,
                           const std::vector<core::TimelineEntry>& entries) override {
        touch(handoff_id);
        if (auto e = gate("append_timeline")) return *e;
        return inner_.append_timeline(handoff_id, entries);
    }
    Result<std::optional<core::Handoff>> handoff(std::int64_t id, bool with_timeline) override {
        if (auto e = gate("handoff")) return *e;
        return inner_.handoff(id, with_timeline);
    }
    Result<std::vector<core::Handoff>> list_handoffs(const store::HandoffFilter& f) override {
        if (auto e = gate("list_handoffs")) return *e;
        return inner_.list_handoffs(f);
    }
    Status insert_timers(const std::vector<store::TimerRecord>& timers) override {
        for (const auto& t : timers) touch(t.handoff_id);
        if (auto e = gate("insert_timers")) return *e;
        return inner_.insert_timers(timers);
    }
    Status cancel_timers(std::int64_t handoff_id,
                         const std::vector<std::int64_t>& timer_ids) override {
        touch(handoff_id);
        if (auto e = gate("cancel_timers")) return *e;
        return inner_.cancel_timers(handoff_id, timer_ids);
    }
    Result<std::vector<store::TimerRecord>> timers_of(std::int64_t handoff_id) override {
        if (auto e = gate("timers_of")) return *e;
        auto timers = inner_.timers_of(handoff_id);
        if (timers) remember(*timers);
        return timers;
    }
    Status insert_outbox(const std::vector<store::OutboxRecord>& rows) override {
        for (const auto& r : rows) touch(r.handoff_id);
        if (auto e = gate("insert_outbox")) return *e;
        return inner_.insert_outbox(rows);
    }
    Result<std::vector<store::OutboxRecord>> outbox_of(std::int64_t handoff_id) override {
        if (auto e = gate("outbox_of")) return *e;
        auto rows = inner_.outbox_of(handoff_id);
        if (rows) remember(*rows);
        return rows;
    }
    Result<std::vector<store::TimerRecord>> due_timers(TimePoint now, std::size_t limit) override {
        if (auto e = gate("due_timers")) return *e;
        auto timers = inner_.due_timers(now, limit);
        if (timers) remember(*timers);
        if (timers && record_ != nullptr) record_->timers_due = timers->size();
        return timers;
    }
    Result<bool> fire_timer(std::int64_t timer_id, TimePoint at) override {
        const auto seen = store_.timers_seen_.find(timer_id);
        if (seen != store_.timers_seen_.end()) touch(seen->second.handoff_id);
        if (auto e = gate("fire_timer")) return *e;
        auto fired = inner_.fire_timer(timer_id, at);
        if (fired && *fired) {
            TimerFiring f;
            f.timer_id = timer_id;
            f.fired_at = at;
            if (seen != store_.timers_seen_.end()) {
                f.handoff_id = seen->second.handoff_id;
                f.kind = seen->second.kind;
                f.level = seen->second.level;
                f.due_at = seen->second.due_at;
            }
            firings.push_back(f);
        }
        return fired;
    }
    Result<std::optional<TimePoint>> next_timer_due() override {
        if (auto e = gate("next_timer_due")) return *e;
        return inner_.next_timer_due();
    }
    Result<std::vector<store::OutboxRecord>> lease_outbox(TimePoint now, TimePoint lease_until,
                                                          std::size_t limit) override {
        if (auto e = gate("lease_outbox")) return *e;
        auto rows = inner_.lease_outbox(now, lease_until, limit);
        if (rows) {
            remember(*rows);
            for (const auto& r : *rows) touch(r.handoff_id);
        }
        return rows;
    }
    Status settle_outbox(std::int64_t id, const std::string& status, TimePoint next_attempt_at,
                         const std::string& last_error,
                         std::optional<TimePoint> delivered_at) override {
        if (auto it = store_.outbox_handoff_.find(id); it != store_.outbox_handoff_.end()) {
            touch(it->second);
        }
        if (auto e = gate("settle_outbox")) return *e;
        return inner_.settle_outbox(id, status, next_attempt_at, last_error, delivered_at);
    }
    Result<std::optional<TimePoint>> next_outbox_due() override {
        if (auto e = gate("next_outbox_due")) return *e;
        return inner_.next_outbox_due();
    }
    Result<std::map<std::string, std::int64_t>> count_outbox_by_status() override {
        if (auto e = gate("count_outbox_by_status")) return *e;
        return inner_.count_outbox_by_status();
    }
    Result<std::int64_t> config_version() override {
        if (auto e = gate("config_version")) return *e;
        return inner_.config_version();
    }
    Result<std::int64_t> next_assignment(const std::string& team) override {
        if (auto e = gate("next_assignment")) return *e;
        return inner_.next_assignment(team);
    }
    Result<std::int64_t> peek_assignment(const std::string& team) override {
        if (auto e = gate("peek_assignment")) return *e;
        return inner_.peek_assignment(team);
    }
    Result<std::map<std::string, int>> open_handoff_counts(
        const std::vector<std::string>& handles) override {
        if (auto e = gate("open_handoff_counts")) return *e;
        return inner_.open_handoff_counts(handles);
    }
    Result<std::map<core::HandoffState, std::int64_t>> count_handoffs_by_state() override {
        if (auto e = gate("count_handoffs_by_state")) return *e;
        return inner_.count_handoffs_by_state();
    }
    Result<std::int64_t> insert_token(const store::TokenRecord& token) override {
        if (auto e = gate("insert_token")) return *e;
        return inner_.insert_token(token);
    }
    Status revoke_token(std::int64_t id, TimePoint now) override {
        if (auto e = gate("revoke_token")) return *e;
        return inner_.revoke_token(id, now);
    }
    Result<std::optional<store::TokenRecord>> token_by_hash(const std::string& hash) override {
        if (auto e = gate("token_by_hash")) return *e;
        return inner_.token_by_hash(hash);
    }
    Result<std::vector<store::TokenRecord>> list_tokens() override {
        if (auto e = gate("list_tokens")) return *e;
        return inner_.list_tokens();
    }
    Result<std::optional<store::IdempotencyRecord>> idempotency(const std::string& scope,
                                                                const std::string& key) override {
        if (auto e = gate("idempotency")) return *e;
        return inner_.idempotency(scope, key);
    }
    Status put_idempotency(const store::IdempotencyRecord& record) override {
        if (auto e = gate("put_idempotency")) return *e;
        return inner_.put_idempotency(record);
    }
    Result<std::int64_t> expire_idempotency(TimePoint before, TimePoint links_before,
                                            std::size_t limit) override {
        if (auto e = gate("expire_idempotency")) return *e;
        return inner_.expire_idempotency(before, links_before, limit);
    }

    Result<std::vector<store::HandoffChange>> handoff_changes(std::int64_t after_seq,
                                                              std::size_t limit) override {
        if (auto e = gate("handoff_changes")) return *e;
        return inner_.handoff_changes(after_seq, limit);
    }
    Result<std::int64_t> last_change_seq() override {
        if (auto e = gate("last_change_seq")) return *e;
        return inner_.last_change_seq();
    }
    Status put_password(const std::string& handle, const std::string& hash, TimePoint at) override {
        if (auto e = gate("put_password")) return *e;
        return inner_.put_password(handle, hash, at);
    }
    Result<std::optional<std::string>> password_hash(const std::string& handle) override {
        if (auto e = gate("password_hash")) return *e;
        return inner_.password_hash(handle);
    }
    Status insert_session(const store::SessionRecord& session) override {
        if (auto e = gate("insert_session")) return *e;
        return inner_.insert_session(session);
    }
    Result<std::optional<store::SessionRecord>> session_by_hash(const std::string& hash) override {
        if (auto e = gate("session_by_hash")) return *e;
        return inner_.session_by_hash(hash);
    }
    Status delete_session(const std::string& hash) override {
        if (auto e = gate("delete_session")) return *e;
        return inner_.delete_session(hash);
    }
    Result<std::int64_t> expire_sessions(TimePoint now, std::size_t limit) override {
        if (auto e = gate("expire_sessions")) return *e;
        return inner_.expire_sessions(now, limit);
    }
    Result<std::int64_t> insert_hook_delivery(const store::HookDeliveryRecord& record) override {
        if (auto e = gate("insert_hook_delivery")) return *e;
        return inner_.insert_hook_delivery(record);
    }
    Result<std::optional<store::HookDeliveryRecord>> hook_delivery(std::int64_t id) override {
        if (auto e = gate("hook_delivery")) return *e;
        return inner_.hook_delivery(id);
    }
    Result<std::vector<store::HookDeliveryRecord>> list_hook_deliveries(
        const store::HookDeliveryFilter& filter) override {
        if (auto e = gate("list_hook_deliveries")) return *e;
        return inner_.list_hook_deliveries(filter);
    }
    Result<std::int64_t> expire_hook_deliveries(TimePoint before, std::size_t limit) override {
        if (auto e = gate("expire_hook_deliveries")) return *e;
        return inner_.expire_hook_deliveries(before, limit);
    }

  private:
    // The injected error for this call, if it is the armed one.
    std::optional<Error> gate(const char* call) {
        const int index = calls_++;
        if (record_ != nullptr) record_->calls = calls_;
        const bool fail = fail_read_
                              ? index == 0
                              : fault_.kind == Fault::Kind::fail_call && index == fault_.call_index;
        if (!fail) return std::nullopt;
        failed = true;
        if (record_ != nullptr) {
            record_->fault_injected = true;
            record_->fault = std::string("call ") + std::to_string(index) + " (" + call + ")";
        }
        return make_error(ErrorCode::unavailable,
                          std::string("injected fault: ") + call + " failed");
    }
    void touch(std::int64_t handoff_id) {
        if (record_ != nullptr && handoff_id > 0) record_->handoffs.insert(handoff_id);
    }
    void remember(const std::vector<store::TimerRecord>& timers) {
        for (const auto& t : timers) store_.timers_seen_[t.id] = t;
    }
    void remember(const std::vector<store::OutboxRecord>& rows) {
        for (const auto& r : rows) store_.outbox_handoff_[r.id] = r.handoff_id;
    }

    FaultyStore& store_;
    store::Transaction& inner_;
    const Fault fault_;
    WriteRecord* const record_;
    const bool fail_read_;
    int calls_ = 0;
};

Status FaultyStore::write(const store::TransactionFn& fn) {
    const Fault fault = std::exchange(armed_, Fault{});
    WriteRecord record;
    std::vector<TimerFiring> firings;
    Status st = inner_.write([&](store::Transaction& tx) -> Status {
        // Each run of the callback starts with a fresh record.
        record = WriteRecord{};
        FaultyTransaction faulty(*this, tx, fault, &record, false);
        Status inner = fn(faulty);
        firings = std::move(faulty.firings);
        if (inner && faulty.failed) record.fault_swallowed = true;
        if (inner && fault.kind == Fault::Kind::fail_commit) {
            record.fault_injected = true;
            record.fault = "commit";
            return make_error(ErrorCode::unavailable, "injected fault: the commit failed");
        }
        return inner;
    });
    record.ok = st.ok();
    if (record.fault_injected) ++faults_injected_;
    if (record.ok) record.firings = std::move(firings);
    writes_.push_back(std::move(record));
    return st;
}

Status FaultyStore::read(const store::TransactionFn& fn) {
    const bool fail = std::exchange(fail_read_, false);
    return inner_.read([&](store::Transaction& tx) -> Status {
        FaultyTransaction faulty(*this, tx, Fault{}, nullptr, fail);
        Status st = fn(faulty);
        if (faulty.failed) ++read_faults_injected_;
        return st;
    });
}

}  // namespace baton::sim
