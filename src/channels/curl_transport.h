// CurlTransport: the Transport over libcurl's multi interface — one thread that runs many
// HTTP POSTs and SMTP sends at once, with connect and total timeouts, a queue and a pace per
// endpoint (so a slow, paused or rate-limited endpoint delays only itself), a cap on what
// is read of a response, and the SSRF guard on every connection: the URL is checked first
// (url_guard.h), then each socket's address just before it connects (address.h), so that
// DNS cannot steer a request to a private address, and the connection's address once more
// before each request, so that a kept-alive connection is judged by today's allow-list.
// Redirects are never followed and proxies from the environment are not used.
//
// Ownership and threading: the transport owns its thread, its libcurl handles and every
// request handed to it. post/send_mail/finish may be called from any thread, also from a
// callback. `shutdown` (and the destructor) stops the thread: what is queued or in flight
// is answered retry "shutting down", and what arrives later is answered so at once, on the
// caller's thread. A callback may send again or call `shutdown`, but must not destroy the
// transport.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/limits.h"
#include "channels/transport.h"

namespace baton::channels {

struct TransportOptions {
    Milliseconds connect_timeout = limits::connect_timeout_default;
    Milliseconds transfer_timeout = limits::transfer_timeout_default;
    Milliseconds queue_wait = limits::queue_wait_default;
    std::size_t response_body_bytes_max = limits::response_body_bytes_max;
    std::size_t transfers_max = limits::transfers_max;
    std::size_t queued_sends_max = limits::queued_sends_max;
    std::string user_agent = "baton";
};

class CurlTransport final : public Transport {
  public:
    explicit CurlTransport(TransportOptions options = {});
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    void post(HttpPost request, Done done) override;
    void send_mail(MailSend request, Done done) override;
    void finish(Outcome outcome, Done done) override;

    // Stops the thread and answers everything pending; idempotent.
    void shutdown();

    // Defined in curl_transport.cpp: one request with its callback, and the thread's state.
    struct Job;
    struct Loop;

  private:
    void submit(std::unique_ptr<Job> job);
    void run();

    const TransportOptions options_;
    // The libcurl handles, endpoints and transfers: touched by the thread only, except the
    // multi handle's wake-up, which libcurl allows from any thread.
    const std::unique_ptr<Loop> loop_;

    std::mutex mutex_;
    std::vector<std::unique_ptr<Job>> inbox_;  // GUARDED_BY(mutex_)
    bool accepting_ = true;                    // GUARDED_BY(mutex_)
    bool stopping_ = false;                    // GUARDED_BY(mutex_)
    std::thread thread_;
};

}  // namespace baton::channels
