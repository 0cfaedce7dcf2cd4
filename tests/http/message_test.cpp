// The HTTP layer's pure parts, without a socket: problem+json answers. A follow-up of the
// fuzz targets (docs/reliability.md): a problem answer never throws on bytes that are not
// UTF-8.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "http/problem.h"

namespace baton {
namespace {

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
