// The engine's time-driven use cases: firing due timers (reminders, deadlines,
// escalations), relays (`next:`), and checklist items ticked by events. Each runs inside
// the transaction of its caller, so its effects commit with the change that caused them.
#include <algorithm>

#include "core/firing.h"
#include "core/limits.h"
#include "core/owner.h"
#include "core/template.h"
#include "engine/effects.h"
#include "engine/engine.h"
#include "engine/snapshot.h"

namespace baton::engine {

using detail::system_entry;

Result<std::string> Engine::resolve_person(store::Transaction& tx, const Snapshot& snap,
                                           const core::Handoff& h, const std::string& wanted) {
    const std::string rendered = core::render_template(wanted, detail::handoff_context(h)).text;
    const core::Directory& directory = *snap.directory;
    const core::Team* team = directory.team(rendered);
    if (team == nullptr) return rendered;
    auto load = detail::team_load(tx, *team);
    if (!load) return load.error();
    return core::resolve_owner(rendered, "", directory, *load).owner;
}

Result<bool> Engine::fire_one(store::Transaction& tx, const Snapshot& snap,
                              const store::TimerRecord& timer, TimePoint now) {
    auto loaded = tx.handoff(timer.handoff_id, false);
    if (!loaded) return loaded.error();
    if (!loaded->has_value()) return false;  // cannot happen: timers need their handoff
    const core::Handoff& h = **loaded;
    auto pb = playbook_version(tx, h.playbook_id, h.playbook_version);
    if (!pb) {
        // A store that cannot answer stops the batch (it is retried); a playbook that is
        // gone or no longer parses must not stop every other timer behind this one.
        if (pb.error().code == ErrorCode::unavailable) return pb.error();
        auto st = tx.append_timeline(
            h.id, {system_entry(now, "note",
                                "A " + std::string(core::to_string(timer.kind)) +
                                    " timer could not fire: " + pb.error().message,
                                {{"timer", timer.id}})});
        if (!st) return st.error();
        return false;
    }
    auto target = resolve_person(tx, snap, h, timer.target);
    if (!target) return target.error();
    core::Firing f = core::fire_timer(
        h, **pb, core::DueTimer{timer.kind, timer.level, timer.due_at, *target}, now);
    if (!f.effective) return false;
    if (f.next.owner != h.owner) {
        // Reassigned by the escalation: a fresh window for the new owner, as any reassign.
        if (auto st = restart_accept_window(tx, **pb, f.next, now); !st) return st.error();
    }
    if (f.changed) {
        if (auto st = tx.update_handoff(f.next); !st) return st.error();
    }
    if (auto st = tx.append_timeline(h.id, f.appended); !st) return st.error();
    const std::string key = "handoff:" + std::to_string(h.id) + ":timer:" + std::to_string(timer.id);
    std::vector<store::OutboxRecord> rows =
        detail::notice_rows(f.next, key, f.notices, *snap.directory, "baton", now);
    if (f.broadcast) {
        for (auto& row : detail::broadcast_rows(f.next, **pb, key, *f.broadcast, now)) {
            rows.push_back(std::move(row));
        }
    }
    if (auto st = tx.insert_outbox(rows); !st) return st.error();
    return true;
}

Result<Engine::TimerTick> Engine::fire_due_timers(std::size_t limit) {
    const TimePoint now = clock_.now();
    TimerTick tick;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        tick = TimerTick{};
        auto due = tx.due_timers(now, limit);
        if (!due) return due.error();
        if (!due->empty()) {
            auto snap = snapshot(tx, false);
            if (!snap) return snap.error();
            for (const store::TimerRecord& timer : *due) {
                auto marked = tx.fire_timer(timer.id, now);
                if (!marked) return marked.error();
                if (!*marked) continue;  // fired or cancelled meanwhile
                auto acted = fire_one(tx, **snap, timer, now);
                if (!acted) return acted.error();
                if (*acted) {
                    tick.lags.push_back(now - timer.due_at);
                    ++tick.fired;
                } else {
                    ++tick.spent;
                }
            }
        }
        auto next = tx.next_timer_due();
        if (!next) return next.error();
        tick.next_due = *next;
        return ok_status();
    });
    if (!st) return st.error();
    return tick;
}

Status Engine::relay_next(store::Transaction& tx, const Snapshot& snap, const core::Handoff& done,
                          const std::string& next_id, TimePoint now) {
    const Snapshot::Entry* entry = nullptr;
    for (const auto& e : snap.playbooks) {
        if (e.playbook->id == next_id) entry = &e;
    }
    if (entry == nullptr) {
        return tx.append_timeline(
            done.id, {system_entry(now, "note",
                                   "The relay stops here: the next playbook `" + next_id +
                                       "` is no longer stored",
                                   {{"next", next_id}})});
    }
    const core::Playbook& pb = *entry->playbook;
    core::Event event;
    event.id = "relay:" + std::to_string(done.id);
    event.source = "baton";
    event.type = pb.when;
    event.subject = done.subject;
    event.time = now;
    event.data = done.data;
    IngestResult out;
    if (auto st = create_handoff(tx, snap, pb, entry->version, event, now, out, &done.subject);
        !st) {
        return st;
    }
    BATON_ASSERT(out.handoff_ids.size() == 1);
    const std::int64_t next = out.handoff_ids.front();
    if (auto st = tx.append_timeline(
            next, {system_entry(now, "relayed",
                                "Started by the relay from handoff " + std::to_string(done.id) +
                                    " (" + done.playbook_id + ")",
                                {{"from", done.id}, {"playbook", done.playbook_id}})});
        !st) {
        return st;
    }
    return tx.append_timeline(
        done.id, {system_entry(now, "relayed",
                               "The baton passes on: handoff " + std::to_string(next) + " (" +
                                   pb.id + ")",
                               {{"to", next}, {"playbook", pb.id}})});
}

Status Engine::tick_checklists(store::Transaction& tx, const core::Event& event, TimePoint now,
                               IngestResult& out, const Snapshot* current, DryRun* dry) {
    if (!event.subject || event.subject->empty()) return ok_status();
    // Only event types that some playbook's checklist names are looked for; every other
    // event costs one set look-up here.
    std::shared_ptr<const Snapshot> read;
    if (current == nullptr) {
        auto snap = snapshot(tx, false);
        if (!snap) return snap.error();
        read = std::move(snap).value();
        current = read.get();
    }
    if (current->tick_types.count(event.type) == 0) return ok_status();
    store::HandoffFilter f;
    f.subject = *event.subject;
    f.limit = limits::list_page_max;
    const std::string source = event.source + "/" + event.id;
    for (;;) {
        auto page = tx.list_handoffs(f);
        if (!page) return page.error();
        if (page->empty()) return ok_status();
        f.after_id = page->back().id;
        for (const core::Handoff& h : *page) {
            auto t = core::tick_by_event(h, event.type, source, now);
            if (!t) continue;
            if (dry != nullptr) {
                DeliveryTest::Tick tick{h.id, h.title, {}};
                for (std::size_t i = 0; i < h.checklist.size() && i < t->next.checklist.size();
                     ++i) {
                    if (!h.checklist[i].checked && t->next.checklist[i].checked) {
                        tick.items.push_back(h.checklist[i].number);
                    }
                }
                dry->outcome->would_tick.push_back(std::move(tick));
                continue;
            }
            if (auto st = tx.update_handoff(t->next); !st) return st;
            if (auto st = tx.append_timeline(h.id, t->appended); !st) return st;
            out.ticked_ids.push_back(h.id);
        }
    }
}

}  // namespace baton::engine
