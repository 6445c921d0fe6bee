// See SearchIndex.hpp and docs/search.md. Statement text lives here, next to the code that binds it.
#include "store/SearchIndex.hpp"

#include <algorithm>
#include <map>

namespace agentpulse {

namespace {
// Snippet markers: STX/ETX around a matched term. Indexed text never holds them (they are removed on the
// way in), so a client can split on them safely.
constexpr char kMarkOpen = '\x02', kMarkClose = '\x03';
// Matching entries a query looks at before it stops (newest first): bounds a query for a word that is
// everywhere, or a filter that keeps few of a common word's matches. A kept entry's snippet is computed as
// it is read (one asked for afterwards, by rowid, makes FTS5 walk the whole match again for each hit).
constexpr std::int64_t kScanMax = 3'000;
// A words query that looked at this many matching entries is not retried with its last word as a prefix.
constexpr std::int64_t kPrefixAfterScanned = 1'000;

std::string without_marks(std::string_view s) {
    std::string out(s);
    std::erase_if(out, [](char c) { return c == kMarkOpen || c == kMarkClose; });
    return out;
}
}  // namespace

const char* search_kind_name(SearchKind k) {
    switch (k) {
        case SearchKind::Prompt: return "prompt";
        case SearchKind::Command: return "command";
        case SearchKind::File: return "file";
        case SearchKind::Tool: return "tool";
        case SearchKind::Text: return "text";
    }
    return "unknown";
}

bool has_search_index(Database& db) {
    Statement s(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('search_docs', 'search_fts')");
    ResetGuard g(s);
    return s.step() && s.column_int(0) == 2;
}

struct SearchIndexWriter::Statements {
    explicit Statements(Database& db)
        : exists(db, "SELECT 1 FROM search_docs WHERE doc_key = ?")
        , next_id(db, "SELECT coalesce(max(id) + 1, ?1) FROM search_docs WHERE id >= ?1 AND id < ?2")
        , insert_doc(db, "INSERT INTO search_docs(id, doc_key, kind, provider, project_id, session_id, message_id, "
                         "call_id, ts, tool, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
        , insert_fts(db, "INSERT INTO search_fts(rowid, tool, body) VALUES (?,?,?)") {}
    Statement exists, next_id, insert_doc, insert_fts;
};

SearchIndexWriter::SearchIndexWriter(Database& db) : db_(db), st_(std::make_unique<Statements>(db)) {}
SearchIndexWriter::~SearchIndexWriter() = default;

void SearchIndexWriter::message(const Where& w, std::int64_t message_id, std::string_view role, std::string_view part,
                                std::string_view text, bool fresh) {
    if (text.empty() || message_id <= 0) return;
    const bool prompt = role == "user";
    if (!prompt && !index_text_) return;
    std::string key = "m:" + std::to_string(message_id);
    if (!part.empty()) key.append(":").append(part);
    insert(w, key, prompt ? SearchKind::Prompt : SearchKind::Text, message_id, std::nullopt, {}, text, fresh);
}

void SearchIndexWriter::tool_call(const Where& w, std::int64_t call_id, std::optional<std::int64_t> message_id,
                                  std::string_view tool, const std::optional<std::string>& file,
                                  std::string_view command, bool fresh) {
    if (call_id <= 0) return;
    // One entry per call: the command and the file it names (both searchable), under the tool's name.
    std::string body(command);
    if (file && !file->empty()) {
        if (!body.empty()) body.push_back('\n');
        body.append(*file);
    }
    const SearchKind kind = !command.empty() ? SearchKind::Command : file && !file->empty() ? SearchKind::File
                                                                                           : SearchKind::Tool;
    insert(w, "c:" + std::to_string(call_id), kind, message_id, call_id, tool, body, fresh);
}

void SearchIndexWriter::insert(const Where& w, const std::string& key, SearchKind kind,
                               std::optional<std::int64_t> message_id, std::optional<std::int64_t> call_id,
                               std::string_view tool, std::string_view body, bool fresh) {
    if (!fresh) {
        ResetGuard g(st_->exists);
        st_->exists.bind(1, key);
        if (st_->exists.step()) return;
    }
    const std::int64_t floor = search_id_floor(w.ts);
    std::int64_t id = floor;
    {
        ResetGuard g(st_->next_id);
        st_->next_id.bind(1, floor).bind(2, floor + (std::int64_t{1} << kSearchIdShift));
        if (st_->next_id.step()) id = st_->next_id.column_int(0);
    }
    const std::string text = without_marks(body);
    const std::string tool_name = without_marks(tool);
    st_->insert_doc.bind(1, id)
        .bind(2, key)
        .bind(3, search_kind_name(kind))
        .bind(4, w.provider)
        .bind(5, w.project)
        .bind(6, w.session)
        .bind(7, message_id)
        .bind(8, call_id)
        .bind(9, format_iso8601(w.ts))
        .bind(10, tool_name.empty() ? std::optional<std::string_view>() : std::optional<std::string_view>(tool_name))
        .bind(11, text)
        .run();
    st_->insert_fts.bind(1, id).bind(2, tool_name).bind(3, text).run();
    ++added_;
}

std::int64_t reset_search_index(Database& db) {
    Transaction tx(db);
    db.exec("INSERT INTO search_fts(search_fts) VALUES ('delete-all'); DELETE FROM search_docs;");
    // The state of a file never read: its next read starts from its first byte with a fresh parser.
    Statement reset(db, "UPDATE transcript_files SET device = NULL, inode = NULL, size = 0, offset = 0, line_no = 0, "
                        "head_len = 0, head_hash = NULL, parser_state = NULL");
    const std::int64_t files = reset.run();
    db.exec("UPDATE search_state SET needs_rebuild = 0, rebuilt_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    tx.commit();
    return files;
}

std::string fts_phrase_query(std::string_view input, bool prefix) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < input.size()) {
        while (i < input.size() && (input[i] == ' ' || input[i] == '\t' || input[i] == '\n' || input[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < input.size() && !(input[i] == ' ' || input[i] == '\t' || input[i] == '\n' || input[i] == '\r')) ++i;
        if (i > start) words.push_back(input.substr(start, i - start));
    }
    std::string out;
    for (std::size_t w = 0; w < words.size(); ++w) {
        if (!out.empty()) out.push_back(' ');
        out.push_back('"');
        for (const char c : words[w]) {
            if (c == '"') out.push_back('"');
            out.push_back(c);
        }
        out.push_back('"');
        if (prefix && w + 1 == words.size()) out.push_back('*');
    }
    return out;
}

namespace {

bool index_incomplete(Database& db) {
    Statement s(db, "SELECT needs_rebuild FROM search_state WHERE id = 1");
    ResetGuard g(s);
    return s.step() && s.column_int(0) != 0;
}

}  // namespace

namespace {

// The per-session cap, applied inside the query (search_keep(session) in the result column that asks for
// the snippet), so that an entry over its session's cap costs no snippet: SQLite evaluates result columns
// only for rows that passed the whole WHERE clause, and a CASE only the branch it takes.
struct SessionCap {
    int cap = 0;
    std::map<std::int64_t, int> seen;
};

void search_keep(sqlite3_context* ctx, int, sqlite3_value** argv) {
    auto* cap = static_cast<SessionCap*>(sqlite3_user_data(ctx));
    int& n = cap->seen[sqlite3_value_int64(argv[0])];
    sqlite3_result_int(ctx, cap->cap <= 0 || ++n <= cap->cap);
}

// The matching query: ?1 the FTS5 query, ?2 and ?3 the rowid range, ?4-?7 agent, kind, project, model (''
// for any), ?8 the machine (only when asked: the column exists only in stores that record machines).
std::string match_sql(const SearchQuery& q) {
    const std::string machine_filter =
        q.machine.empty() ? "" : "AND d.session_id IN (SELECT id FROM sessions WHERE machine = ?8) ";
    return "SELECT d.id, d.session_id, d.message_id, d.call_id, d.ts, d.kind, d.tool, "
           "CASE WHEN search_keep(d.session_id) THEN snippet(search_fts, -1, char(2), char(3), '…', 24) END "
           "FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid "
           "WHERE search_fts MATCH ?1 AND search_fts.rowid >= ?2 AND search_fts.rowid < ?3 "
           "AND (?4 = '' OR d.provider = ?4) AND (?5 = '' OR d.kind = ?5) "
           "AND (?6 = '' OR d.project_id IN (SELECT id FROM projects WHERE display_name = ?6)) "
           "AND (?7 = '' OR d.session_id IN (SELECT id FROM sessions WHERE model = ?7)) " +
           machine_filter + "ORDER BY search_fts.rowid DESC";
}

// One MATCH of `fts_query` with the filters, newest first, into `out` (hits without their session's
// fields yet). Throws SearchSyntaxError for a raw query FTS5 refuses.
void run_match(Database& db, const SearchQuery& q, const std::string& fts_query, SearchResult& out) {
    out.hits.clear();
    out.scanned = 0;
    out.more = false;
    out.fts_query = fts_query;
    SessionCap cap{q.per_session, {}};
    if (sqlite3_create_function_v2(db.handle(), "search_keep", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, &cap, search_keep,
                                   nullptr, nullptr, nullptr) != SQLITE_OK)
        throw StoreError(sqlite3_errcode(db.handle()), "search_keep: " + std::string(sqlite3_errmsg(db.handle())));
    // Unregistered once the statement below is gone (declared first, destroyed last): nothing keeps `cap`.
    struct Unregister {
        sqlite3* h;
        ~Unregister() { sqlite3_create_function_v2(h, "search_keep", 1, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr, nullptr); }
    } unregister{db.handle()};
    Statement match(db, match_sql(q));
    ResetGuard gm(match);
    if (!q.machine.empty()) match.bind(8, q.machine);
    match.bind(1, fts_query)
        .bind(2, q.since ? search_id_floor(*q.since) : std::int64_t{0})
        .bind(3, q.until ? search_id_floor(*q.until) : INT64_MAX)
        .bind(4, q.provider)
        .bind(5, q.kind)
        .bind(6, q.project)
        .bind(7, q.model);
    try {
        while (match.step()) {
            if (++out.scanned > kScanMax) {
                out.more = true;
                break;
            }
            if (match.column_is_null(7)) continue;  // over its session's cap
            if (static_cast<int>(out.hits.size()) >= q.limit) {
                out.more = true;
                break;
            }
            SearchHit& h = out.hits.emplace_back();
            h.session_row = match.column_int(1);
            h.message_id = match.column_opt_int(2);
            h.call_id = match.column_opt_int(3);
            h.ts = match.column_text(4);
            h.kind = match.column_text(5);
            h.tool = match.column_text(6);
            h.snippet = match.column_text(7);
        }
    } catch (const StoreError& e) {
        // Only a raw query can be refused (a phrase query is always valid FTS5): the user's syntax.
        if (q.raw && e.code() == SQLITE_ERROR) {
            // SQLite's words without the store's path ("<path>: step: fts5: syntax error near ...").
            std::string_view why = e.what();
            if (const auto at = why.find("step: "); at != std::string_view::npos) why.remove_prefix(at + 6);
            throw SearchSyntaxError(std::string(why));
        }
        throw;
    }
}

}  // namespace

SearchResult search(Database& db, const SearchQuery& q) {
    SearchResult out;
    if (!q.machine.empty()) {
        Statement has(db, "SELECT count(*) FROM pragma_table_info('sessions') WHERE name = 'machine'");
        ResetGuard g(has);
        if (!has.step() || has.column_int(0) == 0)
            throw SearchFilterError("machine: this store records no machine per session (schema without it)");
    }
    if (q.raw) {
        if (q.text.empty()) return out;
        run_match(db, q, q.text, out);
    } else {
        const std::string exact = fts_phrase_query(q.text, false), prefix = fts_phrase_query(q.text, true);
        if (exact.empty()) return out;
        // The last word as a prefix (the word being typed). A prefix of 2 or 3 characters is a term of
        // FTS5's prefix index, read lazily like any word. A longer one is not: FTS5 merges the whole
        // document lists of every word it begins, which for a common word (test: tests, test_...) on a
        // big store takes longer than the rest of the query. So the whole words are asked first, and the
        // prefix only when they give fewer hits than asked for (a word still being typed).
        std::size_t last = q.text.find_last_not_of(" \t\r\n");
        std::size_t first = q.text.find_last_of(" \t\r\n", last);
        const std::size_t last_len = last - (first == std::string::npos ? std::size_t{0} : first + 1) + 1;
        if (last_len <= 3) {
            run_match(db, q, prefix, out);
        } else {
            run_match(db, q, exact, out);
            // Fewer hits than asked for: the last word may be one still being typed. Not after a scan of
            // many matching entries (a common word whose hits the per-session cap or a filter left out):
            // its prefix would cost a merge of big lists for little.
            if (static_cast<int>(out.hits.size()) < q.limit && out.scanned < kPrefixAfterScanned)
                run_match(db, q, prefix, out);
        }
    }
    out.incomplete = index_incomplete(db);

    Statement session(db, "SELECT s.provider, p.display_name, coalesce(s.model, ''), s.session_id, "
                          "coalesce(s.started_at, ''), coalesce(s.last_at, '') "
                          "FROM sessions s JOIN projects p ON p.id = s.project_id WHERE s.id = ?");
    for (SearchHit& h : out.hits) {
        ResetGuard g(session);
        session.bind(1, h.session_row);
        if (session.step()) {
            h.provider = session.column_text(0);
            h.project = session.column_text(1);
            h.model = session.column_text(2);
            h.session_id = session.column_text(3);
            h.started_at = session.column_text(4);
            h.last_at = session.column_text(5);
        }
    }
    return out;
}

}  // namespace agentpulse
