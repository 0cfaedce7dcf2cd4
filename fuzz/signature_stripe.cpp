// Fuzzes the stripe signature check (crypto::verify_signature); the input format and
// the properties are those of signature_common.h.
#include "signature_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using baton::crypto::SignatureScheme;
    return baton::fuzz::run_signature_target(SignatureScheme::stripe, data, size);
}
