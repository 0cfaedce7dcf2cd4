// A small blocking HTTP/1.1 client over POSIX sockets, for tests of `baton serve` on
// loopback. It sends exactly the bytes a test gives it (so a test can send malformed or
// slow requests) and reads one response at a time, honouring Content-Length. Every wait has
// a deadline, so a test never hangs on a server that does not answer.
//
// Ownership: an HttpConnection owns its socket and closes it when destroyed. Threading: a
// connection is used by one thread at a time; separate connections are independent.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::test {

struct HttpResponse {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The first header of that name (compared case-insensitively).
    std::optional<std::string> header(std::string_view name) const;
};

struct HttpRequest {
    std::string method = "GET";
    std::string target = "/";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool keep_alive = false;  // false: Connection: close
};

// The request's bytes: request line, Host, the headers, Content-Length when there is a
// body (or the method sends one), Connection, and the body.
std::string format_request(const HttpRequest& request);

class HttpConnection {
  public:
    // Connects to 127.0.0.1:port; nullopt when refused or not within `timeout`.
    static std::optional<HttpConnection> connect(
        unsigned short port, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
    HttpConnection(HttpConnection&& other) noexcept;
    HttpConnection& operator=(HttpConnection&& other) noexcept;
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;
    ~HttpConnection();

    // Writes all of `bytes`; false when the peer closed or reset the connection.
    bool send(std::string_view bytes);
    // Reads one response (skipping 1xx interim ones); nullopt on end of file, reset, a
    // malformed response or when none is complete within `timeout`.
    std::optional<HttpResponse> read_response(
        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
    // Sends the request and reads its response.
    std::optional<HttpResponse> exchange(
        const HttpRequest& request,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
    // For a streamed answer (Server-Sent Events): reads the status line and headers only;
    // what follows stays for read_until.
    std::optional<HttpResponse> read_head(
        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
    // Reads on until what was read after the head contains `marker` (or the connection ends,
    // or `timeout` passes), and answers all of it, leaving it read: the next call sees only
    // what comes after.
    std::string read_until(std::string_view marker, std::chrono::milliseconds timeout);
    // Waits until the server closes the connection (end of file or reset), discarding
    // anything it sends meanwhile. True when it closed within `limit`.
    bool wait_closed(std::chrono::milliseconds limit);
    // Why the last read failed ("timeout", "closed", "reset", "malformed ...").
    const std::string& last_error() const { return error_; }
    void close();

  private:
    explicit HttpConnection(int fd) : fd_(fd) {}
    // Reads what is available into buffer_ within the deadline: >0 bytes read, 0 end of
    // file, -1 error or timeout (error_ says which).
    long fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    std::string buffer_;
    std::string error_;
};

// One request on a fresh connection (Connection: close); nullopt when there was no
// complete response (the reason is in `error` when given).
std::optional<HttpResponse> http_exchange(
    unsigned short port, const HttpRequest& request, std::string* error = nullptr,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

// Percent-encodes a path segment or query value (RFC 3986 unreserved kept as is).
std::string url_encode(std::string_view text);

}  // namespace baton::test
