// See OpenCodeView.hpp. A part {type: text | reasoning | tool | step-start | step-finish, text, callID,
// tool, state {status, input, output, error}}: what the JSON tree's part files and the database's `part`
// rows hold. The database view reads the parts of a session and of the sessions it spawned (session.
// parent_id) in time order, each with its message's role (message.data) and key opencode:<message id>.
#include "agents/opencode/OpenCodeView.hpp"

#include <boost/json.hpp>
#include <sqlite3.h>

#include "agents/TranscriptViews.hpp"
#include "core/IsoTime.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

void part(const json::value& p, bool user, std::string_view key, std::string_view ts, std::vector<ViewItem>& out) {
    const std::string_view type = jf::str(jf::field(p, "type"));
    std::vector<ViewItem> items;
    if (type == "text") {
        items.push_back(views::item(user ? ViewKind::User : ViewKind::Assistant, std::string(jf::str(jf::field(p, "text")))));
    } else if (type == "reasoning") {
        items.push_back(views::item(ViewKind::Thinking, std::string(jf::str(jf::field(p, "text")))));
    } else if (type == "tool") {
        const json::value* state = jf::field(p, "state");
        const std::string_view id = jf::str(jf::field(p, "callID"));
        items.push_back(views::tool_call(jf::str(jf::field(p, "tool")), id, jf::field(state, "input")));
        const std::string_view status = jf::str(jf::field(state, "status"));
        if (status == "completed" || status == "error") {
            const bool error = status == "error";
            ViewItem r = views::item(ViewKind::ToolResult, views::text_of(jf::field(state, error ? "error" : "output")));
            r.is_error = error;
            r.tool_id = std::string(id);
            items.push_back(std::move(r));
        }
    } else {
        return;  // step boundaries, snapshots, patches: no conversation
    }
    for (ViewItem& it : items) {
        it.key = std::string(key);
        it.ts = std::string(ts);
        out.push_back(std::move(it));
    }
}

}  // namespace

void opencode_view_line(std::string_view line, const ViewContext&, std::vector<ViewItem>& out) {
    // A part file of the JSON tree: {id, messageID, sessionID, type, ...}; message and session files show nothing.
    const auto v = views::parse_object(line);
    if (!v || !jf::field(*v, "messageID") || !jf::field(*v, "type")) return;
    const std::string key = "opencode:" + std::string(jf::str(jf::field(*v, "messageID")));
    const auto start = jf::integer(jf::field(jf::field(*v, "time"), "start"));
    part(*v, false, key, start ? format_iso8601(*start) : std::string(), out);
}

bool opencode_view_database(sqlite3* db, const ViewContext& ctx, std::int64_t after, int limit,
                            std::vector<ViewItem>& out, std::int64_t& next) {
    // Position: how many parts of the session came before (parts are few per message; a session's parts
    // are ordered by their time, then id).
    static constexpr const char* kSql =
        "WITH RECURSIVE tree(id) AS (SELECT ?1 UNION SELECT s.id FROM session s JOIN tree ON s.parent_id = tree.id) "
        "SELECT p.data, p.message_id, p.time_created, json_extract(m.data, '$.role') FROM part p "
        "JOIN message m ON m.id = p.message_id WHERE p.session_id IN (SELECT id FROM tree) "
        "ORDER BY p.time_created, p.id LIMIT ?2 OFFSET ?3";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, kSql, -1, &st, nullptr) != SQLITE_OK) {
        sqlite3_finalize(st);
        return false;
    }
    sqlite3_bind_text(st, 1, ctx.session_id.data(), static_cast<int>(ctx.session_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, after);
    next = after;
    while (sqlite3_step(st) == SQLITE_ROW) {
        ++next;
        auto col = [st](int i) {
            const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            return t ? std::string_view(t, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : std::string_view();
        };
        const auto v = views::parse_object(col(0));
        if (!v) continue;
        const std::size_t first = out.size();
        part(*v, col(3) == "user", "opencode:" + std::string(col(1)), format_iso8601(sqlite3_column_int64(st, 2)), out);
        for (std::size_t i = first; i < out.size(); ++i) out[i].position = next - 1;
    }
    sqlite3_finalize(st);
    return true;
}

}  // namespace agentpulse
