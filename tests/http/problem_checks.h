// Checks shared by the HTTP integration suites: a response described for a failure
// message, its body as JSON, and an RFC 9457 problem with the status and field expected.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http/http_client.h"

namespace baton::test {

inline std::string describe(const HttpResponse& r) {
    std::string out = "HTTP " + std::to_string(r.status) + " " + r.reason + "\n";
    for (const auto& [n, v] : r.headers) out += n + ": " + v + "\n";
    return out + "\n" + r.body.substr(0, 2000);
}

inline nlohmann::json body_json(const HttpResponse& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
}


// RFC 9457: application/problem+json with type, title, status, detail and, when one input is
// at fault, the field that is.
inline void expect_problem(const HttpResponse& r, int status, const std::string& field = "") {
    EXPECT_EQ(r.status, status) << describe(r);
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/problem+json") << describe(r);
    const nlohmann::json p = body_json(r);
    ASSERT_TRUE(p.is_object()) << describe(r);
    EXPECT_TRUE(p.contains("type") && p["type"].is_string()) << describe(r);
    EXPECT_TRUE(p.contains("title") && p["title"].is_string() &&
                !p["title"].get<std::string>().empty())
        << describe(r);
    EXPECT_EQ(p.value("status", 0), status) << describe(r);
    EXPECT_TRUE(p.contains("detail") && p["detail"].is_string() &&
                !p["detail"].get<std::string>().empty())
        << describe(r);
    if (!field.empty()) {
        EXPECT_EQ(p.value("field", ""), field) << describe(r);
    }
}

}  // namespace baton::test
