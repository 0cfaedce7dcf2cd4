// Redacting secrets for the API's answers (see the header).
#include "http/redact.h"

#include "core/delivery.h"

namespace baton::http {

std::string redact_secret(const std::string& secret) { return secret.empty() ? "" : redacted; }

std::string redact_url(const std::string& url, bool keep_path) {
    const auto parts = core::split_url(url);
    if (!parts) return url.empty() ? "" : redacted;
    std::string out = parts->scheme;
    if (parts->has_userinfo) out += std::string(redacted) + "@";
    out += parts->host;
    if (parts->rest.empty()) return out;
    return out + (keep_path ? parts->rest : std::string("/") + redacted);
}

std::string redact_delivery_target(const std::string& target) {
    return target.find("://") == std::string::npos ? target : redact_url(target, false);
}

}  // namespace baton::http
