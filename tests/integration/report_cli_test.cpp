// `agentpulse report` against the real binary: a store filled by `report --refresh` from the synthetic
// corpus of every simulated agent (written over the last four weeks), then read by each report. The
// daily report's totals equal /api/overview's for the same 30 days and zone (the real server on the same
// store) and a sum taken here in SQL over bounds computed here; each day of a fixed-offset zone's report
// equals its own SQL sum, so --tz moves the day boundaries; every kind totals the same; --json has its
// documented shape; a 60-column terminal gets lines of at most 60 columns; on a pseudo-terminal the table
// takes its width and colours, and none with NO_COLOR.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "Binary.hpp"
#include "SseClient.hpp"
#include "agents/AgentRegistry.hpp"
#include "core/IsoTime.hpp"
#include "sim/SynthCorpus.hpp"
#include "sim/SynthWriters.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr EpochMs kDay = 86'400'000;

// The UTC date of an instant shifted by `offset_ms` (a fixed-offset zone's local date), "YYYY-MM-DD".
std::string date_at(EpochMs t, EpochMs offset_ms = 0) {
    return format_iso8601(t + offset_ms).substr(0, 10);
}

// The next date after `date`, from its text.
std::string shift(const std::string& date) {
    return date_at(*parse_iso8601(date + "T12:00:00Z") + kDay);
}

// Midnight of `date` in a zone `offset_ms` ahead of UTC, as the store's ISO text: computed from the
// date's text alone, independently of ZonedCalendar.
std::string midnight(const std::string& date, EpochMs offset_ms) {
    return format_iso8601(*parse_iso8601(date + "T00:00:00Z") - offset_ms);
}

bool close(double a, double b) {
    return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

struct Sums {
    double cost = 0;
    std::int64_t input = 0, output = 0, cache_create = 0, cache_read = 0, events = 0;
};

Sums sql_sums(Database& db, const std::string& from, const std::string& to) {
    const std::vector<Row> r = query(
        db,
        "SELECT coalesce(sum(cost_usd),0), coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0), "
        "coalesce(sum(cache_create_tokens),0), coalesce(sum(cache_read_tokens),0), count(*) FROM "
        "usage_events "
        "WHERE ts >= '" +
            from + "' AND ts < '" + to + "'");
    return {std::stod(r[0][0]),  std::stoll(r[0][1]), std::stoll(r[0][2]),
            std::stoll(r[0][3]), std::stoll(r[0][4]), std::stoll(r[0][5])};
}

void check_equal(const json::value& cost_usd, const json::value& tokens, std::int64_t events, const Sums& s,
                 const std::string& what) {
    BOOST_TEST(close(cost_usd.to_number<double>(), s.cost), what << ": " << cost_usd << " vs " << s.cost);
    BOOST_TEST(tokens.at("input").as_int64() == s.input, what);
    BOOST_TEST(tokens.at("output").as_int64() == s.output, what);
    BOOST_TEST(tokens.at("cache_create").as_int64() == s.cache_create, what);
    BOOST_TEST(tokens.at("cache_read").as_int64() == s.cache_read, what);
    BOOST_TEST(events == s.events, what);
}

// Runs `args` with standard output on a pseudo-terminal `cols` columns wide (stdin and stderr too) and
// `env` added to a clean environment; returns what it printed (the terminal turns "\n" into "\r\n":
// undone here). Bounded: killed after 60 s.
std::string run_on_terminal(const std::vector<std::string>& args, unsigned short cols,
                            const std::vector<std::string>& env) {
    winsize ws{};
    ws.ws_col = cols;
    ws.ws_row = 50;
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        std::vector<char*> argv, envp;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        std::vector<std::string> e = {"HOME=/nonexistent", "PATH=/usr/bin:/bin", "TERM=xterm"};
        e.insert(e.end(), env.begin(), env.end());
        for (auto& x : e) envp.push_back(x.data());
        envp.push_back(nullptr);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    std::string out;
    char buf[4096];
    const auto until = std::chrono::steady_clock::now() + 60s;
    for (;;) {
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n > 0)
            out.append(buf, static_cast<std::size_t>(n));
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;  // EIO: the child closed the terminal
        if (std::chrono::steady_clock::now() > until) ::kill(pid, SIGKILL);
    }
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), out);
    std::string plain;
    for (const char c : out)
        if (c != '\r') plain += c;
    return plain;
}

std::size_t widest_line(const std::string& text) {
    std::size_t widest = 0, at = 0;
    while (at < text.size()) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        std::size_t cols = 0;
        for (std::size_t i = at; i < nl; ++i) {
            if (text[i] == '\x1b') {  // an escape sequence takes no column
                i = text.find('m', i);
                continue;
            }
            cols += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        }
        widest = std::max(widest, cols);
        at = nl + 1;
    }
    return widest;
}

struct ReportFixture {
    Workspace ws;
    fs::path store = ws.dir / "s.db";
    fs::path corpus = ws.dir / "corpus";
    std::vector<std::string> agent_flags;
    EpochMs now = now_epoch_ms();

    ReportFixture() {
        SynthCorpusOptions o;
        for (const SynthWriter& w : synth_writers()) {
            o.roots[std::string(w.agent)] = corpus / w.agent;
            o.shares[std::string(w.name())] = 1.0;  // every agent's usage, not only the default mix's
        }
        o.target_bytes = 3'000'000;
        o.files = 40;
        o.seed = 13;
        o.start_ms = now - 27 * kDay;
        o.days = 20;
        write_synth_corpus(o);
        for (const AgentSource* a : agent_sources()) {
            agent_flags.push_back("--" + std::string(a->traits().option));
            agent_flags.push_back((corpus / std::string(a->name())).string());
        }
    }

    std::vector<std::string> args(std::vector<std::string> words) const {
        std::vector<std::string> a = {AGENTPULSE_BINARY, "report"};
        a.insert(a.end(), words.begin(), words.end());
        a.insert(a.end(), {"--store", store.string()});
        a.insert(a.end(), agent_flags.begin(), agent_flags.end());
        return a;
    }

    // Runs a report; fails the test unless it exits 0.
    std::string run(std::vector<std::string> words, std::map<std::string, std::string> env = {}) const {
        Process p(args(std::move(words)), ws.logs(), "report", env);
        const ExitStatus st = p.finish(120s);
        BOOST_REQUIRE_MESSAGE(st.exited && st.code == 0, "report failed: " << p.err());
        return p.out();
    }

    json::object run_json(std::vector<std::string> words) const {
        words.push_back("--json");
        return json::parse(run(std::move(words))).as_object();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(report_cli)

BOOST_AUTO_TEST_CASE(reports_equal_the_overview_and_the_stores_own_sums) {
    ReportFixture fx;
    // --refresh reads the corpus into a store that does not exist yet; its summary goes to stderr.
    const json::object first = fx.run_json({"daily", "--refresh", "--tz", "UTC", "--no-progress"});
    Database db(fx.store, Database::Mode::ReadOnly);
    const std::int64_t events = query_int(db, "SELECT count(*) FROM usage_events");
    BOOST_TEST_REQUIRE(events > 200);
    BOOST_TEST(query_int(db, "SELECT count(DISTINCT provider) FROM usage_events") >= 5);
    // With no --since, the report covers every usage event up to today.
    const std::string tomorrow = midnight(date_at(fx.now + kDay), 0);
    check_equal(first.at("totals").at("cost_usd"), first.at("totals").at("tokens"),
                first.at("totals").at("events").as_int64(), sql_sums(db, "0", tomorrow), "whole store");

    Process server({AGENTPULSE_BINARY, "serve", "--port", "0", "--store", fx.store.string(), "--static-dir",
                    (fx.ws.dir / "www").string(), "--no-watcher"},
                   fx.ws.logs(), "serve");
    const unsigned short port = listening_port(server);
    BOOST_REQUIRE_MESSAGE(port != 0, server.err());

    // The same 30 days in three zones: the Overview's totals, the report's, and SQL's for fixed offsets.
    const std::pair<std::string, std::optional<EpochMs>> zones[] = {
        {"UTC", 0}, {"Asia/Kolkata", 5 * 3'600'000 + 30 * 60'000}, {"America/Los_Angeles", std::nullopt}};
    std::map<std::string, std::map<std::string, double>> day_costs;  // zone -> date -> cost
    for (const auto& [tz, offset] : zones) {
        const HttpResult r = http_request(port, "/api/overview?days=30&tz=" + tz);
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
        const json::object ov = json::parse(r.body).as_object();
        const json::array& days = ov.at("days").as_array();
        const std::string since(days.front().at("date").as_string()),
            until(days.back().at("date").as_string());
        const json::object rep = fx.run_json({"daily", "--since", since, "--until", until, "--tz", tz});
        BOOST_TEST(rep.at("since").as_string() == since);
        BOOST_TEST(rep.at("tz").as_string() == tz);
        const json::object& t = rep.at("totals").as_object();
        const json::object& o = ov.at("totals").as_object();
        BOOST_TEST(close(t.at("cost_usd").to_number<double>(), o.at("cost_usd").to_number<double>()),
                   tz << ": " << t.at("cost_usd") << " vs " << o.at("cost_usd"));
        BOOST_TEST(t.at("events").as_int64() == o.at("events").as_int64(), tz);
        for (const char* kind : {"input", "output", "cache_create", "cache_read"})
            BOOST_TEST(t.at("tokens").at(kind).as_int64() == o.at("tokens").at(kind).as_int64(),
                       tz << " " << kind);
        BOOST_TEST(t.at("events").as_int64() > 0, tz);
        for (const auto& row : rep.at("rows").as_array())
            day_costs[tz][std::string(row.at("date").as_string())] = row.at("cost_usd").to_number<double>();
        if (!offset) continue;
        // An independent sum over bounds computed here, and each day's row against its own.
        check_equal(t.at("cost_usd"), t.at("tokens"), t.at("events").as_int64(),
                    sql_sums(db, midnight(since, *offset), midnight(shift(until), *offset)), tz);
        for (const auto& row : rep.at("rows").as_array()) {
            const std::string d(row.at("date").as_string());
            check_equal(row.at("cost_usd"), row.at("tokens"), row.at("events").as_int64(),
                        sql_sums(db, midnight(d, *offset), midnight(shift(d), *offset)), tz + " " + d);
        }

        // Every kind of report totals the same over the same days.
        for (const char* kind : {"weekly", "monthly", "session", "blocks"}) {
            const json::object k = fx.run_json({kind, "--since", since, "--until", until, "--tz", tz});
            BOOST_TEST(close(k.at("totals").at("cost_usd").to_number<double>(),
                             t.at("cost_usd").to_number<double>()),
                       kind << " " << tz);
            BOOST_TEST(
                k.at("totals").at("tokens").at("total").as_int64() == t.at("tokens").at("total").as_int64(),
                kind);
            BOOST_TEST(k.at("totals").at("events").as_int64() == t.at("events").as_int64(), kind);
        }
    }
    // --tz moved the day boundaries: some day's cost differs between UTC and Kolkata.
    bool differs = false;
    for (const auto& [d, cost] : day_costs["UTC"])
        differs = differs || std::abs(day_costs["Asia/Kolkata"][d] - cost) > 1e-9;
    BOOST_TEST(differs);
    server.signal(SIGTERM);
    BOOST_TEST(server.finish(10s).code == 0);
}

BOOST_AUTO_TEST_CASE(json_shape_csv_narrow_table_and_bad_usage) {
    ReportFixture fx;
    fx.run({"daily", "--refresh", "--no-progress", "--tz", "UTC"});
    Database db(fx.store, Database::Mode::ReadOnly);

    const json::object s = fx.run_json({"session", "--tz", "UTC", "--agent", "claude"});
    BOOST_TEST(s.at("report").as_string() == "session");
    BOOST_TEST(s.at("filters").at("agent").as_string() == "claude");
    const json::array& rows = s.at("rows").as_array();
    BOOST_TEST_REQUIRE(rows.size() > 0u);
    for (const auto& v : rows) {
        const json::object& r = v.as_object();
        for (const char* key : {"key", "session_id", "provider", "project", "first_at", "last_at", "cost_usd",
                                "tokens", "models", "events"})
            BOOST_TEST(r.contains(key), key);
        BOOST_TEST(r.at("provider").as_string() == "claude");
        BOOST_TEST(r.at("key") == r.at("session_id"));
        for (const char* kind : {"input", "output", "cache_create", "cache_read", "total"})
            BOOST_TEST(r.at("tokens").as_object().contains(kind), kind);
        BOOST_TEST(r.at("models").is_array());
    }
    BOOST_TEST(close(s.at("totals").at("cost_usd").to_number<double>(),
                     query_double(db, "SELECT sum(cost_usd) FROM usage_events WHERE provider = 'claude'")));

    const json::object b = fx.run_json({"blocks", "--tz", "UTC"});
    bool gap = false;
    for (const auto& v : b.at("rows").as_array()) {
        const std::string start(v.at("block_start").as_string());
        gap = gap || v.at("gap").as_bool();
        if (!v.at("gap").as_bool()) BOOST_TEST(start.substr(13) == ":00:00.000Z", start);  // on the hour
    }
    BOOST_TEST(gap);  // sessions spread over 20 days leave silences longer than 5 hours

    // CSV: a header and one line per row (the corpus' names hold no newline).
    const std::string csv = fx.run({"monthly", "--csv", "--tz", "UTC"});
    const json::object m = fx.run_json({"monthly", "--tz", "UTC"});
    BOOST_TEST(csv.rfind("month,input_tokens,", 0) == 0u, csv);
    BOOST_TEST(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) ==
               m.at("rows").as_array().size() + 1);

    // A 60-column terminal: nothing wider, no colour outside a terminal, the totals still there.
    for (const char* kind : {"daily", "session", "blocks"}) {
        const std::string table = fx.run({kind, "--tz", "UTC"}, {{"COLUMNS", "60"}});
        std::size_t at = 0, lines = 0;
        while (at < table.size()) {
            const std::size_t nl = table.find('\n', at);
            const std::string line = table.substr(at, nl - at);
            std::size_t cols = 0;
            for (const char c : line) cols += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
            BOOST_TEST(cols <= 60u, kind << ": " << line);
            at = nl + 1;
            ++lines;
        }
        BOOST_TEST(lines > 4u, table);
        BOOST_TEST(table.find("Total") != std::string::npos, table);
        BOOST_TEST(table.find('\x1b') == std::string::npos);
    }
    // On a terminal: its width (no COLUMNS) and colours, unless NO_COLOR is set.
    const std::vector<std::string> on_tty = fx.args({"daily", "--tz", "UTC"});
    const std::string tty = run_on_terminal(on_tty, 64, {});
    BOOST_TEST(tty.find("\x1b[") != std::string::npos, tty);
    BOOST_TEST(widest_line(tty) <= 64u, tty);
    BOOST_TEST(tty.find("Total") != std::string::npos, tty);
    const std::string no_color = run_on_terminal(on_tty, 64, {"NO_COLOR=1"});
    BOOST_TEST(no_color.find('\x1b') == std::string::npos, no_color);
    BOOST_TEST(widest_line(no_color) <= 64u, no_color);
    BOOST_TEST(widest_line(run_on_terminal(on_tty, 200, {})) > 64u);  // a wide terminal gets every column

    const std::string wide = fx.run({"daily", "--tz", "UTC"});
    BOOST_TEST(wide.find("Cache create") != std::string::npos,
               wide);  // no COLUMNS and no terminal: every column

    std::string out, err;
    for (const std::vector<std::string>& bad : {std::vector<std::string>{"hourly"},
                                                {"daily", "--tz", "Mars/Olympus"},
                                                {"daily", "--since", "2026-02-30"},
                                                {"daily", "--json", "--csv"},
                                                {"daily", "--agent", "amp"}}) {
        const ExitStatus st = run_to_end(fx.args(bad), fx.ws.logs(), "bad", &out, &err);
        BOOST_TEST(st.code == 2, bad[0] << " " << (bad.size() > 1 ? bad[1] : "") << ": " << err);
        BOOST_TEST(out.empty());
    }
}

BOOST_AUTO_TEST_SUITE_END()
