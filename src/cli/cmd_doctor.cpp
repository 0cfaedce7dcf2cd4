// baton doctor: checks a workspace for what makes it unsafe to run, one line per finding
// with what to do, exit 0 when clean and exit_code::findings (8) when not. The checks are
// in doctor_findings(), which reads the facts (file modes, the stored sources and people,
// the listen address, the backups directory) and decides; the command only prints.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "core/sources.h"

namespace baton::cli {

namespace {

namespace fs = std::filesystem;

// A source secret shorter than this is as good as none: anyone can post events to its hook.
constexpr std::size_t source_secret_bytes_min = 16;

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "0%03o", static_cast<unsigned>(mode & 0777));
    return text;
}

// The workspace directory and the SQLite files of its database: private to the user.
void check_permissions(const std::string& workspace, const std::string& db_path,
                       std::vector<std::string>& out) {
    struct stat st {};
    if (::stat(workspace.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        out.push_back("workspace " + workspace + " is mode " + octal_mode(st.st_mode) +
                      " (open to group or others): run `chmod 700 " + workspace + "`");
    }
    if (db_path.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string file = db_path + suffix;
        if (::stat(file.c_str(), &st) != 0 || (st.st_mode & 077) == 0) continue;
        out.push_back(file + " is mode " + octal_mode(st.st_mode) +
                      " (readable by group or others; it holds the link-signing key): run "
                      "`chmod 600 " + file + "`");
    }
}

void check_sources(engine::Engine& engine, std::vector<std::string>& out) {
    auto doc = engine.document_record("sources");
    if (!doc || !doc->has_value()) return;
    auto parsed = core::parse_sources((*doc)->text, "sources.yaml");
    if (!parsed.sources) return;
    for (const core::Source& s : parsed.sources->all()) {
        const std::string secret = s.secrets.empty() ? std::string() : s.secrets.front();
        if (secret.size() >= source_secret_bytes_min) continue;
        out.push_back("source `" + s.name + "` has " +
                      (secret.empty() ? std::string("no signing secret")
                                      : "a signing secret under " +
                                            std::to_string(source_secret_bytes_min) + " bytes") +
                      ", so anyone can post to /hooks/" + s.name +
                      ": set the sender's secret in sources.yaml and `baton apply` it");
    }
}

bool loopback_host(std::string host) {
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void check_admin_passwords(engine::Engine& engine, const std::string& listen,
                           std::vector<std::string>& out) {
    const auto colon = listen.rfind(':');
    const std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
    if (loopback_host(host)) return;
    auto people = engine.directory();
    if (!people || !*people) return;
    std::vector<std::string> admins;
    for (const core::Person& p : (*people)->people()) {
        if (p.role == core::Role::admin) admins.push_back(p.handle);
    }
    auto missing = engine.without_password(admins);
    if (!missing) return;
    for (const std::string& handle : *missing) {
        out.push_back("admin `" + handle + "` has no sign-in password while Baton listens on " +
                      listen + " (beyond loopback): run `baton passwd " + handle + "`");
    }
}

// The backups directory is the record: when it exists, its newest file must be recent.
void check_backups(const std::string& dir, int days, std::vector<std::string>& out) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    std::optional<fs::file_time_type> newest;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (!entry.is_regular_file(ec)) continue;
        const auto t = entry.last_write_time(ec);
        if (!ec && (!newest || t > *newest)) newest = t;
    }
    const auto limit = std::chrono::hours(24) * days;
    if (newest && fs::file_time_type::clock::now() - *newest < limit) return;
    out.push_back("no backup in " + dir + " in the last " + std::to_string(days) +
                  " day(s): run `baton backup " + dir + "/baton-$(date +%F).db` (and schedule it)");
}

Result<std::string> run_doctor(Context& ctx, const Args& args) {
    DoctorOptions o;
    o.listen = args.get_or("--listen", ctx.env ? ctx.env("BATON_LISTEN") : "");
    if (o.listen.empty()) o.listen = "127.0.0.1:8080";
    o.backups_dir = args.get_or("--backups", ctx.workspace + "/backups");
    if (auto days = args.get("--backup-days")) {
        try {
            o.backup_days = std::stoi(*days);
        } catch (const std::exception&) {
            o.backup_days = 0;
        }
        if (o.backup_days < 1 || o.backup_days > 3650) {
            return make_error(ErrorCode::invalid_argument,
                              "--backup-days must be a whole number from 1 to 3650",
                              "backup-days");
        }
    }
    auto findings = doctor_findings(ctx, o);
    if (!findings) return findings.error();
    if (!findings->empty()) ctx.exit_status = exit_code::findings;
    if (ctx.json) return nlohmann::json{{"findings", *findings}}.dump() + "\n";
    if (findings->empty()) return "baton doctor: nothing to fix in " + ctx.workspace + "\n";
    std::string out;
    for (const std::string& f : *findings) out += f + "\n";
    return out;
}

}  // namespace

Result<std::vector<std::string>> doctor_findings(Context& ctx, const DoctorOptions& options) {
    std::vector<std::string> out;
    const bool sqlite = ctx.db_url.rfind("sqlite:", 0) == 0;
    std::string db_path;
    if (sqlite) db_path = ctx.db_url.substr(ctx.db_url.rfind("sqlite://", 0) == 0 ? 9 : 7);
    check_permissions(ctx.workspace, db_path, out);
    auto engine = ctx.local_engine();
    if (!engine) return engine.error();
    check_sources(**engine, out);
    check_admin_passwords(**engine, options.listen, out);
    check_backups(options.backups_dir, options.backup_days, out);
    return out;
}

CommandSpec doctor_command() {
    return {"doctor",
            "check the workspace for unsafe settings (exit 8 when something needs fixing)",
            {{"--listen", OptionKind::value,
              "where `baton serve` listens (default BATON_LISTEN, else 127.0.0.1:8080)"},
             {"--backups", OptionKind::value,
              "the directory backups go to (default WORKSPACE/backups; checked when it exists)"},
             {"--backup-days", OptionKind::value, "how old the newest backup may be (default 7)"}},
            run_doctor,
            /*local_only=*/true};
}

}  // namespace baton::cli
