// viewer/TranscriptReader, core/Redactor and the transcript route's gate: for every simulated agent's format
// (Claude with sub-agents, Codex, Qwen, Gemini JSONL and legacy documents, Copilot, OpenCode's database),
// a generated corpus is ingested into a real store and every session is read back page by page: the items
// are linked to the stored messages and usage, small pages give exactly what one big page gives, pages
// backwards give the same again, ?message= lands on its message (with and without stored byte offsets), an
// item's whole text is fetched by its ref, and deleted, replaced and truncated transcripts say so.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "StoreQueries.hpp"
#include "TempDir.hpp"
#include "WriterFixture.hpp"
#include "core/Redactor.hpp"
#include "http/Auth.hpp"
#include "http/Router.hpp"
#include "http/TranscriptRoutes.hpp"
#include "ingest/Backfill.hpp"
#include "model/IngestStats.hpp"
#include "sim/SynthCorpus.hpp"
#include "store/Migrations.hpp"
#include "sim/SynthWriters.hpp"
#include "viewer/TranscriptReader.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct Corpus {
    WriterFixture fx;
    TempDir dir;
    explicit Corpus(const std::string& writer, std::uint64_t seed = 11) {
        SynthCorpusOptions o;
        for (const SynthWriter& w : synth_writers()) o.roots[std::string(w.agent)] = dir / w.agent;
        o.shares = {{writer, 1.0}};
        o.target_bytes = 400'000;
        o.files = 4;
        o.seed = seed;
        write_synth_corpus(o);
        IngestStats stats;
        AgentRoots roots;
        for (const AgentSource* a : agent_sources()) roots.push_back({a, dir / std::string(a->name())});
        const BackfillResult r = run_backfill(fx.writer(), roots, stats, TailerOptions{}, nullptr);
        BOOST_TEST(r.failed_files == 0);
    }
};

json::object read(Database& db, TranscriptQuery q, const Redactor& red, int want_status = 200) {
    const TranscriptAnswer a = read_transcript(db, q, red);
    BOOST_TEST(a.status == want_status, a.error);
    return a.status == 200 ? a.body.as_object() : json::object();
}

// Every item of a session (of one file when `file`), page by page; the cursors must advance.
std::vector<json::object> read_all(Database& db, std::int64_t session, int limit, const Redactor& red,
                                   std::optional<std::int64_t> file = std::nullopt) {
    std::vector<json::object> out;
    TranscriptQuery q;
    q.session = session;
    q.limit = limit;
    q.file = file;
    for (int pages = 0; pages < 100'000; ++pages) {
        json::object b = read(db, q, red);
        for (auto& it : b["items"].as_array()) out.push_back(it.as_object());
        if (b["end"].as_bool() || b["next"].is_null()) break;
        const std::string next(b["next"].as_string());
        BOOST_REQUIRE_MESSAGE(next != q.after, "the cursor did not move");
        q.after = next;
    }
    return out;
}

// Item ids in first-seen order, each once (a restated message replaces its items in place).
std::vector<std::string> ids(const std::vector<json::object>& items) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& it : items)
        if (seen.insert(std::string(it.at("id").as_string())).second) out.push_back(std::string(it.at("id").as_string()));
    return out;
}

std::int64_t count_kind(const std::vector<json::object>& items, std::string_view kind) {
    std::int64_t n = 0;
    for (const auto& it : items) n += it.at("kind").as_string() == kind;
    return n;
}

const std::vector<std::string>& writers() {
    static const std::vector<std::string> w = [] {
        std::vector<std::string> out;
        for (const SynthWriter& s : synth_writers()) out.push_back(std::string(s.name()));
        return out;
    }();
    return w;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transcript_viewer)

BOOST_AUTO_TEST_CASE(every_agents_sessions_read_back_linked_and_paged) {
    const Redactor red;
    for (const std::string& writer : writers()) {
        BOOST_TEST_CONTEXT("writer " << writer) {
            Corpus c(writer);
            Database& db = c.fx.db();
            const auto sessions = query(db, "SELECT id FROM sessions ORDER BY id");
            BOOST_TEST_REQUIRE(!sessions.empty());
            std::int64_t users = 0, calls = 0, results = 0, with_usage = 0, linked = 0, total = 0;
            for (const Row& row : sessions) {
                const std::int64_t s = std::stoll(row.at(0));
                BOOST_TEST_CONTEXT("session " << s) {
                    const auto big = read_all(db, s, 1000, red);
                    const auto small = read_all(db, s, 7, red);
                    BOOST_TEST(ids(small) == ids(big), boost::test_tools::per_element());
                    // Every item has an id of its own (the page merges by id).
                    BOOST_TEST(ids(big).size() == big.size());
                    users += count_kind(big, "user");
                    calls += count_kind(big, "tool_call");
                    results += count_kind(big, "tool_result");
                    for (const auto& it : big) {
                        with_usage += it.contains("usage");
                        // What the stores keep a message row for: prompts, answers, calls and results (Codex
                        // reasoning, token counts and notices have none).
                        const auto& k = it.at("kind");
                        if (k == "user" || k == "assistant" || k == "tool_call" || k == "tool_result") {
                            linked += !it.at("message_id").is_null();
                            ++total;
                        }
                        // What links to a message belongs to this session.
                        if (!it.at("message_id").is_null())
                            BOOST_TEST(query_int(db, "SELECT session_id FROM messages WHERE id = " +
                                                         std::to_string(it.at("message_id").as_int64())) == s);
                    }
                    // The cost shown is the stored usage, each response once: all of it where every usage row
                    // has its line (Claude) or its count's key (Codex), never more.
                    double shown_cost = 0;
                    for (const auto& it : big)
                        if (it.contains("usage") && big.size() < 1000) shown_cost += it.at("usage").at("cost_usd").to_number<double>();
                    const double stored_cost = std::stod(query_text(db, "SELECT coalesce(sum(cost_usd), 0) FROM usage_events "
                                                                        "WHERE session_id = " + std::to_string(s)));
                    BOOST_TEST(shown_cost <= stored_cost + 1e-9);
                    // Claude: the main file's responses (the sub-agents' are in their own files).
                    const double main_cost = std::stod(query_text(
                        db, "SELECT coalesce(sum(u.cost_usd), 0) FROM usage_events u JOIN messages m ON m.id = u.message_id "
                            "JOIN transcript_files f ON f.id = m.file_id WHERE u.session_id = " + std::to_string(s) +
                                " AND f.kind <> 'subagent'"));
                    if (big.size() < 1000 && writer == "codex")
                        BOOST_TEST(std::abs(shown_cost - stored_cost) < 1e-6 * std::max(1.0, stored_cost));
                    if (big.size() < 1000 && writer == "claude")
                        BOOST_TEST(std::abs(shown_cost - main_cost) < 1e-6 * std::max(1.0, main_cost));
                    json::object first = read(db, TranscriptQuery{.session = s}, red);
                    BOOST_TEST(first["status"].as_string() == "ok");
                    // Every stored message of the session's main files is shown by some item.
                    std::set<std::int64_t> shown;
                    for (const auto& it : big)
                        if (!it.at("message_id").is_null()) shown.insert(it.at("message_id").as_int64());
                    for (auto& sub : first["subagents"].as_array())
                        for (const auto& it : read_all(db, s, 1000, red, sub.at("id").as_int64()))
                            if (!it.at("message_id").is_null()) shown.insert(it.at("message_id").as_int64());
                    const std::int64_t stored = query_int(db, "SELECT count(*) FROM messages WHERE session_id = " + std::to_string(s));
                    BOOST_TEST(static_cast<std::int64_t>(shown.size()) >= stored * 9 / 10,
                               shown.size() << " of " << stored << " messages shown");
                }
            }
            BOOST_TEST(users > 0);
            BOOST_TEST(calls > 0);
            BOOST_TEST(results > 0);
            BOOST_TEST(with_usage > 0);
            BOOST_TEST(linked * 10 >= total * 9, linked << " of " << total << " items linked to a message");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_store_from_version_5_gets_the_column_and_indexes) {
    TempDir dir;
    {
        Database db(dir / "store.db", Database::Mode::ReadWrite);
        for (const Migration& m : schema_migrations())
            if (m.version <= 5) apply_step(db, m);
        db.exec("PRAGMA user_version=5");
        db.exec("INSERT INTO projects(provider, slug, display_name) VALUES ('claude', 'p', 'P')");
        db.exec("INSERT INTO sessions(project_id, provider, session_id) VALUES (1, 'claude', 's')");
        db.exec("INSERT INTO transcript_files(path, provider, kind) VALUES ('/t/s.jsonl', 'claude', 'session')");
        db.exec("INSERT INTO messages(provider, project_id, session_id, file_id, line_no, line_key, ts, day, kind) "
                "VALUES ('claude', 1, 1, 1, 7, 'k', '2026-01-01T00:00:00.000Z', '2026-01-01', 'user')");
    }
    Database db(dir / "store.db", Database::Mode::ReadWrite);
    migrate(db);
    BOOST_TEST(query_text(db, "SELECT byte_offset FROM messages WHERE line_key = 'k'") == "NULL");
    BOOST_TEST(query_int(db, "SELECT line_no FROM messages WHERE line_key = 'k'") == 7);
    for (const char* index : {"messages_session_file_line", "usage_events_message"})
        BOOST_TEST(query_int(db, std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + index + "'") == 1, index);
    // The viewer's page lookup uses the index, not a scan of every message.
    const std::string plan = flat(query(db, "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE session_id = 1 AND "
                                            "file_id = 1 AND line_no BETWEEN 1 AND 9")).back();
    BOOST_TEST(plan.find("messages_session_file_line") != std::string::npos, plan);
}

BOOST_AUTO_TEST_CASE(stored_byte_offsets_point_at_their_lines) {
    // Schema 6: the tailer stores where each message's line starts; reading there gives the line whose
    // natural key the row has (Claude: the uuid), and its line number agrees.
    Corpus c("claude", 21);
    Database& db = c.fx.db();
    const auto rows = query(db, "SELECT m.byte_offset, m.line_no, m.line_key, f.path FROM messages m "
                                "JOIN transcript_files f ON f.id = m.file_id ORDER BY m.id");
    BOOST_TEST_REQUIRE(rows.size() > 100u);
    std::size_t checked = 0;
    for (const Row& r : rows) {
        BOOST_TEST_REQUIRE(r.at(0) != "NULL", "no byte offset for " << r.at(2));
        std::ifstream in(r.at(3), std::ios::binary);
        in.seekg(std::stoll(r.at(0)));
        std::string line;
        std::getline(in, line);
        const json::value v = json::parse(line);
        if (const auto* uuid = v.as_object().if_contains("uuid"); uuid && uuid->is_string()) {
            BOOST_TEST(std::string(uuid->as_string()) == r.at(2));
            ++checked;
        }
        // The offset is the start of line line_no: that many newlines end before it (the first 2,000 rows).
        if (checked < 2000) {
            std::ifstream whole(r.at(3), std::ios::binary);
            std::string head(static_cast<std::size_t>(std::stoll(r.at(0))), '\0');
            whole.read(head.data(), static_cast<std::streamsize>(head.size()));
            BOOST_TEST(std::count(head.begin(), head.end(), '\n') + 1 == std::stoll(r.at(1)));
        }
    }
    BOOST_TEST(checked > 100u);
}

BOOST_AUTO_TEST_CASE(backwards_pages_and_message_jumps) {
    const Redactor red;
    for (const std::string writer : {"claude", "codex", "qwen", "copilot", "gemini", "gemini-legacy", "opencode"}) {
        BOOST_TEST_CONTEXT("writer " << writer) {
            Corpus c(writer, 5);
            Database& db = c.fx.db();
            const std::int64_t s = query_int(db, "SELECT session_id FROM messages GROUP BY session_id ORDER BY count(*) DESC LIMIT 1");
            const auto all = read_all(db, s, 1000, red);
            BOOST_TEST_REQUIRE(all.size() > 20u);
            // A message half-way: its page starts at its line, and pages before it give what precedes it.
            std::int64_t mid = 0;
            for (std::size_t i = all.size() / 2; i < all.size() && !mid; ++i)
                if (!all[i].at("message_id").is_null()) mid = all[i].at("message_id").as_int64();
            BOOST_TEST_REQUIRE(mid > 0);
            for (const bool offsets : {true, false}) {
                BOOST_TEST_CONTEXT((offsets ? "byte offsets stored" : "a store without byte offsets")) {
                    if (!offsets) db.exec("UPDATE messages SET byte_offset = NULL");
                    TranscriptQuery q{.session = s, .message = mid};
                    q.limit = 5;
                    json::object p = read(db, q, red);
                    BOOST_TEST_REQUIRE(!p["items"].as_array().empty());
                    BOOST_TEST(p["items"].as_array()[0].at("message_id").as_int64() == mid);
                    // Walk back to the start: every earlier item, in order.
                    std::vector<json::object> before;
                    json::value prev = p["prev"];
                    for (int guard = 0; !prev.is_null() && guard < 10'000; ++guard) {
                        TranscriptQuery b{.session = s};
                        b.before = std::string(prev.as_string());
                        b.limit = 6;
                        json::object bp = read(db, b, red);
                        std::vector<json::object> page;
                        for (auto& it : bp["items"].as_array()) page.push_back(it.as_object());
                        before.insert(before.begin(), page.begin(), page.end());
                        prev = bp["prev"];
                    }
                    std::vector<json::object> expected;
                    for (const auto& it : all) {
                        if (it.at("id") == p["items"].as_array()[0].at("id")) break;
                        expected.push_back(it);
                    }
                    BOOST_TEST(ids(before) == ids(expected), boost::test_tools::per_element());
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(long_texts_are_cut_and_fetched_whole_by_ref) {
    const Redactor red;
    Corpus c("claude", 3);
    Database& db = c.fx.db();
    bool checked = false;
    for (const Row& row : query(db, "SELECT id FROM sessions")) {
        const std::int64_t s = std::stoll(row.at(0));
        TranscriptQuery q{.session = s};
        q.max_text = 40;
        q.limit = 1000;
        json::object p = read(db, q, red);
        for (auto& v : p["items"].as_array()) {
            const json::object& it = v.as_object();
            if (!it.contains("text_truncated")) continue;
            BOOST_TEST(it.at("text").as_string().size() <= 40u);
            TranscriptQuery one{.session = s};
            one.item = std::string(it.at("ref").as_string());
            json::object whole = read(db, one, red);
            const auto& full = whole["items"].as_array().at(0).as_object();
            BOOST_TEST(full.at("text").as_string().size() == json::value_to<std::size_t>(it.at("full_length")));
            BOOST_TEST(full.at("id") == it.at("id"));
            checked = true;
            break;
        }
        if (checked) break;
    }
    BOOST_TEST(checked);
}

BOOST_AUTO_TEST_CASE(deleted_replaced_and_truncated_transcripts_say_so) {
    const Redactor red;
    Corpus c("codex", 9);
    Database& db = c.fx.db();
    const auto files = query(db, "SELECT f.path, m.session_id FROM transcript_files f JOIN messages m ON m.file_id = f.id "
                                  "GROUP BY f.id ORDER BY f.id LIMIT 3");
    BOOST_TEST_REQUIRE(files.size() == 3u);
    const auto status = [&](const Row& r) {
        json::object p = read(db, TranscriptQuery{.session = std::stoll(r.at(1))}, red);
        return std::string(p["status"].as_string());
    };
    BOOST_TEST(status(files[0]) == "ok");
    fs::remove(files[0].at(0));
    BOOST_TEST(status(files[0]) == "missing");
    json::object gone = read(db, TranscriptQuery{.session = std::stoll(files[0].at(1))}, red);
    BOOST_TEST(gone["items"].as_array().empty());
    BOOST_TEST(std::string(gone["status_message"].as_string()).find("no longer on disk") != std::string::npos);
    // Rotated: another file renamed over the path.
    const fs::path other = fs::path(files[1].at(0)).string() + ".new";
    fs::copy_file(files[2].at(0), other);
    fs::rename(other, files[1].at(0));
    BOOST_TEST(status(files[1]) == "replaced");
    // Rewritten shorter in place.
    fs::resize_file(files[2].at(0), 100);
    BOOST_TEST(status(files[2]) == "truncated");
    // Bad requests: 404 and 400, not a failure.
    read(db, TranscriptQuery{.session = 999'999}, red, 404);
    TranscriptQuery bad{.session = std::stoll(files[2].at(1))};
    bad.after = "garbage";
    read(db, bad, red, 400);
}

BOOST_AUTO_TEST_CASE(redaction_masks_what_the_viewer_returns) {
    // A custom pattern matching a word every simulated conversation uses: it never reaches the client.
    Corpus c("qwen", 4);
    Database& db = c.fx.db();
    const Redactor red({"[Tt]he "});
    const Redactor none({}, false);
    std::int64_t before = 0, after = 0;
    for (const Row& row : query(db, "SELECT id FROM sessions")) {
        for (const auto& it : read_all(db, std::stoll(row.at(0)), 1000, none))
            before += json::serialize(it).find("the ") != std::string::npos;
        for (const auto& it : read_all(db, std::stoll(row.at(0)), 1000, red)) {
            const std::string s = json::serialize(it);
            after += s.find("the ") != std::string::npos || s.find("The ") != std::string::npos;
        }
    }
    BOOST_TEST(before > 0);
    BOOST_TEST(after == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(redactor)

BOOST_AUTO_TEST_CASE(default_rules_mask_common_key_formats) {
    const Redactor r;
    const std::vector<std::pair<std::string, std::string>> secrets = {
        {"aws-access-key", "key AKIAIOSFODNN7EXAMPLE here"},
        {"aws-secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
        {"github-token", "token ghp_0123456789abcdefghijABCDEFGHIJ012345 ok"},
        {"github-pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"},
        {"gitlab-token", "glpat-abcdefghij0123456789"},
        {"openai-key", "OPENAI_API_KEY sk-proj-abcdefghijklmnopqrstuvwxyz012345"},
        {"anthropic-key", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz_0123456789"},
        {"slack-token", "xoxb-123456789012-1234567890123-abcdefghij"},
        {"slack-webhook", "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"},
        {"google-api-key", "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234"},
        {"stripe-key", "sk_live_abcdefghijklmnopqrstuvwx"},
        {"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
        {"bearer-token", "curl -H 'Authorization: Bearer abcdefghijklmnop0123456789'"},
        {"secret-assignment", "password=hunter2hunter2"},
    };
    for (const auto& [rule, text] : secrets) {
        const std::string out = r.redact(text);
        BOOST_TEST(out.find("[REDACTED:") != std::string::npos, rule << ": " << out);
    }
    // The secret's characters are gone, the rest stays.
    BOOST_TEST(r.redact("key AKIAIOSFODNN7EXAMPLE here") == "key [REDACTED:aws-access-key] here");
    const std::string pem = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nb";
    BOOST_TEST(r.redact(pem) == "a\n[REDACTED:private-key]\nb");
    // A block cut off by truncation is masked to the end.
    BOOST_TEST(r.redact("x -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNz") == "x [REDACTED:private-key]");
    // Ordinary text and public keys are left alone.
    BOOST_TEST(r.redact("ls -la && make test") == "ls -la && make test");
    BOOST_TEST(r.redact("-----BEGIN PUBLIC KEY-----\nMII\n-----END PUBLIC KEY-----").find("REDACTED") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(configured_patterns_and_bad_ones) {
    const Redactor r({"internal-[0-9]+"}, false);
    BOOST_TEST(r.redact("see internal-4242 and AKIAIOSFODNN7EXAMPLE") ==
               "see [REDACTED:custom-1] and AKIAIOSFODNN7EXAMPLE");
    BOOST_CHECK_THROW(Redactor({"(unclosed"}), std::invalid_argument);
    // Counts and back-references of more than 6 digits never reach std::regex (its compiler overflows a
    // signed long on them: fuzz/config_fuzz); literal digits are fine.
    BOOST_CHECK_THROW(Redactor({"(a)\\7777777777777777777"}), std::invalid_argument);
    BOOST_CHECK_THROW(Redactor({"x{1,99999999}"}), std::invalid_argument);
    BOOST_CHECK_NO_THROW(Redactor({"acct-12345678901"}));
    BOOST_CHECK_NO_THROW(Redactor({"\\d{4}-\\d{4}"}));
    // A long input does not exhaust the regex engine (bounded quantifiers).
    const std::string big(2'000'000, 'a');
    BOOST_TEST(Redactor().redact(big).size() == big.size());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(transcript_gate)

BOOST_AUTO_TEST_CASE(transcript_text_only_for_loopback_clients_without_a_token) {
    boost::asio::io_context io;
    Broadcaster broadcaster{boost::asio::make_strand(io), 16};
    Poller poller{PollerOptions{}, broadcaster};
    const Redactor red;
    const auto status = [&](const std::string& token, bool loopback, const std::string& auth) {
        ServerContext ctx{broadcaster, poller, {}, StaticFiles(fs::path()), token};
        ctx.redactor = &red;
        HttpRequest r;
        r.method = "GET";
        r.target = "/api/sessions/3/transcript?limit=5";
        BOOST_REQUIRE(parse_target(r.target, r.path, r.query));
        r.peer_loopback = loopback;
        r.authorization = auth;
        const Route route = route_request(r, ctx);
        if (const auto* h = std::get_if<HttpResponse>(&route)) return h->status;
        return std::holds_alternative<QueryRoute>(route) ? 0 : -1;  // 0: handed to the store
    };
    BOOST_TEST(status("", true, "") == 0);
    BOOST_TEST(status("", false, "") == 403);
    BOOST_TEST(status("t0k", false, "") == 401);
    BOOST_TEST(status("t0k", false, "Bearer t0k") == 0);
    BOOST_TEST(status("t0k", true, "Bearer t0k") == 0);
    // A request that does not say where it came from is not taken for a local one.
    BOOST_TEST(private_text_allowed(HttpRequest{}, "") == false);
    BOOST_TEST(private_text_allowed(HttpRequest{}, "t0k") == true);
}

BOOST_AUTO_TEST_SUITE_END()
