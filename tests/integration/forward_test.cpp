// Forwarding between two real agentpulse processes on loopback (issue 11 §4): a machine that tails its
// transcripts (`ingest --follow --forward`) and a centre (`serve --otlp-listen`) that is killed with
// SIGKILL in the middle of a stream of appends and started again later on the same port. At the end the
// centre's store holds exactly the machine's rows (usage events, tool calls, sessions, the sums), every row
// once, with the machine's name and user; sending everything again (the cursor reset) changes nothing.
// docs/teams.md. Every wait is bounded.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "Binary.hpp"
#include "Corpus.hpp"
#include "StoreDump.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::uint64_t seed() {
    if (const char* s = std::getenv("AGENTPULSE_TEST_SEED")) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

fs::path path_of(const Workspace& ws, const CorpusFile& f) { return (f.codex ? ws.codex() : ws.claude()) / f.rel; }

// What forwarding carries, by natural keys: the rows without their local ids, message links or file
// positions (messages and files stay on the machine).
StoreDump forwarded_dump(const fs::path& store) {
    Database db(store, Database::Mode::ReadOnly);
    const std::map<std::string, std::string> queries = {
        {"projects", "SELECT provider, slug, first_seen, last_seen FROM projects ORDER BY 1, 2"},
        {"sessions",
         "SELECT s.provider, s.session_id, p.slug, s.started_at, s.last_at, s.cwd, s.git_branch, s.place_at, "
         "s.cli_version, s.model, s.machine, s.user_name FROM sessions s JOIN projects p ON p.id = s.project_id "
         "ORDER BY 1, 2"},
        {"usage_events",
         "SELECT u.dedup_key, u.provider, p.slug, s.session_id, u.ts, u.day, u.model, u.input_tokens, "
         "u.output_tokens, u.cache_read_tokens, u.cache_create_tokens, u.cache_create_1h_tokens, "
         "u.reasoning_tokens, u.cost_usd, u.cost_source, u.service_tier, u.machine, u.user_name "
         "FROM usage_events u JOIN projects p ON p.id = u.project_id JOIN sessions s ON s.id = u.session_id "
         "ORDER BY 1"},
        {"message_tool_mart",
         "SELECT t.provider, t.tool_use_id, p.slug, s.session_id, t.ts, t.ts_ms, t.day, t.tool_name, t.file_path, "
         "t.byte_count, t.call_index, t.result_ts, t.latency_ms, t.is_error, t.result_bytes, t.machine, t.user_name "
         "FROM message_tool_mart t JOIN projects p ON p.id = t.project_id JOIN sessions s ON s.id = t.session_id "
         "ORDER BY 1, 2"},
        {"usage_slots",
         "SELECT a.slot, a.provider, p.slug, a.model, a.machine, a.cost_nusd, a.input_tokens, a.output_tokens, "
         "a.cache_read_tokens, a.cache_create_tokens, a.cache_create_1h_tokens, a.reasoning_tokens, a.events, "
         "a.unpriced_events, a.estimated_events FROM usage_slots a JOIN projects p ON p.id = a.project_id "
         "WHERE a.events <> 0 ORDER BY 1, 2, 3, 4, 5"},
        {"session_totals",
         "SELECT s.provider, s.session_id, a.cost_nusd, a.input_tokens, a.output_tokens, a.cache_read_tokens, "
         "a.cache_create_tokens, a.cache_create_1h_tokens, a.reasoning_tokens, a.events, a.unpriced_events, "
         "a.estimated_events, a.tool_calls, a.tool_errors FROM session_totals a JOIN sessions s ON s.id = "
         "a.session_id ORDER BY 1, 2"},
    };
    StoreDump dump;
    for (const auto& [table, sql] : queries) dump[table] = flat(query(db, sql));
    return dump;
}

// The centre: serve with no transcripts of its own and the OTLP receiver on `otlp_port` (0: any).
std::unique_ptr<Process> start_centre(const Workspace& ws, unsigned short otlp_port, const std::string& name) {
    fs::create_directories(ws.dir / "centre-empty");
    return std::make_unique<Process>(
        std::vector<std::string>{AGENTPULSE_BINARY, "serve", "--store", (ws.dir / "centre.db").string(), "--port", "0",
                                 "--otlp-listen", "127.0.0.1:" + std::to_string(otlp_port), "--machine", "centre",
                                 "--token", "team-token",
                                 "--agents", "claude,codex", "--claude-projects", (ws.dir / "centre-empty").string(),
                                 "--codex-sessions", (ws.dir / "centre-empty").string()},
        ws.logs(), name);
}

unsigned short otlp_port_of(Process& p) {
    unsigned short port = 0;
    eventually(
        [&] {
            const std::string out = p.out();
            const auto at = out.find("otlp listening on http://127.0.0.1:");
            if (at == std::string::npos) return !p.running();
            port = static_cast<unsigned short>(std::atoi(out.c_str() + at + 35));
            return true;
        },
        20s);
    return port;
}

// True once the machine has read every byte on disk and forwarded every row it holds.
bool machine_done(const fs::path& store, std::int64_t bytes_on_disk) {
    auto db = open_when_ready(store);
    if (!db) return false;
    if (query_int(*db, "SELECT coalesce(sum(offset), 0) FROM transcript_files") != bytes_on_disk) return false;
    return query_int(*db,
                     "SELECT count(*) FROM forward_cursors c WHERE "
                     "c.usage_id = (SELECT coalesce(max(id), 0) FROM usage_events) AND "
                     "c.usage_seq = (SELECT coalesce(max(update_seq), 0) FROM usage_events) AND "
                     "c.tool_id = (SELECT coalesce(max(id), 0) FROM message_tool_mart) AND "
                     "c.result_seq = (SELECT coalesce(max(result_seq), 0) FROM message_tool_mart) AND "
                     "c.session_seq = (SELECT coalesce(max(seq), 0) FROM sessions)") == 1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(forward)

BOOST_AUTO_TEST_CASE(centre_killed_mid_stream_ends_with_every_row_of_the_machine_once) {
    const std::uint64_t s = seed();
    BOOST_TEST_MESSAGE("forward seed " << s);
    std::mt19937_64 rng(s);
    Workspace ws;
    CorpusSpec spec;
    spec.projects = 6;
    spec.sessions_per_project = 4;
    spec.codex_rollouts = 12;
    const std::vector<CorpusFile> corpus = CorpusBuilder(s).build(spec);
    // Half of each file at the start (the backfill), the rest appended in chunks of 700 bytes (often ending
    // mid-line), files interleaved at random, each file's chunks in order.
    struct Chunk {
        fs::path path;
        std::string bytes;
    };
    std::vector<Chunk> chunks;
    std::int64_t bytes_on_disk = 0;
    {
        std::map<fs::path, std::vector<std::string>> per_file;
        for (const CorpusFile& f : corpus) {
            const std::size_t keep = std::max(f.min_prefix, f.lines.size() / 2);
            write_file(path_of(ws, f), f.text(0, keep));
            const std::string rest = f.text(keep);
            for (std::size_t at = 0; at < rest.size(); at += 700) per_file[path_of(ws, f)].push_back(rest.substr(at, 700));
            bytes_on_disk += static_cast<std::int64_t>(f.text().size());
        }
        std::map<fs::path, std::size_t> next;
        std::vector<fs::path> live;
        for (const auto& [p, v] : per_file)
            if (!v.empty()) live.push_back(p);
        while (!live.empty()) {
            const std::size_t pick = std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng);
            const fs::path p = live[pick];
            chunks.push_back({p, per_file[p][next[p]++]});
            if (next[p] == per_file[p].size()) live.erase(live.begin() + static_cast<long>(pick));
        }
    }
    BOOST_TEST_MESSAGE("forward corpus: " << corpus.size() << " files, " << bytes_on_disk / 1e6 << " MB, "
                                          << chunks.size() << " appends");
    BOOST_REQUIRE(chunks.size() > 30);

    auto centre = start_centre(ws, 0, "centre-1");
    const unsigned short port = otlp_port_of(*centre);
    BOOST_REQUIRE_MESSAGE(port != 0, "the centre did not listen: " << centre->err());
    const std::string url = "http://127.0.0.1:" + std::to_string(port);
    const fs::path machine_store = ws.dir / "machine.db";
    Process machine(ws.ingest(machine_store, {"--follow", "--forward", url, "--forward-token", "team-token",
                                              "--forward-batch", "50", "--machine", "laptop-7", "--user", "ana"}),
                    ws.logs(), "machine");

    // Appends over about 4 s; the centre is killed a third of the way in and started again at two thirds.
    const std::size_t n = chunks.size();
    std::unique_ptr<Database> centre_db;
    for (std::size_t k = 0; k < n; ++k) {
        write_file(chunks[k].path, chunks[k].bytes, true);
        std::this_thread::sleep_for(std::chrono::microseconds(4'000'000 / static_cast<std::int64_t>(n)));
        if (k == n / 3) {
            // Let some rows reach the centre first, so that it dies holding some and missing others.
            BOOST_REQUIRE_MESSAGE(eventually([&] {
                                      auto db = open_when_ready(ws.dir / "centre.db");
                                      return db && query_int(*db, "SELECT count(*) FROM usage_events") > 0;
                                  }, 30s),
                                  "nothing reached the centre: " << machine.err());
            centre->signal(SIGKILL);
            centre->finish(10s);
        }
        if (k == 2 * n / 3) {
            centre = start_centre(ws, port, "centre-2");
            BOOST_REQUIRE_MESSAGE(otlp_port_of(*centre) == port, "the centre did not come back: " << centre->err());
        }
    }
    BOOST_REQUIRE_MESSAGE(machine.running(), "the machine exited: " << machine.err());
    // The forwarder backs off up to 30 s between tries while the centre is down; it is back now.
    BOOST_REQUIRE_MESSAGE(eventually([&] { return machine_done(machine_store, bytes_on_disk); }, 90s),
                          "the machine did not read and forward everything within 90 s: " << machine.err());
    const StoreDump want = forwarded_dump(machine_store);
    for (const char* t : {"sessions", "usage_events", "message_tool_mart", "usage_slots", "session_totals"})
        BOOST_REQUIRE_MESSAGE(want.at(t).size() > 20, t << " has only " << want.at(t).size() << " rows");
    // The centre commits what it accepted before it answers: equal as soon as the cursor is through.
    std::string diff = compare_dumps(want, forwarded_dump(ws.dir / "centre.db"), "machine", "centre");
    BOOST_TEST(diff.empty(), "the centre differs from the machine (seed " << s << "):\n" << diff);
    BOOST_TEST(aggregate_drift(ws.dir / "centre.db").empty());
    {
        Database db(ws.dir / "centre.db", Database::Mode::ReadOnly);
        BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE machine <> 'laptop-7' OR user_name <> 'ana'") == 0);
        BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions WHERE machine <> 'laptop-7'") == 0);
    }
    BOOST_TEST(machine.err().find("forward to " + url) != std::string::npos, "no failure was ever seen: the kill proved nothing");

    // Everything again (the cursor reset while the machine is stopped): the centre adds nothing.
    machine.signal(SIGTERM);
    BOOST_TEST(machine.finish(20s).code == 0);
    {
        Database db(machine_store, Database::Mode::ReadWrite);
        db.exec("UPDATE forward_cursors SET usage_id = 0, usage_seq = 0, tool_id = 0, result_seq = 0, session_seq = 0");
    }
    std::string out, err;
    // A wrong token: refused at once (401), said, the cursor left where it was.
    const auto t0 = std::chrono::steady_clock::now();
    const ExitStatus refused = run_to_end(ws.ingest(machine_store, {"--forward", url, "--forward-token", "wrong"}),
                                          ws.logs(), "refused", &out, &err);
    BOOST_TEST((refused.exited && refused.code == 1));
    BOOST_TEST(err.find("HTTP 401") != std::string::npos, err);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 20s));
    const ExitStatus again =
        run_to_end(ws.ingest(machine_store, {"--forward", url, "--forward-token", "team-token", "--machine", "laptop-7",
                                             "--user", "ana"}),
                   ws.logs(), "again", &out, &err);
    BOOST_TEST((again.exited && again.code == 0), err);
    BOOST_TEST(out.find("forwarded ") != std::string::npos, out);
    diff = compare_dumps(want, forwarded_dump(ws.dir / "centre.db"), "machine", "centre after a resend");
    BOOST_TEST(diff.empty(), "a resend changed the centre (seed " << s << "):\n" << diff);
    // `agentpulse status` says where forwarding stands.
    std::string status;
    BOOST_TEST(run_to_end({AGENTPULSE_BINARY, "status", "--store", machine_store.string()}, ws.logs(), "status", &status)
                   .code == 0);
    BOOST_TEST(status.find("forward to " + url + ": ") != std::string::npos, status);
    BOOST_TEST(status.find(" 0 rows waiting") != std::string::npos, status);
    centre->signal(SIGTERM);
    centre->finish(20s);
}

// `serve --forward` (a machine that also serves its own dashboard): the same rows reach the centre while
// lines are appended, under the machine's name.
BOOST_AUTO_TEST_CASE(serve_forwards_what_it_reads_while_it_serves) {
    const std::uint64_t s = seed();
    BOOST_TEST_MESSAGE("forward serve seed " << s);
    Workspace ws;
    CorpusSpec spec;
    spec.projects = 3;
    spec.sessions_per_project = 3;
    spec.codex_rollouts = 5;
    const std::vector<CorpusFile> corpus = CorpusBuilder(s).build(spec);
    std::int64_t bytes_on_disk = 0;
    for (const CorpusFile& f : corpus) {
        write_file(path_of(ws, f), f.text(0, std::max(f.min_prefix, f.lines.size() / 2)));
        bytes_on_disk += static_cast<std::int64_t>(f.text().size());
    }
    auto centre = start_centre(ws, 0, "centre");
    const unsigned short port = otlp_port_of(*centre);
    BOOST_REQUIRE_MESSAGE(port != 0, "the centre did not listen: " << centre->err());
    const fs::path machine_store = ws.dir / "machine.db";
    Process machine({AGENTPULSE_BINARY, "serve", "--store", machine_store.string(), "--port", "0", "--agents", "claude,codex",
                     "--claude-projects", ws.claude().string(), "--codex-sessions", ws.codex().string(), "--forward",
                     "http://127.0.0.1:" + std::to_string(port), "--forward-token", "team-token", "--machine", "build-box"},
                    ws.logs(), "machine-serve");
    BOOST_REQUIRE_MESSAGE(listening_port(machine) != 0, "the machine's serve did not start: " << machine.err());
    for (const CorpusFile& f : corpus) {
        write_file(path_of(ws, f), f.text(std::max(f.min_prefix, f.lines.size() / 2)), true);
        std::this_thread::sleep_for(20ms);
    }
    BOOST_REQUIRE_MESSAGE(eventually([&] { return machine_done(machine_store, bytes_on_disk); }, 60s),
                          "serve did not read and forward everything within 60 s: " << machine.err());
    const StoreDump want = forwarded_dump(machine_store);
    BOOST_REQUIRE(want.at("usage_events").size() > 10);
    const std::string diff = compare_dumps(want, forwarded_dump(ws.dir / "centre.db"), "machine", "centre");
    BOOST_TEST(diff.empty(), "the centre differs from the serving machine (seed " << s << "):\n" << diff);
    {
        Database db(ws.dir / "centre.db", Database::Mode::ReadOnly);
        BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions WHERE machine = 'build-box'") ==
                   static_cast<std::int64_t>(want.at("sessions").size()));
    }
    machine.signal(SIGTERM);
    BOOST_TEST(machine.finish(20s).code == 0);
    centre->signal(SIGTERM);
    centre->finish(20s);
}

BOOST_AUTO_TEST_SUITE_END()
