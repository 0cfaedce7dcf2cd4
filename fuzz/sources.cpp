// Fuzzes the sources.yaml loader, core::parse_sources (inbound webhook sources).
// Properties: the loader's diagnostics contract (yaml_checks.h); in an accepted list,
// every source has a unique name that find() returns, a scheme crypto/signatures.h knows,
// one or two non-empty secrets, and type, id and subject templates that pass check_template
// with the webhook roots.
#include <string>

#include "core/sources.h"
#include "core/template.h"
#include "crypto/signatures.h"
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
        FUZZ_CHECK(crypto::parse_signature_scheme(source.scheme).has_value(),
                   "scheme `" + source.scheme + "` is known to crypto");
        FUZZ_CHECK(!source.secrets.empty() && source.secrets.size() <= 2,
                   "a source has one or two secrets");
        for (const auto& secret : source.secrets) {
            FUZZ_CHECK(!secret.empty(), "no secret is empty");
        }
        for (const std::string* field : {&source.type, &source.id, &source.subject}) {
            FUZZ_CHECK(core::check_template(*field, core::TemplateRoots::hook).empty(),
                       "`" + *field + "` is a checked template");
        }
    }
    return 0;
}
