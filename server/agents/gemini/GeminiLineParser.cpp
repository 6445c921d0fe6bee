// Gemini CLI chat record format: docs/formats.md, "Gemini CLI". Only user and gemini messages become rows
// (info, error and warning records are the CLI's own notices); `$rewindTo` removes nothing: the responses
// it rewinds over were paid for, so their usage stays.
#include "agents/gemini/GeminiLineParser.hpp"

#include <algorithm>
#include <fstream>

#include "agents/FieldCleaning.hpp"
#include "core/Hash.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kDigestChars = 16;
constexpr std::uintmax_t kMaxSideFileBytes = 4u << 20;

// A small file of the agent's folder (marker, registry); "" when absent, unreadable or implausibly large.
std::string read_small_file(const fs::path& p) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(p, ec);
    if (ec || size > kMaxSideFileBytes) return {};
    std::ifstream in(p, std::ios::binary);
    std::string s(static_cast<std::size_t>(size), '\0');
    if (!in.read(s.data(), static_cast<std::streamsize>(size))) return {};
    return s;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// The folder a tmp/<project>/ directory belongs to: its .project_root marker (v0.29+), else the entry of
// the .gemini folder's projects.json ({"projects": {"<folder>": "<dir name>"}}) naming it; "" when neither
// does (directories named by the older SHA-256 of the folder, written before the marker existed).
std::string project_root_of(const fs::path& project_dir) {
    if (project_dir.empty()) return {};
    if (const std::string marker = read_small_file(project_dir / ".project_root"); !trim(marker).empty())
        return std::string(trim(marker));
    const std::string registry = read_small_file(project_dir.parent_path().parent_path() / "projects.json");
    if (registry.empty()) return {};
    boost::system::error_code ec;
    const json::value v = json::parse(registry, ec);
    const std::string dir = project_dir.filename().string();
    if (const json::object* projects = ec ? nullptr : jf::object(jf::field(v, "projects")))
        for (const auto& [root, slug] : *projects)
            if (jf::str(&slug) == dir) return std::string(root);
    return {};
}

// `tokens` of one API response: input includes the cached part; thoughts are billed as output and are
// not inside `output`; `tool` (the tool-use prompt) is prompt input beside `input`.
TokenCounts read_tokens(const json::value* tokens, bool& bad) {
    const std::int64_t input = read_count(jf::field(tokens, "input"), bad);
    const std::int64_t cached = read_count(jf::field(tokens, "cached"), bad);
    const std::int64_t output = read_count(jf::field(tokens, "output"), bad);
    const std::int64_t thoughts = read_count(jf::field(tokens, "thoughts"), bad);
    const std::int64_t tool = read_count(jf::field(tokens, "tool"), bad);
    return genai_tokens(input, cached, tool, output + thoughts, thoughts);
}

// Bytes a tool writes: the argument that holds the new text; nullopt for other tools.
std::optional<std::int64_t> written_bytes(std::string_view tool, const json::value* args) {
    const char* key = tool == "write_file" ? "content" : tool == "replace" ? "new_string" : nullptr;
    if (!key) return std::nullopt;
    return string_bytes(jf::field(args, key));
}

// The size of a call's result: the output (or error) text of its functionResponse parts, or a plain string.
std::int64_t result_size(const json::value* result) {
    if (result && result->is_string()) return string_bytes(result);
    std::int64_t n = 0;
    if (const json::array* parts = jf::array(result))
        for (const json::value& part : *parts) {
            const json::value* response = jf::field(jf::field(part, "functionResponse"), "response");
            for (const char* key : {"output", "error"}) n += string_bytes(jf::field(response, key));
        }
    return n;
}

bool finished(std::string_view status) { return status == "success" || status == "error" || status == "cancelled"; }

}  // namespace

LineOutcome GeminiLineParser::parse_records(std::string_view line, std::int64_t line_no, std::vector<ParsedLine>& out,
                                            LineIssue& issue) {
    issue = LineIssue::None;
    const json::value* root = reader_.parse_object(line, issue);
    if (!root) return LineOutcome::Rejected;
    return layout_ == Layout::Document ? read_document(*root, out, issue) : read_line(*root, line_no, out, issue);
}

LineOutcome GeminiLineParser::read_line(const json::value& root, std::int64_t line_no, std::vector<ParsedLine>& out,
                                        LineIssue& issue) {
    const std::size_t before = out.size();
    if (jf::field(root, "$rewindTo")) return LineOutcome::Ignored;  // usage already spent stays counted
    if (const json::value* set = jf::field(root, "$set"); jf::object(set)) {
        if (const std::string_view id = jf::str(jf::field(set, "sessionId")); !id.empty())
            session_id_ = clean_text(id, issue);
        if (const json::array* messages = jf::array(jf::field(set, "messages")))
            for (const json::value& m : *messages) read_message(m, line_no, out, issue);
    } else if (jf::str(jf::field(root, "id")).empty() && jf::field(root, "sessionId")) {
        // The metadata line: the session every later record belongs to.
        if (const std::string_view id = jf::str(jf::field(root, "sessionId")); !id.empty())
            session_id_ = clean_text(id, issue);
        return LineOutcome::Ignored;
    } else if (jf::field(root, "id")) {
        read_message(root, line_no, out, issue);
    } else {
        return LineOutcome::Ignored;
    }
    if (out.size() > before) return LineOutcome::Record;
    return issue == LineIssue::None ? LineOutcome::Ignored : LineOutcome::Rejected;
}

LineOutcome GeminiLineParser::read_document(const json::value& root, std::vector<ParsedLine>& out, LineIssue& issue) {
    if (const std::string_view id = jf::str(jf::field(root, "sessionId")); !id.empty())
        session_id_ = clean_text(id, issue);
    const json::array* messages = jf::array(jf::field(root, "messages"));
    if (!messages) {
        issue = LineIssue::MissingField;
        return LineOutcome::Rejected;
    }
    // Only messages whose text changed since the last read become records (the store would drop the
    // others anyway, at the cost of a lookup each).
    std::string digests;
    digests.reserve(messages->size() * kDigestChars);
    const std::size_t before = out.size();
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const std::string d = hex64(fnv1a64(json::serialize((*messages)[i])));
        const std::size_t at = i * kDigestChars;
        const bool seen = at + kDigestChars <= digests_.size() && digests_.compare(at, kDigestChars, d) == 0;
        if (!seen) read_message((*messages)[i], static_cast<std::int64_t>(i) + 1, out, issue);
        digests += d;
    }
    digests_ = std::move(digests);
    if (out.size() > before) return LineOutcome::Record;
    return issue == LineIssue::None ? LineOutcome::Ignored : LineOutcome::Rejected;
}

bool GeminiLineParser::session_ref(SessionRef& s, LineIssue& issue) {
    if (!project_root_) project_root_ = clean_text(project_root_of(project_dir_), issue);
    s.project_slug = ctx_.project_slug;
    s.cwd = *project_root_;
    s.project_name = project_name_from_cwd(s.cwd);
    if (s.project_name.empty()) s.project_name = ctx_.project_slug;
    // A sub-agent's records belong to the session that started it, as Claude Code's sub-agents do.
    s.session_id = !ctx_.parent_session.empty() ? ctx_.parent_session : session_id_;
    return !s.session_id.empty();
}

bool GeminiLineParser::read_message(const json::value& msg, std::int64_t line_no, std::vector<ParsedLine>& out,
                                    LineIssue& issue) {
    const std::string_view id = jf::str(jf::field(msg, "id"));
    if (id.empty()) {
        issue = LineIssue::MissingField;
        return false;
    }
    const std::string_view type = jf::str(jf::field(msg, "type"));
    if (type != "user" && type != "gemini") return false;
    ParsedLine p;
    p.line_no = line_no;
    if (!clock_.stamp(jf::str(jf::field(msg, "timestamp")), p, issue)) return false;
    if (!session_ref(p.session, issue)) {
        issue = LineIssue::MissingField;
        return false;
    }
    MessageRecord& m = p.message.emplace();
    // The message id alone: the same message in a checkpoint, in a legacy file and in its .jsonl
    // continuation is one row whatever session id the file carries.
    m.line_key = "gemini:" + clean_text(id, issue);
    m.kind = type == "gemini" ? "assistant" : "user";
    m.role = m.kind;
    m.is_sidechain = !ctx_.parent_session.empty();
    m.agent_id = ctx_.agent_id;
    // content: a string or a list of parts with `text` (any part type).
    m.text = said_text(jf::field(msg, "content"), "");
    if (type != "gemini") {
        out.push_back(std::move(p));
        return true;
    }
    m.model = clean_text(jf::str(jf::field(msg, "model")), issue);
    m.api_message_id = m.line_key;  // numbers its tool calls (call_index)
    // The counts go to the usage event only: the message row is written at the first copy the store sees,
    // with or without its tokens depending on when the file was read, so it carries none.
    const json::value* tokens = jf::field(msg, "tokens");
    bool bad = tokens && !tokens->is_null() && !tokens->is_object();
    const TokenCounts counts = read_tokens(tokens, bad);
    if (bad && issue == LineIssue::None) issue = LineIssue::MissingField;
    if (jf::object(tokens) && !counts.empty()) {
        if (!tokens_plausible(counts)) {
            issue = LineIssue::AbsurdTokens;
        } else {
            // Tokens arrive on a later copy of the message: one event, keyed on the message, that grows.
            UsageRecord& u = p.usage.emplace();
            u.dedup_key = m.line_key;
            u.model = m.model;
            u.tokens = counts;
            u.grows = true;
        }
    }
    const MessageRecord message = m;
    const SessionRef session = p.session;
    const EpochMs message_ts = p.ts;
    out.push_back(std::move(p));

    // Each call is written once finished, with its result: one record each, at the call's own time (its
    // completion), stored without a latency since nothing says when it started.
    if (const json::array* calls = jf::array(jf::field(msg, "toolCalls")))
        for (const json::value& call : *calls) {
            const std::string_view call_id = jf::str(jf::field(call, "id"));
            if (call_id.empty()) continue;
            ParsedLine& c = out.emplace_back();
            c.line_no = line_no;
            c.ts = parse_iso8601(jf::str(jf::field(call, "timestamp"))).value_or(message_ts);
            c.session = session;
            c.message = message;
            ToolCallRecord& t = c.tool_calls.emplace_back();
            t.tool_use_id = clean_text(call_id, issue);
            t.tool_name = clean_text(jf::str(jf::field(call, "name"), "unknown"), issue);
            const json::value* args = jf::field(call, "args");
            t.file_path = first_path(args, {"file_path", "absolute_path", "dir_path"}, issue);
            t.byte_count = written_bytes(t.tool_name, args);
            t.command = command_text(args, {"command"});
            const std::string_view status = jf::str(jf::field(call, "status"));
            if (!finished(status)) continue;
            ToolResultRecord& r = c.tool_results.emplace_back();
            r.tool_use_id = t.tool_use_id;
            r.is_error = status != "success";
            r.result_bytes = result_size(jf::field(call, "result"));
            r.latency_measured = false;
        }
    return true;
}

std::string GeminiLineParser::save_state() const {
    json::object o;
    if (!session_id_.empty()) o["session"] = session_id_;
    if (project_root_) o["root"] = *project_root_;
    if (std::string clock = clock_.save_state(); !clock.empty()) o["clock"] = clock;
    if (!digests_.empty()) o["digests"] = digests_;
    return o.empty() ? std::string() : json::serialize(o);
}

void GeminiLineParser::load_state(std::string_view state) {
    session_id_.clear();
    project_root_.reset();
    digests_.clear();
    clock_.load_state({});
    if (state.empty()) return;
    boost::system::error_code ec;
    const json::value v = json::parse(state, ec);
    if (ec) return;
    session_id_ = std::string(jf::str(jf::field(v, "session")));
    if (const json::value* root = jf::field(v, "root"); root && root->is_string())
        project_root_ = std::string(root->as_string());
    clock_.load_state(jf::str(jf::field(v, "clock")));
    digests_ = std::string(jf::str(jf::field(v, "digests")));
}

}  // namespace agentpulse
