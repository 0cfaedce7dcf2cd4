// What each file of a workspace is, by its path: people.yaml, sources.yaml, channels.yaml,
// a message template (templates/NAME.md or .txt), or else a playbook. Each non-playbook
// file is stored as a versioned document of its kind ("people", "sources", "channels",
// "template:NAME"). Pure.
#pragma once

#include <optional>
#include <string>

namespace baton::core {

enum class FileKind { playbook, people, sources, channels, message_template };

FileKind file_kind(const std::string& path);
// The document kind a non-playbook file is stored as; empty for a playbook.
std::string document_kind(const std::string& path);
// "client-next-step" for ".../templates/client-next-step.md"; empty when not a template.
std::string template_name(const std::string& path);
// A template's name is a file name without its extension: letters, digits, '-', '_'.
bool valid_template_name(const std::string& name);

// A message template rendered for a message: a first line "Subject: …" becomes the
// subject, the rest (after one blank line, if any) the body.
struct MessageText {
    std::optional<std::string> subject;
    std::string body;
};
MessageText split_subject(const std::string& rendered);

}  // namespace baton::core
