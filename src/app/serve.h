// `baton serve`: the HTTP server on the workspace's store, until SIGTERM or SIGINT.
#pragma once

#include <string>

#include "cli/command.h"

namespace baton::app {

Result<std::string> serve(cli::Context& ctx, const cli::Args& args);

}  // namespace baton::app
