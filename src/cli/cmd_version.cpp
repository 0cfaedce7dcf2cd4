// baton version
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/version.h"

namespace baton::cli {

CommandSpec version_command() {
    return {"version", "print the version", {},
            [](Context& ctx, const Args&) -> Result<std::string> {
                if (ctx.json) return core::dump_json({{"version", baton_version}}) + "\n";
                return std::string("baton ") + baton_version + "\n";
            }};
}

}  // namespace baton::cli
