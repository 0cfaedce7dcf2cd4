// The checklist rule both stores keep, checked on both sides of the boundary (STYLE.md
// rule 5): items numbered 1..n in order, which is what lets `check ID 3` mean the third item.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/handoff.h"
#include "core/result.h"

namespace baton::store {

// Before a save: a checklist out of order is the caller's bug (internal).
inline Status check_checklist(const std::vector<core::ChecklistItem>& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].number != static_cast<int>(i) + 1) {
            return make_error(ErrorCode::internal,
                              "refusing to store a checklist whose item " + std::to_string(i + 1) +
                                  " is numbered " + std::to_string(items[i].number),
                              "checklist");
        }
    }
    return ok_status();
}

// After a load: a checklist out of order is a corrupt database.
inline Status check_loaded_checklist(const core::Handoff& h) {
    for (std::size_t i = 0; i < h.checklist.size(); ++i) {
        if (h.checklist[i].number != static_cast<int>(i) + 1) {
            return make_error(ErrorCode::corrupt,
                              "corrupt checklist of handoff " + std::to_string(h.id) + ": item " +
                                  std::to_string(i + 1) + " is numbered " +
                                  std::to_string(h.checklist[i].number));
        }
    }
    return ok_status();
}

}  // namespace baton::store
