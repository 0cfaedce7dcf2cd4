#include "core/github_events.h"

#include <algorithm>
#include <vector>

namespace baton::core {

namespace {

struct Shape {
    std::string_view event;
    std::vector<std::string_view> keys;  // top-level keys every body of this type has
};

// From GitHub's "Webhook events and payloads". Only keys that GitHub sends on every action
// of the type are listed; `repository`, `sender`, `installation` and `organization` are on
// most types and tell none apart. Types whose marker is shared (`label` and `milestone` are
// also on some `issues` bodies) are left out: they are checked as unknown types.
const std::vector<Shape>& shapes() {
    static const std::vector<Shape> table = {
        {"ping", {"zen", "hook_id"}},
        {"push", {"ref", "before", "after", "commits"}},
        {"create", {"ref", "ref_type", "master_branch"}},
        {"delete", {"ref", "ref_type"}},
        {"pull_request", {"pull_request", "number"}},
        {"pull_request_review", {"pull_request", "review"}},
        {"pull_request_review_comment", {"pull_request", "comment"}},
        {"pull_request_review_thread", {"pull_request", "thread"}},
        {"issues", {"issue"}},
        {"issue_comment", {"issue", "comment"}},
        {"commit_comment", {"comment"}},
        {"discussion", {"discussion"}},
        {"discussion_comment", {"discussion", "comment"}},
        {"release", {"release"}},
        {"deployment", {"deployment"}},
        {"deployment_status", {"deployment", "deployment_status"}},
        {"deployment_protection_rule", {"deployment", "deployment_callback_url"}},
        {"check_run", {"check_run"}},
        {"check_suite", {"check_suite"}},
        {"workflow_run", {"workflow_run"}},
        {"workflow_job", {"workflow_job"}},
        {"workflow_dispatch", {"inputs", "ref", "workflow"}},
        {"status", {"sha", "state", "context"}},
        {"fork", {"forkee"}},
        {"star", {"starred_at"}},
        {"gollum", {"pages"}},
        {"merge_group", {"merge_group"}},
        {"repository_dispatch", {"client_payload"}},
    };
    return table;
}

bool fits(const Shape& shape, const nlohmann::json& payload) {
    return std::all_of(shape.keys.begin(), shape.keys.end(), [&](std::string_view key) {
        return payload.contains(std::string(key));
    });
}

// Whether `wider` has every key of `narrower` and more.
bool more_specific(const Shape& wider, const Shape& narrower) {
    if (wider.keys.size() <= narrower.keys.size()) return false;
    return std::all_of(narrower.keys.begin(), narrower.keys.end(), [&](std::string_view key) {
        return std::find(wider.keys.begin(), wider.keys.end(), key) != wider.keys.end();
    });
}

}  // namespace

std::optional<std::string> github_event_mismatch(std::string_view event,
                                                 const nlohmann::json& payload) {
    if (!payload.is_object()) {
        return std::string("the body is not a JSON object, so it is no X-GitHub-Event type");
    }
    const auto& table = shapes();
    const Shape* known = nullptr;
    for (const auto& s : table) {
        if (s.event == event) known = &s;
    }
    for (const auto& other : table) {
        if (&other == known || !fits(other, payload)) continue;
        // An unknown type fits no known body; a known one fits none more specific.
        if (known == nullptr || more_specific(other, *known)) {
            return "X-GitHub-Event says `" + std::string(event.substr(0, 64)) +
                   "` but the signed body is a `" + std::string(other.event) + "` event";
        }
    }
    if (known != nullptr && !fits(*known, payload)) {
        std::string keys;
        for (auto key : known->keys) keys += std::string(keys.empty() ? "" : ", ") + "`" +
                                             std::string(key) + "`";
        return "X-GitHub-Event says `" + std::string(event) +
               "` but the signed body lacks what such an event has (" + keys + ")";
    }
    return std::nullopt;
}

}  // namespace baton::core
