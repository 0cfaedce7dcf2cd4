#include "cli/files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/limits.h"

namespace baton::cli {

namespace fs = std::filesystem;

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return make_error(ErrorCode::not_found, "no such file: " + path);
    if (fs::is_directory(path, ec)) {
        return make_error(ErrorCode::invalid_argument, path + " is a directory, not a file");
    }
    const auto size = fs::file_size(path, ec);
    if (ec) return make_error(ErrorCode::unavailable, "cannot read " + path + ": " + ec.message());
    if (size > max_bytes) {
        return make_error(ErrorCode::limit_exceeded, path + " is " + std::to_string(size) +
                                                         " bytes; the limit is " +
                                                         std::to_string(max_bytes));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::unavailable, "cannot open " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

namespace {

bool is_yaml(const fs::path& p) {
    return p.extension() == ".yaml" || p.extension() == ".yml";
}

bool is_message_template(const fs::path& p) {
    return p.extension() == ".md" || p.extension() == ".txt";
}

void add_files(const fs::path& dir, bool (*wanted)(const fs::path&),
               std::vector<std::string>& out) {
    std::error_code ec;
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && wanted(entry.path())) found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
}

}  // namespace

Result<std::vector<engine::SourceFile>> collect_yaml(const std::vector<std::string>& paths) {
    std::vector<std::string> files;
    for (const auto& p : paths) {
        std::error_code ec;
        if (!fs::exists(p, ec)) return make_error(ErrorCode::not_found, "no such file: " + p);
        if (fs::is_directory(p, ec)) {
            // A workspace: its YAML files, playbooks/ and templates/.
            add_files(p, is_yaml, files);
            if (fs::is_directory(fs::path(p) / "playbooks", ec)) {
                add_files(fs::path(p) / "playbooks", is_yaml, files);
            }
            if (fs::is_directory(fs::path(p) / "templates", ec)) {
                add_files(fs::path(p) / "templates", is_message_template, files);
            }
        } else {
            files.push_back(p);
        }
    }
    if (files.empty()) {
        return make_error(ErrorCode::not_found, "no .yaml files in the paths given");
    }
    if (files.size() > limits::playbooks_max) {
        return make_error(ErrorCode::limit_exceeded,
                          "more than " + std::to_string(limits::playbooks_max) + " files");
    }
    std::vector<engine::SourceFile> out;
    for (const auto& f : files) {
        auto text = read_file(f, limits::yaml_file_bytes_max);
        if (!text) return text.error();
        out.push_back({f, std::move(text).value()});
    }
    return out;
}

Status write_file(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return make_error(ErrorCode::unavailable, "cannot write " + path);
        out << text;
        out.flush();
        if (!out) return make_error(ErrorCode::unavailable, "cannot write " + path);
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) return make_error(ErrorCode::unavailable, "cannot write " + path + ": " + ec.message());
    return ok_status();
}

bool path_exists(const std::string& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

Status make_directories(const std::string& path) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) {
        return make_error(ErrorCode::unavailable, "cannot create " + path + ": " + ec.message());
    }
    return ok_status();
}

}  // namespace baton::cli
