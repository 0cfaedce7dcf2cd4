#include "crypto/password.h"

#include <sodium.h>

namespace baton::crypto {

namespace {

bool sodium_ready() {
    static const bool ready = sodium_init() >= 0;  // thread-safe static initialisation
    return ready;
}

std::size_t code_points(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    }
    return count;
}

}  // namespace

Status password_acceptable(std::string_view password) {
    if (code_points(password) < password_chars_min) {
        return make_error(ErrorCode::invalid_argument,
                          "the password must have at least " +
                              std::to_string(password_chars_min) + " characters",
                          "password");
    }
    if (password.size() > password_bytes_max) {
        return make_error(ErrorCode::invalid_argument,
                          "the password must have at most " + std::to_string(password_bytes_max) +
                              " bytes",
                          "password");
    }
    return ok_status();
}

Result<std::string> hash_password(std::string_view password) {
    if (Status st = password_acceptable(password); !st) return st.error();
    if (!sodium_ready()) return make_error(ErrorCode::unavailable, "libsodium did not start");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE, password_memory_bytes,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return make_error(ErrorCode::unavailable, "not enough memory to hash a password");
    }
    return std::string(out);
}

bool verify_password(std::string_view password, const std::string& stored) {
    if (!sodium_ready() || password.size() > password_bytes_max) return false;
    if (stored.size() >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

}  // namespace baton::crypto
