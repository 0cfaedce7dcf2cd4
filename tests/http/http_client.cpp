#include "http/http_client.h"

#include <algorithm>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace baton::test {

namespace {

using Clock = std::chrono::steady_clock;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

int millis_left(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

void ignore_sigpipe() {
    static const bool done = [] {
        signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)done;
}

// Parses the head of a response (status line and headers, without the blank line).
bool parse_head(std::string_view head, HttpResponse& out) {
    const auto line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return false;
    const auto space = status_line.find(' ');
    if (space == std::string_view::npos || space + 4 > status_line.size()) return false;
    const std::string code(status_line.substr(space + 1, 3));
    if (code.find_first_not_of("0123456789") != std::string::npos) return false;
    out.status = std::stoi(code);
    out.reason = space + 5 <= status_line.size() ? std::string(status_line.substr(space + 5)) : "";
    std::size_t start = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (start < head.size()) {
        auto end = head.find("\r\n", start);
        if (end == std::string_view::npos) end = head.size();
        const std::string_view line = head.substr(start, end - start);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return false;
        out.headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
        start = end + 2;
    }
    return true;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (iequals(n, name)) return v;
    }
    return std::nullopt;
}

std::string format_request(const HttpRequest& r) {
    std::string out = r.method + " " + r.target + " HTTP/1.1\r\n";
    bool has_host = false, has_length = false;
    for (const auto& [name, value] : r.headers) {
        has_host = has_host || iequals(name, "Host");
        has_length = has_length || iequals(name, "Content-Length");
    }
    if (!has_host) out += "Host: 127.0.0.1\r\n";
    for (const auto& [name, value] : r.headers) out += name + ": " + value + "\r\n";
    if (!has_length && (!r.body.empty() || r.method == "POST" || r.method == "PUT")) {
        out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    }
    out += r.keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    out += "\r\n";
    out += r.body;
    return out;
}

std::optional<HttpConnection> HttpConnection::connect(unsigned short port,
                                                      std::chrono::milliseconds timeout) {
    ignore_sigpipe();
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return std::nullopt;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno != EINPROGRESS) {
            ::close(fd);
            return std::nullopt;
        }
        pollfd p{fd, POLLOUT, 0};
        if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
            ::close(fd);
            return std::nullopt;
        }
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            ::close(fd);
            return std::nullopt;
        }
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return HttpConnection(fd);
}

HttpConnection::HttpConnection(HttpConnection&& o) noexcept
    : fd_(o.fd_), buffer_(std::move(o.buffer_)), error_(std::move(o.error_)) {
    o.fd_ = -1;
}

HttpConnection& HttpConnection::operator=(HttpConnection&& o) noexcept {
    if (this != &o) {
        close();
        fd_ = o.fd_;
        buffer_ = std::move(o.buffer_);
        error_ = std::move(o.error_);
        o.fd_ = -1;
    }
    return *this;
}

HttpConnection::~HttpConnection() {
    close();
}

void HttpConnection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool HttpConnection::send(std::string_view bytes) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!bytes.empty()) {
        if (fd_ < 0) return false;
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            pollfd p{fd_, POLLOUT, 0};
            if (poll(&p, 1, millis_left(deadline)) <= 0) return false;
            continue;
        }
        return false;
    }
    return true;
}

long HttpConnection::fill(Clock::time_point deadline) {
    if (fd_ < 0) {
        error_ = "closed";
        return -1;
    }
    for (;;) {
        pollfd p{fd_, POLLIN, 0};
        const int ready = poll(&p, 1, millis_left(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            error_ = "timeout";
            return -1;
        }
        char chunk[65536];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(n));
            return n;
        }
        if (n == 0) {
            error_ = "closed";
            return 0;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        error_ = errno == ECONNRESET ? "reset" : std::string("recv: ") + std::strerror(errno);
        return -1;
    }
}

std::optional<HttpResponse> HttpConnection::read_head(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
        if (buffer_.size() > 1024 * 1024) {
            error_ = "malformed: no end of headers";
            return std::nullopt;
        }
        if (fill(deadline) <= 0) return std::nullopt;
    }
    HttpResponse response;
    if (!parse_head(std::string_view(buffer_).substr(0, head_end), response)) {
        error_ = "malformed response head: " + buffer_.substr(0, head_end);
        return std::nullopt;
    }
    buffer_.erase(0, head_end + 4);
    return response;
}

std::string HttpConnection::read_until(std::string_view marker, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (buffer_.find(marker) == std::string::npos) {
        if (fill(deadline) <= 0) break;
    }
    std::string out = std::move(buffer_);
    buffer_.clear();
    return out;
}

std::optional<HttpResponse> HttpConnection::read_response(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                Clock::now());
        auto head = read_head(std::max(left, std::chrono::milliseconds(0)));
        if (!head) return std::nullopt;
        HttpResponse response = std::move(*head);
        if (response.status >= 100 && response.status < 200) continue;  // interim
        if (auto te = response.header("Transfer-Encoding")) {
            error_ = "malformed: Transfer-Encoding " + *te + " is not supported here";
            return std::nullopt;
        }
        if (auto length = response.header("Content-Length")) {
            if (length->empty() || length->find_first_not_of("0123456789") != std::string::npos) {
                error_ = "malformed Content-Length: " + *length;
                return std::nullopt;
            }
            const std::size_t wanted = std::stoul(*length);
            while (buffer_.size() < wanted) {
                if (fill(deadline) <= 0) return std::nullopt;
            }
            response.body = buffer_.substr(0, wanted);
            buffer_.erase(0, wanted);
            return response;
        }
        if (response.status == 204 || response.status == 304) return response;
        // No length: the body runs to the end of the connection.
        long n;
        while ((n = fill(deadline)) > 0) {
        }
        if (n < 0 && error_ == "timeout") return std::nullopt;
        response.body = std::move(buffer_);
        buffer_.clear();
        return response;
    }
}

std::optional<HttpResponse> HttpConnection::exchange(const HttpRequest& request,
                                                     std::chrono::milliseconds timeout) {
    // A server may answer and close before reading all of a request (413, 431): what it
    // answered is still worth reading when the send fails.
    const bool sent = send(format_request(request));
    auto response = read_response(timeout);
    if (!response && !sent) error_ = "send failed; then " + error_;
    return response;
}

bool HttpConnection::wait_closed(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
        buffer_.clear();
        const long n = fill(deadline);
        if (n == 0) return true;
        if (n < 0) return error_ != "timeout";
    }
}

std::optional<HttpResponse> http_exchange(unsigned short port, const HttpRequest& request,
                                          std::string* error, std::chrono::milliseconds timeout) {
    auto connection = HttpConnection::connect(port);
    if (!connection) {
        if (error) *error = "connect failed: " + std::string(std::strerror(errno));
        return std::nullopt;
    }
    HttpRequest r = request;
    r.keep_alive = false;
    auto response = connection->exchange(r, timeout);
    if (!response && error) *error = connection->last_error();
    return response;
}

std::string url_encode(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace baton::test
