// baton_bare_server: the bare-HTTP ceiling for bench/run.sh. A minimal Boost.Beast HTTP/1.1
// keep-alive server in the same style as Baton's (src/http/server.cpp): async sessions on
// strands, one io_context run by N I/O threads (default: one per core), each request read
// whole (headers and body) into a string body. It does no work: every request is answered
// 202 with a small JSON body. So Baton's rate divided by this one is the share of the
// machine's HTTP ceiling that Baton keeps while doing durable work.
//
// Usage: baton_bare_server [--port P] [--threads N]
// Binds 127.0.0.1 (port 0 by default: the OS picks), prints the port alone on the first
// line of stdout, and stops on SIGTERM or SIGINT.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

const std::string kBody = R"({"accepted":true})";

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(tcp::socket socket) : stream_(std::move(socket)) {}

    void start() { read(); }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(1024 * 1024);
        stream_.expires_after(std::chrono::seconds(60));
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->on_read(ec);
                         });
    }

    void on_read(beast::error_code ec) {
        if (ec) return close();
        const bool keep = parser_->get().keep_alive();
        auto res = std::make_shared<http::response<http::string_body>>(http::status::accepted, 11);
        res->set(http::field::server, "bare");
        res->set(http::field::content_type, "application/json");
        res->keep_alive(keep);
        res->body() = kBody;
        res->prepare_payload();
        http::async_write(stream_, *res,
                          [self = shared_from_this(), res, keep](beast::error_code e, std::size_t) {
                              if (e || !keep) return self->close();
                              self->read();
                          });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

class Listener {
public:
    Listener(net::io_context& ioc, tcp::acceptor& acceptor) : ioc_(ioc), acceptor_(acceptor) {}

    void accept() {
        acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec,
                                                              tcp::socket socket) {
            if (ec == net::error::operation_aborted) return;
            // Like Baton's server, no TCP_NODELAY: each response is one gathered write.
            if (!ec) std::make_shared<Session>(std::move(socket))->start();
            accept();
        });
    }

private:
    net::io_context& ioc_;
    tcp::acceptor& acceptor_;
};

int number_after(int& i, int argc, char** argv) {
    if (i + 1 >= argc) {
        std::cerr << "baton_bare_server: " << argv[i] << " needs a value\n";
        std::exit(2);
    }
    return std::atoi(argv[++i]);
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    int threads = static_cast<int>(std::thread::hardware_concurrency());
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--port") {
            port = number_after(i, argc, argv);
        } else if (arg == "--threads") {
            threads = number_after(i, argc, argv);
        } else {
            std::cerr << "usage: baton_bare_server [--port P] [--threads N]\n";
            return 2;
        }
    }
    if (threads < 1) threads = 1;

    net::io_context ioc(threads);
    tcp::acceptor acceptor(ioc);
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(port));
    beast::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        std::cerr << "baton_bare_server: cannot listen: " << ec.message() << "\n";
        return 1;
    }
    std::cout << acceptor.local_endpoint().port() << std::endl;

    Listener listener(ioc, acceptor);
    listener.accept();
    net::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });

    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    return 0;
}
