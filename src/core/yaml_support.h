// Helpers shared by the playbook and people loaders: parse YAML text with yaml-cpp and
// turn every problem into a Diagnostic with its line and column. Private to core: only the
// loaders include it (yaml-cpp stays inside core's loaders).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/diagnostic.h"

namespace baton::core::yaml_support {

// Collects diagnostics for one file.
class Reporter {
public:
    Reporter(std::string file, Diagnostics& out) : file_(std::move(file)), out_(out) {}
    void error(const YAML::Mark& mark, std::string message, int column_offset = 0);
    void error_at(int line, int column, std::string message);
    const std::string& file() const { return file_; }
    std::size_t count() const { return out_.size(); }

private:
    const std::string file_;
    Diagnostics& out_;
};

// Parses `text`; on a syntax error reports it and returns nullopt. Refuses text over
// limits::yaml_file_bytes_max. An empty document is reported as "the file is empty".
std::optional<YAML::Node> load(const std::string& text, Reporter& reporter);

// Reports every key of `map` that is not in `known`, with a "did you mean".
void check_keys(const YAML::Node& map, const std::vector<std::string>& known, Reporter& r,
                std::string_view what);

// The column, within the document, of character `offset` of a scalar's value: for quoted
// scalars the opening quote is skipped. 1-based.
int scalar_column(const YAML::Node& scalar, std::size_t offset);

// A string field: reports a missing required field, a non-scalar, or one over `max_bytes`.
std::optional<std::string> get_string(const YAML::Node& map, const char* key, Reporter& r,
                                      std::size_t max_bytes, bool required);

// A YAML scalar as text, or nullopt when it is not a scalar (reports it).
std::optional<std::string> scalar(const YAML::Node& node, Reporter& r, const char* what,
                                  std::size_t max_bytes);

}  // namespace baton::core::yaml_support
