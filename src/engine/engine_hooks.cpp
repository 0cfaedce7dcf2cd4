// POST /hooks/{source}: the pipeline of an inbound webhook call and its delivery log.
//
// A call goes through, in order: the source (sources.yaml), its signature or credential
// (crypto/signatures.h, over the raw bytes, before anything is parsed), the JSON body, the
// GitHub event-type check, Slack's URL check, the source's mapping (core::events_of_delivery)
// and the events' own checks; then its events are ingested. Whatever happens, the call is
// logged (store::HookDeliveryRecord) with the stage that refused it, its headers with
// credentials redacted, and its body, so that an admin can see why a sender was refused and
// replay the call once the cause is fixed. The events and the log row of an accepted call
// commit in one transaction: acknowledged means both are stored.
//
// What the log keeps of a refusal nobody verified is bounded (a body prefix, a budget a
// minute per source name), since anyone can make such a call.
#include <algorithm>
#include <cctype>

#include "core/diagnostic.h"
#include "core/github_events.h"
#include "core/limits.h"
#include "core/source_presets.h"
#include "core/utf8.h"
#include "crypto/crypto.h"
#include "crypto/signatures.h"
#include "engine/engine.h"
#include "engine/json_views.h"

namespace baton::engine {

namespace {

using store::HookDeliveryRecord;

std::string lowered(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Headers whose value is a credential: never logged. Signature headers are kept (an HMAC
// of one call proves nothing about the next, and a replay checks them again).
bool is_credential_header(const std::string& name) {
    const std::string n = lowered(name);
    if (n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie") {
        return true;
    }
    for (const char* word : {"token", "secret", "password", "api-key", "apikey"}) {
        if (n.find(word) != std::string::npos) return true;
    }
    return false;
}

// Text the store can keep as it is (UTF-8, no NUL byte, as PostgreSQL's text requires),
// cut at `max` bytes; `partial` is set when it is not the input as it came.
std::string storable(std::string_view text, std::size_t max, bool& partial) {
    std::string out(text.substr(0, std::min(text.size(), max)));
    if (out.size() < text.size()) {
        // Cut on a character boundary, so that the cut itself adds no bad byte.
        while (!out.empty() && !core::is_utf8(out) &&
               (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
            out.pop_back();
        }
        if (!out.empty() && !core::is_utf8(out)) out.pop_back();
        partial = true;
    }
    if (out.find('\0') != std::string::npos) {
        std::erase(out, '\0');
        partial = true;
    }
    if (!core::is_utf8(out)) {
        out = core::utf8_repaired(out);
        partial = true;
    }
    return out;
}

nlohmann::json logged_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [name, value] : headers) {
        if (out.size() >= limits::hook_headers_kept_max) break;
        bool cut = false;
        const std::string shown = is_credential_header(name)
                                      ? std::string("•••")
                                      : storable(value, limits::hook_header_value_bytes_max, cut);
        out.push_back(nlohmann::json::array({storable(name, 200, cut), shown}));
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> headers_of(const nlohmann::json& logged) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!logged.is_array()) return out;
    for (const auto& h : logged) {
        if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
            out.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
        }
    }
    return out;
}

// A credential the log redacted cannot be checked again.
bool has_redacted_credential(const nlohmann::json& logged) {
    for (const auto& [name, value] : headers_of(logged)) {
        if (is_credential_header(name) && value == "•••") return true;
    }
    return false;
}

// What the log says of ingested events: "2 events, 1 new handoff (#14), 1 duplicate".
std::string summary_of(const std::vector<std::pair<core::Event, IngestResult>>& events) {
    int duplicates = 0;
    std::vector<std::int64_t> started;
    std::size_t ticked = 0;
    for (const auto& [event, result] : events) {
        if (result.duplicate) {
            ++duplicates;
            continue;
        }
        started.insert(started.end(), result.handoff_ids.begin(), result.handoff_ids.end());
        ticked += result.ticked_ids.size();
    }
    std::string out = std::to_string(events.size()) + (events.size() == 1 ? " event" : " events");
    if (!started.empty()) {
        out += ", started " + std::to_string(started.size()) +
               (started.size() == 1 ? " handoff (" : " handoffs (");
        for (std::size_t i = 0; i < started.size(); ++i) {
            out += (i == 0 ? "#" : ", #") + std::to_string(started[i]);
        }
        out += ")";
    }
    if (ticked > 0) out += ", ticked " + std::to_string(ticked) + " checklist(s)";
    if (duplicates > 0) out += ", " + std::to_string(duplicates) + " already stored";
    if (started.empty() && ticked == 0 && duplicates == 0) out += ", matched no playbook";
    return out;
}

std::string outcome_of(const std::vector<std::pair<core::Event, IngestResult>>& events) {
    bool all_duplicates = true;
    bool matched = false;
    for (const auto& [event, result] : events) {
        if (!result.duplicate) all_duplicates = false;
        if (!result.duplicate && (!result.handoff_ids.empty() || !result.ticked_ids.empty())) {
            matched = true;
        }
    }
    if (all_duplicates) return "duplicate";
    return matched ? "accepted" : "unmatched";
}

nlohmann::json events_json(const std::vector<std::pair<core::Event, IngestResult>>& events) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [event, result] : events) out.push_back(ingest_result_json(event, result));
    return out;
}

// Slack's Events API checks a URL before it sends anything: a signed url_verification body,
// to be answered with its challenge. Nothing but the log row is stored.
std::optional<Result<std::string>> slack_challenge(const nlohmann::json& payload) {
    if (!payload.is_object() || payload.value("type", "") != "url_verification") {
        return std::nullopt;
    }
    const auto challenge = payload.find("challenge");
    if (challenge == payload.end() || !challenge->is_string() ||
        challenge->get<std::string>().empty()) {
        return Result<std::string>(make_error(
            ErrorCode::invalid_argument, "a url_verification without a challenge", "challenge"));
    }
    return Result<std::string>(challenge->get<std::string>());
}

}  // namespace

bool Engine::unverified_log_allowed(const std::string& source, TimePoint now) {
    const std::int64_t minute = to_unix_ms(now) / 60'000;
    std::lock_guard<std::mutex> lock(hook_budget_mutex_);
    std::string key = source;
    if (!hook_budget_.contains(key) && hook_budget_.size() >= limits::hook_budget_sources_max) {
        // Forget the minutes gone by before sharing one budget among the rest.
        std::erase_if(hook_budget_,
                      [&](const auto& entry) { return entry.second.minute < minute; });
        if (hook_budget_.size() >= limits::hook_budget_sources_max) key = "?";
    }
    HookBudget& budget = hook_budget_[key];
    if (budget.minute != minute) budget = HookBudget{minute, 0};
    if (budget.logged >= limits::hook_unverified_log_per_minute) return false;
    ++budget.logged;
    return true;
}

Result<Engine::HookReceipt> Engine::receive_hook(const HookCall& call) {
    return run_hook(call, clock_.now(), nullptr);
}

Result<Engine::HookReceipt> Engine::run_hook(const HookCall& call, TimePoint received,
                                             const HookDeliveryRecord* original) {
    const TimePoint now = clock_.now();
    HookReceipt receipt;
    HookDeliveryRecord log;
    bool name_cut = false;
    log.source = storable(call.source, limits::hook_source_name_bytes_max, name_cut);
    log.received_at = now;
    log.method = call.method;
    log.uri = storable(call.uri, limits::url_bytes_max, name_cut);
    log.headers = logged_headers(call.headers);
    if (original != nullptr) log.replay_of = original->id;

    // Logs the call as refused at `stage` (within the budget when it was never verified)
    // and answers the receipt that says so.
    auto refuse = [&](std::string stage, Error error) -> Result<HookReceipt> {
        log.outcome = "refused";
        log.stage = stage;
        log.field = error.field;
        log.message = error.message;
        if (!log.verified) {
            log.body =
                storable(call.body, limits::hook_unverified_body_bytes_max, log.body_partial);
        } else {
            log.body = storable(call.body, call.body.size(), log.body_partial);
        }
        receipt.outcome = "refused";
        receipt.stage = std::move(stage);
        receipt.refusal = std::move(error);
        if (!log.verified && original == nullptr && !unverified_log_allowed(log.source, now)) {
            ++hook_refusals_unlogged_;
            return receipt;
        }
        std::int64_t logged = 0;
        Status st = store_.write([&](store::Transaction& tx) -> Status {
            auto inserted = tx.insert_hook_delivery(log);
            if (!inserted) return inserted.error();
            logged = *inserted;
            return ok_status();
        });
        if (!st) return st.error();
        receipt.delivery_id = logged;
        return receipt;
    };

    auto source = this->source(call.source);
    if (!source) {
        if (source.error().code != ErrorCode::not_found) return source.error();
        return refuse("source", source.error());
    }
    receipt.batch = source->batch;
    auto scheme = crypto::parse_signature_scheme(source->scheme);
    if (!scheme) {
        return make_error(ErrorCode::internal,
                          "source `" + source->name + "` has an unknown scheme");
    }

    // The signature, checked against the source's secrets as of when the call arrived (a
    // replay checks a stored call again at its own arrival time).
    crypto::VerifiedDelivery facts;
    if (original != nullptr && original->verified &&
        (*scheme == crypto::SignatureScheme::basic || *scheme == crypto::SignatureScheme::bearer)) {
        // Verified when it came; its credential was not kept, and these schemes carry no
        // facts of their own, so there is nothing to check again.
    } else {
        if (original != nullptr && has_redacted_credential(original->headers) &&
            (*scheme == crypto::SignatureScheme::basic ||
             *scheme == crypto::SignatureScheme::bearer)) {
            return make_error(ErrorCode::conflict,
                              "delivery " + std::to_string(original->id) +
                                  " carried a credential that was not kept, so it cannot be "
                                  "checked again; ask the sender to send it again",
                              "signature");
        }
        std::vector<crypto::Header> headers;
        headers.reserve(call.headers.size());
        for (const auto& [n, v] : call.headers) headers.push_back({n, v});
        crypto::SignedRequest request{headers, call.body, {}, received};
        request.method = call.method;
        request.uri = call.uri;
        auto verified = crypto::verify_signature_any(*scheme, request, source->secrets);
        if (!verified) {
            Error e = verified.error();
            if (e.field.empty()) e.field = "signature";
            return refuse("signature", std::move(e));
        }
        facts = std::move(verified).value();
    }
    log.verified = true;

    auto payload = core::parse_json_limited(call.body, limits::event_bytes_max);
    if (!payload) return refuse("body", payload.error());
    if (*scheme == crypto::SignatureScheme::github) {
        // The type header is not signed: the signed body must agree.
        if (auto mismatch = core::github_event_mismatch(facts.event_type, *payload)) {
            return refuse("event-type",
                          make_error(ErrorCode::invalid_argument, *mismatch, "X-GitHub-Event"));
        }
    }
    if (*scheme == crypto::SignatureScheme::slack) {
        if (auto challenge = slack_challenge(*payload)) {
            if (!*challenge) return refuse("body", challenge->error());
            receipt.challenge = **challenge;
        }
    }

    std::vector<core::Event> events;
    if (receipt.challenge.empty()) {
        auto mapped =
            core::events_of_delivery(*source, *payload, {facts.delivery_id, facts.event_type}, now);
        if (!mapped) return refuse("mapping", mapped.error());
        events = std::move(mapped).value();
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (auto st = core::validate_event(events[i]); !st) {
                Error e = st.error();
                if (source->batch) e.field = "[" + std::to_string(i) + "]." + e.field;
                return refuse("event", std::move(e));
            }
        }
    }

    // Accepted: the events and the log row in one transaction.
    log.body = storable(call.body, call.body.size(), log.body_partial);
    bool snapshot_was_stale = false;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        receipt.events.clear();
        for (const core::Event& event : events) {
            IngestResult result;
            if (auto s = ingest_in(tx, event, now, result, &snapshot_was_stale); !s) return s;
            receipt.events.emplace_back(event, std::move(result));
        }
        log.outcome = receipt.challenge.empty() ? outcome_of(receipt.events) : "challenge";
        log.message = receipt.challenge.empty() ? summary_of(receipt.events)
                                                : "answered the sender's URL check";
        log.events = events_json(receipt.events);
        auto inserted = tx.insert_hook_delivery(log);
        if (!inserted) return inserted.error();
        receipt.delivery_id = *inserted;
        return ok_status();
    });
    if (!st) return st.error();
    if (snapshot_was_stale) (void)refresh_snapshot();
    receipt.outcome = log.outcome;
    return receipt;
}

std::optional<Error> Engine::replay_refusal(const HookDeliveryRecord& d) {
    const std::string which = "delivery " + std::to_string(d.id);
    if (d.replay_of != 0) {
        return make_error(
            ErrorCode::conflict,
            which + " is a replay of delivery " + std::to_string(d.replay_of) + ": replay that one",
            "id");
    }
    if (d.replayed_at) {
        return make_error(
            ErrorCode::conflict,
            which + " was replayed already, by delivery " + std::to_string(d.replayed_by), "id");
    }
    if (d.outcome != "refused") {
        return make_error(
            ErrorCode::conflict,
            which + " was " + d.outcome + ", not refused: only a refused delivery is replayed",
            "id");
    }
    if (d.body_partial) {
        return make_error(ErrorCode::conflict,
                          which + "'s body was not kept whole (it was cut at " +
                              std::to_string(limits::hook_unverified_body_bytes_max) +
                              " bytes or was not UTF-8), so it cannot be replayed",
                          "body");
    }
    return std::nullopt;
}

Result<HookDeliveryRecord> Engine::replay_hook_delivery(std::int64_t id) {
    auto original = hook_delivery(id);
    if (!original) return original.error();
    if (auto refusal = replay_refusal(*original)) return *refusal;
    HookCall call;
    call.source = original->source;
    call.method = original->method;
    call.uri = original->uri;
    call.headers = headers_of(original->headers);
    call.body = original->body;
    auto receipt = run_hook(call, original->received_at, &*original);
    if (!receipt) return receipt.error();
    return hook_delivery(receipt->delivery_id);
}

Result<std::vector<HookDeliveryRecord>> Engine::hook_deliveries(
    const store::HookDeliveryFilter& filter) {
    return read_value<std::vector<HookDeliveryRecord>>(
        [&](store::Transaction& tx) { return tx.list_hook_deliveries(filter); });
}

Result<HookDeliveryRecord> Engine::hook_delivery(std::int64_t id) {
    auto found = read_value<std::optional<HookDeliveryRecord>>(
        [&](store::Transaction& tx) { return tx.hook_delivery(id); });
    if (!found) return found.error();
    if (!*found) {
        return make_error(ErrorCode::not_found, "no delivery " + std::to_string(id), "id");
    }
    return std::move(**found);
}

Result<std::int64_t> Engine::expire_hook_deliveries(Milliseconds keep, std::size_t limit) {
    const TimePoint before = clock_.now() - keep;
    std::int64_t removed = 0;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        auto n = tx.expire_hook_deliveries(before, limit);
        if (!n) return n.error();
        removed = *n;
        return ok_status();
    });
    if (!st) return st.error();
    return removed;
}

namespace {

// A new secret for `scheme`, in the form its verifier takes: Standard Webhooks' whsec_ and
// base64, Basic's user:password, and hex (a bearer token, an HMAC key) for the rest.
Result<std::string> new_secret(crypto::SignatureScheme scheme) {
    auto bytes = crypto::random_bytes(crypto::token_random_bytes);
    if (!bytes) return bytes.error();
    if (scheme == crypto::SignatureScheme::standard_webhooks) {
        return "whsec_" + crypto::base64_encode(*bytes);
    }
    if (scheme == crypto::SignatureScheme::basic) return "baton:" + crypto::hex_encode(*bytes);
    return crypto::hex_encode(*bytes);
}

// `text` (a sources.yaml, possibly empty) with one more entry at the end of its `sources:`
// list, indented as the list's first entry is.
std::string with_source_appended(std::string text, const std::string& entry_name,
                                 const std::string& preset, const std::string& secret) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) text = "sources:\n";
    if (text.back() != '\n') text += '\n';
    std::string indent = "  ";
    const auto list = text.find("sources:");
    if (list != std::string::npos) {
        const auto dash = text.find('-', list);
        const auto line = text.rfind('\n', dash);
        if (dash != std::string::npos && line != std::string::npos && line > list) {
            const std::string lead = text.substr(line + 1, dash - line - 1);
            if (lead.find_first_not_of(' ') == std::string::npos) indent = lead;
        }
    }
    text += indent + "- name: " + entry_name + "\n" + indent + "  preset: " + preset + "\n" +
            indent + "  secret: \"" + secret + "\"\n";
    return text;
}

}  // namespace

Result<Engine::NewSource> Engine::add_source(const std::string& name, const std::string& preset) {
    const core::SourcePreset* found = core::find_source_preset(preset);
    if (found == nullptr) {
        std::vector<std::string> names;
        for (const auto& p : core::source_presets()) names.push_back(p.name);
        return make_error(ErrorCode::invalid_argument,
                          "no preset `" + preset + "`" + core::did_you_mean(preset, names),
                          "preset");
    }
    auto scheme = crypto::parse_signature_scheme(found->scheme);
    if (!scheme) return make_error(ErrorCode::internal, "preset `" + preset + "` has no scheme");
    if (auto taken = source(name); taken) {
        return make_error(ErrorCode::conflict, "there is a source called `" + name + "` already",
                          "name");
    } else if (taken.error().code != ErrorCode::not_found) {
        return taken.error();
    }
    auto secret = new_secret(*scheme);
    if (!secret) return secret.error();
    auto current = sources_record();
    if (!current) return current.error();
    const int version = current->has_value() ? (*current)->version : 0;
    const std::string text = with_source_appended(
        current->has_value() ? (*current)->text : std::string(), name, preset, *secret);
    const auto parsed = core::parse_sources(text, "sources.yaml");
    const core::Source* added = parsed.sources ? parsed.sources->find(name) : nullptr;
    if (added == nullptr || added->preset != preset) {
        // The name is what the loader refused, or the stored file is laid out (flow style,
        // other keys after the list) so that an entry cannot simply be added at its end.
        for (const auto& d : parsed.errors) {
            if (d.message.find("name") != std::string::npos) {
                return make_error(ErrorCode::invalid_argument, d.message, "name");
            }
        }
        return make_error(ErrorCode::conflict,
                          "sources.yaml is laid out so that Baton cannot add to it: add the "
                          "source there by hand (docs/sources.md)",
                          "sources.yaml");
    }
    auto stored = put_source({"sources.yaml", text}, version);
    if (!stored) return stored.error();
    return NewSource{name, preset, "/hooks/" + name, *secret};
}

Result<HookDeliveryRecord> Engine::send_sample_delivery(const std::string& name) {
    auto source = this->source(name);
    if (!source) return source.error();
    const core::SourcePreset* preset = core::find_source_preset(source->preset);
    if (preset == nullptr) {
        return make_error(ErrorCode::conflict,
                          "source `" + name +
                              "` has no preset, so Baton does not know what its sender sends: "
                              "send a real call from the sender instead",
                          "preset");
    }
    auto scheme = crypto::parse_signature_scheme(source->scheme);
    if (!scheme || source->secrets.empty()) {
        return make_error(ErrorCode::internal, "source `" + name + "` has no usable scheme");
    }
    const TimePoint now = clock_.now();
    const core::PresetSample sample = core::preset_sample(*preset, to_unix_ms(now));
    HookCall call;
    call.source = name;
    call.uri = source->url.empty() ? "https://localhost/hooks/" + name : source->url;
    call.body = sample.body;
    auto signed_headers =
        crypto::sign_request(*scheme, source->secrets.front(), call.body, now, call.method,
                             call.uri, "sample-" + std::to_string(to_unix_ms(now)));
    if (!signed_headers) return signed_headers.error();
    call.headers = {{"Content-Type", "application/json"},
                    {"User-Agent", "Baton test delivery"},
                    {"X-Baton-Sample", "true"}};
    call.headers.insert(call.headers.end(), sample.headers.begin(), sample.headers.end());
    for (const auto& h : *signed_headers) call.headers.emplace_back(h.name, h.value);
    auto receipt = run_hook(call, now, nullptr);
    if (!receipt) return receipt.error();
    if (receipt->delivery_id == 0) {
        return make_error(ErrorCode::internal, "the test delivery was not logged");
    }
    return hook_delivery(receipt->delivery_id);
}

}  // namespace baton::engine
