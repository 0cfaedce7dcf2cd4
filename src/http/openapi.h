// The OpenAPI 3.1 document of the API (src/http/openapi.json, embedded at build time). A
// test checks it against the router: every served route is documented and every
// documented route is served.
#pragma once

#include <string>

namespace baton::http {

const std::string& openapi_document();

}  // namespace baton::http
