// The libFuzzer target fuzz/json_views.cpp, built by the normal (gcc) build too, and run
// over its seed corpus: the target's source cannot rot between fuzz runs (which need clang),
// and the seeds — Latin-1, truncated UTF-8, valid text — hold its properties on every test
// run. A failed property aborts, as under libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

TEST(JsonViewsFuzzSeeds, EverySeedHoldsTheTargetsProperties) {
    const std::filesystem::path corpus =
        std::filesystem::path(BATON_SOURCE_DIR) / "fuzz" / "corpus" / "json_views";
    int seeds = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::stringstream bytes;
        bytes << in.rdbuf();
        const std::string input = bytes.str();
        SCOPED_TRACE(entry.path().filename().string());
        EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()),
                                         input.size()),
                  0);
        ++seeds;
    }
    EXPECT_GE(seeds, 3) << "the Latin-1, truncated-UTF-8 and valid seeds";
}

}  // namespace
