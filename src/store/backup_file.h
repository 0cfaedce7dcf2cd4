// claim_backup_file: creates `path` for a backup, refusing an existing one. Shared by both
// stores' backup(). Creating the file exclusively ("wx") refuses an existing path without a
// check-then-use race; the empty file it leaves is what SQLite takes for an empty database.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/result.h"

namespace baton::store {

inline Status claim_backup_file(const std::string& path) {
    if (path.empty()) {
        return make_error(ErrorCode::invalid_argument, "backup needs a file name", "path");
    }
    std::FILE* claim = std::fopen(path.c_str(), "wx");
    if (claim == nullptr) {
        const int err = errno;
        if (err == EEXIST) {
            return make_error(ErrorCode::invalid_argument,
                              path + " already exists; choose a new file for the backup", "path");
        }
        return make_error(ErrorCode::unavailable,
                          "cannot create " + path + ": " + std::strerror(err));
    }
    std::fclose(claim);
    return ok_status();
}

}  // namespace baton::store
