// Helpers the agents' transcript views share (AgentSource::view_line): parsing a line tolerantly, the text
// of a content value, and a tool call's input told as command / file path / diff. Nothing here names an
// agent: the keys looked for are the ones tools use across agents.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/TranscriptView.hpp"

namespace agentpulse::views {

// The line as a JSON object, nullopt when it is not one.
std::optional<boost::json::value> parse_object(std::string_view line);
// A content value's text: a string as is; an array's text blocks (`text`, or a string element) joined
// with newlines; an object's `text`, `content` or `output`; anything else as compact JSON ("" for null).
std::string text_of(const boost::json::value* v);
// A tool call item from its name, id and input (an object, or a JSON text in a string as some agents write
// arguments): command (`command`, `cmd`), file (`file_path`, `path`, `filePath`, `absolute_path`,
// `notebook_path`), diff (`old_string`/`new_string`, an `edits` array, `patch`/`input` patches, written
// `content`/`file_text`), and the input as compact JSON.
ViewItem tool_call(std::string_view name, std::string_view id, const boost::json::value* input);
// An item of `kind` with `text`, at `ts`, keyed `key`.
ViewItem item(ViewKind kind, std::string text, std::string_view ts = {}, std::string_view key = {});

}  // namespace agentpulse::views
