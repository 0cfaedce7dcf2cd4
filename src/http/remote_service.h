// RemoteService: engine::Service over a Baton server's HTTP API, for the CLI's remote mode
// (--server URL or BATON_URL, with BATON_TOKEN). Each operation is one route (or a few);
// the JSON answers become the same domain values the engine answers (json_views.h), so the
// CLI prints the same output in both modes.
//
// The server acts as the token's person: `acting_as` refuses a handle (--as), and the actor
// passed to act() and reassign() is not sent. A problem+json answer becomes an Error with
// the code of its status and the problem's detail as its message; a server that cannot be
// reached is `unavailable` ("cannot reach URL: reason"). `apply` lints the files together
// first (as the engine does, against the server's stored people and playbooks) and then
// PUTs them one by one (people.yaml, sources.yaml, channels.yaml and templates/NAME.md to
// their routes, then the playbooks); `current_sources` leaves out sources.yaml and
// channels.yaml, whose secrets never leave the server (GET /v1/channels is redacted), and
// brings the message templates; `backup` is refused (it runs on the server's machine).
//
// Ownership: owns its HttpClient; borrows the clock, which must outlive it. Threading: not
// thread-safe (one connection), like the client.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/clock.h"
#include "engine/service.h"
#include "http/client.h"

namespace baton::http {

// The error code for an HTTP status that is not a success: 400 and 422 invalid_argument,
// 401 and 403 forbidden, 404 not_found, 409 and 412 conflict, 413 limit_exceeded, 429 and
// 503 unavailable, anything else internal.
ErrorCode error_code_for_status(int status);

class RemoteService final : public engine::Service {
public:
    RemoteService(std::unique_ptr<HttpClient> client, const engine::Clock& clock);

    Result<std::vector<engine::AppliedFile>> apply(
        const std::vector<engine::SourceFile>& files) override;
    Result<std::vector<engine::SourceFile>> current_sources() override;
    Result<engine::IngestResult> ingest(const core::Event& event) override;
    Result<engine::DeliveryTest> test_delivery(const std::string& source_name,
                                               const std::string& payload,
                                               const core::DeliveryFacts& facts) override;
    Result<core::Actor> acting_as(const std::string& handle) override;
    Result<core::Handoff> act(std::int64_t id, const core::Action& action,
                              const core::Actor& actor) override;
    Result<core::Handoff> reassign(std::int64_t id, const std::string& to,
                                   const std::string& reason, const core::Actor& actor) override;
    Result<core::Handoff> show(std::int64_t id) override;
    Result<std::vector<core::Handoff>> list(const engine::ListQuery& query) override;
    Result<engine::Relay> relay(const std::string& subject) override;
    Result<std::vector<core::ReportRow>> report(Milliseconds since, core::ReportBy by) override;
    Result<std::vector<store::EventRecord>> events(const store::EventFilter& filter) override;
    Result<std::vector<store::HookDeliveryRecord>> hook_deliveries(
        const store::HookDeliveryFilter& filter) override;
    Result<store::HookDeliveryRecord> hook_delivery(std::int64_t id) override;
    Result<store::HookDeliveryRecord> replay_hook_delivery(std::int64_t id) override;
    Result<engine::NewToken> create_token(const std::string& handle,
                                          const std::string& label) override;
    Status revoke_token(std::int64_t id) override;
    Result<std::vector<store::TokenRecord>> tokens() override;
    Status set_password(const std::string& handle, const std::string& password) override;
    Status backup(const std::string& path) override;
    std::string describe_store() const override;
    TimePoint now() const override;

private:
    // Sends a request; a 2xx answer's JSON body, or the Error the answer stands for.
    Result<nlohmann::json> call(const ClientRequest& request);
    Result<nlohmann::json> get(const std::string& target);
    // A 2xx answer's body as it is (a template's Markdown), or the Error it stands for.
    Result<std::string> get_text(const std::string& target);
    Result<nlohmann::json> post(const std::string& target, const nlohmann::json& body,
                                bool retry_safe = true);
    Error error_from(const Response& response) const;
    Error malformed(const std::string& what) const;
    Result<core::Handoff> handoff_answer(const Result<nlohmann::json>& answer);

    // apply's two halves.
    Status lint_like_the_server(const std::vector<engine::SourceFile>& files);
    Result<engine::AppliedFile> put_file(const engine::SourceFile& file);

    const std::unique_ptr<HttpClient> client_;
    const engine::Clock& clock_;
};

// The factory the application hands the CLI: a RemoteService on `url` with `token`.
struct RemoteOptions {
    std::string url;
    std::string token;
    ClientLimits limits{};
};
Result<std::unique_ptr<engine::Service>> open_remote(const RemoteOptions& options,
                                                     const engine::Clock& clock);

}  // namespace baton::http
