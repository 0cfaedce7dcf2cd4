// The OpenAPI document (src/http/openapi.json, embedded at build time) against the real
// router: every served route is documented and every documented route is served, every
// operation has a summary and a success answer, every $ref resolves, and the open routes
// (and only they) say `security: []` (a signed webhook names its signature schemes
// instead of the bearer token). Then the claims are checked against the API itself:
// the open routes answer without a token, the others refuse one that is missing, and
// GET /v1/openapi.json serves this very document.
#include "http/openapi.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/clock.h"
#include "engine/engine.h"
#include "http/api.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace baton {
namespace {

using nlohmann::json;
using Operation = std::pair<std::string, std::string>;  // METHOD, path pattern

const char* const kMethods[] = {"get", "put", "post", "delete", "patch", "head", "options",
                                "trace"};

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string describe(const std::set<Operation>& ops) {
    std::string out;
    for (const auto& [method, path] : ops) out += "\n  " + method + " " + path;
    return out;
}

// Every "$ref" string in `value`, with where it was found.
void collect_refs(const json& value, const std::string& where,
                  std::vector<std::pair<std::string, std::string>>& out) {
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (key == "$ref" && item.is_string()) {
                out.emplace_back(where, item.get<std::string>());
            } else {
                collect_refs(item, where + "/" + key, out);
            }
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            collect_refs(value[i], where + "/" + std::to_string(i), out);
        }
    }
}

// A "$ref" to a component, resolved (one level); other values as they are.
const json& deref(const json& doc, const json& value) {
    if (value.is_object() && value.contains("$ref")) {
        const std::string ref = value["$ref"].get<std::string>();
        return doc.at(json::json_pointer(ref.substr(1)));
    }
    return value;
}

// The names of "{name}" segments of a path pattern.
std::set<std::string> path_names(const std::string& pattern) {
    std::set<std::string> out;
    for (const auto& segment : http::split_path(pattern)) {
        if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
            out.insert(segment.substr(1, segment.size() - 2));
        }
    }
    return out;
}

class OpenApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = store::open_sqlite({.path = dir_.file("baton.db")});
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        store_ = std::move(opened).value();
        engine_ = std::make_unique<engine::Engine>(*store_, clock_);
        api_ = std::make_unique<http::Api>(*engine_, http::ApiOptions{});
        doc_ = json::parse(http::openapi_document(), nullptr, false);
        ASSERT_FALSE(doc_.is_discarded()) << "src/http/openapi.json is not valid JSON";
        ASSERT_TRUE(doc_.is_object());
    }

    // (METHOD, path) of every operation in the document.
    std::set<Operation> documented() const {
        std::set<Operation> out;
        for (const auto& [path, item] : doc_.at("paths").items()) {
            for (const char* method : kMethods) {
                if (item.contains(method)) out.emplace(upper(method), path);
            }
        }
        return out;
    }

    std::set<Operation> served() const {
        std::set<Operation> out;
        for (const auto& route : api_->router().routes()) out.emplace(route.method, route.pattern);
        return out;
    }

    // The document's operation for a route; null when it has none.
    const json* operation(const http::Route& route) const {
        std::string method = route.method;
        for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const json& paths = doc_.at("paths");
        if (!paths.contains(route.pattern) || !paths[route.pattern].contains(method)) {
            return nullptr;
        }
        return &paths[route.pattern][method];
    }

    http::Response get(const std::string& path, const std::string& token = {}) {
        http::Request request;
        request.method = "GET";
        request.path = path;
        if (!token.empty()) request.headers.add("Authorization", "Bearer " + token);
        return api_->handle(request);
    }

    testing::TempDir dir_;
    engine::SystemClock clock_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<engine::Engine> engine_;
    std::unique_ptr<http::Api> api_;
    json doc_;
};

TEST_F(OpenApiTest, IsOpenApi31WithInfoServersAndBearerSecurity) {
    EXPECT_EQ(doc_.value("openapi", ""), "3.1.0");
    ASSERT_TRUE(doc_.contains("info"));
    EXPECT_EQ(doc_["info"].value("title", ""), "Baton");
    EXPECT_FALSE(doc_["info"].value("version", "").empty());
    ASSERT_TRUE(doc_.contains("servers") && doc_["servers"].is_array() &&
                !doc_["servers"].empty());
    EXPECT_EQ(doc_["servers"][0].value("url", ""), "http://127.0.0.1:8080");
    const json& scheme = doc_.at(json::json_pointer("/components/securitySchemes/bearer"));
    EXPECT_EQ(scheme.value("type", ""), "http");
    EXPECT_EQ(scheme.value("scheme", ""), "bearer");
    EXPECT_EQ(doc_.value("security", json()), json::parse(R"([{"bearer": []}, {"session": []}])"));
}

TEST_F(OpenApiTest, DocumentsExactlyTheRoutesTheRouterServes) {
    const auto docs = documented();
    const auto routes = served();
    ASSERT_FALSE(routes.empty());
    std::set<Operation> undocumented, unserved;
    for (const auto& op : routes) {
        if (!docs.count(op)) undocumented.insert(op);
    }
    for (const auto& op : docs) {
        if (!routes.count(op)) unserved.insert(op);
    }
    EXPECT_TRUE(undocumented.empty())
        << "served but not in src/http/openapi.json:" << describe(undocumented);
    EXPECT_TRUE(unserved.empty())
        << "in src/http/openapi.json but not served by the router:" << describe(unserved);
    // The router must not list one route twice (the document could not tell them apart).
    EXPECT_EQ(routes.size(), api_->router().routes().size());
}

TEST_F(OpenApiTest, EveryOperationHasASummaryAndASuccessAnswer) {
    std::set<std::string> operation_ids;
    for (const auto& [path, item] : doc_.at("paths").items()) {
        for (const char* method : kMethods) {
            if (!item.contains(method)) continue;
            const json& op = item[method];
            const std::string name = upper(method) + " " + path;
            EXPECT_TRUE(op.contains("summary") && op["summary"].is_string() &&
                        !op["summary"].get<std::string>().empty())
                << name << " has no summary";
            if (op.contains("operationId")) {
                EXPECT_TRUE(operation_ids.insert(op["operationId"].get<std::string>()).second)
                    << name << ": operationId " << op["operationId"] << " is used twice";
            }
            ASSERT_TRUE(op.contains("responses") && op["responses"].is_object())
                << name << " has no responses";
            bool success = false;
            for (const auto& [status, answer] : op["responses"].items()) {
                success = success || (status.size() == 3 && status[0] == '2');
                // Every error a handler answers is a problem+json.
                if (status[0] == '4' || status[0] == '5') {
                    const json& resolved = deref(doc_, answer);
                    EXPECT_TRUE(resolved.contains("content") &&
                                resolved["content"].contains("application/problem+json"))
                        << name << " " << status << " is not application/problem+json";
                }
            }
            EXPECT_TRUE(success) << name << " has no 2xx response";
        }
    }
}

TEST_F(OpenApiTest, PathParametersMatchThePathTemplates) {
    for (const auto& [path, item] : doc_.at("paths").items()) {
        const std::set<std::string> names = path_names(path);
        for (const char* method : kMethods) {
            if (!item.contains(method)) continue;
            std::set<std::string> declared;
            for (const auto& p : item[method].value("parameters", json::array())) {
                const json& param = deref(doc_, p);
                if (param.value("in", "") != "path") continue;
                declared.insert(param.value("name", ""));
                EXPECT_TRUE(param.value("required", false))
                    << upper(method) << " " << path << ": path parameter "
                    << param.value("name", "") << " must be required";
            }
            EXPECT_EQ(declared, names) << upper(method) << " " << path;
        }
    }
}

TEST_F(OpenApiTest, EveryRefResolvesInsideTheDocument) {
    std::vector<std::pair<std::string, std::string>> refs;
    collect_refs(doc_, "", refs);
    ASSERT_FALSE(refs.empty());
    for (const auto& [where, ref] : refs) {
        ASSERT_TRUE(ref.rfind("#/", 0) == 0) << where << ": $ref " << ref << " is not local";
        bool resolves = false;
        try {
            resolves = doc_.contains(json::json_pointer(ref.substr(1)));
        } catch (const json::exception&) {
            resolves = false;
        }
        EXPECT_TRUE(resolves) << where << ": $ref " << ref << " does not resolve";
    }
}

TEST_F(OpenApiTest, OnlyOpenRoutesHaveEmptySecurity) {
    int open_routes = 0;
    for (const auto& route : api_->router().routes()) {
        const std::string name = route.method + " " + route.pattern;
        const json* found = operation(route);
        if (found == nullptr) continue;  // undocumented: reported by the test above
        const json& op = *found;
        const bool empty_security =
            op.contains("security") && op["security"].is_array() && op["security"].empty();
        if (route.access == http::Access::open) {
            ++open_routes;
            EXPECT_TRUE(empty_security) << name << " is open: it needs `security: []`";
        } else if (route.access == http::Access::signed_hook) {
            // No token, but a signature: its own requirement, not the bearer one.
            EXPECT_FALSE(empty_security) << name << " needs a signature: no `security: []`";
            ASSERT_TRUE(op.contains("security") && op["security"].is_array()) << name;
            for (const auto& requirement : op["security"]) {
                EXPECT_FALSE(requirement.contains("bearer")) << name << " takes no token";
                for (const auto& [scheme, scopes] : requirement.items()) {
                    EXPECT_TRUE(doc_["components"]["securitySchemes"].contains(scheme))
                        << name << ": no security scheme " << scheme;
                }
            }
            EXPECT_TRUE(op["responses"].contains("401")) << name << " can answer 401";
        } else {
            EXPECT_FALSE(empty_security) << name << " needs a token: no `security: []`";
            EXPECT_TRUE(op["responses"].contains("401")) << name << " can answer 401";
            EXPECT_TRUE(op["responses"].contains("429")) << name << " can answer 429";
        }
        if (route.access == http::Access::write || route.access == http::Access::admin) {
            EXPECT_TRUE(op["responses"].contains("403")) << name << " can answer 403";
        }
    }
    EXPECT_GT(open_routes, 0);
}

TEST_F(OpenApiTest, SecurityClaimsHoldAgainstTheApi) {
    for (const auto& route : api_->router().routes()) {
        if (route.method != "GET" || route.pattern.find('{') != std::string::npos) continue;
        const http::Response r = get(route.pattern);
        if (route.access == http::Access::open) {
            EXPECT_NE(r.status, 401) << route.pattern << " is documented as open";
        } else {
            EXPECT_EQ(r.status, 401) << route.pattern << " is documented as needing a token";
        }
    }
}

TEST_F(OpenApiTest, ServesThisDocumentAtV1OpenApiJson) {
    auto applied = engine_->apply(
        {{"people.yaml", "people:\n  - { handle: val, role: viewer }\n"}});
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    auto token = engine_->create_token("val", "openapi test");
    ASSERT_TRUE(token.ok()) << token.error().message;
    const http::Response r = get("/v1/openapi.json", token->secret);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, http::openapi_document());
}

}  // namespace
}  // namespace baton
