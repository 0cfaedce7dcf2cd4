// The reads the board needs beyond the CLI's: live validation of a playbook being edited
// (POST /v1/lint), reports over time (GET /v1/reports/series), CSV for the report tables,
// and the people and teams as values (for filters and the people page).
#include <algorithm>

#include "core/channels.h"
#include "core/deadlines.h"
#include "core/diagnostic.h"
#include "core/duration.h"
#include "core/utf8.h"
#include "core/playbook.h"
#include "engine/json_views.h"
#include "http/api.h"
#include "http/problem.h"

namespace baton::http {

namespace {

nlohmann::json optional_span(const std::optional<core::Span>& span) {
    return span ? nlohmann::json(core::format_span(*span)) : nlohmann::json(nullptr);
}

const char* checkpoint_kind(core::CheckpointKind kind) {
    switch (kind) {
        case core::CheckpointKind::slack: return "slack";
        case core::CheckpointKind::email: return "email";
        case core::CheckpointKind::webhook: return "webhook";
    }
    return "slack";
}

// The playbook read as the three moves, for the editor beside the YAML.
nlohmann::json playbook_summary(const core::Playbook& p) {
    nlohmann::json checklist = nlohmann::json::array();
    for (const auto& item : p.checklist) {
        checklist.push_back({{"text", item.text},
                             {"when", item.when ? nlohmann::json(*item.when) : nlohmann::json(nullptr)}});
    }
    nlohmann::json remind = nlohmann::json::array();
    for (const auto& r : p.remind) remind.push_back(core::format_span(r));
    nlohmann::json escalate = nlohmann::json::array();
    for (const auto& e : p.escalate) {
        escalate.push_back({{"after", core::format_span(e.after)},
                            {"to", e.to},
                            {"on", e.on == core::EscalationSide::accept ? "accept" : "done"},
                            {"reassign", e.reassign}});
    }
    nlohmann::json checkpoint = nlohmann::json::array();
    for (const auto& c : p.checkpoint) {
        checkpoint.push_back({{"kind", checkpoint_kind(c.kind)},
                              {"target", c.target},
                              {"template", c.template_name ? nlohmann::json(*c.template_name)
                                                           : nlohmann::json(nullptr)}});
    }
    return {{"id", p.id},
            {"title", p.title},
            {"description", p.description},
            {"trigger",
             {{"on", p.when},
              {"has_condition", p.condition.has_value()},
              // The `if:` as written, so that the board's builder can show it.
              {"condition", p.condition ? nlohmann::json(p.condition->text())
                                        : nlohmann::json(nullptr)}}},
            {"subject", p.subject},
            {"from", p.from},
            {"owner", p.owner},
            {"done", p.done},
            {"accept_within", optional_span(p.accept_within)},
            {"done_within", optional_span(p.done_within)},
            {"remind", remind},
            {"escalate", escalate},
            {"checkpoint", checkpoint},
            {"checklist", checklist},
            {"next", p.next ? nlohmann::json(*p.next) : nlohmann::json(nullptr)},
            {"calendar", p.calendar_24x7 ? "24x7" : "working hours"}};
}

// When a handoff started now would have to be accepted and done, in the owner's hours: for
// a person, theirs; for a team, its first member's (the rule may pick another); nothing for
// a template, which only an event names. For the builder's "accept by Thursday 11:00 in
// Dana Reyes's hours"; nothing is stored or advanced (a round-robin counter stays).
nlohmann::json deadline_preview(const core::Playbook& p, const core::Directory* directory,
                                TimePoint now) {
    if (directory == nullptr || (!p.accept_within && !p.done_within)) return nullptr;
    const core::Person* person = directory->person(p.owner);
    std::string team;
    if (person == nullptr) {
        const core::Team* t = directory->team(p.owner);
        if (t == nullptr || t->members.empty()) return nullptr;
        team = t->handle;
        person = directory->person(t->members.front());
        if (person == nullptr) return nullptr;
    }
    const core::DeadlinePlan plan = core::plan_deadlines(p, now, person->calendar);
    const auto at = [](const std::optional<TimePoint>& t) {
        return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
    };
    return {{"owner", person->handle},
            {"name", person->name},
            {"team", team.empty() ? nlohmann::json(nullptr) : nlohmann::json(team)},
            {"time_zone", person->time_zone},
            {"working_hours", !p.calendar_24x7},
            {"from", format_rfc3339(now)},
            {"accept_by", at(plan.deadlines.accept_by)},
            {"done_by", at(plan.deadlines.done_by)}};
}

// Checkpoints whose Slack channel or webhook the applied channels.yaml does not have, with
// a "did you mean". Without a channels.yaml there is nothing to compare with: messages wait.
void unknown_channels(const core::Playbook& p, const core::ChannelsConfig& channels,
                      const std::string& file, nlohmann::json& warnings) {
    for (std::size_t i = 0; i < p.checkpoint.size(); ++i) {
        const core::Checkpoint& c = p.checkpoint[i];
        if (c.target.find("{{") != std::string::npos) continue;
        std::vector<std::string> known;
        std::string what;
        if (c.kind == core::CheckpointKind::slack && !c.target.empty() && c.target[0] == '#') {
            for (const auto& [name, endpoint] : channels.slack) known.push_back(name);
            what = "Slack channel";
        } else if (c.kind == core::CheckpointKind::webhook) {
            for (const auto& [name, endpoint] : channels.webhooks) known.push_back(name);
            what = "webhook";
        } else {
            continue;
        }
        if (std::find(known.begin(), known.end(), c.target) != known.end()) continue;
        std::string message = "checkpoint: no " + what + " `" + c.target + "` in channels.yaml";
        const std::string hint = core::did_you_mean(c.target, known);
        if (!hint.empty()) message += "; " + hint;
        const auto at = p.positions.find("checkpoint[" + std::to_string(i) + "]");
        const core::Position where = at == p.positions.end() ? core::Position{} : at->second;
        warnings.push_back({{"file", file},
                            {"line", where.line},
                            {"col", where.column},
                            {"message", message}});
    }
}

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A field
// that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.
std::string csv_field(const std::string& text) {
    std::string value = text;
    if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' ||
                           value[0] == '@')) {
        value = "'" + value;
    }
    if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string csv_value(const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return csv_field(v.get<std::string>());
    return core::dump_json(v);
}

}  // namespace

Response csv_response(const nlohmann::json& rows, const std::vector<std::string>& columns,
                      const std::string& filename) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + columns[i];
    out += "\r\n";
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            out += (i ? "," : "") + csv_value(row.value(columns[i], nlohmann::json()));
        }
        out += "\r\n";
    }
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.set("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    r.body = std::move(out);
    return r;
}

Result<std::pair<std::string, Milliseconds>> report_since(const Request& r,
                                                          std::initializer_list<const char*> known) {
    for (const auto& [key, value] : r.query) {
        bool ok = false;
        for (const char* k : known) ok = ok || key == k;
        if (!ok) {
            return make_error(ErrorCode::invalid_argument, "unknown query parameter `" + key + "`",
                              key);
        }
    }
    const std::string text = r.query.count("since") ? r.query.at("since") : "30d";
    auto since = core::parse_span(text);
    if (!since) {
        return make_error(ErrorCode::invalid_argument, "since: " + since.error().message, "since");
    }
    return std::make_pair(text, std::chrono::duration_cast<Milliseconds>(since->total_24x7()));
}

void Api::add_board_data_routes() {
    router_.add({"POST", "/v1/lint", Access::read,
                 "Lint a playbook as `apply` would, storing nothing (live validation)",
                 [this](const Request& r, const Params&, const Principal&) {
                     auto body = json_body(r);
                     if (!body) return problem_from(body.error());
                     if (auto st = only_fields(*body, {"kind", "text", "file"}); !st) {
                         return problem_from(st.error());
                     }
                     if (!body->contains("text") || !(*body)["text"].is_string()) {
                         return problem(400, "Bad Request", "text must be the YAML, a string",
                                        "text");
                     }
                     const std::string kind = body->value("kind", std::string("playbook"));
                     if (kind != "playbook") {
                         return problem(400, "Bad Request", "kind must be playbook", "kind");
                     }
                     const std::string text = (*body)["text"].get<std::string>();
                     auto parsed = core::parse_playbook(text, "playbook.yaml");
                     std::string file = body->value("file", std::string());
                     if (file.empty()) {
                         file = "playbooks/" +
                                (parsed.playbook ? parsed.playbook->id : std::string("new")) +
                                ".yaml";
                     }
                     if (file.size() > 200 || file.find("..") != std::string::npos) {
                         return problem(400, "Bad Request", "file must be a short relative name",
                                        "file");
                     }
                     auto lint = engine_.lint_with_store({{file, text}});
                     if (!lint) return problem_from(lint.error());
                     nlohmann::json errors = nlohmann::json::array();
                     for (const auto& d : lint->errors) {
                         errors.push_back({{"file", d.file},
                                           {"line", d.line},
                                           {"col", d.column},
                                           {"message", d.message},
                                           {"text", d.format()}});
                     }
                     parsed = core::parse_playbook(text, file);
                     nlohmann::json preview(nullptr);
                     nlohmann::json warnings = nlohmann::json::array();
                     if (parsed.playbook) {
                         // Valid, but nothing will ever start it: a type no stored event has
                         // (`when: A booking is made in Calendly`). A warning, not an error:
                         // a playbook may well be written before its first event arrives.
                         store::EventFilter seen;
                         seen.type = parsed.playbook->when;
                         seen.limit = 1;
                         auto events = engine_.events(seen);
                         if (!events) return problem_from(events.error());
                         if (events->empty()) {
                             const auto at = parsed.playbook->positions.find("when");
                             const core::Position p = at == parsed.playbook->positions.end()
                                                          ? core::Position{}
                                                          : at->second;
                             warnings.push_back(
                                 {{"file", file},
                                  {"line", p.line},
                                  {"col", p.column},
                                  {"message", "when: no stored event has the type `" +
                                                  parsed.playbook->when +
                                                  "` yet; nothing starts this playbook until "
                                                  "one arrives"}});
                         }
                         // The engine's parsed (and cached) channels.yaml, when one is applied.
                         auto applied = engine_.channels_applied();
                         if (!applied) return problem_from(applied.error());
                         if (*applied) {
                             auto config = engine_.channels_config();
                             if (!config) return problem_from(config.error());
                             unknown_channels(*parsed.playbook, **config, file, warnings);
                         }
                         auto directory = engine_.directory();
                         if (!directory) return problem_from(directory.error());
                         preview = deadline_preview(*parsed.playbook, directory->get(),
                                                    engine_.now());
                     }
                     return json_response(
                         200, {{"ok", lint->errors.empty()},
                               {"errors", errors},
                               {"playbook", parsed.playbook ? playbook_summary(*parsed.playbook)
                                                            : nlohmann::json(nullptr)},
                               {"warnings", warnings},
                               {"preview", preview}});
                 }});
    router_.add({"GET", "/v1/reports/series", Access::read,
                 "Handoffs started, done, declined and gone overdue, day by day",
                 [this](const Request& r, const Params&, const Principal&) {
                     auto since = report_since(r, {"since", "format"});
                     if (!since) return problem_from(since.error());
                     const std::string& since_text = since->first;
                     const Milliseconds span = since->second;
                     if (span > Milliseconds(366LL * 24 * 3600 * 1000)) {
                         return problem(400, "Bad Request", "since must be at most 366d", "since");
                     }
                     const std::string format = r.query.count("format") ? r.query.at("format") : "json";
                     if (format != "json" && format != "csv") {
                         return problem(400, "Bad Request", "format must be json or csv", "format");
                     }
                     auto days = engine_.series(span);
                     if (!days) return problem_from(days.error());
                     nlohmann::json rows = nlohmann::json::array();
                     for (const auto& d : *days) {
                         rows.push_back({{"day", d.day},
                                         {"created", d.created},
                                         {"done", d.done},
                                         {"declined", d.declined},
                                         {"overdue", d.overdue}});
                     }
                     if (format == "csv") {
                         return csv_response(rows, {"day", "created", "done", "declined", "overdue"},
                                             "baton-series-" + since_text + ".csv");
                     }
                     return json_response(200, {{"since", since_text}, {"days", rows}});
                 }});
}

}  // namespace baton::http
