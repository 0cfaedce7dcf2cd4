// The `if:` language in three parts: a lexer that turns the text into tokens, a
// recursive-descent parser that builds an immutable tree (one function per grammar rule of
// condition.h), and an evaluator that walks the tree against one event.
#include "core/condition.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/limits.h"

namespace baton::core {

using nlohmann::json;

namespace condition_detail {

enum class NodeKind {
    literal,      // value
    root,         // root
    field,        // children[0] "." name
    index,        // children[0] "[" children[1] "]"
    list,         // "[" children... "]" when an item is not a literal
    logical_not,  // "!" children[0]
    negate,       // "-" children[0]
    logical_and,  // children[0] && children[1] && ... (a chain is one node, to keep it shallow)
    logical_or,   // children[0] || children[1] || ...
    compare,      // children[0] op children[1]
    in,           // children[0] in children[1]
    has,          // has(children[0]), where children[0] is a path
    size,         // size(children[0]) or children[0].size()
    contains,     // children[0].contains(children[1])
    starts_with,  // children[0].startsWith(children[1])
    ends_with,    // children[0].endsWith(children[1])
};

enum class Root { data, subject, type, source, id, time };

enum class CompareOp { equal, not_equal, less, less_equal, greater, greater_equal };

// One node of a parsed condition. Nodes are built by the parser and never changed after,
// which is what makes a Condition safe to evaluate from many threads at once.
struct Node {
    NodeKind kind = NodeKind::literal;
    std::string text;  // the node's source, so that an evaluation error can quote it
    json value;        // literal
    Root root = Root::data;
    std::string name;  // field
    CompareOp op = CompareOp::equal;
    std::vector<std::shared_ptr<const Node>> children;
};

}  // namespace condition_detail

namespace {

using condition_detail::CompareOp;
using condition_detail::Node;
using condition_detail::NodeKind;
using condition_detail::Root;
using NodePtr = std::shared_ptr<const Node>;

// ---------------------------------------------------------------------------------------
// Tokens

enum class TokenKind {
    end,
    identifier,
    integer,
    decimal,
    string,
    left_paren,
    right_paren,
    left_bracket,
    right_bracket,
    dot,
    comma,
    bang,
    minus,
    and_and,
    or_or,
    equal,
    not_equal,
    less,
    less_equal,
    greater,
    greater_equal,
};

struct Token {
    TokenKind kind = TokenKind::end;
    std::size_t begin = 0;  // byte offsets in the text: [begin, end)
    std::size_t end = 0;
    std::string text;  // an identifier's name or a string literal's decoded value
    json number;       // an integer or decimal literal
};

// A parse failure. It is thrown only inside this file and caught in Condition::parse: a
// failure deep in the recursive descent unwinds many calls at once, and a throw keeps each
// grammar rule about the grammar instead of about passing errors up.
struct ParseFailure {
    Error error;
};

[[noreturn]] void fail(std::size_t column, std::string message,
                       ErrorCode code = ErrorCode::invalid_argument) {
    throw ParseFailure{make_error(code, std::move(message), "col:" + std::to_string(column))};
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
    return is_name_start(c) || is_digit(c);
}

// Shows a character that is not part of the language: printable ones as they are (with
// the rest of a UTF-8 sequence), control characters by their code.
std::string show_character(std::string_view text, std::size_t at) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x20 || byte == 0x7f) {
        static constexpr char digits[] = "0123456789abcdef";
        return std::string("the control character 0x") + digits[byte >> 4] + digits[byte & 15];
    }
    std::size_t end = at + 1;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    return "`" + std::string(text.substr(at, end - at)) + "`";
}

class Lexer {
  public:
    explicit Lexer(std::string_view text) : text_(text) {}

    std::vector<Token> run() {
        std::vector<Token> tokens;
        while (true) {
            while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                           text_[pos_] == '\n' || text_[pos_] == '\r')) {
                ++pos_;
            }
            tokens.push_back(next());
            if (tokens.back().kind == TokenKind::end) return tokens;
        }
    }

  private:
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }

    Token make(TokenKind kind, std::size_t begin) const {
        Token token;
        token.kind = kind;
        token.begin = begin;
        token.end = pos_;
        return token;
    }

    Token next() {
        if (pos_ >= text_.size()) return make(TokenKind::end, pos_);
        const char c = text_[pos_];
        if (is_digit(c)) return lex_number();
        if (c == '"' || c == '\'') return lex_string();
        if (is_name_start(c)) {
            const std::size_t begin = pos_;
            while (is_name_char(peek())) ++pos_;
            Token token = make(TokenKind::identifier, begin);
            token.text = std::string(text_.substr(begin, pos_ - begin));
            return token;
        }
        return lex_operator();
    }

    Token lex_number();
    Token lex_string();
    Token lex_operator();

    const std::string_view text_;
    std::size_t pos_ = 0;
};

Token Lexer::lex_number() {
    const std::size_t begin = pos_;
    bool is_decimal = false;
    while (is_digit(peek())) ++pos_;
    // A dot makes a decimal only when a digit follows, so that `1.size()` stays a call.
    if (peek() == '.' && is_digit(peek(1))) {
        is_decimal = true;
        ++pos_;
        while (is_digit(peek())) ++pos_;
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
        is_decimal = true;
        pos_ += is_digit(peek(1)) ? 1 : 2;
        while (is_digit(peek())) ++pos_;
    }
    Token token = make(is_decimal ? TokenKind::decimal : TokenKind::integer, begin);
    const std::string_view spelling = text_.substr(begin, pos_ - begin);
    const char* first = spelling.data();
    const char* last = first + spelling.size();
    if (is_decimal) {
        double value = 0;
        if (std::from_chars(first, last, value).ec != std::errc{}) {
            fail(begin, "number `" + std::string(spelling) + "` is out of range");
        }
        token.number = value;
        return token;
    }
    // Integers up to 2^64 - 1 are accepted because event data can hold them; `-` on one
    // beyond the signed range is an evaluation error.
    std::uint64_t value = 0;
    if (std::from_chars(first, last, value).ec != std::errc{}) {
        fail(begin, "integer `" + std::string(spelling) + "` is too large; the largest is " +
                        std::to_string(std::numeric_limits<std::uint64_t>::max()));
    }
    if (value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        token.number = static_cast<std::int64_t>(value);
    } else {
        token.number = value;
    }
    return token;
}

Token Lexer::lex_string() {
    const std::size_t begin = pos_;
    const char quote = text_[pos_++];
    std::string value;
    while (true) {
        if (pos_ >= text_.size() || (text_[pos_] == '\\' && pos_ + 1 >= text_.size())) {
            fail(begin, std::string("expected a closing `") + quote +
                            "` for the string that starts here but found end of input");
        }
        const char c = text_[pos_];
        if (c == quote) break;
        if (c != '\\') {
            value += c;
            ++pos_;
            continue;
        }
        switch (text_[pos_ + 1]) {
            case '"':
                value += '"';
                break;
            case '\'':
                value += '\'';
                break;
            case '\\':
                value += '\\';
                break;
            case 'n':
                value += '\n';
                break;
            case 't':
                value += '\t';
                break;
            default:
                fail(pos_, "expected an escape \\\" \\' \\\\ \\n or \\t but found `\\" +
                               std::string(1, text_[pos_ + 1]) + "`");
        }
        pos_ += 2;
    }
    ++pos_;  // the closing quote
    Token token = make(TokenKind::string, begin);
    token.text = std::move(value);
    return token;
}

Token Lexer::lex_operator() {
    struct Spelling {
        std::string_view text;
        TokenKind kind;
    };
    // Two-character operators come first so that `<=` is not read as `<` then `=`.
    static constexpr Spelling spellings[] = {
        {"&&", TokenKind::and_and},     {"||", TokenKind::or_or},
        {"==", TokenKind::equal},       {"!=", TokenKind::not_equal},
        {"<=", TokenKind::less_equal},  {">=", TokenKind::greater_equal},
        {"(", TokenKind::left_paren},   {")", TokenKind::right_paren},
        {"[", TokenKind::left_bracket}, {"]", TokenKind::right_bracket},
        {".", TokenKind::dot},          {",", TokenKind::comma},
        {"!", TokenKind::bang},         {"-", TokenKind::minus},
        {"<", TokenKind::less},         {">", TokenKind::greater},
    };
    const std::size_t begin = pos_;
    for (const Spelling& spelling : spellings) {
        if (text_.substr(pos_).starts_with(spelling.text)) {
            pos_ += spelling.text.size();
            return make(spelling.kind, begin);
        }
    }
    const char c = text_[pos_];
    if (c == '&' || c == '|' || c == '=') {
        fail(pos_, std::string("expected `") + c + c + "` but found `" + c + "`");
    }
    fail(pos_, "expected an expression or an operator but found " + show_character(text_, pos_));
}

// ---------------------------------------------------------------------------------------
// Parser

bool is_comparison(const Token& token) {
    switch (token.kind) {
        case TokenKind::equal:
        case TokenKind::not_equal:
        case TokenKind::less:
        case TokenKind::less_equal:
        case TokenKind::greater:
        case TokenKind::greater_equal:
            return true;
        case TokenKind::identifier:
            return token.text == "in";
        default:
            return false;
    }
}

CompareOp compare_op(TokenKind kind) {
    switch (kind) {
        case TokenKind::not_equal:
            return CompareOp::not_equal;
        case TokenKind::less:
            return CompareOp::less;
        case TokenKind::less_equal:
            return CompareOp::less_equal;
        case TokenKind::greater:
            return CompareOp::greater;
        case TokenKind::greater_equal:
            return CompareOp::greater_equal;
        default:
            return CompareOp::equal;
    }
}

std::optional<Root> root_named(std::string_view name) {
    if (name == "data") return Root::data;
    if (name == "subject") return Root::subject;
    if (name == "type") return Root::type;
    if (name == "source") return Root::source;
    if (name == "id") return Root::id;
    if (name == "time") return Root::time;
    return std::nullopt;
}

std::optional<NodeKind> method_named(std::string_view name) {
    if (name == "contains") return NodeKind::contains;
    if (name == "startsWith") return NodeKind::starts_with;
    if (name == "endsWith") return NodeKind::ends_with;
    if (name == "size") return NodeKind::size;
    return std::nullopt;
}

// A path is a root followed by at least one field or index step: what has() can test.
bool is_path(const Node& node) {
    if (node.kind != NodeKind::field && node.kind != NodeKind::index) return false;
    const Node* base = node.children[0].get();
    while (base->kind == NodeKind::field || base->kind == NodeKind::index) {
        base = base->children[0].get();
    }
    return base->kind == NodeKind::root;
}

// Quotes a piece of the text for a message, cut short so a message stays one line.
std::string quote_source(std::string_view source) {
    constexpr std::size_t shown_bytes_max = 40;
    if (source.size() <= shown_bytes_max) return "`" + std::string(source) + "`";
    return "`" + std::string(source.substr(0, shown_bytes_max)) + "...`";
}

class Parser {
  public:
    Parser(std::string_view text, std::vector<Token> tokens)
        : text_(text), tokens_(std::move(tokens)) {}

    NodePtr parse_condition() {
        if (at(TokenKind::end)) {
            fail(peek().begin,
                 "the condition is empty: expected an expression such as `data.amount >= 1000`");
        }
        NodePtr root = parse_or();
        if (!at(TokenKind::end)) {
            fail(peek().begin, "expected an operator or end of input but found " + found());
        }
        return root;
    }

  private:
    const Token& peek() const { return tokens_[pos_]; }
    bool at(TokenKind kind) const { return peek().kind == kind; }

    const Token& advance() {
        const Token& token = tokens_[pos_];
        if (token.kind != TokenKind::end) ++pos_;
        return token;
    }

    std::string found() const {
        const Token& token = peek();
        if (token.kind == TokenKind::end) return "end of input";
        return quote_source(text_.substr(token.begin, token.end - token.begin));
    }

    void expect(TokenKind kind, std::string_view expected, std::string_view hint = {}) {
        if (at(kind)) {
            advance();
            return;
        }
        std::string message = "expected " + std::string(expected) + " but found " + found();
        if (!hint.empty()) message += ": " + std::string(hint);
        fail(peek().begin, std::move(message));
    }

    // Depth counts the levels a reader sees: each parenthesis, list, call, unary operator
    // and path step. Checking it on the way down keeps the parser's own recursion bounded.
    void enter(const Token& token) {
        if (++depth_ > limits::condition_depth_max) {
            fail(token.begin,
                 "the condition is nested more than " +
                     std::to_string(limits::condition_depth_max) + " levels deep",
                 ErrorCode::limit_exceeded);
        }
    }
    void leave() { --depth_; }

    // Makes a node whose source runs from `begin` to the end of the last token read.
    std::shared_ptr<Node> make_node(NodeKind kind, std::size_t begin,
                                    std::vector<NodePtr> children = {}) const {
        auto node = std::make_shared<Node>();
        node->kind = kind;
        const std::size_t end = pos_ > 0 ? tokens_[pos_ - 1].end : begin;
        node->text = std::string(text_.substr(begin, end - begin));
        node->children = std::move(children);
        return node;
    }

    NodePtr parse_or() { return parse_chain(TokenKind::or_or, NodeKind::logical_or); }
    NodePtr parse_and() { return parse_chain(TokenKind::and_and, NodeKind::logical_and); }
    NodePtr parse_chain(TokenKind op, NodeKind kind);
    NodePtr parse_compare();
    NodePtr parse_unary();
    NodePtr parse_postfix();
    NodePtr parse_method(NodePtr receiver, const Token& name, std::size_t begin);
    NodePtr parse_primary();
    NodePtr parse_name();
    NodePtr parse_function(const Token& name);
    NodePtr parse_list();

    const std::string_view text_;
    const std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
};

NodePtr Parser::parse_chain(TokenKind op, NodeKind kind) {
    const std::size_t begin = peek().begin;
    auto operand = [&] { return op == TokenKind::or_or ? parse_and() : parse_compare(); };
    std::vector<NodePtr> operands{operand()};
    while (at(op)) {
        advance();
        operands.push_back(operand());
    }
    if (operands.size() == 1) return operands.front();
    return make_node(kind, begin, std::move(operands));
}

NodePtr Parser::parse_compare() {
    const std::size_t begin = peek().begin;
    NodePtr left = parse_unary();
    if (!is_comparison(peek())) return left;
    const Token& op = advance();
    NodePtr right = parse_unary();
    if (is_comparison(peek())) {
        fail(peek().begin, "expected `&&` or `||` but found " + found() +
                               ": comparisons do not chain, so add parentheses");
    }
    const NodeKind kind = op.kind == TokenKind::identifier ? NodeKind::in : NodeKind::compare;
    auto node = make_node(kind, begin, {std::move(left), std::move(right)});
    node->op = compare_op(op.kind);
    return node;
}

NodePtr Parser::parse_unary() {
    if (!at(TokenKind::bang) && !at(TokenKind::minus)) return parse_postfix();
    const Token& op = advance();
    enter(op);
    NodePtr operand = parse_unary();
    leave();
    const NodeKind kind = op.kind == TokenKind::bang ? NodeKind::logical_not : NodeKind::negate;
    return make_node(kind, op.begin, {std::move(operand)});
}

NodePtr Parser::parse_postfix() {
    const std::size_t begin = peek().begin;
    const std::size_t depth_before = depth_;
    NodePtr result = parse_primary();
    while (at(TokenKind::dot) || at(TokenKind::left_bracket)) {
        enter(peek());
        if (advance().kind == TokenKind::left_bracket) {
            NodePtr index = parse_or();
            expect(TokenKind::right_bracket, "`]`");
            result = make_node(NodeKind::index, begin, {std::move(result), std::move(index)});
            continue;
        }
        const Token& name = peek();
        if (name.kind != TokenKind::identifier) {
            fail(name.begin, "expected a field or method name after `.` but found " + found());
        }
        advance();
        if (at(TokenKind::left_paren)) {
            result = parse_method(std::move(result), name, begin);
            continue;
        }
        auto field = make_node(NodeKind::field, begin, {std::move(result)});
        field->name = name.text;
        result = std::move(field);
    }
    depth_ = depth_before;
    return result;
}

NodePtr Parser::parse_method(NodePtr receiver, const Token& name, std::size_t begin) {
    const std::optional<NodeKind> kind = method_named(name.text);
    if (!kind) {
        fail(name.begin, "unknown method `" + name.text +
                             "`; methods are contains(), startsWith(), endsWith() and size()");
    }
    advance();  // "("
    std::vector<NodePtr> children{std::move(receiver)};
    if (*kind == NodeKind::size) {
        expect(TokenKind::right_paren, "`)`", "size() takes no argument");
    } else {
        children.push_back(parse_or());
        expect(TokenKind::right_paren, "`)`", name.text + "() takes one argument");
    }
    return make_node(*kind, begin, std::move(children));
}

NodePtr Parser::parse_primary() {
    const Token& token = peek();
    switch (token.kind) {
        case TokenKind::integer:
        case TokenKind::decimal:
        case TokenKind::string: {
            advance();
            auto literal = make_node(NodeKind::literal, token.begin);
            literal->value = token.kind == TokenKind::string ? json(token.text) : token.number;
            return literal;
        }
        case TokenKind::left_paren: {
            enter(token);
            advance();
            NodePtr inner = parse_or();
            expect(TokenKind::right_paren, "`)`");
            leave();
            return inner;
        }
        case TokenKind::left_bracket:
            return parse_list();
        case TokenKind::identifier:
            return parse_name();
        default:
            fail(token.begin, "expected an expression but found " + found());
    }
}

NodePtr Parser::parse_name() {
    const Token& name = advance();
    if (name.text == "true" || name.text == "false" || name.text == "null") {
        auto literal = make_node(NodeKind::literal, name.begin);
        if (name.text != "null") literal->value = name.text == "true";
        return literal;
    }
    if (at(TokenKind::left_paren)) {
        if (name.text == "has" || name.text == "size") return parse_function(name);
        fail(name.begin, "unknown function `" + name.text +
                             "`; the functions are has() and size(), and the methods "
                             "contains(), startsWith(), endsWith() and size()");
    }
    const std::optional<Root> root = root_named(name.text);
    if (!root) {
        fail(name.begin, "unknown name `" + name.text +
                             "`; conditions start from data, subject, type, source, id or time");
    }
    auto node = make_node(NodeKind::root, name.begin);
    node->root = *root;
    return node;
}

// has(path) and size(expr): the two functions called without a receiver.
NodePtr Parser::parse_function(const Token& name) {
    const bool is_has = name.text == "has";
    enter(peek());
    advance();  // "("
    const Token& argument_start = peek();
    NodePtr argument = parse_or();
    if (is_has && !is_path(*argument)) {
        fail(argument_start.begin, "expected a field path such as `has(data.amount)` but found " +
                                       quote_source(argument->text) +
                                       ": has() tests whether a field exists");
    }
    expect(TokenKind::right_paren, "`)`", name.text + "() takes one argument");
    leave();
    return make_node(is_has ? NodeKind::has : NodeKind::size, name.begin, {std::move(argument)});
}

NodePtr Parser::parse_list() {
    const Token& open = advance();
    enter(open);
    std::vector<NodePtr> items;
    bool all_literal = true;
    while (!at(TokenKind::right_bracket)) {
        if (items.size() == limits::condition_list_items_max) {
            fail(peek().begin,
                 "a list may hold at most " + std::to_string(limits::condition_list_items_max) +
                     " items",
                 ErrorCode::limit_exceeded);
        }
        items.push_back(parse_or());
        all_literal = all_literal && items.back()->kind == NodeKind::literal;
        if (!at(TokenKind::comma)) break;
        advance();
    }
    expect(TokenKind::right_bracket, "`,` or `]`");
    leave();
    if (!all_literal) return make_node(NodeKind::list, open.begin, std::move(items));
    // A list of literals is a literal itself, built once here rather than at each evaluation.
    auto literal = make_node(NodeKind::literal, open.begin);
    literal->value = json::array();
    for (const NodePtr& item : items) literal->value.push_back(item->value);
    return literal;
}

// ---------------------------------------------------------------------------------------
// Values

// A value met during evaluation: borrowed when it is a part of the event or of the
// condition (so that `data.a.b` copies nothing), owned when evaluation computed it.
class Value {
  public:
    static Value borrow(const json& value) {
        Value result;
        result.borrowed_ = &value;
        return result;
    }
    static Value own(json value) {
        Value result;
        result.owned_ = std::move(value);
        return result;
    }

    const json& get() const { return borrowed_ != nullptr ? *borrowed_ : owned_; }

    // A part of this value: borrowed if this is, copied if this value will not outlive it.
    Value part(const json& element) const {
        return borrowed_ != nullptr ? borrow(element) : own(element);
    }

  private:
    const json* borrowed_ = nullptr;
    json owned_;
};

std::string kind_name(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "a bool";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            return "an int";
        case json::value_t::number_float:
            return "a double";
        case json::value_t::string:
            return "a string";
        case json::value_t::array:
            return "a list";
        case json::value_t::object:
            return "a map";
        default:
            return "an unsupported value";
    }
}

template <class A, class B>
int three_way(A a, B b) {
    return static_cast<int>(std::cmp_less(b, a)) - static_cast<int>(std::cmp_less(a, b));
}

long double as_long_double(const json& number) {
    if (number.is_number_float()) return number.get<double>();
    if (number.is_number_unsigned()) return static_cast<long double>(number.get<std::uint64_t>());
    return static_cast<long double>(number.get<std::int64_t>());
}

// Compares two numbers exactly, whatever mix of signed, unsigned and double they are.
int compare_numbers(const json& a, const json& b) {
    if (a.is_number_float() || b.is_number_float()) {
        // long double holds every 64-bit integer exactly, so no int is rounded here.
        const long double x = as_long_double(a);
        const long double y = as_long_double(b);
        return static_cast<int>(x > y) - static_cast<int>(x < y);
    }
    const bool a_unsigned = a.is_number_unsigned();
    const bool b_unsigned = b.is_number_unsigned();
    if (a_unsigned && b_unsigned) return three_way(a.get<std::uint64_t>(), b.get<std::uint64_t>());
    if (a_unsigned) return three_way(a.get<std::uint64_t>(), b.get<std::int64_t>());
    if (b_unsigned) return three_way(a.get<std::int64_t>(), b.get<std::uint64_t>());
    return three_way(a.get<std::int64_t>(), b.get<std::int64_t>());
}

enum class Equality { equal, different, incomparable };

// Equality as `==` sees it: null equals only null, numbers compare by value, lists and
// maps compare item by item, and values of other different types cannot be compared. In a
// list or map, a different item decides the answer even if another cannot be compared,
// the way `&&` absorbs an error.
Equality equality(const json& a, const json& b) {
    if (a.is_null() || b.is_null()) {
        return a.is_null() && b.is_null() ? Equality::equal : Equality::different;
    }
    if (a.is_number() && b.is_number()) {
        return compare_numbers(a, b) == 0 ? Equality::equal : Equality::different;
    }
    if (a.type() != b.type()) return Equality::incomparable;
    if (!a.is_array() && !a.is_object()) return a == b ? Equality::equal : Equality::different;
    if (a.size() != b.size()) return Equality::different;
    bool incomparable = false;
    for (auto left = a.begin(), right = b.begin(); left != a.end(); ++left, ++right) {
        const json* other = &*right;
        if (a.is_object()) {
            const auto found = b.find(left.key());
            if (found == b.end()) return Equality::different;
            other = &*found;
        }
        const Equality items = equality(*left, *other);
        if (items == Equality::different) return Equality::different;
        incomparable = incomparable || items == Equality::incomparable;
    }
    return incomparable ? Equality::incomparable : Equality::equal;
}

// The order of two values as `<` sees it, or nothing when they cannot be ordered.
std::optional<int> ordering(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return compare_numbers(a, b);
    if (a.is_string() && b.is_string()) {
        // std::string compares bytes as unsigned char: UTF-8 byte order is code point order.
        const int order = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
        return (order > 0) - (order < 0);
    }
    if (a.is_boolean() && b.is_boolean()) {
        return static_cast<int>(a.get<bool>()) - static_cast<int>(b.get<bool>());
    }
    return std::nullopt;
}

const char* op_spelling(CompareOp op) {
    switch (op) {
        case CompareOp::equal:
            return "==";
        case CompareOp::not_equal:
            return "!=";
        case CompareOp::less:
            return "<";
        case CompareOp::less_equal:
            return "<=";
        case CompareOp::greater:
            return ">";
        case CompareOp::greater_equal:
            return ">=";
    }
    return "==";
}

std::size_t code_points(const std::string& text) {
    std::size_t count = 0;
    for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return count;
}

// ---------------------------------------------------------------------------------------
// Evaluator

std::string quoted(const Node& node) {
    return quote_source(node.text);
}

Error evaluation_error(const Node& at, std::string message) {
    return make_error(ErrorCode::invalid_argument, std::move(message), at.text);
}

// Something missing along a path is reported as not_found, so that has() can tell it from
// a real error; everywhere else it becomes invalid_argument (see Evaluator::eval).
Error absent(const Node& at, std::string message) {
    return make_error(ErrorCode::not_found, std::move(message), at.text);
}

class Evaluator {
  public:
    explicit Evaluator(const ConditionInput& input) : input_(input) {}

    Result<Value> eval(const Node& node) const;

  private:
    Result<Value> follow(const Node& node) const;
    Result<Value> root_value(Root root) const;
    Result<Value> follow_field(const Node& node) const;
    Result<Value> follow_index(const Node& node) const;
    Result<bool> eval_bool(const Node& node, const char* op) const;
    Result<Value> eval_logical(const Node& node) const;
    Result<Value> eval_negate(const Node& node) const;
    Result<Value> eval_compare(const Node& node) const;
    Result<Value> eval_in(const Node& node) const;
    Result<Value> eval_has(const Node& node) const;
    Result<Value> eval_size(const Node& node) const;
    Result<Value> eval_string_test(const Node& node) const;
    Result<Value> eval_list(const Node& node) const;

    const ConditionInput& input_;
};

Result<Value> Evaluator::eval(const Node& node) const {
    switch (node.kind) {
        case NodeKind::literal:
            return Value::borrow(node.value);
        case NodeKind::root:
        case NodeKind::field:
        case NodeKind::index: {
            Result<Value> found = follow(node);
            if (found || found.error().code != ErrorCode::not_found) return found;
            return make_error(ErrorCode::invalid_argument, found.error().message,
                              found.error().field);
        }
        case NodeKind::list:
            return eval_list(node);
        case NodeKind::logical_not: {
            const Result<bool> operand = eval_bool(*node.children[0], "!");
            if (!operand) return operand.error();
            return Value::own(!*operand);
        }
        case NodeKind::negate:
            return eval_negate(node);
        case NodeKind::logical_and:
        case NodeKind::logical_or:
            return eval_logical(node);
        case NodeKind::compare:
            return eval_compare(node);
        case NodeKind::in:
            return eval_in(node);
        case NodeKind::has:
            return eval_has(node);
        case NodeKind::size:
            return eval_size(node);
        case NodeKind::contains:
        case NodeKind::starts_with:
        case NodeKind::ends_with:
            return eval_string_test(node);
    }
    BATON_ASSERT(false && "unknown node kind");
    return make_error(ErrorCode::internal, "unknown node kind");
}

// Evaluates a path, reporting a missing step as not_found. The base of a path may be any
// expression (`[1, 2][0]`), which is evaluated as usual.
Result<Value> Evaluator::follow(const Node& node) const {
    switch (node.kind) {
        case NodeKind::root:
            return root_value(node.root);
        case NodeKind::field:
            return follow_field(node);
        case NodeKind::index:
            return follow_index(node);
        default:
            return eval(node);
    }
}

Result<Value> Evaluator::root_value(Root root) const {
    switch (root) {
        case Root::data:
            return Value::borrow(*input_.data);
        case Root::subject:
            return Value::own(json(std::string(input_.subject)));
        case Root::type:
            return Value::own(json(std::string(input_.type)));
        case Root::source:
            return Value::own(json(std::string(input_.source)));
        case Root::id:
            return Value::own(json(std::string(input_.id)));
        case Root::time:
            return Value::own(json(std::string(input_.time)));
    }
    return Value::borrow(*input_.data);
}

Result<Value> Evaluator::follow_field(const Node& node) const {
    const Node& base_node = *node.children[0];
    Result<Value> base = follow(base_node);
    if (!base) return base;
    const json& object = base->get();
    if (!object.is_object()) {
        return absent(node, "cannot read field `" + node.name + "` of " + quoted(base_node) +
                                ": it is " + kind_name(object));
    }
    const auto found = object.find(node.name);
    if (found == object.end()) return absent(node, "no field " + quoted(node));
    return base->part(*found);
}

Result<Value> Evaluator::follow_index(const Node& node) const {
    const Node& base_node = *node.children[0];
    const Node& key_node = *node.children[1];
    Result<Value> base = follow(base_node);
    if (!base) return base;
    const Result<Value> key_value = eval(key_node);
    if (!key_value) return key_value.error();
    const json& container = base->get();
    const json& key = key_value->get();
    if (container.is_array()) {
        if (!key.is_number_integer()) {
            return absent(node, "cannot index the list " + quoted(base_node) + " with " +
                                    quoted(key_node) + ": it is " + kind_name(key) +
                                    ", not an int");
        }
        const bool in_range = key.is_number_unsigned()
                                  ? key.get<std::uint64_t>() < container.size()
                                  : std::cmp_less(key.get<std::int64_t>(), container.size()) &&
                                        key.get<std::int64_t>() >= 0;
        if (!in_range) {
            return absent(node, "no item " + quoted(node) + ": the list has " +
                                    std::to_string(container.size()) +
                                    (container.size() == 1 ? " item" : " items"));
        }
        return base->part(container[key.get<std::size_t>()]);
    }
    if (container.is_object()) {
        if (!key.is_string()) {
            return absent(node, "cannot index the map " + quoted(base_node) + " with " +
                                    quoted(key_node) + ": it is " + kind_name(key) +
                                    ", not a string");
        }
        const auto found = container.find(key.get_ref<const std::string&>());
        if (found == container.end()) return absent(node, "no field " + quoted(node));
        return base->part(*found);
    }
    return absent(node, "cannot index " + quoted(base_node) + ": it is " + kind_name(container));
}

Result<bool> Evaluator::eval_bool(const Node& node, const char* op) const {
    const Result<Value> value = eval(node);
    if (!value) return value.error();
    const json& result = value->get();
    if (!result.is_boolean()) {
        return evaluation_error(node, std::string("`") + op + "` needs true or false, but " +
                                          quoted(node) + " is " + kind_name(result));
    }
    return result.get<bool>();
}

Result<Value> Evaluator::eval_logical(const Node& node) const {
    // CEL's rule: an operand that decides the result (false for &&, true for ||) wins over
    // an error in any other operand, so an error waits until every operand has been seen.
    const bool is_and = node.kind == NodeKind::logical_and;
    const bool decisive = !is_and;
    std::optional<Error> first_error;
    for (const NodePtr& operand : node.children) {
        const Result<bool> value = eval_bool(*operand, is_and ? "&&" : "||");
        if (!value) {
            if (!first_error) first_error = value.error();
            continue;
        }
        if (*value == decisive) return Value::own(decisive);
    }
    if (first_error) return *first_error;
    return Value::own(!decisive);
}

Result<Value> Evaluator::eval_negate(const Node& node) const {
    const Node& operand_node = *node.children[0];
    const Result<Value> operand = eval(operand_node);
    if (!operand) return operand;
    const json& number = operand->get();
    constexpr std::int64_t int_min = std::numeric_limits<std::int64_t>::min();
    constexpr auto int_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (number.is_number_float()) return Value::own(-number.get<double>());
    if (number.is_number_unsigned() && number.get<std::uint64_t>() <= int_max + 1) {
        const std::uint64_t magnitude = number.get<std::uint64_t>();
        return Value::own(magnitude == int_max + 1 ? int_min
                                                   : -static_cast<std::int64_t>(magnitude));
    }
    if (number.type() == json::value_t::number_integer && number.get<std::int64_t>() != int_min) {
        return Value::own(-number.get<std::int64_t>());
    }
    if (number.is_number_integer()) {
        return evaluation_error(node, quoted(node) + " is outside the range of an int");
    }
    return evaluation_error(
        node, "`-` needs a number, but " + quoted(operand_node) + " is " + kind_name(number));
}

Result<Value> Evaluator::eval_compare(const Node& node) const {
    const Node& left_node = *node.children[0];
    const Node& right_node = *node.children[1];
    const Result<Value> left = eval(left_node);
    if (!left) return left;
    const Result<Value> right = eval(right_node);
    if (!right) return right;
    const json& a = left->get();
    const json& b = right->get();
    const auto mismatch = [&] {
        return evaluation_error(node, "cannot compare " + quoted(left_node) + " (" + kind_name(a) +
                                          ") with " + quoted(right_node) + " (" + kind_name(b) +
                                          ") using `" + op_spelling(node.op) + "`");
    };
    if (node.op == CompareOp::equal || node.op == CompareOp::not_equal) {
        const Equality result = equality(a, b);
        if (result == Equality::incomparable) return mismatch();
        return Value::own((result == Equality::equal) == (node.op == CompareOp::equal));
    }
    const std::optional<int> order = ordering(a, b);
    if (!order) return mismatch();
    switch (node.op) {
        case CompareOp::less:
            return Value::own(*order < 0);
        case CompareOp::less_equal:
            return Value::own(*order <= 0);
        case CompareOp::greater:
            return Value::own(*order > 0);
        default:
            return Value::own(*order >= 0);
    }
}

Result<Value> Evaluator::eval_in(const Node& node) const {
    const Node& needle_node = *node.children[0];
    const Node& haystack_node = *node.children[1];
    const Result<Value> needle_value = eval(needle_node);
    if (!needle_value) return needle_value;
    const Result<Value> haystack_value = eval(haystack_node);
    if (!haystack_value) return haystack_value;
    const json& needle = needle_value->get();
    const json& haystack = haystack_value->get();
    if (haystack.is_object()) {
        if (!needle.is_string()) {
            return evaluation_error(node, "`in` a map looks for a key, which is a string, but " +
                                              quoted(needle_node) + " is " + kind_name(needle));
        }
        return Value::own(haystack.find(needle.get_ref<const std::string&>()) != haystack.end());
    }
    if (!haystack.is_array()) {
        return evaluation_error(node, "`in` needs a list or a map on its right, but " +
                                          quoted(haystack_node) + " is " + kind_name(haystack));
    }
    // As in CEL, `x in [a, b]` is `x == a || x == b`: a match wins over an item that cannot
    // be compared, and such an item is an error only when nothing matches.
    bool incomparable = false;
    for (const json& item : haystack) {
        const Equality result = equality(needle, item);
        if (result == Equality::equal) return Value::own(true);
        incomparable = incomparable || result == Equality::incomparable;
    }
    if (incomparable) {
        return evaluation_error(node, "cannot compare " + quoted(needle_node) + " (" +
                                          kind_name(needle) + ") with every item of " +
                                          quoted(haystack_node) +
                                          ": it holds items of another type");
    }
    return Value::own(false);
}

Result<Value> Evaluator::eval_has(const Node& node) const {
    const Result<Value> found = follow(*node.children[0]);
    if (found) return Value::own(true);
    if (found.error().code == ErrorCode::not_found) return Value::own(false);
    return found.error();
}

Result<Value> Evaluator::eval_size(const Node& node) const {
    const Node& operand_node = *node.children[0];
    const Result<Value> operand = eval(operand_node);
    if (!operand) return operand;
    const json& value = operand->get();
    std::size_t size = 0;
    if (value.is_string()) {
        size = code_points(value.get_ref<const std::string&>());
    } else if (value.is_array() || value.is_object()) {
        size = value.size();
    } else {
        return evaluation_error(node, "size() needs a string, a list or a map, but " +
                                          quoted(operand_node) + " is " + kind_name(value));
    }
    return Value::own(static_cast<std::int64_t>(size));
}

Result<Value> Evaluator::eval_string_test(const Node& node) const {
    const char* method = node.kind == NodeKind::contains      ? "contains"
                         : node.kind == NodeKind::starts_with ? "startsWith"
                                                              : "endsWith";
    const Node& receiver_node = *node.children[0];
    const Node& argument_node = *node.children[1];
    const Result<Value> receiver = eval(receiver_node);
    if (!receiver) return receiver;
    const Result<Value> argument = eval(argument_node);
    if (!argument) return argument;
    for (const auto& [part, value] : {std::pair{&receiver_node, &receiver->get()},
                                      std::pair{&argument_node, &argument->get()}}) {
        if (!value->is_string()) {
            return evaluation_error(node, std::string(method) + "() works on strings, but " +
                                              quoted(*part) + " is " + kind_name(*value));
        }
    }
    const std::string& text = receiver->get().get_ref<const std::string&>();
    const std::string& wanted = argument->get().get_ref<const std::string&>();
    switch (node.kind) {
        case NodeKind::contains:
            return Value::own(text.find(wanted) != std::string::npos);
        case NodeKind::starts_with:
            return Value::own(text.starts_with(wanted));
        default:
            return Value::own(text.ends_with(wanted));
    }
}

Result<Value> Evaluator::eval_list(const Node& node) const {
    json items = json::array();
    for (const NodePtr& item : node.children) {
        const Result<Value> value = eval(*item);
        if (!value) return value;
        items.push_back(value->get());
    }
    return Value::own(std::move(items));
}

}  // namespace

Result<Condition> Condition::parse(std::string_view text) {
    if (text.size() > limits::condition_bytes_max) {
        return make_error(ErrorCode::limit_exceeded,
                          "the condition is " + std::to_string(text.size()) +
                              " bytes long; the most is " +
                              std::to_string(limits::condition_bytes_max),
                          "col:" + std::to_string(limits::condition_bytes_max));
    }
    try {
        Parser parser(text, Lexer(text).run());
        Condition condition;
        condition.root_ = parser.parse_condition();
        condition.text_ = std::string(text);
        return condition;
    } catch (const ParseFailure& failure) {
        return failure.error;
    }
}

Result<bool> Condition::evaluate(const ConditionInput& input) const {
    BATON_ASSERT(input.data != nullptr);
    BATON_ASSERT(root_ != nullptr);
    const Result<Value> value = Evaluator(input).eval(*root_);
    if (!value) return value.error();
    const json& result = value->get();
    if (!result.is_boolean()) {
        return make_error(ErrorCode::invalid_argument,
                          "condition is not true/false: it is " + kind_name(result), text_);
    }
    return result.get<bool>();
}

}  // namespace baton::core
