// Values for core unit tests, written as people read them: an RFC 3339 instant and a
// playbook duration. A malformed literal fails the test that wrote it.
#pragma once

#include <gtest/gtest.h>

#include "core/duration.h"
#include "core/time.h"

namespace baton::testing {

inline TimePoint at(const char* rfc3339) {
    const auto parsed = parse_rfc3339(rfc3339);
    EXPECT_TRUE(parsed.has_value()) << rfc3339;
    return parsed.value_or(TimePoint{});
}

inline core::Span span(const char* text) {
    const auto parsed = core::parse_span(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.ok() ? *parsed : core::Span{};
}

}  // namespace baton::testing
