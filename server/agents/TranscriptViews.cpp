// See TranscriptViews.hpp.
#include "agents/TranscriptViews.hpp"

#include <boost/json.hpp>

#include "core/JsonFields.hpp"

namespace agentpulse::views {
namespace json = boost::json;

std::optional<json::value> parse_object(std::string_view line) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return v;
}

std::string text_of(const json::value* v) {
    if (!v || v->is_null()) return {};
    if (v->is_string()) return std::string(v->as_string());
    if (const json::array* a = jf::array(v)) {
        std::string out;
        for (const json::value& e : *a) {
            std::string t;
            if (e.is_string()) {
                t = std::string(e.as_string());
            } else if (const json::value* text = jf::field(e, "text"); text && text->is_string()) {
                t = std::string(text->as_string());
            } else if (const json::value* c = jf::field(e, "content")) {
                t = text_of(c);
            } else {
                continue;  // images and other non-text blocks
            }
            if (!out.empty()) out += '\n';
            out += t;
        }
        return out;
    }
    if (v->is_object()) {
        for (const char* k : {"text", "content", "output", "message", "result"})
            if (const json::value* f = jf::field(v, k); f && !f->is_null()) return text_of(f);
    }
    return json::serialize(*v);
}

namespace {

std::string first_string(const json::value* input, std::initializer_list<const char*> keys) {
    for (const char* k : keys)
        if (const json::value* f = jf::field(input, k); f && f->is_string()) return std::string(f->as_string());
    return {};
}

// "-old\n+new" lines, the shape a unified diff's body has.
std::string replace_diff(std::string_view old_text, std::string_view new_text) {
    std::string out;
    auto lines = [&out](std::string_view t, char sign) {
        while (!t.empty()) {
            const auto nl = t.find('\n');
            out += sign;
            out += t.substr(0, nl);
            out += '\n';
            if (nl == std::string_view::npos) break;
            t.remove_prefix(nl + 1);
        }
    };
    lines(old_text, '-');
    lines(new_text, '+');
    return out;
}

}  // namespace

ViewItem tool_call(std::string_view name, std::string_view id, const json::value* input) {
    ViewItem it;
    it.kind = ViewKind::ToolCall;
    it.tool_name = std::string(name);
    it.tool_id = std::string(id);
    std::optional<json::value> parsed;
    if (input && input->is_string()) {
        // Arguments written as a JSON text (Codex function calls); a patch is a plain string (Codex custom tools).
        parsed = parse_object(input->as_string());
        if (parsed) {
            input = &*parsed;
        } else {
            const std::string_view s = input->as_string();
            if (s.starts_with("*** Begin Patch") || s.starts_with("--- ") || s.starts_with("diff ")) it.diff = std::string(s);
            else it.input = std::string(s);
            return it;
        }
    }
    if (!input || !input->is_object()) {
        if (input && !input->is_null()) it.input = json::serialize(*input);
        return it;
    }
    if (const json::value* c = jf::field(input, "command"); c && c->is_array()) {
        for (const json::value& part : c->as_array()) {
            if (!it.command.empty()) it.command += ' ';
            it.command += part.is_string() ? std::string(part.as_string()) : json::serialize(part);
        }
    } else {
        it.command = first_string(input, {"command", "cmd"});
    }
    it.file_path = first_string(input, {"file_path", "path", "filePath", "absolute_path", "notebook_path"});
    const json::value* old_s = jf::field(input, "old_string");
    const json::value* new_s = jf::field(input, "new_string");
    if (old_s && new_s && old_s->is_string() && new_s->is_string()) {
        it.diff = replace_diff(old_s->as_string(), new_s->as_string());
    } else if (const json::array* edits = jf::array(jf::field(input, "edits"))) {
        for (const json::value& e : *edits)
            it.diff += replace_diff(jf::str(jf::field(e, "old_string")), jf::str(jf::field(e, "new_string")));
    } else if (std::string p = first_string(input, {"patch", "input", "diff"}); !p.empty()) {
        it.diff = std::move(p);
    } else if (std::string w = first_string(input, {"content", "file_text", "new_source"}); !w.empty()) {
        it.diff = replace_diff({}, w);
    }
    it.input = json::serialize(*input);
    return it;
}

ViewItem item(ViewKind kind, std::string text, std::string_view ts, std::string_view key) {
    ViewItem it;
    it.kind = kind;
    it.text = std::move(text);
    it.ts = std::string(ts);
    it.key = std::string(key);
    return it;
}

}  // namespace agentpulse::views
