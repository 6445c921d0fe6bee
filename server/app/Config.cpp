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
  agentpulse search  QUERY [--json] [filters]   find sessions by prompts, files, commands, tools
  agentpulse search  --rebuild   empty the search index and read every transcript again into it
  agentpulse statusline [--format T]  Claude Code's statusLine command: reads its JSON on stdin,
                                 records the plan's limit windows, prints one line (docs/limits.md)
  agentpulse alerts list|test [RULE]  the alert rules, their state, firings and undelivered
                                 notifications; or send a test notification (docs/alerts.md)
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

// Budgets, alert rules and notification channels: serve evaluates and delivers them, `alerts` lists and tests them.
po::options_description alert_options() {
    po::options_description a("Alert options (docs/alerts.md)");
    a.add_options()
        ("budget", po::value<double>(), "monthly budget in USD: the budget bar, and alerts at 50/80/100% and on a projected month-end overrun")
        ("budget-daily", po::value<double>(), "daily budget in USD: alerts at 50/80/100% of it")
        ("budget-weekly", po::value<double>(), "weekly budget in USD (weeks from Monday): alerts at 50/80/100% of it")
        ("notify", po::value<std::vector<std::string>>(), "send alerts to this URL (repeatable): a Slack or Discord incoming webhook, an ntfy topic, or any URL for the JSON webhook; or slack:URL, discord:URL, ntfy:URL, webhook:URL")
        ("alert", po::value<std::vector<std::string>>(), "an alert rule (repeatable), e.g. 'budget period=day usd=5 project=api' or 'stuck minutes=10' (docs/alerts.md)")
        ("notify-secret", po::value<std::string>(), "sign the JSON webhook's body with HMAC-SHA256 and this key (X-Agentpulse-Signature header)")
        ("notify-ca", po::value<std::string>(), "PEM file of certificates to trust for https channels, beside the system's CA store (a self-hosted receiver with a private CA)")
        ("alert-tz", po::value<std::string>(), "IANA time zone of budget days, weeks and months (default: the system's)");
    return a;
}

// serve and ingest: who the rows read from this machine's transcripts belong to (docs/teams.md). Other
// commands have none: for search, --machine is a filter.
po::options_description identity_options() {
    po::options_description o("Machine and user");
    o.add_options()
        ("machine", po::value<std::string>(), "the name of this machine in every row read from its transcripts (default: the host name)")
        ("user", po::value<std::string>(), "the person of every row read from this machine's transcripts (default: the OS user)");
    return o;
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
            ("forward", po::value<std::string>(), "also send every row read from transcripts to this OTLP/HTTP endpoint (http://HOST:PORT, e.g. a central agentpulse's --otlp-listen or a Collector; docs/teams.md)")
            ("forward-batch", po::value<long long>(), "rows of each kind per forwarded request (default 500)")
            ("forward-token", po::value<std::string>(), "bearer token the --forward endpoint requires (its --token)")
            ("io-threads", po::value<int>()->default_value(1), "threads running the server's I/O (HTTP and live streams; default 1)")
            ("index-text", po::bool_switch(), "also index assistant text for search (prompts, files, commands and tools always are; docs/search.md)")
            ("static-dir", po::value<std::string>(), "folder with the built dashboard (default: next to the binary)");
        common.add(serve);
        common.add(identity_options());
        common.add(alert_options());
    } else if (command == "alerts") {
        common.add(alert_options());
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
            ("forward", po::value<std::string>(), "also send every row read from transcripts to this OTLP/HTTP endpoint (http://HOST:PORT, e.g. a central agentpulse's --otlp-listen or a Collector; docs/teams.md)")
            ("forward-batch", po::value<long long>(), "rows of each kind per forwarded request (default 500)")
            ("forward-token", po::value<std::string>(), "bearer token the --forward endpoint requires (its --token)")
            ("no-progress", po::bool_switch(), "no progress bar even on a terminal")
            ("index-text", po::bool_switch(), "also index assistant text for search (prompts, files, commands and tools always are; docs/search.md)");
        common.add(ingest);
        common.add(identity_options());
    } else if (command == "search") {
        po::options_description search("Search options");
        search.add_options()
            ("rebuild", po::bool_switch(), "empty the index and read every transcript again (rows are not counted twice)")
            ("json", po::bool_switch(), "print the hits as JSON (the /api/search answer)")
            ("raw", po::bool_switch(), "QUERY is FTS5 query syntax (AND, OR, NOT, NEAR, \"phrases\", prefix*)")
            ("agent", po::value<std::string>(), "only this agent's sessions (claude, codex, ...)")
            ("project", po::value<std::string>(), "only this project's sessions (its name as the dashboard shows it)")
            ("model", po::value<std::string>(), "only sessions of this model")
            ("kind", po::value<std::string>(), "only hits of this kind: prompt, command, file, tool or text")
            ("machine", po::value<std::string>(), "only sessions of this machine (a store that records machines)")
            ("since", po::value<std::string>(), "only hits at or after this time (ISO 8601, or a date YYYY-MM-DD)")
            ("until", po::value<std::string>(), "only hits before this time (ISO 8601, or a date YYYY-MM-DD)")
            ("limit", po::value<int>()->default_value(20), "hits to print (1-200)")
            ("no-progress", po::bool_switch(), "no progress bar for --rebuild even on a terminal")
            ("index-text", po::bool_switch(), "also index assistant text for search (prompts, files, commands and tools always are; docs/search.md)");
        common.add(search);
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
                                  statusline = describe("statusline"), search = describe("search"),
                                  alerts = describe("alerts");
    for (const po::options_description* other : {&ingest, &report, &statusline, &search, &alerts})
        for (const auto& o : other->options())
            if (!every.find_nothrow(o->long_name(), false)) every.add(o);
    const po::parsed_options parsed = po::parse_config_file(defused, every, false);
    po::parsed_options mine(&desc);
    for (const po::option& o : parsed.options) {
        // The file's machine names this machine (serve, ingest): it is not search's --machine filter.
        if (o.string_key == "machine" && !desc.find_nothrow("user", false)) continue;
        if (desc.find_nothrow(o.string_key, false)) mine.options.push_back(o);
    }
    return mine;
}

// serve and ingest: --forward and its options (docs/teams.md).
void read_forward_options(const po::variables_map& vm, Config& c) {
    c.forward = text(vm, "forward");
    c.forward_token = text(vm, "forward-token");
    if (!c.forward.empty() && !c.forward.starts_with("http://"))
        throw po::error("--forward must be an http:// URL (e.g. http://central:4318), not '" + c.forward + "'");
    if (vm.count("forward-batch")) {
        const long long n = vm["forward-batch"].as<long long>();
        if (n < 1 || n > 100'000) throw po::error("--forward-batch must be between 1 and 100000");
        c.forward_batch = static_cast<int>(n);
    }
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
    if (!c.forward.empty() && c.no_watcher)
        throw po::error("--forward needs the watcher (the forward cursor is kept in the store); drop --no-watcher");
    if (c.otlp_port >= 0 && c.no_watcher)
        throw po::error("--otlp-listen needs the watcher (its thread writes telemetry into the store); drop --no-watcher");
}

void read_alert_options(const po::variables_map& vm, Config& c) {
    for (auto [key, field] : {std::pair{"budget", &c.budget}, std::pair{"budget-daily", &c.budget_daily},
                              std::pair{"budget-weekly", &c.budget_weekly}}) {
        if (!vm.count(key)) continue;
        *field = vm[key].as<double>();
        // "inf" and "nan" parse as doubles; neither is an amount (found by fuzz/config_fuzz).
        if (!(std::isfinite(**field) && **field > 0)) throw po::error(std::string("--") + key + " must be a positive amount of USD");
    }
    c.alert_rules = budget_flag_rules(c.budget, c.budget_daily, c.budget_weekly);
    if (vm.count("alert"))
        for (const std::string& spec : vm["alert"].as<std::vector<std::string>>()) {
            std::string error;
            auto rule = parse_alert_rule(restore(spec), &error);
            if (!rule) throw po::error(error);
            for (const AlertRule& r : c.alert_rules)
                if (r.id == rule->id) throw po::error("two alert rules are called '" + r.id + "': give one a name=");
            c.alert_rules.push_back(std::move(*rule));
        }
    std::vector<NotifyChannel> channels;
    if (vm.count("notify"))
        for (const std::string& spec : vm["notify"].as<std::vector<std::string>>()) {
            std::string error;
            auto ch = parse_channel(restore(spec), &error);
            if (!ch) throw po::error(error);
            channels.push_back(std::move(*ch));
        }
    c.channels = name_channels(std::move(channels));
    for (const AlertRule& r : c.alert_rules)
        for (const std::string& name : r.channels)
            if (name != "none" && std::none_of(c.channels.begin(), c.channels.end(),
                                               [&](const NotifyChannel& ch) { return ch.name == name; }))
                throw po::error("alert rule " + r.id + ": notify=" + name + " names no --notify channel");
    c.notify_secret = text(vm, "notify-secret");
    c.notify_ca = text(vm, "notify-ca");
    c.alert_tz = text(vm, "alert-tz");
    if (!c.alert_tz.empty() && !known_time_zone(c.alert_tz)) throw po::error("--alert-tz: unknown time zone '" + c.alert_tz + "'");
    if (c.alert_tz.empty()) c.alert_tz = system_time_zone(std::getenv("TZ"));
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

void read_search_options(const po::variables_map& vm, Config& c) {
    SearchOptions& s = c.search;
    s.rebuild = vm["rebuild"].as<bool>();
    s.json = vm["json"].as<bool>();
    s.raw = vm["raw"].as<bool>();
    c.progress = !vm["no-progress"].as<bool>();
    if (s.rebuild && !c.args.empty()) throw po::error("--rebuild takes no query");
    if (!s.rebuild && c.args.empty()) throw po::error("search needs a QUERY (or --rebuild)");
    s.agent = text(vm, "agent");
    if (!s.agent.empty() && !find_agent(s.agent))
        throw po::error("--agent: no agent is called '" + s.agent + "' (this build reads " + agent_names() + ")");
    s.project = text(vm, "project");
    s.model = text(vm, "model");
    s.kind = text(vm, "kind");
    s.machine = text(vm, "machine");
    if (!s.kind.empty() && s.kind != "prompt" && s.kind != "command" && s.kind != "file" && s.kind != "tool" &&
        s.kind != "text")
        throw po::error("--kind must be prompt, command, file, tool or text");
    s.since = text(vm, "since");
    s.until = text(vm, "until");
    s.limit = vm["limit"].as<int>();
    if (s.limit < 1 || s.limit > 200) throw po::error("--limit must be between 1 and 200");
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
    if (command == "serve" || command == "ingest") {
        c.machine = text(vm, "machine");
        c.user = text(vm, "user");
    }
    if (command == "serve" || command == "ingest") read_forward_options(vm, c);
    if (command == "serve") read_serve_options(vm, c);
    if (command == "serve" || command == "alerts") read_alert_options(vm, c);
    if (command == "alerts" && (c.args.empty() || !((c.args[0] == "list" && c.args.size() == 1) ||
                                                     (c.args[0] == "test" && c.args.size() <= 2))))
        throw po::error("alerts needs a subcommand: list, or test [RULE]");
    if (command == "ingest") {
        c.follow = vm["follow"].as<bool>();
        c.progress = !vm["no-progress"].as<bool>();
    }
    if (command == "statusline") c.format = text(vm, "format");
    if (command == "serve" || command == "ingest" || command == "search") c.index_text = vm["index-text"].as<bool>();
    if (command == "search") read_search_options(vm, c);
    if (command == "pricing" && (c.args.empty() || (c.args[0] != "check" && c.args[0] != "reprice")))
        throw po::error("pricing needs a subcommand: check or reprice");
    if (command == "report") read_report_options(vm, c);
    if (command != "pricing" && command != "report" && command != "search" && command != "alerts" && !c.args.empty()) throw po::error("unexpected argument '" + c.args[0] + "'");
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
        command != "report" && command != "statusline" && command != "search" &&
        command != "alerts") {
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
