// baton version
#include "cli/command.h"
#include "cli/version.h"

namespace baton::cli {

CommandSpec version_command() {
    return {"version", "print the version", {},
            [](Context& ctx, const Args&) -> Result<std::string> {
                if (ctx.json) return nlohmann::json{{"version", baton_version}}.dump() + "\n";
                return std::string("baton ") + baton_version + "\n";
            }};
}

}  // namespace baton::cli
