// Source presets (sources.yaml `preset: hubspot`): for each vendor small businesses connect,
// its signature scheme and the mapping from its documented payload to an event, so that a
// source is three lines (name, preset, secret). Any mapping key written beside `preset:`
// wins over the preset's. Pure data; see docs/sources.md for each vendor's setup.
#pragma once

#include <string>
#include <string_view>
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

// The most entries one batch delivery may carry (HubSpot sends at most 100).
inline constexpr std::size_t source_batch_entries_max = 100;

}  // namespace baton::core
