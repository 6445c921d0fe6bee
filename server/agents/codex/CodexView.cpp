// See CodexView.hpp. `response_item` payloads: message (role user/assistant/developer, content blocks with
// `text`), reasoning (summary texts), function_call {name, arguments (JSON text), call_id},
// function_call_output {call_id, output: text or JSON text with metadata.exit_code}, custom_tool_call
// {name, input (a patch), call_id} and its output, local_shell_call {action.command}. `event_msg`
// token_count gives a response's tokens (its usage row: codex:<session>:<total_tokens>), error an error;
// the event_msg copies of messages are not shown twice.
#include "agents/codex/CodexView.hpp"

#include <boost/json.hpp>

#include "agents/TranscriptViews.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

// Tool output as text, and whether it reports a failure (a non-zero exit code).
ViewItem output_item(const json::value* out_v) {
    std::string text = views::text_of(out_v);
    bool error = false;
    if (!text.empty() && text.front() == '{') {
        if (const auto v = views::parse_object(text)) {
            if (const auto code = jf::integer(jf::field(jf::field(*v, "metadata"), "exit_code"))) error = *code != 0;
            if (const json::value* inner = jf::field(*v, "output"); inner && inner->is_string())
                text = std::string(inner->as_string());
        }
    } else if (text.starts_with("Exit code: ")) {
        error = !text.starts_with("Exit code: 0\n") && text != "Exit code: 0";
    }
    ViewItem it = views::item(ViewKind::ToolResult, std::move(text));
    it.is_error = error;
    return it;
}

}  // namespace

void codex_view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) {
    const auto v = views::parse_object(line);
    if (!v) return;
    const std::string_view type = jf::str(jf::field(*v, "type"));
    const std::string ts(jf::str(jf::field(*v, "timestamp")));
    const json::value* p = jf::field(*v, "payload");
    const std::string_view pt = jf::str(jf::field(p, "type"));
    ViewItem it;
    if (type == "event_msg") {
        if (pt == "token_count") {
            const json::value* info = jf::field(p, "info");
            const json::value* last = jf::field(info, "last_token_usage");
            if (!jf::object(last)) return;
            it = views::item(ViewKind::Usage, {});
            it.input_tokens = jf::integer(jf::field(last, "input_tokens"));
            it.output_tokens = jf::integer(jf::field(last, "output_tokens"));
            if (const auto total = jf::integer(jf::field(jf::field(info, "total_token_usage"), "total_tokens")))
                it.usage_key = "codex:" + ctx.session_id + ":" + std::to_string(*total);
        } else if (pt == "error" || pt == "stream_error") {
            it = views::item(ViewKind::Error, std::string(jf::str(jf::field(p, "message"))));
        } else {
            return;
        }
    } else if (type == "response_item") {
        if (pt == "message") {
            const std::string_view role = jf::str(jf::field(p, "role"));
            const ViewKind k = role == "user" ? ViewKind::User : role == "assistant" ? ViewKind::Assistant : ViewKind::System;
            it = views::item(k, views::text_of(jf::field(p, "content")));
        } else if (pt == "reasoning") {
            it = views::item(ViewKind::Thinking, views::text_of(jf::field(p, "summary")));
            if (it.text.empty()) return;  // encrypted only
        } else if (pt == "function_call" || pt == "custom_tool_call") {
            const json::value* input = jf::field(p, "arguments");
            it = views::tool_call(jf::str(jf::field(p, "name")), jf::str(jf::field(p, "call_id")),
                                  input ? input : jf::field(p, "input"));
        } else if (pt == "local_shell_call") {
            it = views::tool_call("local_shell", jf::str(jf::field(p, "call_id")), jf::field(p, "action"));
        } else if (pt == "function_call_output" || pt == "custom_tool_call_output") {
            it = output_item(jf::field(p, "output"));
            it.tool_id = std::string(jf::str(jf::field(p, "call_id")));
        } else {
            return;
        }
    } else {
        return;
    }
    it.ts = ts;
    out.push_back(std::move(it));
}

}  // namespace agentpulse
