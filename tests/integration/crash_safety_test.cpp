// Crash safety of the real binary: `agentpulse ingest` killed with SIGKILL at random moments, restarted each
// time, must end with exactly the store a clean run produces: the same rows by natural key in every table
// (StoreDump.hpp), no duplicates, no losses. Three ways in: kills during one backfill; kills of one-shot runs
// while the transcripts grow between runs (restarts from partial files, split responses and tool results
// landing in later runs); kills of `ingest --follow` while lines are appended.
// The seed is printed; AGENTPULSE_TEST_SEED=<n> replays a run.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>
#include <thread>

#include "Binary.hpp"
#include "Corpus.hpp"
#include "StoreDump.hpp"

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

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Every table must hold rows, or the comparison proves nothing.
void require_substantial(const StoreDump& d) {
    for (const char* t : {"projects", "sessions", "messages", "usage_events", "message_tool_mart",
                          "transcript_files", "ingest_errors"})
        BOOST_REQUIRE_MESSAGE(d.at(t).size() > 5, t << " has only " << d.at(t).size() << " rows");
}

std::size_t total_rows(const StoreDump& d) {
    std::size_t n = 0;
    for (const auto& [t, rows] : d) n += rows.size();
    return n;
}

fs::path path_of(const Workspace& ws, const CorpusFile& f) {
    return (f.codex ? ws.codex() : ws.claude()) / f.rel;
}

// Bytes committed so far (sum of the stored offsets); -1 when the store has no schema yet.
std::int64_t committed_bytes(const fs::path& store) {
    auto db = open_when_ready(store);
    return db ? query_int(*db, "SELECT coalesce(sum(offset), 0) FROM transcript_files") : -1;
}

// True when every transcript's committed offset equals its size on disk.
bool caught_up(Database& db, const std::vector<CorpusFile>& files, const Workspace& ws) {
    std::int64_t want = 0;
    for (const CorpusFile& f : files) {
        std::error_code ec;
        const auto size = fs::file_size(path_of(ws, f), ec);
        if (ec) return false;
        want += static_cast<std::int64_t>(size);
    }
    const auto got = query_int(db, "SELECT coalesce(sum(offset), 0) FROM transcript_files");
    const auto n = query_int(db, "SELECT count(*) FROM transcript_files");
    return got == want && n == static_cast<std::int64_t>(files.size());
}

// How a corpus grows: what is on disk at the start (a prefix of most files; some files do not exist yet,
// so new sub-agent folders and rollouts appear later), then the rest as appends in chunks that often end
// mid-line, files interleaved, each file's chunks in order. Replayed responses (min_prefix) are there
// from the start, so that which copy is read first does not depend on timing.
struct Growth {
    struct Chunk {
        std::size_t file;
        std::string bytes;
    };
    std::vector<Chunk> chunks;  // in the order they are written

    Growth(const std::vector<CorpusFile>& corpus, const Workspace& ws, std::mt19937_64& rng) {
        std::uniform_int_distribution<int> pct(0, 99);
        std::vector<std::vector<Chunk>> per_file(corpus.size());
        for (std::size_t i = 0; i < corpus.size(); ++i) {
            const CorpusFile& f = corpus[i];
            std::size_t keep = f.lines.size();
            if (f.min_prefix == 0 && pct(rng) < 20)
                keep = 0;
            else if (pct(rng) < 70)
                keep = std::max(f.min_prefix, f.lines.size() * static_cast<std::size_t>(pct(rng)) / 100);
            if (keep > 0) write_file(path_of(ws, f), f.text(0, keep));
            const std::string rest = f.text(keep);
            for (std::size_t at = 0; at < rest.size();) {
                const std::size_t n =
                    std::min(rest.size() - at, static_cast<std::size_t>(200 + pct(rng) * 60));
                per_file[i].push_back({i, rest.substr(at, n)});
                at += n;
            }
        }
        std::vector<std::size_t> live, next(corpus.size(), 0);
        for (std::size_t i = 0; i < corpus.size(); ++i)
            if (!per_file[i].empty()) live.push_back(i);
        while (!live.empty()) {
            const std::size_t pick = std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng);
            const std::size_t f = live[pick];
            chunks.push_back(std::move(per_file[f][next[f]++]));
            if (next[f] == per_file[f].size()) live.erase(live.begin() + static_cast<long>(pick));
        }
    }

    void write(std::size_t k, const std::vector<CorpusFile>& corpus, const Workspace& ws) const {
        write_file(path_of(ws, corpus[chunks[k].file]), chunks[k].bytes, true);
    }
};

CorpusSpec small_spec() {
    CorpusSpec spec;
    spec.projects = 12;
    spec.sessions_per_project = 5;
    spec.codex_rollouts = 25;
    return spec;
}

// The clean run over the final files, compared with `store`.
void compare_with_clean_run(const Workspace& ws, const fs::path& store, const std::string& what,
                            std::uint64_t s) {
    std::string err;
    const ExitStatus clean =
        run_to_end(ws.ingest(ws.dir / "clean.db"), ws.logs(), "clean-final", nullptr, &err);
    BOOST_REQUIRE_MESSAGE(clean.exited && clean.code == 0, err);
    const StoreDump a = dump_store(ws.dir / "clean.db");
    require_substantial(a);
    {
        Database b(store, Database::Mode::ReadOnly);
        BOOST_TEST(query_text(b, "PRAGMA integrity_check") == "ok");
    }
    const std::string diff = compare_dumps(a, dump_store(store), "clean", what);
    BOOST_TEST(diff.empty(), "stores differ (" << what << ", seed " << s << "):\n" << diff);
    const std::string drift = aggregate_drift(store);
    BOOST_TEST(drift.empty(), "aggregates differ from the rows (" << what << "):\n" << drift);
    BOOST_TEST_MESSAGE(what << ": compared " << total_rows(a) << " rows");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crash_safety)

// Kills anywhere in one backfill (start-up, schema, discovery, parsing, commits, the final checkpoint).
BOOST_AUTO_TEST_CASE(killed_backfill_restarts_to_the_clean_result) {
    const std::uint64_t s = seed();
    BOOST_TEST_MESSAGE("crash_safety backfill seed " << s << " (AGENTPULSE_TEST_SEED=" << s
                                                     << " replays it)");
    std::mt19937_64 rng(s);
    Workspace ws;
    const std::vector<CorpusFile> corpus = CorpusBuilder(s).build({});
    write_corpus(corpus, ws.claude(), ws.codex());
    BOOST_TEST_MESSAGE("corpus: " << corpus.size() << " files, " << corpus_bytes(corpus) / 1e6 << " MB");
    BOOST_REQUIRE(corpus.size() >= 250u);

    // The clean run, and a second run over it that must change nothing.
    const auto t0 = Clock::now();
    std::string out, err;
    const ExitStatus clean = run_to_end(ws.ingest(ws.dir / "a.db"), ws.logs(), "clean", &out, &err);
    const double clean_ms = ms_since(t0);
    BOOST_REQUIRE_MESSAGE(clean.exited && clean.code == 0, "clean ingest failed: " << err);
    BOOST_TEST_MESSAGE("clean ingest: " << clean_ms << " ms; " << out);
    const StoreDump a = dump_store(ws.dir / "a.db");
    require_substantial(a);
    BOOST_REQUIRE(run_to_end(ws.ingest(ws.dir / "a.db"), ws.logs(), "noop").code == 0);
    BOOST_TEST(compare_dumps(a, dump_store(ws.dir / "a.db")).empty());

    // When a fresh run commits (a backfill commits in groups: with this corpus, once, near the end).
    double commit_ms = 0;
    {
        const auto t1 = Clock::now();
        Process p(ws.ingest(ws.dir / "probe.db"), ws.logs(), "probe");
        BOOST_REQUIRE(eventually([&] { return committed_bytes(ws.dir / "probe.db") > 0; }, 30s));
        commit_ms = ms_since(t1);
        p.signal(SIGKILL);
        p.finish(10s);
    }

    // Killed at random moments, each run restarting on the same store: kills before the first commit
    // (start-up, schema, discovery, parsing, inside the open transaction), and every fifth one around and
    // after it (the commit itself, the checkpoint, the summary). A run that gets to its end before its
    // kill closes a chain: its store must already equal the clean one, and the next chain starts afresh.
    int killed = 0, trials = 0, chains = 0;
    std::ostringstream kill_points;
    // The time scale adapts: a run that gets to its end before its kill shows that runs are quicker now
    // (another process was loading the machine while the probe ran, say).
    double scale = commit_ms;
    auto check_chain = [&](const std::string& how) {
        ++chains;
        std::string e;
        const ExitStatus last = run_to_end(ws.ingest(ws.dir / "b.db"), ws.logs(), "last", nullptr, &e);
        BOOST_REQUIRE_MESSAGE(last.exited && last.code == 0, "final ingest failed: " << e);
        {
            Database b(ws.dir / "b.db", Database::Mode::ReadOnly);
            BOOST_TEST(query_text(b, "PRAGMA integrity_check") == "ok");
        }
        const std::string diff = compare_dumps(a, dump_store(ws.dir / "b.db"), "clean", how);
        BOOST_TEST(diff.empty(), "stores differ after " << killed << " kills (seed " << s << "):\n" << diff);
        for (const char* ext : {"", "-wal", "-shm"}) fs::remove(ws.dir / ("b.db" + std::string(ext)));
    };
    // At least 24 kills here and 26 under --follow below: 50 or more kills across backfill and follow
    // (docs/ingest.md, "Guarantees"), besides the one-shot runs over growing transcripts.
    while (killed < 28 && trials < 90) {
        ++trials;
        using Uniform = std::uniform_real_distribution<double>;
        const double d =
            killed % 5 == 4 ? Uniform(scale * 0.8, scale * 1.3)(rng) : Uniform(0, scale * 0.8)(rng);
        const auto started = Clock::now();
        Process p(ws.ingest(ws.dir / "b.db"), ws.logs(), "trial");
        if (auto st = p.wait_for(std::chrono::milliseconds(static_cast<std::int64_t>(d)))) {
            BOOST_REQUIRE_MESSAGE(st->exited && st->code == 0, "an ingest run failed: " << p.err());
            scale = std::min(scale, ms_since(started) * 0.9);
            kill_points << static_cast<int>(d) << "ms:done ";
            check_chain("killed, then completed");
            continue;
        }
        p.signal(SIGKILL);
        const ExitStatus st = p.finish(10s);
        BOOST_REQUIRE_MESSAGE(!st.exited || st.code == 0, "an ingest run failed: " << p.err());
        if (!st.exited) ++killed;
        kill_points << static_cast<int>(d)
                    << "ms:" << committed_bytes(ws.dir / "b.db") * 100 / corpus_bytes(corpus) << "% ";
    }
    BOOST_TEST_MESSAGE("backfill: " << killed << " kills in " << trials << " runs, " << chains + 1
                                    << " chains (first commit after " << commit_ms
                                    << " ms; at time:committed) " << kill_points.str());
    BOOST_TEST(killed >= 24);
    check_chain("killed");
    BOOST_TEST_MESSAGE("compared " << total_rows(a) << " rows");
}

// One-shot runs while the transcripts grow: each run is killed at a random moment or completes, so that
// restarts begin from every kind of partial state (half-read files, partial last lines, responses whose
// later lines and tool results land in a later run, sub-agent files that appear later).
BOOST_AUTO_TEST_CASE(killed_runs_while_transcripts_grow_end_at_the_clean_result) {
    const std::uint64_t s = seed() + 2;
    BOOST_TEST_MESSAGE("crash_safety growing seed " << s);
    std::mt19937_64 rng(s);
    Workspace ws;
    const std::vector<CorpusFile> corpus = CorpusBuilder(s).build(small_spec());
    const Growth growth(corpus, ws, rng);
    const fs::path store = ws.dir / "b.db";

    // A first complete run sets the time scale for the kills; the scale then adapts so that about 60% of
    // the runs are killed and the rest complete (run times vary a lot on a loaded machine).
    const auto t0 = Clock::now();
    BOOST_REQUIRE(run_to_end(ws.ingest(store), ws.logs(), "first").code == 0);
    const double first_ms = ms_since(t0);
    double scale = first_ms;

    const int stages = 36;
    int killed = 0, completed = 0, restarts_from_partial = 0;
    std::size_t k = 0;
    std::int64_t before = committed_bytes(store);
    for (int stage = 0; stage < stages; ++stage) {
        const std::size_t until = growth.chunks.size() * static_cast<std::size_t>(stage + 1) / stages;
        for (; k < until; ++k) growth.write(k, corpus, ws);
        Process p(ws.ingest(store), ws.logs(), "stage");
        const double d = std::uniform_real_distribution<double>(0, scale)(rng);
        if (auto st = p.wait_for(std::chrono::milliseconds(static_cast<std::int64_t>(d)))) {
            BOOST_REQUIRE_MESSAGE(st->exited && st->code == 0, "an ingest run failed: " << p.err());
            ++completed;
            scale *= 0.85;
        } else {
            p.signal(SIGKILL);
            const ExitStatus end = p.finish(10s);
            BOOST_REQUIRE_MESSAGE(!end.exited || end.code == 0, "an ingest run failed: " << p.err());
            ++(end.exited ? completed : killed);
            scale *= 1.1;
        }
        const std::int64_t now = committed_bytes(store);
        if (now > before)
            ++restarts_from_partial;  // the next run starts from a state no earlier run ended in
        before = now;
    }
    BOOST_TEST_MESSAGE("growing: " << killed << " kills, " << completed << " completed runs, "
                                   << restarts_from_partial << " new partial states; first run " << first_ms
                                   << " ms");
    BOOST_TEST(killed >= 8);
    BOOST_TEST(restarts_from_partial >= 8);
    BOOST_REQUIRE(run_to_end(ws.ingest(store), ws.logs(), "last").code == 0);
    compare_with_clean_run(ws, store, "grown with kills", s);
}

// `ingest --follow` killed while lines are appended (inotify-driven commits, one per batch).
BOOST_AUTO_TEST_CASE(killed_follow_while_transcripts_grow_restarts_to_the_clean_result) {
    const std::uint64_t s = seed() + 1;
    BOOST_TEST_MESSAGE("crash_safety follow seed " << s);
    std::mt19937_64 rng(s);
    Workspace ws;
    const std::vector<CorpusFile> corpus = CorpusBuilder(s).build(small_spec());
    const Growth growth(corpus, ws, rng);
    BOOST_TEST_MESSAGE("follow corpus: " << corpus.size() << " files, " << corpus_bytes(corpus) / 1e6
                                         << " MB, " << growth.chunks.size() << " appends");

    const fs::path store = ws.dir / "b.db";
    auto start = [&] {
        return std::make_unique<Process>(ws.ingest(store, {"--follow"}), ws.logs(), "follow");
    };
    auto follower = start();
    int kills = 0;
    const std::size_t n = growth.chunks.size();
    const std::size_t kill_every = std::max<std::size_t>(1, n / 28);
    std::int64_t at_last_kill = -1;
    int kills_after_progress = 0;
    // About 6 s of appending in all, so that the follower tails (and is killed) mid-stream.
    std::uniform_int_distribution<std::int64_t> pause_us(0, 2 * 6'000'000 / static_cast<std::int64_t>(n));
    for (std::size_t k = 0; k < n; ++k) {
        growth.write(k, corpus, ws);
        std::this_thread::sleep_for(std::chrono::microseconds(pause_us(rng)));
        if (k % kill_every == kill_every / 2) {
            // Let this follower commit something first (bounded: a slow machine or a sanitizer build is
            // slower to start), then kill it a random moment later.
            eventually([&] { return committed_bytes(store) > at_last_kill; }, 5s);
            std::this_thread::sleep_for(std::chrono::microseconds(pause_us(rng) * 4));
            BOOST_REQUIRE_MESSAGE(follower->running(), "the follower exited: " << follower->err());
            follower->signal(SIGKILL);
            follower->finish(10s);
            ++kills;
            const std::int64_t at = committed_bytes(store);
            if (at > at_last_kill) ++kills_after_progress;
            at_last_kill = at;
            follower = start();
        }
    }
    BOOST_TEST(kills >= 26);
    BOOST_TEST(kills_after_progress >= 10);
    BOOST_TEST_MESSAGE("follow: " << kills << " kills, " << kills_after_progress << " after new commits");

    // Let it catch up (bounded), then stop it cleanly.
    std::unique_ptr<Database> ro;
    const bool done = eventually(
        [&] {
            if (!ro) ro = open_when_ready(store);
            return ro && caught_up(*ro, corpus, ws);
        },
        60s);
    ro.reset();
    BOOST_REQUIRE_MESSAGE(done, "the follower did not catch up within 60 s: " << follower->err());
    follower->signal(SIGTERM);
    const ExitStatus st = follower->finish(20s);
    BOOST_TEST((st.exited && st.code == 0), "follower exit: code " << st.code << " signal " << st.signal);
    compare_with_clean_run(ws, store, "followed with kills", s);
}

BOOST_AUTO_TEST_SUITE_END()
