// Response compression (src/http/compress.h): which requests take gzip, that what is sent
// inflates to the very bytes, and which answers are left alone — small ones (where secrets
// live), binary ones, encoded ones and streams.
#include "http/compress.h"

#include <gtest/gtest.h>

#include <string>

#include "support/gunzip.h"

namespace baton::http {
namespace {

using testing::inflate_gzip;

Headers accepting(const std::string& value) {
    Headers h;
    h.add("Accept-Encoding", value);
    return h;
}

TEST(AcceptsGzip, ReadsAcceptEncodingAsBrowsersAndClientsWriteIt) {
    EXPECT_TRUE(accepts_gzip(accepting("gzip")));
    EXPECT_TRUE(accepts_gzip(accepting("gzip, deflate, br")));
    EXPECT_TRUE(accepts_gzip(accepting("br;q=1.0, gzip;q=0.5")));
    EXPECT_TRUE(accepts_gzip(accepting("gzip;q=0.1")));
    EXPECT_FALSE(accepts_gzip(accepting("gzip;q=0")));
    EXPECT_FALSE(accepts_gzip(accepting("deflate, br")));
    EXPECT_FALSE(accepts_gzip(accepting("")));
    EXPECT_FALSE(accepts_gzip(Headers{}));
}

std::string big_json() {
    std::string body = "{\"items\":[";
    for (int i = 0; i < 2000; ++i) {
        body += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) +
                ",\"subject\":\"Acme\",\"state\":\"waiting\"}";
    }
    return body + "]}";
}

Request gzip_request() {
    Request r;
    r.method = "GET";
    r.headers = accepting("gzip, deflate");
    return r;
}

TEST(CompressResponse, GzipsALargeTextAnswerToTheSameBytes) {
    Response r;
    r.body = big_json();
    ASSERT_GE(r.body.size(), compress_bytes_min);
    const std::string original = r.body;
    compress_response(gzip_request(), r);
    EXPECT_EQ(r.headers.get("Content-Encoding"), "gzip");
    EXPECT_EQ(r.headers.get("Vary"), "Accept-Encoding");
    EXPECT_LT(r.body.size(), original.size() / 5);
    EXPECT_EQ(inflate_gzip(r.body), original);
}

TEST(CompressResponse, LeavesAloneWhatShouldNotBeCompressed) {
    const std::string json = big_json();
    auto unchanged = [&](Request request, Response r, const char* why) {
        const std::string before = r.body;
        compress_response(request, r);
        EXPECT_EQ(r.body, before) << why;
        EXPECT_FALSE(r.headers.get("Vary").has_value()) << why;
    };
    Response small;
    small.body = json.substr(0, compress_bytes_min - 1);
    unchanged(gzip_request(), small, "under compress_bytes_min");
    Response large;
    large.body = json;
    unchanged(Request{}, large, "no Accept-Encoding");
    Request refuses = gzip_request();
    refuses.headers = accepting("gzip;q=0");
    unchanged(refuses, large, "gzip refused");
    Response binary = large;
    binary.content_type = "application/octet-stream";
    unchanged(gzip_request(), binary, "not text");
    Response encoded = large;
    encoded.headers.set("Content-Encoding", "br");
    const std::string before = encoded.body;
    compress_response(gzip_request(), encoded);
    EXPECT_EQ(encoded.body, before) << "already encoded";
    EXPECT_EQ(encoded.headers.get("Content-Encoding"), "br");
}

TEST(CompressResponse, CsvAndTextAreCompressedToo) {
    for (const char* type : {"text/csv; charset=utf-8", "text/plain", "application/problem+json"}) {
        Response r;
        r.content_type = type;
        r.body = big_json();
        compress_response(gzip_request(), r);
        EXPECT_EQ(r.headers.get("Content-Encoding"), "gzip") << type;
    }
}

}  // namespace
}  // namespace baton::http
