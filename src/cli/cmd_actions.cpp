// The actions on a handoff, declared as data: accept, decline, done, cancel, check,
// comment, reassign. Each resolves who acts (--as, or the local operator; through a server,
// the token's person), performs the action through the service and prints the handoff's
// new state in one line.
#include <algorithm>
#include "core/utf8.h"

#include "cli/command.h"
#include "cli/format.h"
#include "cli/handoff_id.h"

namespace baton::cli {

namespace {

using Build = Result<core::Action> (*)(Context&, const Args&, engine::Service&, std::int64_t);

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// ITEM: the item number from 1, or its text (case-insensitive, exact or a unique prefix).
Result<int> resolve_item(const std::string& item, engine::Service& engine, std::int64_t id) {
    if (!item.empty() && std::all_of(item.begin(), item.end(), ::isdigit) && item.size() < 6) {
        return std::stoi(item);
    }
    auto h = engine.show(id);
    if (!h) return h.error();
    std::vector<int> prefix_matches;
    for (const auto& i : h->checklist) {
        if (lower(i.text) == lower(item)) return i.number;
        if (lower(i.text).rfind(lower(item), 0) == 0) prefix_matches.push_back(i.number);
    }
    if (prefix_matches.size() == 1) return prefix_matches.front();
    return make_error(prefix_matches.empty() ? ErrorCode::not_found
                                             : ErrorCode::invalid_argument,
                      prefix_matches.empty()
                          ? "handoff " + std::to_string(id) + " has no checklist item `" + item +
                                "`"
                          : "`" + item + "` matches several items; use the number",
                      "item");
}

Result<std::string> perform(Context& ctx, const Args& args, Build build) {
    auto id = parse_handoff_id(*args.get("ID"));
    if (!id) return id.error();
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    auto actor = ctx.actor();
    if (!actor) return actor.error();
    Result<core::Handoff> after = make_error(ErrorCode::internal, "no action");
    if (args.get("HANDLE")) {
        after = (*engine)->reassign(*id, *args.get("HANDLE"), args.get_or("--reason", ""),
                                    *actor);
    } else {
        auto action = build(ctx, args, **engine, *id);
        if (!action) return action.error();
        after = (*engine)->act(*id, *action, *actor);
    }
    if (!after) return after.error();
    if (ctx.json) return core::dump_json(handoff_json(*after, (*engine)->now(), false), 2) + "\n";
    const std::string last = after->timeline.empty() ? "" : after->timeline.back().text;
    return "handoff " + std::to_string(after->id) + " is " + core::to_string(after->state) +
           ": " + last + "\n";
}

CommandSpec action(const char* name, const char* summary, std::vector<OptionSpec> options,
                   Build build) {
    options.insert(options.begin(), {"ID", OptionKind::positional, "the handoff id", true});
    return {name, summary, std::move(options),
            [build](Context& ctx, const Args& args) { return perform(ctx, args, build); }};
}

}  // namespace

std::vector<CommandSpec> action_commands() {
    using A = Result<core::Action>;
    return {
        action("accept", "accept a handoff: you own the outcome now", {},
               [](Context&, const Args&, engine::Service&, std::int64_t) -> A {
                   return core::Action(core::Accept{});
               }),
        action("decline", "decline a handoff, with a reason: it goes back to the giver",
               {{"--reason", OptionKind::value, "why (required)", true}},
               [](Context&, const Args& a, engine::Service&, std::int64_t) -> A {
                   return core::Action(core::Decline{*a.get("--reason")});
               }),
        action("done", "finish a handoff (its checklist must be ticked, or --force)",
               {{"--force", OptionKind::flag, "finish with open items"},
                {"--reason", OptionKind::value, "why, with --force"}},
               [](Context&, const Args& a, engine::Service&, std::int64_t) -> A {
                   return core::Action(core::Finish{a.flag("--force"), a.get_or("--reason", "")});
               }),
        action("cancel", "cancel a handoff (the giver or an admin)",
               {{"--reason", OptionKind::value, "why"}},
               [](Context&, const Args& a, engine::Service&, std::int64_t) -> A {
                   return core::Action(core::Cancel{a.get_or("--reason", "")});
               }),
        action("check", "tick a checklist item (or untick it with --undo)",
               {{"ITEM", OptionKind::positional, "the item number from 1, or its text", true},
                {"--undo", OptionKind::flag, "untick it"}},
               [](Context&, const Args& a, engine::Service& e, std::int64_t id) -> A {
                   auto n = resolve_item(*a.get("ITEM"), e, id);
                   if (!n) return n.error();
                   return core::Action(core::Check{*n, !a.flag("--undo")});
               }),
        action("comment", "add a comment to the timeline",
               {{"TEXT", OptionKind::positional_many, "the comment", true}},
               [](Context&, const Args& a, engine::Service&, std::int64_t) -> A {
                   std::string text;
                   for (const auto& w : a.many("TEXT")) text += (text.empty() ? "" : " ") + w;
                   return core::Action(core::Comment{text});
               }),
        action("reassign", "hand it to someone else, who must accept",
               {{"HANDLE", OptionKind::positional, "the new owner: a person or a team", true},
                {"--reason", OptionKind::value, "why"}},
               nullptr),
    };
}

}  // namespace baton::cli
