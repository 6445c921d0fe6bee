// See OpenCodeRecords.hpp. docs/formats.md, "OpenCode", says what each field means to us.
#include "agents/opencode/OpenCodeRecords.hpp"

#include <algorithm>

#include "agents/FieldCleaning.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse::opencode {
namespace json = boost::json;

namespace {

// Bytes a tool writes: the argument holding the new text; nullopt for other tools (the store then takes
// the size of the result).
std::optional<std::int64_t> written_bytes(std::string_view tool, const json::value* input) {
    if (tool == "write") return string_bytes(jf::field(input, "content"));
    if (tool == "edit") return string_bytes(jf::field(input, "newString"));
    return std::nullopt;
}

// One step's usage (a step-finish part's `tokens`). OpenCode's input excludes cache reads and writes,
// and its output excludes the reasoning, which it bills at the output rate: our output includes it.
std::optional<TokenCounts> step_tokens(const json::value* tokens, LineIssue& issue) {
    if (!jf::object(tokens)) {
        issue = LineIssue::MissingField;
        return std::nullopt;
    }
    bool bad = false;
    const json::value* cache = jf::field(tokens, "cache");
    TokenCounts t;
    t.input = read_count(jf::field(tokens, "input"), bad);
    const std::int64_t output = read_count(jf::field(tokens, "output"), bad);
    t.reasoning = read_count(jf::field(tokens, "reasoning"), bad);
    t.cache_read = read_count(jf::field(cache, "read"), bad);
    t.cache_create = read_count(jf::field(cache, "write"), bad);
    if (bad && issue == LineIssue::None) issue = LineIssue::MissingField;
    if (output < 0 || output > kMaxTokensPerField || t.reasoning < 0 || t.reasoning > kMaxTokensPerField) {
        issue = LineIssue::AbsurdTokens;
        return std::nullopt;
    }
    t.output = output + t.reasoning;
    if (!tokens_plausible(t)) {
        issue = LineIssue::AbsurdTokens;
        return std::nullopt;
    }
    return t;
}

std::optional<std::int64_t> positive(const json::value* v) {
    const std::optional<std::int64_t> n = jf::integer(v);
    return n && *n > 0 ? n : std::nullopt;
}

// When a part that carries no time of its own happened. A database row's time_created is when OpenCode
// wrote it, except for the rows its JSON migration imported: parts have no time in the JSON tree, so
// those carry the migration's time, after their message completed. Hence: the row's time unless it is
// after its message's completion; else (and always in the JSON tree) the completion, else the message's
// start. Both layouts so give a migrated part the same time.
std::int64_t part_time(std::optional<std::int64_t> row_created, const Message* m) {
    const std::optional<std::int64_t> completed = m ? m->completed : std::nullopt;
    if (row_created && (!completed || *row_created <= *completed)) return *row_created;
    if (completed) return *completed;
    return m ? m->line.ts : row_created.value_or(0);
}

}  // namespace

SessionInfo resolve_session(const std::string& id, const SessionLookup& lookup) {
    SessionInfo info;
    std::string cur = id, root, dir, project, version;
    for (int depth = 0; depth < 32 && !cur.empty(); ++depth) {
        const std::optional<SessionFields> f = lookup(cur);
        if (!f) break;
        if (!info.found) version = f->version;
        info.found = true;
        root = cur;
        dir = f->directory;
        project = f->project;
        if (f->parent == id) break;  // a cycle: stop at the last session before it
        cur = f->parent;
    }
    LineIssue ignored = LineIssue::None;
    SessionRef& s = info.ref;
    s.session_id = clean_text(info.found ? root : id, ignored);
    if (info.found && root != id) info.child_id = clean_text(id, ignored);
    s.cwd = clean_text(dir, ignored);
    s.project_slug = !s.cwd.empty() ? s.cwd : !project.empty() ? clean_text(project, ignored) : "opencode";
    s.project_name = project_name_from_cwd(s.cwd);
    if (s.project_name.empty()) s.project_name = s.project_slug;
    s.cli_version = clean_text(version, ignored);
    return info;
}

std::optional<Message> message(std::string_view id, const json::value& data, const SessionInfo& s,
                               std::optional<std::int64_t> row_created, LineIssue& issue) {
    const json::value* time = jf::field(data, "time");
    const std::optional<std::int64_t> at = positive(jf::field(time, "created"));
    if (!at && !row_created) {
        issue = LineIssue::NoTimestamp;
        return std::nullopt;
    }
    Message out;
    out.completed = positive(jf::field(time, "completed"));
    ParsedLine& line = out.line;
    line.session = s.ref;
    line.ts = at ? *at : *row_created;
    MessageRecord& m = line.message.emplace();
    m.line_key = "opencode:" + clean_text(id, issue);
    const std::string_view role = jf::str(jf::field(data, "role"));
    m.role = role.empty() ? "unknown" : clean_text(role, issue);
    m.kind = m.role;
    if (role == "assistant") m.model = clean_text(jf::str(jf::field(data, "modelID")), issue);
    if (const std::string_view parent = jf::str(jf::field(data, "parentID")); !parent.empty())
        m.parent_key = "opencode:" + clean_text(parent, issue);
    m.is_sidechain = !s.child_id.empty();
    m.agent_id = s.child_id;
    return out;
}

bool part_type_read(std::string_view type) { return type == "tool" || type == "step-finish" || type == "text"; }

int part_lines(std::string_view id, const json::value& d, const SessionInfo& s, const Message* m,
               std::optional<std::int64_t> row_created, std::int64_t line_no, int done, std::vector<ParsedLine>& out,
               LineIssue& issue) {
    const auto line_at = [&](EpochMs ts) -> ParsedLine& {
        ParsedLine& l = out.emplace_back();
        l.line_no = line_no;
        l.ts = ts;
        l.session = s.ref;
        if (m) l.message = m->line.message;
        return l;
    };
    const std::string_view type = jf::str(jf::field(d, "type"));
    if (type == "step-finish") {
        if (done & kUsageDone) return done;
        std::optional<TokenCounts> t = step_tokens(jf::field(d, "tokens"), issue);
        if (!t) return done;  // a step is written once: unusable now, unusable for good
        if (!t->empty()) {
            UsageRecord& u = line_at(part_time(row_created, m)).usage.emplace();
            u.dedup_key = "opencode:" + clean_text(id, issue);  // one per step
            u.model = m ? m->line.message->model : std::string();
            u.tokens = *t;
        }
        return done | kUsageDone;
    }
    if (type == "text") {
        // A user message's text part: the prompt, for the search index (never the model's text parts,
        // which grow in place as they stream; never OpenCode's own synthetic ones).
        if ((done & kTextDone) || !m || m->line.message->role != "user" || jf::boolean(jf::field(d, "synthetic")))
            return done;
        std::string text = search_text(jf::str(jf::field(d, "text")));
        if (text.empty()) return done;
        ParsedLine& l = line_at(m->line.ts);
        l.message->text = std::move(text);
        l.message->text_part = clean_text(id, issue);
        return done | kTextDone;
    }
    if (type != "tool") return done;

    // A tool part: the call at time.start, its result at time.end (the same object, updated in place from
    // pending to running to completed or error). Pending calls have not started: nothing yet.
    const json::value* state = jf::field(d, "state");
    const std::string_view status = jf::str(jf::field(state, "status"));
    const bool finished = status == "completed" || status == "error";
    if (!finished && status != "running") return done;
    const json::value* time = jf::field(state, "time");
    const std::optional<std::int64_t> start = jf::integer(jf::field(time, "start"));
    const std::optional<std::int64_t> end = jf::integer(jf::field(time, "end"));
    const std::string tool = clean_text(jf::str(jf::field(d, "tool"), "unknown"), issue);
    const std::string use_id = clean_text(id, issue);  // the part id: unique, where some providers' callIDs are not
    if (!(done & kCallDone)) {
        ToolCallRecord& c = line_at(start ? *start : part_time(row_created, m)).tool_calls.emplace_back();
        c.tool_use_id = use_id;
        c.tool_name = tool;
        const json::value* input = jf::field(state, "input");
        c.file_path = first_path(input, {"filePath", "path"}, issue);
        c.byte_count = written_bytes(tool, input);
        c.command = command_text(input, {"command"});
        done |= kCallDone;
    }
    if (!finished || (done & kResultDone)) return done;
    if (!start || !end) {
        // No measured start or end: the call is kept, without a result (so without a latency).
        if (issue == LineIssue::None) issue = LineIssue::MissingField;
        return done | kResultDone;
    }
    const json::value* meta = jf::field(state, "metadata");
    const std::optional<std::int64_t> exit = jf::integer(jf::field(meta, "exit"));
    ToolResultRecord& res = line_at(*end).tool_results.emplace_back();
    res.tool_use_id = use_id;
    res.is_error = status == "error" || (exit && *exit != 0) || jf::boolean(jf::field(meta, "timeout")) ||
                   tool == "invalid";
    res.result_bytes = string_bytes(jf::field(state, status == "error" ? "error" : "output"));
    return done | kResultDone;
}

}  // namespace agentpulse::opencode
