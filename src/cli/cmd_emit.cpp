// baton emit TYPE [--id ID] [--source S] [--subject S] [--data JSON | --data-file F | -]
// baton emit -      JSON Lines on stdin: one event a line, then a summary.
#include <iomanip>
#include "core/utf8.h"
#include <random>
#include <sstream>

#include "cli/command.h"
#include "cli/files.h"
#include "core/limits.h"
#include "engine/json_views.h"

namespace baton::cli {

namespace {

// An id for an event that came without one: 128 random bits, so that two emits never
// collide and a retried emit with an explicit --id stays idempotent.
std::string random_id() {
    std::random_device rd;
    std::ostringstream out;
    out << std::hex << std::setfill('0');
    for (int i = 0; i < 4; ++i) out << std::setw(8) << static_cast<std::uint32_t>(rd());
    return "cli-" + out.str();
}

std::string describe(const engine::IngestResult& r) {
    if (r.duplicate) {
        std::string ids;
        for (auto id : r.handoff_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
        return "duplicate: already stored" + (ids.empty() ? "" : "; its handoffs: " + ids);
    }
    if (r.handoff_ids.empty() && r.ticked_ids.empty()) return "stored; it matched no playbook";
    std::string out = "stored";
    const auto name = [&out](const char* what, const std::vector<std::int64_t>& ids) {
        if (ids.empty()) return;
        out += std::string("; ") + what + (ids.size() > 1 ? "s" : "");
        for (std::size_t i = 0; i < ids.size(); ++i) {
            out += (i == 0 ? " " : ", ") + std::to_string(ids[i]);
        }
    };
    name("created handoff", r.handoff_ids);
    name("ticked a checklist item of handoff", r.ticked_ids);
    return out;
}

Result<nlohmann::json> read_data(Context& ctx, const Args& args) {
    const int sources = (args.get("--data") ? 1 : 0) + (args.get("--data-file") ? 1 : 0) +
                        (args.get("DATA") ? 1 : 0);
    if (sources > 1) {
        return make_error(ErrorCode::invalid_argument,
                          "give the data once: --data, --data-file or - (stdin)");
    }
    std::string text = "{}";
    std::string where = "--data";
    if (auto d = args.get("--data")) {
        text = *d;
    } else if (auto f = args.get("--data-file")) {
        auto read = read_file(*f, limits::event_bytes_max);
        if (!read) return read.error();
        text = std::move(read).value();
        where = *f;
    } else if (auto dash = args.get("DATA")) {
        if (*dash != "-") {
            return make_error(ErrorCode::invalid_argument,
                              "unexpected argument `" + *dash + "`; use - to read data from stdin");
        }
        std::ostringstream in;
        in << ctx.in->rdbuf();
        text = in.str();
        where = "stdin";
    }
    auto data = core::parse_json_limited(text, limits::event_bytes_max);
    if (!data) return make_error(data.error().code, where + ": " + data.error().message, "data");
    if (!data->is_object()) {
        return make_error(ErrorCode::invalid_argument, where + ": data must be a JSON object",
                          "data");
    }
    return std::move(data).value();
}

Result<std::string> emit_one(Context& ctx, const Args& args, engine::Service& engine) {
    core::Event event;
    event.type = *args.get("TYPE");
    event.id = args.get_or("--id", random_id());
    event.source = args.get_or("--source", "cli");
    if (auto s = args.get("--subject")) event.subject = *s;
    event.time = ctx.clock->now();
    auto data = read_data(ctx, args);
    if (!data) return data.error();
    event.data = std::move(data).value();
    auto result = engine.ingest(event);
    if (!result) return result.error();
    if (ctx.json) return core::dump_json(engine::ingest_result_json(event, *result)) + "\n";
    return "event " + event.type + " " + event.source + "/" + event.id + ": " +
           describe(*result) + "\n";
}

struct StreamTotals {
    int lines = 0, stored = 0, duplicates = 0, unmatched = 0, rejected = 0, handoffs = 0;
};

// One line of JSON Lines input; problems go to stderr as stdin:LINE: message.
void emit_line(Context& ctx, engine::Service& engine, const std::string& line, int number,
               StreamTotals& totals) {
    auto object = core::parse_json_limited(line, limits::event_bytes_max);
    Result<core::Event> event = object ? core::event_from_json(*object, random_id(), "cli",
                                                               ctx.clock->now())
                                       : Result<core::Event>(object.error());
    Result<engine::IngestResult> result =
        event ? engine.ingest(*event) : Result<engine::IngestResult>(event.error());
    if (!result) {
        ++totals.rejected;
        const Error& e = result.error();
        ctx.err += "stdin:" + std::to_string(number) + ": " + e.message +
                   (e.field.empty() || e.message.find(e.field) != std::string::npos
                        ? ""
                        : " (" + e.field + ")") +
                   "\n";
        return;
    }
    if (result->duplicate) {
        ++totals.duplicates;
    } else {
        ++totals.stored;
        if (result->handoff_ids.empty() && result->ticked_ids.empty()) ++totals.unmatched;
        totals.handoffs += static_cast<int>(result->handoff_ids.size());
    }
    if (ctx.json && ctx.stream) {
        nlohmann::json j = engine::ingest_result_json(*event, *result);
        j["line"] = number;
        ctx.stream(core::dump_json(j) + "\n");
    }
}

Result<std::string> emit_stream(Context& ctx, engine::Service& engine) {
    StreamTotals totals;
    std::string line;
    while (std::getline(*ctx.in, line)) {
        ++totals.lines;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (totals.lines > static_cast<int>(limits::events_per_stdin_max)) {
            return make_error(ErrorCode::limit_exceeded,
                              "more than " + std::to_string(limits::events_per_stdin_max) +
                                  " lines on stdin");
        }
        emit_line(ctx, engine, line, totals.lines, totals);
    }
    const std::string summary =
        std::to_string(totals.stored + totals.duplicates + totals.rejected) + " events: " +
        std::to_string(totals.stored) + " stored (" + std::to_string(totals.handoffs) +
        " handoffs created, " + std::to_string(totals.unmatched) + " matched no playbook), " +
        std::to_string(totals.duplicates) + " duplicate, " + std::to_string(totals.rejected) +
        " rejected";
    if (totals.rejected > 0) {
        return make_error(ErrorCode::invalid_argument, summary + " (see the lines above)");
    }
    if (ctx.json) {
        return core::dump_json({{"stored", totals.stored},
                                {"handoffs", totals.handoffs},
                                {"unmatched", totals.unmatched},
                                {"duplicates", totals.duplicates},
                                {"rejected", totals.rejected}}) +
               "\n";
    }
    return summary + "\n";
}

Result<std::string> run_emit(Context& ctx, const Args& args) {
    const auto type = args.get("TYPE");
    if (!type) return make_error(ErrorCode::invalid_argument, "name the event type, or - for "
                                                             "JSON Lines on stdin");
    auto engine = ctx.engine();
    if (!engine) return engine.error();
    if (*type == "-") {
        for (const char* option : {"--id", "--source", "--subject", "--data", "--data-file"}) {
            if (args.get(option)) {
                return make_error(ErrorCode::invalid_argument,
                                  std::string(option) + " does not apply to JSON Lines input: "
                                                        "each line carries its own");
            }
        }
        return emit_stream(ctx, **engine);
    }
    return emit_one(ctx, args, **engine);
}

}  // namespace

CommandSpec emit_command() {
    return {"emit",
            "record an event (the handoff moment); - reads JSON Lines from stdin",
            {{"TYPE", OptionKind::positional, "the event type, such as deal.won, or -"},
             {"DATA", OptionKind::positional, "- to read the data object from stdin"},
             {"--id", OptionKind::value, "the event id (default: random)"},
             {"--source", OptionKind::value, "the event source (default: cli)"},
             {"--subject", OptionKind::value, "what the event is about"},
             {"--data", OptionKind::value, "the data, a JSON object"},
             {"--data-file", OptionKind::value, "read the data from this file"}},
            run_emit};
}

}  // namespace baton::cli
