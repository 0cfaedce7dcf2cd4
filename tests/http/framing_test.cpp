// Strict HTTP/1.1 framing (issue 22, finding 5): every head that a front end and Baton
// could frame differently is refused with 400 and the connection closed, so what follows
// it is never answered as a second (smuggled) request. First the Beast-free check over raw
// strings, then the real server on loopback, fed raw bytes over a TCP socket. Also HEAD
// (GET without the body) and X-Content-Type-Options on every answer (finding 6).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/framing.h"
#include "http/http_client.h"
#include "http/router.h"
#include "http/server.h"

namespace baton::test {
namespace {

using namespace std::chrono_literals;

struct HeadCase {
    const char* name;
    std::string head;
    const char* field;  // the field the problem names; nullptr: the head is fine
};

const std::vector<HeadCase>& head_cases() {
    static const std::vector<HeadCase> cases = {
        {"plain GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", nullptr},
        {"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", nullptr},
        {"chunked any case", "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n\r\n",
         nullptr},
        {"length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", nullptr},
        {"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", nullptr},
        {"gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
         "Transfer-Encoding"},
        {"xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
         "Transfer-Encoding"},
        {"chunked, identity",
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
         "Transfer-Encoding"},
        {"identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
         "Transfer-Encoding"},
        {"two TE", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n",
         "Transfer-Encoding"},
        {"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
         "Transfer-Encoding"},
        {"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n",
         "Content-Length"},
        {"two equal CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                         "Content-Length: 3\r\n\r\n",
         "Content-Length"},
        {"conflicting CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                           "Content-Length: 30\r\n\r\n",
         "Content-Length"},
        {"CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", "Content-Length"},
        {"signed CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n", "Content-Length"},
        {"negative CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
         "Content-Length"},
        {"hex CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", "Content-Length"},
        {"empty CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", "Content-Length"},
        {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-Note: one\r\n two\r\n\r\n", "X-Note"},
        {"obs-fold tab", "GET / HTTP/1.1\r\nHost: a\r\nX-Note: one\r\n\ttwo\r\n\r\n", "X-Note"},
        {"space before colon",
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
         "Transfer-Encoding "},
        {"no Host", "GET / HTTP/1.1\r\n\r\n", "Host"},
        {"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "Host"},
        {"bare LF", "GET / HTTP/1.1\nHost: a\n\n", ""},
    };
    return cases;
}

TEST(RequestHead, EachShapeIsAcceptedOrRefusedNamingTheField) {
    for (const auto& c : head_cases()) {
        SCOPED_TRACE(c.name);
        const auto end = http::request_head_end(c.head);
        ASSERT_TRUE(end.has_value());
        const auto problem = http::check_request_head(c.head.substr(0, *end));
        if (c.field == nullptr) {
            EXPECT_FALSE(problem.has_value()) << problem->detail;
        } else {
            ASSERT_TRUE(problem.has_value());
            EXPECT_EQ(problem->field, c.field) << problem->detail;
            EXPECT_FALSE(problem->detail.empty());
        }
    }
}

TEST(RequestHead, EndIsFoundOnlyOnceTheBlankLineHasArrived) {
    EXPECT_FALSE(http::request_head_end("GET / HTTP/1.1\r\nHost: a\r\n").has_value());
    EXPECT_FALSE(http::request_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r").has_value());
    const std::string two = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n";
    EXPECT_EQ(http::request_head_end(two), two.find("GET /b"));
}

// A real server whose handler records each request it is given.
class Framing : public ::testing::Test {
protected:
    void SetUp() override {
        http::ServerOptions options;
        options.port = 0;
        options.io_threads = 1;
        options.worker_threads = 2;
        auto server = http::Server::start(
            options,
            [this](http::Request& r) {
                {
                    std::lock_guard lock(mutex_);
                    seen_.push_back(r.method + " " + r.path);
                }
                // A HEAD goes through as itself: the router treats it as a GET (see the
                // Router test), and the server leaves the body out.
                http::Response out;
                out.body = R"({"path":")" + r.path + R"(","padding":"0123456789"})";
                return out;
            },
            {});
        ASSERT_TRUE(server.ok()) << server.error().message;
        server_ = std::move(server).value();
    }
    void TearDown() override {
        if (server_) server_->stop();
    }
    std::vector<std::string> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

    std::unique_ptr<http::Server> server_;
    std::mutex mutex_;
    std::vector<std::string> seen_;  // GUARDED_BY(mutex_)
};

TEST_F(Framing, EveryAmbiguousHeadIs400AndTheSmuggledRequestNeverAnswered) {
    const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    for (const auto& c : head_cases()) {
        if (c.field == nullptr) continue;
        SCOPED_TRACE(c.name);
        auto conn = HttpConnection::connect(server_->port());
        ASSERT_TRUE(conn);
        // The head, then what a lenient server would take for a second request.
        ASSERT_TRUE(conn->send(c.head + smuggled));
        const auto first = conn->read_response(5s);
        ASSERT_TRUE(first) << conn->last_error();
        EXPECT_EQ(first->status, 400);
        EXPECT_EQ(first->header("Content-Type"), "application/problem+json");
        EXPECT_EQ(first->header("Connection"), "close");
        const auto body = nlohmann::json::parse(first->body);
        if (*c.field != '\0') {
            EXPECT_EQ(body.value("field", ""), c.field) << first->body;
        }
        // Nothing more is answered (a second response would start "HTTP/1.1"), and the
        // server closes.
        EXPECT_EQ(conn->read_until("HTTP/1.1", 1s), "");
        EXPECT_TRUE(conn->wait_closed(2s)) << "the connection stays open";
    }
    for (const auto& request : seen()) EXPECT_EQ(request.find("smuggled"), std::string::npos);
    EXPECT_TRUE(seen().empty()) << seen().front();
}

TEST_F(Framing, AGoodChunkedRequestAndItsPipelinedSuccessorAreBothAnswered) {
    auto conn = HttpConnection::connect(server_->port());
    ASSERT_TRUE(conn);
    ASSERT_TRUE(conn->send("POST /one HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n0\r\n\r\n"
                           "GET /two HTTP/1.1\r\nHost: a\r\n\r\n"));
    const auto one = conn->read_response(5s);
    ASSERT_TRUE(one) << conn->last_error();
    EXPECT_EQ(one->status, 200);
    const auto two = conn->read_response(5s);
    ASSERT_TRUE(two) << conn->last_error();
    EXPECT_EQ(two->status, 200);
    EXPECT_EQ(seen(), (std::vector<std::string>{"POST /one", "GET /two"}));
}

TEST_F(Framing, HeadAnswersTheGetLengthWithoutTheBody) {
    auto conn = HttpConnection::connect(server_->port());
    ASSERT_TRUE(conn);
    const auto get = conn->exchange(
        {.method = "GET", .target = "/x", .headers = {}, .body = {}, .keep_alive = true});
    ASSERT_TRUE(get) << conn->last_error();
    // The HEAD's answer has the GET's length but no body: the GET after it on the same
    // connection is read correctly only if no body bytes were sent.
    ASSERT_TRUE(conn->send("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n"
                           "Connection: close\r\n\r\n"));
    const auto head = conn->read_head(5s);
    ASSERT_TRUE(head) << conn->last_error();
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("Content-Length"), std::to_string(get->body.size()));
    const auto after = conn->read_response(5s);
    ASSERT_TRUE(after) << conn->last_error();
    EXPECT_EQ(after->body.find(R"({"path":"/y")"), 0u) << after->body;
}

TEST_F(Framing, EveryAnswerSaysNosniff) {
    const auto ok = http_exchange(server_->port(),
                                  {.method = "GET", .target = "/x", .headers = {}, .body = {}});
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->header("X-Content-Type-Options"), "nosniff");
    auto conn = HttpConnection::connect(server_->port());
    ASSERT_TRUE(conn);
    ASSERT_TRUE(conn->send("GET / HTTP/1.1\r\n\r\n"));  // refused by the server itself
    const auto refused = conn->read_response(5s);
    ASSERT_TRUE(refused) << conn->last_error();
    EXPECT_EQ(refused->status, 400);
    EXPECT_EQ(refused->header("X-Content-Type-Options"), "nosniff");
}

TEST(RouterMatch, HeadMatchesTheGetRoute) {
    http::Router router;
    http::Route list;
    list.method = "GET";
    list.pattern = "/v1/handoffs";
    router.add(list);
    http::Route post;
    post.method = "POST";
    post.pattern = "/v1/events";
    router.add(post);
    EXPECT_NE(router.match("HEAD", "/v1/handoffs").route, nullptr);
    const auto none = router.match("HEAD", "/v1/events");
    EXPECT_EQ(none.route, nullptr);
    EXPECT_EQ(none.allowed, std::vector<std::string>{"POST"});
}

}  // namespace
}  // namespace baton::test
