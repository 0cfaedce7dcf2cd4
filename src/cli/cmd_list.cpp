// baton list [--state S] [--owner H] [--playbook P] [--overdue] [--unowned] [--all]
#include "cli/command.h"
#include "core/utf8.h"
#include "cli/format.h"

namespace baton::cli {

namespace {

Result<std::int64_t> parse_count(const std::string& text, const char* field) {
    try {
        std::size_t used = 0;
        const long long v = std::stoll(text, &used);
        if (used == text.size() && v >= 0) return static_cast<std::int64_t>(v);
    } catch (const std::exception&) {
    }
    return make_error(ErrorCode::invalid_argument,
                      std::string(field) + " must be a whole number, not `" + text + "`", field);
}

Result<std::string> run_list(Context& ctx, const Args& args) {
    engine::ListQuery q;
    if (auto s = args.get("--state")) {
        q.state = core::parse_handoff_state(*s);
        if (!q.state) {
            return make_error(ErrorCode::invalid_argument,
                              "--state must be waiting, accepted, done, declined or cancelled",
                              "state");
        }
    }
    // --owner names whoever is accountable: the owner, or the previous owner of a
    // reassigned handoff until the new owner accepts.
    q.owner = args.get("--owner");
    q.accountable = q.owner.has_value();
    q.playbook = args.get("--playbook");
    q.subject = args.get("--subject");
    q.overdue = args.flag("--overdue");
    q.unowned_only = args.flag("--unowned");
    // Without --state or --all, the list shows what is still open: what someone must do.
    q.open_only = !q.state && !args.flag("--all");
    if (auto l = args.get("--limit")) {
        auto v = parse_count(*l, "limit");
        if (!v) return v.error();
        q.limit = static_cast<std::size_t>(*v);
    }
    if (auto c = args.get("--after")) {
        auto v = parse_count(*c, "after");
        if (!v) return v.error();
        q.after_id = *v;
    }
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto handoffs = (*engine)->list(q);
    if (!handoffs) return handoffs.error();
    const TimePoint now = (*engine)->now();
    if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& h : *handoffs) out.push_back(handoff_json(h, now, false));
        return core::dump_json(out, 2) + "\n";
    }
    return handoff_list_text(*handoffs, now);
}

}  // namespace

CommandSpec list_command() {
    return {"list",
            "the handoffs still open (or as filtered)",
            {{"--state", OptionKind::value, "waiting, accepted, done, declined or cancelled"},
             {"--owner", OptionKind::value,
              "only those this person is accountable for (owned, or reassigned away and not "
              "yet accepted)"},
             {"--playbook", OptionKind::value, "only this playbook's"},
             {"--subject", OptionKind::value, "only this subject's"},
             {"--overdue", OptionKind::flag, "only those past a deadline"},
             {"--unowned", OptionKind::flag, "only those nobody the playbook named could own"},
             {"--all", OptionKind::flag, "closed ones too"},
             {"--limit", OptionKind::value, "at most this many (default 100)"},
             {"--after", OptionKind::value, "only ids after this one (paging)"}},
            run_list};
}

}  // namespace baton::cli
