// The Store contract: tests every Store implementation must pass (STYLE.md rule 14). A
// backend's test file includes this header once and instantiates the suite with a
// StoreBackend that opens a fresh, empty store:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(StoreBackend{...}),
//                            backend_name);
//
// Each test gets its own temporary directory under /tmp, removed afterwards.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/limits.h"
#include "store/copy_rows.h"
#include "store/store.h"

namespace baton::store::testing {

#define EXPECT_OK(expr)                                                     \
    do {                                                                    \
        const auto& expect_ok_result_ = (expr);                             \
        EXPECT_TRUE(expect_ok_result_.ok()) << expect_ok_result_.error().message; \
    } while (0)

#define ASSERT_OK(expr)                                                     \
    do {                                                                    \
        const auto& assert_ok_result_ = (expr);                             \
        ASSERT_TRUE(assert_ok_result_.ok()) << assert_ok_result_.error().message; \
    } while (0)

// Declares `lhs` holding the value of a Result, or fails the test with its error.
#define ASSIGN_OR_FAIL(lhs, expr)                                       \
    auto lhs##_result = (expr);                                         \
    ASSERT_TRUE(lhs##_result.ok()) << lhs##_result.error().message;     \
    auto lhs = std::move(lhs##_result).value()

// A fresh directory under /tmp, removed with everything in it when the test ends.
class TempDir {
public:
    TempDir() {
        std::string pattern = "/tmp/baton-store-test-XXXXXX";
        const char* made = mkdtemp(pattern.data());
        if (made == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = made;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

struct StoreBackend {
    std::string name;
    // Opens a new, empty store; `dir` is the test's own temporary directory.
    std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& dir)> open;
};

inline void PrintTo(const StoreBackend& backend, std::ostream* out) { *out << backend.name; }

inline std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
    return info.param.name;
}

// A fixed, realistic instant (2023-11-14T22:13:20Z) plus `ms` milliseconds.
inline TimePoint at(std::int64_t ms) { return from_unix_ms(1'700'000'000'000 + ms); }

inline core::Event make_event(std::string id, std::string type = "deal.won",
                              std::string source = "crm") {
    core::Event e;
    e.id = std::move(id);
    e.type = std::move(type);
    e.source = std::move(source);
    e.time = at(0);
    e.data = {{"company", "Acme"}, {"amount", 1200}};
    return e;
}

// A handoff with every field set away from its default, so a round trip that drops or
// swaps a field shows.
inline core::Handoff full_handoff() {
    core::Handoff h;
    h.playbook_id = "sold-to-onboarding";
    h.playbook_version = 3;
    h.title = "Sold → onboarding";
    h.subject = "Müller & Søn — 東京 🚀";
    h.giver = "sales";
    h.owner = "ana";
    h.pending_from = "bob";
    h.unowned = true;
    h.state = core::HandoffState::accepted;
    h.done_definition = "The client has a welcome email, a folder and a kickoff call.";
    h.checklist = {
        core::ChecklistItem{1, "Send the welcome email", true, "ana", at(5'000), std::nullopt},
        core::ChecklistItem{2, "Book the kickoff call", false, "", std::nullopt,
                            std::string("meeting.booked")},
    };
    h.created_at = at(1'000);
    h.updated_at = at(6'000);
    h.accepted_at = at(2'000);
    h.closed_at = at(7'000);
    h.deadlines.accept_by = at(3'600'000);
    h.deadlines.done_by = at(172'800'000);
    h.escalation_level = 2;
    h.escalated_to = "kim";
    h.event_source = "crm";
    h.event_id = "deal-42";
    h.data = {{"company", "Acme"},
              {"amount", 1200.5},
              {"big", 9007199254740993LL},
              {"tags", {"a", "b"}},
              {"nested", {{"ok", true}, {"none", nullptr}}},
              {"name", "日本語"}};
    h.timeline = {
        core::TimelineEntry{at(1'000), "baton", "created", "Handed over to ana.",
                            {{"from", "sales"}}},
        core::TimelineEntry{at(2'000), "ana", "accepted", "Ana accepted.",
                            nlohmann::json::object()},
    };
    h.revision = 41;  // ignored on insert: a new handoff starts at revision 0
    return h;
}

// The smallest valid handoff: optional fields unset, nothing in the lists.
inline core::Handoff bare_handoff(std::string owner = "ana", std::string subject = "Acme") {
    core::Handoff h;
    h.playbook_id = "sold-to-onboarding";
    h.playbook_version = 1;
    h.title = "Sold → onboarding";
    h.subject = std::move(subject);
    h.giver = "sales";
    h.owner = std::move(owner);
    h.done_definition = "Done.";
    h.created_at = at(0);
    h.updated_at = at(0);
    h.event_source = "crm";
    h.event_id = "deal-1";
    return h;
}

inline TokenRecord make_token(std::string hash, std::string handle = "ana") {
    TokenRecord t;
    t.id = 999;  // ignored: the store assigns ids
    t.handle = std::move(handle);
    t.hash = std::move(hash);
    t.label = "CI — déploiement";
    t.created_at = at(1'000);
    return t;
}

inline IdempotencyRecord make_idempotency(std::string scope, std::string key) {
    IdempotencyRecord r;
    r.scope = std::move(scope);
    r.key = std::move(key);
    r.request_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    r.status = 201;
    r.response_body = R"({"id":7,"subject":"Müller — 東京"})";
    r.created_at = at(2'000);
    return r;
}

// A delivery to /hooks/SOURCE received at `ms`, with headers and a body to round-trip.
inline HookDeliveryRecord make_hook_delivery(std::string source, std::string outcome,
                                             std::int64_t ms) {
    HookDeliveryRecord d;
    d.id = 999;  // ignored: the store assigns ids
    d.uri = "https://baton.example.com/hooks/" + source;
    d.source = std::move(source);
    d.outcome = std::move(outcome);
    d.received_at = at(ms);
    d.method = "POST";
    d.headers = nlohmann::json::array({nlohmann::json::array({"Content-Type", "application/json"}),
                                       nlohmann::json::array({"Authorization", "•••"})});
    d.body = R"({"id":"o-1","name":"Müller — 東京"})";
    return d;
}

inline void expect_same_handoff(const core::Handoff& got, const core::Handoff& want,
                                bool with_timeline) {
    EXPECT_EQ(got.playbook_id, want.playbook_id);
    EXPECT_EQ(got.playbook_version, want.playbook_version);
    EXPECT_EQ(got.title, want.title);
    EXPECT_EQ(got.subject, want.subject);
    EXPECT_EQ(got.giver, want.giver);
    EXPECT_EQ(got.owner, want.owner);
    EXPECT_EQ(got.pending_from, want.pending_from);
    EXPECT_EQ(got.unowned, want.unowned);
    EXPECT_TRUE(got.state == want.state) << core::to_string(got.state);
    EXPECT_EQ(got.done_definition, want.done_definition);
    EXPECT_TRUE(got.checklist == want.checklist);
    EXPECT_TRUE(got.created_at == want.created_at);
    EXPECT_TRUE(got.updated_at == want.updated_at);
    EXPECT_TRUE(got.accepted_at == want.accepted_at);
    EXPECT_TRUE(got.closed_at == want.closed_at);
    EXPECT_TRUE(got.deadlines == want.deadlines);
    EXPECT_EQ(got.escalation_level, want.escalation_level);
    EXPECT_EQ(got.escalated_to, want.escalated_to);
    EXPECT_EQ(got.event_source, want.event_source);
    EXPECT_EQ(got.event_id, want.event_id);
    EXPECT_EQ(got.data, want.data);
    if (with_timeline) {
        EXPECT_TRUE(got.timeline == want.timeline);
    } else {
        EXPECT_TRUE(got.timeline.empty());
    }
}

// The reference for HandoffFilter::overdue_at, written from the rule in store.h and
// DESIGN.md rather than from the store's SQL.
inline bool reference_overdue(const core::Handoff& h, TimePoint t) {
    using core::HandoffState;
    const bool to_accept = h.state == HandoffState::waiting && h.deadlines.accept_by &&
                           *h.deadlines.accept_by < t;
    const bool to_finish =
        (h.state == HandoffState::waiting || h.state == HandoffState::accepted) &&
        h.deadlines.done_by && *h.deadlines.done_by < t;
    return to_accept || to_finish;
}

class StoreContract : public ::testing::TestWithParam<StoreBackend> {
protected:
    void SetUp() override {
        auto opened = GetParam().open(dir_.path());
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
    }

    // Runs `fn` (Transaction& -> Result<T>) in a write or read and hands back its result;
    // a failure of the callback or of the store comes back as the error.
    template <class F>
    auto run(bool writing, F fn) -> std::invoke_result_t<F&, Transaction&> {
        using R = std::invoke_result_t<F&, Transaction&>;
        std::optional<R> out;
        auto wrapped = [&](Transaction& tx) -> Status {
            out.emplace(fn(tx));
            if (!out->ok()) return out->error();
            return ok_status();
        };
        Status s = writing ? store_->write(wrapped) : store_->read(wrapped);
        if (!s.ok()) return R(s.error());
        return std::move(*out);
    }
    template <class F>
    auto in_write(F fn) {
        return run(true, std::move(fn));
    }
    template <class F>
    auto in_read(F fn) {
        return run(false, std::move(fn));
    }

    Result<std::int64_t> insert(const core::Handoff& h) {
        return in_write([&](Transaction& tx) { return tx.insert_handoff(h); });
    }
    Result<std::optional<core::Handoff>> load(std::int64_t id, bool with_timeline = true) {
        return in_read([&](Transaction& tx) { return tx.handoff(id, with_timeline); });
    }
    Result<std::vector<core::Handoff>> list(const HandoffFilter& filter) {
        return in_read([&](Transaction& tx) { return tx.list_handoffs(filter); });
    }
    static std::vector<std::int64_t> ids_of(const std::vector<core::Handoff>& handoffs) {
        std::vector<std::int64_t> ids;
        for (const auto& h : handoffs) ids.push_back(h.id);
        return ids;
    }

    TempDir dir_;
    std::unique_ptr<Store> store_;
};

// --- events -------------------------------------------------------------------------------

TEST_P(StoreContract, EventIsStoredOnceAndTheDuplicateChangesNothing) {
    core::Event e = make_event("evt-1");
    e.subject = "Acme — ünïcode";
    ASSIGN_OR_FAIL(first, in_write([&](Transaction& tx) { return tx.insert_event(e, at(10)); }));
    EXPECT_TRUE(first);
    core::Event again = e;
    again.type = "deal.lost";
    again.data = {{"changed", true}};
    ASSIGN_OR_FAIL(second,
                   in_write([&](Transaction& tx) { return tx.insert_event(again, at(20)); }));
    EXPECT_FALSE(second);

    ASSIGN_OR_FAIL(record, in_read([&](Transaction& tx) { return tx.event("crm", "evt-1"); }));
    ASSERT_TRUE(record.has_value());
    EXPECT_GT(record->seq, 0);
    EXPECT_EQ(record->event.id, "evt-1");
    EXPECT_EQ(record->event.source, "crm");
    EXPECT_EQ(record->event.type, "deal.won");
    EXPECT_EQ(record->event.subject, std::optional<std::string>("Acme — ünïcode"));
    EXPECT_TRUE(record->event.time == e.time);
    EXPECT_EQ(record->event.data, e.data);
    EXPECT_TRUE(record->received_at == at(10));
    EXPECT_EQ(record->handoffs_created, 0);
}

TEST_P(StoreContract, SameIdFromAnotherSourceIsAnotherEvent) {
    ASSIGN_OR_FAIL(a, in_write([&](Transaction& tx) {
                       return tx.insert_event(make_event("x", "t", "crm"), at(0));
                   }));
    ASSIGN_OR_FAIL(b, in_write([&](Transaction& tx) {
                       return tx.insert_event(make_event("x", "t", "forms"), at(0));
                   }));
    EXPECT_TRUE(a);
    EXPECT_TRUE(b);
    ASSIGN_OR_FAIL(missing, in_read([&](Transaction& tx) { return tx.event("cal", "x"); }));
    EXPECT_FALSE(missing.has_value());
    ASSIGN_OR_FAIL(plain, in_read([&](Transaction& tx) { return tx.event("crm", "x"); }));
    ASSERT_TRUE(plain.has_value());
    EXPECT_FALSE(plain->event.subject.has_value());
}

TEST_P(StoreContract, SetEventHandoffsUpdatesTheCountAndNeedsTheEvent) {
    ASSERT_OK(in_write([&](Transaction& tx) { return tx.insert_event(make_event("e"), at(0)); }));
    ASSERT_OK(store_->write(
        [](Transaction& tx) { return tx.set_event_handoffs("crm", "e", 2); }));
    ASSIGN_OR_FAIL(record, in_read([&](Transaction& tx) { return tx.event("crm", "e"); }));
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->handoffs_created, 2);
    Status missing =
        store_->write([](Transaction& tx) { return tx.set_event_handoffs("crm", "nope", 1); });
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_P(StoreContract, ListEventsFiltersByTypeAndUnmatchedWithACursor) {
    ASSERT_OK(store_->write([](Transaction& tx) -> Status {
        for (int i = 0; i < 6; ++i) {
            auto e = make_event("e" + std::to_string(i), i % 2 == 0 ? "deal.won" : "form.signed");
            if (auto r = tx.insert_event(e, at(i)); !r) return r.error();
        }
        return tx.set_event_handoffs("crm", "e2", 1);
    }));
    auto list = [&](EventFilter f) {
        return in_read([&](Transaction& tx) { return tx.list_events(f); });
    };
    ASSIGN_OR_FAIL(all, list({}));
    ASSERT_EQ(all.size(), 6u);
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);
    EXPECT_EQ(all[0].event.id, "e0");

    ASSIGN_OR_FAIL(won, list({.type = "deal.won"}));
    ASSERT_EQ(won.size(), 3u);
    EXPECT_EQ(won[1].event.id, "e2");

    ASSIGN_OR_FAIL(unmatched_won, list({.type = "deal.won", .unmatched_only = true}));
    ASSERT_EQ(unmatched_won.size(), 2u);
    EXPECT_EQ(unmatched_won[0].event.id, "e0");
    EXPECT_EQ(unmatched_won[1].event.id, "e4");

    ASSIGN_OR_FAIL(page, list({.after_seq = all[1].seq, .limit = 2}));
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].event.id, "e2");
    EXPECT_EQ(page[1].event.id, "e3");
}

TEST_P(StoreContract, ListEventsClampsTheLimitToOnePage) {
    ASSERT_OK(store_->write([](Transaction& tx) -> Status {
        for (std::size_t i = 0; i <= limits::list_page_max; ++i) {
            if (auto r = tx.insert_event(make_event("e" + std::to_string(i)), at(0)); !r) {
                return r.error();
            }
        }
        return ok_status();
    }));
    ASSIGN_OR_FAIL(page, in_read([&](Transaction& tx) {
                       return tx.list_events({.limit = limits::list_page_max * 5});
                   }));
    EXPECT_EQ(page.size(), limits::list_page_max);
}

TEST_P(StoreContract, HandoffsOfEventAreItsOwnInIdOrder) {
    core::Handoff mine = bare_handoff();
    mine.event_id = "deal-7";
    core::Handoff other = bare_handoff();
    other.event_id = "deal-8";
    ASSIGN_OR_FAIL(a, insert(mine));
    ASSIGN_OR_FAIL(b, insert(other));
    ASSIGN_OR_FAIL(c, insert(mine));
    ASSIGN_OR_FAIL(ids,
                   in_read([&](Transaction& tx) { return tx.handoffs_of_event("crm", "deal-7"); }));
    EXPECT_EQ(ids, (std::vector<std::int64_t>{a, c}));
    EXPECT_NE(b, a);
    ASSIGN_OR_FAIL(none,
                   in_read([&](Transaction& tx) { return tx.handoffs_of_event("crm", "deal-9"); }));
    EXPECT_TRUE(none.empty());
}

// --- playbooks and documents --------------------------------------------------------------

TEST_P(StoreContract, PlaybookVersionsOnlyChangeWithTheText) {
    auto put = [&](std::string id, std::string yaml, std::int64_t ms) {
        return in_write([&](Transaction& tx) {
            return tx.put_playbook(id, yaml, "playbooks/" + id + ".yaml", at(ms));
        });
    };
    ASSIGN_OR_FAIL(v1, put("onboard", "id: onboard\n", 1));
    ASSIGN_OR_FAIL(same, put("onboard", "id: onboard\n", 2));
    ASSIGN_OR_FAIL(v2, put("onboard", "id: onboard\ntitle: x\n", 3));
    ASSIGN_OR_FAIL(back, put("onboard", "id: onboard\n", 4));  // old text, new version
    ASSIGN_OR_FAIL(space, put("onboard", "id: onboard \n", 5));  // byte-identical only
    ASSIGN_OR_FAIL(same_size, put("onboard", "id: onboarD \n", 6));
    ASSIGN_OR_FAIL(other, put("alpha", "id: alpha\n", 7));
    EXPECT_EQ(v1, 1);
    EXPECT_EQ(same, 1);
    EXPECT_EQ(v2, 2);
    EXPECT_EQ(back, 3);
    EXPECT_EQ(space, 4);
    EXPECT_EQ(same_size, 5);
    EXPECT_EQ(other, 1);

    ASSIGN_OR_FAIL(current, in_read([&](Transaction& tx) { return tx.current_playbooks(); }));
    ASSERT_EQ(current.size(), 2u);
    EXPECT_EQ(current[0].id, "alpha");
    EXPECT_EQ(current[1].id, "onboard");
    EXPECT_EQ(current[1].version, 5);
    EXPECT_EQ(current[1].yaml, "id: onboarD \n");
    EXPECT_EQ(current[1].file, "playbooks/onboard.yaml");
    EXPECT_TRUE(current[1].applied_at == at(6));

    ASSIGN_OR_FAIL(first, in_read([&](Transaction& tx) { return tx.playbook("onboard", 1); }));
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->yaml, "id: onboard\n");
    EXPECT_TRUE(first->applied_at == at(1));  // the identical put did not touch it
    ASSIGN_OR_FAIL(latest,
                   in_read([&](Transaction& tx) { return tx.playbook("onboard", std::nullopt); }));
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->version, 5);
    ASSIGN_OR_FAIL(no_version, in_read([&](Transaction& tx) { return tx.playbook("onboard", 9); }));
    EXPECT_FALSE(no_version.has_value());
    ASSIGN_OR_FAIL(no_id, in_read([&](Transaction& tx) { return tx.playbook("x", std::nullopt); }));
    EXPECT_FALSE(no_id.has_value());
}

TEST_P(StoreContract, DocumentsAreVersionedLikePlaybooks) {
    auto put = [&](std::string kind, std::string text, std::int64_t ms) {
        return in_write([&](Transaction& tx) { return tx.put_document(kind, text, at(ms)); });
    };
    ASSIGN_OR_FAIL(none, in_read([&](Transaction& tx) { return tx.current_document("people"); }));
    EXPECT_FALSE(none.has_value());
    ASSIGN_OR_FAIL(v1, put("people", "people: []\n", 1));
    ASSIGN_OR_FAIL(same, put("people", "people: []\n", 2));
    ASSIGN_OR_FAIL(v2, put("people", "people: [ana]\n", 3));
    ASSIGN_OR_FAIL(channels, put("channels", "smtp: {}\n", 4));
    EXPECT_EQ(v1, 1);
    EXPECT_EQ(same, 1);
    EXPECT_EQ(v2, 2);
    EXPECT_EQ(channels, 1);
    ASSIGN_OR_FAIL(doc, in_read([&](Transaction& tx) { return tx.current_document("people"); }));
    ASSERT_TRUE(doc.has_value());
    EXPECT_EQ(doc->kind, "people");
    EXPECT_EQ(doc->version, 2);
    EXPECT_EQ(doc->text, "people: [ana]\n");
    EXPECT_TRUE(doc->applied_at == at(3));
}

// --- handoffs -----------------------------------------------------------------------------

TEST_P(StoreContract, HandoffRoundTripsEveryField) {
    const core::Handoff want = full_handoff();
    ASSIGN_OR_FAIL(id, insert(want));
    EXPECT_GT(id, 0);
    ASSIGN_OR_FAIL(got, load(id, true));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->id, id);
    EXPECT_EQ(got->revision, 0);
    expect_same_handoff(*got, want, true);

    ASSIGN_OR_FAIL(without, load(id, false));
    ASSERT_TRUE(without.has_value());
    expect_same_handoff(*without, want, false);
}

TEST_P(StoreContract, HandoffWithOptionalFieldsUnsetRoundTrips) {
    const core::Handoff want = bare_handoff();
    ASSIGN_OR_FAIL(id, insert(want));
    ASSIGN_OR_FAIL(got, load(id));
    ASSERT_TRUE(got.has_value());
    expect_same_handoff(*got, want, true);
    EXPECT_FALSE(got->deadlines.accept_by.has_value());
    EXPECT_FALSE(got->deadlines.done_by.has_value());
    EXPECT_FALSE(got->accepted_at.has_value());
    EXPECT_TRUE(got->checklist.empty());
    EXPECT_EQ(got->data, nlohmann::json::object());
}

TEST_P(StoreContract, HandoffIdsIncreaseAndAMissingOneIsEmpty) {
    ASSIGN_OR_FAIL(a, insert(bare_handoff()));
    ASSIGN_OR_FAIL(b, insert(bare_handoff()));
    EXPECT_LT(a, b);
    ASSIGN_OR_FAIL(missing, load(b + 100));
    EXPECT_FALSE(missing.has_value());
}

TEST_P(StoreContract, UpdateChecksAndBumpsTheRevision) {
    ASSIGN_OR_FAIL(id, insert(full_handoff()));
    ASSIGN_OR_FAIL(loaded, load(id, false));
    ASSERT_TRUE(loaded.has_value());
    core::Handoff next = *loaded;
    next.state = core::HandoffState::done;
    next.owner = "carla";
    next.pending_from = "";
    next.unowned = false;
    next.updated_at = at(9'000);
    next.closed_at = std::nullopt;
    next.deadlines.done_by = std::nullopt;
    next.escalation_level = 3;
    next.escalated_to = "ari";
    next.data = {{"after", "update"}};
    next.checklist[1].checked = true;
    next.checklist[1].checked_by = "carla";
    next.checklist[1].checked_at = at(8'000);
    next.checklist.pop_back();
    next.checklist.push_back({2, "Replaced item", false, "", std::nullopt, std::nullopt});
    next.checklist.push_back({3, "New item", true, "carla", at(8'500), std::string("x.y")});
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.update_handoff(next); }));

    ASSIGN_OR_FAIL(after, load(id, false));
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->revision, 1);
    expect_same_handoff(*after, next, false);

    // `next` still says revision 0: someone else's stale copy.
    core::Handoff stale = next;
    stale.owner = "dave";
    Status conflict = store_->write([&](Transaction& tx) { return tx.update_handoff(stale); });
    ASSERT_FALSE(conflict.ok());
    EXPECT_EQ(conflict.error().code, ErrorCode::conflict);
    ASSIGN_OR_FAIL(unchanged, load(id, false));
    EXPECT_EQ(unchanged->owner, "carla");
    EXPECT_EQ(unchanged->revision, 1);

    stale.revision = 1;
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.update_handoff(stale); }));
    ASSIGN_OR_FAIL(again, load(id, false));
    EXPECT_EQ(again->owner, "dave");
    EXPECT_EQ(again->revision, 2);
}

TEST_P(StoreContract, UpdateKeepsWhereTheHandoffCameFrom) {
    ASSIGN_OR_FAIL(id, insert(full_handoff()));
    ASSIGN_OR_FAIL(loaded, load(id, false));
    core::Handoff changed = *loaded;
    changed.playbook_id = "other";
    changed.playbook_version = 99;
    changed.created_at = at(123);
    changed.event_source = "elsewhere";
    changed.event_id = "other-event";
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.update_handoff(changed); }));
    ASSIGN_OR_FAIL(after, load(id, false));
    expect_same_handoff(*after, *loaded, false);
}

TEST_P(StoreContract, UpdateOfAMissingHandoffIsNotFound) {
    core::Handoff ghost = bare_handoff();
    ghost.id = 777;
    Status s = store_->write([&](Transaction& tx) { return tx.update_handoff(ghost); });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::not_found);
}

TEST_P(StoreContract, AChecklistOutOfOrderIsRefusedBeforeSaving) {
    core::Handoff h = bare_handoff();
    h.checklist = {{1, "a", false, "", std::nullopt, std::nullopt},
                   {3, "c", false, "", std::nullopt, std::nullopt}};
    auto id = insert(h);
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.error().code, ErrorCode::internal);
    ASSIGN_OR_FAIL(all, list({}));
    EXPECT_TRUE(all.empty());
}

TEST_P(StoreContract, TimelineIsAppendedInOrder) {
    core::Handoff h = bare_handoff();
    h.timeline = {{at(1), "baton", "created", "Created.", nlohmann::json::object()}};
    ASSIGN_OR_FAIL(id, insert(h));
    ASSIGN_OR_FAIL(other, insert(h));
    std::vector<core::TimelineEntry> batch = {
        {at(2), "ana", "accepted", "Accepted.", nlohmann::json::object()},
        {at(3), "ana", "comment", "Calling them — «soon».", {{"n", 1}}},
    };
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.append_timeline(id, batch); }));
    ASSERT_OK(store_->write([&](Transaction& tx) {
        return tx.append_timeline(other, {{at(9), "bob", "note", "Other.", {}}});
    }));
    // An earlier timestamp still goes last: order is the order of appending.
    ASSERT_OK(store_->write([&](Transaction& tx) {
        return tx.append_timeline(id, {{at(0), "baton", "reminded", "Reminded.", {}}});
    }));
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.append_timeline(id, {}); }));
    ASSIGN_OR_FAIL(got, load(id, true));
    ASSERT_EQ(got->timeline.size(), 4u);
    EXPECT_EQ(got->timeline[0].kind, "created");
    EXPECT_TRUE(got->timeline[1] == batch[0]);
    EXPECT_TRUE(got->timeline[2] == batch[1]);
    EXPECT_EQ(got->timeline[3].kind, "reminded");
    ASSIGN_OR_FAIL(theirs, load(other, true));
    EXPECT_EQ(theirs->timeline.size(), 2u);

    Status missing = store_->write([&](Transaction& tx) {
        return tx.append_timeline(id + 100, {{at(0), "a", "b", "c", {}}});
    });
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_P(StoreContract, UpdatingAHandoffLeavesItsTimelineAlone) {
    ASSIGN_OR_FAIL(id, insert(full_handoff()));
    ASSIGN_OR_FAIL(loaded, load(id, true));
    core::Handoff changed = *loaded;
    changed.timeline.clear();  // an update never edits history
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.update_handoff(changed); }));
    ASSIGN_OR_FAIL(after, load(id, true));
    EXPECT_TRUE(after->timeline == loaded->timeline);
}

// --- lists --------------------------------------------------------------------------------

TEST_P(StoreContract, ListHonoursEachFilterInIdOrder) {
    using core::HandoffState;
    std::vector<core::Handoff> made;
    const std::vector<HandoffState> states = {HandoffState::waiting, HandoffState::accepted,
                                              HandoffState::done, HandoffState::declined,
                                              HandoffState::cancelled};
    for (int i = 0; i < 20; ++i) {
        core::Handoff h = bare_handoff(i % 3 == 0 ? "ana" : "bob",
                                       i % 4 == 0 ? "Zürich AG" : "Acme");
        h.state = states[static_cast<std::size_t>(i) % states.size()];
        h.playbook_id = i % 2 == 0 ? "sold" : "signed";
        h.unowned = i % 5 == 1;
        h.created_at = at(i * 1000);
        h.checklist = {{1, "only item", i % 2 == 1, "", std::nullopt, std::nullopt}};
        ASSIGN_OR_FAIL(id, insert(h));
        h.id = id;
        made.push_back(h);
    }
    auto check = [&](const HandoffFilter& filter, auto predicate) {
        std::vector<std::int64_t> want;
        for (const auto& h : made) {
            if (predicate(h)) want.push_back(h.id);
        }
        auto got = list(filter);
        ASSERT_TRUE(got.ok()) << got.error().message;
        EXPECT_EQ(ids_of(*got), want);
        EXPECT_FALSE(want.empty());  // each case must select something to mean anything
        EXPECT_LT(want.size(), made.size());
        for (const auto& h : *got) EXPECT_EQ(h.checklist.size(), 1u);
    };
    check({.state = HandoffState::accepted},
          [](const core::Handoff& h) { return h.state == HandoffState::accepted; });
    check({.owner = "ana"}, [](const core::Handoff& h) { return h.owner == "ana"; });
    check({.playbook = "signed"}, [](const core::Handoff& h) { return h.playbook_id == "signed"; });
    check({.subject = "Zürich AG"},
          [](const core::Handoff& h) { return h.subject == "Zürich AG"; });
    check({.created_since = at(12'000)},
          [](const core::Handoff& h) { return h.created_at >= at(12'000); });
    check({.state = HandoffState::waiting, .owner = "ana", .playbook = "sold"},
          [](const core::Handoff& h) {
              return h.state == HandoffState::waiting && h.owner == "ana" &&
                     h.playbook_id == "sold";
          });
    check({.unowned_only = true}, [](const core::Handoff& h) { return h.unowned; });
    check({.after_id = made[4].id}, [&](const core::Handoff& h) { return h.id > made[4].id; });
    ASSIGN_OR_FAIL(all, list({}));
    EXPECT_EQ(all.size(), made.size());
    for (const auto& h : all) EXPECT_TRUE(h.timeline.empty());  // lists carry no timeline
}

// A page's checklists are read together (one query, not one per handoff): each handoff
// must still get exactly its own items, in order, whatever its neighbours have — none, one,
// several — and whatever the filter left out between them.
TEST_P(StoreContract, ListGivesEachHandoffItsOwnChecklist) {
    std::map<std::int64_t, std::vector<core::ChecklistItem>> want;
    for (int i = 0; i < 12; ++i) {
        core::Handoff h = bare_handoff(i % 3 == 2 ? "bob" : "ana");
        h.checklist.clear();
        for (int n = 1; n <= i % 4; ++n) {
            h.checklist.push_back({n, "item " + std::to_string(n) + " of " + std::to_string(i),
                                   n == 2, n == 2 ? "ana" : "", std::nullopt, std::nullopt});
        }
        ASSIGN_OR_FAIL(id, insert(h));
        if (h.owner == "ana") want[id] = h.checklist;
    }
    ASSIGN_OR_FAIL(page, list({.owner = "ana"}));
    ASSERT_EQ(page.size(), want.size());
    for (const auto& h : page) {
        ASSERT_TRUE(want.count(h.id)) << h.id;
        EXPECT_TRUE(h.checklist == want[h.id]) << "handoff " << h.id;
    }
}

// Newest first: the same handoffs in descending id order, paged with the same cursor, each
// with its own checklist.
TEST_P(StoreContract, ListPagesNewestFirst) {
    std::vector<std::int64_t> made;
    std::map<std::int64_t, std::vector<core::ChecklistItem>> want;
    for (int i = 0; i < 10; ++i) {
        core::Handoff h = bare_handoff(i % 3 == 2 ? "bob" : "ana");
        h.checklist.clear();
        for (int n = 1; n <= i % 4; ++n) {
            h.checklist.push_back({n, "item " + std::to_string(n) + " of " + std::to_string(i),
                                   n == 1, n == 1 ? "ana" : "", std::nullopt, std::nullopt});
        }
        ASSIGN_OR_FAIL(id, insert(h));
        if (h.owner == "ana") {
            made.push_back(id);
            want[id] = h.checklist;
        }
    }
    std::reverse(made.begin(), made.end());
    std::vector<std::int64_t> seen;
    std::int64_t cursor = 0;
    for (int pages = 0; pages < 10; ++pages) {
        ASSIGN_OR_FAIL(page, list({.owner = "ana", .newest_first = true, .after_id = cursor,
                                   .limit = 3}));
        if (page.empty()) break;
        for (const auto& h : page) {
            seen.push_back(h.id);
            EXPECT_TRUE(h.checklist == want[h.id]) << "handoff " << h.id;
        }
        cursor = page.back().id;
    }
    EXPECT_EQ(seen, made);
}

TEST_P(StoreContract, ListPagesWithTheCursorAndLimit) {
    std::vector<std::int64_t> made;
    for (int i = 0; i < 10; ++i) {
        ASSIGN_OR_FAIL(id, insert(bare_handoff()));
        made.push_back(id);
    }
    std::vector<std::int64_t> seen;
    std::int64_t cursor = 0;
    int pages = 0;
    for (;;) {
        ASSIGN_OR_FAIL(page, list({.after_id = cursor, .limit = 3}));
        if (page.empty()) break;
        EXPECT_LE(page.size(), 3u);
        for (const auto& h : page) seen.push_back(h.id);
        cursor = page.back().id;
        ++pages;
        ASSERT_LT(pages, 10);
    }
    EXPECT_EQ(pages, 4);
    EXPECT_EQ(seen, made);
    ASSIGN_OR_FAIL(none, list({.limit = 0}));
    EXPECT_TRUE(none.empty());
}

// Handoff pages go up to the board's card view; the engine keeps other callers to
// list_page_max.
TEST_P(StoreContract, ListClampsTheLimitToOneCardPage) {
    ASSERT_OK(store_->write([](Transaction& tx) -> Status {
        for (std::size_t i = 0; i <= limits::list_card_page_max; ++i) {
            if (auto r = tx.insert_handoff(bare_handoff()); !r) return r.error();
        }
        return ok_status();
    }));
    ASSIGN_OR_FAIL(page, list({.limit = limits::list_card_page_max + 500}));
    EXPECT_EQ(page.size(), limits::list_card_page_max);
}

TEST_P(StoreContract, ListWithoutDataLeavesOnlyTheDataOut) {
    core::Handoff made = bare_handoff();
    made.data = {{"company", "Acme"}, {"amount", 1200}};
    made.checklist = {{1, "Kickoff call", false, "", std::nullopt, std::nullopt}};
    ASSERT_OK(store_->write([&](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(made);
        if (!id) return id.error();
        made.id = *id;
        return ok_status();
    }));
    ASSIGN_OR_FAIL(full, list({}));
    ASSIGN_OR_FAIL(slim, list({.with_data = false}));
    ASSERT_EQ(full.size(), 1u);
    ASSERT_EQ(slim.size(), 1u);
    EXPECT_EQ(full[0].data, made.data);
    EXPECT_TRUE(slim[0].data.is_null());
    // Everything else is read as usual.
    slim[0].data = made.data;
    expect_same_handoff(slim[0], made, false);
    EXPECT_EQ(slim[0].id, made.id);
}

TEST_P(StoreContract, OverdueFilterAgreesWithTheCoreRule) {
    using core::HandoffState;
    const TimePoint t = at(100'000);
    const std::vector<std::optional<TimePoint>> deadlines = {
        std::nullopt, t - Milliseconds(1), t, t + Milliseconds(1)};
    std::vector<core::Handoff> made;
    for (HandoffState state : {HandoffState::waiting, HandoffState::accepted, HandoffState::done,
                               HandoffState::declined, HandoffState::cancelled}) {
        for (const auto& accept_by : deadlines) {
            for (const auto& done_by : deadlines) {
                core::Handoff h = bare_handoff();
                h.state = state;
                h.deadlines = {accept_by, done_by};
                ASSIGN_OR_FAIL(id, insert(h));
                h.id = id;
                made.push_back(h);
            }
        }
    }
    for (TimePoint when : {t - Milliseconds(5), t, t + Milliseconds(1), t + Milliseconds(5)}) {
        std::vector<std::int64_t> want;
        for (const auto& h : made) {
            if (reference_overdue(h, when)) want.push_back(h.id);
        }
        ASSIGN_OR_FAIL(got, list({.overdue_at = when}));
        EXPECT_EQ(ids_of(got), want) << "at +" << to_unix_ms(when) - to_unix_ms(t) << " ms";
    }
    // The filter combines with the others.
    ASSIGN_OR_FAIL(accepted,
                   list({.state = HandoffState::accepted, .overdue_at = t + Milliseconds(5)}));
    EXPECT_EQ(accepted.size(), 12u);  // done_by set (3 of 4) × every accept_by (4)
}

// --- timers and outbox --------------------------------------------------------------------

TEST_P(StoreContract, TimersAreStoredOnceAndCancelledByKind) {
    ASSIGN_OR_FAIL(id, insert(bare_handoff()));
    ASSIGN_OR_FAIL(other, insert(bare_handoff()));
    const std::vector<TimerRecord> timers = {
        {0, id, TimerKind::remind, 0, at(100), std::nullopt, false, "ana"},
        {0, id, TimerKind::escalate, 1, at(200), std::nullopt, false, "ops-manager"},
        {0, id, TimerKind::escalate, 2, at(300), std::nullopt, false, "founder"},
        {0, id, TimerKind::done_due, 0, at(400), std::nullopt, false, "ana"},
        {0, id, TimerKind::accept_due, 0, at(50), at(60), false, "ana"},  // already fired
        {0, other, TimerKind::remind, 0, at(100), std::nullopt, false, "bob"},
    };
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_timers(timers); }));
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_timers({timers[0]}); }));

    ASSIGN_OR_FAIL(stored, in_read([&](Transaction& tx) { return tx.timers_of(id); }));
    ASSERT_EQ(stored.size(), 5u);  // the duplicate was ignored
    EXPECT_GT(stored[0].id, 0);
    EXPECT_EQ(stored[1].kind, TimerKind::escalate);
    EXPECT_EQ(stored[1].level, 1);
    EXPECT_TRUE(stored[1].due_at == at(200));
    EXPECT_EQ(stored[2].target, "founder");
    EXPECT_TRUE(stored[4].fired_at == std::optional<TimePoint>(at(60)));

    ASSIGN_OR_FAIL(theirs_before,
                   in_read([&](Transaction& tx) { return tx.timers_of(other); }));
    ASSERT_EQ(theirs_before.size(), 1u);
    ASSERT_OK(store_->write([&](Transaction& tx) {
        // Another handoff's timer id is ignored; a fired timer stays as it was.
        return tx.cancel_timers(id, {stored[0].id, stored[1].id, stored[2].id, stored[4].id,
                                     theirs_before[0].id});
    }));
    ASSIGN_OR_FAIL(after, in_read([&](Transaction& tx) { return tx.timers_of(id); }));
    ASSERT_EQ(after.size(), 5u);
    EXPECT_TRUE(after[0].cancelled);
    EXPECT_TRUE(after[1].cancelled);
    EXPECT_TRUE(after[2].cancelled);
    EXPECT_FALSE(after[3].cancelled);  // not named
    EXPECT_FALSE(after[4].cancelled);  // fired timers stay as they were
    ASSIGN_OR_FAIL(theirs, in_read([&](Transaction& tx) { return tx.timers_of(other); }));
    ASSERT_EQ(theirs.size(), 1u);
    EXPECT_FALSE(theirs[0].cancelled);
}

TEST_P(StoreContract, ACancelledTimerInsertedAgainIsArmedAgain) {
    ASSIGN_OR_FAIL(id, insert(bare_handoff()));
    const TimerRecord remind{0, id, TimerKind::remind, 0, at(100), std::nullopt, false, "ana"};
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_timers({remind}); }));
    ASSIGN_OR_FAIL(armed, in_read([&](Transaction& tx) { return tx.timers_of(id); }));
    ASSERT_EQ(armed.size(), 1u);
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.cancel_timers(id, {armed[0].id}); }));
    TimerRecord for_bob = remind;
    for_bob.target = "bob";
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_timers({for_bob}); }));
    ASSIGN_OR_FAIL(stored, in_read([&](Transaction& tx) { return tx.timers_of(id); }));
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_FALSE(stored[0].cancelled);
    EXPECT_EQ(stored[0].target, "bob");
}

TEST_P(StoreContract, TimersNeedTheirHandoff) {
    const TimerRecord orphan{0, 4242, TimerKind::remind, 0, at(1), std::nullopt, false, "x"};
    EXPECT_FALSE(store_->write([&](Transaction& tx) { return tx.insert_timers({orphan}); }).ok());
}

TEST_P(StoreContract, OutboxIgnoresADuplicateDedupeKey) {
    ASSIGN_OR_FAIL(id, insert(bare_handoff()));
    OutboxRecord slack;
    slack.handoff_id = id;
    slack.channel = "slack";
    slack.target = "#ops";
    slack.dedupe_key = "h1:created:slack:#ops";
    slack.payload = {{"text", "New handoff: Acme → ana ✅"}};
    slack.next_attempt_at = at(10);
    slack.created_at = at(5);
    OutboxRecord email = slack;
    email.channel = "email";
    email.target = "ana@example.com";
    email.dedupe_key = "h1:created:email:ana";
    email.status = "failed";
    email.attempts = 3;
    OutboxRecord dup = slack;
    dup.payload = {{"text", "second"}};
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_outbox({slack, email}); }));
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_outbox({dup}); }));
    ASSIGN_OR_FAIL(rows, in_read([&](Transaction& tx) { return tx.outbox_of(id); }));
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_GT(rows[0].id, 0);
    EXPECT_LT(rows[0].id, rows[1].id);
    EXPECT_EQ(rows[0].handoff_id, id);
    EXPECT_EQ(rows[0].channel, "slack");
    EXPECT_EQ(rows[0].target, "#ops");
    EXPECT_EQ(rows[0].dedupe_key, slack.dedupe_key);
    EXPECT_EQ(rows[0].payload, slack.payload);  // the first one wins
    EXPECT_EQ(rows[0].status, "pending");
    EXPECT_EQ(rows[0].attempts, 0);
    EXPECT_TRUE(rows[0].next_attempt_at == at(10));
    EXPECT_TRUE(rows[0].created_at == at(5));
    EXPECT_EQ(rows[1].status, "failed");
    EXPECT_EQ(rows[1].attempts, 3);

    OutboxRecord keyless = slack;
    keyless.dedupe_key = "";
    Status refused = store_->write([&](Transaction& tx) { return tx.insert_outbox({keyless}); });
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
}

TEST_P(StoreContract, DocumentsByPrefixAreTheCurrentVersionOfEach) {
    ASSERT_OK(store_->write([&](Transaction& tx) -> Status {
        for (const auto& [kind, text] : std::vector<std::pair<std::string, std::string>>{
                 {"template:b", "b1"}, {"template:a", "a1"}, {"template:b", "b2"},
                 {"people", "people: []"}, {"templatex", "not a template"}}) {
            auto v = tx.put_document(kind, text, at(1));
            if (!v) return v.error();
        }
        return ok_status();
    }));
    ASSIGN_OR_FAIL(docs, in_read([&](Transaction& tx) {
        return tx.current_documents_with_prefix("template:");
    }));
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].kind, "template:a");
    EXPECT_EQ(docs[1].kind, "template:b");
    EXPECT_EQ(docs[1].text, "b2");
    EXPECT_EQ(docs[1].version, 2);
}

TEST_P(StoreContract, OldIdempotencyAnswersExpireAndSpentLinksLastLonger) {
    ASSERT_OK(store_->write([&](Transaction& tx) -> Status {
        for (const auto& [scope, key, ms] :
             std::vector<std::tuple<std::string, std::string, std::int64_t>>{
                 {"t1", "old", 100}, {"t1", "new", 900}, {"t2", "old", 200},
                 {"link", "spent-long-ago", 50}, {"link", "spent-lately", 300}}) {
            IdempotencyRecord r = make_idempotency(scope, key);
            r.created_at = at(ms);
            if (auto s = tx.put_idempotency(r); !s) return s;
        }
        return ok_status();
    }));
    // Answers before 500 go; links only before 100.
    ASSIGN_OR_FAIL(first, in_write([&](Transaction& tx) {
        return tx.expire_idempotency(at(500), at(100), 2);
    }));
    EXPECT_EQ(first, 2);  // the limit, oldest first: link@50, t1/old@100
    ASSIGN_OR_FAIL(rest, in_write([&](Transaction& tx) {
        return tx.expire_idempotency(at(500), at(100), 100);
    }));
    EXPECT_EQ(rest, 1);  // t2/old@200
    auto kept = [&](const std::string& scope, const std::string& key) {
        auto r = in_read([&](Transaction& tx) { return tx.idempotency(scope, key); });
        EXPECT_TRUE(r.ok());
        return r.ok() && r->has_value();
    };
    EXPECT_FALSE(kept("t1", "old"));
    EXPECT_FALSE(kept("t2", "old"));
    EXPECT_FALSE(kept("link", "spent-long-ago"));
    EXPECT_TRUE(kept("t1", "new"));
    EXPECT_TRUE(kept("link", "spent-lately"));  // a link outlives an answer of its age
}

// --- the scheduler and the dispatcher ------------------------------------------------------

TEST_P(StoreContract, DueTimersComeInDueOrderAndFireOnce) {
    ASSIGN_OR_FAIL(id, insert(bare_handoff()));
    const std::vector<TimerRecord> timers = {
        {0, id, TimerKind::escalate, 1, at(300), std::nullopt, false, "ops-manager"},
        {0, id, TimerKind::remind, 1, at(100), std::nullopt, false, "ana"},
        {0, id, TimerKind::accept_due, 0, at(200), std::nullopt, false, "ana"},
        {0, id, TimerKind::done_due, 0, at(50), at(60), false, "ana"},       // fired
        {0, id, TimerKind::remind, 2, at(150), std::nullopt, true, "ana"},   // cancelled
    };
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_timers(timers); }));
    ASSIGN_OR_FAIL(next, in_read([&](Transaction& tx) { return tx.next_timer_due(); }));
    ASSERT_TRUE(next.has_value());
    EXPECT_TRUE(*next == at(100));  // fired and cancelled timers do not count

    ASSIGN_OR_FAIL(due, in_read([&](Transaction& tx) { return tx.due_timers(at(250), 10); }));
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].kind, TimerKind::remind);
    EXPECT_EQ(due[1].kind, TimerKind::accept_due);
    ASSIGN_OR_FAIL(one, in_read([&](Transaction& tx) { return tx.due_timers(at(1000), 1); }));
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].id, due[0].id);

    ASSIGN_OR_FAIL(first, in_write([&](Transaction& tx) { return tx.fire_timer(due[0].id, at(101)); }));
    EXPECT_TRUE(first);
    ASSIGN_OR_FAIL(again, in_write([&](Transaction& tx) { return tx.fire_timer(due[0].id, at(102)); }));
    EXPECT_FALSE(again);  // at most once
    ASSIGN_OR_FAIL(stored, in_read([&](Transaction& tx) { return tx.timers_of(id); }));
    for (const auto& t : stored) {
        if (t.id == due[0].id) {
            EXPECT_TRUE(t.fired_at == std::optional<TimePoint>(at(101)));
        }
    }
    // A cancelled timer never fires.
    std::int64_t cancelled_id = 0;
    for (const auto& t : stored) {
        if (t.cancelled) cancelled_id = t.id;
    }
    ASSERT_NE(cancelled_id, 0);
    ASSIGN_OR_FAIL(cancelled, in_write([&](Transaction& tx) { return tx.fire_timer(cancelled_id, at(103)); }));
    EXPECT_FALSE(cancelled);

    ASSIGN_OR_FAIL(rest, in_read([&](Transaction& tx) { return tx.due_timers(at(1000), 10); }));
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[0].kind, TimerKind::accept_due);
    ASSERT_OK(store_->write([&](Transaction& tx) -> Status {
        for (const auto& t : rest) {
            auto fired = tx.fire_timer(t.id, at(400));
            if (!fired) return fired.error();
        }
        return ok_status();
    }));
    ASSIGN_OR_FAIL(none, in_read([&](Transaction& tx) { return tx.next_timer_due(); }));
    EXPECT_FALSE(none.has_value());
    Status read_only = store_->read([&](Transaction& tx) -> Status {
        auto fired = tx.fire_timer(due[0].id, at(1));
        return fired ? ok_status() : Status(fired.error());
    });
    EXPECT_FALSE(read_only.ok());
}

TEST_P(StoreContract, OutboxLeasesRunOutAndSettle) {
    ASSIGN_OR_FAIL(id, insert(bare_handoff()));
    std::vector<OutboxRecord> rows;
    for (int i = 0; i < 3; ++i) {
        OutboxRecord o;
        o.handoff_id = id;
        o.channel = "slack";
        o.target = "#ops";
        o.dedupe_key = "lease:" + std::to_string(i);
        o.next_attempt_at = at(10 * (3 - i));  // the last one is due first
        o.created_at = at(1);
        rows.push_back(o);
    }
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.insert_outbox(rows); }));
    ASSIGN_OR_FAIL(next, in_read([&](Transaction& tx) { return tx.next_outbox_due(); }));
    ASSERT_TRUE(next.has_value());
    EXPECT_TRUE(*next == at(10));

    ASSIGN_OR_FAIL(leased, in_write([&](Transaction& tx) {
        return tx.lease_outbox(at(20), at(1000), 10);
    }));
    ASSERT_EQ(leased.size(), 2u);  // the one due at 30 is not due yet
    EXPECT_EQ(leased[0].dedupe_key, "lease:2");
    EXPECT_EQ(leased[0].attempts, 1);
    EXPECT_TRUE(leased[0].next_attempt_at == at(1000));
    // While leased, nobody else takes them.
    ASSIGN_OR_FAIL(during, in_write([&](Transaction& tx) {
        return tx.lease_outbox(at(500), at(2000), 10);
    }));
    ASSERT_EQ(during.size(), 1u);
    EXPECT_EQ(during[0].dedupe_key, "lease:0");

    // One is delivered, one goes back for a retry, one fails for good.
    ASSERT_OK(store_->write([&](Transaction& tx) {
        return tx.settle_outbox(leased[0].id, "delivered", at(21), "", at(21));
    }));
    ASSERT_OK(store_->write([&](Transaction& tx) {
        return tx.settle_outbox(leased[1].id, "pending", at(60), "HTTP 500", std::nullopt);
    }));
    ASSERT_OK(store_->write([&](Transaction& tx) {
        return tx.settle_outbox(during[0].id, "failed", at(500), "HTTP 410", std::nullopt);
    }));
    ASSIGN_OR_FAIL(stored, in_read([&](Transaction& tx) { return tx.outbox_of(id); }));
    ASSERT_EQ(stored.size(), 3u);
    EXPECT_EQ(stored[2].status, "delivered");
    EXPECT_TRUE(stored[2].delivered_at == std::optional<TimePoint>(at(21)));
    EXPECT_EQ(stored[1].status, "pending");
    EXPECT_EQ(stored[1].last_error, "HTTP 500");
    EXPECT_EQ(stored[1].attempts, 1);
    EXPECT_EQ(stored[0].status, "failed");
    EXPECT_EQ(stored[0].last_error, "HTTP 410");

    ASSIGN_OR_FAIL(retry, in_write([&](Transaction& tx) {
        return tx.lease_outbox(at(60), at(3000), 10);
    }));
    ASSERT_EQ(retry.size(), 1u);
    EXPECT_EQ(retry[0].id, leased[1].id);  // the same row: the same delivery id
    EXPECT_EQ(retry[0].attempts, 2);

    ASSIGN_OR_FAIL(counts, in_read([&](Transaction& tx) { return tx.count_outbox_by_status(); }));
    EXPECT_EQ(counts["pending"], 1);
    EXPECT_EQ(counts["delivered"], 1);
    EXPECT_EQ(counts["failed"], 1);

    Status unknown = store_->write([&](Transaction& tx) {
        return tx.settle_outbox(987654, "delivered", at(1), "", at(1));
    });
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
    Status bad = store_->write([&](Transaction& tx) {
        return tx.settle_outbox(leased[1].id, "sent", at(1), "", std::nullopt);
    });
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
}

// --- owner resolution ---------------------------------------------------------------------

TEST_P(StoreContract, PeekAssignmentReadsTheNextCounterWithoutBumpingIt) {
    auto peek = [&](std::string team) {
        return in_read([&](Transaction& tx) { return tx.peek_assignment(team); });
    };
    ASSIGN_OR_FAIL(before, peek("ops"));
    EXPECT_EQ(before, 0);  // no counter yet: next_assignment would answer 0
    ASSIGN_OR_FAIL(again, peek("ops"));
    EXPECT_EQ(again, 0);
    ASSIGN_OR_FAIL(taken, in_write([&](Transaction& tx) { return tx.next_assignment("ops"); }));
    EXPECT_EQ(taken, 0);
    ASSIGN_OR_FAIL(after, peek("ops"));
    EXPECT_EQ(after, 1);
    ASSIGN_OR_FAIL(next, in_write([&](Transaction& tx) { return tx.next_assignment("ops"); }));
    EXPECT_EQ(next, after);
}

TEST_P(StoreContract, AssignmentCountersStartAtZeroPerTeam) {
    auto next = [&](std::string team) {
        return in_write([&](Transaction& tx) { return tx.next_assignment(team); });
    };
    ASSIGN_OR_FAIL(a0, next("ops"));
    ASSIGN_OR_FAIL(a1, next("ops"));
    ASSIGN_OR_FAIL(b0, next("sales"));
    ASSIGN_OR_FAIL(a2, next("ops"));
    EXPECT_EQ(a0, 0);
    EXPECT_EQ(a1, 1);
    EXPECT_EQ(b0, 0);
    EXPECT_EQ(a2, 2);
}

TEST_P(StoreContract, OpenHandoffCountsCountWaitingAndAccepted) {
    using core::HandoffState;
    for (auto [owner, state] : std::vector<std::pair<std::string, HandoffState>>{
             {"ana", HandoffState::waiting},
             {"ana", HandoffState::accepted},
             {"ana", HandoffState::done},
             {"ana", HandoffState::declined},
             {"bob", HandoffState::cancelled},
             {"carla", HandoffState::waiting},
             {"dave", HandoffState::accepted}}) {
        core::Handoff h = bare_handoff(owner);
        h.state = state;
        ASSERT_OK(insert(h));
    }
    ASSIGN_OR_FAIL(counts, in_read([&](Transaction& tx) {
                       return tx.open_handoff_counts({"ana", "bob", "carla", "erin"});
                   }));
    EXPECT_EQ(counts, (std::map<std::string, int>{{"ana", 2}, {"bob", 0}, {"carla", 1},
                                                  {"erin", 0}}));
    ASSIGN_OR_FAIL(empty,
                   in_read([&](Transaction& tx) { return tx.open_handoff_counts({}); }));
    EXPECT_TRUE(empty.empty());
}

// --- configuration version ----------------------------------------------------------------

TEST_P(StoreContract, ConfigVersionChangesOnlyWithANewPlaybookOrDocumentVersion) {
    auto version = [&] { return in_read([](Transaction& tx) { return tx.config_version(); }); };
    auto put_playbook = [&](std::string yaml, std::int64_t ms) {
        return in_write([&](Transaction& tx) { return tx.put_playbook("p", yaml, "p", at(ms)); });
    };
    ASSIGN_OR_FAIL(empty, version());
    EXPECT_EQ(empty, 0);

    ASSERT_OK(put_playbook("id: p\n", 1));
    ASSIGN_OR_FAIL(one_playbook, version());
    EXPECT_NE(one_playbook, empty);

    // Byte-identical text stores no version, so the number stays.
    ASSERT_OK(put_playbook("id: p\n", 2));
    ASSIGN_OR_FAIL(same_playbook, version());
    EXPECT_EQ(same_playbook, one_playbook);

    ASSERT_OK(in_write([](Transaction& tx) { return tx.put_document("people", "[]\n", at(3)); }));
    ASSIGN_OR_FAIL(one_document, version());
    EXPECT_NE(one_document, same_playbook);
    EXPECT_NE(one_document, empty);

    ASSERT_OK(in_write([](Transaction& tx) { return tx.put_document("people", "[]\n", at(4)); }));
    ASSIGN_OR_FAIL(same_document, version());
    EXPECT_EQ(same_document, one_document);

    // Other writes are not configuration.
    ASSERT_OK(insert(bare_handoff()));
    ASSERT_OK(in_write([](Transaction& tx) { return tx.insert_event(make_event("e"), at(5)); }));
    ASSERT_OK(in_write([](Transaction& tx) { return tx.insert_token(make_token("h1")); }));
    ASSIGN_OR_FAIL(after_other_writes, version());
    EXPECT_EQ(after_other_writes, one_document);

    ASSERT_OK(put_playbook("id: p\n#\n", 6));
    ASSIGN_OR_FAIL(second_playbook, version());
    std::set<std::int64_t> seen{empty, one_playbook, one_document};
    EXPECT_EQ(seen.count(second_playbook), 0u) << "a new version must not repeat an old number";
}

TEST_P(StoreContract, ConfigVersionSeesTheWriteItIsPartOf) {
    ASSIGN_OR_FAIL(inside, in_write([](Transaction& tx) -> Result<std::pair<std::int64_t,
                                                                           std::int64_t>> {
                       auto before = tx.config_version();
                       if (!before) return before.error();
                       if (auto r = tx.put_playbook("p", "id: p\n", "p", at(1)); !r) {
                           return r.error();
                       }
                       auto after = tx.config_version();
                       if (!after) return after.error();
                       return std::pair{*before, *after};
                   }));
    EXPECT_NE(inside.first, inside.second);
    ASSIGN_OR_FAIL(committed, in_read([](Transaction& tx) { return tx.config_version(); }));
    EXPECT_EQ(committed, inside.second);
}

// --- handoff counts -----------------------------------------------------------------------

TEST_P(StoreContract, CountHandoffsByStateHasEveryStateAndFollowsUpdates) {
    using core::HandoffState;
    const std::vector<HandoffState> every_state = {HandoffState::waiting, HandoffState::accepted,
                                                   HandoffState::done, HandoffState::declined,
                                                   HandoffState::cancelled};
    ASSIGN_OR_FAIL(empty, in_read([](Transaction& tx) { return tx.count_handoffs_by_state(); }));
    ASSERT_EQ(empty.size(), every_state.size());
    for (HandoffState state : every_state) {
        ASSERT_EQ(empty.count(state), 1u) << core::to_string(state);
        EXPECT_EQ(empty.at(state), 0) << core::to_string(state);
    }

    std::int64_t first_waiting = 0;
    for (HandoffState state : {HandoffState::waiting, HandoffState::waiting, HandoffState::waiting,
                               HandoffState::accepted, HandoffState::done}) {
        core::Handoff h = bare_handoff();
        h.state = state;
        ASSIGN_OR_FAIL(id, insert(h));
        if (first_waiting == 0) first_waiting = id;
    }
    ASSIGN_OR_FAIL(counts, in_read([](Transaction& tx) { return tx.count_handoffs_by_state(); }));
    EXPECT_EQ(counts, (std::map<HandoffState, std::int64_t>{{HandoffState::waiting, 3},
                                                            {HandoffState::accepted, 1},
                                                            {HandoffState::done, 1},
                                                            {HandoffState::declined, 0},
                                                            {HandoffState::cancelled, 0}}));

    ASSIGN_OR_FAIL(loaded, load(first_waiting, false));
    ASSERT_TRUE(loaded.has_value());
    core::Handoff cancelled = *loaded;
    cancelled.state = HandoffState::cancelled;
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.update_handoff(cancelled); }));
    ASSIGN_OR_FAIL(after, in_write([](Transaction& tx) { return tx.count_handoffs_by_state(); }));
    EXPECT_EQ(after.at(HandoffState::waiting), 2);
    EXPECT_EQ(after.at(HandoffState::cancelled), 1);
    EXPECT_EQ(after.size(), every_state.size());
}

// --- API tokens ---------------------------------------------------------------------------

TEST_P(StoreContract, TokensRoundTripAndAreFoundByHash) {
    ASSIGN_OR_FAIL(none, in_read([](Transaction& tx) { return tx.list_tokens(); }));
    EXPECT_TRUE(none.empty());
    TokenRecord ana = make_token("aaaa", "ana");
    TokenRecord bob = make_token("bbbb", "bob");
    bob.label = "";
    bob.created_at = at(2'000);
    ASSIGN_OR_FAIL(ana_id, in_write([&](Transaction& tx) { return tx.insert_token(ana); }));
    ASSIGN_OR_FAIL(bob_id, in_write([&](Transaction& tx) { return tx.insert_token(bob); }));
    EXPECT_GT(ana_id, 0);
    EXPECT_LT(ana_id, bob_id);

    ASSIGN_OR_FAIL(found, in_read([](Transaction& tx) { return tx.token_by_hash("aaaa"); }));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, ana_id);
    EXPECT_EQ(found->handle, "ana");
    EXPECT_EQ(found->hash, "aaaa");
    EXPECT_EQ(found->label, ana.label);
    EXPECT_TRUE(found->created_at == ana.created_at);
    EXPECT_FALSE(found->revoked_at.has_value());

    ASSIGN_OR_FAIL(missing, in_read([](Transaction& tx) { return tx.token_by_hash("AAAA"); }));
    EXPECT_FALSE(missing.has_value());  // hashes are compared exactly

    ASSIGN_OR_FAIL(all, in_read([](Transaction& tx) { return tx.list_tokens(); }));
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, ana_id);
    EXPECT_EQ(all[1].id, bob_id);
    EXPECT_EQ(all[1].handle, "bob");
    EXPECT_EQ(all[1].label, "");
    EXPECT_TRUE(all[1].created_at == at(2'000));
}

TEST_P(StoreContract, ATokenHashIsStoredOnceAndMustNotBeEmpty) {
    ASSERT_OK(in_write([](Transaction& tx) { return tx.insert_token(make_token("same", "ana")); }));
    auto again =
        in_write([](Transaction& tx) { return tx.insert_token(make_token("same", "bob")); });
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
    auto empty = in_write([](Transaction& tx) { return tx.insert_token(make_token("")); });
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error().code, ErrorCode::invalid_argument);
    ASSIGN_OR_FAIL(all, in_read([](Transaction& tx) { return tx.list_tokens(); }));
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].handle, "ana");
}

TEST_P(StoreContract, RevokingATokenKeepsItVisibleAndOnlyWorksOnce) {
    ASSIGN_OR_FAIL(id, in_write([](Transaction& tx) { return tx.insert_token(make_token("h")); }));
    ASSIGN_OR_FAIL(other,
                   in_write([](Transaction& tx) { return tx.insert_token(make_token("i")); }));
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.revoke_token(id, at(5'000)); }));

    // The caller decides what a revoked token means, so the store still answers with it.
    ASSIGN_OR_FAIL(revoked, in_read([](Transaction& tx) { return tx.token_by_hash("h"); }));
    ASSERT_TRUE(revoked.has_value());
    EXPECT_EQ(revoked->id, id);
    EXPECT_TRUE(revoked->revoked_at == std::optional<TimePoint>(at(5'000)));

    Status twice = store_->write([&](Transaction& tx) { return tx.revoke_token(id, at(6'000)); });
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().code, ErrorCode::conflict);
    Status unknown =
        store_->write([&](Transaction& tx) { return tx.revoke_token(other + 100, at(6'000)); });
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);

    ASSIGN_OR_FAIL(all, in_read([](Transaction& tx) { return tx.list_tokens(); }));
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(all[0].revoked_at == std::optional<TimePoint>(at(5'000)));  // the first stays
    EXPECT_FALSE(all[1].revoked_at.has_value());
}

// --- idempotency keys ---------------------------------------------------------------------

TEST_P(StoreContract, IdempotencyRecordsRoundTripPerScope) {
    ASSIGN_OR_FAIL(none, in_read([](Transaction& tx) { return tx.idempotency("t1", "k1"); }));
    EXPECT_FALSE(none.has_value());
    const IdempotencyRecord mine = make_idempotency("t1", "k1");
    IdempotencyRecord theirs = make_idempotency("t2", "k1");  // the same key, another caller
    theirs.status = 409;
    theirs.response_body = std::string(64 * 1024, 'x');
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.put_idempotency(mine); }));
    ASSERT_OK(store_->write([&](Transaction& tx) { return tx.put_idempotency(theirs); }));

    ASSIGN_OR_FAIL(got, in_read([](Transaction& tx) { return tx.idempotency("t1", "k1"); }));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->scope, "t1");
    EXPECT_EQ(got->key, "k1");
    EXPECT_EQ(got->request_hash, mine.request_hash);
    EXPECT_EQ(got->status, 201);
    EXPECT_EQ(got->response_body, mine.response_body);
    EXPECT_TRUE(got->created_at == mine.created_at);

    ASSIGN_OR_FAIL(other, in_read([](Transaction& tx) { return tx.idempotency("t2", "k1"); }));
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->status, 409);
    EXPECT_EQ(other->response_body, theirs.response_body);
    ASSIGN_OR_FAIL(other_key, in_read([](Transaction& tx) { return tx.idempotency("t1", "k2"); }));
    EXPECT_FALSE(other_key.has_value());
}

TEST_P(StoreContract, ASecondPutOfAnIdempotencyKeyIsAConflictAndKeepsTheFirst) {
    ASSERT_OK(store_->write(
        [](Transaction& tx) { return tx.put_idempotency(make_idempotency("t1", "k")); }));
    IdempotencyRecord later = make_idempotency("t1", "k");
    later.request_hash = "different";
    later.status = 500;
    later.response_body = "{}";
    Status again = store_->write([&](Transaction& tx) { return tx.put_idempotency(later); });
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
    ASSIGN_OR_FAIL(kept, in_read([](Transaction& tx) { return tx.idempotency("t1", "k"); }));
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->status, 201);
    EXPECT_EQ(kept->request_hash, make_idempotency("t1", "k").request_hash);
}

TEST_P(StoreContract, AnIdempotencyRecordOfAFailedWriteIsNotKept) {
    Status s = store_->write([](Transaction& tx) -> Status {
        if (auto put = tx.put_idempotency(make_idempotency("t1", "k")); !put) return put;
        if (auto token = tx.insert_token(make_token("h")); !token) return token.error();
        return make_error(ErrorCode::conflict, "the action itself failed");
    });
    ASSERT_FALSE(s.ok());
    ASSIGN_OR_FAIL(record, in_read([](Transaction& tx) { return tx.idempotency("t1", "k"); }));
    EXPECT_FALSE(record.has_value());
    ASSIGN_OR_FAIL(tokens, in_read([](Transaction& tx) { return tx.list_tokens(); }));
    EXPECT_TRUE(tokens.empty());
}

// --- transactions -------------------------------------------------------------------------

TEST_P(StoreContract, AFailingCallbackKeepsNothingAndReturnsItsError) {
    Status s = store_->write([](Transaction& tx) -> Status {
        if (auto r = tx.insert_event(make_event("e"), at(0)); !r) return r.error();
        if (auto r = tx.put_playbook("p", "id: p\n", "p.yaml", at(0)); !r) return r.error();
        if (auto r = tx.insert_handoff(full_handoff()); !r) return r.error();
        if (auto r = tx.next_assignment("ops"); !r) return r.error();
        return make_error(ErrorCode::conflict, "changed my mind", "owner");
    });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::conflict);
    EXPECT_EQ(s.error().message, "changed my mind");
    EXPECT_EQ(s.error().field, "owner");

    ASSIGN_OR_FAIL(event, in_read([&](Transaction& tx) { return tx.event("crm", "e"); }));
    EXPECT_FALSE(event.has_value());
    ASSIGN_OR_FAIL(playbooks, in_read([&](Transaction& tx) { return tx.current_playbooks(); }));
    EXPECT_TRUE(playbooks.empty());
    ASSIGN_OR_FAIL(handoffs, list({}));
    EXPECT_TRUE(handoffs.empty());
    ASSIGN_OR_FAIL(counter,
                   in_write([&](Transaction& tx) { return tx.next_assignment("ops"); }));
    EXPECT_EQ(counter, 0);
}

TEST_P(StoreContract, ACallbackThatThrowsKeepsNothing) {
    Status s = store_->write([](Transaction& tx) -> Status {
        (void)tx.insert_event(make_event("e"), at(0));
        throw std::runtime_error("boom");
    });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::internal);
    EXPECT_NE(s.error().message.find("boom"), std::string::npos);
    ASSIGN_OR_FAIL(event, in_read([&](Transaction& tx) { return tx.event("crm", "e"); }));
    EXPECT_FALSE(event.has_value());
    // The store still works afterwards.
    ASSERT_OK(in_write([&](Transaction& tx) { return tx.insert_event(make_event("f"), at(0)); }));
}

TEST_P(StoreContract, WriteMethodsInsideReadFailWithInternal) {
    ASSIGN_OR_FAIL(id, insert(bare_handoff()));
    std::vector<std::pair<std::string, Status>> results;
    ASSERT_OK(store_->read([&](Transaction& tx) -> Status {
        auto status_of = [](const auto& r) { return r.ok() ? ok_status() : Status(r.error()); };
        results.emplace_back("insert_event", status_of(tx.insert_event(make_event("e"), at(0))));
        results.emplace_back("set_event_handoffs", tx.set_event_handoffs("crm", "e", 1));
        results.emplace_back("put_playbook", status_of(tx.put_playbook("p", "y", "f", at(0))));
        results.emplace_back("put_document", status_of(tx.put_document("people", "y", at(0))));
        results.emplace_back("insert_handoff", status_of(tx.insert_handoff(bare_handoff())));
        core::Handoff h = bare_handoff();
        h.id = id;
        results.emplace_back("update_handoff", tx.update_handoff(h));
        results.emplace_back("append_timeline", tx.append_timeline(id, {}));
        results.emplace_back("insert_timers", tx.insert_timers({}));
        results.emplace_back("cancel_timers", tx.cancel_timers(id, {1}));
        results.emplace_back("insert_outbox", tx.insert_outbox({}));
        results.emplace_back("next_assignment", status_of(tx.next_assignment("ops")));
        results.emplace_back("insert_token", status_of(tx.insert_token(make_token("h"))));
        results.emplace_back("revoke_token", tx.revoke_token(1, at(0)));
        results.emplace_back("put_idempotency", tx.put_idempotency(make_idempotency("t1", "k")));
        // Reads still work in the same transaction.
        return status_of(tx.handoff(id, true));
    }));
    ASSERT_EQ(results.size(), 14u);
    for (const auto& [method, status] : results) {
        ASSERT_FALSE(status.ok()) << method;
        EXPECT_EQ(status.error().code, ErrorCode::internal) << method;
    }
    ASSIGN_OR_FAIL(counter, in_write([&](Transaction& tx) { return tx.next_assignment("ops"); }));
    EXPECT_EQ(counter, 0);
}

TEST_P(StoreContract, AReadSeesOneSnapshotWhileAWriterCommits) {
    ASSERT_OK(in_write([&](Transaction& tx) { return tx.insert_event(make_event("a"), at(0)); }));
    std::size_t before = 0;
    std::size_t after = 0;
    Status writer_status = ok_status();
    ASSERT_OK(store_->read([&](Transaction& tx) -> Status {
        auto first = tx.list_events({});
        if (!first) return first.error();
        before = first->size();
        std::thread writer([&] {
            writer_status = store_->write([](Transaction& w) -> Status {
                auto r = w.insert_event(make_event("b"), at(0));
                return r ? ok_status() : Status(r.error());
            });
        });
        writer.join();
        auto second = tx.list_events({});
        if (!second) return second.error();
        after = second->size();
        return ok_status();
    }));
    EXPECT_OK(writer_status);
    EXPECT_EQ(before, 1u);
    EXPECT_EQ(after, 1u);
    ASSIGN_OR_FAIL(now, in_read([&](Transaction& tx) { return tx.list_events({}); }));
    EXPECT_EQ(now.size(), 2u);
}

TEST_P(StoreContract, ConcurrentWritersAllLand) {
    constexpr int threads = 4;
    constexpr int writes_per_thread = 40;
    std::atomic<int> failures{0};
    std::atomic<bool> writing{true};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < writes_per_thread; ++i) {
                Status s = store_->write([&](Transaction& tx) -> Status {
                    auto e = make_event("t" + std::to_string(t) + "-" + std::to_string(i));
                    if (auto r = tx.insert_event(e, at(i)); !r || !*r) {
                        return r ? make_error(ErrorCode::internal, "duplicate") : r.error();
                    }
                    auto n = tx.next_assignment("ops");
                    return n ? ok_status() : Status(n.error());
                });
                if (!s.ok()) ++failures;
            }
        });
    }
    // A reader runs alongside: it must never fail or see a half-done write.
    std::thread reader([&] {
        while (writing.load()) {
            Status s = store_->read([](Transaction& tx) -> Status {
                auto events = tx.list_events({.limit = limits::list_page_max});
                if (!events) return events.error();
                return ok_status();
            });
            if (!s.ok()) ++failures;
        }
    });
    for (auto& th : pool) th.join();
    writing.store(false);
    reader.join();
    EXPECT_EQ(failures.load(), 0);
    ASSIGN_OR_FAIL(events, in_read([&](Transaction& tx) {
                       return tx.list_events({.limit = limits::list_page_max});
                   }));
    EXPECT_EQ(events.size(), static_cast<std::size_t>(threads * writes_per_thread));
    std::set<std::string> ids;
    for (const auto& e : events) ids.insert(e.event.id);
    EXPECT_EQ(ids.size(), events.size());
    ASSIGN_OR_FAIL(counter, in_write([&](Transaction& tx) { return tx.next_assignment("ops"); }));
    EXPECT_EQ(counter, threads * writes_per_thread);
}

// --- board: list filters, live updates, passwords and sessions ------------------------------

TEST_P(StoreContract, ListFiltersByOwnersSubjectTextAndClosedSince) {
    ASSIGN_OR_FAIL(a, insert(bare_handoff("ana", "Acme Dental")));
    ASSIGN_OR_FAIL(b, insert(bare_handoff("bo", "acme 50%_off")));
    ASSIGN_OR_FAIL(c, insert(bare_handoff("cy", "Globex")));
    ASSIGN_OR_FAIL(closed, load(c, false));
    closed->state = core::HandoffState::cancelled;
    closed->closed_at = at(5000);
    ASSERT_OK(in_write([&](Transaction& tx) { return tx.update_handoff(*closed); }));

    ASSIGN_OR_FAIL(two, list({.owner_in = {"ana", "cy"}}));
    EXPECT_EQ(ids_of(two), (std::vector<std::int64_t>{a, c}));
    // Case is ignored, and LIKE's own wildcards in the text match only themselves.
    ASSIGN_OR_FAIL(acme, list({.subject_contains = std::string("ACME")}));
    EXPECT_EQ(ids_of(acme), (std::vector<std::int64_t>{a, b}));
    ASSIGN_OR_FAIL(literal, list({.subject_contains = std::string("50%_")}));
    EXPECT_EQ(ids_of(literal), (std::vector<std::int64_t>{b}));
    ASSIGN_OR_FAIL(wildcard, list({.subject_contains = std::string("%")}));
    EXPECT_EQ(ids_of(wildcard), (std::vector<std::int64_t>{b}));
    ASSIGN_OR_FAIL(since, list({.closed_since = at(5000)}));
    EXPECT_EQ(ids_of(since), (std::vector<std::int64_t>{c}));
    ASSIGN_OR_FAIL(later, list({.closed_since = at(5001)}));
    EXPECT_TRUE(later.empty());
}

// After a reassignment the previous owner stays accountable until the new owner accepts:
// `accountable` finds those handoffs under the previous owner too, once each, in id order,
// with every other filter and the cursor still applied. Without it, owner means the owner.
TEST_P(StoreContract, ListFindsAccountableHandoffsUnderThePreviousOwner) {
    auto make = [&](std::string owner, std::string pending_from,
                    core::HandoffState state = core::HandoffState::waiting) {
        core::Handoff h = bare_handoff(std::move(owner));
        h.pending_from = std::move(pending_from);
        h.state = state;
        return insert(h);
    };
    ASSIGN_OR_FAIL(a, make("ana", ""));
    ASSIGN_OR_FAIL(b, make("lee", "dana"));  // dana reassigned it to lee, not yet accepted
    ASSIGN_OR_FAIL(c, make("dana", "", core::HandoffState::accepted));
    ASSIGN_OR_FAIL(d, make("bo", "ana"));
    ASSIGN_OR_FAIL(e, make("dana", "ana"));  // both in one team: listed once
    using Ids = std::vector<std::int64_t>;

    ASSIGN_OR_FAIL(owned, list({.owner = "dana"}));
    EXPECT_EQ(ids_of(owned), (Ids{c, e}));
    ASSIGN_OR_FAIL(dana, list({.owner = "dana", .accountable = true}));
    EXPECT_EQ(ids_of(dana), (Ids{b, c, e}));
    ASSIGN_OR_FAIL(newest, list({.owner = "dana", .accountable = true, .newest_first = true}));
    EXPECT_EQ(ids_of(newest), (Ids{e, c, b}));
    ASSIGN_OR_FAIL(first, list({.owner = "dana", .accountable = true, .limit = 2}));
    EXPECT_EQ(ids_of(first), (Ids{b, c}));
    ASSIGN_OR_FAIL(rest, list({.owner = "dana", .accountable = true, .after_id = c}));
    EXPECT_EQ(ids_of(rest), (Ids{e}));
    ASSIGN_OR_FAIL(
        waiting,
        list({.state = core::HandoffState::waiting, .owner = "dana", .accountable = true}));
    EXPECT_EQ(ids_of(waiting), (Ids{b, e}));
    ASSIGN_OR_FAIL(team, list({.owner_in = {"ana", "dana"}, .accountable = true}));
    EXPECT_EQ(ids_of(team), (Ids{a, b, c, d, e}));
    ASSIGN_OR_FAIL(lee, list({.owner_in = {"lee"}, .accountable = true}));
    EXPECT_EQ(ids_of(lee), (Ids{b}));
    // Nobody is accountable for what has no previous owner: "" never matches it.
    ASSIGN_OR_FAIL(nobody, list({.owner = "", .accountable = true}));
    EXPECT_TRUE(nobody.empty());
}

// Mine is what a person holds: accountable as above, and also a declined handoff they gave
// (back to them to reassign) and one escalated to them; once each, in id order, with every
// other filter and the cursor still applied.
TEST_P(StoreContract, MineAddsWhatWasDeclinedBackToTheGiverAndEscalatedToThem) {
    auto make = [&](std::string owner, std::string giver, core::HandoffState state,
                    std::string escalated_to = "", std::string pending_from = "") {
        core::Handoff h = bare_handoff(std::move(owner));
        h.giver = std::move(giver);
        h.state = state;
        h.escalated_to = std::move(escalated_to);
        h.pending_from = std::move(pending_from);
        return insert(h);
    };
    using S = core::HandoffState;
    ASSIGN_OR_FAIL(a, make("lee", "sales", S::declined));            // back to sam's team
    ASSIGN_OR_FAIL(b, make("lee", "sam", S::waiting));                // sam gave it, lee holds it
    ASSIGN_OR_FAIL(c, make("lee", "ana", S::waiting, "sam"));         // escalated to sam
    ASSIGN_OR_FAIL(d, make("sam", "sam", S::declined, "sam"));        // every arm at once
    ASSIGN_OR_FAIL(e, make("bo", "ana", S::accepted, "", "sam"));     // sam stays accountable
    ASSIGN_OR_FAIL(f, make("lee", "sam", S::done, "sam"));            // closed, still escalated
    using Ids = std::vector<std::int64_t>;

    ASSIGN_OR_FAIL(accountable, list({.owner = "sam", .accountable = true}));
    EXPECT_EQ(ids_of(accountable), (Ids{d, e}));
    ASSIGN_OR_FAIL(mine, list({.owner = "sam", .mine = true, .givers = {"sam", "sales"}}));
    EXPECT_EQ(ids_of(mine), (Ids{a, c, d, e, f}));
    // Without givers the giver is the owner asked for: the team's handoff is not sam's.
    ASSIGN_OR_FAIL(own, list({.owner = "sam", .mine = true}));
    EXPECT_EQ(ids_of(own), (Ids{c, d, e, f}));
    ASSIGN_OR_FAIL(newest, list({.owner = "sam",
                                     .mine = true,
                                     .givers = {"sam", "sales"},
                                     .newest_first = true}));
    EXPECT_EQ(ids_of(newest), (Ids{f, e, d, c, a}));
    ASSIGN_OR_FAIL(page, list({.owner = "sam", .mine = true, .givers = {"sales"}, .limit = 2}));
    EXPECT_EQ(ids_of(page), (Ids{a, c}));
    ASSIGN_OR_FAIL(rest, list({.owner = "sam", .mine = true, .givers = {"sales"}, .after_id = c}));
    EXPECT_EQ(ids_of(rest), (Ids{d, e, f}));
    ASSIGN_OR_FAIL(declined, list({.state = S::declined, .owner = "sam", .mine = true, .givers = {"sales"}}));
    EXPECT_EQ(ids_of(declined), (Ids{a, d}));
    ASSIGN_OR_FAIL(waiting, list({.state = S::waiting, .owner = "sam", .mine = true}));
    EXPECT_EQ(ids_of(waiting), (Ids{c}));
    ASSIGN_OR_FAIL(lee, list({.owner = "lee", .mine = true}));
    EXPECT_EQ(ids_of(lee), (Ids{a, b, c, f}));  // lee owns them all
    ASSIGN_OR_FAIL(team, list({.owner_in = {"sam", "bo"}, .mine = true, .givers = {"sales"}}));
    EXPECT_EQ(ids_of(team), (Ids{a, c, d, e, f}));
    ASSIGN_OR_FAIL(ana, list({.owner = "ana", .mine = true}));
    EXPECT_TRUE(ana.empty()) << "a giver holds only what was declined back to them";
    ASSIGN_OR_FAIL(nobody, list({.owner = "nobody", .mine = true}));
    EXPECT_TRUE(nobody.empty());
}

TEST_P(StoreContract, ChangesComeInCommitOrderOncePerHandoffAtItsLatest) {
    ASSIGN_OR_FAIL(start, in_read([](Transaction& tx) { return tx.last_change_seq(); }));
    ASSIGN_OR_FAIL(a, insert(bare_handoff("ana", "A")));
    ASSIGN_OR_FAIL(b, insert(bare_handoff("bo", "B")));
    ASSIGN_OR_FAIL(after_inserts,
                   in_read([](Transaction& tx) { return tx.last_change_seq(); }));
    EXPECT_EQ(after_inserts, start + 2);
    ASSIGN_OR_FAIL(both, in_read([&](Transaction& tx) {
                       return tx.handoff_changes(start, 100);
                   }));
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[0].handoff.id, a);
    EXPECT_EQ(both[1].handoff.id, b);
    EXPECT_LT(both[0].seq, both[1].seq);

    // A changes again: it moves after B, once, with its new state; a timeline entry alone
    // is a change too.
    ASSIGN_OR_FAIL(loaded, load(a, false));
    loaded->state = core::HandoffState::accepted;
    ASSERT_OK(in_write([&](Transaction& tx) { return tx.update_handoff(*loaded); }));
    ASSIGN_OR_FAIL(moved, in_read([&](Transaction& tx) {
                       return tx.handoff_changes(start, 100);
                   }));
    ASSERT_EQ(moved.size(), 2u);
    EXPECT_EQ(moved[0].handoff.id, b);
    EXPECT_EQ(moved[1].handoff.id, a);
    EXPECT_EQ(moved[1].handoff.state, core::HandoffState::accepted);
    EXPECT_TRUE(moved[1].handoff.timeline.empty()) << "changes come without timelines";
    const std::int64_t seen = moved[1].seq;
    core::TimelineEntry note{at(10), "ana", "comment", "on it", nlohmann::json::object()};
    ASSERT_OK(in_write([&](Transaction& tx) { return tx.append_timeline(b, {note}); }));
    ASSIGN_OR_FAIL(since_seen, in_read([&](Transaction& tx) {
                       return tx.handoff_changes(seen, 100);
                   }));
    ASSERT_EQ(since_seen.size(), 1u);
    EXPECT_EQ(since_seen[0].handoff.id, b);
    ASSIGN_OR_FAIL(first_only, in_read([&](Transaction& tx) {
                       return tx.handoff_changes(start, 1);
                   }));
    ASSERT_EQ(first_only.size(), 1u);
    EXPECT_EQ(first_only[0].handoff.id, a);
}

TEST_P(StoreContract, AFailedWriteGivesNoChangeNumber) {
    ASSIGN_OR_FAIL(start, in_read([](Transaction& tx) { return tx.last_change_seq(); }));
    Status failed = store_->write([&](Transaction& tx) -> Status {
        auto id = tx.insert_handoff(bare_handoff());
        if (!id) return id.error();
        return make_error(ErrorCode::conflict, "changed my mind");
    });
    EXPECT_FALSE(failed.ok());
    ASSIGN_OR_FAIL(after, in_read([](Transaction& tx) { return tx.last_change_seq(); }));
    EXPECT_EQ(after, start);
    ASSIGN_OR_FAIL(none, in_read([&](Transaction& tx) {
                       return tx.handoff_changes(start, 100);
                   }));
    EXPECT_TRUE(none.empty());
}

TEST_P(StoreContract, PasswordsAreReplacedAndEndTheirPersonsSessions) {
    ASSIGN_OR_FAIL(none, in_read([](Transaction& tx) { return tx.password_hash("ana"); }));
    EXPECT_FALSE(none.has_value());
    ASSERT_OK(in_write([](Transaction& tx) { return tx.put_password("ana", "$argon2id$one", at(0)); }));
    ASSERT_OK(in_write([](Transaction& tx) {
        return tx.insert_session({"s-ana", "ana", at(0), at(1000)});
    }));
    ASSERT_OK(in_write([](Transaction& tx) {
        return tx.insert_session({"s-bo", "bo", at(0), at(1000)});
    }));
    ASSERT_OK(in_write([](Transaction& tx) { return tx.put_password("ana", "$argon2id$two", at(5)); }));
    ASSIGN_OR_FAIL(hash, in_read([](Transaction& tx) { return tx.password_hash("ana"); }));
    EXPECT_EQ(hash, std::optional<std::string>("$argon2id$two"));
    ASSIGN_OR_FAIL(ended, in_read([](Transaction& tx) { return tx.session_by_hash("s-ana"); }));
    EXPECT_FALSE(ended.has_value()) << "a new password ends the person's sessions";
    ASSIGN_OR_FAIL(kept, in_read([](Transaction& tx) { return tx.session_by_hash("s-bo"); }));
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->handle, "bo");
    EXPECT_EQ(kept->created_at, at(0));
    EXPECT_EQ(kept->expires_at, at(1000));
    EXPECT_EQ(in_write([](Transaction& tx) { return tx.put_password("", "x", at(0)); }).error().code,
              ErrorCode::invalid_argument);
}

TEST_P(StoreContract, SessionsAreUniqueDeletedOnceAndExpireInBatches) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_OK(in_write([&](Transaction& tx) {
            return tx.insert_session({"s" + std::to_string(i), "ana", at(0), at(100 * i)});
        }));
    }
    auto twice = in_write([](Transaction& tx) {
        return tx.insert_session({"s1", "bo", at(0), at(50)});
    });
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().code, ErrorCode::conflict);
    ASSERT_OK(in_write([](Transaction& tx) { return tx.delete_session("s4"); }));
    ASSERT_OK(in_write([](Transaction& tx) { return tx.delete_session("s4"); }));
    ASSIGN_OR_FAIL(gone, in_read([](Transaction& tx) { return tx.session_by_hash("s4"); }));
    EXPECT_FALSE(gone.has_value());
    // s0, s1, s2 and s3 expire at 0, 100, 200 and 300: at 200 three have, two a batch.
    ASSIGN_OR_FAIL(first, in_write([](Transaction& tx) { return tx.expire_sessions(at(200), 2); }));
    EXPECT_EQ(first, 2);
    ASSIGN_OR_FAIL(second, in_write([](Transaction& tx) { return tx.expire_sessions(at(200), 2); }));
    EXPECT_EQ(second, 1);
    ASSIGN_OR_FAIL(live, in_read([](Transaction& tx) { return tx.session_by_hash("s3"); }));
    EXPECT_TRUE(live.has_value());
}

// --- the delivery log of /hooks -----------------------------------------------------------

TEST_P(StoreContract, AHookDeliveryRoundTripsEveryField) {
    HookDeliveryRecord d = make_hook_delivery("shop", "refused", 5);
    d.stage = "mapping";
    d.field = "[1].id";
    d.message = "the delivery has no `payload.id` — ✓";
    d.verified = true;
    d.body_partial = true;
    d.events = nlohmann::json::array({{{"source", "shop"}, {"id", "o-1"}}});
    ASSIGN_OR_FAIL(id, in_write([&](Transaction& tx) { return tx.insert_hook_delivery(d); }));
    ASSIGN_OR_FAIL(got, in_read([&](Transaction& tx) { return tx.hook_delivery(id); }));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->id, id);
    EXPECT_EQ(got->source, "shop");
    EXPECT_EQ(got->received_at, at(5));
    EXPECT_EQ(got->outcome, "refused");
    EXPECT_EQ(got->stage, "mapping");
    EXPECT_EQ(got->field, "[1].id");
    EXPECT_EQ(got->message, d.message);
    EXPECT_TRUE(got->verified);
    EXPECT_EQ(got->method, "POST");
    EXPECT_EQ(got->uri, "https://baton.example.com/hooks/shop");
    EXPECT_EQ(got->headers, d.headers);
    EXPECT_EQ(got->body, d.body);
    EXPECT_TRUE(got->body_partial);
    EXPECT_EQ(got->events, d.events);
    EXPECT_EQ(got->replay_of, 0);
    EXPECT_FALSE(got->replayed_at.has_value());
    EXPECT_EQ(got->replayed_by, 0);
    ASSIGN_OR_FAIL(missing, in_read([&](Transaction& tx) { return tx.hook_delivery(id + 1); }));
    EXPECT_FALSE(missing.has_value());
}

TEST_P(StoreContract, AHookDeliveryIsReplayedOnceAndMarkedByItsReplay) {
    ASSIGN_OR_FAIL(first, in_write([](Transaction& tx) {
                       return tx.insert_hook_delivery(make_hook_delivery("shop", "refused", 1));
                   }));
    // A replay refused again leaves the delivery to be replayed later.
    HookDeliveryRecord refused_again = make_hook_delivery("shop", "refused", 6);
    refused_again.replay_of = first;
    ASSERT_OK(in_write([&](Transaction& tx) { return tx.insert_hook_delivery(refused_again); }));
    ASSIGN_OR_FAIL(still, in_read([&](Transaction& tx) { return tx.hook_delivery(first); }));
    ASSERT_TRUE(still.has_value());
    EXPECT_FALSE(still->replayed_at.has_value());
    HookDeliveryRecord replay = make_hook_delivery("shop", "accepted", 7);
    replay.replay_of = first;
    ASSIGN_OR_FAIL(second,
                   in_write([&](Transaction& tx) { return tx.insert_hook_delivery(replay); }));
    ASSIGN_OR_FAIL(original, in_read([&](Transaction& tx) { return tx.hook_delivery(first); }));
    ASSERT_TRUE(original.has_value());
    EXPECT_EQ(original->replayed_at, at(7));
    EXPECT_EQ(original->replayed_by, second);
    // Again: conflict, naming the replay that got through, and nothing is kept of it.
    replay.received_at = at(9);
    auto again = in_write([&](Transaction& tx) { return tx.insert_hook_delivery(replay); });
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
    EXPECT_NE(again.error().message.find("by delivery " + std::to_string(second)),
              std::string::npos)
        << again.error().message;
    ASSIGN_OR_FAIL(all, in_read([](Transaction& tx) { return tx.list_hook_deliveries({}); }));
    EXPECT_EQ(all.size(), 3u);
    // A replay of a delivery that does not exist is not_found.
    replay.replay_of = second + 100;
    auto nowhere = in_write([&](Transaction& tx) { return tx.insert_hook_delivery(replay); });
    ASSERT_FALSE(nowhere.ok());
    EXPECT_EQ(nowhere.error().code, ErrorCode::not_found);
}

TEST_P(StoreContract, HookDeliveriesListNewestFirstByFilterWithACursor) {
    const std::vector<std::pair<const char*, const char*>> rows = {
        {"shop", "accepted"},  {"crm", "refused"},  {"shop", "refused"},
        {"shop", "duplicate"}, {"crm", "accepted"}, {"shop", "refused"}};
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        ASSIGN_OR_FAIL(id, in_write([&](Transaction& tx) {
                           return tx.insert_hook_delivery(make_hook_delivery(
                               rows[i].first, rows[i].second, static_cast<std::int64_t>(i)));
                       }));
        ids.push_back(id);
    }
    auto list = [&](const HookDeliveryFilter& f) {
        return in_read([&](Transaction& tx) { return tx.list_hook_deliveries(f); });
    };
    auto ids_of_page = [](const std::vector<HookDeliveryRecord>& page) {
        std::vector<std::int64_t> out;
        for (const auto& d : page) out.push_back(d.id);
        return out;
    };
    ASSIGN_OR_FAIL(all, list({}));
    EXPECT_EQ(ids_of_page(all),
              (std::vector<std::int64_t>{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}));
    EXPECT_FALSE(all.front().body.empty()) << "the default reads the content";
    ASSIGN_OR_FAIL(refused_shop, list({.source = "shop", .outcome = "refused"}));
    EXPECT_EQ(ids_of_page(refused_shop), (std::vector<std::int64_t>{ids[5], ids[2]}));
    ASSIGN_OR_FAIL(page, list({.before_id = ids[4], .limit = 2, .with_content = false}));
    EXPECT_EQ(ids_of_page(page), (std::vector<std::int64_t>{ids[3], ids[2]}));
    EXPECT_TRUE(page.front().body.empty());
    EXPECT_TRUE(page.front().headers.empty());
    EXPECT_EQ(page.front().outcome, "duplicate");
}

TEST_P(StoreContract, HookDeliveriesExpireByAgeInBatches) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_OK(in_write([&](Transaction& tx) {
            return tx.insert_hook_delivery(make_hook_delivery("shop", "accepted", 100 * i));
        }));
    }
    // Received at 0, 100, 200, 300, 400: three before 250, two a batch.
    ASSIGN_OR_FAIL(first,
                   in_write([](Transaction& tx) { return tx.expire_hook_deliveries(at(250), 2); }));
    EXPECT_EQ(first, 2);
    ASSIGN_OR_FAIL(second,
                   in_write([](Transaction& tx) { return tx.expire_hook_deliveries(at(250), 2); }));
    EXPECT_EQ(second, 1);
    ASSIGN_OR_FAIL(left, in_read([](Transaction& tx) { return tx.list_hook_deliveries({}); }));
    ASSERT_EQ(left.size(), 2u);
    EXPECT_EQ(left.back().received_at, at(300));
}

// --- copying a whole store (export_rows, import_rows, copy_into) ---------------------------

// Puts rows in every table through the Transaction methods, with ids past 1, counters
// away from zero, a revoked token, a fired and a cancelled timer, a settled delivery.
inline Status populate_every_table(Store& store) {
    return store.write([](Transaction& tx) -> Status {
        for (const char* id : {"deal-1", "deal-2", "form-9"}) {
            auto e = tx.insert_event(make_event(id), at(10));
            if (!e) return e.error();
        }
        if (auto s = tx.set_event_handoffs("crm", "deal-1", 2); !s) return s;
        for (const char* yaml : {"id: sold\n", "id: sold\ntitle: Sold\n"}) {
            auto v = tx.put_playbook("sold", yaml, "playbooks/sold.yaml", at(20));
            if (!v) return v.error();
        }
        auto doc = tx.put_document("people", "people: []\n", at(30));
        if (!doc) return doc.error();
        auto first = tx.insert_handoff(full_handoff());
        if (!first) return first.error();
        auto second = tx.insert_handoff(bare_handoff("bo", "Zed"));
        if (!second) return second.error();
        auto loaded = tx.handoff(*second, false);
        if (!loaded) return loaded.error();
        core::Handoff changed = **loaded;
        changed.state = core::HandoffState::accepted;
        changed.accepted_at = at(40);
        if (auto s = tx.update_handoff(changed); !s) return s;
        if (auto s = tx.append_timeline(*second, {core::TimelineEntry{at(40), "bo", "accepted",
                                                                     "Bo accepted.", {}}});
            !s) {
            return s;
        }
        if (auto s = tx.insert_timers({{0, *first, TimerKind::remind, 0, at(50), std::nullopt,
                                        false, "ana"},
                                       {0, *first, TimerKind::escalate, 1, at(60), std::nullopt,
                                        false, "lead"},
                                       {0, *second, TimerKind::remind, 0, at(70), std::nullopt,
                                        false, "bo"}});
            !s) {
            return s;
        }
        auto timers = tx.timers_of(*first);
        if (!timers) return timers.error();
        auto fired = tx.fire_timer(timers->at(0).id, at(55));
        if (!fired) return fired.error();
        if (auto s = tx.cancel_timers(*first, {timers->at(1).id}); !s) return s;
        OutboxRecord out;
        out.handoff_id = *first;
        out.channel = "slack";
        out.target = "#ops";
        out.dedupe_key = "h1-slack";
        out.payload = {{"text", "Handed over — ✓"}};
        out.next_attempt_at = at(0);
        out.created_at = at(0);
        OutboxRecord mail = out;
        mail.channel = "email";
        mail.target = "ana@example.com";
        mail.dedupe_key = "h1-email";
        if (auto s = tx.insert_outbox({out, mail}); !s) return s;
        auto leased = tx.lease_outbox(at(80), at(90), 1);
        if (!leased) return leased.error();
        if (leased->size() != 1) return make_error(ErrorCode::internal, "nothing leased");
        if (auto s = tx.settle_outbox(leased->front().id, "delivered", at(85), "", at(85)); !s) {
            return s;
        }
        for (int i = 0; i < 3; ++i) {
            auto n = tx.next_assignment("ops");
            if (!n) return n.error();
        }
        auto token = tx.insert_token(make_token("hash-a"));
        if (!token) return token.error();
        auto other = tx.insert_token(make_token("hash-b", "bo"));
        if (!other) return other.error();
        if (auto s = tx.revoke_token(*token, at(95)); !s) return s;
        if (auto s = tx.put_idempotency(make_idempotency(std::to_string(*other), "k-1")); !s) {
            return s;
        }
        if (auto s = tx.put_password("ana", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", at(96));
            !s) {
            return s;
        }
        if (auto s = tx.insert_session({"session-hash", "ana", at(97), at(3'600'000)}); !s) {
            return s;
        }
        auto refused = tx.insert_hook_delivery(make_hook_delivery("hubspot", "refused", 98));
        if (!refused) return refused.error();
        HookDeliveryRecord replay = make_hook_delivery("hubspot", "accepted", 99);
        replay.replay_of = *refused;
        auto replayed = tx.insert_hook_delivery(replay);
        if (!replayed) return replayed.error();
        return ok_status();
    });
}

TEST_P(StoreContract, ACopyHoldsEveryRowOfEveryTableAndNewIdsFollowTheCopiedOnes) {
    ASSERT_OK(populate_every_table(*store_));
    ASSIGN_OR_FAIL(source, export_of(*store_));
    // The population reaches every table, so that a table the copy dropped would show.
    for (const auto& [table, rows] : source.rows) {
        EXPECT_FALSE(rows.empty()) << table << " has no rows to copy";
    }
    TempDir target_dir;
    ASSIGN_OR_FAIL(target, GetParam().open(target_dir.path()));
    ASSIGN_OR_FAIL(summary, store_->copy_into(*target));
    EXPECT_EQ(summary.rows.size(), source.tables.size());
    EXPECT_EQ(summary.rows_of("handoffs"), 2);
    EXPECT_EQ(summary.rows_of("timeline"), 3);
    ASSIGN_OR_FAIL(copied, export_of(*target));
    expect_same_rows(copied, source);

    // The counters came along: what the engine reads of them is the same.
    auto counters = [](Store& s) {
        std::vector<std::int64_t> out;
        Status st = s.read([&](Transaction& tx) -> Status {
            for (auto r : {tx.config_version(), tx.last_change_seq()}) {
                if (!r) return r.error();
                out.push_back(*r);
            }
            return ok_status();
        });
        EXPECT_TRUE(st.ok()) << st.error().message;
        return out;
    };
    EXPECT_EQ(counters(*target), counters(*store_));
    ASSIGN_OR_FAIL(assigned, [&] {
        std::int64_t n = 0;
        Status st = target->write([&](Transaction& tx) -> Status {
            auto r = tx.next_assignment("ops");
            if (!r) return r.error();
            n = *r;
            return ok_status();
        });
        return st ? Result<std::int64_t>(n) : Result<std::int64_t>(st.error());
    }());
    EXPECT_EQ(assigned, 3);  // the fourth assignment of the team, as on the source

    // New rows get ids past the copied ones, with no unique key broken.
    std::int64_t handoff_id = 0;
    std::int64_t token_id = 0;
    std::int64_t event_seq = 0;
    std::vector<TimerRecord> timers;
    std::vector<OutboxRecord> outbox;
    ASSERT_OK(target->write([&](Transaction& tx) -> Status {
        auto h = tx.insert_handoff(bare_handoff("cy", "New"));
        if (!h) return h.error();
        handoff_id = *h;
        auto e = tx.insert_event(make_event("after-copy"), at(100));
        if (!e) return e.error();
        auto stored = tx.event("crm", "after-copy");
        if (!stored) return stored.error();
        event_seq = (*stored)->seq;
        auto t = tx.insert_token(make_token("hash-c"));
        if (!t) return t.error();
        token_id = *t;
        if (auto s = tx.insert_timers({{0, *h, TimerKind::remind, 0, at(200), std::nullopt,
                                        false, "cy"}});
            !s) {
            return s;
        }
        OutboxRecord o;
        o.handoff_id = *h;
        o.channel = "slack";
        o.target = "#ops";
        o.dedupe_key = "new-slack";
        o.next_attempt_at = at(0);
        o.created_at = at(0);
        if (auto s = tx.insert_outbox({o}); !s) return s;
        auto ts = tx.timers_of(*h);
        if (!ts) return ts.error();
        timers = *ts;
        auto os = tx.outbox_of(*h);
        if (!os) return os.error();
        outbox = *os;
        return ok_status();
    }));
    EXPECT_EQ(handoff_id, 3);
    EXPECT_EQ(event_seq, 4);
    EXPECT_EQ(token_id, 3);
    ASSERT_EQ(timers.size(), 1u);
    EXPECT_EQ(timers[0].id, 4);
    ASSERT_EQ(outbox.size(), 1u);
    EXPECT_EQ(outbox[0].id, 3);
}

TEST_P(StoreContract, ACopyIntoAStoreThatHoldsRowsIsRefusedAndChangesNothing) {
    ASSERT_OK(populate_every_table(*store_));
    TempDir target_dir;
    ASSIGN_OR_FAIL(target, GetParam().open(target_dir.path()));
    ASSERT_OK(target->write([](Transaction& tx) -> Status {
        auto r = tx.put_password("someone", "hash", at(0));
        return r;
    }));
    ASSIGN_OR_FAIL(before, export_of(*target));
    auto copied = store_->copy_into(*target);
    ASSERT_FALSE(copied.ok());
    EXPECT_EQ(copied.error().code, ErrorCode::conflict);
    EXPECT_NE(copied.error().message.find(target->describe() + " is not empty"), std::string::npos)
        << copied.error().message;
    EXPECT_NE(copied.error().message.find("passwords"), std::string::npos)
        << copied.error().message;
    EXPECT_EQ(copied.error().message.find('\n'), std::string::npos);
    ASSIGN_OR_FAIL(after, export_of(*target));
    expect_same_rows(after, before);
}

// The import checks what it is given and keeps nothing of a copy that fails midway.
TEST_P(StoreContract, AnImportThatFailsKeepsNothing) {
    ASSIGN_OR_FAIL(empty, export_of(*store_));
    const int version = empty.schema_version;
    EXPECT_GT(version, 0);
    const std::vector<std::string> event_columns = empty.columns.at("events");
    const std::vector<CopyValue> event_row = {
        std::int64_t{7}, std::string("crm"), std::string("d-7"), std::string("deal.won"),
        std::monostate{}, std::int64_t{1}, std::string("{}"), std::int64_t{1}, std::int64_t{0}};
    struct Case {
        std::string name;
        RowProducer produce;
        ErrorCode code;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"producer fails midway",
         [&](RowSink& sink) -> Status {
             if (auto s = sink.begin(version); !s) return s;
             if (auto s = sink.table("events", event_columns); !s) return s;
             if (auto s = sink.row(event_row); !s) return s;
             return make_error(ErrorCode::unavailable, "the source went away");
         },
         ErrorCode::unavailable, "the source went away"},
        {"another schema version",
         [&](RowSink& sink) -> Status { return sink.begin(version + 1); },
         ErrorCode::invalid_argument, "schema version " + std::to_string(version + 1)},
        {"a table missing",
         [&](RowSink& sink) -> Status {
             if (auto s = sink.begin(version); !s) return s;
             if (auto s = sink.table("handoffs", empty.columns.at("handoffs")); !s) return s;
             return sink.end();
         },
         ErrorCode::invalid_argument, "table events is missing"},
        {"a row of the wrong width",
         [&](RowSink& sink) -> Status {
             if (auto s = sink.begin(version); !s) return s;
             if (auto s = sink.table("events", event_columns); !s) return s;
             if (auto s = sink.row(event_row); !s) return s;
             return sink.row({std::int64_t{8}});
         },
         ErrorCode::invalid_argument, "1 values for 9 columns"},
        {"no end",
         [&](RowSink& sink) -> Status {
             if (auto s = sink.begin(version); !s) return s;
             if (auto s = sink.table("events", event_columns); !s) return s;
             return sink.row(event_row);
         },
         ErrorCode::internal, "end()"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        auto imported = store_->import_rows(c.produce);
        ASSERT_FALSE(imported.ok());
        EXPECT_EQ(imported.error().code, c.code) << imported.error().message;
        EXPECT_NE(imported.error().message.find(c.message), std::string::npos)
            << imported.error().message;
        ASSIGN_OR_FAIL(after, export_of(*store_));
        EXPECT_TRUE(after.rows.at("events").empty());
    }
    // Still empty, so a whole copy goes in.
    TempDir source_dir;
    ASSIGN_OR_FAIL(source, GetParam().open(source_dir.path()));
    ASSERT_OK(populate_every_table(*source));
    ASSERT_OK(source->copy_into(*store_));
}

// More rows than one fetch or one insert batch of any store takes (PostgreSQL: 100), with
// a remainder, so that every batch boundary is crossed.
TEST_P(StoreContract, ACopyOfManyRowsCrossesEveryBatchBoundary) {
    ASSERT_OK(store_->write([](Transaction& tx) -> Status {
        for (int i = 0; i < 257; ++i) {
            auto e = tx.insert_event(make_event("bulk-" + std::to_string(i)), at(i));
            if (!e) return e.error();
        }
        return ok_status();
    }));
    ASSIGN_OR_FAIL(source, export_of(*store_));
    ASSERT_EQ(source.rows.at("events").size(), 257u);
    TempDir target_dir;
    ASSIGN_OR_FAIL(target, GetParam().open(target_dir.path()));
    ASSIGN_OR_FAIL(summary, store_->copy_into(*target));
    EXPECT_EQ(summary.rows_of("events"), 257);
    ASSIGN_OR_FAIL(copied, export_of(*target));
    expect_same_rows(copied, source);
}

}  // namespace baton::store::testing
