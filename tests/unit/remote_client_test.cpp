// The HTTP client of the CLI's remote mode against a scripted server on loopback: each of
// its limits (answer size, answer time), what it sends (the prefix, the bearer token), the
// one retry on a kept-alive connection the server had closed, and the URLs it accepts. And
// the table from HTTP statuses to error codes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "http/client.h"
#include "http/remote_service.h"

namespace baton::http {
namespace {

// Reads one request (headers, then a Content-Length body); empty at end of stream.
std::string read_request(int fd) {
    std::string data;
    char buf[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return {};
        data.append(buf, static_cast<std::size_t>(n));
    }
    const auto end = data.find("\r\n\r\n") + 4;
    std::size_t length = 0;
    const auto cl = data.find("Content-Length: ");
    if (cl != std::string::npos && cl < end) length = std::stoul(data.substr(cl + 16));
    while (data.size() < end + length) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    return data;
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

std::string answer(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A server on 127.0.0.1 that hands each accepted connection, in turn, to `on_connection`
// (given the connection's number from 0), on one thread.
class ScriptedServer {
public:
    explicit ScriptedServer(std::function<void(int fd, int number)> on_connection)
        : on_connection_(std::move(on_connection)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(listener_, 8), 0);
        socklen_t len = sizeof addr;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] {
            for (int number = 0;; ++number) {
                const int fd = ::accept(listener_, nullptr, nullptr);
                if (fd < 0 || stopping_) {
                    if (fd >= 0) ::close(fd);
                    return;
                }
                connections_ = number + 1;
                on_connection_(fd, number);
                ::close(fd);
            }
        });
    }

    ~ScriptedServer() {
        stopping_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        thread_.join();
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int connections() const { return connections_; }

private:
    std::function<void(int, int)> on_connection_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

std::unique_ptr<HttpClient> client_for(const std::string& url, ClientLimits limits = {}) {
    auto c = HttpClient::create(url, "secret-token", limits);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? std::move(c).value() : nullptr;
}

ClientRequest get(const std::string& target) {
    ClientRequest r;
    r.target = target;
    return r;
}

TEST(RemoteClient, SendsThePrefixTheTokenAndTheBodyAndReadsTheAnswer) {
    std::mutex mutex;
    std::string seen;
    ScriptedServer server([&](int fd, int) {
        const std::string request = read_request(fd);
        {
            std::lock_guard lock(mutex);
            seen = request;
        }
        write_all(fd, answer(R"({"ok":true})"));
    });
    auto client = client_for(server.url() + "/base/");
    ClientRequest post;
    post.method = "POST";
    post.target = "/v1/events?x=" + percent_encode("a b/c");
    post.body = R"({"type":"t"})";
    auto r = client->send(post);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"ok":true})");
    EXPECT_EQ(r->content_type, "application/json");
    std::lock_guard lock(mutex);
    EXPECT_EQ(seen.rfind("POST /base/v1/events?x=a%20b%2Fc HTTP/1.1\r\n", 0), 0u) << seen;
    EXPECT_NE(seen.find("Authorization: Bearer secret-token\r\n"), std::string::npos) << seen;
    EXPECT_NE(seen.find("Content-Type: application/json\r\n"), std::string::npos) << seen;
    EXPECT_NE(seen.find("\r\n\r\n{\"type\":\"t\"}"), std::string::npos) << seen;
}

TEST(RemoteClient, AnAnswerOverTheBodyLimitIsRefused) {
    ScriptedServer server([](int fd, int) {
        read_request(fd);
        write_all(fd, answer(std::string(5000, 'x')));
    });
    auto client = client_for(server.url(), {.response_body_bytes_max = 1000});
    auto r = client->send(get("/big"));
    ASSERT_FALSE(r.ok()) << r->body.size();
    EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded);
    EXPECT_NE(r.error().message.find("1000 bytes"), std::string::npos) << r.error().message;
}

TEST(RemoteClient, AnAnswerWithoutALengthIsHeldToTheBodyLimitToo) {
    ScriptedServer server([](int fd, int number) {
        read_request(fd);
        if (number == 0) {  // read to the end of the stream
            write_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(5000, 'x'));
        } else {  // chunked
            write_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" +
                              std::string(5000, 'x') + "\r\n0\r\n\r\n");
        }
    });
    for (int i = 0; i < 2; ++i) {
        auto client = client_for(server.url(), {.response_body_bytes_max = 1000});
        auto r = client->send(get("/big"));
        ASSERT_FALSE(r.ok()) << i;
        EXPECT_EQ(r.error().code, ErrorCode::limit_exceeded) << i << ": " << r.error().message;
    }
}

TEST(RemoteClient, AServerThatDoesNotAnswerInTimeIsUnavailable) {
    std::atomic<bool> release{false};
    ScriptedServer server([&](int fd, int) {
        read_request(fd);
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
    auto client = client_for(server.url(), {.request_timeout = std::chrono::milliseconds(300)});
    const auto start = std::chrono::steady_clock::now();
    auto r = client->send(get("/slow"));
    const auto took = std::chrono::steady_clock::now() - start;
    release = true;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::unavailable);
    EXPECT_NE(r.error().message.find("cannot reach " + server.url()), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("no answer within"), std::string::npos) << r.error().message;
    EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(RemoteClient, NobodyListeningIsUnavailable) {
    std::string url;
    {
        ScriptedServer gone([](int, int) {});
        url = gone.url();
    }
    auto client = client_for(url);
    auto r = client->send(get("/v1/handoffs"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::unavailable);
    EXPECT_EQ(r.error().message.rfind("cannot reach " + url + ": ", 0), 0u) << r.error().message;
}

// The server answers one request on each connection, keeping it alive, then closes it: as
// a server's idle timeout does.
TEST(RemoteClient, AKeptAliveConnectionFoundClosedIsRetriedOnceWhenSafe) {
    ScriptedServer server([](int fd, int number) {
        read_request(fd);
        write_all(fd, answer("{\"connection\":" + std::to_string(number) + "}"));
    });
    auto client = client_for(server.url());
    auto first = client->send(get("/a"));
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->body, R"({"connection":0})");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the server has closed it
    auto second = client->send(get("/b"));
    ASSERT_TRUE(second.ok()) << second.error().message;
    EXPECT_EQ(second->body, R"({"connection":1})");
    EXPECT_EQ(server.connections(), 2);
}

TEST(RemoteClient, ARequestThatMustNotRunTwiceIsNotRetried) {
    ScriptedServer server([](int fd, int number) {
        read_request(fd);
        write_all(fd, answer("{\"connection\":" + std::to_string(number) + "}"));
    });
    auto client = client_for(server.url());
    ASSERT_TRUE(client->send(get("/a")).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ClientRequest once;
    once.method = "POST";
    once.target = "/v1/tokens";
    once.body = "{}";
    once.retry_safe = false;
    auto r = client->send(once);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::unavailable);
    EXPECT_EQ(server.connections(), 1);
}

TEST(RemoteClient, BaseUrls) {
    auto plain = parse_base_url("http://127.0.0.1:8080");
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->host, "127.0.0.1");
    EXPECT_EQ(plain->port, "8080");
    EXPECT_EQ(plain->prefix, "");
    auto prefixed = parse_base_url("http://baton.internal/team/ops/");
    ASSERT_TRUE(prefixed.ok());
    EXPECT_EQ(prefixed->host, "baton.internal");
    EXPECT_EQ(prefixed->port, "80");
    EXPECT_EQ(prefixed->prefix, "/team/ops");
    EXPECT_EQ(prefixed->text, "http://baton.internal/team/ops");
    auto v6 = parse_base_url("HTTP://[::1]:9000");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, "9000");
    for (const char* bad : {"https://example.com", "ftp://example.com", "example.com:80",
                            "http://", "http://:80", "http://host:0", "http://host:99999",
                            "http://host:8o", "http://user:pw@host", "http://host/?q=1",
                            "http://[::1"}) {
        auto r = parse_base_url(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << bad;
        }
    }
    EXPECT_NE(parse_base_url("https://x").error().message.find("https:// is not supported"),
              std::string::npos);
}

TEST(RemoteClient, PercentEncodingKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(percent_encode("Acme Dental"), "Acme%20Dental");
    EXPECT_EQ(percent_encode("a/b?c&d=e#f%"), "a%2Fb%3Fc%26d%3De%23f%25");
    EXPECT_EQ(percent_encode("az-AZ_09.~"), "az-AZ_09.~");
    EXPECT_EQ(percent_encode("é"), "%C3%A9");
}

TEST(RemoteClient, StatusesBecomeErrorCodes) {
    const std::vector<std::pair<int, ErrorCode>> table = {
        {400, ErrorCode::invalid_argument}, {401, ErrorCode::forbidden},
        {403, ErrorCode::forbidden},        {404, ErrorCode::not_found},
        {409, ErrorCode::conflict},         {412, ErrorCode::conflict},
        {413, ErrorCode::limit_exceeded},   {429, ErrorCode::unavailable},
        {503, ErrorCode::unavailable},      {500, ErrorCode::internal},
        {422, ErrorCode::invalid_argument}, {418, ErrorCode::internal},
        {502, ErrorCode::internal}};
    for (const auto& [status, code] : table) {
        EXPECT_EQ(error_code_for_status(status), code) << status;
    }
}

}  // namespace
}  // namespace baton::http
