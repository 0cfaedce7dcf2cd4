// Redacting secrets for the API's answers (see the header).
#include "http/redact.h"

namespace baton::http {

std::string redact_secret(const std::string& secret) { return secret.empty() ? "" : redacted; }

std::string redact_url(const std::string& url, bool keep_path) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return url.empty() ? "" : redacted;
    const std::size_t host_start = scheme_end + 3;
    const auto authority_end = url.find_first_of("/?#", host_start);
    std::string authority = url.substr(host_start, authority_end == std::string::npos
                                                       ? std::string::npos
                                                       : authority_end - host_start);
    if (const auto at = authority.rfind('@'); at != std::string::npos) {
        authority = std::string(redacted) + "@" + authority.substr(at + 1);
    }
    std::string out = url.substr(0, host_start) + authority;
    if (authority_end == std::string::npos) return out;
    return out + (keep_path ? url.substr(authority_end) : std::string("/") + redacted);
}

std::string redact_delivery_target(const std::string& target) {
    return target.find("://") == std::string::npos ? target : redact_url(target, false);
}

}  // namespace baton::http
