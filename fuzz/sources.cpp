// Fuzzes the sources.yaml loader, core::parse_sources (inbound webhook sources).
// Properties: the loader's diagnostics contract (yaml_checks.h); in an accepted list,
// every source has a unique name that find() returns, a known signature scheme, a secret,
// and type and id templates that pass check_template with the webhook roots.
#include <string>

#include "core/sources.h"
#include "core/template.h"
#include "fuzz_support.h"
#include "yaml_checks.h"

using namespace baton;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(fuzz::as_text(data, size));
    const core::SourcesParse parsed = core::parse_sources(text, fuzz::yaml_file);
    fuzz::check_diagnostics(parsed.errors, parsed.sources.has_value(), text);
    if (!parsed.sources) return 0;
    for (const auto& source : parsed.sources->all()) {
        FUZZ_CHECK(parsed.sources->find(source.name) == &source,
                   "source name `" + source.name + "` is unique");
        FUZZ_CHECK(source.scheme == "standard-webhooks" || source.scheme == "github" ||
                       source.scheme == "stripe" || source.scheme == "slack",
                   "scheme `" + source.scheme + "` is known");
        FUZZ_CHECK(!source.secret.empty(), "a source has a secret");
        for (const std::string* field : {&source.type, &source.id, &source.subject}) {
            FUZZ_CHECK(core::check_template(*field, core::TemplateRoots::hook).empty(),
                       "`" + *field + "` is a checked template");
        }
    }
    return 0;
}
