// The handoff state machine. One table covers every (state × action) pair for every kind of
// actor: allowed or refused with the exact code (forbidden for who, conflict for state),
// and for each allowed move the next state, the timeline entry, the timer effect and who
// hears about it. The tests after the table cover each action's own input rules, the
// limits, team givers, the derived overdue flags and purity (the input is never touched).
#include "core/handoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/limits.h"

namespace baton::core {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const TimePoint created = from_unix_ms(1795426200000);  // 2026-11-23T09:30:00Z
const TimePoint now = created + hours(3);

// The cast: sam gave it, dana owns it, ari is an admin, lee is another member, val views.
const Actor owner{"dana", Role::member, {"ops"}};
const Actor giver{"sam", Role::member, {"sales"}};
const Actor admin{"ari", Role::admin, {}};
const Actor other{"lee", Role::member, {"ops"}};
const Actor viewer{"val", Role::viewer, {}};
constexpr const char* new_owner = "kim";

Handoff handoff_in(HandoffState state) {
    Handoff h;
    h.id = 42;
    h.playbook_id = "sold-to-onboarding";
    h.playbook_version = 3;
    h.title = "Sold → onboarding";
    h.subject = "Acme";
    h.giver = "sam";
    h.owner = "dana";
    h.state = state;
    h.done_definition = "The client has a welcome email.";
    h.checklist = {ChecklistItem{1, "Send the welcome email", false, "", std::nullopt, {}},
                   ChecklistItem{2, "Book the kickoff call", false, "", std::nullopt, {}}};
    h.created_at = created;
    h.updated_at = created;
    h.deadlines.accept_by = created + hours(4);
    h.deadlines.done_by = created + hours(48);
    if (state == HandoffState::accepted || state == HandoffState::done) {
        h.accepted_at = created + minutes(30);
    }
    if (state == HandoffState::done || state == HandoffState::cancelled) {
        h.closed_at = created + hours(2);
    }
    h.timeline = {TimelineEntry{created, "baton", "created", "sam handed it to dana", {}}};
    return h;
}

void tick(Handoff& h, int item) {
    auto& i = h.checklist[static_cast<std::size_t>(item - 1)];
    i.checked = true;
    i.checked_by = "dana";
    i.checked_at = created + hours(1);
}

// Every field of a handoff, for "nothing changed" checks.
void expect_same(const Handoff& a, const Handoff& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.playbook_id, b.playbook_id);
    EXPECT_EQ(a.playbook_version, b.playbook_version);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.subject, b.subject);
    EXPECT_EQ(a.giver, b.giver);
    EXPECT_EQ(a.owner, b.owner);
    EXPECT_EQ(a.pending_from, b.pending_from);
    EXPECT_EQ(a.unowned, b.unowned);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.done_definition, b.done_definition);
    EXPECT_EQ(a.checklist, b.checklist);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.updated_at, b.updated_at);
    EXPECT_EQ(a.accepted_at, b.accepted_at);
    EXPECT_EQ(a.closed_at, b.closed_at);
    EXPECT_EQ(a.deadlines, b.deadlines);
    EXPECT_EQ(a.escalation_level, b.escalation_level);
    EXPECT_EQ(a.event_source, b.event_source);
    EXPECT_EQ(a.event_id, b.event_id);
    EXPECT_EQ(a.data, b.data);
    EXPECT_EQ(a.timeline, b.timeline);
    EXPECT_EQ(a.revision, b.revision);
}

// ---------------------------------------------------------------------------------------
// The table

enum class Move {
    accept,
    decline,
    done,         // every item ticked
    done_open,    // an item open, not forced
    done_forced,  // an item open, forced with a reason
    cancel,
    reassign,
    check,
    uncheck,
    comment,
};

const char* name_of(Move m) {
    switch (m) {
        case Move::accept:
            return "accept";
        case Move::decline:
            return "decline";
        case Move::done:
            return "done";
        case Move::done_open:
            return "done-with-open-items";
        case Move::done_forced:
            return "done-forced";
        case Move::cancel:
            return "cancel";
        case Move::reassign:
            return "reassign";
        case Move::check:
            return "check";
        case Move::uncheck:
            return "uncheck";
        case Move::comment:
            return "comment";
    }
    return "?";
}

Action action_for(Move m) {
    switch (m) {
        case Move::accept:
            return Accept{};
        case Move::decline:
            return Decline{"no capacity this week"};
        case Move::done:
            return Finish{};
        case Move::done_open:
            return Finish{};
        case Move::done_forced:
            return Finish{true, "client booked the call themselves"};
        case Move::cancel:
            return Cancel{"deal fell through"};
        case Move::reassign:
            return Reassign{new_owner, "dana is away"};
        case Move::check:
            return Check{1, true};
        case Move::uncheck:
            return Check{1, false};
        case Move::comment:
            return Comment{"Called the client."};
    }
    return Comment{};
}

// The handoff the move is tried on: the checklist set up for the move.
Handoff before_move(HandoffState state, Move m) {
    Handoff h = handoff_in(state);
    if (m == Move::done) {
        tick(h, 1);
        tick(h, 2);
    }
    if (m == Move::done_open || m == Move::done_forced || m == Move::uncheck) tick(h, 1);
    return h;
}

// Who hears about an allowed move. A decline stops only the accept side: the done deadline
// keeps watching a declined handoff until the giver reassigns or cancels it.
enum class Tell { nobody, to_giver, to_owner, to_new_owner };

struct Row {
    HandoffState state;
    Move move;
    // One letter per actor — owner, giver, admin, other member, viewer:
    // A allowed, F refused forbidden, C refused conflict.
    const char* outcome;
    // For allowed moves:
    HandoffState next = HandoffState::waiting;
    const char* kind = "";
    TimerEffect timers = TimerEffect::none;
    Tell tell = Tell::nobody;
    const char* what = "";
};

using S = HandoffState;
using T = TimerEffect;

// clang-format off
const Row table[] = {
    // state       move               owner/giver/admin/other/viewer  allowed: next state, entry,
    //                                                              timers, who hears, what
    {S::waiting,   Move::accept,      "AFAFF", S::accepted,  "accepted",   T::stop_accept_side,    Tell::to_giver,      "accepted"},
    {S::accepted,  Move::accept,      "CFCFF"},
    {S::done,      Move::accept,      "CFCFF"},
    {S::declined,  Move::accept,      "CFCFF"},
    {S::cancelled, Move::accept,      "CFCFF"},

    {S::waiting,   Move::decline,     "AFAFF", S::declined,  "declined",   T::stop_accept_side,    Tell::to_giver,      "declined"},
    {S::accepted,  Move::decline,     "AFAFF", S::declined,  "declined",   T::stop_accept_side,    Tell::to_giver,      "declined"},
    {S::done,      Move::decline,     "CFCFF"},
    {S::declined,  Move::decline,     "CFCFF"},
    {S::cancelled, Move::decline,     "CFCFF"},

    {S::waiting,   Move::done,        "CFCFF"},
    {S::accepted,  Move::done,        "AFAFF", S::done,      "done",       T::stop_all,            Tell::to_giver,      "done"},
    {S::done,      Move::done,        "CFCFF"},
    {S::declined,  Move::done,        "CFCFF"},
    {S::cancelled, Move::done,        "CFCFF"},

    {S::waiting,   Move::done_open,   "CFCFF"},
    {S::accepted,  Move::done_open,   "CFCFF"},
    {S::done,      Move::done_open,   "CFCFF"},
    {S::declined,  Move::done_open,   "CFCFF"},
    {S::cancelled, Move::done_open,   "CFCFF"},

    {S::waiting,   Move::done_forced, "CFCFF"},
    {S::accepted,  Move::done_forced, "AFAFF", S::done,      "done",       T::stop_all,            Tell::to_giver,      "done"},
    {S::done,      Move::done_forced, "CFCFF"},
    {S::declined,  Move::done_forced, "CFCFF"},
    {S::cancelled, Move::done_forced, "CFCFF"},

    {S::waiting,   Move::cancel,      "FAAFF", S::cancelled, "cancelled",  T::stop_all,            Tell::to_owner,      "cancelled"},
    {S::accepted,  Move::cancel,      "FAAFF", S::cancelled, "cancelled",  T::stop_all,            Tell::to_owner,      "cancelled"},
    {S::done,      Move::cancel,      "FCCFF"},
    {S::declined,  Move::cancel,      "FAAFF", S::cancelled, "cancelled",  T::stop_all,            Tell::to_owner,      "cancelled"},
    {S::cancelled, Move::cancel,      "FCCFF"},

    {S::waiting,   Move::reassign,    "AAAFF", S::waiting,   "reassigned", T::restart_accept_side, Tell::to_new_owner,  "reassigned"},
    {S::accepted,  Move::reassign,    "AAAFF", S::waiting,   "reassigned", T::restart_accept_side, Tell::to_new_owner,  "reassigned"},
    {S::done,      Move::reassign,    "CCCFF"},
    {S::declined,  Move::reassign,    "AAAFF", S::waiting,   "reassigned", T::restart_accept_side, Tell::to_new_owner,  "reassigned"},
    {S::cancelled, Move::reassign,    "CCCFF"},

    {S::waiting,   Move::check,       "CFCFF"},
    {S::accepted,  Move::check,       "AFAFF", S::accepted,  "checked",    T::none,                Tell::nobody,        ""},
    {S::done,      Move::check,       "CFCFF"},
    {S::declined,  Move::check,       "CFCFF"},
    {S::cancelled, Move::check,       "CFCFF"},

    {S::waiting,   Move::uncheck,     "CFCFF"},
    {S::accepted,  Move::uncheck,     "AFAFF", S::accepted,  "unchecked",  T::none,                Tell::nobody,        ""},
    {S::done,      Move::uncheck,     "CFCFF"},
    {S::declined,  Move::uncheck,     "CFCFF"},
    {S::cancelled, Move::uncheck,     "CFCFF"},

    {S::waiting,   Move::comment,     "AAAAF", S::waiting,   "comment",    T::none,                Tell::nobody,        ""},
    {S::accepted,  Move::comment,     "AAAAF", S::accepted,  "comment",    T::none,                Tell::nobody,        ""},
    {S::done,      Move::comment,     "AAAAF", S::done,      "comment",    T::none,                Tell::nobody,        ""},
    {S::declined,  Move::comment,     "AAAAF", S::declined,  "comment",    T::none,                Tell::nobody,        ""},
    {S::cancelled, Move::comment,     "AAAAF", S::cancelled, "comment",    T::none,                Tell::nobody,        ""},
};
// clang-format on

TEST(HandoffStateMachine, TableCoversEveryStateAndMove) {
    constexpr std::size_t states = 5, moves = 10;
    ASSERT_EQ(std::size(table), states * moves);
    for (std::size_t s = 0; s < states; ++s) {
        for (std::size_t m = 0; m < moves; ++m) {
            int found = 0;
            for (const Row& row : table) {
                found +=
                    row.state == static_cast<HandoffState>(s) && row.move == static_cast<Move>(m);
            }
            EXPECT_EQ(found, 1) << to_string(static_cast<HandoffState>(s)) << " × "
                                << name_of(static_cast<Move>(m));
        }
    }
}

std::vector<Notice> expected_notices(const Row& row, const Actor& actor) {
    std::string to;
    switch (row.tell) {
        case Tell::nobody:
            return {};
        case Tell::to_giver:
            to = "sam";
            break;
        case Tell::to_owner:
            to = "dana";
            break;
        case Tell::to_new_owner:
            to = new_owner;
            break;
    }
    if (to == actor.handle) return {};  // nobody is told about their own move
    return {Notice{to, row.what}};
}

void check_allowed(const Row& row, const Actor& actor, const Handoff& before,
                   const Result<Transition>& result) {
    ASSERT_TRUE(result.ok()) << result.error().message;
    const Transition& t = *result;
    EXPECT_EQ(t.next.state, row.next);
    EXPECT_EQ(t.next.updated_at, now);
    ASSERT_EQ(t.appended.size(), 1u);
    EXPECT_EQ(t.appended[0].kind, row.kind);
    EXPECT_EQ(t.appended[0].actor, actor.handle);
    EXPECT_EQ(t.appended[0].at, now);
    EXPECT_FALSE(t.appended[0].text.empty());
    EXPECT_EQ(t.timers, row.timers);
    const std::vector<Notice> want = expected_notices(row, actor);
    ASSERT_EQ(t.notices.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(t.notices[i].to, want[i].to);
        EXPECT_EQ(t.notices[i].what, want[i].what);
    }
    // The timeline in `next` is the one loaded; new entries travel in `appended`.
    EXPECT_EQ(t.next.timeline, before.timeline);
    EXPECT_EQ(t.next.id, before.id);
    EXPECT_EQ(t.next.giver, before.giver);
    EXPECT_EQ(t.next.created_at, before.created_at);
    EXPECT_EQ(t.next.deadlines, before.deadlines);
}

TEST(HandoffStateMachine, EveryStateActionAndActor) {
    const Actor* actors[] = {&owner, &giver, &admin, &other, &viewer};
    const char* actor_names[] = {"owner", "giver", "admin", "other member", "viewer"};
    for (const Row& row : table) {
        for (std::size_t a = 0; a < 5; ++a) {
            const Actor& actor = *actors[a];
            SCOPED_TRACE(std::string(to_string(row.state)) + " × " + name_of(row.move) + " by " +
                         actor_names[a]);
            const Handoff before = before_move(row.state, row.move);
            const Handoff copy = before;
            const auto result = apply_action(before, action_for(row.move), actor, now);
            expect_same(before, copy);
            switch (row.outcome[a]) {
                case 'A':
                    check_allowed(row, actor, before, result);
                    break;
                case 'F':
                    ASSERT_FALSE(result.ok());
                    EXPECT_EQ(result.error().code, ErrorCode::forbidden) << result.error().message;
                    EXPECT_NE(result.error().message.find(actor.handle), std::string::npos)
                        << result.error().message;
                    break;
                case 'C':
                    ASSERT_FALSE(result.ok());
                    EXPECT_EQ(result.error().code, ErrorCode::conflict) << result.error().message;
                    EXPECT_NE(result.error().message.find("handoff 42"), std::string::npos)
                        << result.error().message;
                    break;
                default:
                    FAIL() << "bad table letter " << row.outcome[a];
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// What each allowed move writes

Transition apply_ok(const Handoff& h, const Action& action, const Actor& actor) {
    auto result = apply_action(h, action, actor, now);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? std::move(result).value() : Transition{h, {}, TimerEffect::none, {}};
}

Error apply_error(const Handoff& h, const Action& action, const Actor& actor) {
    auto result = apply_action(h, action, actor, now);
    EXPECT_FALSE(result.ok());
    return result.ok() ? Error{} : result.error();
}

TEST(HandoffActions, AcceptStampsTheTimeAndSaysOnWhoseBehalf) {
    const Transition by_owner = apply_ok(handoff_in(S::waiting), Accept{}, owner);
    EXPECT_EQ(by_owner.next.accepted_at, now);
    EXPECT_EQ(by_owner.appended[0].text, "dana accepted");
    const Transition by_admin = apply_ok(handoff_in(S::waiting), Accept{}, admin);
    EXPECT_EQ(by_admin.next.owner, "dana");  // an admin accepts for the owner
    EXPECT_EQ(by_admin.appended[0].text, "ari accepted on behalf of dana");
}

TEST(HandoffActions, DeclineNeedsAReason) {
    for (const char* reason : {"", "   ", "\t\n"}) {
        SCOPED_TRACE(std::string("[") + reason + "]");
        const Error e = apply_error(handoff_in(S::waiting), Decline{reason}, owner);
        EXPECT_EQ(e.code, ErrorCode::invalid_argument);
        EXPECT_EQ(e.field, "reason");
    }
    const Error long_reason = apply_error(
        handoff_in(S::waiting), Decline{std::string(limits::reason_bytes_max + 1, 'r')}, owner);
    EXPECT_EQ(long_reason.code, ErrorCode::limit_exceeded);
    EXPECT_EQ(long_reason.field, "reason");
    const Transition ok = apply_ok(handoff_in(S::waiting),
                                   Decline{std::string(limits::reason_bytes_max, 'r')}, owner);
    EXPECT_EQ(ok.next.state, S::declined);

    const Transition t = apply_ok(handoff_in(S::accepted), Decline{"no capacity"}, owner);
    EXPECT_EQ(t.appended[0].data["reason"], "no capacity");
    EXPECT_NE(t.appended[0].text.find("back to sam"), std::string::npos) << t.appended[0].text;
}

TEST(HandoffActions, DoneStampsClosedAt) {
    Handoff h = handoff_in(S::accepted);
    tick(h, 1);
    tick(h, 2);
    const Transition t = apply_ok(h, Finish{}, owner);
    EXPECT_EQ(t.next.closed_at, now);
    EXPECT_EQ(t.appended[0].text, "dana marked it done");
    EXPECT_TRUE(t.appended[0].data.empty());
}

TEST(HandoffActions, DoneWithOpenItemsIsRefusedUnlessForcedWithAReason) {
    Handoff h = handoff_in(S::accepted);
    tick(h, 2);
    const Error refused = apply_error(h, Finish{}, owner);
    EXPECT_EQ(refused.code, ErrorCode::conflict);
    EXPECT_NE(refused.message.find("1 checklist item is open"), std::string::npos)
        << refused.message;
    EXPECT_NE(apply_error(handoff_in(S::accepted), Finish{}, owner)
                  .message.find("2 checklist items are open"),
              std::string::npos);

    for (const char* reason : {"", "  "}) {
        const Error no_reason = apply_error(h, Finish{true, reason}, owner);
        EXPECT_EQ(no_reason.code, ErrorCode::invalid_argument);
        EXPECT_EQ(no_reason.field, "reason");
    }
    const Error long_reason =
        apply_error(h, Finish{true, std::string(limits::reason_bytes_max + 1, 'r')}, owner);
    EXPECT_EQ(long_reason.code, ErrorCode::limit_exceeded);

    const Transition forced = apply_ok(h, Finish{true, "done by phone"}, admin);
    EXPECT_EQ(forced.next.state, S::done);
    EXPECT_EQ(forced.appended[0].data,
              (nlohmann::json{{"forced", true}, {"reason", "done by phone"}, {"open_items", 1}}));
    EXPECT_NE(forced.appended[0].text.find("with 1 open item: done by phone"), std::string::npos)
        << forced.appended[0].text;
    // The open item stays open: forcing does not tick it.
    EXPECT_FALSE(forced.next.checklist[0].checked);
}

TEST(HandoffActions, ForceWithoutReasonIsRefusedEvenWithNothingOpen) {
    Handoff h = handoff_in(S::accepted);
    tick(h, 1);
    tick(h, 2);
    const Error e = apply_error(h, Finish{true, ""}, owner);
    EXPECT_EQ(e.code, ErrorCode::invalid_argument);
}

TEST(HandoffActions, DoneWhileWaitingSaysAcceptFirst) {
    const Error e = apply_error(handoff_in(S::waiting), Finish{}, owner);
    EXPECT_EQ(e.code, ErrorCode::conflict);
    EXPECT_NE(e.message.find("accept it first"), std::string::npos) << e.message;
}

// A refusal for the state says what would make the action possible, in one sentence
// (it was "it is waiting (tick an item of needs it accepted)").
TEST(HandoffActions, AStateRefusalSaysWhatToDoInOneSentence) {
    EXPECT_EQ(apply_error(handoff_in(S::waiting), Check{1, true}, owner).message,
              "cannot tick an item of handoff 42: it is waiting; accept it first");
    EXPECT_EQ(apply_error(handoff_in(S::declined), Check{1, true}, owner).message,
              "cannot tick an item of handoff 42: it is declined; sam reassigns it or cancels it");
    EXPECT_EQ(apply_error(handoff_in(S::accepted), Accept{}, owner).message,
              "cannot accept handoff 42: it is accepted already");
    EXPECT_EQ(apply_error(handoff_in(S::done), Cancel{""}, giver).message,
              "cannot cancel handoff 42: it is done, and a closed handoff does not change");
    EXPECT_EQ(apply_error(handoff_in(S::declined), Accept{}, owner).message,
              "cannot accept handoff 42: it is declined (only while it is waiting)");
}

TEST(HandoffActions, CancelStampsClosedAtAndTellsTheOwner) {
    const Transition t = apply_ok(handoff_in(S::accepted), Cancel{""}, giver);
    EXPECT_EQ(t.next.closed_at, now);
    EXPECT_EQ(t.appended[0].text, "sam cancelled it");
    const Error long_reason = apply_error(
        handoff_in(S::waiting), Cancel{std::string(limits::reason_bytes_max + 1, 'r')}, giver);
    EXPECT_EQ(long_reason.code, ErrorCode::limit_exceeded);
}

TEST(HandoffActions, ReassignKeepsThePreviousOwnerAccountableUntilAccepted) {
    Handoff h = handoff_in(S::accepted);
    h.unowned = true;
    const Transition moved = apply_ok(h, Reassign{"kim", ""}, giver);
    EXPECT_EQ(moved.next.owner, "kim");
    EXPECT_EQ(moved.next.pending_from, "dana");
    EXPECT_EQ(moved.next.state, S::waiting);
    EXPECT_FALSE(moved.next.accepted_at.has_value());
    EXPECT_FALSE(moved.next.unowned);
    EXPECT_EQ(moved.appended[0].data,
              (nlohmann::json{{"from", "dana"}, {"to", "kim"}, {"reason", ""}}));

    // Reassigned while waiting: the entry keeps the accept deadline that ends (the report
    // charges the silent delay past it to the previous owner).
    const Transition from_waiting = apply_ok(handoff_in(S::waiting), Reassign{"kim", ""}, giver);
    EXPECT_EQ(from_waiting.appended[0].data.at("from_accept_by"),
              format_rfc3339(*handoff_in(S::waiting).deadlines.accept_by));

    // The new owner accepts: the previous one is released, and the timeline says so.
    const Actor kim{"kim", Role::member, {}};
    const Transition accepted = apply_ok(moved.next, Accept{}, kim);
    EXPECT_EQ(accepted.next.pending_from, "");
    EXPECT_EQ(accepted.next.state, S::accepted);
    EXPECT_NE(accepted.appended[0].text.find("dana is no longer accountable"), std::string::npos)
        << accepted.appended[0].text;
    // The previous owner can no longer accept it.
    EXPECT_EQ(apply_error(moved.next, Accept{}, owner).code, ErrorCode::forbidden);
}

TEST(HandoffActions, ReassignFromDeclinedKeepsNobodyPending) {
    Handoff h = handoff_in(S::declined);
    h.pending_from = "someone-earlier";
    const Transition t = apply_ok(h, Reassign{"kim", "kim has capacity"}, giver);
    EXPECT_EQ(t.next.pending_from, "");
    EXPECT_EQ(t.next.owner, "kim");
    EXPECT_EQ(t.next.state, S::waiting);
}

// Found by the simulation (tests/sim): after a reassignment, a decline or a cancel left the
// previous owner "accountable until the new owner accepts" on a declined or cancelled
// handoff (the card said "must accept; dana stays accountable").
TEST(HandoffActions, DeclineAndCancelReleaseThePreviousOwner) {
    Handoff h = handoff_in(S::waiting);
    h.owner = "kim";
    h.pending_from = "dana";
    const Actor kim{"kim", Role::member, {}};
    const Transition declined = apply_ok(h, Decline{"Not mine"}, kim);
    EXPECT_EQ(declined.next.state, S::declined);
    EXPECT_EQ(declined.next.pending_from, "");
    const Transition cancelled = apply_ok(h, Cancel{""}, giver);
    EXPECT_EQ(cancelled.next.state, S::cancelled);
    EXPECT_EQ(cancelled.next.pending_from, "");
}

TEST(HandoffActions, ReassignRules) {
    // To the current owner: a conflict, unless it was declined (offering it again).
    EXPECT_EQ(apply_error(handoff_in(S::waiting), Reassign{"dana", ""}, giver).code,
              ErrorCode::conflict);
    EXPECT_EQ(apply_ok(handoff_in(S::declined), Reassign{"dana", ""}, giver).next.state,
              S::waiting);
    for (const std::string& to : {std::string(), std::string(limits::handle_bytes_max + 1, 'k')}) {
        const Error e = apply_error(handoff_in(S::waiting), Reassign{to, ""}, giver);
        EXPECT_EQ(e.code, ErrorCode::invalid_argument);
        EXPECT_EQ(e.field, "to");
    }
    const Error long_reason =
        apply_error(handoff_in(S::waiting),
                    Reassign{"kim", std::string(limits::reason_bytes_max + 1, 'r')}, giver);
    EXPECT_EQ(long_reason.code, ErrorCode::limit_exceeded);
}

TEST(HandoffActions, CheckAndUncheckRecordWhoAndWhen) {
    const Transition ticked = apply_ok(handoff_in(S::accepted), Check{2, true}, owner);
    EXPECT_TRUE(ticked.next.checklist[1].checked);
    EXPECT_EQ(ticked.next.checklist[1].checked_by, "dana");
    EXPECT_EQ(ticked.next.checklist[1].checked_at, now);
    EXPECT_FALSE(ticked.next.checklist[0].checked);
    EXPECT_EQ(ticked.appended[0].data, (nlohmann::json{{"item", 2}}));
    EXPECT_NE(ticked.appended[0].text.find("Book the kickoff call"), std::string::npos);

    const Transition unticked = apply_ok(ticked.next, Check{2, false}, admin);
    EXPECT_FALSE(unticked.next.checklist[1].checked);
    EXPECT_EQ(unticked.next.checklist[1].checked_by, "");
    EXPECT_FALSE(unticked.next.checklist[1].checked_at.has_value());
}

TEST(HandoffActions, CheckOutOfRangeIsNotFound) {
    for (int item : {0, -1, 3, 1000}) {
        SCOPED_TRACE(item);
        const Error e = apply_error(handoff_in(S::accepted), Check{item, true}, owner);
        EXPECT_EQ(e.code, ErrorCode::not_found);
        EXPECT_EQ(e.field, "item");
    }
    Handoff empty = handoff_in(S::accepted);
    empty.checklist.clear();
    EXPECT_EQ(apply_error(empty, Check{1, true}, owner).code, ErrorCode::not_found);
}

TEST(HandoffActions, CheckingATickedItemIsAConflict) {
    Handoff h = handoff_in(S::accepted);
    tick(h, 1);
    const Error again = apply_error(h, Check{1, true}, owner);
    EXPECT_EQ(again.code, ErrorCode::conflict);
    EXPECT_NE(again.message.find("already ticked"), std::string::npos) << again.message;
    const Error untick = apply_error(h, Check{2, false}, owner);
    EXPECT_EQ(untick.code, ErrorCode::conflict);
    EXPECT_NE(untick.message.find("already unticked"), std::string::npos) << untick.message;
}

TEST(HandoffActions, CommentLimits) {
    const std::string longest(limits::comment_bytes_max, 'c');
    const Transition ok = apply_ok(handoff_in(S::done), Comment{longest}, other);
    EXPECT_EQ(ok.appended[0].text, longest);
    const Error over = apply_error(handoff_in(S::done), Comment{longest + "c"}, other);
    EXPECT_EQ(over.code, ErrorCode::limit_exceeded);
    EXPECT_EQ(over.field, "text");
    for (const char* blank : {"", " \n "}) {
        const Error e = apply_error(handoff_in(S::waiting), Comment{blank}, other);
        EXPECT_EQ(e.code, ErrorCode::invalid_argument);
    }
}

// Issue 22: a comment or a reason from the CLI's arguments may be any bytes, and the
// timeline is written out as JSON. Text that is not UTF-8 is refused, naming the field.
TEST(HandoffActions, TextThatIsNotUtf8IsRefusedNamingTheField) {
    const Error comment = apply_error(handoff_in(S::done), Comment{"Merci \xE9"}, other);
    EXPECT_EQ(comment.code, ErrorCode::invalid_argument);
    EXPECT_EQ(comment.field, "text");
    EXPECT_EQ(comment.message, "text is not UTF-8 text: byte 0xE9 at offset 6");
    const Error cancel = apply_error(handoff_in(S::waiting), Cancel{"lost \xC0\xAF"}, admin);
    EXPECT_EQ(cancel.code, ErrorCode::invalid_argument);
    EXPECT_EQ(cancel.field, "reason");
    EXPECT_TRUE(apply_action(handoff_in(S::done), Comment{"Merci \xC3\xA9"}, other, now).ok());
}

TEST(HandoffActions, TimelineLimitRefusesEveryAction) {
    Handoff full = handoff_in(S::waiting);
    full.timeline.assign(limits::timeline_entries_max,
                         TimelineEntry{created, "baton", "note", "n", {}});
    for (const Action& action :
         {Action{Comment{"one more"}}, Action{Accept{}}, Action{Cancel{""}}}) {
        const Error e = apply_error(full, action, admin);
        EXPECT_EQ(e.code, ErrorCode::limit_exceeded);
    }
    full.timeline.pop_back();
    EXPECT_TRUE(apply_action(full, Comment{"fits"}, admin, now).ok());
}

TEST(HandoffActions, ATeamGiverActsThroughItsMembers) {
    Handoff h = handoff_in(S::waiting);
    h.giver = "sales";
    const Actor in_sales{"lee", Role::member, {"support", "sales"}};
    const Actor not_in_sales{"lee", Role::member, {"support"}};
    const Transition cancelled = apply_ok(h, Cancel{"lost"}, in_sales);
    EXPECT_EQ(cancelled.next.state, S::cancelled);
    EXPECT_EQ(apply_error(h, Cancel{"lost"}, not_in_sales).code, ErrorCode::forbidden);
    EXPECT_EQ(apply_ok(h, Reassign{"kim", ""}, in_sales).next.owner, "kim");
    EXPECT_EQ(apply_error(h, Reassign{"kim", ""}, not_in_sales).code, ErrorCode::forbidden);
    // Being in the giver team does not make someone the owner.
    EXPECT_EQ(apply_error(h, Accept{}, in_sales).code, ErrorCode::forbidden);
}

TEST(HandoffActions, AViewerNeverActsEvenAsOwner) {
    Handoff h = handoff_in(S::waiting);
    h.owner = "val";
    const Error e = apply_error(h, Accept{}, viewer);
    EXPECT_EQ(e.code, ErrorCode::forbidden);
}

TEST(HandoffActions, ActionNames) {
    EXPECT_STREQ(action_name(Accept{}), "accept");
    EXPECT_STREQ(action_name(Decline{}), "decline");
    EXPECT_STREQ(action_name(Finish{}), "done");
    EXPECT_STREQ(action_name(Cancel{}), "cancel");
    EXPECT_STREQ(action_name(Reassign{}), "reassign");
    EXPECT_STREQ(action_name(Check{1, true}), "check");
    EXPECT_STREQ(action_name(Check{1, false}), "uncheck");
    EXPECT_STREQ(action_name(Comment{}), "comment");
}

// ---------------------------------------------------------------------------------------
// Derived flags and names

TEST(HandoffFlags, OverdueToAcceptOnlyAfterTheDeadlineWhileWaiting) {
    Handoff h = handoff_in(S::waiting);
    const TimePoint due = *h.deadlines.accept_by;
    EXPECT_FALSE(is_overdue_to_accept(h, due - Milliseconds(1)));
    EXPECT_FALSE(is_overdue_to_accept(h, due));  // at the deadline it is not yet late
    EXPECT_TRUE(is_overdue_to_accept(h, due + Milliseconds(1)));
    EXPECT_TRUE(is_overdue(h, due + Milliseconds(1)));
    for (HandoffState s : {S::accepted, S::done, S::declined, S::cancelled}) {
        h.state = s;
        EXPECT_FALSE(is_overdue_to_accept(h, due + hours(1))) << to_string(s);
    }
    h.state = S::waiting;
    h.deadlines.accept_by.reset();
    EXPECT_FALSE(is_overdue_to_accept(h, due + hours(1000)));
}

TEST(HandoffFlags, OverdueToFinishWhileWaitingOrAccepted) {
    Handoff h = handoff_in(S::accepted);
    const TimePoint due = *h.deadlines.done_by;
    EXPECT_FALSE(is_overdue_to_finish(h, due));
    EXPECT_TRUE(is_overdue_to_finish(h, due + Milliseconds(1)));
    EXPECT_FALSE(is_overdue_to_accept(h, due + Milliseconds(1)));  // accepted already
    EXPECT_TRUE(is_overdue(h, due + Milliseconds(1)));
    h.state = S::waiting;
    EXPECT_TRUE(is_overdue_to_finish(h, due + Milliseconds(1)));
    for (HandoffState s : {S::done, S::declined, S::cancelled}) {
        h.state = s;
        EXPECT_FALSE(is_overdue_to_finish(h, due + hours(1))) << to_string(s);
        EXPECT_FALSE(is_overdue(h, due + hours(1))) << to_string(s);
    }
    h.state = S::accepted;
    h.deadlines.done_by.reset();
    EXPECT_FALSE(is_overdue_to_finish(h, due + hours(1000)));
}

TEST(HandoffFlags, OpenStatesAndItems) {
    EXPECT_TRUE(is_open(S::waiting));
    EXPECT_TRUE(is_open(S::accepted));
    EXPECT_TRUE(is_open(S::declined));
    EXPECT_FALSE(is_open(S::done));
    EXPECT_FALSE(is_open(S::cancelled));
    Handoff h = handoff_in(S::accepted);
    EXPECT_EQ(open_checklist_items(h), 2);
    tick(h, 2);
    EXPECT_EQ(open_checklist_items(h), 1);
    tick(h, 1);
    EXPECT_EQ(open_checklist_items(h), 0);
}

TEST(HandoffFlags, StateNamesRoundTrip) {
    for (HandoffState s : {S::waiting, S::accepted, S::done, S::declined, S::cancelled}) {
        EXPECT_EQ(parse_handoff_state(to_string(s)), s);
    }
    EXPECT_STREQ(to_string(S::cancelled), "cancelled");
    EXPECT_FALSE(parse_handoff_state("Waiting").has_value());
    EXPECT_FALSE(parse_handoff_state("open").has_value());
}

// ---------------------------------------------------------------------------------------
// allowed_actions: what the board offers each person, from the same rules

TEST(AllowedActions, FollowTheRulesForEachActorAndState) {
    using V = std::vector<std::string>;
    const Handoff waiting = handoff_in(HandoffState::waiting);
    EXPECT_EQ(allowed_actions(waiting, owner, now), (V{"accept", "decline", "reassign", "comment"}));
    EXPECT_EQ(allowed_actions(waiting, giver, now), (V{"cancel", "reassign", "comment"}));
    EXPECT_EQ(allowed_actions(waiting, other, now), (V{"comment"}));
    EXPECT_EQ(allowed_actions(waiting, viewer, now), V{});
    EXPECT_EQ(allowed_actions(waiting, admin, now),
              (V{"accept", "decline", "cancel", "reassign", "comment"}));
    const Handoff accepted = handoff_in(HandoffState::accepted);
    // Done shows with items open (a forced finish with a reason is allowed).
    EXPECT_EQ(allowed_actions(accepted, owner, now),
              (V{"decline", "done", "reassign", "check", "comment"}));
    const Handoff done = handoff_in(HandoffState::done);
    EXPECT_EQ(allowed_actions(done, owner, now), (V{"comment"}));
}

TEST(AllowedActions, EveryOfferedActionIsOneApplyActionTakes) {
    // Cross-check against apply_action itself for every state and actor.
    for (HandoffState state : {HandoffState::waiting, HandoffState::accepted, HandoffState::done,
                               HandoffState::declined, HandoffState::cancelled}) {
        for (const Actor& actor : {owner, giver, admin, other, viewer}) {
            const Handoff h = handoff_in(state);
            const auto offered = allowed_actions(h, actor, now);
            const auto has = [&](const char* name) {
                return std::find(offered.begin(), offered.end(), name) != offered.end();
            };
            SCOPED_TRACE(std::string(to_string(state)) + " as " + actor.handle);
            EXPECT_EQ(has("accept"), apply_action(h, Accept{}, actor, now).ok());
            EXPECT_EQ(has("cancel"), apply_action(h, Cancel{"no"}, actor, now).ok());
            EXPECT_EQ(has("reassign"), apply_action(h, Reassign{new_owner, ""}, actor, now).ok());
            EXPECT_EQ(has("comment"), apply_action(h, Comment{"hi"}, actor, now).ok());
        }
    }
}

}  // namespace
}  // namespace baton::core
