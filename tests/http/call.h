// call_on: one request to a server on loopback and its answer; no answer at all fails the
// calling test (naming the request and why) and gives an empty response. The fixtures of
// the HTTP tests wrap it as their call().
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "http/http_client.h"

namespace baton::test {

inline HttpResponse call_on(unsigned short port, const std::string& method,
                            const std::string& target,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers = headers;
    r.body = body;
    std::string error;
    auto answer = http_exchange(port, r, &error);
    if (!answer) {
        ADD_FAILURE() << method << " " << target << ": no response (" << error << ")";
        return {};
    }
    return *answer;
}

}  // namespace baton::test
