// Set-up shared by the security suites (authorization matrix, path tricks, sessions and
// storage, secrets in logs, limits): a workspace made by `baton init` with tokens and
// passwords for the example people, the real `baton serve` on loopback, and the calls a test
// makes against it — as a bearer token, as a browser signed in on the board, or as nobody.
//
// Ownership: a SecuredServer owns its temporary workspace and its server process, stopped
// by its pid when the fixture ends. Threading: one test thread.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "e2e/run_process.h"
#include "http/call.h"
#include "http/http_client.h"
#include "http/problem_checks.h"
#include "http/serve_process.h"
#include "http/workspace_setup.h"

namespace baton::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Every example person signs in with this password (examples/people.yaml).
inline constexpr const char* board_password = "correct horse battery staple";

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A browser signed in on the board: its cookie ("baton_session=SECRET") and CSRF token.
struct Browser {
    std::string cookie;
    std::string csrf;
    std::string secret() const { return cookie.substr(cookie.find('=') + 1); }
    Headers reading() const { return {{"Cookie", cookie}}; }
    Headers writing() const {
        return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}, {"Content-Type", "application/json"}};
    }
};

class SecuredServer : public ::testing::Test {
protected:
    // Tokens for ari (admin), dana and lee (members) and val (viewer); passwords for all of
    // them. `serve_args` go to `baton serve` (the default is quiet: no request logs).
    void start(std::vector<std::string> serve_args = {"--quiet"},
               std::map<std::string, std::string> env = {}) {
        ASSERT_NO_FATAL_FAILURE(
            init_workspace_with_tokens(ws_, {"ari", "dana", "lee", "val"}, tokens_));
        for (const char* who : {"ari", "dana", "lee", "val"}) {
            ASSERT_NO_FATAL_FAILURE(set_password(who, board_password));
        }
        auto started = start_serve(ws_, std::move(serve_args), std::move(env));
        ASSERT_TRUE(started.has_value());
        serving_.emplace(std::move(*started));
    }
    void TearDown() override {
        if (serving_) stop_serve(*serving_);
    }

    void set_password(const std::string& who, const std::string& password) {
        set_password_with_cli(ws_, who, password);
    }

    unsigned short port() const { return serving_->port; }

    HttpResponse call(const std::string& method, const std::string& target,
                      const Headers& headers = {}, const std::string& body = "") {
        return call_on(serving_->port, method, target, headers, body);
    }
    Headers bearer(const std::string& who) const {
        return {{"Authorization", "Bearer " + tokens_.at(who)}};
    }
    Headers bearer_json(const std::string& who) const {
        auto h = bearer(who);
        h.emplace_back("Content-Type", "application/json");
        return h;
    }

    std::optional<Browser> sign_in(const std::string& login,
                                   const std::string& password = board_password) {
        const auto r =
            call("POST", "/v1/session", {{"Content-Type", "application/json"}},
                 nlohmann::json{{"login", login}, {"password", password}}.dump());
        if (r.status != 200) {
            ADD_FAILURE() << describe(r);
            return std::nullopt;
        }
        const std::string set = r.header("Set-Cookie").value_or("");
        return Browser{set.substr(0, set.find(';')), body_json(r).value("csrf", "")};
    }

    // A kickoff-prep handoff (examples/playbooks/kickoff-prep.yaml): owned by `host`, given
    // by the office team (ada). Answers its id.
    std::int64_t new_handoff(const std::string& host, const std::string& company) {
        const nlohmann::json event = {{"type", "booking.created"},
                                      {"id", "booking-" + std::to_string(++events_)},
                                      {"source", "calendar"},
                                      {"subject", company},
                                      {"data", {{"company", company}, {"host", host}}}};
        const auto r = call("POST", "/v1/events", bearer_json("ari"), event.dump());
        EXPECT_EQ(r.status, 202) << describe(r);
        const nlohmann::json j = body_json(r);
        if (!j.is_object() || j["handoffs"].size() != 1) {
            ADD_FAILURE() << describe(r);
            return 0;
        }
        return j["handoffs"][0].get<std::int64_t>();
    }

    TempDir dir_;
    std::string ws_ = dir_.path() + "/ws";
    std::map<std::string, std::string> tokens_;
    std::optional<Serving> serving_;
    int events_ = 0;
};

}  // namespace baton::test
