// The playbook loader: YAML text → a validated Playbook, or every problem of the file with
// its line and column. yaml-cpp stays inside this file and yaml_support.
#include <algorithm>
#include <cctype>

#include "core/limits.h"
#include "core/people.h"
#include "core/playbook.h"
#include "core/template.h"
#include "core/yaml_support.h"

namespace baton::core {

namespace {

using yaml_support::Reporter;

const std::vector<std::string> playbook_keys = {
    "id",       "title",         "description", "when",   "if",       "subject",
    "from",     "owner",         "done",        "checklist", "accept_within", "done_within",
    "remind",   "escalate",      "checkpoint",  "next",   "calendar"};

bool valid_id(const std::string& id) {
    if (id.empty() || id.size() > limits::id_bytes_max) return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return id.front() != '-' && id.front() != '_';
}

Position position_of(const YAML::Node& node) {
    return Position{node.Mark().line + 1, node.Mark().column + 1};
}

// Reports every problem of a template-bearing string at its column.
void check_template_field(const YAML::Node& node, const std::string& text, Reporter& r,
                          const char* what) {
    for (const auto& problem : check_template(text)) {
        r.error(node.Mark(), std::string(what) + ": " + problem.message,
                yaml_support::scalar_column(node, static_cast<std::size_t>(problem.column)) -
                    node.Mark().column - 1);
    }
}

std::optional<Span> span_field(const YAML::Node& node, Reporter& r, const char* what) {
    auto text = yaml_support::scalar(node, r, what, 64);
    if (!text) return std::nullopt;
    auto span = parse_span(*text);
    if (!span) {
        int offset = 0;
        const std::string& field = span.error().field;
        if (field.rfind("col:", 0) == 0) offset = std::atoi(field.c_str() + 4);
        r.error(node.Mark(), std::string(what) + ": " + span.error().message,
                yaml_support::scalar_column(node, static_cast<std::size_t>(offset)) -
                    node.Mark().column - 1);
        return std::nullopt;
    }
    return span.value();
}

void load_condition(const YAML::Node& node, Playbook& pb, Reporter& r) {
    auto text = yaml_support::scalar(node, r, "if", limits::condition_bytes_max);
    if (!text) return;
    auto condition = Condition::parse(*text);
    if (!condition) {
        int offset = 0;
        const std::string& field = condition.error().field;
        if (field.rfind("col:", 0) == 0) offset = std::atoi(field.c_str() + 4);
        r.error(node.Mark(), "if: " + condition.error().message,
                yaml_support::scalar_column(node, static_cast<std::size_t>(offset)) -
                    node.Mark().column - 1);
        return;
    }
    pb.condition = std::move(condition).value();
}

void load_checklist(const YAML::Node& node, Playbook& pb, Reporter& r) {
    if (!node.IsSequence()) {
        r.error(node.Mark(), "checklist must be a list of items");
        return;
    }
    if (node.size() > limits::checklist_items_max) {
        r.error(node.Mark(), "checklist has " + std::to_string(node.size()) +
                                 " items; the limit is " +
                                 std::to_string(limits::checklist_items_max));
        return;
    }
    for (const auto& item : node) {
        ChecklistItemSpec spec;
        if (item.IsMap()) {
            yaml_support::check_keys(item, {"item", "when"}, r, "a checklist item");
            auto text = yaml_support::get_string(item, "item", r, limits::text_bytes_max, true);
            auto when = yaml_support::get_string(item, "when", r,
                                                 limits::event_type_bytes_max, false);
            if (!text) continue;
            spec.text = *text;
            spec.when = when;
        } else {
            auto text = yaml_support::scalar(item, r, "a checklist item", limits::text_bytes_max);
            if (!text) continue;
            if (text->empty()) {
                r.error(item.Mark(), "a checklist item must not be empty");
                continue;
            }
            spec.text = *text;
        }
        pb.checklist.push_back(std::move(spec));
    }
}

void load_remind(const YAML::Node& node, Playbook& pb, Reporter& r) {
    if (node.IsScalar()) {
        if (auto span = span_field(node, r, "remind")) pb.remind.push_back(*span);
        return;
    }
    if (!node.IsSequence()) {
        r.error(node.Mark(), "remind must be a duration or a list of durations, such as [2h]");
        return;
    }
    if (node.size() > limits::reminders_max) {
        r.error(node.Mark(), "remind has " + std::to_string(node.size()) +
                                 " entries; the limit is " +
                                 std::to_string(limits::reminders_max));
        return;
    }
    for (const auto& item : node) {
        if (auto span = span_field(item, r, "remind")) pb.remind.push_back(*span);
    }
}

void load_escalate(const YAML::Node& node, Playbook& pb, Reporter& r) {
    if (!node.IsSequence()) {
        r.error(node.Mark(), "escalate must be a list such as [{after: 4h, to: ops-manager}]");
        return;
    }
    if (node.size() > limits::escalation_levels_max) {
        r.error(node.Mark(), "escalate has " + std::to_string(node.size()) +
                                 " levels; the limit is " +
                                 std::to_string(limits::escalation_levels_max));
        return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node step = node[i];
        if (!step.IsMap()) {
            r.error(step.Mark(), "an escalation level must be a map such as "
                                 "{after: 4h, to: ops-manager}");
            continue;
        }
        yaml_support::check_keys(step, {"after", "to", "on", "reassign"}, r,
                                 "an escalation level");
        EscalationStep out;
        const YAML::Node after = step["after"];
        if (!after) {
            r.error(step.Mark(), "an escalation level needs `after`");
        } else if (auto span = span_field(after, r, "after")) {
            out.after = *span;
        }
        auto to = yaml_support::get_string(step, "to", r, limits::template_bytes_max, true);
        if (to) {
            out.to = *to;
            check_template_field(step["to"], *to, r, "to");
            pb.positions["escalate[" + std::to_string(i) + "].to"] = position_of(step["to"]);
        }
        if (auto on = yaml_support::get_string(step, "on", r, 16, false)) {
            if (*on == "accept") {
                out.on = EscalationSide::accept;
            } else if (*on == "done") {
                out.on = EscalationSide::done;
            } else {
                r.error(step["on"].Mark(), "on must be `accept` or `done`");
            }
        }
        if (const YAML::Node reassign = step["reassign"]) {
            if (!reassign.IsScalar() || (reassign.Scalar() != "true" &&
                                         reassign.Scalar() != "false")) {
                r.error(reassign.Mark(), "reassign must be true or false");
            } else {
                out.reassign = reassign.Scalar() == "true";
            }
        }
        pb.escalate.push_back(std::move(out));
    }
    for (std::size_t i = 1; i < pb.escalate.size(); ++i) {
        if (pb.escalate[i].on == pb.escalate[i - 1].on &&
            pb.escalate[i].after.total_24x7() <= pb.escalate[i - 1].after.total_24x7()) {
            r.error(node[i].Mark(), "escalation levels must come in increasing `after` order");
        }
    }
}

void load_checkpoint_entry(const YAML::Node& entry, Playbook& pb, Reporter& r) {
    if (!entry.IsMap()) {
        r.error(entry.Mark(), "a checkpoint is a map such as {slack: \"#ops\"} or "
                              "{email: owner}");
        return;
    }
    yaml_support::check_keys(entry, {"slack", "email", "webhook", "template"}, r,
                             "a checkpoint");
    Checkpoint cp;
    int kinds = 0;
    const char* kind_key = "slack";
    for (const auto& [key, kind] : {std::pair{"slack", CheckpointKind::slack},
                                    std::pair{"email", CheckpointKind::email},
                                    std::pair{"webhook", CheckpointKind::webhook}}) {
        auto target = yaml_support::get_string(entry, key, r, limits::template_bytes_max, false);
        if (!target) continue;
        ++kinds;
        kind_key = key;
        cp.kind = kind;
        cp.target = *target;
        check_template_field(entry[key], *target, r, key);
        if (target->empty()) r.error(entry[key].Mark(), std::string(key) + " needs a target");
        if (kind == CheckpointKind::slack && !target->empty() && !has_placeholders(*target) &&
            target->front() != '#' && target->front() != '@') {
            r.error(entry[key].Mark(), "a Slack target is a channel such as \"#ops\" or a "
                                       "person such as \"@dana\" (quote it: # starts a "
                                       "YAML comment)");
        }
    }
    if (kinds != 1) {
        r.error(entry.Mark(), "a checkpoint names exactly one of slack, email or webhook");
        return;
    }
    cp.template_name = yaml_support::get_string(entry, "template", r, limits::id_bytes_max, false);
    // Where the target is, for the board's "not in channels.yaml" warning.
    pb.positions["checkpoint[" + std::to_string(pb.checkpoint.size()) + "]"] =
        position_of(entry[kind_key]);
    pb.checkpoint.push_back(std::move(cp));
}

void load_checkpoints(const YAML::Node& node, Playbook& pb, Reporter& r) {
    if (!node.IsSequence()) {
        r.error(node.Mark(), "checkpoint must be a list such as [{slack: \"#ops\"}]");
        return;
    }
    if (node.size() > limits::checkpoints_max) {
        r.error(node.Mark(), "checkpoint has " + std::to_string(node.size()) +
                                 " entries; the limit is " +
                                 std::to_string(limits::checkpoints_max));
        return;
    }
    for (const auto& entry : node) load_checkpoint_entry(entry, pb, r);
}

void load_identity(const YAML::Node& root, Playbook& pb, Reporter& r) {
    if (auto id = yaml_support::get_string(root, "id", r, limits::id_bytes_max, true)) {
        if (!valid_id(*id)) {
            r.error(root["id"].Mark(), "id must be 1 to " + std::to_string(limits::id_bytes_max) +
                                           " characters of a-z, 0-9, - and _, such as "
                                           "sold-to-onboarding");
        }
        pb.id = *id;
        pb.positions["id"] = position_of(root["id"]);
    }
    pb.title = yaml_support::get_string(root, "title", r, limits::title_bytes_max, false)
                   .value_or(pb.id);
    pb.description =
        yaml_support::get_string(root, "description", r, limits::text_bytes_max, false)
            .value_or("");
    if (auto when = yaml_support::get_string(root, "when", r, limits::event_type_bytes_max,
                                             true)) {
        pb.when = *when;
        pb.positions["when"] = position_of(root["when"]);  // for "no stored event has it"
    }
}

void load_people_fields(const YAML::Node& root, Playbook& pb, Reporter& r) {
    if (auto subject = yaml_support::get_string(root, "subject", r, limits::template_bytes_max,
                                                false)) {
        pb.subject = *subject;
        check_template_field(root["subject"], *subject, r, "subject");
    }
    for (const char* key : {"from", "owner"}) {
        auto value = yaml_support::get_string(root, key, r, limits::template_bytes_max, true);
        if (!value) continue;
        check_template_field(root[key], *value, r, key);
        (std::string_view(key) == "from" ? pb.from : pb.owner) = *value;
        pb.positions[key] = position_of(root[key]);
    }
    if (auto done = yaml_support::get_string(root, "done", r, limits::text_bytes_max, true)) {
        pb.done = *done;
    }
}

void load_timing(const YAML::Node& root, Playbook& pb, Reporter& r) {
    if (const YAML::Node n = root["accept_within"]) pb.accept_within = span_field(n, r, "accept_within");
    if (const YAML::Node n = root["done_within"]) pb.done_within = span_field(n, r, "done_within");
    if (const YAML::Node n = root["remind"]) load_remind(n, pb, r);
    if (const YAML::Node n = root["escalate"]) load_escalate(n, pb, r);
    if (auto calendar = yaml_support::get_string(root, "calendar", r, 32, false)) {
        if (*calendar == "24x7") {
            pb.calendar_24x7 = true;
        } else if (*calendar != "working") {
            r.error(root["calendar"].Mark(), "calendar must be `working` (the owner's working "
                                             "hours, the default) or `24x7`");
        }
    }
    if (pb.accept_within && pb.done_within &&
        pb.done_within->total_24x7() < pb.accept_within->total_24x7()) {
        r.error(root["done_within"].Mark(), "done_within is shorter than accept_within");
    }
}

}  // namespace

PlaybookParse parse_playbook(const std::string& yaml_text, const std::string& file) {
    PlaybookParse result;
    Reporter r(file, result.errors);
    auto root = yaml_support::load(yaml_text, r);
    if (!root) return result;
    if (!root->IsMap()) {
        r.error(root->Mark(), "a playbook is a map of fields such as id, when, owner and done");
        return result;
    }
    yaml_support::check_keys(*root, playbook_keys, r, "a playbook");
    Playbook pb;
    load_identity(*root, pb, r);
    if (const YAML::Node n = (*root)["if"]) load_condition(n, pb, r);
    load_people_fields(*root, pb, r);
    if (const YAML::Node n = (*root)["checklist"]) load_checklist(n, pb, r);
    load_timing(*root, pb, r);
    if (const YAML::Node n = (*root)["checkpoint"]) load_checkpoints(n, pb, r);
    if (auto next = yaml_support::get_string(*root, "next", r, limits::id_bytes_max, false)) {
        pb.next = *next;
        pb.positions["next"] = position_of((*root)["next"]);
    }
    std::stable_sort(result.errors.begin(), result.errors.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                         return std::pair(a.line, a.column) < std::pair(b.line, b.column);
                     });
    if (result.errors.empty()) {
        result.playbook = std::move(pb);
    } else {
        result.partial = std::move(pb);
    }
    return result;
}

namespace {

void check_handle(const std::string& value, const Position& where, const std::string& file,
                  const char* what, const Directory& directory, Diagnostics& out) {
    if (value.empty() || has_placeholders(value)) return;
    if (directory.person(value) || directory.team(value)) return;
    std::string message = std::string(what) + ": nobody called `" + value +
                          "` in people.yaml";
    std::string hint = did_you_mean(value, directory.handles());
    // A person or team written by name ("Operations" for the team ops): the handle is meant.
    const auto same_name = [&value](const std::string& name) {
        return !name.empty() && name.size() == value.size() &&
               std::equal(name.begin(), name.end(), value.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) ==
                          std::tolower(static_cast<unsigned char>(b));
               });
    };
    for (const auto& team : directory.teams()) {
        if (same_name(team.name)) hint = "did you mean `" + team.handle + "` (" + team.name + ")?";
    }
    for (const auto& person : directory.people()) {
        if (same_name(person.name)) {
            hint = "did you mean `" + person.handle + "` (" + person.name + ")?";
        }
    }
    if (!hint.empty()) message += "; " + hint;
    out.push_back(Diagnostic{file, where.line, where.column, message});
}

Position at(const Playbook& pb, const std::string& key) {
    auto it = pb.positions.find(key);
    return it == pb.positions.end() ? Position{} : it->second;
}

}  // namespace

Diagnostics cross_check(const std::vector<PlaybookSource>& playbooks,
                        const Directory* directory) {
    Diagnostics out;
    std::vector<std::string> ids;
    for (const auto& source : playbooks) ids.push_back(source.playbook.id);
    for (std::size_t i = 0; i < playbooks.size(); ++i) {
        const Playbook& pb = playbooks[i].playbook;
        const std::string& file = playbooks[i].file;
        for (std::size_t j = 0; j < i; ++j) {
            if (playbooks[j].playbook.id == pb.id) {
                const Position p = at(pb, "id");
                out.push_back(Diagnostic{file, p.line, p.column,
                                         "id `" + pb.id + "` is already used by " +
                                             playbooks[j].file});
            }
        }
        if (pb.next && std::find(ids.begin(), ids.end(), *pb.next) == ids.end()) {
            const Position p = at(pb, "next");
            std::string message = "next: no playbook has id `" + *pb.next + "`";
            const std::string hint = did_you_mean(*pb.next, ids);
            if (!hint.empty()) message += "; " + hint;
            out.push_back(Diagnostic{file, p.line, p.column, message});
        }
        if (directory == nullptr) continue;
        check_handle(pb.owner, at(pb, "owner"), file, "owner", *directory, out);
        check_handle(pb.from, at(pb, "from"), file, "from", *directory, out);
        for (std::size_t k = 0; k < pb.escalate.size(); ++k) {
            const std::string key = "escalate[" + std::to_string(k) + "].to";
            check_handle(pb.escalate[k].to, at(pb, key), file, "escalate to", *directory, out);
        }
    }
    return out;
}

}  // namespace baton::core
