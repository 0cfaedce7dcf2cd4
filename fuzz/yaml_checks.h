// Properties every YAML loader of core promises (playbooks, people.yaml, channels.yaml,
// sources.yaml), shared by their fuzz targets: a result or diagnostics, never both and
// never neither; each diagnostic names the file, a line inside the text (or 0 when
// unknown), a column that is not negative, and says what is wrong.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "core/diagnostic.h"
#include "fuzz_support.h"

namespace baton::fuzz {

inline const std::string yaml_file = "fuzz.yaml";

inline void check_diagnostics(const core::Diagnostics& errors, bool has_result,
                              std::string_view text) {
    FUZZ_CHECK(has_result == errors.empty(),
               "a loader returns a value exactly when it reports no error");
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const auto& d : errors) {
        FUZZ_CHECK(d.file == yaml_file, "a diagnostic names its file");
        FUZZ_CHECK(d.line >= 0 && d.line <= lines + 1,
                   "diagnostic line " + std::to_string(d.line) + " of " +
                       std::to_string(lines) + ": " + d.message);
        FUZZ_CHECK(d.column >= 0, "diagnostic column " + std::to_string(d.column));
        FUZZ_CHECK(!d.message.empty(), "a diagnostic says what is wrong");
    }
}

}  // namespace baton::fuzz
