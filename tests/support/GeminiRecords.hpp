// Gemini CLI records as the CLI writes them (docs/formats.md "Gemini CLI"), for the parser and reader
// tests: the metadata line, user and gemini messages with tokens and tool calls, `$set`, `$rewindTo`,
// and the legacy whole-session document.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "Transcripts.hpp"

namespace agentpulse::test::gemini {

namespace json = boost::json;

inline std::string line(const json::value& v) { return json::serialize(v); }

inline json::object meta(std::string_view session, std::string_view kind = "main") {
    return {{"sessionId", session},
            {"projectHash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
            {"startTime", at(0)},
            {"lastUpdated", at(0)},
            {"kind", kind}};
}

inline json::object user(std::string_view id, std::int64_t ms) {
    return {{"id", id}, {"timestamp", at(ms)}, {"type", "user"}, {"content", json::array{json::object{{"text", "fix the bug"}}}}};
}

struct Tokens {
    std::int64_t input = 0, output = 0, cached = 0, thoughts = 0, tool = 0;
};

inline json::object tokens(const Tokens& t) {
    return {{"input", t.input},     {"output", t.output}, {"cached", t.cached},
            {"thoughts", t.thoughts}, {"tool", t.tool},   {"total", t.input + t.output + t.thoughts + t.tool}};
}

// A gemini message; without `t`, its tokens are null (they arrive on a later copy).
inline json::object reply(std::string_view id, std::int64_t ms, const Tokens* t = nullptr, json::array calls = {},
                          std::string_view model = "gemini-2.5-pro") {
    json::object o{{"id", id},       {"timestamp", at(ms)}, {"type", "gemini"}, {"content", "done"},
                   {"model", model}, {"thoughts", json::array{}}};
    o["tokens"] = t ? json::value(tokens(*t)) : json::value(nullptr);
    if (!calls.empty()) o["toolCalls"] = std::move(calls);
    return o;
}

inline json::object call(std::string_view id, std::string_view name, json::object args, std::string_view status,
                         std::int64_t ms, std::string_view output = "ok") {
    json::object response{{"id", id}, {"name", name}, {"response", json::object{{"output", output}}}};
    json::array result{json::object{{"functionResponse", std::move(response)}}};
    return {{"id", id},         {"name", name},         {"args", std::move(args)}, {"result", std::move(result)},
            {"status", status}, {"timestamp", at(ms)}, {"displayName", name}};
}

inline json::object set_messages(json::array messages) { return {{"$set", {{"messages", std::move(messages)}}}}; }

inline json::object rewind_to(std::string_view id) { return {{"$rewindTo", id}}; }

// The legacy ConversationRecord, pretty-printed as the CLI wrote it (two-space indent, many lines).
inline std::string document(std::string_view session, json::array messages) {
    json::object o{{"sessionId", session},
                   {"projectHash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                   {"startTime", at(0)},
                   {"lastUpdated", at(60'000)},
                   {"messages", std::move(messages)}};
    // A rough pretty-print: a newline after every comma between members is enough to make it multi-line.
    std::string text = json::serialize(o), out;
    for (char c : text) {
        out += c;
        if (c == ',' || c == '{' || c == '[') out += "\n  ";
    }
    return out + "\n";
}

}  // namespace agentpulse::test::gemini
