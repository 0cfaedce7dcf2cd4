// Playbook: one recurring handoff, written as YAML (see docs/playbooks.md). A Playbook is
// an immutable value once loaded: its condition is parsed and its templates checked, so
// it can be shared between threads and evaluated against many events.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/condition.h"
#include "core/diagnostic.h"
#include "core/duration.h"

namespace baton::core {

struct ChecklistItemSpec {
    std::string text;
    std::optional<std::string> when;  // an event type that ticks this item (same subject)
};

// Which deadline an escalation step watches: a handoff still waiting (accept), or one not
// yet done (done). Both count `after` from the moment the handoff started.
enum class EscalationSide { accept, done };

struct EscalationStep {
    Span after;
    std::string to;  // a person or team handle, or a template
    EscalationSide on = EscalationSide::accept;
    bool reassign = false;  // ownership moves to `to` when this level fires
};

enum class CheckpointKind { slack, email, webhook };

struct Checkpoint {
    CheckpointKind kind = CheckpointKind::slack;
    std::string target;  // "#ops", "owner", "{{data.contact_email}}", a webhook name
    std::optional<std::string> template_name;
};

struct Playbook {
    std::string id;
    std::string title;
    std::string when;                    // the event type that starts the handoff
    std::optional<Condition> condition;  // `if:`
    std::string subject = "{{subject}}";
    std::string from;   // the giver: a person, a team or a template
    std::string owner;  // the owner of done: a person, a team or a template
    std::string done;   // the definition of done, in words
    std::vector<ChecklistItemSpec> checklist;
    std::optional<Span> accept_within;
    std::optional<Span> done_within;
    std::vector<Span> remind;
    std::vector<EscalationStep> escalate;
    std::vector<Checkpoint> checkpoint;
    std::optional<std::string> next;  // the playbook that starts when this one is done
    bool calendar_24x7 = false;       // `calendar: 24x7`: deadlines ignore working hours
};

struct LoadedPlaybook {
    Playbook playbook;
    Diagnostics warnings;
};

// Parses and validates one playbook document. `file` names the source in diagnostics.
// On failure, returns every error of the file (not just the first), each with line and
// column. Checks: required fields, types, unknown keys (with "did you mean"), limits,
// durations, the condition, template paths, checkpoint shapes.
struct PlaybookParse {
    std::optional<Playbook> playbook;  // set only when `errors` is empty
    Diagnostics errors;
};
PlaybookParse parse_playbook(const std::string& yaml_text, const std::string& file);

}  // namespace baton::core
