// The engine's side of the outbox: resolving leased rows into notifications for the
// channels, recording how each attempt ended, and the one-click links of emails.
#include <nlohmann/json.hpp>

#include "core/delivery.h"
#include "core/limits.h"
#include "core/template.h"
#include "core/utf8.h"
#include "core/workspace.h"
#include "crypto/crypto.h"
#include "engine/effects.h"
#include "engine/engine.h"
#include "engine/snapshot.h"

namespace baton::engine {

using detail::system_entry;

namespace {

// A target as the timeline shows it: a URL (a Slack response_url, a webhook) by its scheme
// and host only, because its path is a bearer secret and every reader sees the timeline;
// an email address or a channel name as it is. The outbox row keeps the whole target.
std::string timeline_target(const std::string& target) {
    const auto parts = core::split_url(target);
    if (!parts) return target;
    return parts->scheme + parts->host + (parts->rest.empty() ? "" : "/…");
}

constexpr const char* link_key_document = "secret:links";
constexpr Milliseconds link_lifetime{7LL * 24 * 3600 * 1000};

std::string summary_of(const core::Handoff& h, const std::string& what,
                       const std::string& actor) {
    const std::string who = actor.empty() || actor == "baton" ? h.owner : actor;
    if (what == "created") return h.giver + " handed " + h.subject + " to " + h.owner + ": " + h.title;
    if (what == "reminded") return "Reminder: " + h.subject + " is waiting for " + h.owner + " to accept";
    if (what == "overdue") return "Overdue: " + h.subject + " (" + h.title + "), held by " + h.owner;
    if (what == "escalated") {
        return "Escalated (level " + std::to_string(h.escalation_level) + "): " + h.subject +
               ", held by " + h.owner;
    }
    if (what == "reassigned") return h.subject + " was reassigned to " + h.owner;
    return who + " " + what + " " + h.subject;  // accepted, declined, done, cancelled
}

Error unresolvable(std::string message) {
    return make_error(ErrorCode::invalid_argument, std::move(message));
}

}  // namespace

Result<std::shared_ptr<const core::ChannelsConfig>> Engine::channels_in(store::Transaction& tx) {
    auto doc = tx.current_document("channels");
    if (!doc) return doc.error();
    const std::string text = doc->has_value() ? (*doc)->text : std::string();
    std::lock_guard lock(cache_mutex_);
    if (!channels_ || text != channels_text_) {
        if (text.empty()) {
            channels_.reset();
        } else {
            auto parsed = core::parse_channels(text, "channels.yaml");
            if (!parsed.config) {
                return make_error(ErrorCode::corrupt,
                                  "stored channels.yaml no longer parses: " +
                                      (parsed.errors.empty() ? std::string()
                                                             : parsed.errors.front().format()));
            }
            channels_ = std::make_shared<const core::ChannelsConfig>(std::move(*parsed.config));
        }
        channels_text_ = text;
    }
    return channels_;
}

Result<std::map<std::string, std::int64_t>> Engine::outbox_counts() {
    return read_value<std::map<std::string, std::int64_t>>(
        [&](store::Transaction& tx) { return tx.count_outbox_by_status(); });
}

Result<std::shared_ptr<const core::ChannelsConfig>> Engine::channels_config() {
    std::shared_ptr<const core::ChannelsConfig> out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto c = channels_in(tx);
        if (!c) return c.error();
        out = *c;
        return ok_status();
    });
    if (!st) return st.error();
    if (!out) return std::make_shared<const core::ChannelsConfig>();
    return out;
}

Result<bool> Engine::channels_applied() {
    bool applied = false;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto c = channels_in(tx);
        if (!c) return c.error();
        applied = *c != nullptr;
        return ok_status();
    });
    if (!st) return st.error();
    return applied;
}

// The link key signs one-click links and derives delivery ids, so every node of a workspace
// must use the same one, for good. Two rules keep it so. It is cached only after the
// transaction that read or made it has committed (remember_link_key): a transaction sees its
// own uncommitted key, and caching that, then rolling back (a lost connection), would leave
// this process signing with a key no other node has. And the first key committed stands: two
// nodes that both found none (READ COMMITTED, on PostgreSQL) both add a version, so the one
// whose version is not the first fails with a conflict, rolls back, and its retry reads the
// first (retry_link_key_race).
Result<std::string> Engine::link_key(store::Transaction& tx, bool create) {
    {
        std::lock_guard lock(cache_mutex_);
        if (!link_key_.empty()) return link_key_;
    }
    auto doc = tx.current_document(link_key_document);
    if (!doc) return doc.error();
    if (doc->has_value()) return (*doc)->text;
    if (!create) return make_error(ErrorCode::forbidden, "this link is not valid", "token");
    auto bytes = crypto::random_bytes(32);
    if (!bytes) return bytes.error();
    const std::string key = crypto::hex_encode(*bytes);
    auto put = tx.put_document(link_key_document, key, clock_.now());
    if (!put) return put.error();
    if (*put != 1) {
        return make_error(ErrorCode::conflict,
                          "another node made the workspace's link key at the same moment",
                          link_key_document);
    }
    return key;
}

void Engine::remember_link_key(const std::string& key) {
    if (key.empty()) return;
    std::lock_guard lock(cache_mutex_);
    BATON_ASSERT(link_key_.empty() || link_key_ == key);
    link_key_ = key;
}

Status Engine::retry_link_key_race(const store::TransactionFn& fn) {
    Status st = store_.write(fn);
    if (!st && st.error().code == ErrorCode::conflict && st.error().field == link_key_document) {
        st = store_.write(fn);  // reads the key the other node made
    }
    return st;
}

namespace {

std::string sign_link(const std::string& key, std::int64_t handoff_id, const std::string& action,
                      const std::string& handle, TimePoint expires, const std::string& nonce) {
    const nlohmann::json claims = {
        {"h", handoff_id}, {"a", action}, {"p", handle}, {"e", to_unix_ms(expires)}, {"n", nonce}};
    const std::string body = crypto::base64url_encode_unpadded(core::dump_json(claims));
    return body + "." + crypto::base64url_encode_unpadded(crypto::hmac_sha256(key, body));
}

}  // namespace

Result<std::string> Engine::make_link(std::int64_t handoff_id, const std::string& action,
                                      const std::string& handle, TimePoint expires) {
    std::string key;
    Status st = retry_link_key_race([&](store::Transaction& tx) -> Status {
        auto k = link_key(tx, true);
        if (!k) return k.error();
        key = *k;
        return ok_status();
    });
    if (!st) return st.error();
    remember_link_key(key);
    auto nonce = crypto::random_bytes(12);
    if (!nonce) return nonce.error();
    return sign_link(key, handoff_id, action, handle, expires, crypto::hex_encode(*nonce));
}

Result<Engine::LinkUse> Engine::peek_link(const std::string& token) {
    const Error forged = make_error(ErrorCode::forbidden, "this link is not valid", "token");
    if (token.size() > 2048) return forged;
    const auto dot = token.find('.');
    if (dot == std::string::npos) return forged;
    const std::string body = token.substr(0, dot);
    std::string key;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto k = link_key(tx, false);
        if (!k) return k.error();
        key = *k;
        return ok_status();
    });
    if (!st) return st.error();
    remember_link_key(key);  // read in a read transaction: committed
    const std::string expected = crypto::base64url_encode_unpadded(crypto::hmac_sha256(key, body));
    if (!crypto::constant_time_equal(expected, token.substr(dot + 1))) return forged;
    // base64url without padding → standard base64 for the decoder.
    std::string b64 = body;
    for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (b64.size() % 4 != 0) b64 += '=';
    auto json_text = crypto::base64_decode(b64);
    if (!json_text) return forged;
    auto claims = nlohmann::json::parse(*json_text, nullptr, false);
    if (claims.is_discarded() || !claims.is_object()) return forged;
    try {
        LinkUse use{claims.at("h").get<std::int64_t>(), claims.at("a").get<std::string>(),
                    claims.at("p").get<std::string>()};
        if (from_unix_ms(claims.at("e").get<std::int64_t>()) < clock_.now()) {
            return make_error(ErrorCode::forbidden,
                              "this link has expired: open the handoff on the board instead",
                              "token");
        }
        return use;
    } catch (const nlohmann::json::exception&) {
        return forged;
    }
}

Result<core::Handoff> Engine::use_link(const std::string& token) {
    auto use = peek_link(token);
    if (!use) return use.error();
    auto who = actor(use->handle);
    if (!who) return who.error();
    core::Action action = core::Accept{};
    if (use->action == "done") {
        action = core::Finish{};
    } else if (use->action != "accept") {
        return make_error(ErrorCode::forbidden, "this link is not valid", "token");
    }
    const TimePoint now = clock_.now();
    core::Handoff after;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        // Spent in the same transaction as the action: a refused action leaves it unspent.
        store::IdempotencyRecord spent{"link", crypto::sha256_hex(token), "", 200, "", now};
        auto before = tx.idempotency(spent.scope, spent.key);
        if (!before) return before.error();
        if (before->has_value()) {
            return make_error(ErrorCode::conflict, "this link was used already", "token");
        }
        if (auto put = tx.put_idempotency(spent); !put) return put;
        return act_in(tx, use->handoff_id, action, *who, now, after);
    });
    if (!st) return st.error();
    return after;
}

Result<std::optional<channels::Notification>> Engine::resolve_row(
    store::Transaction& tx, const store::OutboxRecord& row,
    const std::shared_ptr<const core::ChannelsConfig>& config, const std::string& key,
    TimePoint now) {
    auto loaded = tx.handoff(row.handoff_id, false);
    if (!loaded) return loaded.error();
    if (!loaded->has_value()) return unresolvable("the handoff is gone");
    channels::Notification n;
    n.outbox_id = row.id;
    // Stable across retries and nodes, and not guessable or shared between workspaces.
    n.delivery_id = "msg_" + crypto::hex_encode(crypto::hmac_sha256(key, row.dedupe_key)).substr(0, 32);
    n.channel = row.channel == "notice" ? "email" : row.channel;
    n.target = row.target;
    n.what = row.payload.value("what", "created");
    n.handoff = std::move(**loaded);
    n.summary = summary_of(n.handoff, n.what, row.payload.value("actor", ""));
    n.attempt = row.attempts;
    n.now = now;
    n.config = config;
    if (!config->public_url.empty()) {
        std::string base = config->public_url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        n.card_url = base + "/handoffs/" + std::to_string(n.handoff.id);
    }
    if (n.channel != "email") return std::optional<channels::Notification>(std::move(n));

    auto snap = snapshot(tx, false);
    if (!snap) return snap.error();
    if (n.target.find('@') != std::string::npos) {
        n.recipient.email = n.target;
    } else {
        const core::Person* p = (*snap)->directory->person(n.target);
        if (p == nullptr) return unresolvable("nobody called `" + n.target + "` in people.yaml");
        if (p->email.empty()) {
            return unresolvable(p->handle + " has no email address in people.yaml");
        }
        n.recipient = {p->handle, p->name, p->email, p->slack_id};
        n.target = p->email;
    }
    if (row.payload.contains("template")) {
        const std::string name = row.payload.value("template", "");
        auto doc = tx.current_document("template:" + name);
        if (!doc) return doc.error();
        if (!doc->has_value()) {
            return unresolvable("no message template `" + name + "` (templates/" + name +
                                ".md): apply one");
        }
        auto rendered = core::render_template((*doc)->text, detail::handoff_context(n.handoff));
        core::MessageText text = core::split_subject(rendered.text);
        n.subject = text.subject;
        n.body = text.body;
    }
    const bool open = n.handoff.state == core::HandoffState::waiting ||
                      n.handoff.state == core::HandoffState::accepted;
    if (!n.card_url.empty() && open && n.recipient.handle == n.handoff.owner) {
        const std::string base = n.card_url.substr(0, n.card_url.find("/handoffs/"));
        const std::string sig_accept = sign_link(key, n.handoff.id, "accept", n.recipient.handle,
                                                 now + link_lifetime, row.dedupe_key + ":a");
        const std::string sig_done = sign_link(key, n.handoff.id, "done", n.recipient.handle,
                                               now + link_lifetime, row.dedupe_key + ":d");
        if (n.handoff.state == core::HandoffState::waiting) n.accept_url = base + "/l/" + sig_accept;
        n.done_url = base + "/l/" + sig_done;
    }
    return std::optional<channels::Notification>(std::move(n));
}

Result<Engine::Lease> Engine::lease_notifications(std::size_t limit, Milliseconds lease) {
    const TimePoint now = clock_.now();
    Lease out;
    std::string key;
    Status st = retry_link_key_race([&](store::Transaction& tx) -> Status {
        out = Lease{};
        key.clear();
        auto config = channels_in(tx);
        if (!config) return config.error();
        if (!*config) {
            out.configured = false;
            return ok_status();
        }
        auto rows = tx.lease_outbox(now, now + lease, limit);
        if (!rows) return rows.error();
        if (!rows->empty()) {
            auto k = link_key(tx, true);
            if (!k) return k.error();
            key = *k;
        }
        for (const store::OutboxRecord& row : *rows) {
            auto n = resolve_row(tx, row, *config, key, now);
            if (n) {
                out.notifications.push_back(std::move(**n));
                continue;
            }
            if (n.error().code != ErrorCode::invalid_argument) return n.error();
            // Nothing to send: fail it for good and say why where people look.
            const std::string why = n.error().message;
            if (auto s = tx.settle_outbox(row.id, "failed", now, why, std::nullopt); !s) return s;
            auto e = tx.append_timeline(
                row.handoff_id,
                {system_entry(now, "delivery_failed",
                              "Could not send the " + row.payload.value("what", std::string()) +
                                  " message (" + row.channel + " " + timeline_target(row.target) +
                                  "): " + why,
                              {{"outbox", row.id}, {"channel", row.channel}})});
            if (!e) return e;
        }
        auto next = tx.next_outbox_due();
        if (!next) return next.error();
        out.next_due = *next;
        return ok_status();
    });
    if (!st) return st.error();
    remember_link_key(key);
    return out;
}

Result<core::Settlement> Engine::settle_delivery(const channels::Notification& n,
                                                 const channels::Outcome& outcome,
                                                 const core::RetryPolicy& policy, double jitter) {
    const TimePoint now = clock_.now();
    using Kind = channels::Outcome::Kind;
    const core::AttemptResult result = outcome.kind == Kind::delivered ? core::AttemptResult::delivered
                                       : outcome.kind == Kind::retry   ? core::AttemptResult::retry
                                                                       : core::AttemptResult::failed;
    const core::Settlement s =
        core::settle_attempt(result, n.attempt, outcome.retry_after, now, policy, jitter);
    const std::string where = n.channel + " " + timeline_target(n.target);
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        const std::string error = s.status == "delivered" ? std::string() : outcome.detail;
        const std::optional<TimePoint> delivered =
            s.status == "delivered" ? std::optional<TimePoint>(now) : std::nullopt;
        if (auto r = tx.settle_outbox(n.outbox_id, s.status, s.next_attempt_at, error, delivered);
            !r) {
            return r;
        }
        if (s.status == "pending") return ok_status();  // retries stay off the timeline
        const nlohmann::json data = {{"outbox", n.outbox_id},
                                     {"channel", n.channel},
                                     {"target", timeline_target(n.target)},
                                     {"what", n.what},
                                     {"attempts", n.attempt},
                                     {"delivery_id", n.delivery_id}};
        if (s.status == "delivered") {
            return tx.append_timeline(
                n.handoff.id, {system_entry(now, "delivered",
                                            "Sent the " + n.what + " message to " + where, data)});
        }
        std::string text = "Could not send the " + n.what + " message to " + where + ": " +
                           outcome.detail;
        if (s.gave_up) text += " (gave up after " + std::to_string(n.attempt) + " attempts)";
        return tx.append_timeline(n.handoff.id,
                                  {system_entry(now, "delivery_failed", text, data)});
    });
    if (!st) return st.error();
    return s;
}

Result<core::Handoff> Engine::act_from_slack(const std::string& slack_user,
                                             const std::string& action_id, std::int64_t id,
                                             const std::string& response_url) {
    core::Action action = core::Accept{};
    if (action_id == "baton_done") {
        action = core::Finish{};
    } else if (action_id != "baton_accept") {
        return make_error(ErrorCode::invalid_argument, "unknown Slack action `" + action_id + "`",
                          "action_id");
    }
    const TimePoint now = clock_.now();
    core::Handoff after;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        auto snap = snapshot(tx, false);
        if (!snap) return snap.error();
        const core::Person* person = nullptr;
        for (const core::Person& p : (*snap)->directory->people()) {
            if (!p.slack_id.empty() && p.slack_id == slack_user) person = &p;
        }
        if (person == nullptr) {
            return make_error(ErrorCode::forbidden,
                              "nobody in people.yaml has the Slack id `" + slack_user +
                                  "`: add `slack: " + slack_user + "` to their entry",
                              "user");
        }
        const core::Actor who{person->handle, person->role,
                              (*snap)->directory->teams_of(person->handle)};
        if (auto acted = act_in(tx, id, action, who, now, after); !acted) return acted;
        if (response_url.empty()) return ok_status();
        store::OutboxRecord row;
        row.handoff_id = id;
        row.channel = "slack";
        row.target = response_url;
        row.dedupe_key = "handoff:" + std::to_string(id) + ":rev:" +
                         std::to_string(after.revision) + ":slack-response";
        row.payload = {{"what", core::to_string(after.state)},
                       {"actor", person->handle},
                       {"replace_original", true}};
        row.next_attempt_at = row.created_at = now;
        return tx.insert_outbox({row});
    });
    if (!st) return st.error();
    return after;
}

Result<std::int64_t> Engine::expire_idempotency(Milliseconds ttl, std::size_t limit) {
    const TimePoint now = clock_.now();
    // A spent link is kept a day past the longest a link lives, so it can never be replayed.
    const TimePoint links_before = now - link_lifetime - Milliseconds(86'400'000);
    std::int64_t removed = 0;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        auto n = tx.expire_idempotency(now - ttl, links_before, limit);
        if (!n) return n.error();
        removed = *n;
        return ok_status();
    });
    if (!st) return st.error();
    return removed;
}

}  // namespace baton::engine
