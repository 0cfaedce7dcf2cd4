// The engine's sign-in use cases (passwords and browser sessions) and the reads behind live
// updates. Passwords are Argon2id strings (crypto/password.h); a session is a random secret
// in an HttpOnly cookie whose SHA-256 alone is stored, like an API token's.
#include <cctype>

#include "crypto/crypto.h"
#include "crypto/password.h"
#include "engine/engine.h"
#include "engine/snapshot.h"

namespace baton::engine {

namespace {

// Compared against when the login names nobody (or somebody without a password), so that
// a refusal takes as long as a wrong password does and does not tell who exists.
const std::string& stand_in_hash() {
    static const std::string hash = [] {
        auto h = crypto::hash_password("baton-stand-in-password");
        return h ? *h : std::string();
    }();
    return hash;
}

Error refused() {
    return make_error(ErrorCode::forbidden, "the email, handle or password is wrong", "login");
}

const core::Person* find_login(const core::Directory& directory, const std::string& login) {
    if (const core::Person* p = directory.person(login)) return p;
    for (const core::Person& p : directory.people()) {
        if (!p.email.empty() && p.email.size() == login.size()) {
            bool same = true;  // email addresses compare ignoring ASCII case
            for (std::size_t i = 0; i < login.size() && same; ++i) {
                same = std::tolower(static_cast<unsigned char>(p.email[i])) ==
                       std::tolower(static_cast<unsigned char>(login[i]));
            }
            if (same) return &p;
        }
    }
    return nullptr;
}

}  // namespace

Status Engine::set_password(const std::string& handle, const std::string& password) {
    auto person = actor(handle);
    if (!person) return make_error(ErrorCode::not_found, person.error().message, "handle");
    auto hash = crypto::hash_password(password);
    if (!hash) return hash.error();
    const TimePoint now = clock_.now();
    return store_.write(
        [&](store::Transaction& tx) { return tx.put_password(handle, *hash, now); });
}

Result<Engine::SignedIn> Engine::sign_in(const std::string& login, const std::string& password,
                                         Milliseconds ttl) {
    if (login.empty() || login.size() > 320 || password.size() > crypto::password_bytes_max) {
        return refused();
    }
    std::shared_ptr<const core::Directory> people;
    std::optional<std::string> stored;
    const core::Person* person = nullptr;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto snap = snapshot(tx, true);
        if (!snap) return snap.error();
        people = (*snap)->directory;
        person = find_login(*people, login);
        if (person == nullptr) return ok_status();
        auto found = tx.password_hash(person->handle);
        if (!found) return found.error();
        stored = std::move(found).value();
        return ok_status();
    });
    if (!st) return st.error();
    const bool matches = crypto::verify_password(password, stored ? *stored : stand_in_hash());
    if (person == nullptr || !stored || !matches) return refused();
    auto secret = crypto::random_token();
    if (!secret) return secret.error();
    const TimePoint now = clock_.now();
    store::SessionRecord record{crypto::sha256_hex(*secret), person->handle, now, now + ttl};
    if (auto s = store_.write([&](store::Transaction& tx) { return tx.insert_session(record); });
        !s) {
        return s.error();
    }
    return SignedIn{std::move(secret).value(),
                    core::Actor{person->handle, person->role, people->teams_of(person->handle)},
                    person->name, record.expires_at};
}

Result<core::Actor> Engine::session(const std::string& secret) {
    const std::string hash = crypto::sha256_hex(secret);
    std::optional<store::SessionRecord> found;
    std::shared_ptr<const core::Directory> people;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto record = tx.session_by_hash(hash);
        if (!record) return record.error();
        found = std::move(record).value();
        auto snap = snapshot(tx, true);
        if (!snap) return snap.error();
        people = (*snap)->directory;
        return ok_status();
    });
    if (!st) return st.error();
    if (!found || found->expires_at <= clock_.now()) {
        return make_error(ErrorCode::not_found, "the session is unknown, ended or expired",
                          "session");
    }
    const core::Person* p = people->person(found->handle);
    if (p == nullptr) {
        return make_error(ErrorCode::not_found,
                          "the session's person `" + found->handle +
                              "` is no longer in people.yaml",
                          "session");
    }
    return core::Actor{p->handle, p->role, people->teams_of(p->handle)};
}

Status Engine::check_password(const std::string& handle, const std::string& password,
                              const std::string& field) {
    std::optional<std::string> stored;
    if (password.size() <= crypto::password_bytes_max) {
        Status st = store_.read([&](store::Transaction& tx) -> Status {
            auto found = tx.password_hash(handle);
            if (!found) return found.error();
            stored = std::move(found).value();
            return ok_status();
        });
        if (!st) return st.error();
    }
    const bool matches = crypto::verify_password(password, stored ? *stored : stand_in_hash());
    if (!stored || !matches) {
        return make_error(ErrorCode::forbidden, field + " is not " + handle + "'s password", field);
    }
    return ok_status();
}

Result<std::vector<std::string>> Engine::without_password(
    const std::vector<std::string>& handles) {
    std::vector<std::string> out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        for (const std::string& handle : handles) {
            auto found = tx.password_hash(handle);
            if (!found) return found.error();
            if (!*found) out.push_back(handle);
        }
        return ok_status();
    });
    if (!st) return st.error();
    return out;
}

std::string Engine::login_key(const std::string& login) {
    std::string lowered = login;
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto people = directory();
    if (people && *people) {
        if (const core::Person* p = find_login(**people, login)) return "person:" + p->handle;
    }
    return "login:" + lowered;
}

Status Engine::sign_out(const std::string& secret) {
    const std::string hash = crypto::sha256_hex(secret);
    return store_.write([&](store::Transaction& tx) { return tx.delete_session(hash); });
}

Result<std::int64_t> Engine::expire_sessions(std::size_t limit) {
    const TimePoint now = clock_.now();
    std::int64_t removed = 0;
    Status st = store_.write([&](store::Transaction& tx) -> Status {
        auto n = tx.expire_sessions(now, limit);
        if (!n) return n.error();
        removed = *n;
        return ok_status();
    });
    if (!st) return st.error();
    return removed;
}

Result<std::vector<store::HandoffChange>> Engine::changes(std::int64_t after, std::size_t limit) {
    return read_value<std::vector<store::HandoffChange>>(
        [&](store::Transaction& tx) { return tx.handoff_changes(after, limit); });
}

Result<std::int64_t> Engine::last_change_seq() {
    return read_value<std::int64_t>([](store::Transaction& tx) { return tx.last_change_seq(); });
}

Result<std::shared_ptr<const core::Directory>> Engine::directory() {
    std::shared_ptr<const core::Directory> out;
    Status st = store_.read([&](store::Transaction& tx) -> Status {
        auto snap = snapshot(tx, true);
        if (!snap) return snap.error();
        out = (*snap)->directory;
        return ok_status();
    });
    if (!st) return st.error();
    return out;
}

}  // namespace baton::engine
