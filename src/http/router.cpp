#include "http/router.h"

namespace baton::http {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string::npos ? path.size() : slash;
        if (end > start) out.push_back(path.substr(start, end - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return out;
}

void Router::add(Route route) { routes_.push_back(std::move(route)); }

namespace {

bool match_pattern(const std::vector<std::string>& pattern,
                   const std::vector<std::string>& segments, Params& params) {
    if (pattern.size() != segments.size()) return false;
    Params captured;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const std::string& p = pattern[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
            captured[p.substr(1, p.size() - 2)] = segments[i];
        } else if (p != segments[i]) {
            return false;
        }
    }
    params = std::move(captured);
    return true;
}

}  // namespace

Match Router::match(const std::string& method, const std::string& path) const {
    Match out;
    // Split first, then decode each segment, so that an encoded slash (%2F) stays inside
    // its segment: a subject such as "Acme/EU" is reachable as /v1/relays/Acme%2FEU.
    std::vector<std::string> segments;
    for (const auto& raw : split_path(path)) {
        auto decoded = percent_decode(raw, false);
        if (!decoded) return out;  // malformed: no route
        segments.push_back(std::move(*decoded));
    }
    for (const auto& route : routes_) {
        Params params;
        if (!match_pattern(split_path(route.pattern), segments, params)) continue;
        // HEAD is GET without the body (RFC 9110 9.3.2): the server leaves the body out.
        if (route.method == method || (method == "HEAD" && route.method == "GET")) {
            out.route = &route;
            out.params = std::move(params);
            return out;
        }
        out.allowed.push_back(route.method);
    }
    return out;
}

}  // namespace baton::http
