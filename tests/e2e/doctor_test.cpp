// Issue 22, finding 6 and `baton doctor`, through the real binary.
//
// - Workspace files are private: with the caller's umask at 022, `baton init`, `baton serve`,
//   `baton backup` and `baton export` still create files 0600 (baton.db, -wal, -shm, the
//   backup, the YAML) and directories 0700; baton.db holds the link-signing key.
// - `baton doctor` exits 0 on a clean workspace and 8 with one line per finding: a workspace
//   open to others, a weak source secret, an admin without a password while serving beyond
//   loopback, no recent backup in the backups directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/run_process.h"
#include "http/serve_process.h"

namespace baton::test {
namespace {

constexpr int exit_findings = 8;

unsigned mode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        ADD_FAILURE() << "no " << path;
        return 0;
    }
    return st.st_mode & 0777;
}

ProcessResult baton(std::vector<std::string> args, const std::string& stdin_text = "") {
    RunOptions o;
    o.args = std::move(args);
    o.stdin_text = stdin_text;
    return run_baton(o);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class Doctor : public ::testing::Test {
protected:
    void SetUp() override {
        // What a login shell has: without Baton's own umask, files would be 0644.
        old_umask_ = ::umask(022);
        const auto init = baton({"init", ws_});
        ASSERT_EQ(init.exit_code, exit_ok) << describe(init);
    }
    void TearDown() override { ::umask(old_umask_); }

    ProcessResult doctor(std::vector<std::string> more = {}) {
        std::vector<std::string> args = {"--workspace", ws_, "doctor"};
        args.insert(args.end(), more.begin(), more.end());
        return baton(args);
    }

    TempDir dir_;
    const std::string ws_ = dir_ / "ws";
    mode_t old_umask_ = 022;
};

TEST_F(Doctor, WorkspaceFilesAreCreatedPrivate) {
    EXPECT_EQ(mode_of(ws_), 0700u);
    EXPECT_EQ(mode_of(ws_ + "/baton.db"), 0600u);
    EXPECT_EQ(mode_of(ws_ + "/people.yaml"), 0600u);
    EXPECT_EQ(mode_of(ws_ + "/playbooks"), 0700u);

    auto serving = start_serve(ws_, {"--quiet"});
    ASSERT_TRUE(serving);
    // While the server holds the database, its WAL and shared memory exist: private too.
    EXPECT_EQ(mode_of(ws_ + "/baton.db-wal"), 0600u);
    EXPECT_EQ(mode_of(ws_ + "/baton.db-shm"), 0600u);
    const auto backup = baton({"--workspace", ws_, "backup", dir_ / "copy.db"});
    ASSERT_EQ(backup.exit_code, exit_ok) << describe(backup);
    EXPECT_EQ(mode_of(dir_ / "copy.db"), 0600u);
    stop_serve(*serving);

    const auto exported = baton({"--workspace", ws_, "export", dir_ / "out"});
    ASSERT_EQ(exported.exit_code, exit_ok) << describe(exported);
    EXPECT_EQ(mode_of(dir_ / "out"), 0700u);
    EXPECT_EQ(mode_of(dir_ / "out/people.yaml"), 0600u);
}

TEST_F(Doctor, ACleanWorkspaceExitsZero) {
    const auto r = doctor();
    EXPECT_EQ(r.exit_code, exit_ok) << describe(r);
    EXPECT_TRUE(contains(r.out, "nothing to fix")) << describe(r);
    const auto j = baton({"--workspace", ws_, "--json", "doctor"});
    EXPECT_EQ(j.exit_code, exit_ok) << describe(j);
    EXPECT_EQ(nlohmann::json::parse(j.out).at("findings").size(), 0u) << j.out;
}

TEST_F(Doctor, PermissionsOpenToOthersAreFindings) {
    ASSERT_EQ(::chmod(ws_.c_str(), 0755), 0);
    ASSERT_EQ(::chmod((ws_ + "/baton.db").c_str(), 0644), 0);
    const auto r = doctor();
    EXPECT_EQ(r.exit_code, exit_findings) << describe(r);
    EXPECT_EQ(count_lines(r.out), 2) << describe(r);
    EXPECT_TRUE(contains(r.out, "chmod 700 " + ws_)) << describe(r);
    EXPECT_TRUE(contains(r.out, "chmod 600 " + ws_ + "/baton.db`")) << describe(r);
    EXPECT_TRUE(contains(r.out, "0644")) << describe(r);
}

TEST_F(Doctor, AWeakSourceSecretIsAFinding) {
    write_text(dir_ / "sources.yaml",
               "sources:\n  - name: forms\n    scheme: github\n    secret: short\n");
    const auto applied = baton({"--workspace", ws_, "apply", dir_ / "sources.yaml"});
    ASSERT_EQ(applied.exit_code, exit_ok) << describe(applied);
    const auto r = doctor();
    EXPECT_EQ(r.exit_code, exit_findings) << describe(r);
    EXPECT_TRUE(contains(r.out, "source `forms`")) << describe(r);
    EXPECT_TRUE(contains(r.out, "/hooks/forms")) << describe(r);
}

TEST_F(Doctor, AnAdminWithoutAPasswordMattersBeyondLoopback) {
    EXPECT_EQ(doctor({"--listen", "127.0.0.1:8080"}).exit_code, exit_ok);
    const auto r = doctor({"--listen", "0.0.0.0:8080"});
    EXPECT_EQ(r.exit_code, exit_findings) << describe(r);
    EXPECT_TRUE(contains(r.out, "baton passwd ari")) << describe(r);
    EXPECT_TRUE(contains(r.out, "baton passwd kim")) << describe(r);
    // Set them: clean again; BATON_LISTEN is read the same way.
    for (const char* admin : {"ari", "kim"}) {
        const auto set = baton({"--workspace", ws_, "passwd", admin}, "a long admin password\n");
        ASSERT_EQ(set.exit_code, exit_ok) << describe(set);
    }
    RunOptions o;
    o.args = {"--workspace", ws_, "doctor"};
    o.env = {{"BATON_LISTEN", "0.0.0.0:8080"}};
    const auto again = run_baton(o);
    EXPECT_EQ(again.exit_code, exit_ok) << describe(again);
}

TEST_F(Doctor, NoRecentBackupInTheBackupsDirectoryIsAFinding) {
    const std::string backups = ws_ + "/backups";
    std::filesystem::create_directory(backups);
    // An empty backups directory: no backup at all.
    auto r = doctor();
    EXPECT_EQ(r.exit_code, exit_findings) << describe(r);
    EXPECT_TRUE(contains(r.out, "no backup in " + backups + " in the last 7 day(s)")) << r.out;
    // An old one is not enough.
    const auto made = baton({"--workspace", ws_, "backup", backups + "/old.db"});
    ASSERT_EQ(made.exit_code, exit_ok) << describe(made);
    std::filesystem::last_write_time(backups + "/old.db",
                                     std::filesystem::file_time_type::clock::now() -
                                         std::chrono::hours(24 * 8));
    EXPECT_EQ(doctor().exit_code, exit_findings);
    EXPECT_EQ(doctor({"--backup-days", "9"}).exit_code, exit_ok);
    const auto fresh = baton({"--workspace", ws_, "backup", backups + "/new.db"});
    ASSERT_EQ(fresh.exit_code, exit_ok) << describe(fresh);
    EXPECT_EQ(doctor().exit_code, exit_ok);
    const auto bad = doctor({"--backup-days", "0"});
    EXPECT_EQ(bad.exit_code, exit_invalid) << describe(bad);
    EXPECT_TRUE(contains(bad.err, "--backup-days")) << describe(bad);
}

}  // namespace
}  // namespace baton::test
