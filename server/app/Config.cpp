// Boost.Program_options does the merging: values stored first win, so the command line is stored
// before the environment, and the environment before the file.
#include "app/Config.hpp"

#include "core/Redactor.hpp"

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdlib>
#include <cctype>
#include <unistd.h>
#include <fstream>
#include <map>
#include <sstream>

#include "core/ZonedCalendar.hpp"
#include "report/UsageReport.hpp"

namespace agentpulse {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

fs::path home() {
    const std::string h = env("HOME");
    return h.empty() ? fs::path("/") : fs::path(h);
}

// Boost 1.81's error_with_option_name::what() replaces each placeholder (%value%, %option%, ...) until none
// is left, so a value or option name that itself holds a placeholder (`--port %value%`, a config line
// `port = %value%`) makes it loop for ever, growing the message (found by fuzz/config_fuzz). So every '%'
// the user wrote is swapped for a look-alike before Program_options sees it, and swapped back in the
// values we read and in the error message.
constexpr std::string_view kPercent = "%";
constexpr std::string_view kLookAlike = "\xef\xbc\x85";  // U+FF05 FULLWIDTH PERCENT SIGN

std::string swap_all(std::string s, std::string_view from, std::string_view to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
    return s;
}
std::string defuse(std::string s) { return swap_all(std::move(s), kPercent, kLookAlike); }
std::string restore(std::string s) { return swap_all(std::move(s), kLookAlike, kPercent); }

constexpr const char* kUsage = R"(agentpulse - a live view of AI coding agents at work

Usage:
  agentpulse serve   [options]   watch transcripts and serve the dashboard and live API
  agentpulse demo    [options]   serve simulated agents' transcripts (same as serve --demo)
  agentpulse ingest  [options]   read all transcripts into the store once (--follow: keep tailing)
  agentpulse pricing check       list models seen in the store that the price card does not know
  agentpulse pricing reprice     re-price stored usage with the current price card
  agentpulse status  [options]   show the store's watcher heartbeat and ingest counters
  agentpulse report  daily|weekly|monthly|session|blocks [options]
                                 usage tables (tokens by kind, cost, models) from the store;
                                 --json or --csv for scripts (docs/reports.md)
  agentpulse statusline [--format T]  Claude Code's statusLine command: reads its JSON on stdin,
                                 records the plan's limit windows, prints one line (docs/limits.md)
  agentpulse --version | --help

Every option can also come from the environment as AGENTPULSE_<OPTION> (upper case, dashes as
underscores, e.g. AGENTPULSE_PORT=9000) or from the configuration file as `option = value`.
The command line wins over the environment, which wins over the file.
Exit codes: 0 success, 2 bad usage or configuration, 1 other failures.
)";

// Every agent this build reads, by name: "claude, codex, ...".
std::string agent_names() {
    std::string out;
    for (const AgentSource* s : agent_sources()) out += (out.empty() ? "" : ", ") + std::string(s->name());
    return out;
}

po::options_description describe(const std::string& command) {
    po::options_description common("Common options");
    common.add_options()
        ("help,h", "show this help")
        ("config", po::value<std::string>(), "configuration file (default: $XDG_CONFIG_HOME/agentpulse/agentpulse.conf if it exists)")
        ("store", po::value<std::string>(), "SQLite store file (default: $XDG_DATA_HOME/agentpulse/store.db)")
        ("pricing", po::value<std::string>(), "price card JSON (default: the conf/pricing.json built into the binary)")
        ("log-level", po::value<std::string>()->default_value("info"), "trace, debug, info, warn, error or off");
    const std::string agents_help = "the agents to read, comma-separated: " + agent_names() + " (default: all)";
    common.add_options()("agents", po::value<std::string>(), agents_help.c_str());
    for (const AgentSource* source : agent_sources()) {
        const AgentTraits& t = source->traits();
        const std::string help = std::string(t.option_help) + " (default: " + std::string(t.default_hint) + ")";
        common.add_options()(std::string(t.option).c_str(), po::value<std::string>(), help.c_str());
    }
    if (command == "serve") {
        po::options_description serve("Serve options");
        serve.add_options()
            ("host", po::value<std::string>()->default_value("127.0.0.1"), "address to listen on")
            ("port", po::value<int>()->default_value(8787), "port to listen on (0 picks a free one)")
            ("no-watcher", po::bool_switch(), "do not watch transcripts; read a store another process writes (opened read-only)")
            ("token", po::value<std::string>(), "require this bearer token on every API route")
            ("budget", po::value<double>(), "monthly budget in USD, for the burn ticker's budget bar")
            ("demo", po::bool_switch(), "simulate agents writing transcripts into a temporary folder and watch those")
            ("allow-remote", po::bool_switch(), "allow a non-loopback --host without --token")
            ("redact", po::value<std::vector<std::string>>()->composing(), "a regular expression (ECMAScript) whose matches the conversation viewer and search mask, besides the built-in key formats (repeatable; docs/privacy.md)")
            ("no-default-redactions", po::bool_switch(), "mask only what --redact names, not the built-in key formats")
            ("max-connections", po::value<long long>(), "open connections and streams before new ones get 503 (default 19000)")
            ("request-timeout-ms", po::value<long long>(), "time allowed to send a whole request, in ms (default 10000)")
            ("keepalive-timeout-ms", po::value<long long>(), "idle time before a keep-alive connection is closed, in ms (default 30000)")
            ("retry-ms", po::value<long long>(), "SSE retry: how long a browser waits before reconnecting a dropped stream, in ms (default 1000)")
            ("otlp-listen", po::value<std::string>(), "also receive OpenTelemetry (OTLP/HTTP) logs, metrics and traces on HOST:PORT (off by default; conventional port 4318, 0 picks a free one)")
            ("otlp-queue-records", po::value<long long>(), "telemetry records waiting for the store before new exports get 429 (default 50000)")
            ("io-threads", po::value<int>()->default_value(1), "threads running the server's I/O (HTTP and live streams; default 1)")
            ("static-dir", po::value<std::string>(), "folder with the built dashboard (default: next to the binary)");
        common.add(serve);
    } else if (command == "statusline") {
        po::options_description sl("Status line options");
        sl.add_options()("format", po::value<std::string>(),
                         "the line's template: {field}s, [groups] dropped when a field in them is empty "
                         "(fields: docs/limits.md)");
        common.add(sl);
    } else if (command == "ingest") {
        po::options_description ingest("Ingest options");
        ingest.add_options()
            ("follow,f", po::bool_switch(), "after the backfill, keep tailing transcripts as they grow")
            ("no-progress", po::bool_switch(), "no progress bar even on a terminal");
        common.add(ingest);
    } else if (command == "report") {
        po::options_description report("Report options");
        report.add_options()
            ("json", po::bool_switch(), "print JSON (rows and totals; the format is in docs/reports.md)")
            ("csv", po::bool_switch(), "print CSV (one line per row, a header line first)")
            ("since", po::value<std::string>(), "first local day, YYYY-MM-DD or YYYYMMDD (default: the first day with usage)")
            ("until", po::value<std::string>(), "last local day, included (default: today)")
            ("agent", po::value<std::string>(), "only this agent's usage (claude, codex, ...)")
            ("project", po::value<std::string>(), "only this project's usage (its name as the dashboard shows it)")
            ("tz", po::value<std::string>(), "IANA time zone of the days, e.g. Europe/Paris (default: the system's)")
            ("week-start", po::value<std::string>(), "first day of a week for `weekly`: monday (default) ... sunday")
            ("refresh", po::bool_switch(), "read new transcript lines into the store first (as `ingest` does)")
            ("no-progress", po::bool_switch(), "no progress bar for --refresh even on a terminal");
        common.add(report);
    }
    return common;
}

}  // namespace

fs::path default_store_path() {
    const std::string xdg = env("XDG_DATA_HOME");
    return (xdg.empty() ? home() / ".local" / "share" : fs::path(xdg)) / "agentpulse" / "store.db";
}

namespace {

// A string option as the user wrote it ("" when absent).
std::string text(const po::variables_map& vm, const std::string& key) {
    return vm.count(key) ? restore(vm[key].as<std::string>()) : std::string();
}

// An empty value (`--store ""`, `AGENTPULSE_STORE=` in a compose file) means the default: SQLite would open
// "" as a private temporary database that vanishes on exit (found by fuzz/config_fuzz).
fs::path path_or(const po::variables_map& vm, const std::string& key, fs::path fallback) {
    const std::string v = text(vm, key);
    return v.empty() ? fallback : fs::path(v);
}

// AGENTPULSE_<OPTION> for each option of `desc` (the config file is named by AGENTPULSE_CONFIG, read apart).
po::parsed_options environment_options(const po::options_description& desc) {
    po::parsed_options out(&desc);
    for (char** e = environ; e && *e; ++e) {
        const std::string_view var(*e);
        const std::size_t eq = var.find('=');
        if (eq == std::string_view::npos || !var.starts_with("AGENTPULSE_")) continue;
        std::string name(var.substr(11, eq - 11));
        for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "config" || !desc.find_nothrow(name, false)) continue;
        out.options.emplace_back(name, std::vector<std::string>{defuse(std::string(var.substr(eq + 1)))});
    }
    return out;
}

// The configuration file: --config (must exist), AGENTPULSE_CONFIG, or $XDG_CONFIG_HOME/agentpulse/agentpulse.conf
// when it exists. Empty when there is none; throws po::error when --config names a missing file.
fs::path config_file(const po::variables_map& vm) {
    if (vm.count("config")) {
        const fs::path file = text(vm, "config");
        std::error_code ec;
        if (!fs::exists(file, ec)) throw po::error("configuration file " + file.string() + " does not exist");
        return file;
    }
    if (const std::string named = env("AGENTPULSE_CONFIG"); !named.empty()) return named;
    const std::string xdg = env("XDG_CONFIG_HOME");
    const fs::path candidate = (xdg.empty() ? home() / ".config" : fs::path(xdg)) / "agentpulse" / "agentpulse.conf";
    std::error_code ec;  // an unreadable $HOME/.config is no reason to fail
    return fs::exists(candidate, ec) ? candidate : fs::path();
}

// The file's keys that `desc` knows. Keys for other commands are fine in a shared file: only keys no
// command knows are errors.
po::parsed_options file_options(const fs::path& file, const po::options_description& desc) {
    std::ifstream in(file);
    if (!in) throw po::error("cannot read configuration file " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    std::istringstream defused(defuse(text.str()));
    po::options_description every;
    every.add(describe("serve"));
    // Named: options() refers into them.
    const po::options_description ingest = describe("ingest"), report = describe("report"),
                                  statusline = describe("statusline");
    for (const po::options_description* other : {&ingest, &report, &statusline})
        for (const auto& o : other->options())
            if (!every.find_nothrow(o->long_name(), false)) every.add(o);
    const po::parsed_options parsed = po::parse_config_file(defused, every, false);
    po::parsed_options mine(&desc);
    for (const po::option& o : parsed.options)
        if (desc.find_nothrow(o.string_key, false)) mine.options.push_back(o);
    return mine;
}

void read_serve_options(const po::variables_map& vm, Config& c) {
    c.host = text(vm, "host");
    c.port = vm["port"].as<int>();
    if (c.port < 0 || c.port > 65535) throw po::error("--port must be between 0 and 65535");
    c.no_watcher = vm["no-watcher"].as<bool>();
    c.demo = vm["demo"].as<bool>();
    c.allow_remote = vm["allow-remote"].as<bool>();
    c.token = text(vm, "token");
    if (vm.count("redact")) c.redact = vm["redact"].as<std::vector<std::string>>();
    c.default_redactions = !vm["no-default-redactions"].as<bool>();
    try {
        const Redactor check(c.redact, false);
    } catch (const std::invalid_argument& e) {
        throw po::error(std::string("--redact: ") + e.what());
    }
    if (vm.count("budget")) {
        c.budget = vm["budget"].as<double>();
        // "inf" and "nan" parse as doubles; neither is an amount (found by fuzz/config_fuzz).
        if (!(std::isfinite(*c.budget) && *c.budget > 0)) throw po::error("--budget must be a positive amount of USD");
    }
    c.static_dir = text(vm, "static-dir");
    if (vm.count("max-connections")) {
        const long long n = vm["max-connections"].as<long long>();
        if (n < 1 || n > 1'000'000) throw po::error("--max-connections must be between 1 and 1000000");
        c.max_connections = static_cast<std::size_t>(n);
    }
    const std::pair<const char*, std::optional<std::int64_t>*> durations[] = {
        {"request-timeout-ms", &c.request_timeout_ms},
        {"keepalive-timeout-ms", &c.keepalive_timeout_ms},
        {"retry-ms", &c.retry_ms}};
    for (const auto& [key, field] : durations) {
        if (!vm.count(key)) continue;
        const long long ms = vm[key].as<long long>();
        if (ms < 100 || ms > 3'600'000) throw po::error(std::string("--") + key + " must be between 100 and 3600000 (ms)");
        *field = ms;
    }
    if (const std::string otlp = text(vm, "otlp-listen"); !otlp.empty()) {
        // HOST:PORT, or [IPv6]:PORT.
        const std::size_t colon = otlp.rfind(':');
        std::string host = colon == std::string::npos ? std::string() : otlp.substr(0, colon);
        const std::string port = colon == std::string::npos ? std::string() : otlp.substr(colon + 1);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        int p = -1;
        if (!port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos) p = std::stoi(port);
        if (host.empty() || p < 0 || p > 65535)
            throw po::error("--otlp-listen must be HOST:PORT (e.g. 127.0.0.1:4318; port 0 picks a free one), not '" + otlp + "'");
        c.otlp_host = host;
        c.otlp_port = p;
    }
    if (vm.count("otlp-queue-records")) {
        const long long n = vm["otlp-queue-records"].as<long long>();
        if (n < 1 || n > 10'000'000) throw po::error("--otlp-queue-records must be between 1 and 10000000");
        c.otlp_queue_records = static_cast<std::size_t>(n);
    }
    c.io_threads = vm["io-threads"].as<int>();
    if (c.io_threads < 1 || c.io_threads > 64) throw po::error("--io-threads must be between 1 and 64");
    if (c.demo && c.no_watcher) throw po::error("--demo needs the watcher; drop --no-watcher");
    if (c.otlp_port >= 0 && c.no_watcher)
        throw po::error("--otlp-listen needs the watcher (its thread writes telemetry into the store); drop --no-watcher");
}

// --agents: the sources named (in the registry's order), every source when the list is empty or "all".
std::vector<const AgentSource*> chosen_agents(const std::string& list) {
    if (list.empty() || list == "all") return agent_sources();
    std::vector<std::string> names;
    for (std::size_t at = 0; at <= list.size();) {
        std::size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        std::string name = list.substr(at, comma - at);
        name.erase(0, name.find_first_not_of(" \t"));
        name.erase(name.find_last_not_of(" \t") + 1);
        if (name.empty()) throw po::error("--agents: an empty name in '" + list + "'");
        if (!find_agent(name))
            throw po::error("--agents: no agent is called '" + name + "' (this build reads " + agent_names() + ")");
        names.push_back(std::move(name));
        at = comma + 1;
    }
    std::vector<const AgentSource*> out;
    for (const AgentSource* s : agent_sources())
        if (std::find(names.begin(), names.end(), s->name()) != names.end()) out.push_back(s);
    return out;
}

int week_day(const std::string& name) {
    static const char* days[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
    std::string lower;
    for (const char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (int i = 0; i < 7; ++i)
        if (lower.size() >= 3 && std::string_view(days[i]).starts_with(lower)) return i;
    throw po::error("--week-start must be a day of the week (monday ... sunday)");
}

void read_report_options(const po::variables_map& vm, Config& c) {
    ReportOptions& r = c.report;
    if (c.args.size() != 1 || !parse_report_kind(c.args[0]))
        throw po::error("report needs one kind: daily, weekly, monthly, session or blocks");
    r.kind = c.args[0];
    const bool json = vm["json"].as<bool>(), csv = vm["csv"].as<bool>();
    if (json && csv) throw po::error("--json and --csv: choose one");
    r.format = json ? "json" : csv ? "csv" : "table";
    for (auto [key, field] : {std::pair{"since", &r.since}, std::pair{"until", &r.until}}) {
        const std::string v = text(vm, key);
        if (v.empty()) continue;
        const auto d = normalise_date(v);
        if (!d) throw po::error(std::string("--") + key + " must be a date, YYYY-MM-DD or YYYYMMDD (got '" + v + "')");
        *field = *d;
    }
    if (!r.since.empty() && !r.until.empty() && r.until < r.since) throw po::error("--until is before --since");
    r.agent = text(vm, "agent");
    if (!r.agent.empty() && !find_agent(r.agent))
        throw po::error("--agent: no agent is called '" + r.agent + "' (this build reads " + agent_names() + ")");
    r.project = text(vm, "project");
    r.tz = text(vm, "tz");
    if (!r.tz.empty() && !known_time_zone(r.tz)) throw po::error("--tz: unknown time zone '" + r.tz + "'");
    if (vm.count("week-start")) r.week_start = week_day(text(vm, "week-start"));
    r.refresh = vm["refresh"].as<bool>();
    c.progress = !vm["no-progress"].as<bool>();
}

Config to_config(const po::variables_map& vm, const std::string& command, const fs::path& file) {
    Config c;
    c.command = command;
    c.config_file = file;
    if (vm.count("args"))
        for (const std::string& a : vm["args"].as<std::vector<std::string>>()) c.args.push_back(restore(a));
    c.store = path_or(vm, "store", default_store_path());
    for (const AgentSource* source : chosen_agents(text(vm, "agents")))
        c.roots.push_back({source, path_or(vm, std::string(source->traits().option), source->default_root())});
    c.pricing = text(vm, "pricing");
    c.log_level = text(vm, "log-level");
    static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
    if (std::find(std::begin(levels), std::end(levels), c.log_level) == std::end(levels))
        throw po::error("--log-level must be one of trace, debug, info, warn, error, off");
    if (command == "serve") read_serve_options(vm, c);
    if (command == "ingest") {
        c.follow = vm["follow"].as<bool>();
        c.progress = !vm["no-progress"].as<bool>();
    }
    if (command == "statusline") c.format = text(vm, "format");
    if (command == "pricing" && (c.args.empty() || (c.args[0] != "check" && c.args[0] != "reprice")))
        throw po::error("pricing needs a subcommand: check or reprice");
    if (command == "report") read_report_options(vm, c);
    if (command != "pricing" && command != "report" && !c.args.empty()) throw po::error("unexpected argument '" + c.args[0] + "'");
    return c;
}

// help, version, a missing or unknown command: the outcome without parsing options; nullopt otherwise.
std::optional<CliOutcome> command_word_outcome(int argc, const char* const* argv) {
    CliOutcome out;
    if (argc < 2) {
        out.exit_code = 2;
        out.message = std::string("missing command\n\n") + kUsage;
        return out;
    }
    const std::string command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        out.message = kUsage;
        return out;
    }
    if (command == "--version" || command == "version") {
        out.message = std::string("agentpulse ") + AGENTPULSE_VERSION + "\n";
        return out;
    }
    if (command != "serve" && command != "ingest" && command != "pricing" && command != "status" &&
        command != "report" && command != "statusline") {
        out.exit_code = 2;
        out.message = "unknown command '" + command + "'\n\n" + kUsage;
        return out;
    }
    return std::nullopt;
}

}  // namespace

CliOutcome parse_cli(int argc, const char* const* argv) {
    if (auto early = command_word_outcome(argc, argv)) return std::move(*early);
    const std::string command = argv[1];
    const po::options_description desc = describe(command);
    po::options_description all;
    all.add(desc).add_options()("args", po::value<std::vector<std::string>>(), "");
    po::positional_options_description pos;
    pos.add("args", -1);
    std::vector<std::string> words;
    for (int i = 2; i < argc; ++i) words.push_back(defuse(argv[i]));

    CliOutcome out;
    po::variables_map vm;
    std::string stage = "command line";
    try {
        po::store(po::command_line_parser(words).options(all).positional(pos).run(), vm);
        if (vm.count("help")) {
            std::ostringstream ss;
            ss << kUsage << "\n" << desc;
            out.message = ss.str();
            return out;
        }
        stage = "environment";
        po::store(environment_options(desc), vm);
        const fs::path file = config_file(vm);
        if (!file.empty()) {
            stage = "configuration file " + file.string();
            po::store(file_options(file, desc), vm);
        }
        po::notify(vm);
        out.config = to_config(vm, command, file);
    } catch (const po::error& e) {
        out.exit_code = 2;
        out.message = std::string("agentpulse ") + command + ": " + restore(e.what()) + " (in the " + stage +
                      ")\nRun 'agentpulse " + command + " --help' for the options.";
    }
    return out;
}

}  // namespace agentpulse
