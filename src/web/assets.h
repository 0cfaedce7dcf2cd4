// Assets: the board's built files (web/, bundled by esbuild at build time), embedded in the
// binary so that `baton serve` needs nothing beside it and works offline. The table is
// generated at build time (scripts/embed_assets.py); this header is its only interface.
//
// Threading: the table is immutable static data, safe to read from any thread.
#pragma once

#include <string_view>

namespace baton::web {

struct Asset {
    std::string_view path;          // "/index.html", "/assets/app-3F2A9C1B.js"
    std::string_view content_type;  // "text/javascript; charset=utf-8", ...
    std::string_view body;          // the bytes as built
    std::string_view gzip;          // the same bytes gzip-compressed; empty when not smaller
    std::string_view etag;          // a strong ETag, quoted: "\"sha256-prefix\""
    bool immutable = false;         // a content-hashed name: cacheable for a year
};

// The asset at `path` (exact match, such as "/assets/app-3F2A9C1B.js"), or nullptr.
const Asset* find_asset(std::string_view path);

// The page every board route answers with ("/index.html"); never nullptr.
const Asset& index_page();

}  // namespace baton::web
