#include "http/compress.h"

#include <zlib.h>

namespace baton::http {

bool accepts_gzip(const Headers& request_headers) {
    const std::string accept = request_headers.get("Accept-Encoding").value_or("");
    // "gzip;q=0" refuses it; anything else naming gzip takes it.
    const auto at = accept.find("gzip");
    if (at == std::string::npos) return false;
    const auto q = accept.find("q=0", at);
    const auto comma = accept.find(',', at);
    return q == std::string::npos || (comma != std::string::npos && comma < q) ||
           accept.compare(q, 4, "q=0.") == 0;
}

std::optional<std::string> gzip(std::string_view bytes, int level) {
    z_stream z{};
    // 15 + 16: the largest window, with a gzip header and trailer instead of zlib's.
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return std::nullopt;
    }
    std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int status = deflate(&z, Z_FINISH);
    const auto written = z.total_out;
    deflateEnd(&z);
    if (status != Z_STREAM_END) return std::nullopt;
    out.resize(written);
    return out;
}

namespace {

bool is_text(const std::string& content_type) {
    return content_type.find("json") != std::string::npos ||
           content_type.rfind("text/", 0) == 0;
}

}  // namespace

void compress_response(const Request& request, Response& response) {
    if (response.stream || response.body.size() < compress_bytes_min) return;
    // uInt counts: a body over 4 GiB is never built (the list's largest page is megabytes).
    if (response.body.size() > 0xffffffffu) return;
    if (!is_text(response.content_type) || response.headers.get("Content-Encoding")) return;
    if (!accepts_gzip(request.headers)) return;
    auto packed = gzip(response.body, 1);
    if (!packed) return;  // sent as it is
    response.body = std::move(*packed);
    response.headers.set("Content-Encoding", "gzip");
    response.headers.set("Vary", "Accept-Encoding");
}

}  // namespace baton::http
