// `agentpulse ingest` (and status / pricing check) as a user runs them: exit codes 0, 1 and 2 with the
// message on standard error, a summary on standard output, and a prompt stop on SIGTERM/SIGINT.
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "Binary.hpp"
#include "Corpus.hpp"
#include "StoreDump.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

double ms(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

void small_corpus(const Workspace& ws) {
    Assistant a;
    a.uuid = "a-1";
    a.msg_id = "msg_1";
    a.model = "claude-fable-7";  // unpriced
    a.tools = {{"toolu_1", "Read", {{"file_path", "/x"}}}};
    write_file(ws.claude() / "-home-ana-src-shop" / "sess-1.jsonl",
               lines({claude_user("u-1", "sess-1", at(0), "hi"), claude_assistant(a),
                      claude_result("u-2", "sess-1", at(1500), "toolu_1", "abc")}));
    write_file(ws.codex() / "2026/11/25/rollout-1.jsonl",
               lines({codex_meta(at(0), "cx-1"), codex_turn(at(1), "gpt-5-codex"),
                      codex_tokens(at(2), {100, 20, 30, 5})}));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ingest_cli)

BOOST_AUTO_TEST_CASE(success_is_0_with_a_summary) {
    Workspace ws;
    small_corpus(ws);
    std::string out, err;
    const ExitStatus st = run_to_end(ws.ingest(ws.dir / "s.db"), ws.logs(), "ok", &out, &err);
    BOOST_TEST(st.exited);
    BOOST_TEST(st.code == 0, err);
    BOOST_TEST(contains(out, "ingested 2 files"), out);
    BOOST_TEST(contains(out, "1 tool calls, 1 tool results"), out);
    Database db(ws.dir / "s.db", Database::Mode::ReadOnly);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events") == 2);
    BOOST_TEST(query_int(db, "SELECT latency_ms FROM message_tool_mart") == 1500);

    // status reads it (read-only) and pricing check names the unpriced model.
    const ExitStatus s2 = run_to_end({AGENTPULSE_BINARY, "status", "--store", (ws.dir / "s.db").string()},
                                     ws.logs(), "status", &out, &err);
    BOOST_TEST(s2.code == 0, err);
    BOOST_TEST(contains(out, "usage_events"), out);
    BOOST_TEST(contains(out, "never ran"), out);  // no watcher heartbeat from a one-shot ingest
    const ExitStatus s3 =
        run_to_end({AGENTPULSE_BINARY, "pricing", "check", "--store", (ws.dir / "s.db").string()}, ws.logs(),
                   "pricing", &out, &err);
    BOOST_TEST(s3.code == 0, err);
    BOOST_TEST(contains(out, "claude-fable-7"), out);
    BOOST_TEST(!contains(out, "gpt-5-codex"), out);
}

BOOST_AUTO_TEST_CASE(reprice_after_extending_the_price_card) {
    Workspace ws;
    small_corpus(ws);
    const std::string store = (ws.dir / "s.db").string();
    BOOST_REQUIRE(run_to_end(ws.ingest(ws.dir / "s.db"), ws.logs(), "ingest").code == 0);
    // The shipped card plus the model it did not know.
    boost::json::value card = boost::json::parse(slurp(AGENTPULSE_PRICING_FILE), {}, [] {
        boost::json::parse_options o;
        o.allow_comments = o.allow_trailing_commas = true;
        return o;
    }());
    card.at("models").as_array().push_back(boost::json::object{{"family", "fable"},
                                                               {"provider", "claude"},
                                                               {"match", {"claude-fable-*"}},
                                                               {"input", 2},
                                                               {"output", 10}});
    write_file(ws.dir / "card.json", boost::json::serialize(card));
    const std::string card_path = (ws.dir / "card.json").string();

    std::string out, err;
    BOOST_TEST(run_to_end({AGENTPULSE_BINARY, "pricing", "check", "--store", store, "--pricing", card_path},
                          ws.logs(), "check1", &out, &err)
                   .code == 0);
    BOOST_TEST(contains(out, "priced by the current card: run reprice"), out);
    BOOST_TEST(run_to_end({AGENTPULSE_BINARY, "pricing", "reprice", "--store", store, "--pricing", card_path},
                          ws.logs(), "reprice", &out, &err)
                   .code == 0);
    BOOST_TEST(contains(out, "re-priced 1 of 2 usage events"), out);
    {
        Database db(ws.dir / "s.db", Database::Mode::ReadOnly);
        BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE cost_source = 'unpriced'") == 0);
        BOOST_TEST(query_double(db, "SELECT cost_usd FROM usage_events WHERE model = 'claude-fable-7'") ==
                       (10 * 2 + 5 * 10.0) / 1e6,
                   boost::test_tools::tolerance(1e-12));
        BOOST_TEST(query_int(db, "SELECT update_seq FROM usage_events WHERE model = 'claude-fable-7'") > 0);
        // The per-slot and per-session sums follow the new costs.
        BOOST_TEST(query_int(db, "SELECT sum(unpriced_events) FROM usage_slots") == 0);
        BOOST_TEST(aggregate_drift(db) == "");
    }
    BOOST_TEST(run_to_end({AGENTPULSE_BINARY, "pricing", "check", "--store", store, "--pricing", card_path},
                          ws.logs(), "check2", &out, &err)
                   .code == 0);
    BOOST_TEST(contains(out, "is priced"), out);
}

// An agent whose price family is not its name (Copilot's is empty: any entry of the card): pricing check
// looks its models up in that family, as ingest and reprice do.
BOOST_AUTO_TEST_CASE(pricing_check_uses_the_agents_price_family) {
    Workspace ws;
    const auto copilot = ws.dir / "copilot";
    write_file(copilot / "session-state/cp-1/events.jsonl",
               lines({R"({"type":"session.start","data":{"sessionId":"cp-1","context":{"cwd":"/home/ana/shop"}},)"
                      R"("id":"e1","timestamp":")" + at(0) + R"("})",
                      R"({"type":"assistant.message","data":{"messageId":"m1","model":"claude-fable-7",)"
                      R"("outputTokens":50},"id":"e2","timestamp":")" + at(10) + R"("})"}));
    const std::string store = (ws.dir / "s.db").string();
    BOOST_REQUIRE(run_to_end(ws.ingest(ws.dir / "s.db", {"--copilot-dir", copilot.string()}), ws.logs(), "ingest")
                      .code == 0);
    boost::json::value card = boost::json::parse(slurp(AGENTPULSE_PRICING_FILE), {}, [] {
        boost::json::parse_options o;
        o.allow_comments = o.allow_trailing_commas = true;
        return o;
    }());
    card.at("models").as_array().push_back(boost::json::object{{"family", "fable"},
                                                               {"provider", "claude"},
                                                               {"match", {"claude-fable-*"}},
                                                               {"input", 2},
                                                               {"output", 10}});
    write_file(ws.dir / "card.json", boost::json::serialize(card));
    std::string out, err;
    BOOST_TEST(run_to_end({AGENTPULSE_BINARY, "pricing", "check", "--store", store, "--pricing",
                           (ws.dir / "card.json").string()},
                          ws.logs(), "check", &out, &err)
                   .code == 0);
    BOOST_TEST(contains(out, "copilot"), out);
    BOOST_TEST(contains(out, "priced by the current card: run reprice"), out);
}

BOOST_AUTO_TEST_CASE(missing_transcript_folders_are_not_an_error) {
    Workspace ws;  // neither root exists
    std::string out, err;
    const ExitStatus st = run_to_end(ws.ingest(ws.dir / "s.db"), ws.logs(), "empty", &out, &err);
    BOOST_TEST(st.code == 0, err);
    BOOST_TEST(contains(out, "ingested 0 files"), out);
}

BOOST_AUTO_TEST_CASE(bad_usage_is_2) {
    Workspace ws;
    std::string out, err;
    ExitStatus st = run_to_end(ws.ingest(ws.dir / "s.db", {"--bogus"}), ws.logs(), "bogus", &out, &err);
    BOOST_TEST(st.code == 2);
    BOOST_TEST(contains(err, "bogus"), err);
    BOOST_TEST(out.empty(), out);
    st = run_to_end({AGENTPULSE_BINARY}, ws.logs(), "none", &out, &err);
    BOOST_TEST(st.code == 2);
    BOOST_TEST(contains(err, "missing command"), err);
    st = run_to_end({AGENTPULSE_BINARY, "ingest", "--help"}, ws.logs(), "help", &out, &err);
    BOOST_TEST(st.code == 0);
    BOOST_TEST(contains(out, "--follow"), out);
    // A bad price card is a configuration error too.
    write_file(ws.dir / "bad-pricing.json", "{\"models\": 3}");
    st = run_to_end(ws.ingest(ws.dir / "s.db", {"--pricing", (ws.dir / "bad-pricing.json").string()}),
                    ws.logs(), "pricing", &out, &err);
    BOOST_TEST(st.code == 2);
    BOOST_TEST(contains(err, "price card"), err);
    BOOST_TEST(contains(err, "bad-pricing.json"), err);
}

BOOST_AUTO_TEST_CASE(unwritable_store_folder_is_2) {
    Workspace ws;
    small_corpus(ws);
    write_file(ws.dir / "a-file", "x");
    std::string out, err;
    ExitStatus st =
        run_to_end(ws.ingest(ws.dir / "a-file" / "sub" / "s.db"), ws.logs(), "unwritable", &out, &err);
    BOOST_TEST(st.code == 2);
    BOOST_TEST(contains(err, "cannot create the folder"), err);
    BOOST_TEST(contains(err, "--store"), err);  // says how to fix it
    // A folder where the store file should be.
    fs::create_directories(ws.dir / "dir.db");
    st = run_to_end(ws.ingest(ws.dir / "dir.db"), ws.logs(), "dir", &out, &err);
    BOOST_TEST(st.code == 2);
    BOOST_TEST(contains(err, "dir.db"), err);
    if (geteuid() != 0) {  // permission bits do not stop root
        fs::create_directories(ws.dir / "ro");
        fs::permissions(ws.dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
        st = run_to_end(ws.ingest(ws.dir / "ro" / "s.db"), ws.logs(), "ro", &out, &err);
        BOOST_TEST(st.code == 2, err);
        fs::permissions(ws.dir / "ro", fs::perms::owner_all);
    }
}

BOOST_AUTO_TEST_CASE(store_from_a_newer_agentpulse_is_2_and_left_alone) {
    Workspace ws;
    small_corpus(ws);
    const int newer = current_schema_version() + 1;
    {
        Database db(ws.dir / "s.db", Database::Mode::ReadWrite);
        migrate(db);
        db.exec("PRAGMA user_version=" + std::to_string(newer));
    }
    std::string out, err;
    const ExitStatus st = run_to_end(ws.ingest(ws.dir / "s.db"), ws.logs(), "newer", &out, &err);
    BOOST_TEST(st.code == 2);
    BOOST_TEST(contains(err, "schema version " + std::to_string(newer)), err);
    BOOST_TEST(contains(err, "newer than this agentpulse"), err);
    Database db(ws.dir / "s.db", Database::Mode::ReadOnly);
    BOOST_TEST(schema_version(db) == newer);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM transcript_files") == 0);
    // status refuses it the same way.
    const ExitStatus s2 = run_to_end({AGENTPULSE_BINARY, "status", "--store", (ws.dir / "s.db").string()},
                                     ws.logs(), "status", &out, &err);
    BOOST_TEST(s2.code == 2);
    BOOST_TEST(contains(err, "newer"), err);
}

// Ctrl-C (or SIGTERM) in the middle of a long backfill stops it soon, keeps what was committed, says
// so, and a later run completes it to the clean result.
BOOST_AUTO_TEST_CASE(sigterm_stops_a_backfill_promptly_and_nothing_is_lost) {
    Workspace ws;
    const std::vector<CorpusFile> corpus = CorpusBuilder(7).build({});
    write_corpus(corpus, ws.claude(), ws.codex());
    const auto t0 = std::chrono::steady_clock::now();
    BOOST_REQUIRE(run_to_end(ws.ingest(ws.dir / "clean.db"), ws.logs(), "clean").code == 0);
    const auto clean = std::chrono::steady_clock::now() - t0;

    for (const int sig : {SIGTERM, SIGINT}) {
        const fs::path store = ws.dir / ("stopped-" + std::to_string(sig) + ".db");
        Process p(ws.ingest(store), ws.logs(), "stopped");
        // Once it is reading transcripts (its store exists with the files registered), interrupt it.
        BOOST_REQUIRE(eventually(
            [&] {
                auto db = open_when_ready(store);
                return db && query_int(*db, "SELECT count(*) FROM transcript_files") ==
                                 static_cast<std::int64_t>(corpus.size());
            },
            30s));
        const auto t1 = std::chrono::steady_clock::now();
        p.signal(sig);
        const ExitStatus st = p.finish(30s);
        const auto stop = std::chrono::steady_clock::now() - t1;
        BOOST_TEST_MESSAGE("signal " << sig << ": stopped after " << ms(stop)
                                     << " ms; a whole clean run takes " << ms(clean) << " ms");
        BOOST_TEST(st.exited);
        BOOST_TEST(st.code == 1, "exit code " << st.code << ": " << p.err());  // not a complete backfill
        BOOST_TEST(contains(p.err(), "interrupted"), p.err());
        {
            Database db(store, Database::Mode::ReadOnly);
            BOOST_TEST(query_int(db, "SELECT coalesce(sum(offset), 0) FROM transcript_files") <
                       corpus_bytes(corpus));
        }
        BOOST_REQUIRE(run_to_end(ws.ingest(store), ws.logs(), "resumed").code == 0);
        BOOST_TEST(compare_dumps(dump_store(ws.dir / "clean.db"), dump_store(store)).empty());
    }
}

BOOST_AUTO_TEST_SUITE_END()
