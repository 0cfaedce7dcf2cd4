// Sign-in passwords: Argon2id through libsodium (crypto_pwhash_str), which chooses the salt
// and writes algorithm, parameters, salt and hash into one string, so stored hashes stay
// verifiable when the parameters are raised later. libsodium lives here only.
//
// Threading: every function is safe to call from any thread. Hashing is deliberately slow
// and takes `password_memory_bytes` of memory; callers bound how many run at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace baton::crypto {

// Limits on what a person may choose. Longer than the maximum is refused rather than cut,
// so that two passwords never hash alike because of a cut.
inline constexpr std::size_t password_chars_min = 8;
inline constexpr std::size_t password_bytes_max = 1024;
// libsodium's "interactive" Argon2id settings: 2 passes over 64 MiB.
inline constexpr std::size_t password_memory_bytes = 64u * 1024u * 1024u;

// Whether `password` keeps the limits above (invalid_argument, field "password", if not).
Status password_acceptable(std::string_view password);

// The Argon2id string of `password` ("$argon2id$v=19$m=65536,t=2,p=1$..."). Refuses a
// password shorter than password_chars_min characters (UTF-8 code points) or longer than
// password_bytes_max bytes (invalid_argument, field "password"); unavailable when libsodium
// cannot start or the memory is not there.
Result<std::string> hash_password(std::string_view password);

// True when `password` matches the stored Argon2id string; false for a wrong password or a
// string that is not one.
bool verify_password(std::string_view password, const std::string& stored);

}  // namespace baton::crypto
