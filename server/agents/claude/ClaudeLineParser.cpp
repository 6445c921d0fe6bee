// Claude Code line format: docs/formats.md, "Claude Code". Unknown line types are ignored, never an error.
#include "agents/claude/ClaudeLineParser.hpp"

#include "core/Hash.hpp"
#include "core/JsonFields.hpp"
#include "agents/FieldCleaning.hpp"

#include <limits>

namespace agentpulse {
namespace json = boost::json;

namespace {

// Bytes a tool writes: the length of the input field that holds the new text; nullopt for other tools.
std::optional<std::int64_t> written_bytes(std::string_view tool, const json::value* input) {
    if (tool == "Write") return string_bytes(jf::field(input, "content"));
    if (tool == "Edit") return string_bytes(jf::field(input, "new_string"));
    if (tool == "NotebookEdit") return string_bytes(jf::field(input, "new_source"));
    if (tool == "MultiEdit") {
        std::int64_t n = 0;
        if (const json::array* edits = jf::array(jf::field(input, "edits")))
            for (const json::value& e : *edits) n += string_bytes(jf::field(e, "new_string"));
        return n;
    }
    return std::nullopt;
}

// Size of a tool_result's content: a string, or a list of blocks whose text parts count.
std::int64_t result_size(const json::value* content) {
    if (!content) return 0;
    if (content->is_string()) return static_cast<std::int64_t>(content->as_string().size());
    std::int64_t n = 0;
    if (const json::array* parts = jf::array(content))
        for (const json::value& p : *parts) n += string_bytes(jf::field(p, "text"));
    return n;
}

TokenCounts read_usage(const json::value* usage, bool& bad) {
    TokenCounts t;
    t.input = read_count(jf::field(usage, "input_tokens"), bad);
    t.output = read_count(jf::field(usage, "output_tokens"), bad);
    t.cache_read = read_count(jf::field(usage, "cache_read_input_tokens"), bad);
    const std::int64_t create_all = read_count(jf::field(usage, "cache_creation_input_tokens"), bad);
    const json::value* breakdown = jf::field(usage, "cache_creation");
    const std::int64_t c5 = read_count(jf::field(breakdown, "ephemeral_5m_input_tokens"), bad);
    const std::int64_t c1 = read_count(jf::field(breakdown, "ephemeral_1h_input_tokens"), bad);
    // Counts are not trusted yet (tokens_plausible judges them later): a sum that overflows is absurd.
    std::int64_t both = 0;
    if (__builtin_add_overflow(c5, c1, &both)) both = std::numeric_limits<std::int64_t>::max();
    t.cache_create = std::max(create_all, both);
    t.cache_create_1h = c1;
    return t;
}


// One API response: its model and ids, and its usage record if it is billable.
void read_response(const json::value* root, const json::value* message, MessageRecord& m, ParsedLine& out,
                   LineIssue& issue) {
    m.model = clean_text(jf::str(jf::field(message, "model")), issue);
    m.api_message_id = clean_text(jf::str(jf::field(message, "id")), issue);
    m.request_id = clean_text(jf::str(jf::field(root, "requestId")), issue);
    const json::value* usage = jf::field(message, "usage");
    bool bad_usage = usage && !usage->is_null() && !usage->is_object();
    m.tokens = read_usage(usage, bad_usage);
    if (bad_usage && issue == LineIssue::None) issue = LineIssue::MissingField;
    const bool billable = jf::object(usage) && m.model != "<synthetic>" && !m.tokens.empty();
    if (billable && !tokens_plausible(m.tokens)) {
        issue = LineIssue::AbsurdTokens;
        m.tokens = {};
        return;
    }
    if (!billable) return;
    UsageRecord& u = out.usage.emplace();
    // One response = one (message.id, requestId); some gateways omit requestId.
    u.dedup_key = m.api_message_id.empty() ? "claude:line:" + m.line_key : "claude:" + m.api_message_id + ":" + m.request_id;
    u.model = m.model;
    u.tokens = m.tokens;
    u.service_tier = clean_text(jf::str(jf::field(usage, "service_tier")), issue);
    if (jf::str(jf::field(usage, "speed")) == "fast") u.service_tier = "priority";
    u.grows = true;
}

// The tool_use blocks of an assistant message.
void read_tool_calls(const json::array& content, ParsedLine& out, LineIssue& issue) {
    for (const json::value& block : content) {
        if (jf::str(jf::field(block, "type")) != "tool_use") continue;
        const std::string_view id = jf::str(jf::field(block, "id"));
        if (id.empty()) continue;
        ToolCallRecord& call = out.tool_calls.emplace_back();
        call.tool_use_id = clean_text(id, issue);
        call.tool_name = clean_text(jf::str(jf::field(block, "name"), "unknown"), issue);
        const json::value* input = jf::field(block, "input");
        call.file_path = first_path(input, {"file_path", "path", "notebook_path"}, issue);
        call.byte_count = written_bytes(call.tool_name, input);
        call.command = command_text(input, {"command"});
    }
}

// The tool_result blocks of a user message.
void read_tool_results(const json::array& content, ParsedLine& out, LineIssue& issue) {
    for (const json::value& block : content) {
        if (jf::str(jf::field(block, "type")) != "tool_result") continue;
        const std::string_view id = jf::str(jf::field(block, "tool_use_id"));
        if (id.empty()) continue;
        ToolResultRecord& r = out.tool_results.emplace_back();
        r.tool_use_id = clean_text(id, issue);
        r.is_error = jf::boolean(jf::field(block, "is_error"));
        r.result_bytes = result_size(jf::field(block, "content"));
    }
}

}  // namespace

LineOutcome ClaudeLineParser::parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) {
    issue = LineIssue::None;
    const json::value* root = reader_.parse_object(line, issue);
    if (!root) return LineOutcome::Rejected;
    const std::string_view type = jf::str(jf::field(root, "type"));
    if (type != "user" && type != "assistant") return LineOutcome::Ignored;

    out.line_no = line_no;
    if (!clock_.stamp(jf::str(jf::field(root, "timestamp")), out, issue)) return LineOutcome::Rejected;
    const json::value* message = jf::field(root, "message");
    if (!jf::object(message) || !read_session(root, out.session, issue)) {
        issue = LineIssue::MissingField;
        return LineOutcome::Rejected;
    }

    MessageRecord& m = out.message.emplace();
    const std::string_view uuid = jf::str(jf::field(root, "uuid"));
    m.line_key = uuid.empty() ? "claude:line:" + hex64(fnv1a64(line)) : clean_text(uuid, issue);
    m.parent_key = clean_text(jf::str(jf::field(root, "parentUuid")), issue);
    m.role = clean_text(jf::str(jf::field(message, "role"), type), issue);
    m.kind = std::string(type);
    m.is_sidechain = jf::boolean(jf::field(root, "isSidechain"));
    m.agent_id = clean_text(jf::str(jf::field(root, "agentId"), ctx_.agent_id), issue);

    const json::array* content = jf::array(jf::field(message, "content"));
    const json::value* content_value = jf::field(message, "content");
    if (type == "assistant") {
        read_response(root, message, m, out, issue);
        if (content) read_tool_calls(*content, out, issue);
        m.text = content_text(content_value);
    } else {
        if (content) read_tool_results(*content, out, issue);
        if (!out.tool_results.empty()) {
            m.kind = "tool_result";
        } else if (!jf::boolean(jf::field(root, "isMeta"))) {
            // The person's prompt (a string, or text blocks); Claude Code's own notes are isMeta lines.
            m.text = said_text(content_value);
        }
    }
    return LineOutcome::Record;
}

bool ClaudeLineParser::read_session(const json::value* root, SessionRef& s, LineIssue& issue) const {
    s.project_slug = ctx_.project_slug;
    s.cwd = clean_text(jf::str(jf::field(root, "cwd")), issue);
    s.project_name = project_name_from_cwd(s.cwd);
    if (s.project_name.empty()) s.project_name = ctx_.project_slug;
    // Sub-agent transcripts count toward the session that spawned them.
    s.session_id = !ctx_.parent_session.empty() ? ctx_.parent_session : clean_text(jf::str(jf::field(root, "sessionId")), issue);
    if (s.session_id.empty()) return false;
    s.git_branch = clean_text(jf::str(jf::field(root, "gitBranch")), issue);
    s.cli_version = clean_text(jf::str(jf::field(root, "version")), issue);
    return true;
}

std::string ClaudeLineParser::save_state() const { return clock_.save_state(); }

void ClaudeLineParser::load_state(std::string_view state) { clock_.load_state(state); }

}  // namespace agentpulse
