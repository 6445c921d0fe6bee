// Rules shared by the line parsers for turning raw transcript fields into stored values.
#pragma once

#include <boost/json/value.hpp>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/JsonFields.hpp"
#include "core/TokenCounts.hpp"
#include "core/Utf8.hpp"
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

// A string field as stored: valid UTF-8 (repairs are reported through `issue`).
inline std::string clean_text(std::string_view s, LineIssue& issue) {
    bool changed = false;
    std::string out = sanitize_utf8(s, &changed);
    if (changed && issue == LineIssue::None) issue = LineIssue::InvalidUtf8;
    return out;
}

// The file a tool call names: the first of `keys` that holds a non-empty string in its arguments.
inline std::optional<std::string> first_path(const boost::json::value* args, std::initializer_list<const char*> keys,
                                             LineIssue& issue) {
    for (const char* key : keys)
        if (const std::string_view p = jf::str(jf::field(args, key)); !p.empty()) return clean_text(p, issue);
    return std::nullopt;
}

// A token count: 0 when absent or null; present but not an integer (a string, a fraction), it reads as 0
// and sets `bad`.
inline std::int64_t read_count(const boost::json::value* v, bool& bad) {
    if (!v || v->is_null()) return 0;
    const auto n = jf::integer(v);
    if (!n) bad = true;
    return n.value_or(0);
}

// The byte length of a string field; 0 when it is absent or not a string.
inline std::int64_t string_bytes(const boost::json::value* v) {
    return v && v->is_string() ? static_cast<std::int64_t>(v->as_string().size()) : 0;
}

// "/home/ana/src/shop" -> "shop"; empty when there is no usable component.
inline std::string project_name_from_cwd(std::string_view cwd) {
    while (!cwd.empty() && (cwd.back() == '/' || cwd.back() == '\\')) cwd.remove_suffix(1);
    const auto slash = cwd.find_last_of("/\\");
    return std::string(slash == std::string_view::npos ? cwd : cwd.substr(slash + 1));
}

// No single API response carries more than a few million tokens; anything negative or beyond this
// bound is a corrupt line, and billing it would wreck every total it touches.
inline constexpr std::int64_t kMaxTokensPerField = 50'000'000;

// One response's counts as Google's GenAI API reports them (Gemini CLI's `tokens`, Qwen Code's
// usageMetadata): `prompt` includes its `cached` part, `tool_prompt` is prompt input beside it, `output`
// is what bills at the output rate (the thoughts included, by the caller, where the format keeps them
// apart) and `thoughts` the reasoning inside it. The counts are not trusted yet (tokens_plausible judges
// them), so they are clamped before anything is subtracted.
inline TokenCounts genai_tokens(std::int64_t prompt, std::int64_t cached, std::int64_t tool_prompt,
                                std::int64_t output, std::int64_t thoughts) {
    TokenCounts t;
    t.cache_read = std::clamp<std::int64_t>(cached, 0, std::max<std::int64_t>(prompt, 0));
    t.input = prompt - t.cache_read + tool_prompt;
    t.output = output;
    t.reasoning = std::clamp<std::int64_t>(thoughts, 0, std::max<std::int64_t>(output, 0));
    return t;
}

inline bool tokens_plausible(const TokenCounts& t) {
    for (const std::int64_t v : {t.input, t.output, t.cache_read, t.cache_create, t.cache_create_1h, t.reasoning})
        if (v < 0 || v > kMaxTokensPerField) return false;
    return t.cache_create_1h <= t.cache_create;
}

// Text kept for the search index (a prompt, a command, an assistant's text): valid UTF-8, at most
// kSearchTextMax bytes (cut at a character boundary; a pasted log does not make the index grow without
// bound). Repairs are not reported: the text is not a stored field of the row.
inline constexpr std::size_t kSearchTextMax = 8 * 1024;
inline std::string search_text(std::string_view s) {
    if (s.size() > kSearchTextMax) {
        std::size_t cut = kSearchTextMax;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s = s.substr(0, cut);
    }
    return sanitize_utf8(s);
}

// The text of a message's content: a string, or a list of blocks whose `type` is `block_type` (or any
// type, when empty) and whose `text_key` holds a string, joined by newlines.
inline std::string content_text(const boost::json::value* content, std::string_view block_type = "text",
                                const char* text_key = "text") {
    if (!content) return {};
    if (content->is_string()) return search_text(content->as_string());
    std::string out;
    if (const boost::json::array* parts = jf::array(content))
        for (const boost::json::value& p : *parts) {
            if (!block_type.empty() && jf::str(jf::field(p, "type")) != block_type) continue;
            const std::string_view t = jf::str(jf::field(p, text_key));
            if (t.empty()) continue;
            if (!out.empty()) out.push_back('\n');
            out.append(t.substr(0, kSearchTextMax));
            if (out.size() >= kSearchTextMax) break;
        }
    return search_text(out);
}

// A prompt the agent wrote itself rather than the person (its environment, instructions, a command's
// captured output): not indexed as a prompt.
inline bool is_setup_text(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
    for (const std::string_view tag :
         {"<environment_context>", "<user_instructions>", "<session_context>", "<local-command-stdout>",
          "<local-command-stderr>", "<system-reminder>", "<turn_aborted>", "# AGENTS.md instructions",
          "Caveat: The messages below were generated"})
        if (text.starts_with(tag)) return true;
    return false;
}

// What a person or a model said, for the search index: content_text(), empty when it is the agent's own
// setup text (is_setup_text).
inline std::string said_text(const boost::json::value* content, std::string_view block_type = "text",
                             const char* text_key = "text") {
    std::string t = content_text(content, block_type, text_key);
    if (is_setup_text(t)) t.clear();
    return t;
}

// The command of a shell tool call: the first of `keys` in its input that is a string, or an array of
// arguments (Codex's ["bash", "-lc", "..."]: the script after -lc/-c, else the words joined by spaces).
inline std::string command_text(const boost::json::value* input, std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
        const boost::json::value* v = jf::field(input, key);
        if (!v) continue;
        if (v->is_string() && !v->as_string().empty()) return search_text(v->as_string());
        const boost::json::array* words = jf::array(v);
        if (!words || words->empty()) continue;
        if (words->size() == 3 && (jf::str(&(*words)[1]) == "-lc" || jf::str(&(*words)[1]) == "-c"))
            return search_text(jf::str(&(*words)[2]));
        std::string out;
        for (const boost::json::value& w : *words) {
            if (!out.empty()) out.push_back(' ');
            out.append(jf::str(&w));
        }
        if (!out.empty()) return search_text(out);
    }
    return {};
}

}  // namespace agentpulse
