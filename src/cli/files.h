// File access for the CLI (the shell does the I/O; the engine gets text): reading YAML
// sources from files and directories, and writing exports atomically.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "engine/engine.h"

namespace baton::cli {

// Reads a whole file, refusing one over `max_bytes`. Missing → not_found.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);

// Each path may be a file or a directory; a directory contributes its *.yaml and *.yml
// files and those of its playbooks/ folder, in name order.
Result<std::vector<engine::SourceFile>> collect_yaml(const std::vector<std::string>& paths);

// Writes through a temporary file and a rename, so a reader never sees half a file.
Status write_file(const std::string& path, const std::string& text);

bool path_exists(const std::string& path);
Status make_directories(const std::string& path);

}  // namespace baton::cli
