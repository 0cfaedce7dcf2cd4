// Request and Response: the HTTP messages the API works on, as plain values. Only
// server.cpp and client.cpp know Boost.Beast; everything else in http/ (routing, auth,
// handlers, the remote service) sees these, so it compiles fast and tests without sockets.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::http {

// Header names compare case-insensitively (RFC 9110).
bool iequals(std::string_view a, std::string_view b);

class Headers {
public:
    void add(std::string name, std::string value) {
        entries_.emplace_back(std::move(name), std::move(value));
    }
    void set(const std::string& name, std::string value);
    std::optional<std::string> get(std::string_view name) const;
    const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

private:
    std::vector<std::pair<std::string, std::string>> entries_;
};

struct Request {
    std::string method;  // GET, POST, PUT, ...
    std::string path;    // decoded path, without the query
    std::map<std::string, std::string> query;
    Headers headers;
    std::string body;
    std::string request_id;  // set by the server, echoed as X-Request-Id
    std::string remote;      // peer address, for logs
    // Filled in by the API as it handles the request, for logs and metrics.
    std::string route;  // the matched pattern, such as /v1/handoffs/{id}
    std::string actor;  // the authenticated person
};

// Where a streamed response's bytes go (the server implements it). Thread-safe: push may be
// called from any thread. push answers false once the connection is closed or its unsent
// bytes passed the server's budget (a reader too slow to keep up is cut off and reconnects);
// close ends the response.
class StreamSink {
public:
    virtual ~StreamSink() = default;
    virtual bool push(std::string bytes) = 0;
    virtual void close() = 0;
};

// A response whose body goes on after the headers, such as Server-Sent Events. The server
// writes the headers (with no length: the body ends when the connection does), then calls
// open() with the sink, once; closed() is called once when the connection ends, from
// whichever side, after which pushes are ignored.
class EventStream {
public:
    virtual ~EventStream() = default;
    virtual void open(std::shared_ptr<StreamSink> sink) = 0;
    virtual void closed() = 0;
};

struct Response {
    int status = 200;
    Headers headers;
    std::string body;
    std::string content_type = "application/json";
    // Set for a streamed response: `body` is then written first, and the stream goes on.
    std::shared_ptr<EventStream> stream;
};

// The value of the cookie `name` in the request's Cookie headers (RFC 6265 section 5.4:
// "a=1; b=2"), or nullopt.
std::optional<std::string> cookie(const Request& request, std::string_view name);

// Percent-decodes a path or query component; nullopt when malformed (a bad %XX) or when it
// holds a NUL, encoded (%00) or raw, so a decoded text never holds one.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
// Splits "a=1&b=two" into a map (the last of a repeated key wins); nullopt when malformed.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view text);

}  // namespace baton::http
