// baton serve [--listen 127.0.0.1:8080] [--playbooks DIR] ...: the HTTP server. The CLI only
// declares the command; the application wires the server (src/app/serve.cpp), because only
// it may join the HTTP module with a store.
#include "cli/command.h"

namespace baton::cli {

CommandSpec serve_command() {
    return {
        "serve",
        "run the HTTP API on the workspace (stops cleanly on SIGTERM)",
        {{"--listen", OptionKind::value, "ADDRESS:PORT (default 127.0.0.1:8080; port 0: any)"},
         {"--playbooks", OptionKind::value, "apply this directory's YAML at start"},
         {"--io-threads", OptionKind::value, "I/O threads (default: one per core)"},
         {"--workers", OptionKind::value, "request worker threads (default 64)"},
         {"--rate-limit", OptionKind::value, "requests per second per token (default 200; 0: off)"},
         {"--body-limit", OptionKind::value, "request body bytes (default 1048576)"},
         {"--read-timeout", OptionKind::value, "a duration such as 10s (default 10s)"},
         {"--idle-timeout", OptionKind::value, "a duration such as 60s (default 60s)"},
         {"--max-connections", OptionKind::value, "open connections (default 4096)"},
         {"--poll", OptionKind::value,
          "longest wait between looks at due timers and the outbox (default 1s)"},
         {"--delivery-lease", OptionKind::value,
          "how long a sent message is held before it may be sent again (default 10m)"},
         {"--keep-deliveries", OptionKind::value,
          "how long the /hooks delivery log keeps a call (default 7d)"},
         {"--session-ttl", OptionKind::value, "how long a board sign-in lasts (default 7d)"},
         {"--secure-cookies", OptionKind::flag,
          "mark the board's session cookie Secure (behind an HTTPS proxy)"},
         {"--trusted-proxy", OptionKind::value_repeated,
          "believe X-Forwarded-For from this CIDR (repeatable; BATON_TRUSTED_PROXY: "
          "comma-separated)"},
         {"--quiet", OptionKind::flag, "no request log lines"}},
        [](Context& ctx, const Args& args) -> Result<std::string> {
            if (!ctx.serve) {
                return make_error(ErrorCode::internal, "this binary cannot serve");
            }
            return ctx.serve(ctx, args);
        },
        /*local_only=*/true};
}

}  // namespace baton::cli
