#include "channels/curl_transport.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

#include "channels/address.h"
#include "channels/outcome.h"
#include "channels/url_guard.h"

namespace baton::channels {

using SteadyClock = std::chrono::steady_clock;

struct CurlTransport::Job {
    enum class Kind { http, mail, finished };
    Kind kind = Kind::finished;
    HttpPost http;
    MailSend mail;
    Outcome outcome;  // Kind::finished: the answer, known already
    Done done;
    SteadyClock::time_point queued_at{};
    std::uint64_t sequence = 0;  // arrival order, across endpoints

    const std::string& url() const { return kind == Kind::http ? http.url : mail.url; }
    const Pacing& pacing() const { return kind == Kind::http ? http.pacing : mail.pacing; }
    const std::vector<std::string>& allow() const {
        return kind == Kind::http ? http.allow : mail.allow;
    }
};

namespace {

using Job = CurlTransport::Job;

Outcome retry(std::string detail) {
    Outcome o;
    o.kind = Outcome::Kind::retry;
    o.detail = std::move(detail);
    return o;
}

// One request on the wire, with everything libcurl's callbacks write into.
struct Transfer {
    std::unique_ptr<Job> job;
    std::string endpoint;
    std::string host;  // as in the URL: what the allow-list's names are matched against
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    curl_slist* recipients = nullptr;
    std::size_t body_max = 0;
    bool body_capped = false;
    std::size_t upload_offset = 0;
    std::optional<std::string> refusal;  // the first address the guard refused
    TransferResult result;
    char error[CURL_ERROR_SIZE] = {};

    Transfer() = default;
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;
    ~Transfer() {
        if (easy != nullptr) curl_easy_cleanup(easy);
        curl_slist_free_all(headers);
        curl_slist_free_all(recipients);
    }
};

struct Endpoint {
    std::deque<std::unique_ptr<Job>> queue;
    std::size_t in_flight = 0;
    SteadyClock::time_point next_start{};    // pacing
    SteadyClock::time_point paused_until{};  // after a 429 with Retry-After
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    const std::size_t room = t->body_max - t->result.body.size();
    if (n > room) {
        // Enough is kept to judge the answer; reading on would only cost memory and time.
        t->result.body.append(data, room);
        t->body_capped = true;
        return 0;
    }
    t->result.body.append(data, n);
    return n;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    const std::string_view line(data, std::min(n, limits::response_header_bytes_max));
    // A new status line starts a new set of headers (after a 100 Continue, say).
    if (starts_with_nocase(line, "HTTP/")) t->result.retry_after.clear();
    constexpr std::string_view name = "retry-after:";
    if (starts_with_nocase(line, name))
        t->result.retry_after = std::string(line.substr(name.size()));
    return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::string& message = t->job->mail.message;
    const std::size_t n = std::min(size * count, message.size() - t->upload_offset);
    std::memcpy(buffer, message.data() + t->upload_offset, n);
    t->upload_offset += n;
    return n;
}

// The SSRF guard on the address actually connected to: libcurl calls this after DNS, for
// each address it tries, before the socket exists. Refusing here means no packet is sent.
curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
    auto* t = static_cast<Transfer*>(user);
    const auto ip = purpose == CURLSOCKTYPE_IPCXN
                        ? from_sockaddr(&address->addr, static_cast<socklen_t>(address->addrlen))
                        : std::nullopt;
    std::optional<std::string> why =
        ip ? refusal(*ip, t->host, t->job->allow())
           : std::optional<std::string>("refused: not an IPv4 or IPv6 connection");
    if (why) {
        if (!t->refusal) t->refusal = std::move(why);
        return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// The guard again just before each request, on the connection it will use: libcurl keeps
// connections open and reuses them, and a connection opened while an address was allowed
// must not carry a request after the allow-list dropped it.
int on_prerequest(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/,
                  int /*local_port*/) {
    auto* t = static_cast<Transfer*>(user);
    const auto ip = parse_ip(primary_ip);
    std::optional<std::string> why =
        ip ? refusal(*ip, t->host, t->job->allow())
           : std::optional<std::string>("refused: the connection has no IP address");
    if (!why) return CURL_PREREQFUNC_OK;
    if (!t->refusal) t->refusal = std::move(why);
    return CURL_PREREQFUNC_ABORT;
}

TransferError error_kind(CURLcode code, const Transfer& t) {
    switch (code) {
        case CURLE_OK:
            return TransferError::none;
        case CURLE_WRITE_ERROR:
            return t.body_capped ? TransferError::none : TransferError::other;
        case CURLE_OPERATION_TIMEDOUT:
            return TransferError::timeout;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return TransferError::bad_url;
        case CURLE_LOGIN_DENIED:
            return TransferError::login;
        case CURLE_COULDNT_CONNECT:
            return t.refusal ? TransferError::refused : TransferError::connection;
        case CURLE_ABORTED_BY_CALLBACK:
            return t.refusal ? TransferError::refused : TransferError::other;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_USE_SSL_FAILED:
            return TransferError::connection;
        default:
            return TransferError::other;
    }
}

// libcurl's message for the timeline, without the URL (a Slack webhook URL is a secret).
std::string error_text(CURLcode code, const Transfer& t) {
    if (t.refusal && (code == CURLE_COULDNT_CONNECT || code == CURLE_ABORTED_BY_CALLBACK)) {
        return *t.refusal;
    }
    std::string text = t.error[0] != '\0' ? t.error : curl_easy_strerror(code);
    const std::string& url = t.job->url();
    for (auto at = text.find(url); !url.empty() && at != std::string::npos; at = text.find(url)) {
        text.replace(at, url.size(), "the endpoint");
    }
    return text;
}

}  // namespace

struct CurlTransport::Loop {
    CURLM* multi = nullptr;
    std::map<std::string, Endpoint> endpoints;             // by endpoint key
    std::map<CURL*, std::unique_ptr<Transfer>> transfers;  // in flight
    std::size_t queued = 0;                                // in all endpoint queues
    std::uint64_t sequence = 0;                            // of the last job queued
    SteadyClock::time_point last_sweep{};
};

namespace {

std::once_flag curl_initialised;

// Requests to one URL (HTTP) or one server (SMTP) share an endpoint and its pace.
std::string endpoint_key(const Job& job) {
    return (job.kind == Job::Kind::http ? "http " : "smtp ") + job.url();
}

void set_common(Transfer& t, const TransportOptions& options, const char* protocols) {
    CURL* e = t.easy;
    curl_easy_setopt(e, CURLOPT_URL, t.job->url().c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.transfer_timeout.count()));
    // A proxy from the environment would be connected to instead of the endpoint, and the
    // guard would judge the proxy; the channels talk to endpoints directly.
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prerequest);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
}

void set_http(Transfer& t, const TransportOptions& options) {
    set_common(t, options, "http,https");
    CURL* e = t.easy;
    const HttpPost& post = t.job->http;
    for (const auto& h : post.headers) {
        BATON_ASSERT(h.name.find_first_of("\r\n:") == std::string::npos);
        BATON_ASSERT(h.value.find_first_of("\r\n") == std::string::npos);
        t.headers = curl_slist_append(t.headers, (h.name + ": " + h.value).c_str());
    }
    // No "Expect: 100-continue" round trip before the body.
    t.headers = curl_slist_append(t.headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, post.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
    curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
}

void set_mail(Transfer& t, const TransportOptions& options, const std::string& scheme) {
    set_common(t, options, "smtp,smtps");
    CURL* e = t.easy;
    const MailSend& mail = t.job->mail;
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, ("<" + mail.from_address + ">").c_str());
    t.recipients = curl_slist_append(t.recipients, ("<" + mail.to_address + ">").c_str());
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t.recipients);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, &t);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.message.size()));
    if (scheme == "smtp") {
        // STARTTLS when the server offers it. With credentials TLS is required: a password
        // must never cross the network in clear text.
        curl_easy_setopt(e, CURLOPT_USE_SSL,
                         mail.username.empty() ? long(CURLUSESSL_TRY) : long(CURLUSESSL_ALL));
    }
    if (!mail.username.empty()) {
        curl_easy_setopt(e, CURLOPT_USERNAME, mail.username.c_str());
        curl_easy_setopt(e, CURLOPT_PASSWORD, mail.password.c_str());
    }
}

}  // namespace

CurlTransport::CurlTransport(TransportOptions options)
    : options_(std::move(options)), loop_(std::make_unique<Loop>()) {
    std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    loop_->multi = curl_multi_init();
    BATON_ASSERT(loop_->multi != nullptr);
    thread_ = std::thread([this] { run(); });
}

CurlTransport::~CurlTransport() {
    // Destroyed from its own callback, the thread could not be joined: a programmer error.
    BATON_ASSERT(thread_.get_id() != std::this_thread::get_id());
    shutdown();
}

void CurlTransport::shutdown() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (accepting_) curl_multi_wakeup(loop_->multi);
    }
    // From a callback (the transport's own thread) the thread cannot wait for itself; it
    // sees `stopping_` when the callback returns and the destructor joins it.
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void CurlTransport::post(HttpPost request, Done done) {
    auto job = std::make_unique<Job>();
    job->kind = Job::Kind::http;
    job->http = std::move(request);
    job->done = std::move(done);
    submit(std::move(job));
}

void CurlTransport::send_mail(MailSend request, Done done) {
    auto job = std::make_unique<Job>();
    job->kind = Job::Kind::mail;
    job->mail = std::move(request);
    job->done = std::move(done);
    submit(std::move(job));
}

void CurlTransport::finish(Outcome outcome, Done done) {
    auto job = std::make_unique<Job>();
    job->outcome = std::move(outcome);
    job->done = std::move(done);
    submit(std::move(job));
}

void CurlTransport::submit(std::unique_ptr<Job> job) {
    BATON_ASSERT(job->done);
    {
        std::lock_guard lock(mutex_);
        if (accepting_) {
            inbox_.push_back(std::move(job));
            // Under the lock: the thread frees the multi handle only after it stops accepting.
            curl_multi_wakeup(loop_->multi);
            return;
        }
    }
    // The thread is gone: answer here, on the caller's thread.
    job->done(job->kind == Job::Kind::finished ? job->outcome : retry("shutting down"));
}

namespace {

using Loop = CurlTransport::Loop;

// Starts one request, or answers it at once when the URL guard refuses it.
void start(Loop& loop, Endpoint& endpoint, const std::string& key, std::unique_ptr<Job> job,
           const TransportOptions& options) {
    const bool http = job->kind == Job::Kind::http;
    auto url = check_url(job->url(), http ? UrlUse::http : UrlUse::smtp);
    if (!url.ok()) {
        Outcome o;
        o.kind = Outcome::Kind::failed;
        o.detail = url.error().message;
        job->done(std::move(o));
        return;
    }
    auto t = std::make_unique<Transfer>();
    t->job = std::move(job);
    t->endpoint = key;
    t->host = url->host;
    t->body_max = options.response_body_bytes_max;
    t->result.protocol = http ? Protocol::http : Protocol::smtp;
    t->easy = curl_easy_init();
    if (t->easy == nullptr) {
        t->job->done(retry("out of memory starting a transfer"));
        return;
    }
    if (http) {
        set_http(*t, options);
    } else {
        set_mail(*t, options, url->scheme);
    }
    curl_multi_add_handle(loop.multi, t->easy);
    ++endpoint.in_flight;
    CURL* easy = t->easy;
    loop.transfers.emplace(easy, std::move(t));
}

bool ready(const Endpoint& endpoint, SteadyClock::time_point now) {
    if (endpoint.queue.empty()) return false;
    const Pacing& pacing = endpoint.queue.front()->pacing();
    return endpoint.in_flight < std::max<std::size_t>(1, pacing.in_flight_max) &&
           now >= endpoint.next_start && now >= endpoint.paused_until;
}

// Answers what waited too long, then starts what each endpoint's pace and the global cap
// allow, oldest first across endpoints, so that the cap delays requests in arrival order.
void start_ready(Loop& loop, const TransportOptions& options) {
    const auto now = SteadyClock::now();
    for (auto& [key, endpoint] : loop.endpoints) {
        // A queue is in arrival order: only its head can be the oldest.
        while (!endpoint.queue.empty() &&
               now - endpoint.queue.front()->queued_at > options.queue_wait) {
            auto job = std::move(endpoint.queue.front());
            endpoint.queue.pop_front();
            --loop.queued;
            job->done(retry("waited too long for a busy or paused endpoint"));
        }
    }
    while (loop.transfers.size() < options.transfers_max) {
        std::pair<const std::string, Endpoint>* oldest = nullptr;
        for (auto& entry : loop.endpoints) {
            if (!ready(entry.second, now)) continue;
            if (oldest == nullptr ||
                entry.second.queue.front()->sequence < oldest->second.queue.front()->sequence) {
                oldest = &entry;
            }
        }
        if (oldest == nullptr) break;
        Endpoint& endpoint = oldest->second;
        auto job = std::move(endpoint.queue.front());
        endpoint.queue.pop_front();
        --loop.queued;
        endpoint.next_start = now + job->pacing().interval;
        start(loop, endpoint, oldest->first, std::move(job), options);
    }
}

// Answers every finished transfer.
void collect_finished(Loop& loop) {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(loop.multi, &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        const auto found = loop.transfers.find(message->easy_handle);
        BATON_ASSERT(found != loop.transfers.end());
        const CURLcode code = message->data.result;
        std::unique_ptr<Transfer> t = std::move(found->second);
        loop.transfers.erase(found);
        curl_multi_remove_handle(loop.multi, t->easy);

        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        t->result.status = static_cast<int>(status);
        t->result.error = error_kind(code, *t);
        if (t->result.error != TransferError::none) t->result.error_text = error_text(code, *t);
        Outcome outcome = outcome_of(t->result, std::chrono::time_point_cast<Milliseconds>(
                                                    std::chrono::system_clock::now()));

        Endpoint& endpoint = loop.endpoints[t->endpoint];
        --endpoint.in_flight;
        if (outcome.status == 429 && outcome.retry_after) {
            // The endpoint said how long to leave it alone; the queue behind it waits too.
            endpoint.paused_until =
                SteadyClock::now() +
                std::min(*outcome.retry_after, Milliseconds(limits::endpoint_pause_max));
        }
        t->job->done(std::move(outcome));
    }
}

// Forgets endpoints with nothing queued, in flight or still pacing, at most once a second.
void sweep(Loop& loop) {
    const auto now = SteadyClock::now();
    if (now - loop.last_sweep < std::chrono::seconds(1)) return;
    loop.last_sweep = now;
    std::erase_if(loop.endpoints, [&](const auto& entry) {
        const Endpoint& e = entry.second;
        return e.queue.empty() && e.in_flight == 0 && now >= e.next_start && now >= e.paused_until;
    });
}

// How long the thread may sleep before a paced request becomes due (libcurl shortens it for
// its own timers, and a wake-up or socket activity ends it early).
int wait_ms(const Loop& loop, const TransportOptions& options) {
    const auto now = SteadyClock::now();
    auto wait = std::chrono::milliseconds(1000);
    for (const auto& [key, endpoint] : loop.endpoints) {
        if (endpoint.queue.empty()) continue;
        const auto& pacing = endpoint.queue.front()->pacing();
        if (endpoint.in_flight >= std::max<std::size_t>(1, pacing.in_flight_max)) continue;
        const auto due = std::max(endpoint.next_start, endpoint.paused_until);
        const auto expiry = endpoint.queue.front()->queued_at + options.queue_wait;
        const auto until = std::min(due, expiry);
        wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(
                                  std::max(until - now, SteadyClock::duration::zero())));
    }
    return static_cast<int>(wait.count());
}

}  // namespace

void CurlTransport::run() {
    Loop& loop = *loop_;
    for (;;) {
        std::vector<std::unique_ptr<Job>> arrived;
        bool stop = false;
        {
            std::lock_guard lock(mutex_);
            arrived.swap(inbox_);
            stop = stopping_;
        }
        for (auto& job : arrived) {
            if (stop || job->kind == Job::Kind::finished) {
                job->done(job->kind == Job::Kind::finished ? job->outcome : retry("shutting down"));
            } else if (loop.queued >= options_.queued_sends_max) {
                job->done(retry("too many messages waiting to be sent"));
            } else {
                job->queued_at = SteadyClock::now();
                job->sequence = ++loop.sequence;
                const std::string key = endpoint_key(*job);
                loop.endpoints[key].queue.push_back(std::move(job));
                ++loop.queued;
            }
        }
        if (stop) break;
        start_ready(loop, options_);
        int running = 0;
        curl_multi_perform(loop.multi, &running);
        collect_finished(loop);
        start_ready(loop, options_);
        sweep(loop);
        curl_multi_poll(loop.multi, nullptr, 0, wait_ms(loop, options_), nullptr);
    }

    // Stopping: everything in flight or queued is answered "retry"; the dispatcher keeps the
    // outbox rows, so nothing is lost.
    for (auto& [easy, t] : loop.transfers) {
        curl_multi_remove_handle(loop.multi, easy);
        t->job->done(retry("shutting down"));
    }
    loop.transfers.clear();
    for (auto& [key, endpoint] : loop.endpoints) {
        for (auto& job : endpoint.queue) job->done(retry("shutting down"));
    }
    loop.endpoints.clear();
    loop.queued = 0;
    // A callback above may have sent again; answer until nothing more arrives.
    for (;;) {
        std::vector<std::unique_ptr<Job>> arrived;
        {
            std::lock_guard lock(mutex_);
            if (inbox_.empty()) {
                accepting_ = false;
                break;
            }
            arrived.swap(inbox_);
        }
        for (auto& job : arrived) {
            job->done(job->kind == Job::Kind::finished ? job->outcome : retry("shutting down"));
        }
    }
    curl_multi_cleanup(loop.multi);
    loop.multi = nullptr;
}

}  // namespace baton::channels
