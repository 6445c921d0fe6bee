// The conversation of a session, read from its transcripts on demand (GET /api/sessions/<row>/transcript):
// the store says which files hold the session (messages.file_id) and where each message is; the text is
// read from the files page by page, from a cursor (file, byte offset, line number), so a page of a
// 100,000-line session costs one seek and the lines of that page. Items are linked to their stored message
// (messages.id) and that message's usage (cost, tokens), redacted, and long texts cut (the full text is
// fetched by the item's `ref`). A transcript that was deleted, replaced or rewritten since it was read says
// so in `status`. Runs on a report pool thread, inside its read transaction. Never logs the text.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/Redactor.hpp"
#include "store/Database.hpp"

namespace agentpulse {

struct TranscriptQuery {
    std::int64_t session = 0;            // sessions.id
    std::string after;                   // cursor: the page after it (empty: from the start)
    std::string before;                  // cursor: the page before it
    std::optional<std::int64_t> file;    // one file of the session (a sub-agent's); else its main files
    std::optional<std::int64_t> message; // messages.id: the page starting at that message
    std::string item;                    // an item's ref: that item alone, its text whole
    int limit = 200;                     // items per page (a line's items are never split)
    std::size_t max_text = 2'000;        // longer texts are cut to this many bytes (full_length tells)
    std::size_t max_full_text = 1'000'000;  // what an item fetch returns at most
};

struct TranscriptAnswer {
    int status = 200;  // 404: no such session, file or message; 400: a bad cursor
    std::string error;
    boost::json::value body;
};

TranscriptAnswer read_transcript(Database& db, const TranscriptQuery& q, const Redactor& redactor);

}  // namespace agentpulse
