// Set-up shared by the HTTP integration suites: a workspace made by `baton init` with the
// example people, and an API token for each of the given people.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/run_process.h"

namespace baton::test {

// Fills `tokens` (handle → secret); a failure fails the calling test (use ASSERT_NO_FATAL_FAILURE).
inline void init_workspace_with_tokens(const std::string& ws,
                                       const std::vector<std::string>& handles,
                                       std::map<std::string, std::string>& tokens) {
    RunOptions init;
    init.args = {"init", ws};
    const auto r = run_baton(init);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const auto& handle : handles) {
        RunOptions o;
        o.args = {"--workspace", ws, "--json", "token", "create", handle};
        const auto t = run_baton(o);
        ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
        const nlohmann::json j = nlohmann::json::parse(t.out, nullptr, false);
        ASSERT_TRUE(j.is_object()) << t.out;
        ASSERT_EQ(j.value("handle", ""), handle);
        tokens[handle] = j.at("token").get<std::string>();
    }
}

// Sets `who`'s board password with `baton passwd`, as an admin would.
inline void set_password_with_cli(const std::string& ws, const std::string& who,
                                  const std::string& password) {
    RunOptions o;
    o.args = {"--workspace", ws, "passwd", who};
    o.stdin_text = password + "\n";
    const auto r = run_baton(o);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace baton::test
