// See CopilotView.hpp. Events {type, data, id, timestamp}: user.message and assistant.message
// (data.content), assistant.reasoning, tool.execution_start {toolCallId, toolName, arguments},
// tool.execution_complete {toolCallId, success, result.content, error}, session.error. Each event's
// stored key is copilot:<event id>.
#include "agents/copilot/CopilotView.hpp"

#include <boost/json.hpp>

#include "agents/TranscriptViews.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

void copilot_view_line(std::string_view line, const ViewContext&, std::vector<ViewItem>& out) {
    const auto v = views::parse_object(line);
    if (!v) return;
    const std::string_view type = jf::str(jf::field(*v, "type"));
    const json::value* d = jf::field(*v, "data");
    ViewItem it;
    if (type == "user.message") {
        it = views::item(ViewKind::User, views::text_of(jf::field(d, "content")));
    } else if (type == "assistant.message") {
        it = views::item(ViewKind::Assistant, views::text_of(jf::field(d, "content")));
        if (it.text.empty()) return;  // a message that only requests tools: the executions show them
    } else if (type == "assistant.reasoning") {
        it = views::item(ViewKind::Thinking, views::text_of(jf::field(d, "content")));
    } else if (type == "tool.execution_start") {
        it = views::tool_call(jf::str(jf::field(d, "toolName")), jf::str(jf::field(d, "toolCallId")),
                              jf::field(d, "arguments"));
    } else if (type == "tool.execution_complete") {
        const bool ok = jf::boolean(jf::field(d, "success"), true);
        const json::value* err = jf::field(d, "error");
        it = views::item(ViewKind::ToolResult,
                         views::text_of(err && !err->is_null() ? err : jf::field(jf::field(d, "result"), "content")));
        it.is_error = !ok;
        it.tool_id = std::string(jf::str(jf::field(d, "toolCallId")));
    } else if (type == "session.error") {
        it = views::item(ViewKind::Error, views::text_of(jf::field(d, "message")));
    } else {
        return;
    }
    it.ts = std::string(jf::str(jf::field(*v, "timestamp")));
    const std::string_view id = jf::str(jf::field(*v, "id"));
    if (!id.empty()) it.key = "copilot:" + std::string(id);
    it.model = std::string(jf::str(jf::field(d, "model")));
    out.push_back(std::move(it));
}

}  // namespace agentpulse
