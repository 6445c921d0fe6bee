// See GeminiView.hpp. A message {id, timestamp, type: user | gemini | info | error | warning, content
// (text or parts), thoughts [{subject, description}], toolCalls [{id, name, args, result
// [{functionResponse {response {output|error}}}], status}], model}; a JSONL session writes one per line
// (restating a message as it grows: the viewer keeps the last statement), a legacy document holds them
// all in `messages`. Metadata and `$set` lines show nothing.
#include "agents/gemini/GeminiView.hpp"

#include <boost/json.hpp>

#include "agents/TranscriptViews.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

std::string response_text(const json::value* result, bool& error) {
    std::string out;
    const json::array* parts = jf::array(result);
    if (!parts) return views::text_of(result);
    for (const json::value& part : *parts) {
        const json::value* resp = jf::field(jf::field(part, "functionResponse"), "response");
        if (!resp) continue;
        const json::value* err = jf::field(resp, "error");
        if (err && !err->is_null()) error = true;
        if (!out.empty()) out += '\n';
        out += views::text_of(err && !err->is_null() ? err : jf::field(resp, "output"));
    }
    return out;
}

void message(const json::value& m, std::vector<ViewItem>& out) {
    const std::string id(jf::str(jf::field(m, "id")));
    if (id.empty()) return;
    const std::string_view type = jf::str(jf::field(m, "type"));
    const std::string ts(jf::str(jf::field(m, "timestamp")));
    const std::string key = "gemini:" + id;
    const std::string model(jf::str(jf::field(m, "model")));
    auto push = [&](ViewItem it) {
        it.ts = ts;
        it.key = key;
        it.model = model;
        out.push_back(std::move(it));
    };
    if (const json::array* thoughts = jf::array(jf::field(m, "thoughts"))) {
        for (const json::value& t : *thoughts) {
            std::string text(jf::str(jf::field(t, "subject")));
            const std::string_view d = jf::str(jf::field(t, "description"));
            if (!d.empty()) text += (text.empty() ? "" : ": ") + std::string(d);
            if (!text.empty()) push(views::item(ViewKind::Thinking, std::move(text)));
        }
    }
    const std::string text = views::text_of(jf::field(m, "content"));
    const ViewKind k = type == "user"    ? ViewKind::User
                       : type == "gemini" ? ViewKind::Assistant
                       : type == "error"  ? ViewKind::Error
                                          : ViewKind::System;
    if (!text.empty()) push(views::item(k, text));
    if (const json::array* calls = jf::array(jf::field(m, "toolCalls"))) {
        for (const json::value& c : *calls) {
            const std::string_view cid = jf::str(jf::field(c, "id"));
            push(views::tool_call(jf::str(jf::field(c, "name")), cid, jf::field(c, "args")));
            const json::value* result = jf::field(c, "result");
            if (!result || result->is_null()) continue;
            bool error = jf::str(jf::field(c, "status")) == "error";
            ViewItem r = views::item(ViewKind::ToolResult, response_text(result, error));
            r.is_error = error;
            r.tool_id = std::string(cid);
            push(std::move(r));
        }
    }
}

}  // namespace

void gemini_view_line(std::string_view line, const ViewContext&, std::vector<ViewItem>& out) {
    const auto v = views::parse_object(line);
    if (!v) return;
    if (const json::array* all = jf::array(jf::field(*v, "messages"))) {
        for (const json::value& m : *all) message(m, out);
        return;
    }
    if (jf::field(*v, "type")) message(*v, out);
}

}  // namespace agentpulse
