// Source presets (sources.yaml `preset: hubspot`): for each vendor small businesses connect,
// its signature scheme and the mapping from its documented payload to an event, so that a
// source is three lines (name, preset, secret). Any mapping key written beside `preset:`
// wins over the preset's. Pure data; see docs/sources.md for each vendor's setup.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::core {

struct SourcePreset {
    std::string name;    // as written after `preset:`
    std::string vendor;  // for messages and docs: "HubSpot"
    std::string scheme;  // the signature scheme (crypto/signatures.h names)
    std::string type;    // templates over payload.* and delivery.*, as in a source
    std::string id;
    std::string subject;
    std::string data = "payload";
    // The body is a JSON array and each element is one event (HubSpot batches up to 100);
    // inside the templates, `payload` is the element.
    bool batch = false;
};

// Every preset, in the order docs/sources.md lists them.
const std::vector<SourcePreset>& source_presets();
// The preset called `name`, or nullptr.
const SourcePreset* find_source_preset(std::string_view name);

// A delivery shaped as the preset's vendor documents it, for the board's "send a test
// delivery": its body and the headers the vendor sends besides its signature (Shopify's
// topic, GitHub's event). `n` (the caller passes the time in milliseconds) makes its ids
// new, so that each sample is an event of its own. The HubSpot sample is a deal moving to
// closedwon, which examples/presets/hubspot-deal-won.yaml turns into a handoff.
struct PresetSample {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};
PresetSample preset_sample(const SourcePreset& preset, std::int64_t n);

// The most entries one batch delivery may carry (HubSpot sends at most 100).
inline constexpr std::size_t source_batch_entries_max = 100;

}  // namespace baton::core
