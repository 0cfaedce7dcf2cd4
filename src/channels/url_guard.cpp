#include "channels/url_guard.h"

#include <curl/curl.h>

#include <memory>

#include "core/limits.h"

namespace baton::channels {

namespace {

struct UrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
    void operator()(char* text) const { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// A part of the URL, or nullptr when it has none.
CurlString part(CURLU* url, CURLUPart which, unsigned flags = 0) {
    char* text = nullptr;
    if (curl_url_get(url, which, &text, flags) != CURLUE_OK) return nullptr;
    return CurlString(text);
}

Error refused(std::string why) {
    return make_error(ErrorCode::invalid_argument, "refused: " + std::move(why), "url");
}

}  // namespace

Result<UrlParts> check_url(std::string_view text, UrlUse use) {
    if (text.size() > baton::limits::url_bytes_max) return refused("the URL is too long");
    std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
    if (!url) return make_error(ErrorCode::internal, "out of memory parsing a URL");
    const std::string z(text);
    // No guessing of a missing scheme, and only schemes curl knows: "127.0.0.1/x" and
    // "javascript:x" are refused here rather than read as something else.
    if (curl_url_set(url.get(), CURLUPART_URL, z.c_str(), 0) != CURLUE_OK) {
        return refused("the URL is malformed");
    }
    UrlParts parts;
    if (auto scheme = part(url.get(), CURLUPART_SCHEME)) parts.scheme = scheme.get();
    const bool http = parts.scheme == "http" || parts.scheme == "https";
    const bool smtp = parts.scheme == "smtp" || parts.scheme == "smtps";
    if ((use == UrlUse::http && !http) || (use == UrlUse::smtp && !smtp)) {
        return refused("the scheme " + parts.scheme + ":// is not allowed here; use " +
                       (use == UrlUse::http ? "https:// or http://" : "smtp:// or smtps://"));
    }
    if (part(url.get(), CURLUPART_USER) || part(url.get(), CURLUPART_PASSWORD) ||
        part(url.get(), CURLUPART_OPTIONS)) {
        return refused("the URL carries credentials (user:password@); they are not sent");
    }
    auto host = part(url.get(), CURLUPART_HOST);
    if (!host || *host.get() == '\0') return refused("the URL has no host");
    parts.host = host.get();
    if (auto port = part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT)) {
        parts.port = std::atoi(port.get());
    }
    return parts;
}

}  // namespace baton::channels
