// The server never dies from a request (issue 22): whatever a handler throws — a
// std::exception or anything else — answers 500 problem+json for that request alone, is
// handed to fault_log with the request's id, and the next request, on another connection,
// is served. The real server, on loopback.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/http_client.h"
#include "http/server.h"

namespace baton::test {
namespace {

struct Fault {
    std::string request_id;
    std::string what;
};

class ServerFault : public ::testing::Test {
protected:
    void SetUp() override {
        http::ServerOptions options;
        options.port = 0;
        options.io_threads = 1;
        options.worker_threads = 2;
        options.fault_log = [this](const http::Request& r, const std::string& what) {
            std::lock_guard lock(mutex_);
            faults_.push_back({r.request_id, what});
        };
        auto server = http::Server::start(
            options,
            [](http::Request& r) -> http::Response {
                if (r.path == "/int") throw 42;  // not a std::exception
                if (r.path == "/runtime") throw std::runtime_error("the handler broke");
                http::Response ok;
                ok.body = "{\"ok\":true}";
                return ok;
            },
            {});
        ASSERT_TRUE(server.ok()) << server.error().message;
        server_ = std::move(server).value();
    }
    void TearDown() override {
        if (server_) server_->stop();
    }

    std::optional<HttpResponse> get(const std::string& target) {
        HttpRequest r;
        r.target = target;
        return http_exchange(server_->port(), r);
    }
    std::vector<Fault> faults() {
        std::lock_guard lock(mutex_);
        return faults_;
    }

    std::unique_ptr<http::Server> server_;
    std::mutex mutex_;
    std::vector<Fault> faults_;  // GUARDED_BY(mutex_)
};

TEST_F(ServerFault, AHandlerThatThrowsAnythingAnswers500AndIsLoggedWithItsRequestId) {
    const struct {
        const char* target;
        const char* what;
    } cases[] = {{"/int", "an exception that is not a std::exception"},
                 {"/runtime", "the handler broke"}};
    for (const auto& c : cases) {
        const std::size_t before = faults().size();
        auto r = get(c.target);
        ASSERT_TRUE(r) << c.target << ": the server answered";
        EXPECT_EQ(r->status, 500) << c.target;
        EXPECT_EQ(r->header("Content-Type").value_or(""), "application/problem+json") << c.target;
        const auto id = r->header("X-Request-Id");
        ASSERT_TRUE(id) << c.target;
        EXPECT_NE(r->body.find("(request " + *id + ")"), std::string::npos) << r->body;
        const auto logged = faults();
        ASSERT_EQ(logged.size(), before + 1) << c.target;
        EXPECT_EQ(logged.back().request_id, *id);
        EXPECT_EQ(logged.back().what, c.what);
        // The next request, on another connection, is served.
        auto next = get("/fine");
        ASSERT_TRUE(next) << "after " << c.target;
        EXPECT_EQ(next->status, 200) << next->body;
    }
}

}  // namespace
}  // namespace baton::test
