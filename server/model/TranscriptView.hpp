// What the conversation viewer shows of a transcript line: items read from the transcript on demand (the
// store keeps no text). Each agent's source turns one of its lines (or a whole document) into items
// (AgentSource::view_line); the viewer (server/viewer) pages them, links them to stored rows and redacts
// them. Transcript text lives only in these values on the way to the client: never logged.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace agentpulse {

enum class ViewKind { User, Assistant, Thinking, ToolCall, ToolResult, Error, System, Usage };
const char* view_kind_name(ViewKind k);

struct ViewItem {
    ViewKind kind = ViewKind::System;
    // The natural key the store gives this line's message (messages.line_key), when the view can tell it
    // without state (Claude: the line's uuid; Qwen `qwen:<uuid>`; Gemini `gemini:<id>`; Copilot
    // `copilot:<event id>`; OpenCode `opencode:<message id>`); empty: the message is found by line number.
    std::string key;
    // usage_events.dedup_key of the response this item reports, when the view can tell it (Codex token counts).
    std::string usage_key;
    std::string ts;  // the line's timestamp as written
    std::string text;  // prompt, answer, thinking, tool result or error text
    std::string tool_name, tool_id;
    // A tool call's input: the command it runs, the file it touches, the change as a diff (old/new text or
    // a patch), and the rest of the input as compact JSON.
    std::string command, file_path, diff, input;
    bool is_error = false;
    std::string model;
    std::string agent_id;  // a sub-agent this item spawned or reports (Claude's Task result agentId)
    std::optional<std::int64_t> output_tokens;  // tokens the line itself reports (Codex last_token_usage)
    std::optional<std::int64_t> input_tokens;
    // A database view's items: the position of the row they came from (what view_database's `after` counts).
    std::int64_t position = -1;
};

// What a view knows besides the line: the session (sessions.session_id) the file belongs to.
struct ViewContext {
    std::string session_id;
};

}  // namespace agentpulse
