// HttpClient: a small synchronous HTTP/1.1 client for the CLI's remote mode. It talks to
// one Baton server at a base URL (http://host:port[/prefix]), sends `Authorization: Bearer`
// with every request, keeps the connection alive between requests, and bounds every wait
// and the size of every answer (ClientLimits). Boost.Beast is compiled in client.cpp only,
// so this header stays light.
//
// Failures to connect, send or receive are `unavailable` ("cannot reach URL: reason"); an
// answer over the size limit is `limit_exceeded`. Any HTTP status is a successful exchange:
// turning statuses into errors is the caller's business (RemoteService).
//
// Ownership: owns its connection; closes it when destroyed. Threading: not thread-safe; one
// thread uses a client at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace baton::http {

struct ClientLimits {
    std::chrono::milliseconds connect_timeout{10'000};  // resolve and connect
    // One whole exchange once connected: write the request, read the answer.
    std::chrono::milliseconds request_timeout{60'000};
    std::size_t response_header_bytes_max = 64 * 1024;
    // A page of 1000 handoffs with their data fits; an answer larger than this is refused.
    std::size_t response_body_bytes_max = 64 * 1024 * 1024;
};

// A base URL, split: http://HOST[:PORT][/PREFIX]. `text` is the URL as given, without a
// trailing slash, for messages.
struct BaseUrl {
    std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
    std::string port;    // "80" when not given
    std::string prefix;  // "" or "/baton" (no trailing slash): prepended to every target
    std::string text;
};

// Accepts http:// only; https:// is refused with a message that says what to do instead.
Result<BaseUrl> parse_base_url(std::string_view url);

// Percent-encodes everything but the unreserved characters (RFC 3986), for a path segment
// or a query value.
std::string percent_encode(std::string_view text);

struct ClientRequest {
    std::string method = "GET";
    std::string target;  // the path and query under the base URL's prefix, such as /v1/handoffs
    std::string body;    // sent when not empty, or when the method is POST, PUT or PATCH
    std::string content_type = "application/json";
    // Whether the request may be sent a second time when a kept-alive connection turns out
    // to have been closed by the server before any byte of an answer came back. True for
    // reads and for writes the server deduplicates; false for anything that must never
    // happen twice (a new token).
    bool retry_safe = true;
};

class HttpClient {
public:
    // Checks the URL; connects lazily, on the first request.
    static Result<std::unique_ptr<HttpClient>> create(std::string_view base_url,
                                                      std::string bearer_token,
                                                      ClientLimits limits = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends one request and reads its answer (status, headers, body, content type).
    Result<Response> send(const ClientRequest& request);

    const BaseUrl& base_url() const;

    struct Impl;  // opaque: defined in client.cpp, which alone knows Beast

private:
    explicit HttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace baton::http
