// baton passwd HANDLE: sets a person's sign-in password for the board, read from stdin
// (the first line; never from an argument, which other users could read in the process
// list). Every session of that person ends.
#include "cli/command.h"
#include "core/utf8.h"
#include "crypto/password.h"

namespace baton::cli {

namespace {

Result<std::string> run_passwd(Context& ctx, const Args& args) {
    const std::string handle = *args.get("HANDLE");
    // One line, read within the limit: a longer one is refused, not cut.
    std::string line;
    char c = 0;
    while (ctx.in->get(c) && c != '\n') {
        if (line.size() > crypto::password_bytes_max) break;
        line += c;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "give the password on stdin, e.g. `printf '%s\\n' \"$PW\" | baton "
                          "passwd " + handle + "`",
                          "password");
    }
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    if (auto st = (*engine)->set_password(handle, line); !st) return st.error();
    if (ctx.json) return core::dump_json({{"handle", handle}, {"password", "set"}}) + "\n";
    return "password set for " + handle + "; their sessions have ended\n";
}

}  // namespace

CommandSpec passwd_command() {
    return {"passwd",
            "set a person's sign-in password for the board (read from stdin)",
            {{"HANDLE", OptionKind::positional, "the person", true}},
            run_passwd};
}

}  // namespace baton::cli
