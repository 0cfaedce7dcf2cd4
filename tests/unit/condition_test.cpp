// Tests of the `if:` language: what conditions evaluate to, how evaluation fails, how parsing
// fails (with the column of the offending token), and each limit, one past it. Most tests are
// tables; each table holds cases that come out true and cases that come out false, so an
// evaluator stuck on one answer fails them.
#include "core/condition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/limits.h"

namespace baton::core {
namespace {

using nlohmann::json;

json sample_data() {
    return json::parse(R"json({
        "amount": 1500,
        "pipeline": "services",
        "price": 19.5,
        "name": "Zoë",
        "tags": ["vip", "eu"],
        "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 0}],
        "customer": {"email": "ops@acme.example", "address": null, "tier": 2},
        "flag": true,
        "off": false,
        "nothing": null,
        "empty_list": [],
        "empty_map": {},
        "keys": {"order-id": "X1", "with space": 1},
        "big": 18446744073709551615,
        "neg": -3,
        "min": -9223372036854775808,
        "deep": {"a": {"b": {"c": 1}}},
        "quote": "say \"hi\"\n",
        "words": {"type": "x", "in": 1, "size": 5, "true": "t"}
    })json");
}

ConditionInput input_for(const json& data) {
    return ConditionInput{.data = &data,
                          .subject = "Acme Corp",
                          .type = "deal.won",
                          .source = "crm",
                          .id = "evt-1",
                          .time = "2024-05-01T09:00:00Z"};
}

struct Case {
    std::string_view text;
    bool expected;
};

void expect_results(std::initializer_list<Case> cases, const json& data = sample_data()) {
    for (const Case& test : cases) {
        SCOPED_TRACE(test.text);
        const Result<Condition> condition = Condition::parse(test.text);
        ASSERT_TRUE(condition.ok())
            << condition.error().message << " at " << condition.error().field;
        const Result<bool> result = condition->evaluate(input_for(data));
        ASSERT_TRUE(result.ok()) << result.error().message;
        EXPECT_EQ(*result, test.expected);
    }
}

// An evaluation error: the condition parses, and evaluating it fails with this message,
// naming `field` as the part at fault.
struct EvaluationErrorCase {
    std::string_view text;
    std::string_view message;
    std::string_view field;
};

void expect_evaluation_errors(std::initializer_list<EvaluationErrorCase> cases) {
    const json data = sample_data();
    for (const EvaluationErrorCase& test : cases) {
        SCOPED_TRACE(test.text);
        const Result<Condition> condition = Condition::parse(test.text);
        ASSERT_TRUE(condition.ok()) << condition.error().message;
        const Result<bool> result = condition->evaluate(input_for(data));
        ASSERT_FALSE(result.ok()) << "evaluated to " << *result;
        EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
        EXPECT_EQ(result.error().message, test.message);
        EXPECT_EQ(result.error().field, test.field);
    }
}

struct ParseErrorCase {
    std::string_view text;
    std::size_t column;
    std::string_view message;
};

void expect_parse_errors(std::initializer_list<ParseErrorCase> cases,
                         ErrorCode code = ErrorCode::invalid_argument) {
    for (const ParseErrorCase& test : cases) {
        SCOPED_TRACE(test.text);
        const Result<Condition> condition = Condition::parse(test.text);
        ASSERT_FALSE(condition.ok());
        EXPECT_EQ(condition.error().code, code);
        EXPECT_EQ(condition.error().message, test.message);
        EXPECT_EQ(condition.error().field, "col:" + std::to_string(test.column));
    }
}

std::string repeat(std::string_view piece, std::size_t times) {
    std::string result;
    for (std::size_t i = 0; i < times; ++i) result += piece;
    return result;
}

// ---------------------------------------------------------------------------------------
// The DESIGN example

TEST(Condition, DesignExampleMatchesOnlyLargeServicesDeals) {
    const Result<Condition> condition =
        Condition::parse(R"(data.amount >= 1000 && data.pipeline == "services")");
    ASSERT_TRUE(condition.ok());
    struct Deal {
        json data;
        bool expected;
    };
    const Deal deals[] = {
        {{{"amount", 1500}, {"pipeline", "services"}}, true},
        {{{"amount", 1000}, {"pipeline", "services"}}, true},
        {{{"amount", 999}, {"pipeline", "services"}}, false},
        {{{"amount", 999.99}, {"pipeline", "services"}}, false},
        {{{"amount", 1000.0}, {"pipeline", "services"}}, true},
        {{{"amount", 5000}, {"pipeline", "sales"}}, false},
        {{{"amount", 10}, {"pipeline", "sales"}}, false},
    };
    for (const Deal& deal : deals) {
        SCOPED_TRACE(deal.data.dump());
        const Result<bool> result = condition->evaluate(input_for(deal.data));
        ASSERT_TRUE(result.ok()) << result.error().message;
        EXPECT_EQ(*result, deal.expected);
    }
}

TEST(Condition, DesignExampleFailsOnMissingOrMistypedAmount) {
    const Result<Condition> condition =
        Condition::parse(R"(data.amount >= 1000 && data.pipeline == "services")");
    ASSERT_TRUE(condition.ok());

    const json missing = {{"pipeline", "services"}};
    const Result<bool> no_amount = condition->evaluate(input_for(missing));
    ASSERT_FALSE(no_amount.ok());
    EXPECT_EQ(no_amount.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(no_amount.error().message, "no field `data.amount`");
    EXPECT_EQ(no_amount.error().field, "data.amount");

    // The pipeline decides the answer, so the missing amount does not matter (CEL's &&).
    const json other_pipeline = {{"pipeline", "sales"}};
    const Result<bool> decided = condition->evaluate(input_for(other_pipeline));
    ASSERT_TRUE(decided.ok());
    EXPECT_FALSE(*decided);

    const json text_amount = {{"amount", "1500"}, {"pipeline", "services"}};
    const Result<bool> mistyped = condition->evaluate(input_for(text_amount));
    ASSERT_FALSE(mistyped.ok());
    EXPECT_EQ(mistyped.error().message,
              "cannot compare `data.amount` (a string) with `1000` (an int) using `>=`");
}

TEST(Condition, KeepsItsTextAndCopiesShareTheParsedTree) {
    const Result<Condition> parsed = Condition::parse("  data.flag  ");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->text(), "  data.flag  ");
    const Condition copy = *parsed;
    EXPECT_EQ(copy.text(), "  data.flag  ");
    const json on = {{"flag", true}};
    const json off = {{"flag", false}};
    EXPECT_TRUE(*copy.evaluate(input_for(on)));
    EXPECT_FALSE(*copy.evaluate(input_for(off)));
    EXPECT_TRUE(*parsed->evaluate(input_for(on)));
}

TEST(Condition, EvaluatesConcurrentlyFromManyThreads) {
    const Result<Condition> condition =
        Condition::parse(R"(data.n > 10 && data.tags.contains("x") == false)");
    ASSERT_TRUE(condition.ok());
    const json small = {{"n", 5}, {"tags", "abc"}};
    const json large = {{"n", 50}, {"tags", "abc"}};
    std::atomic<int> true_count{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                const Result<bool> result =
                    condition->evaluate(input_for(i % 2 == 0 ? large : small));
                if (!result.ok()) {
                    ++failures;
                } else if (*result) {
                    ++true_count;
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(true_count.load(), 4 * 250);
}

// ---------------------------------------------------------------------------------------
// Operators

TEST(Condition, EqualityAndInequality) {
    expect_results({
        {"data.amount == 1500", true},
        {"data.amount == 1501", false},
        {"data.amount != 1501", true},
        {"data.amount != 1500", false},
        {R"(data.pipeline == "services")", true},
        {R"(data.pipeline == "Services")", false},
        {R"(data.pipeline != "sales")", true},
        {"data.flag == true", true},
        {"data.off == true", false},
        {"data.off != true", true},
    });
}

TEST(Condition, OrderingOperatorsAtTheirBoundaries) {
    expect_results({
        {"data.amount < 1501", true},
        {"data.amount < 1500", false},
        {"data.amount <= 1500", true},
        {"data.amount <= 1499", false},
        {"data.amount > 1499", true},
        {"data.amount > 1500", false},
        {"data.amount >= 1500", true},
        {"data.amount >= 1501", false},
        {"data.neg < 0", true},
        {"data.neg > -3", false},
        {"data.neg >= -3", true},
    });
}

TEST(Condition, IntsAndDoublesCompareNumerically) {
    expect_results({
        {"1 == 1.0", true},
        {"data.amount == 1500.0", true},
        {"data.amount < 1500.5", true},
        {"data.amount > 1500.5", false},
        {"data.price == 19.5", true},
        {"data.price > 19", true},
        {"data.price < 19", false},
        {"2.5 < 2", false},
        {"[1, 2.0] == [1.0, 2]", true},
    });
}

TEST(Condition, LargeIntsCompareExactly) {
    expect_results({
        {"data.big == 18446744073709551615", true},
        {"data.big > 9223372036854775807", true},
        {"data.big > 0", true},
        {"data.big < 0", false},
        {"data.min < data.neg", true},
        {"data.min == -9223372036854775808", true},
        {"data.min < data.big", true},
        {"9007199254740993 == 9007199254740992.0", false},
        {"9007199254740993 > 9007199254740992.0", true},
    });
}

TEST(Condition, StringsOrderByBytes) {
    expect_results({
        {R"("a" < "b")", true},
        {R"("b" < "a")", false},
        {R"("B" < "a")", true},
        {R"("abc" < "abd")", true},
        {R"("ab" < "abc")", true},
        {R"("" < "a")", true},
        {R"("é" > "z")", true},
        {R"("a" <= "a")", true},
        {R"("a" >= "b")", false},
    });
}

TEST(Condition, BoolsOrderFalseBeforeTrue) {
    expect_results({
        {"false < true", true},
        {"true < false", false},
        {"true <= true", true},
        {"true >= false", true},
    });
}

TEST(Condition, NullEqualsOnlyNull) {
    expect_results({
        {"null == null", true},
        {"data.nothing == null", true},
        {"data.customer.address == null", true},
        {"data.amount == null", false},
        {"data.amount != null", true},
        {"null != data.pipeline", true},
        {"data.tags == null", false},
        {"data.nothing != null", false},
    });
}

TEST(Condition, ListsAndMapsCompareDeeply) {
    expect_results({
        {R"(data.tags == ["vip", "eu"])", true},
        {R"(data.tags == ["eu", "vip"])", false},
        {R"(data.tags == ["vip"])", false},
        {R"(data.tags != ["vip"])", true},
        {"data.empty_list == []", true},
        {"data.items[0] == data.items[0]", true},
        {"data.items[0] == data.items[1]", false},
        {"data.deep == data.deep", true},
        {"data.customer == data.deep", false},
        {"data.empty_map == data.keys", false},
        {"[[1, 2], [3]] == [[1, 2], [3]]", true},
        {"[[1, 2], [3]] == [[1, 2], [4]]", false},
        {"[null] == [null]", true},
    });
}

TEST(Condition, LogicalOperators) {
    expect_results({
        {"true && true", true},
        {"true && false", false},
        {"false && true", false},
        {"false || true", true},
        {"true || false", true},
        {"false || false", false},
        {"true && true && false", false},
        {"false || false || true", true},
        {"!data.off", true},
        {"!data.flag", false},
        {"!!data.flag", true},
        {"!true || !false", true},
    });
}

TEST(Condition, UnaryMinus) {
    expect_results({
        {"-data.neg == 3", true},
        {"-(-1) == 1", true},
        {"--1 == 1", true},
        {"-data.price == -19.5", true},
        {"- 2 == -2", true},
        {"-data.amount < 0", true},
        {"-data.amount > 0", false},
    });
}

TEST(Condition, PrecedenceAndParentheses) {
    expect_results({
        // && binds tighter than ||: read as true || (true && false).
        {"true || true && false", true},
        {"(true || true) && false", false},
        // ...and as (false && false) || true.
        {"false && false || true", true},
        {"false && (false || true)", false},
        // ! binds tighter than &&: (!false) && false.
        {"!false && false", false},
        {"!(false && false)", true},
        // Comparison binds tighter than && and ||.
        {"data.amount > 1000 && data.neg < 0 || false", true},
        {"(data.amount >= 1000) == true", true},
        {"((((data.flag))))", true},
        // Path steps bind tighter than unary minus.
        {"-data.items[0].qty == -2", true},
        {" \t data.amount\n>=\r\n1000  ", true},
    });
}

// ---------------------------------------------------------------------------------------
// && and || absorb errors the way CEL does

TEST(Condition, DecidingOperandAbsorbsErrorsOnEitherSide) {
    expect_results({
        {"false && data.missing", false},
        {"data.missing && false", false},
        {"true || data.missing", true},
        {"data.missing || true", true},
        {"false && data.amount", false},
        {"data.pipeline || true", true},
        {R"(false && (1 == "a"))", false},
        {R"((1 == "a") || true)", true},
        {"data.missing && data.other && false", false},
        {"has(data.missing) && data.missing > 1", false},
        {"!has(data.amount) || data.amount > 1000", true},
    });
}

TEST(Condition, ErrorsSurviveWhenNoOperandDecides) {
    expect_evaluation_errors({
        {"true && data.missing", "no field `data.missing`", "data.missing"},
        {"data.missing && true", "no field `data.missing`", "data.missing"},
        {"false || data.missing", "no field `data.missing`", "data.missing"},
        {"data.missing || false", "no field `data.missing`", "data.missing"},
        // The first error is the one reported.
        {"data.missing && data.other && true", "no field `data.missing`", "data.missing"},
        {"data.pipeline && true", "`&&` needs true or false, but `data.pipeline` is a string",
         "data.pipeline"},
        {"false || data.amount", "`||` needs true or false, but `data.amount` is an int",
         "data.amount"},
        {"has(data.missing) || data.missing", "no field `data.missing`", "data.missing"},
    });
}

// ---------------------------------------------------------------------------------------
// Evaluation errors

TEST(Condition, MissingFieldsNameThePath) {
    expect_evaluation_errors({
        {"data.missing == 1", "no field `data.missing`", "data.missing"},
        {R"(data.customer.phone == "")", "no field `data.customer.phone`", "data.customer.phone"},
        {"data.missing.deeper == 1", "no field `data.missing`", "data.missing"},
        {R"(data.tags[2] == "x")", "no item `data.tags[2]`: the list has 2 items", "data.tags[2]"},
        {R"(data.tags[-1] == "x")", "no item `data.tags[-1]`: the list has 2 items",
         "data.tags[-1]"},
        {R"(data.tags[data.big] == "x")", "no item `data.tags[data.big]`: the list has 2 items",
         "data.tags[data.big]"},
        {"data.keys[\"nope\"] == 1", "no field `data.keys[\"nope\"]`", "data.keys[\"nope\"]"},
        {"data.nothing.x == 1", "cannot read field `x` of `data.nothing`: it is null",
         "data.nothing.x"},
        {"data.amount.x == 1", "cannot read field `x` of `data.amount`: it is an int",
         "data.amount.x"},
        {"subject.x == 1", "cannot read field `x` of `subject`: it is a string", "subject.x"},
        {R"("vip" in data.missing)", "no field `data.missing`", "data.missing"},
        {"has(data.tags[data.missing])", "no field `data.missing`", "data.missing"},
    });
}

TEST(Condition, IndexesOfTheWrongTypeAreErrors) {
    expect_evaluation_errors({
        {R"(data.tags[0.0] == "vip")",
         "cannot index the list `data.tags` with `0.0`: it is a double, not an int",
         "data.tags[0.0]"},
        {R"(data.tags["0"] == "vip")",
         "cannot index the list `data.tags` with `\"0\"`: it is a string, not an int",
         "data.tags[\"0\"]"},
        {"data.keys[1] == 1",
         "cannot index the map `data.keys` with `1`: it is an int, not a string", "data.keys[1]"},
        {"data.amount[0] == 1", "cannot index `data.amount`: it is an int", "data.amount[0]"},
    });
}

TEST(Condition, ComparingDifferentTypesIsAnError) {
    expect_evaluation_errors({
        {R"(data.amount == "1500")",
         "cannot compare `data.amount` (an int) with `\"1500\"` (a string) using `==`",
         R"(data.amount == "1500")"},
        {"data.pipeline < 3",
         "cannot compare `data.pipeline` (a string) with `3` (an int) using `<`",
         "data.pipeline < 3"},
        {"data.flag != 1", "cannot compare `data.flag` (a bool) with `1` (an int) using `!=`",
         "data.flag != 1"},
        {"data.tags <= data.tags",
         "cannot compare `data.tags` (a list) with `data.tags` (a list) using `<=`",
         "data.tags <= data.tags"},
        {"null > null", "cannot compare `null` (null) with `null` (null) using `>`", "null > null"},
        {"data.deep >= 1", "cannot compare `data.deep` (a map) with `1` (an int) using `>=`",
         "data.deep >= 1"},
        {R"(data.tags == ["vip", 1])",
         "cannot compare `data.tags` (a list) with `[\"vip\", 1]` (a list) using `==`",
         R"(data.tags == ["vip", 1])"},
    });
    // A list holding a different item is unequal even when another item cannot be compared.
    expect_results({{R"(data.tags == ["x", 1])", false}});
}

TEST(Condition, OperatorsRefuseValuesOfTheWrongType) {
    expect_evaluation_errors({
        {"!data.amount", "`!` needs true or false, but `data.amount` is an int", "data.amount"},
        {"!data.tags.size() == 2", "`!` needs true or false, but `data.tags.size()` is an int",
         "data.tags.size()"},
        {"-data.pipeline == 1", "`-` needs a number, but `data.pipeline` is a string",
         "-data.pipeline"},
        {"-data.big == 1", "`-data.big` is outside the range of an int", "-data.big"},
        {"-data.min == 1", "`-data.min` is outside the range of an int", "-data.min"},
        {R"("a" in data.pipeline)",
         "`in` needs a list or a map on its right, but `data.pipeline` is a string",
         R"("a" in data.pipeline)"},
        {"1 in data.keys", "`in` a map looks for a key, which is a string, but `1` is an int",
         "1 in data.keys"},
        {R"("x" in [1, 2])",
         "cannot compare `\"x\"` (a string) with every item of `[1, 2]`: it holds items of "
         "another type",
         R"("x" in [1, 2])"},
    });
}

TEST(Condition, ResultMustBeTrueOrFalse) {
    expect_evaluation_errors({
        {"data.pipeline", "condition is not true/false: it is a string", "data.pipeline"},
        {"data.amount", "condition is not true/false: it is an int", "data.amount"},
        {"data.price", "condition is not true/false: it is a double", "data.price"},
        {"data.nothing", "condition is not true/false: it is null", "data.nothing"},
        {"data.tags", "condition is not true/false: it is a list", "data.tags"},
        {"(data.deep)", "condition is not true/false: it is a map", "(data.deep)"},
        {"size(data.tags)", "condition is not true/false: it is an int", "size(data.tags)"},
    });
}

// ---------------------------------------------------------------------------------------
// Paths, has(), in, methods, size

TEST(Condition, RootsAndPaths) {
    expect_results({
        {R"(subject == "Acme Corp")", true},
        {R"(type == "deal.won")", true},
        {R"(source == "crm")", true},
        {R"(id == "evt-1")", true},
        {R"(id == "evt-2")", false},
        {R"(time >= "2024-01-01")", true},
        {R"(time < "2024-05-01T09:00:00Z")", false},
        {R"(data.items[0].sku == "a")", true},
        {"data.items[1].qty == 0", true},
        {R"(data["pipeline"] == "services")", true},
        {R"(data["keys"]["order-id"] == "X1")", true},
        {R"(data.keys['with space'] == 1)", true},
        {"data.deep.a.b.c == 1", true},
        {R"(data.tags[data.deep.a.b.c] == "eu")", true},
        {"[10, 20, 30][data.customer.tier] == 30", true},
        {"[10, data.amount][1] == 1500", true},
        // Keywords, roots and method names are ordinary field names after a dot.
        {R"(data.words.type == "x")", true},
        {"data.words.in == 1", true},
        {"data.words.size == 5", true},
        {R"(data.words.true == "t")", true},
    });
}

TEST(Condition, HasTestsWhetherAPathExists) {
    expect_results({
        {"has(data.amount)", true},
        {"has(data.missing)", false},
        {"has(data.customer.email)", true},
        {"has(data.customer.address)", true},  // present, though null
        {"has(data.customer.phone)", false},
        {"has(data.missing.deeper)", false},
        {"has(data.amount.x)", false},
        {"has(data.nothing.x)", false},
        {"has(data.tags[1])", true},
        {"has(data.tags[2])", false},
        {"has(data.tags[-1])", false},
        {R"(has(data.tags["a"]))", false},
        {R"(has(data.keys["order-id"]))", true},
        {R"(has(data["keys"]["nope"]))", false},
        {"has(data.deep.a.b.c)", true},
        {"has((data.deep).a)", true},
        {"has(subject.x)", false},
        {"!has(data.missing)", true},
    });
}

TEST(Condition, InLooksInListsAndMapKeys) {
    expect_results({
        {R"("vip" in data.tags)", true},
        {R"("us" in data.tags)", false},
        {R"(data.pipeline in ["services", "sales"])", true},
        {R"(data.pipeline in ['sales'])", false},
        {"data.amount in [1, 1500]", true},
        {"data.amount in [1500.0]", true},
        {"data.amount in [1, 2]", false},
        {"1 in []", false},
        {R"("order-id" in data.keys)", true},
        {R"("nope" in data.keys)", false},
        {"data.pipeline in [data.pipeline, subject]", true},
        {"subject in [data.pipeline, type]", false},
        // A match wins over an item of another type, as with ==-chained ||.
        {R"("services" in [1, "services"])", true},
        {"[1, 2] in [[1, 2], [3]]", true},
        {"[2, 1] in [[1, 2], [3]]", false},
        {"null in [1, null]", true},
        {"data.items[0] in data.items", true},
        {R"("vip" in data.tags && "eu" in data.tags)", true},
    });
}

TEST(Condition, StringMethods) {
    expect_results({
        {R"(data.pipeline.contains("vice"))", true},
        {R"(data.pipeline.contains("sales"))", false},
        {R"(data.pipeline.contains(""))", true},
        {R"(data.pipeline.startsWith("serv"))", true},
        {R"(data.pipeline.startsWith("vices"))", false},
        {R"(data.pipeline.endsWith("vices"))", true},
        {R"(data.pipeline.endsWith("serv"))", false},
        {R"(subject.startsWith("Acme"))", true},
        {R"(type.startsWith("deal."))", true},
        {R"(data.name.endsWith("ë"))", true},
        {R"(data.customer.email.endsWith("@acme.example"))", true},
        {R"("services".contains(data.pipeline))", true},
        {R"("".contains("a"))", false},
    });
    expect_evaluation_errors({
        {R"(data.amount.contains("1"))", "contains() works on strings, but `data.amount` is an int",
         R"(data.amount.contains("1"))"},
        {"data.pipeline.startsWith(1)", "startsWith() works on strings, but `1` is an int",
         "data.pipeline.startsWith(1)"},
        {R"(data.tags.endsWith("eu"))", "endsWith() works on strings, but `data.tags` is a list",
         R"(data.tags.endsWith("eu"))"},
    });
}

TEST(Condition, SizeCountsCodePointsItemsAndEntries) {
    expect_results({
        {"size(data.name) == 3", true},  // "Zoë" is 4 bytes
        {"size(data.name) == 4", false},
        {"data.name.size() == 3", true},
        {R"(size("日本語") == 3)", true},
        {R"(size("") == 0)", true},
        {"size(data.tags) == 2", true},
        {"data.tags.size() == 2", true},
        {"data.tags.size() > 2", false},
        {"size(data.customer) == 3", true},
        {"data.empty_map.size() == 0", true},
        {"size([1, 2, 3]) == 3", true},
        {"size(data.items[0].sku) == 1", true},
    });
    expect_evaluation_errors({
        {"size(data.amount) == 1",
         "size() needs a string, a list or a map, but `data.amount` is an int",
         "size(data.amount)"},
        {"data.nothing.size() == 0",
         "size() needs a string, a list or a map, but `data.nothing` is null",
         "data.nothing.size()"},
    });
}

TEST(Condition, LiteralsAndEscapes) {
    expect_results({
        {R"("a\"b" == 'a"b')", true},
        {R"('it\'s' == "it's")", true},
        {R"("back\\slash".size() == 10)", true},
        {R"("line\n".size() == 5)", true},
        {R"("\t" == '	')", true},
        {R"("\n" == "n")", false},
        {R"(data.quote == "say \"hi\"\n")", true},
        {R"(data.quote == 'say "hi"\n')", true},
        {R"('single' == "single")", true},
        {"1.5e3 == 1500", true},
        {"2E-1 == 0.2", true},
        {"1e+2 == 100", true},
        {"0.1 < 0.2", true},
        {"007 == 7", true},
        {"true == true", true},
        {"false == true", false},
    });
}

// ---------------------------------------------------------------------------------------
// Parse errors

TEST(Condition, EmptyConditionIsRefused) {
    expect_parse_errors({
        {"", 0, "the condition is empty: expected an expression such as `data.amount >= 1000`"},
        {"   ", 3, "the condition is empty: expected an expression such as `data.amount >= 1000`"},
    });
}

TEST(Condition, MissingAndTrailingTokensAreRefused) {
    expect_parse_errors({
        {"(data.amount > 1", 16, "expected `)` but found end of input"},
        {"data.amount >", 13, "expected an expression but found end of input"},
        {"data.amount > 1 2", 16, "expected an operator or end of input but found `2`"},
        {"data.amount > 1)", 15, "expected an operator or end of input but found `)`"},
        {"data.flag data.off", 10, "expected an operator or end of input but found `data`"},
        {"&& true", 0, "expected an expression but found `&&`"},
        {"()", 1, "expected an expression but found `)`"},
        {"!", 1, "expected an expression but found end of input"},
        {"data.a in", 9, "expected an expression but found end of input"},
        {"data.", 5, "expected a field or method name after `.` but found end of input"},
        {"data.1 == 1", 5, "expected a field or method name after `.` but found `1`"},
        {"data.tags[0", 11, "expected `]` but found end of input"},
        {"data.a in [1, 2", 15, "expected `,` or `]` but found end of input"},
        {"[1 2] == []", 3, "expected `,` or `]` but found `2`"},
        {"[,] == []", 1, "expected an expression but found `,`"},
        {"data.a == 1 == true", 12,
         "expected `&&` or `||` but found `==`: comparisons do not chain, so add parentheses"},
        {R"(data.a == "a long string literal that goes on and on" x)", 54,
         "expected an operator or end of input but found `x`"},
        {R"(data.a "a long string literal that goes on and on and on")", 7,
         "expected an operator or end of input but found "
         "`\"a long string literal that goes on and ...`"},
    });
}

TEST(Condition, UnknownNamesFunctionsAndMethodsAreRefused) {
    expect_parse_errors({
        {"foo == 1", 0,
         "unknown name `foo`; conditions start from data, subject, type, source, id or time"},
        {"data.a == bar", 10,
         "unknown name `bar`; conditions start from data, subject, type, source, id or time"},
        {"in", 0,
         "unknown name `in`; conditions start from data, subject, type, source, id or time"},
        {"has data.a", 0,
         "unknown name `has`; conditions start from data, subject, type, source, id or time"},
        {"exists(data.a)", 0,
         "unknown function `exists`; the functions are has() and size(), and the methods "
         "contains(), startsWith(), endsWith() and size()"},
        {R"(data.name.matches("x"))", 10,
         "unknown method `matches`; methods are contains(), startsWith(), endsWith() and size()"},
        {"data.has(x)", 5,
         "unknown method `has`; methods are contains(), startsWith(), endsWith() and size()"},
    });
}

TEST(Condition, FunctionArgumentsAreChecked) {
    expect_parse_errors({
        {"has(1)", 4,
         "expected a field path such as `has(data.amount)` but found `1`: has() tests whether "
         "a field exists"},
        {"has(data)", 4,
         "expected a field path such as `has(data.amount)` but found `data`: has() tests "
         "whether a field exists"},
        {"has(data.a == 1)", 4,
         "expected a field path such as `has(data.amount)` but found `data.a == 1`: has() "
         "tests whether a field exists"},
        {"has(size(data).x)", 4,
         "expected a field path such as `has(data.amount)` but found `size(data).x`: has() "
         "tests whether a field exists"},
        {"has()", 4, "expected an expression but found `)`"},
        {"has(data.a, data.b)", 10, "expected `)` but found `,`: has() takes one argument"},
        {"size(data.a, 1) == 1", 11, "expected `)` but found `,`: size() takes one argument"},
        {"data.name.size(1) == 1", 15, "expected `)` but found `1`: size() takes no argument"},
        {R"(data.name.contains("a", "b"))", 22,
         "expected `)` but found `,`: contains() takes one argument"},
        {"data.name.contains()", 19, "expected an expression but found `)`"},
    });
}

TEST(Condition, BadCharactersAndLiteralsAreRefused) {
    expect_parse_errors({
        {"data.a = 1", 7, "expected `==` but found `=`"},
        {"data.a & data.b", 7, "expected `&&` but found `&`"},
        {"data.a | data.b", 7, "expected `||` but found `|`"},
        {"data.a == 1 @", 12, "expected an expression or an operator but found `@`"},
        {"data.a == 1 £", 12, "expected an expression or an operator but found `£`"},
        {"data.a ==\x01", 9,
         "expected an expression or an operator but found the control character 0x01"},
        {R"("abc)", 0,
         "expected a closing `\"` for the string that starts here but found end of input"},
        {"data.a == 'abc", 10,
         "expected a closing `'` for the string that starts here but found end of input"},
        {R"("abc\)", 0,
         "expected a closing `\"` for the string that starts here but found end of input"},
        {R"(data.a == "a\qb")", 12, R"(expected an escape \" \' \\ \n or \t but found `\q`)"},
        {"99999999999999999999 > 1", 0,
         "integer `99999999999999999999` is too large; the largest is 18446744073709551615"},
        {"data.a > 1e999", 9, "number `1e999` is out of range"},
    });
}

// ---------------------------------------------------------------------------------------
// Limits, each one past

TEST(Condition, TextLengthLimit) {
    const std::string prefix = R"(data.pipeline != ")";
    const std::size_t filler = limits::condition_bytes_max - prefix.size() - 1;
    const std::string at_limit = prefix + std::string(filler, 'x') + "\"";
    ASSERT_EQ(at_limit.size(), limits::condition_bytes_max);
    expect_results({{at_limit, true}});

    const std::string over = prefix + std::string(filler + 1, 'x') + "\"";
    expect_parse_errors(
        {{over, limits::condition_bytes_max, "the condition is 2001 bytes long; the most is 2000"}},
        ErrorCode::limit_exceeded);
}

TEST(Condition, NestingLimitForParentheses) {
    const std::size_t max = limits::condition_depth_max;
    // `true` rather than a path, because each path step is a level too.
    const std::string at_limit = repeat("(", max) + "true" + repeat(")", max);
    expect_results(
        {{at_limit, true}, {repeat("(", max - 1) + "data.flag" + repeat(")", max - 1), true}});
    const std::string over = repeat("(", max + 1) + "true" + repeat(")", max + 1);
    expect_parse_errors({{over, max, "the condition is nested more than 32 levels deep"}},
                        ErrorCode::limit_exceeded);
}

TEST(Condition, NestingLimitForUnaryOperators) {
    const std::size_t max = limits::condition_depth_max;
    expect_results({{repeat("!", max) + "true", true}, {repeat("!", max - 1) + "true", false}});
    expect_results({{repeat("-", max) + "1 == 1", true}});
    expect_parse_errors(
        {{repeat("!", max + 1) + "true", max, "the condition is nested more than 32 levels deep"},
         {repeat("-", max + 1) + "1 == 1", max,
          "the condition is nested more than 32 levels deep"}},
        ErrorCode::limit_exceeded);
}

TEST(Condition, NestingLimitForPathsListsAndCalls) {
    const std::size_t max = limits::condition_depth_max;
    const std::string path_at_limit = "has(data" + repeat(".a", max - 1) + ")";
    expect_results({{path_at_limit, false}});
    const std::string path_over = "has(data" + repeat(".a", max) + ")";
    const std::string lists_over = repeat("[", max + 1) + repeat("]", max + 1) + " == []";
    const std::string sizes_over = repeat("size(", max + 1) + "data" + repeat(")", max + 1);
    expect_parse_errors(
        {{path_over, 4 + 4 + 2 * (max - 1), "the condition is nested more than 32 levels deep"},
         {lists_over, max, "the condition is nested more than 32 levels deep"},
         {sizes_over, 5 * max + 4, "the condition is nested more than 32 levels deep"}},
        ErrorCode::limit_exceeded);
}

TEST(Condition, DeepNestingIsRefusedWithoutExhaustingTheStack) {
    // Both fit within condition_bytes_max, so only the depth limit stands in the way.
    const std::string parens = repeat("(", 995) + "true" + repeat(")", 995);
    const std::string nots = repeat("!", 1996) + "true";
    ASSERT_LE(parens.size(), limits::condition_bytes_max);
    ASSERT_LE(nots.size(), limits::condition_bytes_max);
    expect_parse_errors({{parens, 32, "the condition is nested more than 32 levels deep"},
                         {nots, 32, "the condition is nested more than 32 levels deep"}},
                        ErrorCode::limit_exceeded);
}

TEST(Condition, ListItemsLimit) {
    std::string at_limit = "100 in [";
    for (std::size_t i = 1; i <= limits::condition_list_items_max; ++i) {
        at_limit += (i > 1 ? ", " : "") + std::to_string(i);
    }
    expect_results({{at_limit + "]", true}, {"101 in " + at_limit.substr(7) + "]", false}});

    const std::string over = at_limit + ", 101]";
    expect_parse_errors({{over, over.size() - 4, "a list may hold at most 100 items"}},
                        ErrorCode::limit_exceeded);
}

}  // namespace
}  // namespace baton::core
