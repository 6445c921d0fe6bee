// sim/: the simulated agents, the seeded generator behind the demo, the benchmarks and some tests. A seed names
// the same bytes; what it says it generated (SynthTotals) is what ingest stores; lines come in time order.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "StoreQueries.hpp"
#include "TempDir.hpp"
#include "WriterFixture.hpp"
#include "ingest/Backfill.hpp"
#include "model/IngestStats.hpp"
#include "sim/SynthCorpus.hpp"
#include "sim/SynthFleet.hpp"
#include "sim/SynthSession.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every file under `root` with its content, keyed by relative path.
std::map<std::string, std::string> snapshot(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = slurp(e.path());
    return out;
}

SynthCorpusOptions corpus_in(const fs::path& dir, std::uint64_t seed) {
    SynthCorpusOptions o;
    for (const SynthWriter& w : synth_writers()) o.roots[std::string(w.agent)] = dir / w.agent;
    o.target_bytes = 2'000'000;
    o.files = 14;
    o.seed = seed;
    return o;
}

// A corpus of the one simulated writer `name` (1.5 MB in 8 sessions), with calls, errors and usage.
SynthTotals one_writer_corpus(const fs::path& dir, const std::string& name, std::uint64_t seed) {
    SynthCorpusOptions o = corpus_in(dir, seed);
    o.shares = {{name, 1.0}};
    o.target_bytes = 1'500'000;
    o.files = 8;
    const SynthTotals t = write_synth_corpus(o);
    BOOST_TEST(t.usage_events > 50);
    BOOST_TEST(t.tool_calls > 20);
    BOOST_TEST(t.tool_errors > 0);
    return t;
}

// Backfills `agent`'s folder of a corpus in `dir` into the fixture's store; no file may fail.
BackfillResult backfill_agent(WriterFixture& fx, const fs::path& dir, std::string_view agent, IngestStats& stats) {
    const AgentRoots roots{{find_agent(agent), dir / std::string(agent)}};
    const BackfillResult r = run_backfill(fx.writer(), roots, stats, TailerOptions{}, nullptr);
    BOOST_TEST(r.failed_files == 0);
    return r;
}

// What a corpus's totals say against what the store holds: rows, usage and its tokens, tool calls,
// results and errors.
void check_totals(Database& db, const SynthTotals& t) {
    BOOST_TEST(query_int(db, "SELECT count(*) FROM messages") == t.messages);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events") == t.usage_events);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE cost_source = 'unpriced'") ==
               t.unpriced_events);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(input_tokens),0) FROM usage_events") == t.tokens.input);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(output_tokens),0) FROM usage_events") == t.tokens.output);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(cache_read_tokens),0) FROM usage_events") == t.tokens.cache_read);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(cache_create_tokens),0) FROM usage_events") ==
               t.tokens.cache_create);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(reasoning_tokens),0) FROM usage_events") == t.tokens.reasoning);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart") == t.tool_calls);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE result_ts IS NOT NULL") ==
               t.tool_results);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE is_error = 1") == t.tool_errors);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transcript_synth)

BOOST_AUTO_TEST_CASE(a_seed_names_the_same_bytes) {
    TempDir a, b, c;
    const SynthTotals ta = write_synth_corpus(corpus_in(a.path(), 42));
    const SynthTotals tb = write_synth_corpus(corpus_in(b.path(), 42));
    write_synth_corpus(corpus_in(c.path(), 43));
    const auto sa = snapshot(a.path()), sb = snapshot(b.path()), sc = snapshot(c.path());
    BOOST_TEST(sa.size() >= 10u);
    BOOST_TEST((sa == sb));
    BOOST_TEST((sa != sc));
    BOOST_TEST(ta.bytes == tb.bytes);
    std::int64_t bytes = 0;
    for (const auto& [path, text] : sa) bytes += static_cast<std::int64_t>(text.size());
    BOOST_TEST(ta.bytes == bytes);
    BOOST_TEST(ta.files == static_cast<std::int64_t>(sa.size()));
}

BOOST_AUTO_TEST_CASE(what_it_says_it_wrote_is_what_ingest_stores) {
    TempDir dir;
    const SynthTotals t = write_synth_corpus(corpus_in(dir.path(), 2));
    BOOST_TEST(t.usage_events > 50);
    BOOST_TEST(t.tool_calls > 50);
    BOOST_TEST(t.tool_errors > 0);
    BOOST_TEST(t.subagent_files > 0);
    BOOST_TEST(t.unpriced_events >= 0);

    WriterFixture fx;
    IngestStats stats;
    AgentRoots roots;  // every simulated agent's folder, read by that agent's source (once: two writers
    std::set<std::string_view> agents;  // may write one agent's files)
    for (const SynthWriter& w : synth_writers())
        if (agents.insert(w.agent).second) roots.push_back({find_agent(w.agent), dir / w.agent});
    const BackfillResult r = run_backfill(fx.writer(), roots, stats, TailerOptions{}, nullptr);
    BOOST_TEST(r.failed_files == 0);
    BOOST_TEST(r.files == t.files);
    BOOST_TEST(r.bytes == t.bytes);

    Database& db = fx.db();
    check_totals(db, t);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms < 0") == 0);
    // Sub-agent transcripts belong to their parent's session: no session row of their own.
    BOOST_TEST(query_int(db, "SELECT count(*) FROM transcript_files WHERE kind = 'subagent'") == t.subagent_files);
    BOOST_TEST(query_int(db, "SELECT count(DISTINCT session_id) FROM usage_events") <=
               t.files - t.subagent_files);
}

// The simulated Copilot CLI alone (its default share is 0): its rollups, crashed legs and compactions
// give exactly the usage it says ingest will store.
BOOST_AUTO_TEST_CASE(copilot_sessions_store_what_the_writer_says) {
    TempDir dir;
    SynthCorpusOptions o = corpus_in(dir.path(), 5);
    o.shares = {{"copilot", 1.0}};
    const SynthTotals t = write_synth_corpus(o);
    BOOST_TEST(t.usage_events > 50);
    BOOST_TEST(t.tool_errors > 0);
    BOOST_TEST(t.tokens.cache_read > 0);
    BOOST_TEST(t.tokens.input > 0);

    WriterFixture fx;
    IngestStats stats;
    const BackfillResult r = backfill_agent(fx, dir.path(), "copilot", stats);
    BOOST_TEST(r.files == t.files);
    Database& db = fx.db();
    check_totals(db, t);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms < 0") == 0);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM messages WHERE is_sidechain = 1") > 0);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE dedup_key LIKE '%:shutdown:%'") > 10);
}

// The simulated Gemini CLI (share 0 by default, so asked for by name): its messages restated with their
// tokens and tool calls, checkpoints and rewinds, stored as it says.
BOOST_AUTO_TEST_CASE(what_the_gemini_writer_says_it_wrote_is_what_ingest_stores) {
    TempDir dir;
    const SynthTotals t = one_writer_corpus(dir.path(), "gemini", 5);
    WriterFixture fx;
    IngestStats stats;
    const BackfillResult r = backfill_agent(fx, dir.path(), "gemini", stats);
    BOOST_TEST(r.files == t.files);
    Database& db = fx.db();
    check_totals(db, t);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms IS NOT NULL") == 0);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE provider <> 'gemini'") == 0);
    // Sub-agent files belong to their parent's session.
    BOOST_TEST(t.subagent_files > 0);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM transcript_files WHERE kind = 'subagent'") == t.subagent_files);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions") == t.files - t.subagent_files);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM messages WHERE is_sidechain = 1") > 0);
}

// The simulated OpenCode (share 0 by default): rows of one database in WAL mode, inserted and updated in
// place, read by the opencode source's database reader; what it says it wrote is what ingest stores.
BOOST_AUTO_TEST_CASE(what_the_opencode_writer_says_it_wrote_is_what_ingest_stores) {
    TempDir dir;
    const SynthTotals t = one_writer_corpus(dir.path(), "opencode", 7);
    BOOST_TEST(t.tokens.cache_create > 0);
    // One database (its WAL checkpointed when the writer closed it), nothing else.
    const auto files = snapshot(dir / "opencode");
    BOOST_TEST(files.size() == 1u);
    BOOST_TEST(files.count("opencode.db") == 1u);
    WriterFixture fx;
    IngestStats stats;
    const BackfillResult r = backfill_agent(fx, dir.path(), "opencode", stats);
    BOOST_TEST(r.files == 1);
    Database& db = fx.db();
    check_totals(db, t);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms IS NULL OR latency_ms < 0") == 0);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE provider <> 'opencode'") == 0);
    // Sub-agents (child sessions) belong to their root session: as many sessions as the corpus planned.
    BOOST_TEST(query_int(db, "SELECT count(*) FROM messages WHERE is_sidechain = 1") > 0);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions") == t.files);
}

// Every row the simulated OpenCode writes is a JSON object (a text part cut as it streams is cut between
// characters, never inside one: a 20 MB corpus once failed on that).
BOOST_AUTO_TEST_CASE(the_opencode_writer_writes_rows_of_valid_json) {
    int rows = 0;
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
        SynthSessionOptions so;
        so.agent = "opencode";
        so.seed = seed;
        so.target_bytes = 20'000;
        SynthSession session(so);
        while (!session.done()) {
            const SynthLine l = session.next();
            BOOST_TEST_REQUIRE((l.kind == SynthLine::Kind::Row));
            BOOST_TEST_REQUIRE(l.path == "opencode.db");
            boost::system::error_code ec;
            const boost::json::value v = boost::json::parse(l.text, ec);
            BOOST_TEST_REQUIRE(!ec, "seed " << seed << ": " << ec.message());
            BOOST_TEST_REQUIRE(v.is_object());
            ++rows;
        }
    }
    BOOST_TEST(rows > 1000);
}

BOOST_AUTO_TEST_CASE(sessions_and_fleets_step_forward_in_time) {
    SynthSessionOptions so;
    so.seed = 3;
    so.subagents = 2;
    so.target_bytes = 150'000;
    SynthSession s(so);
    EpochMs last = 0;
    int lines = 0;
    std::set<std::string> paths;
    while (!s.done()) {
        const EpochMs due = s.next_at();
        const SynthLine l = s.next();
        BOOST_TEST_REQUIRE(l.at == due);
        BOOST_TEST_REQUIRE(l.at >= last);
        BOOST_TEST_REQUIRE(l.text.find('\n') == std::string::npos);
        last = l.at;
        paths.insert(l.path);
        ++lines;
    }
    BOOST_TEST(lines == s.totals().lines);
    BOOST_TEST(paths.size() == 3u);  // the session and its two sub-agents
    BOOST_TEST(s.totals().subagent_files == 2);

    SynthFleetOptions fo;
    fo.seed = 5;
    fo.concurrent = 4;
    fo.max_sessions = 6;
    fo.median_session_bytes = 40'000;
    SynthFleet fleet(fo);
    last = 0;
    int n = 0;
    while (!fleet.done() && n < 200'000) {
        const SynthLine l = fleet.next();
        BOOST_TEST_REQUIRE(l.at >= last);
        last = l.at;
        ++n;
    }
    BOOST_TEST(fleet.done());
    BOOST_TEST(fleet.totals().lines == n);
}

// The bytes a seed names must not change when the simulation is reorganised (the benchmarks' corpora
// are cached by seed, and a figure measured on one corpus is compared with the next). The constant is
// the FNV-1a hash below of the first 5,000 lines of this fleet as written by the generator before it
// was split by agent (commit 9863b47, server/sim/TranscriptSynth.cpp, codex_share 0.25, the default),
// computed by a ten-line program linking that file; change it only with a generator change meant to
// change the bytes, and say so in the commit.
BOOST_AUTO_TEST_CASE(a_fleet_seed_names_the_same_lines_as_before) {
    SynthFleetOptions fo;
    fo.seed = 11;
    fo.concurrent = 4;
    fo.median_session_bytes = 250'000;
    fo.time_scale = 0.3;
    SynthFleet fleet(fo);
    std::uint64_t h = 1469598103934665603ull;
    const auto mix = [&](std::string_view s) {
        for (const unsigned char c : s) h = (h ^ c) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    };
    std::map<std::string, int> by_agent;
    int subagent_lines = 0;
    for (int i = 0; i < 5'000; ++i) {
        BOOST_TEST_REQUIRE(!fleet.done());
        const SynthLine l = fleet.next();
        mix(l.agent);
        mix(l.path);
        mix(std::to_string(l.at));
        mix(l.text);
        ++by_agent[std::string(l.agent)];
        if (l.path.find("/subagents/") != std::string::npos) ++subagent_lines;
    }
    BOOST_TEST(by_agent["claude"] > 0);  // both writers and sub-agents are covered by the hash
    BOOST_TEST(by_agent["codex"] > 0);
    BOOST_TEST(subagent_lines > 0);
    BOOST_TEST(h == 0x0e71dcceae04f18full);
}

BOOST_AUTO_TEST_CASE(shares_pick_the_writers_by_name) {
    for (const SynthWriter& w : synth_writers()) BOOST_TEST((find_agent(w.agent) != nullptr), w.agent);

    SynthFleetOptions fo;
    fo.seed = 4;
    fo.max_sessions = 12;
    fo.median_session_bytes = 20'000;
    fo.shares = {{"codex", 1.0}};
    SynthFleet only_codex(fo);
    while (!only_codex.done()) BOOST_TEST_REQUIRE(only_codex.next().agent == "codex");
    BOOST_TEST(only_codex.totals().subagent_files == 0);

    fo.shares = {{"gemini-of-the-future", 1.0}};
    BOOST_CHECK_THROW(SynthFleet{fo}, std::invalid_argument);
    fo.shares = {{"claude", 0.0}, {"codex", 0.0}};
    BOOST_CHECK_THROW(SynthFleet{fo}, std::invalid_argument);
    SynthSessionOptions so;
    so.agent = "nobody";
    BOOST_CHECK_THROW(SynthSession{so}, std::invalid_argument);
}

// The simulated legacy Gemini CLI (writer "gemini-legacy", share 0): one JSON document per session,
// rewritten whole each turn, read by the whole-document reader; the corpus holds each document as last
// written, and the store holds what the writer says.
BOOST_AUTO_TEST_CASE(what_the_legacy_gemini_writer_says_it_wrote_is_what_ingest_stores) {
    TempDir dir;
    SynthCorpusOptions o = corpus_in(dir.path(), 6);
    o.shares = {{"gemini-legacy", 1.0}};
    o.target_bytes = 1'500'000;
    o.files = 8;
    const SynthTotals t = write_synth_corpus(o);
    BOOST_TEST(t.files == 8);
    BOOST_TEST(t.lines == t.files);  // a document is one "line"
    BOOST_TEST(t.subagent_files == 0);
    BOOST_TEST(t.usage_events > 50);
    BOOST_TEST(t.tool_calls > 20);
    BOOST_TEST(t.tool_errors > 0);
    const auto files = snapshot(dir.path() / "gemini");
    BOOST_TEST(files.size() == 8u);
    std::int64_t bytes = 0;
    for (const auto& [path, text] : files) {
        BOOST_TEST(path.ends_with(".json"), path);
        BOOST_TEST(text.starts_with("{\n  \"sessionId\": \""), path);
        BOOST_TEST(text.ends_with("\n  ]\n}"), path);
        bytes += static_cast<std::int64_t>(text.size());
    }
    BOOST_TEST(t.bytes == bytes);  // the documents' final sizes

    WriterFixture fx;
    IngestStats stats;
    const BackfillResult r = backfill_agent(fx, dir.path(), "gemini", stats);
    BOOST_TEST(r.files == t.files);
    BOOST_TEST(r.bytes == t.bytes);
    BOOST_TEST(stats.lines_rejected == 0);
    Database& db = fx.db();
    check_totals(db, t);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions") == t.files);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE provider <> 'gemini'") == 0);
}

// The legacy writer's session, line by line: every line rewrites the one document whole, each a complete
// JSON document holding the last one's messages and more; the totals count its final size.
BOOST_AUTO_TEST_CASE(the_legacy_gemini_writer_rewrites_one_document) {
    SynthSessionOptions so;
    so.agent = "gemini-legacy";
    so.seed = 9;
    so.target_bytes = 120'000;
    SynthSession s(so);
    std::string last;
    int rewrites = 0;
    while (!s.done()) {
        const SynthLine l = s.next();
        BOOST_TEST_REQUIRE((l.kind == SynthLine::Kind::Replace));
        BOOST_TEST_REQUIRE(l.agent == "gemini");
        BOOST_TEST_REQUIRE(l.path == s.main_path());
        BOOST_TEST_REQUIRE(l.text.size() > last.size());
        const std::size_t end_of_messages = last.rfind("\n  ]\n}");
        if (!last.empty())
            BOOST_TEST_REQUIRE(l.text.find(last.substr(last.find("\"messages\""), end_of_messages - last.find("\"messages\""))) !=
                               std::string::npos);
        last = l.text;
        ++rewrites;
    }
    BOOST_TEST(rewrites > 2);
    BOOST_TEST(s.totals().lines == 1);
    BOOST_TEST(s.totals().files == 1);
    BOOST_TEST(s.totals().bytes == static_cast<std::int64_t>(last.size()));
    BOOST_TEST(s.main_path().ends_with(".json"));
}

// The simulated Qwen Code (share 0 by default, so asked for by name): one usage record per model call,
// the ui_telemetry copies that must not count twice, tool latencies taken from the tool_call telemetry
// records' duration_ms, and sub-agent rounds in the session's own file.
BOOST_AUTO_TEST_CASE(what_the_qwen_writer_says_it_wrote_is_what_ingest_stores) {
    TempDir dir;
    const SynthTotals t = one_writer_corpus(dir.path(), "qwen", 7);
    BOOST_TEST(t.unpriced_events > 0);  // coder-model (the free OAuth tier) and unknown ids
    BOOST_TEST(t.unpriced_events < t.usage_events);  // the card prices qwen3-coder-plus, -flash, qwen3-max
    BOOST_TEST(t.tool_latency_ms > 0);
    WriterFixture fx;
    IngestStats stats;
    const BackfillResult r = backfill_agent(fx, dir.path(), "qwen", stats);
    BOOST_TEST(r.files == t.files);
    BOOST_TEST(r.bytes == t.bytes);
    Database& db = fx.db();
    check_totals(db, t);
    // Every call's telemetry pairs with it: its latency is the duration Qwen Code measured.
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms IS NOT NULL") == t.tool_results);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(latency_ms),0) FROM message_tool_mart") == t.tool_latency_ms);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE provider <> 'qwen'") == 0);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions") == t.files);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM messages WHERE is_sidechain = 1") > 0);
}

BOOST_AUTO_TEST_SUITE_END()
