// GitHub's X-GitHub-Event against the signed body (issue 22, finding 4): the header is not
// signed, so a body is refused under a type it is not.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/github_events.h"

namespace baton::core {
namespace {

using nlohmann::json;

struct ShapeCase {
    const char* event;
    json body;
    bool fits;
};

TEST(GitHubEvents, EachHeaderFitsOnlyItsBody) {
    const json push = {{"ref", "refs/heads/main"}, {"before", "a"}, {"after", "b"},
                       {"commits", json::array()}, {"repository", json::object()}};
    const json pr = {{"action", "opened"}, {"number", 1}, {"pull_request", json::object()}};
    const json review = {{"action", "submitted"}, {"review", json::object()},
                         {"pull_request", json::object()}};
    const json issue = {{"action", "opened"}, {"issue", json::object()}};
    const json labeled = {{"action", "labeled"}, {"issue", json::object()},
                          {"label", json::object()}};
    const json comment = {{"action", "created"}, {"issue", json::object()},
                          {"comment", json::object()}};
    const json created = {{"ref", "v1"}, {"ref_type", "tag"}, {"master_branch", "main"}};
    const json deleted = {{"ref", "v1"}, {"ref_type", "tag"}};
    const json label_event = {{"action", "created"}, {"label", json::object()}};
    const std::vector<ShapeCase> cases = {
        {"push", push, true},
        {"pull_request", push, false},
        {"pull_request", pr, true},
        {"issues", pr, false},
        {"pull_request", review, false},  // lacks `number`
        {"pull_request_review", review, true},
        {"pull_request_review", pr, false},
        {"issues", issue, true},
        {"issues", labeled, true},
        {"issues", comment, false},  // an issue_comment body has `issue` too
        {"issue_comment", comment, true},
        {"commit_comment", comment, false},
        {"create", created, true},
        {"delete", created, false},  // a create body has all of delete's keys and more
        {"delete", deleted, true},
        {"create", deleted, false},
        {"push", created, false},
        // A type not in the table fits only a body that is no known type.
        {"label", label_event, true},
        {"label", labeled, false},
        {"deal.won", push, false},
        {"deal.won", json{{"anything", 1}}, true},
        {"push", json::array(), false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(c.event) + " " + c.body.dump());
        const auto mismatch = github_event_mismatch(c.event, c.body);
        EXPECT_EQ(!mismatch.has_value(), c.fits) << mismatch.value_or("");
        if (mismatch) {
            EXPECT_NE(mismatch->find("X-GitHub-Event"), std::string::npos);
        }
    }
}

}  // namespace
}  // namespace baton::core
