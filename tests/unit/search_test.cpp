// store/SearchIndex: every agent's prompts, files and commands reach the index (the simulated writers'
// transcripts, read by the real sources and parsers); the index stays in step as files grow and are
// rewritten; `search --rebuild` (reset_search_index + a backfill) gives the index incremental writes gave;
// user input never makes an FTS5 syntax error, raw syntax errors are told apart.
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "StoreQueries.hpp"
#include "TempDir.hpp"
#include "WriterFixture.hpp"
#include "http/ReportRoutes.hpp"
#include "http/Router.hpp"
#include "ingest/Backfill.hpp"
#include "model/IngestStats.hpp"
#include "sim/SynthCorpus.hpp"
#include "sim/SynthText.hpp"
#include "sim/SynthWriters.hpp"
#include "store/Migrations.hpp"
#include "store/SearchIndex.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every byte of every file below `root` (an OpenCode database too: its text columns hold the JSON).
std::string all_bytes(const fs::path& root) {
    std::string out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out += slurp(e.path());
    return out;
}

// `s` as it appears inside a JSON string (the writers escape quotes, backslashes and newlines).
std::string json_escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

SynthCorpusOptions one_writer(const fs::path& dir, const std::string& writer, std::uint64_t seed) {
    SynthCorpusOptions o;
    for (const SynthWriter& w : synth_writers()) o.roots[std::string(w.agent)] = dir / w.agent;
    o.shares = {{writer, 1.0}};
    o.target_bytes = 600'000;
    o.files = 5;
    o.seed = seed;
    return o;
}

std::string agent_of(const std::string& writer) {
    for (const SynthWriter& w : synth_writers())
        if (w.name() == writer) return std::string(w.agent);
    throw std::runtime_error("no writer " + writer);
}

BackfillResult backfill(StoreWriter& writer, const fs::path& dir, const std::string& agent) {
    IngestStats stats;
    const AgentRoots roots{{find_agent(agent), dir / agent}};
    const BackfillResult r = run_backfill(writer, roots, stats, TailerOptions{}, nullptr);
    BOOST_TEST(r.failed_files == 0);
    return r;
}

// The index as rows that do not depend on row ids (which differ between stores): what each entry is,
// whose, when, and its text.
std::vector<Row> index_rows(Database& db) {
    return query(db,
                 "SELECT d.kind, d.provider, s.session_id, coalesce(m.line_key, ''), coalesce(c.tool_use_id, ''), "
                 "d.ts, coalesce(d.tool, ''), d.body FROM search_docs d JOIN sessions s ON s.id = d.session_id "
                 "LEFT JOIN messages m ON m.id = d.message_id LEFT JOIN message_tool_mart c ON c.id = d.call_id "
                 "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8");
}

// The FTS index agrees with its content table (FTS5's own check), and has as many rows.
void check_fts(Database& db) {
    db.exec("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)");
    BOOST_TEST(query_int(db, "SELECT count(*) FROM search_fts") == query_int(db, "SELECT count(*) FROM search_docs"));
}

// The search finds entry `id` by the first words of its text, within its own millisecond.
bool found_by_its_words(Database& db, std::int64_t id) {
    const auto rows = query(db, "SELECT body, ts, session_id, coalesce(message_id, -1), coalesce(call_id, -1) "
                                "FROM search_docs WHERE id = " + std::to_string(id));
    if (rows.empty()) return false;
    std::istringstream words(rows[0][0]);
    SearchQuery q;
    std::string w;
    for (int i = 0; i < 3 && words >> w; ++i) q.text += (q.text.empty() ? "" : " ") + w;
    const EpochMs ts = *parse_iso8601(rows[0][1]);
    q.since = ts;
    q.until = ts + 1;
    q.limit = 200;
    q.per_session = 0;
    const SearchResult r = search(db, q);
    for (const SearchHit& h : r.hits)
        if (std::to_string(h.session_row) == rows[0][2] &&
            (h.message_id ? std::to_string(*h.message_id) : "-1") == rows[0][3] &&
            (h.call_id ? std::to_string(*h.call_id) : "-1") == rows[0][4])
            return !h.snippet.empty();
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(search_index)

// For every simulated agent: its prompts are indexed (each a prompt the simulated person typed, found in the
// transcript as written), every tool call has one entry naming its file and its command, shell commands
// are among them, and a search for an entry's words finds it.
BOOST_AUTO_TEST_CASE(every_agent_prompts_files_and_commands_are_found) {
    std::set<std::string> seen_agents;
    for (const SynthWriter& sw : synth_writers()) {
        const std::string writer(sw.name()), agent(sw.agent);
        BOOST_TEST_CONTEXT("writer " << writer) {
            TempDir dir;
            write_synth_corpus(one_writer(dir.path(), writer, 11));
            WriterFixture fx;
            backfill(fx.writer(), dir.path(), agent);
            seen_agents.insert(agent);
            Database& db = fx.db();
            const std::string raw = all_bytes(dir.path() / agent);

            // Prompts: at least one per session, each one of the simulated person's prompts (the fixed
            // words before the template's first blank), each present in the transcript.
            const auto prompts = query(db, "SELECT body FROM search_docs WHERE kind = 'prompt'");
            BOOST_TEST(prompts.size() > 3u);
            BOOST_TEST(query_int(db, "SELECT count(DISTINCT session_id) FROM search_docs WHERE kind = 'prompt'") ==
                       query_int(db, "SELECT count(*) FROM sessions"));
            int templated = 0, verbatim = 0;
            for (const Row& p : prompts) {
                for (const std::string_view tpl : kPrompts) {
                    const std::string_view head = tpl.substr(0, tpl.find_first_of("@#"));
                    if (p[0].starts_with(head)) {
                        ++templated;
                        break;
                    }
                }
                verbatim += raw.find(json_escaped(p[0].substr(0, 200))) != std::string::npos;
            }
            // Sub-agents' task prompts are prompts too (a template plus prose): all start like one.
            BOOST_TEST(templated == static_cast<int>(prompts.size()));
            BOOST_TEST(verbatim == static_cast<int>(prompts.size()));

            // Tool calls: one entry each; every file a call names is in its entry; commands found.
            BOOST_TEST(query_int(db, "SELECT count(*) FROM search_docs WHERE call_id IS NOT NULL") ==
                       query_int(db, "SELECT count(*) FROM message_tool_mart"));
            BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart c JOIN search_docs d ON d.call_id = c.id "
                                     "WHERE c.file_path IS NOT NULL AND instr(d.body, c.file_path) = 0") == 0);
            BOOST_TEST(query_int(db, "SELECT count(*) FROM search_docs WHERE kind = 'file'") > 0);
            const auto commands = query(db, "SELECT body FROM search_docs WHERE kind = 'command'");
            BOOST_TEST(commands.size() > 0u);
            for (const Row& c : commands) {
                const std::string first_line = c[0].substr(0, c[0].find('\n'));
                // Codex's arguments are JSON inside a JSON string: escaped twice.
                BOOST_TEST((raw.find(json_escaped(first_line)) != std::string::npos ||
                            raw.find(json_escaped(json_escaped(first_line))) != std::string::npos),
                           "command " << first_line);
            }
            // No assistant text without --index-text.
            BOOST_TEST(query_int(db, "SELECT count(*) FROM search_docs WHERE kind = 'text'") == 0);

            // The search finds entries of every kind by their words.
            for (const char* kind : {"prompt", "command", "file"}) {
                const auto ids = query(db, std::string("SELECT id FROM search_docs WHERE kind = '") + kind +
                                               "' ORDER BY id LIMIT 5");
                for (const Row& id : ids)
                    BOOST_TEST(found_by_its_words(db, std::stoll(id[0])), kind << " entry " << id[0]);
            }
            check_fts(db);
        }
    }
    BOOST_TEST(seen_agents.size() == agent_sources().size());
}

// --index-text adds the models' answers as entries of kind text; the prompts, files and commands stay.
BOOST_AUTO_TEST_CASE(index_text_adds_assistant_text) {
    TempDir dir;
    write_synth_corpus(one_writer(dir.path(), "claude", 3));
    WriterFixture plain, with_text;
    with_text.writer().set_index_text(true);
    backfill(plain.writer(), dir.path(), "claude");
    backfill(with_text.writer(), dir.path(), "claude");
    BOOST_TEST(query_int(with_text.db(), "SELECT count(*) FROM search_docs WHERE kind = 'text'") > 10);
    BOOST_TEST(query_int(with_text.db(), "SELECT count(*) FROM search_docs WHERE kind <> 'text'") ==
               query_int(plain.db(), "SELECT count(*) FROM search_docs"));
    check_fts(with_text.db());
}

// Files that grow (read a piece at a time) give the index a clean read of the final files gives; reading the
// same files again adds nothing; and the rebuild (index emptied, every file read again) gives it back.
BOOST_AUTO_TEST_CASE(growth_rereads_and_rebuild_give_the_same_index) {
    for (const std::string writer : {"claude", "codex", "gemini", "qwen", "copilot"}) {
        BOOST_TEST_CONTEXT("writer " << writer) {
            const std::string agent = agent_of(writer);
            TempDir full, growing;
            write_synth_corpus(one_writer(full.path(), writer, 21));
            WriterFixture clean, grown;
            backfill(clean.writer(), full.path(), agent);

            // The same files in three steps: a third of each file's lines, two thirds, all.
            std::vector<std::pair<fs::path, std::string>> files;
            for (const auto& e : fs::recursive_directory_iterator(full.path() / agent))
                if (e.is_regular_file()) files.emplace_back(fs::relative(e.path(), full.path()), slurp(e.path()));
            for (int step = 1; step <= 3; ++step) {
                for (const auto& [rel, text] : files) {
                    std::size_t cut = text.size() * static_cast<std::size_t>(step) / 3;
                    while (cut < text.size() && text[cut] != '\n') ++cut;
                    const std::string piece = text.substr(0, std::min(text.size(), cut + 1));
                    fs::create_directories((growing.path() / rel).parent_path());
                    std::ofstream(growing.path() / rel, std::ios::binary | std::ios::trunc) << piece;
                }
                backfill(grown.writer(), growing.path(), agent);
            }
            const auto expected = index_rows(clean.db());
            BOOST_TEST(expected.size() > 20u);
            BOOST_TEST((index_rows(grown.db()) == expected));

            // Read everything again from the start: nothing new.
            const std::int64_t before = query_int(grown.db(), "SELECT count(*) FROM search_docs");
            grown.db().exec("UPDATE transcript_files SET offset = 0, line_no = 0, size = 0, head_len = 0, "
                            "head_hash = NULL, parser_state = NULL, device = NULL, inode = NULL");
            backfill(grown.writer(), growing.path(), agent);
            BOOST_TEST(query_int(grown.db(), "SELECT count(*) FROM search_docs") == before);

            // The rebuild.
            grown.restart();
            BOOST_TEST(reset_search_index(grown.db()) == query_int(grown.db(), "SELECT count(*) FROM transcript_files"));
            BOOST_TEST(query_int(grown.db(), "SELECT count(*) FROM search_docs") == 0);
            backfill(grown.writer(), growing.path(), agent);
            BOOST_TEST((index_rows(grown.db()) == expected));
            check_fts(grown.db());
        }
    }
}

// The database and whole-document layouts: a clean read and a rebuild give the same index.
BOOST_AUTO_TEST_CASE(rebuild_gives_the_same_index_for_databases_and_documents) {
    for (const std::string writer : {"opencode", "gemini-legacy"}) {
        BOOST_TEST_CONTEXT("writer " << writer) {
            const std::string agent = agent_of(writer);
            TempDir dir;
            write_synth_corpus(one_writer(dir.path(), writer, 31));
            WriterFixture fx;
            backfill(fx.writer(), dir.path(), agent);
            const auto expected = index_rows(fx.db());
            BOOST_TEST(expected.size() > 20u);
            reset_search_index(fx.db());
            fx.restart();
            backfill(fx.writer(), dir.path(), agent);
            BOOST_TEST((index_rows(fx.db()) == expected));
            check_fts(fx.db());
        }
    }
}

// A transcript truncated and written again (a rewrite): the new prompt is found, the old entries stay
// (their rows stay), nothing is indexed twice.
BOOST_AUTO_TEST_CASE(a_rewritten_file_keeps_the_index_in_step) {
    TempDir dir;
    write_synth_corpus(one_writer(dir.path(), "claude", 41));
    WriterFixture fx;
    backfill(fx.writer(), dir.path(), "claude");
    Database& db = fx.db();
    const std::int64_t before = query_int(db, "SELECT count(*) FROM search_docs");

    // The largest session file, cut to its first half, then a new prompt appended.
    fs::path biggest;
    for (const auto& e : fs::recursive_directory_iterator(dir.path() / "claude"))
        if (e.is_regular_file() && (biggest.empty() || e.file_size() > fs::file_size(biggest))) biggest = e.path();
    const std::string text = slurp(biggest);
    std::size_t cut = text.size() / 2;
    while (cut < text.size() && text[cut] != '\n') ++cut;
    const std::string head = text.substr(0, cut + 1);
    // A user line modelled on the file's first user line: same session, a new uuid and prompt.
    const auto session = query(db, "SELECT s.session_id FROM transcript_files f JOIN messages m ON m.file_id = f.id "
                                   "JOIN sessions s ON s.id = m.session_id WHERE f.path = '" + biggest.string() +
                                   "' LIMIT 1");
    BOOST_TEST_REQUIRE(session.size() == 1u);
    const std::string line = R"({"type":"user","uuid":"u-rewrite-1","parentUuid":null,"sessionId":")" +
                             session[0][0] + R"(","timestamp":"2026-01-05T10:00:00.000Z","cwd":"/home/ana/src/zoo",)"
                             R"("message":{"role":"user","content":"find the quokka in zanzibar.py please"}})";
    std::ofstream(biggest, std::ios::binary | std::ios::trunc) << head << line << "\n";
    backfill(fx.writer(), dir.path(), "claude");
    BOOST_TEST(query_int(db, "SELECT count(*) FROM search_docs") == before + 1);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM (SELECT doc_key FROM search_docs GROUP BY doc_key HAVING count(*) > 1)") == 0);
    SearchQuery q;
    q.text = "quokka zanzibar.py";
    const SearchResult r = search(db, q);
    BOOST_TEST_REQUIRE(r.hits.size() == 1u);
    BOOST_TEST(r.hits[0].kind == "prompt");
    BOOST_TEST(r.hits[0].session_id == session[0][0]);
    BOOST_TEST(r.hits[0].snippet.find("\x02quokka\x03") != std::string::npos);
    BOOST_TEST(query_int(db, "SELECT id FROM messages WHERE line_key = 'u-rewrite-1'") == *r.hits[0].message_id);
    check_fts(db);
}

// Whole words first, the last word as a prefix when they give too few hits (a word still being typed) or
// when it is 3 characters or fewer (FTS5's prefix index).
BOOST_AUTO_TEST_CASE(the_last_word_is_a_prefix) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("s1.jsonl");
    auto prompt = [](int n, const std::string& text) {
        return R"({"type":"user","uuid":"u-)" + std::to_string(n) +
               R"(","sessionId":"s1","timestamp":"2026-01-05T10:00:0)" + std::to_string(n) +
               R"(.000Z","cwd":"/home/ana/src/shop","message":{"role":"user","content":")" + text + R"("}})";
    };
    fx.feed(f, {prompt(1, "deploy the invoices service"), prompt(2, "investigate invoicing totals"),
                prompt(3, "why is the invoice late")});
    auto hits = [&](const std::string& text) {
        SearchQuery q;
        q.text = text;
        std::vector<std::string> out;
        for (const SearchHit& h : search(fx.db(), q).hits) out.push_back(h.snippet);
        return out.size();
    };
    BOOST_TEST(hits("invoic") == 3u);    // no such word: a prefix
    BOOST_TEST(hits("inv") == 3u);       // the prefix index
    BOOST_TEST(hits("invoices") == 1u);  // a word, and as a prefix nothing more
    BOOST_TEST(hits("invoice") == 2u);   // one word, fewer hits than the limit: the prefix adds invoices
    BOOST_TEST(hits("totals invoic") == 1u);
    BOOST_TEST(hits("the invoice") == 2u);
    BOOST_TEST(hits("zebra") == 0u);
    SearchQuery exact;
    exact.text = "invoice";
    exact.limit = 1;
    const SearchResult one = search(fx.db(), exact);  // enough whole-word hits: no prefix asked
    BOOST_TEST(one.fts_query == "\"invoice\"");
    BOOST_TEST(one.hits.size() == 1u);
    BOOST_TEST(one.more == false);
}

BOOST_AUTO_TEST_CASE(user_input_is_quoted_into_phrases) {
    BOOST_TEST(fts_phrase_query("billing.py") == "\"billing.py\"*");
    BOOST_TEST(fts_phrase_query("  npm   test ") == "\"npm\" \"test\"*");
    BOOST_TEST(fts_phrase_query("say \"hi\" OR") == "\"say\" \"\"\"hi\"\"\" \"OR\"*");
    BOOST_TEST(fts_phrase_query(" \t ").empty());
    BOOST_TEST(fts_phrase_query("npm test", false) == "\"npm\" \"test\"");
}

// Whatever a person types, the word search answers (no FTS5 syntax error reaches them); raw FTS5 syntax
// that SQLite refuses is a SearchSyntaxError (the API's 400), not a store failure.
BOOST_AUTO_TEST_CASE(no_input_is_a_syntax_error_and_raw_errors_are_told_apart) {
    TempDir dir;
    write_synth_corpus(one_writer(dir.path(), "claude", 5));
    WriterFixture fx;
    backfill(fx.writer(), dir.path(), "claude");
    for (const char* input : {"\"", "(", ")", "AND", "OR NOT", "NEAR(a b", "*", "a:b", "--", "^", "\"unterminated",
                              "tool:Bash", "col : x", "{a b}", "a+b", "'", "\\", "é\xcc\x81", "\xff\xfe"}) {
        SearchQuery q;
        q.text = input;
        BOOST_CHECK_NO_THROW(search(fx.db(), q));
    }
    for (const char* bad : {"\"unterminated", "(a OR", "a AND", "nosuchcolumn: x", "NEAR(a b, x)"}) {
        SearchQuery q;
        q.text = bad;
        q.raw = true;
        BOOST_CHECK_THROW(search(fx.db(), q), SearchSyntaxError);
    }
    SearchQuery ok;
    ok.text = "body: failing AND test";
    ok.raw = true;
    BOOST_TEST(search(fx.db(), ok).hits.size() > 0u);
}

// Filters: agent, project, kind, time; the newest hits first; at most per_session of one session.
BOOST_AUTO_TEST_CASE(filters_order_and_per_session_cap) {
    TempDir dir;
    SynthCorpusOptions o = one_writer(dir.path(), "claude", 9);
    o.shares = {{"claude", 1.0}, {"codex", 1.0}};
    o.files = 8;
    write_synth_corpus(o);
    WriterFixture fx;
    backfill(fx.writer(), dir.path(), "claude");
    backfill(fx.writer(), dir.path(), "codex");
    Database& db = fx.db();
    SearchQuery q;
    q.text = "test";
    q.limit = 200;
    q.per_session = 0;
    const SearchResult all = search(db, q);
    BOOST_TEST(all.hits.size() > 10u);
    for (std::size_t i = 1; i < all.hits.size(); ++i) BOOST_TEST(all.hits[i - 1].ts >= all.hits[i].ts);
    std::set<std::string> agents;
    for (const SearchHit& h : all.hits) agents.insert(h.provider);
    BOOST_TEST(agents.size() == 2u);

    q.provider = "codex";
    for (const SearchHit& h : search(db, q).hits) BOOST_TEST(h.provider == "codex");
    q.provider.clear();
    q.kind = "prompt";
    for (const SearchHit& h : search(db, q).hits) BOOST_TEST(h.kind == "prompt");
    q.kind.clear();
    const std::string project = all.hits[0].project;
    q.project = project;
    const SearchResult in_project = search(db, q);
    BOOST_TEST(in_project.hits.size() > 0u);
    for (const SearchHit& h : in_project.hits) BOOST_TEST(h.project == project);
    q.project.clear();
    const EpochMs mid = *parse_iso8601(all.hits[all.hits.size() / 2].ts);
    q.since = mid;
    for (const SearchHit& h : search(db, q).hits) BOOST_TEST(*parse_iso8601(h.ts) >= mid);
    q.since.reset();
    q.until = mid;
    for (const SearchHit& h : search(db, q).hits) BOOST_TEST(*parse_iso8601(h.ts) < mid);
    q.until.reset();
    // The machine filter (sessions.machine, schema 8).
    q.machine = "laptop";
    db.exec("UPDATE sessions SET machine = CASE WHEN id % 2 = 0 THEN 'laptop' ELSE 'server' END");
    const SearchResult on_laptop = search(db, q);
    BOOST_TEST(on_laptop.hits.size() > 0u);
    for (const SearchHit& h : on_laptop.hits) BOOST_TEST(h.session_row % 2 == 0);
    q.machine.clear();
    q.per_session = 2;
    std::map<std::int64_t, int> per;
    for (const SearchHit& h : search(db, q).hits) BOOST_TEST(++per[h.session_row] <= 2);
}

// Migration 6 on a store that already has rows: an empty index, marked as needing the rebuild (the search
// answer says so) until reset_search_index; on an empty store, nothing to rebuild.
BOOST_AUTO_TEST_CASE(migrating_a_store_with_rows_asks_for_a_rebuild) {
    TempDir dir;
    for (const bool rows : {false, true}) {
        const fs::path path = dir / (rows ? "rows.db" : "empty.db");
        {
            Database db(path, Database::Mode::ReadWrite);
            for (const Migration& m : schema_migrations())
                if (m.version <= 5) apply_step(db, m);
            db.exec("PRAGMA user_version=5");
            if (rows) {
                db.exec("INSERT INTO projects(provider, slug, display_name) VALUES ('claude', 'p', 'P')");
                db.exec("INSERT INTO sessions(project_id, provider, session_id) VALUES (1, 'claude', 's')");
                db.exec("INSERT INTO messages(provider, project_id, session_id, line_key, ts, day, kind) VALUES "
                        "('claude', 1, 1, 'k', '2026-01-01T00:00:00.000Z', '2026-01-01', 'user')");
            }
        }
        Database db(path, Database::Mode::ReadWrite);
        BOOST_TEST(!has_search_index(db));
        migrate(db);
        BOOST_TEST(has_search_index(db));
        BOOST_TEST(query_int(db, "SELECT needs_rebuild FROM search_state") == (rows ? 1 : 0));
        SearchQuery q;
        q.text = "anything";
        BOOST_TEST(search(db, q).incomplete == rows);
        reset_search_index(db);
        BOOST_TEST(query_int(db, "SELECT needs_rebuild FROM search_state") == 0);
        BOOST_TEST(!search(db, q).incomplete);
    }
}

// GET /api/search through the router: only for loopback clients unless a token is set; parameters checked
// (400 with a message, never 500); the hits name the session row and the message row of the store.
BOOST_AUTO_TEST_CASE(api_search_route) {
    TempDir dir;
    write_synth_corpus(one_writer(dir.path(), "claude", 13));
    WriterFixture fx;
    backfill(fx.writer(), dir.path(), "claude");
    ReportQueries rq(fx.db());
    boost::asio::io_context io;
    Broadcaster broadcaster(boost::asio::make_strand(io), 16);
    Poller poller(PollerOptions{}, broadcaster);
    for (const std::string token : {"", "s3cret"}) {
        ServerContext ctx{broadcaster, poller, {}, StaticFiles("/nonexistent"), token, {}, nullptr};
        // The status and body of a request (a query route is run here, as a pool thread would).
        auto get = [&](const std::string& target, bool loopback, bool with_token) {
            HttpRequest req;
            req.method = "GET";
            req.target = target;
            req.peer_loopback = loopback;
            if (with_token) req.authorization = "Bearer " + token;
            BOOST_REQUIRE(parse_target(target, req.path, req.query));
            const Route r = route(req, ctx);
            if (const auto* q = std::get_if<QueryRoute>(&r)) return q->run(rq);
            return std::get<HttpResponse>(r);
        };
        BOOST_TEST_CONTEXT((token.empty() ? "no token" : "token")) {
            const bool tok = !token.empty();
            // No token: loopback clients only. A token: whoever has it.
            BOOST_TEST(get("/api/search?q=test", false, tok).status == (tok ? 200 : 403));
            if (tok) BOOST_TEST(get("/api/search?q=test", true, false).status == 401);
            const HttpResponse ok = get("/api/search?q=test&limit=5", true, tok);
            BOOST_TEST_REQUIRE(ok.status == 200);
            const json::object doc = json::parse(ok.body).as_object();
            const json::array& hits = doc.at("hits").as_array();
            BOOST_TEST(hits.size() == 5u);
            for (const json::value& h : hits) {
                const json::object& o = h.as_object();
                const std::int64_t session = o.at("session_id").as_int64();
                if (!o.at("message_id").is_null())
                    BOOST_TEST(query_int(fx.db(), "SELECT session_id FROM messages WHERE id = " +
                                                      std::to_string(o.at("message_id").as_int64())) == session);
                BOOST_TEST(o.at("agent").as_string() == "claude");
                BOOST_TEST(std::string(o.at("snippet").as_string()).find("test") != std::string::npos);
                bool marked = false;
                for (const json::value& part : o.at("snippet_parts").as_array())
                    marked = marked || part.at("match").as_bool();
                BOOST_TEST(marked);
            }
            struct Case {
                const char* target;
                int status;
                const char* says;
            };
            const Case cases[] = {
                {"/api/search", 400, "q is required"},
                {"/api/search?q=%20%20", 400, "q is required"},
                {"/api/search?q=%22(a%20OR%20NEAR(", 200, ""},  // typed words: never a syntax error
                {"/api/search?q=(a%20OR&syntax=fts", 400, "fts5: syntax error"},
                {"/api/search?q=nosuchcolumn:%20x&syntax=fts", 400, "no such column"},
                {"/api/search?q=test%20AND%20fix&syntax=fts", 200, ""},
                {"/api/search?q=x&syntax=regex", 400, "syntax must be"},
                {"/api/search?q=x&kind=bogus", 400, "kind must be"},
                {"/api/search?q=x&kind=prompt", 200, ""},
                {"/api/search?q=x&agent=amp", 400, "provider must be one of"},
                {"/api/search?q=x&agent=codex&project=p&model=m", 200, ""},
                {"/api/search?q=x&since=yesterday", 400, "since must be"},
                {"/api/search?q=x&since=2026-01-01&until=2026-02-01T00:00:00Z", 200, ""},
                {"/api/search?q=x&limit=0", 400, "limit must be"},
                {"/api/search?q=x&limit=201", 400, "limit must be"},
                {"/api/search?q=x&machine=m1", 200, ""},
                {"/api/search?q=x&machine=m1&syntax=fts", 200, ""},
            };
            for (const Case& c : cases) {
                const HttpResponse r = get(c.target, true, tok);
                BOOST_TEST(r.status == c.status, c.target);
                BOOST_TEST(r.body.find(c.says) != std::string::npos, c.target << ": " << r.body);
            }
        }
    }
}

// The redaction hook sees each snippet whole, without the match marks (which could split a secret): a
// secret typed as a search word is masked, and that snippet loses its marks.
BOOST_AUTO_TEST_CASE(snippets_are_redacted_whole) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("s1.jsonl");
    fx.feed(f, {R"({"type":"user","uuid":"u-1","sessionId":"s1","timestamp":"2026-01-05T10:00:00.000Z",)"
                R"("cwd":"/home/ana/src/shop","message":{"role":"user","content":"use key sk-ant-abc123secret456 for the billing run"}})"});
    SearchQuery q;
    q.text = "sk-ant-abc";
    SearchResult r = search(fx.db(), q);
    BOOST_TEST_REQUIRE(r.hits.size() == 1u);
    BOOST_TEST(r.hits[0].snippet.find('\x02') != std::string::npos);  // the match is marked in the middle of it
    std::vector<std::string> seen;
    redact_search_hits(r, [&](std::string_view text) {
        seen.emplace_back(text);
        std::string out(text);
        const auto at = out.find("sk-ant-");
        if (at != std::string::npos) out.replace(at, out.find(' ', at) - at, "[REDACTED]");
        return out;
    });
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].find('\x02') == std::string::npos);
    BOOST_TEST(r.hits[0].snippet == "use key [REDACTED] for the billing run");
    // Nothing masked: the marks stay.
    SearchQuery b;
    b.text = "billing";
    SearchResult rb = search(fx.db(), b);
    redact_search_hits(rb, [](std::string_view text) { return std::string(text) + ""; });
    BOOST_TEST(rb.hits.at(0).snippet.find("\x02" "billing" "\x03") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
