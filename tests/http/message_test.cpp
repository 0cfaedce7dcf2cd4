// The HTTP layer's pure parts, without a socket: percent-decoding of paths and queries, the
// router's matching of a raw path, and problem+json answers. Follow-ups of the fuzz targets
// (docs/reliability.md): a NUL never comes out of a decoded path or query, and a problem
// answer never throws on bytes that are not UTF-8.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "http/problem.h"
#include "http/router.h"

namespace baton {
namespace {

using namespace std::string_literals;

struct DecodeCase {
    std::string text;
    bool plus_is_space;
    std::optional<std::string> decoded;
};

TEST(PercentDecode, DecodesOrRefusesEachCase) {
    const std::vector<DecodeCase> cases = {
        {"", false, ""},
        {"plain", false, "plain"},
        {"Acme%2FEU", false, "Acme/EU"},
        {"%41%62", false, "Ab"},
        {"%e2%9c%93", false, "\xe2\x9c\x93"},
        {"a+b", false, "a+b"},
        {"a+b", true, "a b"},
        {"%2B", true, "+"},
        {"%", false, std::nullopt},
        {"%4", false, std::nullopt},
        {"a%4", false, std::nullopt},
        {"%zz", false, std::nullopt},
        {"%g0", false, std::nullopt},
        // A NUL, encoded or raw, is refused: nothing downstream (a route parameter, a
        // subject, a file name, a C string in a store's driver) should ever meet one.
        {"%00", false, std::nullopt},
        {"%00", true, std::nullopt},
        {"kickoff-prep%00", false, std::nullopt},
        {"index.html%00.js", false, std::nullopt},
        {"a\0b"s, false, std::nullopt},
        {"\0"s, true, std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        EXPECT_EQ(http::percent_decode(c.text, c.plus_is_space), c.decoded);
    }
}

TEST(PercentDecode, AQueryWithANulIsRefusedWhole) {
    EXPECT_FALSE(http::parse_query("state=%00").has_value());
    EXPECT_FALSE(http::parse_query("%00=waiting").has_value());
    EXPECT_FALSE(http::parse_query("owner=ari&q=a%00b").has_value());
    const auto ok = http::parse_query("owner=ari&q=a%20b");
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->at("q"), "a b");
}

TEST(RouterMatch, APathWithANulMatchesNoRoute) {
    http::Router router;
    http::Route relay;
    relay.method = "GET";
    relay.pattern = "/v1/relays/{subject}";
    router.add(relay);
    const auto ok = router.match("GET", "/v1/relays/Acme%2FEU");
    ASSERT_NE(ok.route, nullptr);
    EXPECT_EQ(ok.params.at("subject"), "Acme/EU");
    for (const std::string& path : {"/v1/relays/%00"s, "/v1/relays/Acme%00"s,
                                   "/v1/relays/Acme\0"s, "/v1%00/relays/x"s}) {
        SCOPED_TRACE(path);
        const auto m = router.match("GET", path);
        EXPECT_EQ(m.route, nullptr);
        EXPECT_TRUE(m.allowed.empty());  // not a 405 either: the path itself is bad
    }
}

TEST(Problem, TextThatIsNotUtf8IsReplacedNotThrown) {
    // A query parameter's name is quoted in the detail and named in the field; %ff decodes
    // to a byte that is not UTF-8. Before, dump() threw and the answer became a 500.
    http::Response r;
    ASSERT_NO_THROW(r = http::problem(400, "Bad Request", "unknown query parameter `\xff`",
                                      "\xff\xfe"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.content_type, "application/problem+json");
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("detail", ""), "unknown query parameter `\xef\xbf\xbd`");
    EXPECT_EQ(body.value("field", ""), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(body.value("status", 0), 400);
    // A truncated sequence and a title are handled the same way; valid UTF-8 is kept as is.
    ASSERT_NO_THROW(r = http::problem(400, "Bad \xc3", "caf\xc3\xa9 \xe2\x9c"));
    const auto again = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(again.is_object()) << r.body;
    EXPECT_EQ(again.value("title", ""), "Bad \xef\xbf\xbd");
    EXPECT_EQ(again.value("detail", "").substr(0, 5), "caf\xc3\xa9");
    EXPECT_FALSE(again.contains("field"));
}

TEST(Problem, ProblemFromAnErrorCarriesItsField) {
    const auto r = http::problem_from(Error{ErrorCode::invalid_argument, "bad \x80", "x\x80"});
    EXPECT_EQ(r.status, 400);
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.value("field", ""), "x\xef\xbf\xbd");
}

}  // namespace
}  // namespace baton
