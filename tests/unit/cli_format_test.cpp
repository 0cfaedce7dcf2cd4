// The CLI's text helpers: tables and the problem count every linting command ends with.
#include <gtest/gtest.h>

#include "cli/format.h"

namespace baton::cli {
namespace {

TEST(CliTable, TheLastColumnIsNeverCutTheOthersAtACharacterBoundary) {
    const std::string flags = "overdue-to-accept,overdue-to-finish,escalated-2,reassigned-from-lee";
    const std::string subject = "Café Müller — the whole long name of a client";
    const std::string out = table({"SUBJECT", "FLAGS"}, {{subject, flags}}, 20);
    EXPECT_NE(out.find(flags), std::string::npos) << out;
    EXPECT_EQ(out.find(subject), std::string::npos) << out;
    EXPECT_NE(out.find("Café Müller — t…"), std::string::npos) << out;
}

TEST(CliProblemCount, CountsTheLocatedLinesButNotRemoteApplysNote) {
    const Error three = with_problem_count(make_error(
        ErrorCode::invalid_argument,
        "a.yaml:1:1: id: bad\na.yaml:4:5: if: bad\nmy dir/b.yaml: source `x`: no secret"));
    EXPECT_EQ(three.message.substr(three.message.rfind('\n') + 1), "3 problems found");
    const Error one = with_problem_count(make_error(
        ErrorCode::invalid_argument,
        "a.yaml:1:1: id: bad\nremote apply stores file by file; stored before this: c.yaml"));
    EXPECT_EQ(one.message.substr(one.message.rfind('\n') + 1), "1 problem found");
    // Not a lint refusal: as it was.
    EXPECT_EQ(with_problem_count(make_error(ErrorCode::not_found, "x.yaml: missing")).message,
              "x.yaml: missing");
    EXPECT_EQ(with_problem_count(make_error(ErrorCode::invalid_argument, "a: b"), 0).message,
              "a: b");
}

}  // namespace
}  // namespace baton::cli
