// Playbook: one recurring handoff, written as YAML (see docs/playbooks.md). A Playbook is
// an immutable value once loaded: its condition is parsed and its templates checked, so
// it can be shared between threads and evaluated against many events.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/condition.h"
#include "core/diagnostic.h"
#include "core/duration.h"

namespace baton::core {

class Directory;

// Where a field was written, for diagnostics found after loading (cross-file checks).
struct Position {
    int line = 0;    // from 1
    int column = 0;  // from 1
};

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
    std::string description;          // free text for people reading the playbook
    // Positions of fields that later checks refer to: "id", "owner", "from", "next",
    // "escalate[N].to".
    std::map<std::string, Position> positions;
};

// Parses and validates one playbook document. `file` names the source in diagnostics.
// On failure, returns every error of the file (not just the first), each with line and
// column. Checks: required fields, types, unknown keys (with "did you mean"), limits,
// durations, the condition, template paths, checkpoint shapes.
struct PlaybookParse {
    std::optional<Playbook> playbook;  // set only when `errors` is empty
    Diagnostics errors;
    // What parsed, also when there are errors (a map at the top): lint cross-checks its
    // handles and `next:`, so that a bad `if:` does not hide an unknown owner. Never applied.
    std::optional<Playbook> partial;
};
PlaybookParse parse_playbook(const std::string& yaml_text, const std::string& file);

}  // namespace baton::core

namespace baton::core {

struct PlaybookSource {
    Playbook playbook;
    std::string file;
};

// Checks across files: duplicate ids, `next` naming a playbook that does not exist, and
// handles in owner, from and escalate[].to that the directory does not know (templates
// are checked only when they render to a fixed handle). `directory` may be null when no
// people file is known; then handles are not checked.
Diagnostics cross_check(const std::vector<PlaybookSource>& playbooks,
                        const Directory* directory);

}  // namespace baton::core
