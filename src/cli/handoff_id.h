// Parsing a handoff id given on the command line.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace baton::cli {

// A positive whole number; anything else is invalid_argument naming the text.
inline Result<std::int64_t> parse_handoff_id(const std::string& text) {
    std::int64_t v = 0;
    if (text.empty() || text.size() > 18) {
        return make_error(ErrorCode::invalid_argument, "not a handoff id: `" + text + "`", "id");
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return make_error(ErrorCode::invalid_argument, "not a handoff id: `" + text + "`",
                              "id");
        }
        v = v * 10 + (c - '0');
    }
    if (v == 0) return make_error(ErrorCode::invalid_argument, "handoff ids start at 1", "id");
    return v;
}

}  // namespace baton::cli
