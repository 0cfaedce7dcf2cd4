// Internal to the engine: the parsed configuration of one store state (playbooks, people,
// sources), shared read-only between threads once built.
#pragma once

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


}  // namespace baton::engine
