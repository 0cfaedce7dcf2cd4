// Internal to the engine: the parsed configuration of one store state (playbooks, people,
// sources), shared read-only between threads once built; and the state of a dry run.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/people.h"
#include "core/playbook.h"
#include "core/sources.h"
#include "engine/engine.h"

namespace baton::engine {

struct Engine::Snapshot {
    struct Entry {
        std::shared_ptr<const core::Playbook> playbook;
        int version = 0;
    };
    std::vector<Entry> playbooks;
    std::shared_ptr<const core::Directory> directory;
    std::shared_ptr<const core::SourceList> sources;
    // Event types that tick a checklist item of some playbook (`when:`), so that ingest
    // looks for handoffs to tick only for those.
    std::set<std::string> tick_types;
};

// A dry run in progress (test_delivery): the outcome of the event being tried, and the
// round-robin picks planned so far, so that each handoff previews the owner it would get.
struct Engine::DryRun {
    DeliveryTest::Outcome* outcome = nullptr;
    std::map<std::string, std::int64_t> picks;  // by team handle (detail::team_load)
    std::set<std::string> ids;                  // the event ids tried so far
};

}  // namespace baton::engine
