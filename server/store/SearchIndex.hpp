// The search index (docs/search.md): an SQLite FTS5 index over what people look for in their sessions:
// the prompts they typed, the files the agents touched, the commands they ran and the tools they used
// (and, with --index-text, what the models answered). One entry per message or tool call, in
// `search_docs` (the text and the filter columns) and `search_fts` (FTS5, external content over it).
//
// The writer side (SearchIndexWriter) is driven by StoreWriter in the transaction that writes the rows,
// so the index is exact after a crash. An entry is keyed on its row (`doc_key`), so reading the same
// transcript bytes again adds nothing; and since any re-read row that has no entry gets one, emptying the
// index and reading every transcript again rebuilds it (`agentpulse search --rebuild`).
//
// An entry's id is (time in ms << 20) + n, so that the FTS index's own rowid order is time order: the
// newest hits come first without sorting every match, and a time range is a rowid range.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/IsoTime.hpp"
#include "store/Database.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

// What an entry is: how a hit matched.
enum class SearchKind { Prompt, Command, File, Tool, Text };
const char* search_kind_name(SearchKind k);

constexpr int kSearchIdShift = 20;  // up to 1,048,576 entries per millisecond
inline std::int64_t search_id_floor(EpochMs ts) { return std::max<EpochMs>(ts, 0) << kSearchIdShift; }

// True when the store has the index (schema 6 or later).
bool has_search_index(Database& db);

class SearchIndexWriter {
public:
    explicit SearchIndexWriter(Database& db);
    ~SearchIndexWriter();

    // Whether assistant text is indexed (--index-text); prompts, files, commands and tools always are.
    void set_index_text(bool on) { index_text_ = on; }
    bool index_text() const { return index_text_; }

    struct Where {
        std::string_view provider;
        std::int64_t project = 0, session = 0;
        EpochMs ts = 0;
    };
    // A message's text: a prompt when `role` is "user", else the model's text (kept only with
    // index_text). `part` tells apart several texts of one message. `fresh`: the message row was just
    // inserted, so it cannot have an entry yet (no lookup).
    void message(const Where& w, std::int64_t message_id, std::string_view role, std::string_view part,
                 std::string_view text, bool fresh);
    // A tool call: its tool name, file and command. `call_id` is its message_tool_mart row.
    void tool_call(const Where& w, std::int64_t call_id, std::optional<std::int64_t> message_id, std::string_view tool,
                   const std::optional<std::string>& file, std::string_view command, bool fresh);

    std::int64_t added() const { return added_; }

private:
    void insert(const Where& w, const std::string& key, SearchKind kind, std::optional<std::int64_t> message_id,
                std::optional<std::int64_t> call_id, std::string_view tool, std::string_view body, bool fresh);

    struct Statements;
    Database& db_;
    std::unique_ptr<Statements> st_;
    bool index_text_ = false;
    std::int64_t added_ = 0;
};

// Empties the index and makes every transcript be read again from its start by the next ingest (rows are
// keyed, so nothing is counted twice; each row read again gets its index entry back). In one transaction.
// Returns the number of transcript files reset.
std::int64_t reset_search_index(Database& db);

// ---- The read side ----

// User input turned into an FTS5 query: each whitespace-separated word a quoted phrase ("" inside
// doubled), all of them required, the last one a prefix (the word being typed) when `prefix`. Never a
// syntax error. Empty when the input has no word.
std::string fts_phrase_query(std::string_view input, bool prefix = true);

// A query SQLite refuses (raw FTS5 syntax from the user): the HTTP layer answers 400 with its message.
struct SearchSyntaxError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A filter this store cannot apply (machine, when its sessions record none): 400 too.
struct SearchFilterError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct SearchQuery {
    std::string text;             // what the user typed
    bool raw = false;             // `text` is FTS5 query syntax (AND, OR, NEAR, "phrases", prefix*)
    std::string provider;         // the agent; empty = any
    std::string project;          // the project's display name; empty = any
    std::string model;            // the session's model; empty = any
    std::string kind;             // prompt | command | file | tool | text; empty = any
    std::string machine;          // sessions.machine (a store that records machines); empty = any
    std::optional<EpochMs> since, until;  // [since, until)
    int limit = 50;
    int per_session = 3;          // at most this many hits of one session (0: no limit)
};

struct SearchHit {
    std::int64_t session_row = 0;
    std::optional<std::int64_t> message_id, call_id;
    std::string ts, kind, tool, snippet;
    std::string provider, project, model, session_id, started_at, last_at;
};

struct SearchResult {
    std::vector<SearchHit> hits;
    std::int64_t scanned = 0;     // matching entries looked at
    bool more = false;            // more hits than returned (or the scan stopped at its bound)
    bool incomplete = false;      // the store was migrated with rows the index has not read yet
    std::string fts_query;        // what was given to FTS5
};

// Newest first (throws SearchFilterError for a machine filter on a store without machines). Words: the whole words first, then (fewer hits than the limit) the last word as a prefix;
// a last word of 3 characters or fewer is a prefix at once (FTS5's prefix index). Throws SearchSyntaxError for a raw query FTS5 refuses; StoreError for anything else.
SearchResult search(Database& db, const SearchQuery& q);

}  // namespace agentpulse
