// The example workspace embedded in the binary (generated from examples/ at build time).
#pragma once

#include <string>
#include <vector>

namespace baton::cli {

struct ExampleFile {
    std::string path;  // relative to the workspace
    std::string text;
};

const std::vector<ExampleFile>& example_files();

}  // namespace baton::cli
