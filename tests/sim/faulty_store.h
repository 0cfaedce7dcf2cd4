// FaultyStore: a store::Store decorator for the deterministic simulation. It delegates
// everything to a real store and, when armed, makes the next write fail: at one chosen call
// of its callback (the call answers an `unavailable` error and the real store is not asked),
// or after the callback succeeded (as a failing commit would). Either way the error comes
// back out of the real store's write callback, so the real store rolls the transaction
// back: a failed write must leave no trace, which the simulation then checks.
//
// It also watches what each write did, for the simulation's invariants: which handoffs the
// callback touched, the events it stored, and which timers it marked fired (kept only when
// the write committed).
//
// Ownership: borrows the inner store, which must outlive it. Threading: none — the
// simulation is single-threaded, and write_async is the base class's synchronous default
// (so that the engine's asynchronous intake runs on the caller's thread, deterministically).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/store.h"

namespace baton::sim {

// A fault for the next write (or read).
struct Fault {
    enum class Kind {
        none,
        fail_call,    // the `call_index`-th call (from 0) of the callback fails
        fail_commit,  // the callback ran to its end, then the write fails
    };
    Kind kind = Kind::none;
    int call_index = 0;
};

// A timer the store marked fired in a write that committed.
struct TimerFiring {
    std::int64_t timer_id = 0;
    std::int64_t handoff_id = 0;
    store::TimerKind kind = store::TimerKind::remind;
    int level = 0;
    TimePoint due_at{};
    TimePoint fired_at{};
};

// What the last write did.
struct WriteRecord {
    bool ok = false;                   // the real store answered ok (it committed)
    bool fault_injected = false;       // the armed fault was triggered
    std::string fault;                 // which call failed, for the step log
    bool fault_swallowed = false;      // a call failed and the callback still answered ok
    int calls = 0;                     // calls the callback made
    std::set<std::int64_t> handoffs;   // handoffs the callback touched (or tried to)
    std::vector<TimerFiring> firings;  // committed firings (empty unless ok)
    // How many timers the last due_timers() answered: a batch can be full although fewer
    // fired, when a firing (an escalation that reassigns) cancels others of the batch.
    std::size_t timers_due = 0;
};

class FaultyTransaction;

class FaultyStore final : public store::Store {
  public:
    explicit FaultyStore(store::Store& inner) : inner_(inner) {}

    // The next write gets this fault; the next read fails at its first call when
    // `fail_next_read` is set. Both are spent by the next write (or read).
    void arm(Fault fault) { armed_ = fault; }
    void fail_next_read() { fail_read_ = true; }
    bool armed() const { return armed_.kind != Fault::Kind::none || fail_read_; }
    void disarm() {
        armed_ = Fault{};
        fail_read_ = false;
    }

    // The writes since the last take, in order.
    std::vector<WriteRecord> take_writes() { return std::exchange(writes_, {}); }

    // Counters for the report.
    std::int64_t faults_injected() const { return faults_injected_; }
    std::int64_t read_faults_injected() const { return read_faults_injected_; }

    Status write(const store::TransactionFn& fn) override;
    Status read(const store::TransactionFn& fn) override;
    Status backup(const std::string& path) override { return inner_.backup(path); }
    std::string describe() const override { return "faulty(" + inner_.describe() + ")"; }

  private:
    store::Store& inner_;
    Fault armed_;
    bool fail_read_ = false;
    std::vector<WriteRecord> writes_;
    std::int64_t faults_injected_ = 0;
    std::int64_t read_faults_injected_ = 0;
    // The handoff of every timer and outbox row seen so far, to tell which handoff a
    // fire_timer or settle_outbox call touches.
    std::map<std::int64_t, std::int64_t> timer_handoff_;
    std::map<std::int64_t, std::int64_t> outbox_handoff_;
    std::map<std::int64_t, store::TimerRecord> timers_seen_;

    friend class FaultyTransaction;
};

}  // namespace baton::sim
