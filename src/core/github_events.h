// GitHub's event types against the shape of the body they are sent with. GitHub signs the
// body but not the X-GitHub-Event header, so a signed body could be replayed under another
// type; each type GitHub documents is known here by the top-level keys its body always has
// (`pull_request` has `pull_request`, `issues` has `issue`, `push` has `ref` and `commits`),
// and a header that the body does not fit is refused. Pure, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace baton::core {

// Why `event` (X-GitHub-Event) does not fit `payload`, or nullopt when it does. A known
// type fits when its body has all of that type's keys and does not also fit a more
// specific type (an `issue_comment` body has `issue`, so it is not an `issues` event); a
// type not in the table fits only a body that fits no known type.
std::optional<std::string> github_event_mismatch(std::string_view event,
                                                 const nlohmann::json& payload);

}  // namespace baton::core
