// UTF-8: the validator every door uses (the offset of the first bad byte, turned into a
// line and column) and the writers that must never throw on stored text that is not UTF-8.
#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace baton::core {
namespace {

struct Case {
    std::string text;
    std::optional<std::size_t> invalid_at;
    const char* why;
};

TEST(Utf8, TheFirstBadByteIsFoundByItsOffset) {
    const Case cases[] = {
        {"", std::nullopt, "empty"},
        {"plain ASCII\n\t", std::nullopt, "ASCII"},
        {"Caf\xC3\xA9", std::nullopt, "two bytes"},
        {"\xE2\x82\xAC \xF0\x9F\x98\x80", std::nullopt, "three and four bytes"},
        {"\xED\x9F\xBF", std::nullopt, "U+D7FF, just below the surrogates"},
        {"\xF4\x8F\xBF\xBF", std::nullopt, "U+10FFFF, the last code point"},
        {"Caf\xE9", 3, "Latin-1"},
        {"ab\x80", 2, "a stray continuation byte"},
        {"\xC0\xAF", 0, "overlong two bytes"},
        {"\xC1\xBF", 0, "overlong two bytes, C1"},
        {"\xE0\x80\xAF", 0, "overlong three bytes"},
        {"\xF0\x80\x80\xAF", 0, "overlong four bytes"},
        {"x\xED\xA0\x80", 1, "a surrogate, U+D800"},
        {"\xED\xBF\xBF", 0, "a surrogate, U+DFFF"},
        {"\xF4\x90\x80\x80", 0, "above U+10FFFF"},
        {"\xF5\x80\x80\x80", 0, "F5 is never a lead byte"},
        {"\xFF", 0, "FF"},
        {"ok\xE2\x82", 2, "a three-byte sequence cut short by the end"},
        {"ok\xF0\x9F\x98", 2, "a four-byte sequence cut short by the end"},
        {"\xE2\x82" "A", 0, "a three-byte sequence broken off"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(utf8_invalid_at(c.text), c.invalid_at) << c.why;
        EXPECT_EQ(is_utf8(c.text), !c.invalid_at) << c.why;
    }
}

TEST(Utf8, TheOffsetBecomesALineAndAColumnInCharacters) {
    const std::string text = "id: x\ntitle: \xC3\xA9t\xC3\xA9 Caf\xE9\n";
    const auto at = utf8_invalid_at(text);
    ASSERT_EQ(at, 22u);
    const TextPosition p = text_position(text, *at);
    EXPECT_EQ(p.line, 2);
    EXPECT_EQ(p.column, 15);  // "title: été Caf" is 14 characters
    EXPECT_EQ(utf8_problem(text, *at), "is not UTF-8 text: byte 0xE9 at offset 22");
    const auto d = utf8_file_problem("playbooks/x.yaml", text);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->format(),
              "playbooks/x.yaml:2:15: the file is not UTF-8 text (byte 0xE9); save it as UTF-8");
    EXPECT_FALSE(utf8_file_problem("playbooks/x.yaml", "id: x\n"));
}

TEST(Utf8, EachMaximalIllFormedSubpartBecomesOneReplacementCharacter) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(utf8_repaired("Caf\xE9"), "Caf" + fffd);
    EXPECT_EQ(utf8_repaired("\xE2\x82" "A"), fffd + "A");      // one for E2 82, then A
    EXPECT_EQ(utf8_repaired("a\xF0\x9F\x98"), "a" + fffd);     // the truncated tail
    EXPECT_EQ(utf8_repaired("\xC0\xAF"), fffd + fffd);         // C0 is never a lead
    EXPECT_EQ(utf8_repaired("\xED\xA0\x80"), fffd + fffd + fffd);  // a surrogate
    EXPECT_EQ(utf8_repaired("Caf\xC3\xA9"), "Caf\xC3\xA9");
}

TEST(Utf8, DumpJsonWritesWhatNlohmannWouldAndNeverThrows) {
    const nlohmann::json valid = {{"name", "Caf\xC3\xA9"}, {"n", 1}};
    EXPECT_EQ(dump_json(valid), valid.dump());
    EXPECT_EQ(dump_json(valid, 2), valid.dump(2));
    const std::string inputs[] = {"Caf\xE9", "\xE2\x82" "A", "a\xF0\x9F\x98", "\xC0\xAF",
                                  "\xED\xA0\x80", "\xFF\xFE"};
    for (const auto& bad : inputs) {
        const nlohmann::json value = {{"text", bad}};
        EXPECT_THROW((void)value.dump(), nlohmann::json::type_error);
        std::string text;
        ASSERT_NO_THROW(text = dump_json(value));
        EXPECT_EQ(text, nlohmann::json({{"text", utf8_repaired(bad)}}).dump()) << text;
    }
}

}  // namespace
}  // namespace baton::core
