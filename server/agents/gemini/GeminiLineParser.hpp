// Gemini CLI chat records: the v0.39+ JSONL log (a metadata line, message records re-appended whole each
// time they change, `$set` updates whose `messages` is a full checkpoint, `$rewindTo`) and the legacy
// ConversationRecord document (one JSON text rewritten whole, handed over as one "line" by the
// WholeDocument reader). One line can restate many messages, so parse_records() is the entry point.
// Every message is keyed on its own id, so a message seen again (re-appended with its tokens, inside a
// checkpoint, in the legacy file and its .jsonl continuation) is the same row, its usage one event that grows.
#pragma once

#include <filesystem>
#include <optional>

#include "agents/JsonLineReader.hpp"
#include "agents/LineClock.hpp"
#include "agents/LineParser.hpp"

namespace agentpulse {

class GeminiLineParser final : public MultiRecordLineParser {
public:
    enum class Layout { Lines, Document };
    // `project_dir`: tmp/<project>/, whose .project_root marker (or the .gemini folder's projects.json)
    // names the project's folder; read once per file, then kept in the parser state.
    GeminiLineParser(FileContext ctx, Layout layout, std::filesystem::path project_dir = {})
        : ctx_(std::move(ctx)), layout_(layout), project_dir_(std::move(project_dir)) {}

    // Every record of the line (a `$set.messages` checkpoint or a legacy document holds many).
    LineOutcome parse_records(std::string_view line, std::int64_t line_no, std::vector<ParsedLine>& out,
                              LineIssue& issue) override;
    std::string save_state() const override;
    void load_state(std::string_view state) override;

private:
    LineOutcome read_line(const boost::json::value& root, std::int64_t line_no, std::vector<ParsedLine>& out,
                          LineIssue& issue);
    LineOutcome read_document(const boost::json::value& root, std::vector<ParsedLine>& out, LineIssue& issue);
    // Appends the records of one message (its own, then one per tool call); false when it yields none.
    bool read_message(const boost::json::value& msg, std::int64_t line_no, std::vector<ParsedLine>& out,
                      LineIssue& issue);
    // False when no session is known yet (no metadata line before a message of a main session file).
    bool session_ref(SessionRef& s, LineIssue& issue);

    FileContext ctx_;
    Layout layout_;
    std::filesystem::path project_dir_;
    JsonLineReader reader_;
    LineClock clock_;
    std::string session_id_;
    std::optional<std::string> project_root_;  // set once looked up ("" when nothing names it)
    // Document layout: the digest of each message as last turned into records (16 hex digits each, by
    // position), so that a rewrite yields only the messages that are new or changed.
    std::string digests_;
};

}  // namespace agentpulse
