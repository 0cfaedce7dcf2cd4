// Role: what a person may do — admin (everything), member (act on their own handoffs,
// the default), viewer (read only).
#pragma once

#include <optional>
#include <string_view>

namespace baton::core {

enum class Role { admin, member, viewer };
const char* to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

}  // namespace baton::core
