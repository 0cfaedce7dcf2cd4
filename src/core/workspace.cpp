#include "core/workspace.h"

#include "core/limits.h"

namespace baton::core {

namespace {

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool valid_template_name(const std::string& name) {
    if (name.empty() || name.size() > limits::id_bytes_max) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string template_name(const std::string& path) {
    const std::string name = base_name(path);
    const bool in_templates = path.find("templates/") != std::string::npos;
    for (const char* ext : {".md", ".txt"}) {
        if (ends_with(name, ext) && (in_templates || path.rfind("template:", 0) == 0)) {
            return name.substr(0, name.size() - std::string(ext).size());
        }
    }
    return {};
}

FileKind file_kind(const std::string& path) {
    const std::string name = base_name(path);
    if (name == "people.yaml" || name == "people.yml") return FileKind::people;
    if (name == "sources.yaml" || name == "sources.yml") return FileKind::sources;
    if (name == "channels.yaml" || name == "channels.yml") return FileKind::channels;
    if (!template_name(path).empty()) return FileKind::message_template;
    return FileKind::playbook;
}

std::string document_kind(const std::string& path) {
    switch (file_kind(path)) {
        case FileKind::people: return "people";
        case FileKind::sources: return "sources";
        case FileKind::channels: return "channels";
        case FileKind::message_template: return "template:" + template_name(path);
        case FileKind::playbook: return {};
    }
    return {};
}

MessageText split_subject(const std::string& rendered) {
    MessageText out;
    static const std::string prefix = "Subject:";
    if (rendered.rfind(prefix, 0) != 0) {
        out.body = rendered;
        return out;
    }
    const auto eol = rendered.find('\n');
    std::string subject = rendered.substr(prefix.size(), eol == std::string::npos
                                                             ? std::string::npos
                                                             : eol - prefix.size());
    while (!subject.empty() && (subject.front() == ' ' || subject.front() == '\t')) {
        subject.erase(subject.begin());
    }
    while (!subject.empty() && (subject.back() == '\r' || subject.back() == ' ')) subject.pop_back();
    out.subject = subject;
    std::string body = eol == std::string::npos ? std::string() : rendered.substr(eol + 1);
    if (body.rfind("\r\n", 0) == 0) {
        body.erase(0, 2);
    } else if (body.rfind('\n', 0) == 0) {
        body.erase(0, 1);
    }
    out.body = body;
    return out;
}

}  // namespace baton::core
