// Crash safety of Gemini CLI ingest with the real binary: `agentpulse ingest` killed with SIGKILL at random
// moments while v0.39+ JSONL sessions grow (the simulated Gemini CLI's, with re-appended messages,
// checkpoints and rewinds) and legacy whole-document sessions are rewritten between runs: in place, caught
// half-written, or replaced by a new inode. The store must end with the rows a clean run over the final
// files gives. Then `ingest --follow` over such a folder. The seed is printed; AGENTPULSE_TEST_SEED=<n>
// replays a run.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>

#include "Binary.hpp"
#include "GeminiRecords.hpp"
#include "StoreDump.hpp"
#include "sim/SynthCorpus.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::uint64_t seed() {
    if (const char* s = std::getenv("AGENTPULSE_TEST_SEED")) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

// The versions a legacy session document goes through: each adds a prompt or a reply, or gives the last
// reply its tokens, then its finished tool calls (the CLI rewrote the whole file after each).
std::vector<std::string> legacy_versions(int doc, std::mt19937_64& rng) {
    using namespace agentpulse::test::gemini;
    const std::string session = "legacy-" + std::to_string(doc);
    std::vector<std::string> out;
    json::array messages;
    std::int64_t ms = doc * 3'600'000;
    const int turns = 3 + static_cast<int>(rng() % 4);
    for (int t = 0; t < turns; ++t) {
        const std::string n = std::to_string(doc) + "-" + std::to_string(t);
        messages.push_back(user("u-" + n, ms += 1000));
        out.push_back(document(session, messages));
        const std::int64_t at = ms += 1500;
        messages.push_back(reply("g-" + n, at));
        out.push_back(document(session, messages));
        const Tokens k{.input = 4000 + t * 900, .output = 120, .cached = t * 800, .thoughts = 60, .tool = 0};
        messages.back() = reply("g-" + n, at, &k);
        out.push_back(document(session, messages));
        json::array calls{call("c-" + n, "read_file", {{"file_path", "/home/ana/src/legacy/a.ts"}},
                               rng() % 5 ? "success" : "error", ms += 900)};
        messages.back() = reply("g-" + n, at, &k, calls);
        out.push_back(document(session, messages));
    }
    return out;
}

// A dump without what depends on when a rewritten document was read (its inode history, fingerprint and
// parser state): the rows themselves must be equal.
StoreDump comparable(StoreDump d) {
    for (std::string& row : d["transcript_files"]) {
        if (row.find(".json|") == std::string::npos) continue;
        std::vector<std::string> cols;
        std::stringstream ss(row);
        for (std::string c; std::getline(ss, c, '|');) cols.push_back(c);
        for (const std::size_t i : {5, 6, 11, 12, 13})  // device, inode, head_hash, parser_state, rewrites
            if (i < cols.size()) cols[i] = "-";
        row.clear();
        for (std::size_t i = 0; i < cols.size(); ++i) row += (i ? "|" : "") + cols[i];
    }
    return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gemini_crash_safety)

BOOST_AUTO_TEST_CASE(killed_runs_while_gemini_sessions_grow_and_are_rewritten_end_at_the_clean_result) {
    const std::uint64_t s = seed();
    BOOST_TEST_MESSAGE("gemini crash_safety seed " << s);
    std::mt19937_64 rng(s);
    Workspace ws;
    const fs::path gemini = ws.dir / "gemini";
    const auto ingest = [&](const fs::path& store) { return ws.ingest(store, {"--gemini-dir", gemini.string()}); };

    // The JSONL sessions as they will end, kept in memory, then written as a prefix that grows by chunks.
    SynthCorpusOptions o;
    o.roots["gemini"] = gemini;
    o.shares = {{"gemini", 1.0}};
    o.target_bytes = 400'000;
    o.files = 5;
    o.seed = s;
    write_synth_corpus(o);
    std::vector<std::pair<fs::path, std::string>> jsonl;
    for (const auto& e : fs::recursive_directory_iterator(gemini))
        if (e.is_regular_file()) jsonl.emplace_back(e.path(), slurp(e.path()));
    BOOST_REQUIRE(jsonl.size() >= 3u);
    std::vector<std::size_t> written(jsonl.size());
    for (std::size_t i = 0; i < jsonl.size(); ++i) {
        written[i] = static_cast<std::size_t>(rng() % (jsonl[i].second.size() / 2 + 1));
        write_file(jsonl[i].first, jsonl[i].second.substr(0, written[i]));
    }
    // The legacy documents, each in its own project folder with its marker.
    std::vector<std::pair<fs::path, std::vector<std::string>>> docs;
    for (int d = 0; d < 4; ++d) {
        const fs::path dir = gemini / "tmp" / ("legacy-" + std::to_string(d));
        write_file(dir / ".project_root", "/home/ana/src/legacy-" + std::to_string(d) + "\n");
        docs.emplace_back(dir / "chats" / ("session-2025-10-0" + std::to_string(d + 1) + "T10-00-abcd012" +
                                           std::to_string(d) + ".json"),
                          legacy_versions(d, rng));
    }

    const fs::path store = ws.dir / "b.db";
    const auto t0 = Clock::now();
    BOOST_REQUIRE(run_to_end(ingest(store), ws.logs(), "first").code <= 1);
    double scale = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() + 20;

    const int stages = 30;
    int killed = 0, half_written = 0, replaced = 0;
    for (int stage = 0; stage < stages; ++stage) {
        for (std::size_t i = 0; i < jsonl.size(); ++i) {
            const std::size_t until = written[i] + (jsonl[i].second.size() - written[i]) / (stages - stage);
            write_file(jsonl[i].first, jsonl[i].second.substr(written[i], until - written[i]), true);
            written[i] = until;
        }
        for (auto& [path, versions] : docs) {
            const std::string& v = versions[versions.size() * static_cast<std::size_t>(stage) / stages];
            const unsigned how = static_cast<unsigned>(rng() % 10);
            if (how == 0) {  // caught between the truncate and the last write
                write_file(path, v.substr(0, rng() % v.size()));
                ++half_written;
            } else if (how == 1) {  // through a temporary file and a rename: a new inode
                write_file(path.string() + ".tmp-77", v);
                fs::rename(path.string() + ".tmp-77", path);
                ++replaced;
            } else {
                write_file(path, v);
            }
        }
        Process p(ingest(store), ws.logs(), "stage");
        const double d = std::uniform_real_distribution<double>(0, scale)(rng);
        if (auto st = p.wait_for(std::chrono::milliseconds(static_cast<std::int64_t>(d)))) {
            // 1: a document was half-written when read (it is read again at the next run).
            BOOST_REQUIRE_MESSAGE(st->exited && st->code <= 1, "an ingest run failed: " << p.err());
            scale *= 0.85;
        } else {
            p.signal(SIGKILL);
            const ExitStatus end = p.finish(10s);
            BOOST_REQUIRE_MESSAGE(!end.exited || end.code <= 1, "an ingest run failed: " << p.err());
            killed += end.exited ? 0 : 1;
            scale *= 1.1;
        }
    }
    BOOST_TEST_MESSAGE("gemini: " << killed << " kills, " << half_written << " half-written and " << replaced
                                  << " replaced documents");
    BOOST_TEST(killed >= 5);
    // The final state of every file, then a last run.
    for (std::size_t i = 0; i < jsonl.size(); ++i) write_file(jsonl[i].first, jsonl[i].second);
    for (const auto& [path, versions] : docs) write_file(path, versions.back());
    BOOST_REQUIRE(run_to_end(ingest(store), ws.logs(), "last").code == 0);

    std::string err;
    BOOST_REQUIRE(run_to_end(ingest(ws.dir / "clean.db"), ws.logs(), "clean", nullptr, &err).code == 0);
    const StoreDump a = comparable(dump_store(ws.dir / "clean.db"));
    BOOST_REQUIRE(a.at("usage_events").size() > 20u);
    BOOST_REQUIRE(a.at("message_tool_mart").size() > 10u);
    const std::string diff = compare_dumps(a, comparable(dump_store(store)), "clean", "killed");
    BOOST_TEST(diff.empty(), "stores differ (seed " << s << "):\n" << diff);
    BOOST_TEST(aggregate_drift(store).empty(), aggregate_drift(store));
}

// `ingest --follow` over a Gemini folder: a legacy document rewritten in place (its tokens arriving), read
// half-written (nothing committed) and then completed, replaced through a rename; a JSONL session appended to, its reply
// re-appended with tokens and then with a tool call. Each is in the store within a bounded wait.
BOOST_AUTO_TEST_CASE(a_followed_gemini_folder_picks_up_rewrites_half_writes_and_appends) {
    using namespace agentpulse::test::gemini;
    Workspace ws;
    const fs::path gemini = ws.dir / "gemini";
    const fs::path chats = gemini / "tmp/shop/chats";
    fs::create_directories(chats);
    const fs::path store = ws.dir / "f.db";
    Process proc(ws.ingest(store, {"--gemini-dir", gemini.string(), "--follow"}), ws.logs(), "follow");
    std::unique_ptr<Database> db;
    BOOST_REQUIRE_MESSAGE(eventually([&] { return (db = open_when_ready(store)) != nullptr; }, 20s),
                          "no store: " << proc.err());
    BOOST_REQUIRE(eventually([&] { return query(*db, "SELECT state FROM watcher_heartbeat WHERE state = 'running'").size() == 1; }, 20s));
    const auto expect = [&](const std::string& what, const std::string& sql, std::int64_t want) {
        BOOST_TEST(eventually([&] { return query_int(*db, sql) == want; }, 10s),
                   what << ": " << sql << " is " << query_int(*db, sql) << ", not " << want << "; " << proc.err());
    };
    const Tokens k{.input = 1000, .output = 50, .cached = 400, .thoughts = 30};
    const fs::path legacy = chats / "session-2025-10-01T10-00-abcd0123.json";
    write_file(legacy, document("s-old", json::array{user("u-1", 1000), reply("g-1", 2000)}));
    expect("a legacy document", "SELECT count(*) FROM messages", 2);
    write_file(legacy, document("s-old", json::array{user("u-1", 1000), reply("g-1", 2000, &k)}));
    expect("its tokens, rewritten in place", "SELECT coalesce(sum(input_tokens),0) FROM usage_events", 600);
    const std::string v3 = document("s-old", json::array{user("u-1", 1000), reply("g-1", 2000, &k),
                                                         user("u-2", 3000), reply("g-2", 4000, &k)});
    write_file(legacy, v3.substr(0, v3.size() / 2));
    BOOST_TEST(eventually([&] { return proc.err().find("not a complete JSON document") != std::string::npos; }, 10s),
               "the half-written document was not seen: " << proc.err());
    write_file(legacy, v3);
    expect("half-written, then complete", "SELECT count(*) FROM usage_events", 2);
    const std::string v4 = document("s-old", json::array{user("u-1", 1000), reply("g-1", 2000, &k), user("u-2", 3000),
                                                         reply("g-2", 4000, &k), user("u-3", 5000)});
    write_file(legacy.string() + ".tmp-9", v4);
    fs::rename(legacy.string() + ".tmp-9", legacy);
    expect("replaced through a rename", "SELECT count(*) FROM messages", 5);

    const fs::path session = chats / "session-2026-11-25T12-00-s1aaaaaa.jsonl";
    write_file(session, line(meta("s-1")) + "\n" + line(user("n-1", 10'000)) + "\n" + line(reply("m-1", 11'000)) + "\n");
    expect("a new JSONL session", "SELECT count(*) FROM messages", 7);
    write_file(session, line(reply("m-1", 11'000, &k)) + "\n", true);
    expect("its reply's tokens", "SELECT count(*) FROM usage_events", 3);
    json::array calls{call("c-1", "read_file", {{"file_path", "/src/a.ts"}}, "success", 12'000)};
    write_file(session, line(reply("m-1", 11'000, &k, calls)) + "\n", true);
    expect("its tool call, without a latency",
           "SELECT count(*) FROM message_tool_mart WHERE result_ts IS NOT NULL AND latency_ms IS NULL", 1);
    BOOST_TEST(query_int(*db, "SELECT count(*) FROM usage_events") == 3);
    BOOST_TEST(query_int(*db, "SELECT count(*) FROM messages") == 7);
    proc.signal(SIGTERM);
    BOOST_TEST(proc.finish(10s).code == 0);
}

BOOST_AUTO_TEST_SUITE_END()
