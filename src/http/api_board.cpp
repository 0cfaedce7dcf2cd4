// The board's pages: its built files, embedded in the binary (web/assets.h), served at `/`
// and under /assets/, and the page for every path the board routes itself (a reload of
// /handoffs/42 must find the board, which then shows the card).
//
// Every page goes out under a strict Content-Security-Policy (only our own scripts, styles
// and connections; no framing), with ETags for revalidation and gzip when the browser takes
// it. Content-hashed files are cached for a year: a new build has new names.
#include <array>
#include <string_view>

#include "http/api.h"
#include "http/compress.h"
#include "web/assets.h"

namespace baton::http {

namespace {

// The first path segments the board's own router handles (web/src/router.ts).
constexpr std::array<std::string_view, 7> board_sections = {
    "signin", "handoffs", "relays", "playbooks", "reports", "people", "sources"};

constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";

bool is_board_page(const std::string& path) {
    if (path == "/" || path == "/index.html") return true;
    const std::string_view p(path);
    for (const std::string_view section : board_sections) {
        if (p.size() > section.size() && p.substr(1, section.size()) == section &&
            (p.size() == section.size() + 1 || p[section.size() + 1] == '/')) {
            return true;
        }
        if (p.size() == section.size() + 1 && p.substr(1) == section) return true;
    }
    return false;
}

}  // namespace

std::optional<Response> serve_board(const Request& request) {
    if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
    const web::Asset* asset = nullptr;
    if (request.path.rfind("/assets/", 0) == 0) {
        asset = web::find_asset(request.path);
        if (asset == nullptr) return std::nullopt;  // the API's 404
    } else if (is_board_page(request.path)) {
        asset = &web::index_page();
    } else {
        return std::nullopt;
    }
    Response r;
    r.content_type = std::string(asset->content_type);
    r.headers.set("ETag", std::string(asset->etag));
    r.headers.set("Vary", "Accept-Encoding");
    r.headers.set("Cache-Control",
                  asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.headers.set("Referrer-Policy", "no-referrer");
    if (!asset->immutable) {
        r.headers.set("Content-Security-Policy", content_security_policy);
        r.headers.set("X-Frame-Options", "DENY");
    }
    if (auto match = request.headers.get("If-None-Match"); match && *match == asset->etag) {
        r.status = 304;
        return r;
    }
    if (!asset->gzip.empty() && accepts_gzip(request.headers)) {
        r.headers.set("Content-Encoding", "gzip");
        r.body = std::string(asset->gzip);
    } else {
        r.body = std::string(asset->body);
    }
    return r;
}

}  // namespace baton::http
