// See QwenView.hpp. `user`, `assistant` and `tool_result` lines carry `message.parts`: text (a thought when
// `thought` is true), functionCall {id, name, args}, functionResponse {id, name, response {output|error}}.
// `system` lines are telemetry: not part of the conversation.
#include "agents/qwen/QwenView.hpp"

#include <boost/json.hpp>

#include "agents/TranscriptViews.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

void qwen_view_line(std::string_view line, const ViewContext&, std::vector<ViewItem>& out) {
    const auto v = views::parse_object(line);
    if (!v) return;
    const std::string_view type = jf::str(jf::field(*v, "type"));
    if (type != "user" && type != "assistant" && type != "tool_result") return;
    const std::string ts(jf::str(jf::field(*v, "timestamp")));
    const std::string uuid(jf::str(jf::field(*v, "uuid")));
    const std::string key = uuid.empty() ? std::string() : "qwen:" + uuid;
    const std::string model(jf::str(jf::field(*v, "model")));
    const json::array* parts = jf::array(jf::field(jf::field(*v, "message"), "parts"));
    if (!parts) return;
    for (const json::value& p : *parts) {
        ViewItem it;
        if (const json::value* fc = jf::field(p, "functionCall")) {
            it = views::tool_call(jf::str(jf::field(fc, "name")), jf::str(jf::field(fc, "id")), jf::field(fc, "args"));
        } else if (const json::value* fr = jf::field(p, "functionResponse")) {
            const json::value* resp = jf::field(fr, "response");
            const json::value* err = jf::field(resp, "error");
            it = views::item(ViewKind::ToolResult, views::text_of(err && !err->is_null() ? err : jf::field(resp, "output")));
            it.is_error = err && !err->is_null();
            it.tool_id = std::string(jf::str(jf::field(fr, "id")));
            it.tool_name = std::string(jf::str(jf::field(fr, "name")));
        } else if (const json::value* t = jf::field(p, "text"); t && t->is_string()) {
            const ViewKind k = jf::boolean(jf::field(p, "thought")) ? ViewKind::Thinking
                               : type == "user"                     ? ViewKind::User
                                                                    : ViewKind::Assistant;
            it = views::item(k, std::string(t->as_string()));
        } else {
            continue;
        }
        it.ts = ts;
        it.key = key;
        it.model = model;
        out.push_back(std::move(it));
    }
}

}  // namespace agentpulse
