// Fuzzes parse_span (durations in playbooks: "4h", "1d 4h", "1h30m").
// Properties: an accepted span is positive and within limits::duration_seconds_max; its
// canonical spelling (format_span) parses back to the same span and is a fixed point;
// a refusal names a column inside the text.
#include <string>

#include "core/duration.h"
#include "core/limits.h"
#include "fuzz_support.h"

using namespace baton;

namespace {

// "col:N" → N, or -1 when the field is not a column.
long column_of(const std::string& field) {
    if (field.rfind("col:", 0) != 0) return -1;
    return std::stol(field.substr(4));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const auto span = core::parse_span(text);
    if (!span) {
        const long column = column_of(span.error().field);
        FUZZ_CHECK(column >= 0 && static_cast<std::size_t>(column) <= text.size(),
                   "a refused duration names a column inside the text: " + span.error().field);
        FUZZ_CHECK(!span.error().message.empty(), "a refusal says why");
        return 0;
    }
    const auto total = span->total_24x7().count();
    FUZZ_CHECK(total > 0 && total <= limits::duration_seconds_max,
               "accepted span of " + std::to_string(total) + " s");
    FUZZ_CHECK(span->clock.count() >= 0 && span->days >= 0 && span->weeks >= 0,
               "no negative part");

    const std::string canonical = core::format_span(*span);
    const auto again = core::parse_span(canonical);
    FUZZ_CHECK(again.ok(), "the canonical spelling `" + canonical + "` parses");
    FUZZ_CHECK(*again == *span, "`" + canonical + "` is the same span as the input");
    FUZZ_CHECK(core::format_span(*again) == canonical, "format_span is a fixed point");
    return 0;
}
