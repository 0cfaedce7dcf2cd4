// Seeds a workspace made by `baton init` with COUNT handoffs of its example playbooks, for
// the list and board benchmarks (bench/list.sh, bench/board.mjs). It writes through the real
// Store in transactions of 5,000 handoffs, so the rows (handoff, checklist, timeline) are
// exactly what Baton itself writes; it arms no timers and queues no deliveries, so a server
// started on the result does no background work.
//
// Mixes (deterministic: the same COUNT gives the same rows):
//   full  a year of history, ids in creation order: about 25% open (waiting, accepted),
//         10% closed in the last 7 days, the rest closed earlier (done, declined, cancelled);
//         six owners, three playbooks, 0.5% of subjects contain "Acme".
//   open  every handoff open, created over the last 14 days: 60% waiting, 40% accepted.
//
// Usage: baton_seed_handoffs DB_PATH COUNT [full|open]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include "core/playbook.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace baton;
using std::chrono::hours;
using std::chrono::minutes;

const std::array<const char*, 6> kOwners = {"dana", "lee", "sam", "ada", "ari", "kim"};
const std::array<int, 6> kOwnerWeights = {30, 25, 15, 15, 10, 5};
const std::array<const char*, 3> kPlaybooks = {"sold-to-onboarding", "kickoff-prep",
                                               "ready-to-client"};
const std::array<int, 3> kPlaybookWeights = {50, 30, 20};
const std::array<const char*, 16> kCompanies = {
    "Northwind", "Globex",  "Initech",  "Umbrella", "Hooli",   "Stark",    "Wayne",  "Wonka",
    "Tyrell",    "Soylent", "Vandelay", "Gringott", "Monarch", "Blue Sun", "Oscorp", "Pied Piper"};
const std::array<const char*, 4> kSuffixes = {"Ltd", "GmbH", "Inc", "Partners"};

// The parts of a stored playbook a handoff copies.
struct PlaybookParts {
    int version = 0;
    std::string title;
    std::string done;
    std::vector<core::ChecklistItemSpec> checklist;
    hours accept_within{4};
    hours done_within{48};
};

int fail(const std::string& what) {
    std::fprintf(stderr, "baton_seed_handoffs: %s\n", what.c_str());
    return 1;
}

template <std::size_t N>
std::size_t pick(std::mt19937_64& rng, const std::array<int, N>& weights) {
    std::discrete_distribution<std::size_t> d(weights.begin(), weights.end());
    return d(rng);
}

Result<std::map<std::string, PlaybookParts>> load_playbooks(store::Store& store) {
    std::map<std::string, PlaybookParts> out;
    Status st = store.read([&](store::Transaction& tx) -> Status {
        auto records = tx.current_playbooks();
        if (!records) return records.error();
        for (const auto& r : *records) {
            auto parsed = core::parse_playbook(r.yaml, r.file);
            if (!parsed.playbook) continue;
            PlaybookParts p;
            p.version = r.version;
            p.title = parsed.playbook->title;
            p.done = parsed.playbook->done;
            p.checklist = parsed.playbook->checklist;
            out[r.id] = std::move(p);
        }
        return ok_status();
    });
    if (!st) return st.error();
    for (const char* id : kPlaybooks) {
        if (!out.count(id)) {
            return make_error(ErrorCode::not_found,
                              std::string("no playbook ") + id + " (run `baton init` first)");
        }
    }
    // The example playbooks' deadlines, in wall-clock hours (working hours do not matter
    // for a list).
    out["kickoff-prep"].accept_within = hours(2);
    out["kickoff-prep"].done_within = hours(24);
    out["ready-to-client"].accept_within = hours(1);
    out["ready-to-client"].done_within = hours(4);
    return out;
}

// One handoff of the mix, with its timeline; `i` numbers it in creation order.
core::Handoff make_handoff(long i, long count, bool open_only, TimePoint now, std::mt19937_64& rng,
                           std::map<std::string, PlaybookParts>& books) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const std::string playbook = kPlaybooks[pick(rng, kPlaybookWeights)];
    const PlaybookParts& book = books[playbook];
    const hours span = open_only ? hours(24 * 14) : hours(24 * 365);
    const minutes age = minutes(span) * (count - i) / count;
    core::Handoff h;
    h.playbook_id = playbook;
    h.playbook_version = book.version;
    h.title = book.title;
    const bool acme = unit(rng) < 0.005;
    h.subject = std::string(acme ? "Acme" : kCompanies[rng() % kCompanies.size()]) + " " +
                kSuffixes[rng() % kSuffixes.size()] + " " + std::to_string(i);
    h.giver = "sam";
    h.owner = kOwners[pick(rng, kOwnerWeights)];
    h.done_definition = book.done;
    h.created_at = now - age;
    h.deadlines.accept_by = h.created_at + book.accept_within;
    h.deadlines.done_by = h.created_at + book.done_within;
    h.event_source = "bench";
    h.event_id = "seed-" + std::to_string(i);
    h.data = {{"company", h.subject}, {"amount", 1000 + (i % 50) * 100}, {"pipeline", "services"}};
    for (std::size_t n = 0; n < book.checklist.size(); ++n) {
        h.checklist.push_back({static_cast<int>(n) + 1, book.checklist[n].text, false, "",
                               std::nullopt, book.checklist[n].when});
    }
    h.timeline.push_back(
        {h.created_at, "baton", "created", "Handed over by sam to " + h.owner, {}});

    // The state: open ones are mostly young; closed ones mostly closed long ago, except
    // about 10% of all rows, closed in the last 7 days.
    const double r = unit(rng);
    const bool young = age < hours(24 * 30);
    const double open_share = open_only ? 1.0 : (young ? 0.6 : 0.2);
    const double recent_share = young ? 0.35 : 0.07;
    h.updated_at = h.created_at;
    if (r < open_share) {
        if (unit(rng) < 0.6) {
            h.state = core::HandoffState::waiting;
        } else {
            h.state = core::HandoffState::accepted;
            h.accepted_at = h.created_at + std::min<minutes>(age / 2, minutes(90));
            h.updated_at = *h.accepted_at;
            h.timeline.push_back({*h.accepted_at, h.owner, "accepted", h.owner + " accepted", {}});
        }
        h.escalation_level = (h.deadlines.accept_by < now && rng() % 3 == 0) ? 1 : 0;
        return h;
    }
    TimePoint closed;
    if (r < open_share + recent_share) {
        closed = now - std::chrono::duration_cast<minutes>(hours(24 * 7) * unit(rng));
        closed = std::max(closed, h.created_at + minutes(1));
    } else {
        closed = h.created_at + std::chrono::duration_cast<minutes>(hours(72) * unit(rng));
        closed = std::min(closed, now - hours(24 * 7) - minutes(1));
        closed = std::max(closed, h.created_at + minutes(1));
    }
    const double kind = unit(rng);
    h.state = kind < 0.85   ? core::HandoffState::done
              : kind < 0.93 ? core::HandoffState::declined
                            : core::HandoffState::cancelled;
    if (h.state == core::HandoffState::done) {
        h.accepted_at = h.created_at + (closed - h.created_at) / 4;
        for (auto& item : h.checklist) {
            item.checked = true;
            item.checked_by = h.owner;
            item.checked_at = closed;
        }
        h.timeline.push_back({*h.accepted_at, h.owner, "accepted", h.owner + " accepted", {}});
        h.timeline.push_back({closed, h.owner, "done", h.owner + " marked it done", {}});
    } else {
        h.timeline.push_back({closed, h.owner, core::to_string(h.state), "closed", {}});
    }
    // Declined handoffs stay open (core::is_open) and carry no closing time.
    if (h.state != core::HandoffState::declined) h.closed_at = closed;
    h.updated_at = closed;
    return h;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) return fail("usage: baton_seed_handoffs DB_PATH COUNT [full|open]");
    const long count = std::atol(argv[2]);
    const std::string mix = argc == 4 ? argv[3] : "full";
    if (count <= 0 || (mix != "full" && mix != "open")) return fail("COUNT > 0, mix full or open");
    auto opened = store::open_sqlite({.path = argv[1]});
    if (!opened) return fail(opened.error().message);
    auto books = load_playbooks(**opened);
    if (!books) return fail(books.error().message);

    std::mt19937_64 rng(20261124);
    const TimePoint now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const long batch = 5000;
    const auto started = std::chrono::steady_clock::now();
    for (long first = 0; first < count; first += batch) {
        Status st = (*opened)->write([&](store::Transaction& tx) -> Status {
            for (long i = first; i < std::min(count, first + batch); ++i) {
                auto id =
                    tx.insert_handoff(make_handoff(i, count, mix == "open", now, rng, *books));
                if (!id) return id.error();
            }
            return ok_status();
        });
        if (!st) return fail(st.error().message);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("seeded %ld handoffs (mix %s) in %.1f s\n", count, mix.c_str(), seconds);
    return 0;
}
