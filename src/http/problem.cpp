#include "http/problem.h"
#include "core/utf8.h"

#include <nlohmann/json.hpp>

namespace baton::http {

Response problem(int status, const std::string& title, const std::string& detail,
                 const std::string& field) {
    nlohmann::json body = {{"type", "about:blank"},
                           {"title", title},
                           {"status", status},
                           {"detail", detail}};
    if (!field.empty()) body["field"] = field;
    Response r;
    r.status = status;
    r.content_type = "application/problem+json";
    // The detail and the field may quote what the caller sent (a query parameter's name,
    // a header), which need not be UTF-8: a strict dump would throw, and a bad request
    // would become a 500. Bytes that are not UTF-8 are written as U+FFFD instead.
    r.body = core::dump_json(body);
    return r;
}

int status_for(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument: return 400;
        case ErrorCode::limit_exceeded: return 400;
        case ErrorCode::not_found: return 404;
        case ErrorCode::conflict: return 409;
        case ErrorCode::forbidden: return 403;
        case ErrorCode::unavailable: return 503;
        case ErrorCode::corrupt: return 500;
        case ErrorCode::internal: return 500;
    }
    return 500;
}

namespace {

const char* title_for(int status) {
    switch (status) {
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 409: return "Conflict";
        case 503: return "Service Unavailable";
        default: return "Internal Server Error";
    }
}

}  // namespace

Response problem_from(const Error& error) {
    const int status = status_for(error.code);
    Response r = problem(status, title_for(status), error.message, error.field);
    if (status == 503) r.headers.set("Retry-After", "1");
    return r;
}

}  // namespace baton::http
