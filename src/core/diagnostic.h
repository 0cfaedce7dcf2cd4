// Diagnostics from the YAML loaders: every problem of a file, each with its position,
// printed as `file:line:col: message` (line and column from 1).
#pragma once

#include <string>
#include <vector>

namespace baton::core {

struct Diagnostic {
    std::string file;
    int line = 0;    // from 1; 0 when unknown
    int column = 0;  // from 1; 0 when unknown
    std::string message;

    std::string format() const;
};

using Diagnostics = std::vector<Diagnostic>;

// "did you mean `owner`?" for a near miss (edit distance at most 2), or "" when nothing is
// close. Used for unknown keys and unknown handles.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace baton::core
