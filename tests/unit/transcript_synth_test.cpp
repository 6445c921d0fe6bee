// sim/TranscriptSynth: the seeded generator behind the demo, the benchmarks and some tests. A seed names
// the same bytes; what it says it generated (SynthTotals) is what ingest stores; lines come in time order.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "StoreQueries.hpp"
#include "TempDir.hpp"
#include "WriterFixture.hpp"
#include "ingest/Backfill.hpp"
#include "model/IngestStats.hpp"
#include "sim/TranscriptSynth.hpp"

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
    o.claude_root = dir / "claude";
    o.codex_root = dir / "codex";
    o.target_bytes = 2'000'000;
    o.files = 14;
    o.seed = seed;
    o.codex_share = 0.3;
    return o;
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
    const BackfillResult r =
        run_backfill(fx.writer(), AgentRoots{{find_agent("claude"), dir / "claude"}, {find_agent("codex"), dir / "codex"}}, stats, TailerOptions{}, nullptr);
    BOOST_TEST(r.failed_files == 0);
    BOOST_TEST(r.files == t.files);
    BOOST_TEST(r.bytes == t.bytes);

    Database& db = fx.db();
    BOOST_TEST(query_int(db, "SELECT count(*) FROM messages") == t.messages);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events") == t.usage_events);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE cost_source = 'unpriced'") ==
               t.unpriced_events);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(input_tokens),0) FROM usage_events") == t.tokens.input);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(output_tokens),0) FROM usage_events") == t.tokens.output);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(cache_read_tokens),0) FROM usage_events") == t.tokens.cache_read);
    BOOST_TEST(query_int(db, "SELECT coalesce(sum(cache_create_tokens),0) FROM usage_events") ==
               t.tokens.cache_create);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart") == t.tool_calls);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE result_ts IS NOT NULL") ==
               t.tool_results);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE is_error = 1") == t.tool_errors);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms < 0") == 0);
    // Sub-agent transcripts belong to their parent's session: no session row of their own.
    BOOST_TEST(query_int(db, "SELECT count(*) FROM transcript_files WHERE kind = 'subagent'") == t.subagent_files);
    BOOST_TEST(query_int(db, "SELECT count(DISTINCT session_id) FROM usage_events") <=
               t.files - t.subagent_files);
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

BOOST_AUTO_TEST_SUITE_END()
