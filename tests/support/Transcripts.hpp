// Builders for transcript lines as Claude Code and Codex CLI write them (docs/formats.md), so that
// every test generates its own fixtures. Each function returns one JSON line without the newline.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "Printers.hpp"
#include "core/IsoTime.hpp"

namespace agentpulse::test {

// 2026-11-25T12:00:00.000Z plus `ms`: a fixed origin keeps every fixture reproducible.
inline std::string at(std::int64_t ms) {
    return format_iso8601(1'795'608'000'000LL + ms);
}
inline EpochMs at_ms(std::int64_t ms) {
    return 1'795'608'000'000LL + ms;
}

struct Usage {
    std::int64_t input = 0, output = 0, cache_read = 0, cache_create = 0;
    std::optional<std::int64_t> c5, c1;  // the cache_creation breakdown, when the line has one
    std::string service_tier = "standard";
};

struct ToolUse {
    std::string id, name;
    boost::json::object input;
};

struct Assistant {
    std::string uuid, session = "sess-1", ts = at(0), msg_id = "msg_1", request_id = "req_1";
    std::string model = "claude-sonnet-4-5-20250929";
    std::optional<Usage> usage = Usage{10, 5, 0, 0};
    std::vector<ToolUse> tools;
    std::string text;  // a text block when non-empty
    std::string cwd = "/home/ana/src/shop";
    std::string parent_uuid;
    bool sidechain = false;
    std::string version = "2.1.3", branch = "main";
};

inline std::string claude_assistant(const Assistant& a) {
    namespace json = boost::json;
    json::array content;
    if (!a.text.empty()) content.push_back(json::object{{"type", "text"}, {"text", a.text}});
    for (const ToolUse& t : a.tools)
        content.push_back(
            json::object{{"type", "tool_use"}, {"id", t.id}, {"name", t.name}, {"input", t.input}});
    json::object message{{"id", a.msg_id},   {"type", "message"},  {"role", "assistant"},
                         {"model", a.model}, {"content", content}, {"stop_reason", nullptr}};
    if (a.usage) {
        json::object u{{"input_tokens", a.usage->input},
                       {"output_tokens", a.usage->output},
                       {"cache_read_input_tokens", a.usage->cache_read},
                       {"cache_creation_input_tokens", a.usage->cache_create},
                       {"service_tier", a.usage->service_tier}};
        if (a.usage->c5 || a.usage->c1)
            u["cache_creation"] = json::object{{"ephemeral_5m_input_tokens", a.usage->c5.value_or(0)},
                                               {"ephemeral_1h_input_tokens", a.usage->c1.value_or(0)}};
        message["usage"] = u;
    }
    json::object line{
        {"parentUuid", a.parent_uuid.empty() ? json::value(nullptr) : json::value(a.parent_uuid)},
        {"isSidechain", a.sidechain},
        {"userType", "external"},
        {"cwd", a.cwd},
        {"sessionId", a.session},
        {"version", a.version},
        {"gitBranch", a.branch},
        {"message", message},
        {"type", "assistant"},
        {"uuid", a.uuid},
        {"timestamp", a.ts}};
    if (!a.request_id.empty()) line["requestId"] = a.request_id;
    return json::serialize(line);
}

inline std::string claude_user(const std::string& uuid, const std::string& session, const std::string& ts,
                               const std::string& text, const std::string& cwd = "/home/ana/src/shop") {
    namespace json = boost::json;
    return json::serialize(json::object{{"parentUuid", nullptr},
                                        {"isSidechain", false},
                                        {"cwd", cwd},
                                        {"sessionId", session},
                                        {"version", "2.1.3"},
                                        {"gitBranch", "main"},
                                        {"type", "user"},
                                        {"message", json::object{{"role", "user"}, {"content", text}}},
                                        {"uuid", uuid},
                                        {"timestamp", ts}});
}

// `content` is a string, or with `as_blocks` a list with one text block.
inline std::string claude_result(const std::string& uuid, const std::string& session, const std::string& ts,
                                 const std::string& tool_use_id, const std::string& content,
                                 bool is_error = false, bool as_blocks = false,
                                 const std::string& cwd = "/home/ana/src/shop") {
    namespace json = boost::json;
    json::value c = as_blocks ? json::value(json::array{json::object{{"type", "text"}, {"text", content}}})
                              : json::value(content);
    json::object block{{"type", "tool_result"}, {"tool_use_id", tool_use_id}, {"content", c}};
    if (is_error) block["is_error"] = true;
    return json::serialize(
        json::object{{"parentUuid", nullptr},
                     {"isSidechain", false},
                     {"cwd", cwd},
                     {"sessionId", session},
                     {"version", "2.1.3"},
                     {"gitBranch", "main"},
                     {"type", "user"},
                     {"message", json::object{{"role", "user"}, {"content", json::array{block}}}},
                     {"toolUseResult", json::object{{"stdout", content}}},
                     {"uuid", uuid},
                     {"timestamp", ts}});
}

// --- Codex CLI rollouts ---

struct CodexUsage {
    std::int64_t input = 0, cached = 0, output = 0, reasoning = 0;
};

inline boost::json::object codex_usage_json(const CodexUsage& u) {
    return {{"input_tokens", u.input},
            {"cached_input_tokens", u.cached},
            {"output_tokens", u.output},
            {"reasoning_output_tokens", u.reasoning},
            {"total_tokens", u.input + u.output}};
}

inline std::string codex_line(const std::string& ts, const std::string& type, boost::json::object payload) {
    return boost::json::serialize(
        boost::json::object{{"timestamp", ts}, {"type", type}, {"payload", payload}});
}

// `extra` adds payload fields (forked_from_id, source).
inline std::string codex_meta(const std::string& ts, const std::string& id,
                              const std::string& cwd = "/home/ana/src/api", const boost::json::object& extra = {}) {
    boost::json::object payload{{"id", id},
                                {"timestamp", ts},
                                {"cwd", cwd},
                                {"originator", "codex_cli_rs"},
                                {"cli_version", "0.58.0"},
                                {"git", boost::json::object{{"branch", "main"}}}};
    for (const auto& kv : extra) payload[kv.key()] = kv.value();
    return codex_line(ts, "session_meta", std::move(payload));
}

// A sub-agent's session_meta source: spawned by `parent`.
inline boost::json::object codex_spawned_by(const std::string& parent) {
    return {{"source", {{"subagent", {{"thread_spawn", {{"parent_thread_id", parent}, {"depth", 1}}}}}}}};
}

inline std::string codex_turn(const std::string& ts, const std::string& model) {
    return codex_line(ts, "turn_context", {{"cwd", "/home/ana/src/api"}, {"model", model}});
}

inline std::string codex_tokens(const std::string& ts, const CodexUsage& total,
                                std::optional<CodexUsage> last = {}) {
    boost::json::object info{{"total_token_usage", codex_usage_json(total)}};
    if (last) info["last_token_usage"] = codex_usage_json(*last);
    return codex_line(ts, "event_msg", {{"type", "token_count"}, {"info", info}});
}

inline std::string codex_call(const std::string& ts, const std::string& call_id, const std::string& name,
                              const boost::json::object& args) {
    return codex_line(ts, "response_item",
                      {{"type", "function_call"},
                       {"name", name},
                       {"arguments", boost::json::serialize(args)},
                       {"call_id", call_id}});
}

inline std::string codex_output(const std::string& ts, const std::string& call_id,
                                const std::string& output) {
    return codex_line(ts, "response_item",
                      {{"type", "function_call_output"}, {"call_id", call_id}, {"output", output}});
}

inline std::string codex_message(const std::string& ts, const std::string& role, const std::string& text) {
    return codex_line(
        ts, "response_item",
        {{"type", "message"},
         {"role", role},
         {"content", boost::json::array{boost::json::object{{"type", "output_text"}, {"text", text}}}}});
}

inline std::string lines(std::initializer_list<std::string> ls) {
    std::string out;
    for (const auto& l : ls) out += l + "\n";
    return out;
}

}  // namespace agentpulse::test
