// append_handoff_json writes the list's handoffs without building JSON values; it must give
// exactly the text of handoff_json(h, now, false).dump(), which the API documents and the
// CLI reads back, for every kind of field: nulls and values, escapes, UTF-8, nested data —
// and its card view exactly that less the keys a card never shows.
#include "engine/json_views.h"
#include "core/utf8.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace baton {
namespace {

TimePoint at_ms(std::int64_t ms) {
    return TimePoint(Milliseconds(ms));
}

core::Handoff plain() {
    core::Handoff h;
    h.id = 42;
    h.playbook_id = "sold-to-onboarding";
    h.playbook_version = 3;
    h.title = "Sold → onboarding";
    h.subject = "Acme";
    h.giver = "sam";
    h.owner = "dana";
    h.done_definition = "Done.";
    h.created_at = at_ms(1'700'000'000'000);
    h.updated_at = at_ms(1'700'000'000'123);
    h.event_source = "crm";
    h.event_id = "deal-1";
    return h;
}

std::vector<core::Handoff> cases() {
    std::vector<core::Handoff> out;
    out.push_back(plain());
    core::Handoff full = plain();
    full.pending_from = "lee";
    full.unowned = true;
    full.state = core::HandoffState::accepted;
    full.accepted_at = at_ms(1'700'000'100'000);
    full.closed_at = at_ms(1'700'000'200'000);
    full.deadlines.accept_by = at_ms(1'700'000'050'000);
    full.deadlines.done_by = at_ms(1'700'000'060'000);
    full.escalation_level = 2;
    full.escalated_to = "ari";
    full.checklist = {{1, "Send the welcome email", true, "dana", at_ms(1'700'000'150'000), "x.y"},
                      {2, "Book the call", false, "ignored when unchecked", std::nullopt, {}}};
    full.data = {{"company", "Zürich AG"},
                 {"amount", 5000},
                 {"ratio", 0.25},
                 {"tags", {"a", nullptr, true}},
                 {"nested", {{"z", 1}, {"a", "\n"}}}};
    out.push_back(full);
    core::Handoff escapes = plain();
    escapes.subject = std::string("quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f ") +
                      '\x01' + '\x1f' + '\x7f' + " end";
    escapes.title = "é ß 中文 😀 <script>alert(1)</script>";
    escapes.done_definition = "";
    escapes.state = core::HandoffState::declined;
    out.push_back(escapes);
    for (auto state : {core::HandoffState::done, core::HandoffState::cancelled}) {
        core::Handoff closed = plain();
        closed.state = state;
        closed.closed_at = at_ms(1'800'000'000'000);
        out.push_back(closed);
    }
    return out;
}

TEST(AppendHandoffJson, WritesExactlyWhatHandoffJsonDumps) {
    // Before and after the deadlines, so that both overdue flags take both values.
    for (const TimePoint now : {at_ms(1'700'000'000'000), at_ms(1'900'000'000'000)}) {
        for (const core::Handoff& h : cases()) {
            std::string got = "prefix";
            engine::append_handoff_json(got, h, now);
            EXPECT_EQ(got, "prefix" + engine::handoff_json(h, now, false).dump())
                << "handoff with subject " << h.subject;
        }
    }
}

// The card view is the full view less the documented keys, in the same order, and valid
// JSON on its own.
TEST(AppendHandoffJson, CardViewIsTheFullViewWithoutWhatACardNeverShows) {
    const TimePoint now = at_ms(1'900'000'000'000);
    for (const core::Handoff& h : cases()) {
        nlohmann::json want = engine::handoff_json(h, now, false);
        for (const char* key : {"data", "done_definition", "event", "playbook_version"}) {
            ASSERT_EQ(want.erase(key), 1u) << key;
        }
        for (auto& item : want["checklist"]) {
            for (const char* key : {"checked_at", "checked_by", "text"}) item.erase(key);
        }
        std::string got;
        engine::append_handoff_json(got, h, now, engine::HandoffView::card);
        EXPECT_EQ(got, want.dump()) << "handoff with subject " << h.subject;
        EXPECT_EQ(nlohmann::json::parse(got), want);
    }
}

// Issue 22: a stored handoff whose text is not UTF-8 (from before the doors checked) must not
// take down the list that holds it. Both writers put U+FFFD for each maximal ill-formed
// subpart, byte for byte alike, where they used to throw.
TEST(AppendHandoffJson, WritesTextThatIsNotUtf8WithReplacementCharactersAsDumpJsonDoes) {
    // Truncated, overlong, a surrogate, beyond U+10FFFF, a stray continuation byte.
    for (const std::string bad :
         {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\x80"}) {
        core::Handoff h = plain();
        h.subject = bad;
        h.title = "Caf\xe9";
        const std::string dumped = core::dump_json(engine::handoff_json(h, at_ms(0), false));
        std::string out;
        ASSERT_NO_THROW(engine::append_handoff_json(out, h, at_ms(0)));
        EXPECT_EQ(out, dumped);
        const auto read = nlohmann::json::parse(out);
        EXPECT_EQ(read["subject"], core::utf8_repaired(bad));
        EXPECT_EQ(read["title"], "Caf\xef\xbf\xbd");
    }
}

}  // namespace
}  // namespace baton
