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
constexpr std::array<std::string_view, 8> board_sections = {
    "signin", "handoffs", "relays", "playbooks", "reports", "people", "sources", "setup"};

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

// Paths that belong to the API, its hooks and the operators' endpoints, not to the board:
// an unknown one is the API's 404 even for a browser.
constexpr std::array<std::string_view, 9> api_prefixes = {
    "/v1/", "/hooks/", "/l/", "/slack/", "/assets/", "/livez", "/readyz", "/healthz", "/metrics"};

bool is_api_path(const std::string& path) {
    for (const std::string_view prefix : api_prefixes) {
        if (std::string_view(path).substr(0, prefix.size()) == prefix) return true;
    }
    return path == "/v1" || path == "/hooks" || path == "/l" || path == "/slack";
}

Response asset_response(const web::Asset& asset, const Request& request, int status) {
    Response r;
    r.status = status;
    r.content_type = std::string(asset.content_type);
    if (status == 200) r.headers.set("ETag", std::string(asset.etag));
    r.headers.set("Vary", "Accept-Encoding");
    r.headers.set("Cache-Control",
                  asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    r.headers.set("X-Content-Type-Options", "nosniff");
    r.headers.set("Referrer-Policy", "no-referrer");
    if (!asset.immutable) {
        r.headers.set("Content-Security-Policy", content_security_policy);
        r.headers.set("X-Frame-Options", "DENY");
    }
    if (auto match = request.headers.get("If-None-Match");
        status == 200 && match && *match == asset.etag) {
        r.status = 304;
        return r;
    }
    if (!asset.gzip.empty() && accepts_gzip(request.headers)) {
        r.headers.set("Content-Encoding", "gzip");
        r.body = std::string(asset.gzip);
    } else {
        r.body = std::string(asset.body);
    }
    return r;
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
    return asset_response(*asset, request, 200);
}

std::optional<Response> serve_board_not_found(const Request& request) {
    if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
    const std::string accept = request.headers.get("Accept").value_or("");
    if (accept.find("text/html") == std::string::npos || is_api_path(request.path)) {
        return std::nullopt;
    }
    return asset_response(web::index_page(), request, 404);
}

}  // namespace baton::http
