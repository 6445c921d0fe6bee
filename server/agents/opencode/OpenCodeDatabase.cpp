// OpenCode's database: docs/formats.md, "OpenCode". Only metadata leaves this file (ids, times, models,
// token counts, tool names, file paths, sizes); text, reasoning, tool input and output never do. Part rows
// of other types (text, reasoning, files, snapshots...) are filtered out in SQL and never reach us.
#include "agents/opencode/OpenCodeDatabase.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <unordered_set>
#include <utility>
#include <vector>

#include "agents/FieldCleaning.hpp"
#include "agents/opencode/OpenCodeRecords.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

// A prepared statement, finalized on every path. A statement that ends (SQLITE_DONE) or fails is reset.
class Query {
public:
    Query(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) fail("prepare");
    }
    ~Query() { sqlite3_finalize(st_); }
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;

    Query& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(st_, i, v);
        return *this;
    }
    Query& bind(int i, std::string_view v) {
        sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) {
            sqlite3_reset(st_);
            return false;
        }
        const std::string msg = sqlite3_errmsg(db_);
        sqlite3_reset(st_);
        throw std::runtime_error("reading the database: " + msg);
    }
    void reset() { sqlite3_reset(st_); }
    std::int64_t integer(int i) const { return sqlite3_column_int64(st_, i); }
    bool null(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }
    std::string text(int i) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i))) : std::string();
    }

private:
    [[noreturn]] void fail(const char* what) const {
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
};

// The three tables this reader needs (a database OpenCode has just created may not have them yet).
bool has_tables(sqlite3* db) {
    Query q(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('session', 'message', 'part')");
    const bool all = q.step() && q.integer(0) == 3;
    q.reset();
    return all;
}

}  // namespace

// One read: the three tables in order (sessions, then messages, then parts), each from its watermark.
struct OpenCodeDatabaseParser::Pass {
    OpenCodeDatabaseParser& p;
    sqlite3* db;
    DatabaseSink& sink;
    Query session_by_id{db, "SELECT parent_id, directory, version, project_id FROM session WHERE id = ?1"};
    std::unordered_map<std::string, opencode::SessionInfo> sessions;   // this pass's lookups
    std::unordered_set<std::string> messages_sent;           // message rows handed over in this pass

    // A session and the root it is attributed to (opencode::resolve_session over the session table).
    const opencode::SessionInfo& session(const std::string& id) {
        if (auto it = sessions.find(id); it != sessions.end()) return it->second;
        const opencode::SessionLookup lookup = [this](const std::string& sid) -> std::optional<opencode::SessionFields> {
            session_by_id.bind(1, sid);
            if (!session_by_id.step()) return std::nullopt;
            opencode::SessionFields f{session_by_id.text(0), session_by_id.text(1), session_by_id.text(2),
                                      session_by_id.text(3)};
            session_by_id.reset();
            return f;
        };
        return sessions.emplace(id, opencode::resolve_session(id, lookup)).first->second;
    }

    bool read_sessions() {
        Query q(db, "SELECT rowid, id, time_created, time_updated FROM session WHERE time_updated >= ?1 "
                    "ORDER BY time_updated, rowid");
        q.bind(1, p.wm_.session - kOverlapMs);
        while (q.step()) {
            ParsedLine line;
            line.line_no = q.integer(0);
            line.ts = q.integer(2);
            line.session = session(q.text(1)).ref;
            if (!sink.take(std::move(line))) return false;
            p.wm_.session = std::max(p.wm_.session, q.integer(3));
        }
        return true;
    }

    // A message row as a line (its own time, its rowid as line number, whichever pass builds it).
    std::optional<opencode::Message> message_line(std::int64_t rowid, const std::string& id,
                                                  const std::string& session_id, std::int64_t created,
                                                  std::string_view data) {
        LineIssue issue = LineIssue::None;
        const json::value* root = p.json_.parse_object(data, issue);
        if (!root) {
            sink.issue(rowid, issue, "message " + id + ": data is not a JSON object");
            return std::nullopt;
        }
        std::optional<opencode::Message> m = opencode::message(id, *root, session(session_id), created, issue);
        if (m) m->line.line_no = rowid;
        if (issue != LineIssue::None) sink.issue(rowid, issue, "message " + id);
        return m;
    }

    bool read_messages() {
        Query q(db, "SELECT rowid, id, session_id, time_created, time_updated, data FROM message "
                    "WHERE time_updated >= ?1 ORDER BY time_updated, rowid");
        q.bind(1, p.wm_.message - kOverlapMs);
        while (q.step()) {
            const std::string id = q.text(1);
            std::optional<opencode::Message> m = message_line(q.integer(0), id, q.text(2), q.integer(3), q.text(5));
            if (m) {
                if (!sink.take(std::move(m->line))) return false;
                messages_sent.insert(id);
            }
            p.wm_.message = std::max(p.wm_.message, q.integer(4));
        }
        return true;
    }

    struct PartRow {
        std::int64_t rowid = 0, created = 0;
        std::string id, session_id, data;
        std::optional<std::int64_t> message_rowid;
        std::int64_t message_created = 0;
        std::string message_id, message_data;
    };

    // Tool and step-finish parts, oldest update first: the rowids sorted by time first (small rows), then
    // each row by rowid, so that no sort holds tool output.
    bool read_parts(bool full) {
        const std::int64_t floor = full ? 0 : p.wm_.part_floor;
        std::vector<std::pair<std::int64_t, std::int64_t>> rows;  // rowid, time_updated
        {
            Query q(db, "SELECT rowid, time_updated FROM part WHERE rowid >= ?2 AND time_updated >= ?1 AND "
                        "(CASE WHEN json_valid(data) THEN json_extract(data, '$.type') END) IN ('tool', 'step-finish') "
                        // A user's text part (the prompt, for the search index): not the model's text parts,
                        // which are rewritten as they stream.
                        "OR (rowid >= ?2 AND time_updated >= ?1 AND (CASE WHEN json_valid(data) THEN "
                        "json_extract(data, '$.type') END) = 'text' AND EXISTS (SELECT 1 FROM message m WHERE "
                        "m.id = part.message_id AND CASE WHEN json_valid(m.data) THEN json_extract(m.data, "
                        "'$.role') END = 'user')) "
                        "ORDER BY time_updated, rowid");
            q.bind(1, p.wm_.part - kOverlapMs).bind(2, floor);
            while (q.step()) rows.emplace_back(q.integer(0), q.integer(1));
        }
        Query one(db, "SELECT p.id, p.session_id, p.time_created, p.data, m.rowid, m.id, m.time_created, m.data "
                      "FROM part p LEFT JOIN message m ON m.id = p.message_id WHERE p.rowid = ?1");
        for (const auto& [rowid, updated] : rows) {
            one.bind(1, rowid);
            if (!one.step()) continue;
            PartRow r;
            r.rowid = rowid;
            r.id = one.text(0);
            r.session_id = one.text(1);
            r.created = one.integer(2);
            r.data = one.text(3);
            if (!one.null(4)) {
                r.message_rowid = one.integer(4);
                r.message_id = one.text(5);
                r.message_created = one.integer(6);
                r.message_data = one.text(7);
            }
            one.reset();
            if (!part(r)) return false;
            p.wm_.part = std::max(p.wm_.part, updated);
        }
        p.wm_.part_floor = next_floor(floor);
        return true;
    }

    // The floor for the next read (see kFloorMargin): open tool parts are searched from this read's floor
    // (the whole table after a full read), among parts updated in the last kStaleMs.
    std::int64_t next_floor(std::int64_t floor) {
        Query last(db, "SELECT coalesce(max(rowid), 0) FROM part");
        const std::int64_t end = last.step() ? last.integer(0) + 1 : 1;
        last.reset();
        const std::int64_t from = floor;
        // A part left open for good (OpenCode killed mid-call) stops holding the floor once it is kStaleMs
        // older than the newest part read; should it still finish, a full read finds it.
        Query open(db, "SELECT min(rowid) FROM part WHERE rowid >= ?1 AND time_updated >= ?2 AND CASE WHEN "
                       "json_valid(data) THEN json_extract(data, '$.type') = 'tool' AND "
                       "json_extract(data, '$.state.status') IN ('pending', 'running') END");
        open.bind(1, std::max<std::int64_t>(from, 0)).bind(2, p.wm_.part - kStaleMs);
        std::int64_t lowest = end;
        if (open.step() && !open.null(0)) lowest = std::min(lowest, open.integer(0));
        open.reset();
        return std::max<std::int64_t>(lowest - kFloorMargin, 0);
    }

    bool part(const PartRow& r) {
        // Its message first (when this pass has not handed it over yet), so that the message row is always
        // stored from its own line: the same row whatever order a run reads things in.
        std::optional<opencode::Message> message;
        if (r.message_rowid) {
            message = message_line(*r.message_rowid, r.message_id, r.session_id, r.message_created, r.message_data);
            if (message && messages_sent.insert(r.message_id).second && !sink.take(ParsedLine(message->line)))
                return false;
        }
        LineIssue issue = LineIssue::None;
        const json::value* d = p.json_.parse_object(r.data, issue);
        if (!d) {
            sink.issue(r.rowid, issue, "part " + r.id + ": data is not a JSON object");
            return true;
        }
        std::vector<ParsedLine> lines;
        opencode::part_lines(r.id, *d, session(r.session_id), message ? &*message : nullptr, r.created,
                             r.message_rowid.value_or(r.rowid), 0, lines, issue);
        if (issue != LineIssue::None) sink.issue(r.rowid, issue, "part " + r.id);
        for (ParsedLine& l : lines)
            if (!sink.take(std::move(l))) return false;
        return true;
    }
};

bool OpenCodeDatabaseParser::read(sqlite3* db, DatabaseSink& sink, bool full) {
    if (!has_tables(db)) return true;
    Pass pass{*this, db, sink};
    return pass.read_sessions() && pass.read_messages() && pass.read_parts(full || wm_.part_floor == 0);
}

std::string OpenCodeDatabaseParser::save_state() const {
    return json::serialize(json::object{
        {"session", wm_.session}, {"message", wm_.message}, {"part", wm_.part}, {"part_floor", wm_.part_floor}});
}

void OpenCodeDatabaseParser::load_state(std::string_view state) {
    wm_ = {};
    boost::system::error_code ec;
    const json::value v = json::parse(state, ec);
    if (ec || !v.is_object()) return;
    wm_.session = jf::integer(jf::field(v, "session")).value_or(0);
    wm_.message = jf::integer(jf::field(v, "message")).value_or(0);
    wm_.part = jf::integer(jf::field(v, "part")).value_or(0);
    wm_.part_floor = jf::integer(jf::field(v, "part_floor")).value_or(0);
}

}  // namespace agentpulse
