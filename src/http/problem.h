// RFC 9457 problem details: every error the API answers is application/problem+json with
// a type, a title, the status, a detail sentence and, when one input is at fault, the
// field that is.
#pragma once

#include <string>

#include "core/result.h"
#include "http/message.h"

namespace baton::http {

// Never throws on text that is not UTF-8: such bytes are written as U+FFFD.
Response problem(int status, const std::string& title, const std::string& detail,
                 const std::string& field = {});
// The HTTP status for an operating error of the engine.
int status_for(ErrorCode code);
Response problem_from(const Error& error);

}  // namespace baton::http
