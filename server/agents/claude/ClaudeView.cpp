// See ClaudeView.hpp. `user` and `assistant` lines: `message.content` is a string or a list of blocks
// (text, thinking, tool_use, tool_result); a Task's result names the sub-agent it ran (toolUseResult.agentId);
// `isApiErrorMessage` marks an error the CLI wrote in the assistant's place; `system` lines are notices.
#include "agents/claude/ClaudeView.hpp"

#include <boost/json.hpp>

#include "agents/TranscriptViews.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

void claude_view_line(std::string_view line, const ViewContext&, std::vector<ViewItem>& out) {
    const auto v = views::parse_object(line);
    if (!v) return;
    const std::string_view type = jf::str(jf::field(*v, "type"));
    const std::string_view ts = jf::str(jf::field(*v, "timestamp"));
    const std::string_view key = jf::str(jf::field(*v, "uuid"));
    if (type == "system") {
        const std::string text = views::text_of(jf::field(*v, "content"));
        if (text.empty()) return;
        const bool error = jf::str(jf::field(*v, "level")) == "error";
        out.push_back(views::item(error ? ViewKind::Error : ViewKind::System, text, ts, key));
        return;
    }
    const bool user = type == "user";
    if (!user && type != "assistant") return;
    const json::value* msg = jf::field(*v, "message");
    const json::value* content = jf::field(msg, "content");
    const std::string model(jf::str(jf::field(msg, "model")));
    const bool api_error = jf::boolean(jf::field(*v, "isApiErrorMessage"));
    const ViewKind text_kind = api_error ? ViewKind::Error : user ? ViewKind::User : ViewKind::Assistant;
    auto push = [&](ViewItem it) {
        it.ts = std::string(ts);
        it.key = std::string(key);
        it.model = model;
        out.push_back(std::move(it));
    };
    if (content && content->is_string()) {
        push(views::item(text_kind, std::string(content->as_string())));
        return;
    }
    const json::array* blocks = jf::array(content);
    if (!blocks) return;
    const std::string agent_id(jf::str(jf::field(jf::field(*v, "toolUseResult"), "agentId")));
    for (const json::value& b : *blocks) {
        const std::string_view bt = jf::str(jf::field(b, "type"));
        if (bt == "text") {
            push(views::item(text_kind, std::string(jf::str(jf::field(b, "text")))));
        } else if (bt == "thinking") {
            push(views::item(ViewKind::Thinking, std::string(jf::str(jf::field(b, "thinking")))));
        } else if (bt == "tool_use") {
            push(views::tool_call(jf::str(jf::field(b, "name")), jf::str(jf::field(b, "id")), jf::field(b, "input")));
        } else if (bt == "tool_result") {
            ViewItem it = views::item(ViewKind::ToolResult, views::text_of(jf::field(b, "content")));
            it.tool_id = std::string(jf::str(jf::field(b, "tool_use_id")));
            it.is_error = jf::boolean(jf::field(b, "is_error"));
            it.agent_id = agent_id;
            push(std::move(it));
        }
    }
}

}  // namespace agentpulse
