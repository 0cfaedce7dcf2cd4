// Result<T>: the value of an operation that can fail for an operating reason (bad input,
// a missing record, a refused transition, a store that is down). Programmer errors are not
// Results: they are BATON_ASSERT failures. A Result owns its value or its Error; it is a
// plain value type, safe to move between threads.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace baton {

// Assertions stay on in release builds (STYLE.md): a broken invariant stops the process.
#define BATON_ASSERT(cond)                                                                  \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "baton: assertion failed: %s (%s:%d)\n", #cond, __FILE__, \
                         __LINE__);                                                         \
            std::abort();                                                                   \
        }                                                                                   \
    } while (0)

// The kinds of operating error. Each maps to one CLI exit code and one HTTP status.
enum class ErrorCode {
    invalid_argument,  // the input is malformed or breaks a rule (400 / exit 3)
    not_found,         // the named thing does not exist (404 / exit 4)
    conflict,          // the action is not allowed in the current state (409 / exit 5)
    forbidden,         // the actor may not do this (403 / exit 6)
    limit_exceeded,    // an input is over a named limit (413 or 400 / exit 3)
    unavailable,       // the store or another resource cannot be reached now (503 / exit 7)
    corrupt,           // stored data failed a check after load (500 / exit 7)
    internal,          // anything else (500 / exit 1)
};

const char* to_string(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;
    // The input field at fault, when there is one ("data.amount", "owner", "checklist[2]").
    std::string field;
};

inline Error make_error(ErrorCode code, std::string message, std::string field = {}) {
    return Error{code, std::move(message), std::move(field)};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        BATON_ASSERT(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        BATON_ASSERT(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        BATON_ASSERT(ok());
        return std::get<0>(std::move(state_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const {
        BATON_ASSERT(!ok());
        return std::get<1>(state_);
    }

private:
    std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Status(Ok{}); }

}  // namespace baton
