// Boost.Program_options does the merging: values stored first win, so the command line is stored
// before the environment, and the environment before the file.
#include "app/Config.hpp"

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

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
// `port = %value%`) makes it loop for ever, growing the message (found by fuzz/config_fuzz). Swap every '%'
// in what the user wrote for a look-alike before what() runs.
struct SubstitutionAccess : po::error_with_option_name {
    static std::map<std::string, std::string>& of(po::error_with_option_name& e) {
        return e.*(&SubstitutionAccess::m_substitutions);
    }
};

void defuse_placeholders(po::error& e) {
    auto* named = dynamic_cast<po::error_with_option_name*>(&e);
    if (!named) return;
    for (auto& [key, value] : SubstitutionAccess::of(*named)) {
        for (std::size_t p = value.find('%'); p != std::string::npos; p = value.find('%', p))
            value.replace(p, 1, "\xef\xbc\x85");  // U+FF05 FULLWIDTH PERCENT SIGN
    }
}

constexpr const char* kUsage = R"(agentpulse - a live view of AI coding agents at work

Usage:
  agentpulse serve   [options]   watch transcripts and serve the dashboard and live API
  agentpulse demo    [options]   serve simulated agents' transcripts (same as serve --demo)
  agentpulse ingest  [options]   read all transcripts into the store once (--follow: keep tailing)
  agentpulse pricing check       list models seen in the store that the price card does not know
  agentpulse pricing reprice     re-price stored usage with the current price card
  agentpulse status  [options]   show the store's watcher heartbeat and ingest counters
  agentpulse --version | --help

Every option can also come from the environment as AGENTPULSE_<OPTION> (upper case, dashes as
underscores, e.g. AGENTPULSE_PORT=9000) or from the configuration file as `option = value`.
The command line wins over the environment, which wins over the file.
Exit codes: 0 success, 2 bad usage or configuration, 1 other failures.
)";

po::options_description describe(const std::string& command) {
    po::options_description common("Common options");
    common.add_options()
        ("help,h", "show this help")
        ("config", po::value<std::string>(), "configuration file (default: $XDG_CONFIG_HOME/agentpulse/agentpulse.conf if it exists)")
        ("store", po::value<std::string>(), "SQLite store file (default: $XDG_DATA_HOME/agentpulse/store.db)")
        ("claude-projects", po::value<std::string>(), "Claude Code transcripts (default: $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects)")
        ("codex-sessions", po::value<std::string>(), "Codex CLI rollouts (default: $CODEX_HOME/sessions or ~/.codex/sessions)")
        ("pricing", po::value<std::string>(), "price card JSON (default: the conf/pricing.json built into the binary)")
        ("log-level", po::value<std::string>()->default_value("info"), "trace, debug, info, warn, error or off");
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
            ("max-connections", po::value<long long>(), "open connections and streams before new ones get 503 (default 19000)")
            ("request-timeout-ms", po::value<long long>(), "time allowed to send a whole request, in ms (default 10000)")
            ("keepalive-timeout-ms", po::value<long long>(), "idle time before a keep-alive connection is closed, in ms (default 30000)")
            ("retry-ms", po::value<long long>(), "SSE retry: how long a browser waits before reconnecting a dropped stream, in ms (default 1000)")
            ("static-dir", po::value<std::string>(), "folder with the built dashboard (default: next to the binary)");
        common.add(serve);
    } else if (command == "ingest") {
        po::options_description ingest("Ingest options");
        ingest.add_options()
            ("follow,f", po::bool_switch(), "after the backfill, keep tailing transcripts as they grow")
            ("no-progress", po::bool_switch(), "no progress bar even on a terminal");
        common.add(ingest);
    }
    return common;
}

}  // namespace

fs::path default_store_path() {
    const std::string xdg = env("XDG_DATA_HOME");
    return (xdg.empty() ? home() / ".local" / "share" : fs::path(xdg)) / "agentpulse" / "store.db";
}

fs::path default_claude_projects() {
    const std::string c = env("CLAUDE_CONFIG_DIR");
    return (c.empty() ? home() / ".claude" : fs::path(c)) / "projects";
}

fs::path default_codex_sessions() {
    const std::string c = env("CODEX_HOME");
    return (c.empty() ? home() / ".codex" : fs::path(c)) / "sessions";
}

CliOutcome parse_cli(int argc, const char* const* argv) {
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
    if (command != "serve" && command != "ingest" && command != "pricing" && command != "status") {
        out.exit_code = 2;
        out.message = "unknown command '" + command + "'\n\n" + kUsage;
        return out;
    }

    po::options_description desc = describe(command);
    po::options_description hidden;
    hidden.add_options()("args", po::value<std::vector<std::string>>(), "");
    po::options_description all;
    all.add(desc).add(hidden);
    po::positional_options_description pos;
    pos.add("args", -1);

    po::variables_map vm;
    std::string stage = "command line";
    try {
        po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(pos).run(), vm);
        if (vm.count("help")) {
            std::ostringstream ss;
            ss << kUsage << "\n" << desc;
            out.message = ss.str();
            return out;
        }
        stage = "environment";
        po::store(po::parse_environment(desc,
                                        [&](const std::string& var) -> std::string {
                                            if (!var.starts_with("AGENTPULSE_")) return {};
                                            std::string name = var.substr(11);
                                            for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
                                            if (name == "config" || !desc.find_nothrow(name, false)) return {};
                                            return name;
                                        }),
                  vm);
        fs::path file;
        if (vm.count("config")) {
            file = vm["config"].as<std::string>();
            std::error_code exists_ec;
            if (!fs::exists(file, exists_ec)) {
                out.exit_code = 2;
                out.message = "configuration file " + file.string() + " does not exist";
                return out;
            }
        } else if (const std::string ec = env("AGENTPULSE_CONFIG"); !ec.empty()) {
            file = ec;
        } else {
            const std::string xdg = env("XDG_CONFIG_HOME");
            const fs::path candidate = (xdg.empty() ? home() / ".config" : fs::path(xdg)) / "agentpulse" / "agentpulse.conf";
            std::error_code exists_ec;  // an unreadable $HOME/.config is no reason to fail
            if (fs::exists(candidate, exists_ec)) file = candidate;
        }
        if (!file.empty()) {
            stage = "configuration file " + file.string();
            std::ifstream in(file);
            if (!in) {
                out.exit_code = 2;
                out.message = "cannot read configuration file " + file.string();
                return out;
            }
            // Keys for other commands are fine in a shared file: only unknown keys are errors.
            po::options_description every;
            every.add(describe("serve"));
            const po::options_description ingest = describe("ingest");  // named: options() refers into it
            for (const auto& o : ingest.options())
                if (!every.find_nothrow(o->long_name(), false)) every.add(o);
            const po::parsed_options parsed = po::parse_config_file(in, every, false);
            po::parsed_options mine(&desc);
            for (const po::option& o : parsed.options)
                if (desc.find_nothrow(o.string_key, false)) mine.options.push_back(o);
            po::store(mine, vm);
        }
        po::notify(vm);

        Config c;
        c.command = command;
        c.config_file = file;
        if (vm.count("args")) c.args = vm["args"].as<std::vector<std::string>>();
        // An empty value (`--store ""`, `AGENTPULSE_STORE=` in a compose file) means the default: SQLite
        // would open "" as a private temporary database that vanishes on exit (found by fuzz/config_fuzz).
        const auto path_or = [&vm](const char* key, fs::path fallback) {
            if (vm.count(key) && !vm[key].as<std::string>().empty()) return fs::path(vm[key].as<std::string>());
            return fallback;
        };
        c.store = path_or("store", default_store_path());
        c.claude_projects = path_or("claude-projects", default_claude_projects());
        c.codex_sessions = path_or("codex-sessions", default_codex_sessions());
        if (vm.count("pricing")) c.pricing = vm["pricing"].as<std::string>();
        c.log_level = vm["log-level"].as<std::string>();
        static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
        if (std::find(std::begin(levels), std::end(levels), c.log_level) == std::end(levels))
            throw po::error("--log-level must be one of trace, debug, info, warn, error, off");
        if (command == "serve") {
            c.host = vm["host"].as<std::string>();
            c.port = vm["port"].as<int>();
            if (c.port < 0 || c.port > 65535) throw po::error("--port must be between 0 and 65535");
            c.no_watcher = vm["no-watcher"].as<bool>();
            c.demo = vm["demo"].as<bool>();
            c.allow_remote = vm["allow-remote"].as<bool>();
            if (vm.count("token")) c.token = vm["token"].as<std::string>();
            if (vm.count("budget")) {
                c.budget = vm["budget"].as<double>();
                // "inf" and "nan" parse as doubles; neither is an amount (found by fuzz/config_fuzz).
                if (!(std::isfinite(*c.budget) && *c.budget > 0))
                    throw po::error("--budget must be a positive amount of USD");
            }
            if (vm.count("static-dir")) c.static_dir = vm["static-dir"].as<std::string>();
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
                if (ms < 100 || ms > 3'600'000)
                    throw po::error(std::string("--") + key + " must be between 100 and 3600000 (ms)");
                *field = ms;
            }
            if (c.demo && c.no_watcher) throw po::error("--demo needs the watcher; drop --no-watcher");
        }
        if (command == "ingest") {
            c.follow = vm["follow"].as<bool>();
            c.progress = !vm["no-progress"].as<bool>();
        }
        if (command == "pricing" && (c.args.empty() || (c.args[0] != "check" && c.args[0] != "reprice")))
            throw po::error("pricing needs a subcommand: check or reprice");
        if (command != "pricing" && !c.args.empty())
            throw po::error("unexpected argument '" + c.args[0] + "'");
        out.config = std::move(c);
    } catch (po::error& e) {
        defuse_placeholders(e);
        out.exit_code = 2;
        out.message = std::string("agentpulse ") + command + ": " + e.what() + " (in the " + stage +
                      ")\nRun 'agentpulse " + command + " --help' for the options.";
    }
    return out;
}

}  // namespace agentpulse
