// Conditions: the `if:` of a playbook, a CEL-compatible subset evaluated against an event.
// Grammar (precedence low to high):
//   expr    := or
//   or      := and ("||" and)*
//   and     := compare ("&&" compare)*
//   compare := unary (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") unary)?
//   unary   := "!" unary | "-" unary | postfix
//   postfix := primary ("." IDENT | "." method "(" args ")" | "[" expr "]")*
//   primary := literal | IDENT | "has" "(" path ")" | "size" "(" expr ")"
//            | "(" expr ")" | "[" list "]"
// Literals: integers, decimals, 'single' or "double" quoted strings (with \" \' \\ \n \t
// escapes), true, false, null. Methods: s.contains(x), s.startsWith(x), s.endsWith(x),
// size(x) / x.size(). Roots: data, subject, type, source, id, time.
// A Condition is parsed once (at playbook load) and is immutable, so it is safe to share
// between threads and to evaluate concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace baton::core {

namespace condition_detail {
struct Node;
}

// What a condition is evaluated against: the event's fields.
struct ConditionInput {
    const nlohmann::json* data = nullptr;  // never null when evaluating
    std::string_view subject;
    std::string_view type;
    std::string_view source;
    std::string_view id;
    std::string_view time;  // RFC 3339
};

class Condition {
public:
    // Parses `text`. On error, Error::field is "col:N" (0-based column in `text`) and the
    // message says what was expected. Enforces limits::condition_bytes_max, nesting depth
    // limits::condition_depth_max and limits::condition_list_items_max.
    static Result<Condition> parse(std::string_view text);

    // Evaluates to a boolean. Semantics follow CEL where they overlap: a missing field is
    // an evaluation error, except under has(); comparing values of different types is an
    // error, except int and double, which compare numerically; `&&` and `||` are
    // short-circuit and absorb errors the way CEL does (false && error == false).
    // An evaluation error returns invalid_argument with a message naming the path.
    Result<bool> evaluate(const ConditionInput& input) const;

    const std::string& text() const { return text_; }

private:
    std::string text_;
    std::shared_ptr<const condition_detail::Node> root_;
};

}  // namespace baton::core
