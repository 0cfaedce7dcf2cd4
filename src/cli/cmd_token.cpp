// baton token create HANDLE [--label L] | revoke ID | list: API tokens. The secret is
// printed once, at creation; only its hash is stored.
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/format.h"

namespace baton::cli {

namespace {

Result<std::string> create(Context& ctx, engine::Service& engine, const Args& args) {
    auto handle = args.get("ARG");
    if (!handle) return make_error(ErrorCode::invalid_argument, "name the person: token create HANDLE");
    auto token = engine.create_token(*handle, args.get_or("--label", ""));
    if (!token) return token.error();
    if (ctx.json) {
        return core::dump_json(
                   {{"id", token->id}, {"handle", token->handle}, {"token", token->secret}}) +
               "\n";
    }
    const std::string heading = "Token " + std::to_string(token->id) + " for " +
                                token->handle + " (shown once; store it now):\n";
    // Captured by a script, stdout is the token alone; the heading still reaches the person.
    if (!ctx.stdout_is_terminal) {
        ctx.err += heading;
        return token->secret + "\n";
    }
    return heading + token->secret + "\n";
}

Result<std::string> revoke(engine::Service& engine, const Args& args) {
    auto id = args.get("ARG");
    if (!id || id->empty() || id->size() > 18 ||
        id->find_first_not_of("0123456789") != std::string::npos) {
        return make_error(ErrorCode::invalid_argument, "name the token id: token revoke ID", "id");
    }
    if (auto st = engine.revoke_token(std::stoll(*id)); !st) return st.error();
    return "revoked token " + *id + "\n";
}

Result<std::string> list(Context& ctx, engine::Service& engine) {
    auto tokens = engine.tokens();
    if (!tokens) return tokens.error();
    if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& t : *tokens) {
            out.push_back({{"id", t.id}, {"handle", t.handle}, {"label", t.label},
                           {"created_at", format_rfc3339(t.created_at)},
                           {"revoked", t.revoked_at.has_value()}});
        }
        return core::dump_json(out, 2) + "\n";
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : *tokens) {
        rows.push_back({std::to_string(t.id), t.handle, t.label, format_rfc3339(t.created_at),
                        t.revoked_at ? "revoked " + format_rfc3339(*t.revoked_at) : "active"});
    }
    return table({"ID", "HANDLE", "LABEL", "CREATED", "STATUS"}, rows);
}

Result<std::string> run_token(Context& ctx, const Args& args) {
    const std::string action = *args.get("ACTION");
    if (action != "create" && action != "revoke" && action != "list") {
        return make_error(ErrorCode::invalid_argument,
                          "token takes create HANDLE, revoke ID or list", "action");
    }
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    if (action == "create") return create(ctx, **engine, args);
    if (action == "revoke") return revoke(**engine, args);
    return list(ctx, **engine);
}

}  // namespace

CommandSpec token_command() {
    return {"token",
            "API tokens: create HANDLE (printed once), revoke ID, list",
            {{"ACTION", OptionKind::positional, "create, revoke or list", true},
             {"ARG", OptionKind::positional, "the handle (create) or token id (revoke)"},
             {"--label", OptionKind::value, "what the token is for"}},
            run_token};
}

}  // namespace baton::cli
