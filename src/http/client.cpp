// The second and last translation unit that includes Boost.Beast (STYLE.md rule 16): the
// CLI's side of the wire. Every socket operation is asynchronous under the hood so that
// it can be bounded by a deadline (Beast's tcp_stream timeouts), and run to completion on
// a private io_context, which makes the client synchronous to its caller.
#include "http/client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace baton::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

Error bad_url(std::string_view url, const std::string& why) {
    return make_error(ErrorCode::invalid_argument,
                      "--server (or BATON_URL) `" + std::string(url) + "`: " + why, "server");
}

std::string seconds_text(std::chrono::milliseconds ms) {
    const auto s = ms.count() / 1000;
    return s >= 1 ? std::to_string(s) + " s" : std::to_string(ms.count()) + " ms";
}

// The errors that mean a kept-alive connection was closed by the server (its idle timeout)
// before it read the request.
bool is_stale_connection(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::connection_aborted;
}

}  // namespace

Result<BaseUrl> parse_base_url(std::string_view url) {
    constexpr std::string_view http_scheme = "http://";
    std::string lower(url.substr(0, std::min<std::size_t>(url.size(), 8)));
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("https://", 0) == 0) {
        return bad_url(url,
                       "https:// is not supported yet: the CLI speaks plain HTTP. Reach a remote "
                       "server through a tunnel or a TLS proxy on this machine (such as "
                       "`ssh -L 8080:127.0.0.1:8080 HOST` and --server http://127.0.0.1:8080)");
    }
    if (lower.rfind(http_scheme, 0) != 0) {
        return bad_url(url, "must start with http://, such as http://127.0.0.1:8080");
    }
    std::string_view rest = url.substr(http_scheme.size());
    BaseUrl out;
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (authority.find('@') != std::string_view::npos) {
        return bad_url(url, "credentials do not go in the URL; put the token in BATON_TOKEN");
    }
    if (path.find_first_of("?#") != std::string_view::npos) {
        return bad_url(url, "a base URL has no query or fragment");
    }
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return bad_url(url, "an unclosed [ in the host");
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad_url(url, "expected :PORT after the host");
            port = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (out.host.empty()) return bad_url(url, "names no host");
    if (port.empty()) {
        out.port = "80";
    } else {
        if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
            std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
            return bad_url(url, "the port must be a number from 1 to 65535");
        }
        out.port = std::string(port);
    }
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.prefix = std::string(path);
    std::string text(url);
    while (!text.empty() && text.back() == '/') text.pop_back();
    out.text = text;
    return out;
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (is_unreserved(c)) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

struct HttpClient::Impl {
    const BaseUrl url;
    const std::string token;
    const ClientLimits limits;
    net::io_context ioc;
    std::optional<beast::tcp_stream> stream;  // open while kept alive
    beast::flat_buffer buffer;
    bool reused = false;  // the open stream has answered a request already

    Impl(BaseUrl u, std::string t, ClientLimits l)
        : url(std::move(u)), token(std::move(t)), limits(l) {}

    Error unreachable(const std::string& why) const {
        return make_error(ErrorCode::unavailable, "cannot reach " + url.text + ": " + why);
    }

    Error failure(const beast::error_code& ec) const {
        if (ec == beast::error::timeout) {
            return unreachable("no answer within " + seconds_text(limits.request_timeout));
        }
        if (ec == bhttp::error::body_limit) {
            return make_error(ErrorCode::limit_exceeded,
                              "the answer of " + url.text + " is larger than " +
                                  std::to_string(limits.response_body_bytes_max) + " bytes");
        }
        if (ec == bhttp::error::header_limit) {
            return make_error(ErrorCode::limit_exceeded,
                              "the headers of the answer of " + url.text + " are larger than " +
                                  std::to_string(limits.response_header_bytes_max) + " bytes");
        }
        return unreachable(ec.message());
    }

    void close() {
        if (stream) {
            beast::error_code ignored;
            stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream->close();
            stream.reset();
        }
        buffer.clear();
        reused = false;
    }

    // Runs the operation started on the io_context to its end.
    void run() {
        ioc.restart();
        ioc.run();
    }

    Status connect() {
        tcp::resolver resolver(ioc);
        beast::error_code resolve_ec;
        tcp::resolver::results_type endpoints;
        bool resolved = false;
        resolver.async_resolve(url.host, url.port,
                               [&](beast::error_code ec, tcp::resolver::results_type r) {
                                   resolve_ec = ec;
                                   endpoints = std::move(r);
                                   resolved = true;
                               });
        ioc.restart();
        ioc.run_for(limits.connect_timeout);
        if (!resolved) {
            resolver.cancel();
            run();
            return unreachable("could not resolve " + url.host + " within " +
                               seconds_text(limits.connect_timeout));
        }
        if (resolve_ec) return unreachable(resolve_ec.message());
        stream.emplace(ioc);
        stream->expires_after(limits.connect_timeout);
        beast::error_code connect_ec;
        stream->async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
            connect_ec = ec;
        });
        run();
        if (connect_ec) {
            stream.reset();
            if (connect_ec == beast::error::timeout) {
                return unreachable("no connection within " + seconds_text(limits.connect_timeout));
            }
            return unreachable(connect_ec.message());
        }
        reused = false;
        return ok_status();
    }

    // One request and its answer on the open stream. On a failure, `stale` tells whether
    // it looks like a kept-alive connection the server had closed: the error came before
    // any byte of an answer and says the peer closed (so a retry is possible).
    Result<Response> exchange(const ClientRequest& request, bool& stale) {
        stale = false;
        const bhttp::verb verb = bhttp::string_to_verb(request.method);
        BATON_ASSERT(verb != bhttp::verb::unknown);
        bhttp::request<bhttp::string_body> req{verb, url.prefix + request.target, 11};
        const bool ipv6 = url.host.find(':') != std::string::npos;
        req.set(bhttp::field::host, (ipv6 ? "[" + url.host + "]" : url.host) +
                                        (url.port == "80" ? "" : ":" + url.port));
        req.set(bhttp::field::user_agent, "baton-cli");
        req.set(bhttp::field::accept, "application/json, application/problem+json");
        req.set(bhttp::field::authorization, "Bearer " + token);
        if (!request.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put ||
            verb == bhttp::verb::patch) {
            req.set(bhttp::field::content_type, request.content_type);
            req.body() = request.body;
        }
        req.keep_alive(true);
        req.prepare_payload();

        beast::error_code ec;
        stream->expires_after(limits.request_timeout);
        bhttp::async_write(*stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            stale = is_stale_connection(ec);
            return failure(ec);
        }

        bhttp::response_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.response_header_bytes_max));
        parser.body_limit(limits.response_body_bytes_max);
        // The header first, then the body: Beast 1.74 does not apply the body limit to a
        // Content-Length that arrives in the same read as the whole body, so it is checked
        // here between the two.
        bhttp::async_read_header(*stream, buffer, parser,
                                 [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            stale = !parser.got_some() && is_stale_connection(ec);
            return failure(ec);
        }
        if (const auto length = parser.content_length();
            length && *length > limits.response_body_bytes_max) {
            return failure(bhttp::error::body_limit);
        }
        bhttp::async_read(*stream, buffer, parser,
                          [&](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) return failure(ec);
        const auto& message = parser.get();
        Response response;
        response.status = static_cast<int>(message.result_int());
        for (const auto& field : message) {
            response.headers.add(std::string(field.name_string()), std::string(field.value()));
        }
        response.content_type = response.headers.get("Content-Type").value_or("");
        const bool keep_alive = message.keep_alive();
        response.body = parser.release().body();
        if (keep_alive) {
            reused = true;
        } else {
            close();
        }
        return response;
    }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() { impl_->close(); }

Result<std::unique_ptr<HttpClient>> HttpClient::create(std::string_view base_url,
                                                       std::string bearer_token,
                                                       ClientLimits limits) {
    auto url = parse_base_url(base_url);
    if (!url) return url.error();
    return std::unique_ptr<HttpClient>(new HttpClient(
        std::make_unique<Impl>(std::move(url).value(), std::move(bearer_token), limits)));
}

const BaseUrl& HttpClient::base_url() const { return impl_->url; }

Result<Response> HttpClient::send(const ClientRequest& request) {
    Impl& c = *impl_;
    // At most two tries: the second only when a kept-alive connection was found closed.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!c.stream) {
            if (auto st = c.connect(); !st) return st.error();
        }
        const bool was_reused = c.reused;
        bool stale = false;
        auto response = c.exchange(request, stale);
        if (response) return response;
        c.close();
        if (!(attempt == 0 && was_reused && stale && request.retry_safe)) {
            return response.error();
        }
    }
    return c.unreachable("the connection closed twice");
}

}  // namespace baton::http
