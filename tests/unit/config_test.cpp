// app/Config: flags > environment (AGENTPULSE_<FLAG>) > configuration file, defaults from XDG_DATA_HOME /
// CLAUDE_CONFIG_DIR / CODEX_HOME / HOME, and exit code 2 with a message for every kind of bad usage.
#include <stdlib.h>
#include <unistd.h>  // environ
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "TempDir.hpp"
#include "agents/AgentRegistry.hpp"
#include "app/Config.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

// Sets and unsets environment variables for one test and restores them all afterwards. Starts from an
// environment without AGENTPULSE_* variables and with a private XDG_CONFIG_HOME (no user config file).
class Env {
  public:
    Env() {
        std::vector<std::string> ours;
        for (char** e = environ; *e; ++e)
            if (std::string_view(*e).starts_with("AGENTPULSE_"))
                ours.emplace_back(std::string(*e).substr(0, std::string(*e).find('=')));
        for (const auto& name : ours) unset(name);
        set("XDG_CONFIG_HOME", (dir / "config").string());
    }
    ~Env() {
        for (const auto& [name, value] : saved_) {
            if (value)
                ::setenv(name.c_str(), value->c_str(), 1);
            else
                ::unsetenv(name.c_str());
        }
    }
    void set(const std::string& name, const std::string& value) {
        save(name);
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    void unset(const std::string& name) {
        save(name);
        ::unsetenv(name.c_str());
    }
    TempDir dir;

  private:
    void save(const std::string& name) {
        if (saved_.count(name)) return;
        const char* v = std::getenv(name.c_str());
        saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
    }
    std::map<std::string, std::optional<std::string>> saved_;
};

CliOutcome cli(std::vector<std::string> args) {
    args.insert(args.begin(), "agentpulse");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_cli(static_cast<int>(argv.size()), argv.data());
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(flags_beat_environment_beat_file) {
    Env env;
    const auto file = env.dir / "agentpulse.conf";
    write_file(file,
               "# comment\nstore = /from/file.db\nport = 1111\nclaude-projects = /file/claude\n"
               "codex-sessions = /file/codex\nhost = 127.0.0.2\nlog-level = warn\n");
    env.set("AGENTPULSE_STORE", "/from/env.db");
    env.set("AGENTPULSE_PORT", "2222");
    env.set("AGENTPULSE_CLAUDE_PROJECTS", "/env/claude");

    CliOutcome o = cli({"serve", "--config", file.string(), "--store", "/from/flag.db"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->store == "/from/flag.db");          // flag
    BOOST_TEST(o.config->port == 2222);                      // environment over file
    BOOST_TEST(root_of(o.config->roots, "claude") == "/env/claude");  // environment over file
    BOOST_TEST(root_of(o.config->roots, "codex") == "/file/codex");   // file
    BOOST_TEST(o.config->host == "127.0.0.2");               // file over the built-in default
    BOOST_TEST(o.config->log_level == "warn");
    BOOST_TEST(o.config->config_file == file);

    o = cli({"serve", "--config", file.string(), "--port", "3333"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->store == "/from/env.db");
    BOOST_TEST(o.config->port == 3333);

    env.unset("AGENTPULSE_STORE");
    env.unset("AGENTPULSE_PORT");
    o = cli({"serve", "--config", file.string()});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->store == "/from/file.db");
    BOOST_TEST(o.config->port == 1111);

    // The file can also be named by AGENTPULSE_CONFIG, or found in $XDG_CONFIG_HOME/agentpulse/.
    env.set("AGENTPULSE_CONFIG", file.string());
    o = cli({"ingest"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->store == "/from/file.db");
    env.unset("AGENTPULSE_CONFIG");
    write_file(env.dir / "config" / "agentpulse" / "agentpulse.conf", "store = /from/xdg.db\n");
    o = cli({"ingest"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->store == "/from/xdg.db");
}

// A '%' is an ordinary character in every source (Program_options' error messages treat it as the start
// of a placeholder, so Config swaps it out and back): paths, tokens and positional words keep it, and an
// error quotes it as written.
BOOST_AUTO_TEST_CASE(percent_signs_survive_every_source) {
    Env env;
    const auto file = env.dir / "agentpulse.conf";
    write_file(file, "codex-sessions = /file/100%/codex\ntoken = t%value%k\n");
    env.set("AGENTPULSE_CLAUDE_PROJECTS", "/env/%option%/claude");
    CliOutcome o = cli({"serve", "--config", file.string(), "--store", "/flag/50%.db"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->store == "/flag/50%.db");
    BOOST_TEST(root_of(o.config->roots, "claude") == "/env/%option%/claude");
    BOOST_TEST(root_of(o.config->roots, "codex") == "/file/100%/codex");
    BOOST_TEST(o.config->token == "t%value%k");
    o = cli({"serve", "--port", "8%value%"});
    BOOST_TEST(!o.config);
    BOOST_TEST(o.exit_code == 2);
    BOOST_TEST(o.message.find("'8%value%'") != std::string::npos, o.message);
}

BOOST_AUTO_TEST_CASE(switches_from_every_source) {
    Env env;
    CliOutcome o = cli({"ingest", "--follow"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->follow);
    o = cli({"ingest", "-f", "--no-progress"});
    BOOST_TEST(o.config->follow);
    BOOST_TEST(!o.config->progress);
    o = cli({"ingest"});
    BOOST_TEST(!o.config->follow);
    BOOST_TEST(o.config->progress);
    env.set("AGENTPULSE_FOLLOW", "true");
    o = cli({"ingest"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->follow);
    env.unset("AGENTPULSE_FOLLOW");
    write_file(env.dir / "f.conf", "follow = true\n");
    o = cli({"ingest", "--config", (env.dir / "f.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->follow);
}

BOOST_AUTO_TEST_CASE(keys_of_other_commands_are_fine_in_a_shared_file) {
    Env env;
    write_file(env.dir / "shared.conf", "port = 9000\nfollow = true\ntoken = abc\nstore = /s.db\n");
    CliOutcome o = cli({"ingest", "--config", (env.dir / "shared.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->follow);
    BOOST_TEST(o.config->store == "/s.db");
    o = cli({"serve", "--config", (env.dir / "shared.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->port == 9000);
    BOOST_TEST(o.config->token == "abc");
    // And environment variables for other commands are ignored, not errors.
    env.set("AGENTPULSE_PORT", "1");
    BOOST_TEST(cli({"ingest"}).config.has_value());
}

BOOST_AUTO_TEST_CASE(unknown_key_in_the_file_is_a_usage_error) {
    Env env;
    write_file(env.dir / "bad.conf", "store = /s.db\nprot = 9000\n");
    const CliOutcome o = cli({"serve", "--config", (env.dir / "bad.conf").string()});
    BOOST_TEST(!o.config);
    BOOST_TEST(o.exit_code == 2);
    BOOST_TEST(contains(o.message, "prot"), o.message);
    BOOST_TEST(contains(o.message, (env.dir / "bad.conf").string()), o.message);
}

BOOST_AUTO_TEST_CASE(bad_values_are_usage_errors_with_messages) {
    Env env;
    struct Case {
        std::vector<std::string> args;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {{"serve", "--port", "70000"}, "--port must be between 0 and 65535"},
        {{"serve", "--port", "-1"}, "--port must be between 0 and 65535"},
        {{"serve", "--port", "http"}, "port"},
        {{"serve", "--budget", "-5"}, "--budget must be a positive"},
        {{"serve", "--demo", "--no-watcher"}, "--demo needs the watcher"},
        {{"serve", "--log-level", "loud"}, "--log-level must be one of"},
        {{"serve", "--frobnicate"}, "frobnicate"},
        {{"ingest", "--port", "9000"}, "port"},  // ingest has no --port
        {{"ingest", "extra"}, "unexpected argument 'extra'"},
        {{"pricing"}, "pricing needs a subcommand"},
        {{"pricing", "guess"}, "pricing needs a subcommand"},
        {{"serve", "--config", "/nonexistent/agentpulse.conf"}, "does not exist"},
        {{"launch"}, "unknown command 'launch'"},
        {{}, "missing command"},
    };
    for (const Case& c : cases) {
        std::string joined;
        for (const auto& a : c.args) joined += a + " ";
        BOOST_TEST_CONTEXT(joined) {
            const CliOutcome o = cli(c.args);
            BOOST_TEST(!o.config);
            BOOST_TEST(o.exit_code == 2);
            BOOST_TEST(contains(o.message, c.expect), o.message);
        }
    }
    // A bad value from the environment names the environment.
    env.set("AGENTPULSE_PORT", "abc");
    const CliOutcome o = cli({"serve"});
    BOOST_TEST(o.exit_code == 2);
    BOOST_TEST(contains(o.message, "environment"), o.message);
}

BOOST_AUTO_TEST_CASE(http_limits_from_every_source) {
    Env env;
    CliOutcome o = cli({"serve"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(!o.config->max_connections);  // unset: the server's built-in defaults apply
    BOOST_TEST(!o.config->request_timeout_ms);
    BOOST_TEST(!o.config->keepalive_timeout_ms);
    BOOST_TEST(!o.config->retry_ms);
    o = cli({"serve", "--max-connections", "50", "--request-timeout-ms", "2000", "--keepalive-timeout-ms", "1500",
             "--retry-ms", "3000"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(*o.config->max_connections == 50u);
    BOOST_TEST(*o.config->request_timeout_ms == 2000);
    BOOST_TEST(*o.config->keepalive_timeout_ms == 1500);
    BOOST_TEST(*o.config->retry_ms == 3000);
    env.set("AGENTPULSE_MAX_CONNECTIONS", "77");
    write_file(env.dir / "l.conf", "max-connections = 99\nkeepalive-timeout-ms = 4000\nretry-ms = 250\n");
    o = cli({"serve", "--config", (env.dir / "l.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(*o.config->max_connections == 77u);  // environment over file
    BOOST_TEST(*o.config->keepalive_timeout_ms == 4000);
    BOOST_TEST(*o.config->retry_ms == 250);
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"serve", "--max-connections", "0"}, {"serve", "--max-connections", "-3"},
          {"serve", "--request-timeout-ms", "5"}, {"serve", "--keepalive-timeout-ms", "99999999"},
          {"serve", "--retry-ms", "50"}}) {
        o = cli(bad);
        BOOST_TEST(!o.config, bad[1]);
        BOOST_TEST(o.exit_code == 2);
        BOOST_TEST(contains(o.message, bad[1] + " must be between"), o.message);
    }
}

BOOST_AUTO_TEST_CASE(io_threads_from_every_source) {
    Env env;
    CliOutcome o = cli({"serve"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->io_threads == 1);  // the default: one thread, as the design card says
    o = cli({"serve", "--io-threads", "2"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->io_threads == 2);
    write_file(env.dir / "t.conf", "io-threads = 3\n");
    o = cli({"serve", "--config", (env.dir / "t.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->io_threads == 3);
    env.set("AGENTPULSE_IO_THREADS", "4");
    o = cli({"serve", "--config", (env.dir / "t.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->io_threads == 4);  // environment over file
    o = cli({"serve", "--io-threads", "5", "--config", (env.dir / "t.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->io_threads == 5);  // command line over both
    for (const char* bad : {"0", "-1", "65", "two"}) {
        o = cli({"serve", "--io-threads", bad});
        BOOST_TEST(!o.config, bad);
        BOOST_TEST(o.exit_code == 2);
        BOOST_TEST(contains(o.message, "io-threads"), o.message);
    }
}

BOOST_AUTO_TEST_CASE(otlp_listen_from_every_source) {
    Env env;
    CliOutcome o = cli({"serve"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->otlp_port == -1);  // off by default
    o = cli({"serve", "--otlp-listen", "127.0.0.1:0"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->otlp_host == "127.0.0.1");
    BOOST_TEST(o.config->otlp_port == 0);
    write_file(env.dir / "t.conf", "otlp-listen = 127.0.0.1:4318\n");
    o = cli({"serve", "--config", (env.dir / "t.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->otlp_port == 4318);
    env.set("AGENTPULSE_OTLP_LISTEN", "[::1]:4319");
    o = cli({"serve", "--config", (env.dir / "t.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->otlp_host == "::1");  // environment over file
    BOOST_TEST(o.config->otlp_port == 4319);
    for (const char* bad : {"4318", "127.0.0.1", "127.0.0.1:", ":4318", "127.0.0.1:65536", "127.0.0.1:x"}) {
        o = cli({"serve", "--otlp-listen", bad});
        BOOST_TEST(!o.config, bad);
        BOOST_TEST(o.exit_code == 2);
        BOOST_TEST(contains(o.message, "otlp-listen"), o.message);
    }
    o = cli({"serve", "--otlp-listen", "127.0.0.1:4318", "--no-watcher"});
    BOOST_TEST(!o.config);
    BOOST_TEST(contains(o.message, "needs the watcher"), o.message);
}

BOOST_AUTO_TEST_CASE(agents_chooses_the_sources_that_run) {
    Env env;
    auto names = [](const Config& c) {
        std::string out;
        for (const AgentRoot& r : c.roots) out += (out.empty() ? "" : ",") + std::string(r.source->name());
        return out;
    };
    std::string all;
    for (const AgentSource* s : agent_sources()) all += (all.empty() ? "" : ",") + std::string(s->name());
    CliOutcome o = cli({"ingest"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(names(*o.config) == all);  // the default: every agent this build reads
    o = cli({"ingest", "--agents", "all"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(names(*o.config) == all);
    o = cli({"ingest", "--agents", " codex , claude"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(names(*o.config) == "claude,codex");  // in the registry's (the dashboard's) order
    env.set("AGENTPULSE_AGENTS", "codex");
    o = cli({"serve"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(names(*o.config) == "codex");
    write_file(env.dir / "a.conf", "agents = claude\n");
    env.unset("AGENTPULSE_AGENTS");
    o = cli({"serve", "--config", (env.dir / "a.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(names(*o.config) == "claude");
    for (const char* bad : {"claude,cursor", "claude,,codex", ","}) {
        o = cli({"ingest", "--agents", bad});
        BOOST_TEST(!o.config, bad);
        BOOST_TEST(o.exit_code == 2);
        BOOST_TEST(contains(o.message, "--agents"), o.message);
    }
    o = cli({"ingest", "--agents", "cursor"});
    BOOST_TEST(contains(o.message, "no agent is called 'cursor' (this build reads " + std::string(agent_sources()[0]->name())),
               o.message);
}

BOOST_AUTO_TEST_CASE(help_and_version_exit_0) {
    Env env;
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
        const CliOutcome o = cli(args);
        BOOST_TEST(!o.config);
        BOOST_TEST(o.exit_code == 0);
        BOOST_TEST(contains(o.message, "agentpulse serve"));
        BOOST_TEST(contains(o.message, "AGENTPULSE_"));
    }
    CliOutcome o = cli({"serve", "--help"});
    BOOST_TEST(o.exit_code == 0);
    BOOST_TEST(!o.config);
    for (const char* flag : {"--host", "--port", "--store", "--claude-projects", "--codex-sessions",
                             "--no-watcher", "--token", "--budget", "--demo", "--pricing", "--config"})
        BOOST_TEST(contains(o.message, flag), flag);
    o = cli({"ingest", "--help"});
    BOOST_TEST(o.exit_code == 0);
    BOOST_TEST(contains(o.message, "--follow"));
    // --help wins even over a bad value elsewhere.
    o = cli({"serve", "--help", "--port", "99999"});
    BOOST_TEST(o.exit_code == 0);
    o = cli({"--version"});
    BOOST_TEST(o.exit_code == 0);
    BOOST_TEST(contains(o.message, AGENTPULSE_VERSION));
}

BOOST_AUTO_TEST_CASE(defaults_follow_the_environment) {
    Env env;
    env.set("XDG_DATA_HOME", "/xdg/data");
    env.set("CLAUDE_CONFIG_DIR", "/cc/dir");
    env.set("CODEX_HOME", "/cx/home");
    CliOutcome o = cli({"serve"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->store == "/xdg/data/agentpulse/store.db");
    BOOST_TEST(root_of(o.config->roots, "claude") == "/cc/dir/projects");
    BOOST_TEST(root_of(o.config->roots, "codex") == "/cx/home/sessions");
    BOOST_TEST(o.config->host == "127.0.0.1");
    BOOST_TEST(o.config->port == 8787);
    BOOST_TEST(!o.config->no_watcher);
    BOOST_TEST(o.config->pricing.empty());

    env.unset("XDG_DATA_HOME");
    env.unset("CLAUDE_CONFIG_DIR");
    env.unset("CODEX_HOME");
    env.set("HOME", "/home/zoe");
    o = cli({"ingest"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->store == "/home/zoe/.local/share/agentpulse/store.db");
    BOOST_TEST(root_of(o.config->roots, "claude") == "/home/zoe/.claude/projects");
    BOOST_TEST(root_of(o.config->roots, "codex") == "/home/zoe/.codex/sessions");
    BOOST_TEST(default_store_path() == "/home/zoe/.local/share/agentpulse/store.db");
}

// conf/agentpulse.conf documents every key: with all its examples switched on it must load for every
// command, and every flag of `serve` and `ingest` must be in it.
BOOST_AUTO_TEST_CASE(shipped_configuration_file_documents_every_key) {
    Env env;
    const std::filesystem::path conf = std::filesystem::path(AGENTPULSE_PRICING_FILE).parent_path() / "agentpulse.conf";
    std::ifstream in(conf);
    BOOST_REQUIRE_MESSAGE(in, conf << " is missing");
    const std::regex example(R"(^#([a-z][a-z-]*) =(.*)$)");
    std::string line, enabled;
    std::set<std::string> keys;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, example)) {
            keys.insert(m[1]);
            enabled += m[1].str() + " =" + m[2].str() + "\n";
        }
    }
    BOOST_TEST(keys.size() >= 10u);
    write_file(env.dir / "all.conf", enabled);
    for (const char* command : {"serve", "ingest", "status"}) {
        const CliOutcome o = cli({command, "--config", (env.dir / "all.conf").string()});
        BOOST_TEST(o.config.has_value(), command << ": " << o.message);
    }
    const CliOutcome report = cli({"report", "daily", "--config", (env.dir / "all.conf").string()});
    BOOST_TEST(report.config.has_value(), report.message);
    // Every flag is documented in the file.
    const std::regex flag(R"(--([a-z][a-z-]*))");
    for (const std::vector<std::string>& words : {std::vector<std::string>{"serve", "--help"}, {"ingest", "--help"},
                                                  {"report", "--help"}}) {
        const std::string command = words[0];
        const std::string help = cli(words).message;
        for (auto it = std::sregex_iterator(help.begin(), help.end(), flag); it != std::sregex_iterator(); ++it) {
            const std::string name = (*it)[1];
            if (name == "help" || name == "config" || name == "version") continue;
            BOOST_TEST(keys.count(name) == 1u, "--" << name << " of '" << command << "' is not in " << conf);
        }
    }
}

BOOST_AUTO_TEST_CASE(report_takes_a_kind_dates_filters_a_zone_and_one_format) {
    Env env;
    CliOutcome o = cli({"report", "weekly", "--since", "20261101", "--until", "2026-11-30", "--agent", "codex",
                        "--project", "shop", "--tz", "Asia/Kolkata", "--week-start", "sun", "--csv", "--refresh"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    const ReportOptions& r = o.config->report;
    BOOST_TEST(r.kind == "weekly");
    BOOST_TEST(r.since == "2026-11-01");
    BOOST_TEST(r.until == "2026-11-30");
    BOOST_TEST(r.agent == "codex");
    BOOST_TEST(r.project == "shop");
    BOOST_TEST(r.tz == "Asia/Kolkata");
    BOOST_TEST(r.week_start == 6);
    BOOST_TEST(r.format == "csv");
    BOOST_TEST(r.refresh);
    BOOST_TEST(o.config->roots.size() == agent_sources().size());  // --agent filters; --agents still picks sources
    o = cli({"report", "daily"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->report.format == "table");
    BOOST_TEST(o.config->report.tz.empty());
    BOOST_TEST(o.config->report.week_start == 0);
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"report"}, {"report", "hourly"}, {"report", "daily", "weekly"},
          {"report", "daily", "--json", "--csv"}, {"report", "daily", "--tz", "Mars/Olympus"},
          {"report", "daily", "--since", "2026-02-30"}, {"report", "daily", "--since", "2026-12-02", "--until", "2026-12-01"},
          {"report", "daily", "--agent", "amp"}, {"report", "daily", "--week-start", "someday"}}) {
        const CliOutcome b = cli(bad);
        BOOST_TEST(!b.config.has_value(), bad.size());
        BOOST_TEST(b.exit_code == 2, b.message);
    }
}

// agentpulse search: the query's words, its filters, --rebuild alone; --index-text from a flag, the
// environment or the file, for serve, ingest and search.
BOOST_AUTO_TEST_CASE(search_takes_a_query_or_rebuild_and_index_text_comes_from_everywhere) {
    Env env;
    CliOutcome o = cli({"search", "billing", "py", "--agent", "codex", "--kind", "command", "--limit", "7", "--json",
                        "--since", "2026-11-01", "--raw"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST((o.config->args == std::vector<std::string>{"billing", "py"}));
    const SearchOptions& s = o.config->search;
    BOOST_TEST(s.agent == "codex");
    BOOST_TEST(s.kind == "command");
    BOOST_TEST(s.limit == 7);
    BOOST_TEST(s.json);
    BOOST_TEST(s.raw);
    BOOST_TEST(s.since == "2026-11-01");
    BOOST_TEST(!s.rebuild);
    BOOST_TEST(!o.config->index_text);
    o = cli({"search", "--rebuild", "--index-text"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->search.rebuild);
    BOOST_TEST(o.config->index_text);
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"search"}, {"search", "--rebuild", "x"}, {"search", "x", "--kind", "bogus"},
          {"search", "x", "--limit", "0"}, {"search", "x", "--agent", "amp"}}) {
        const CliOutcome b = cli(bad);
        BOOST_TEST(!b.config.has_value(), bad.size());
        BOOST_TEST(b.exit_code == 2, b.message);
    }
    BOOST_TEST(!cli({"serve"}).config->index_text);
    BOOST_TEST(cli({"serve", "--index-text"}).config->index_text);
    env.set("AGENTPULSE_INDEX_TEXT", "true");
    BOOST_TEST(cli({"ingest"}).config->index_text);
    env.unset("AGENTPULSE_INDEX_TEXT");
    write_file(env.dir / "c.conf", "index-text = true\n");
    BOOST_TEST(cli({"serve", "--config", (env.dir / "c.conf").string()}).config->index_text);
}

BOOST_AUTO_TEST_CASE(serve_port_zero_and_positional_pricing_args) {
    Env env;
    CliOutcome o = cli({"serve", "--port", "0", "--no-watcher", "--token", "t"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->port == 0);
    BOOST_TEST(o.config->no_watcher);
    o = cli({"pricing", "check", "--store", "/s.db"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(o.config->args == (std::vector<std::string>{"check"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// Alerts: the budget flags, --notify (repeatable) and --alert from the command line, the environment and
// the file, with the command line winning; the `alerts` command's subcommands.
BOOST_AUTO_TEST_SUITE(config_alerts)

BOOST_AUTO_TEST_CASE(budget_flags_and_channels_make_rules) {
    Env env;
    CliOutcome o = cli({"serve", "--budget-daily", "20", "--notify", "https://hooks.slack.com/services/a",
                        "--notify", "ntfy:http://127.0.0.1:9/t", "--notify", "http://127.0.0.1:9/hook"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(*o.config->budget_daily == 20.0);
    BOOST_REQUIRE(o.config->alert_rules.size() == 1u);
    BOOST_TEST(o.config->alert_rules[0].id == "budget-day");
    BOOST_REQUIRE(o.config->channels.size() == 3u);
    BOOST_TEST(o.config->channels[0].name == "slack");
    BOOST_TEST(o.config->channels[1].name == "ntfy");
    BOOST_TEST(o.config->channels[2].name == "webhook");
    // No rule and no channel: alerts are off.
    o = cli({"serve"});
    BOOST_REQUIRE(o.config);
    BOOST_TEST(o.config->alert_rules.empty());
    BOOST_TEST(o.config->channels.empty());
}

BOOST_AUTO_TEST_CASE(environment_and_file_with_the_command_line_first) {
    Env env;
    write_file(env.dir / "a.conf",
               "budget-weekly = 70\nnotify = slack:http://127.0.0.1:9/a\nnotify = discord:http://127.0.0.1:9/b\n"
               "alert = stuck minutes=15 notify=discord\nalert = budget period=day usd=3 project=api\n");
    env.set("AGENTPULSE_BUDGET_DAILY", "9");
    CliOutcome o = cli({"serve", "--config", (env.dir / "a.conf").string()});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_TEST(*o.config->budget_daily == 9.0);
    BOOST_TEST(*o.config->budget_weekly == 70.0);
    BOOST_TEST(o.config->channels.size() == 2u);
    std::vector<std::string> ids;
    for (const AlertRule& r : o.config->alert_rules) ids.push_back(r.id);
    BOOST_TEST((ids == std::vector<std::string>{"budget-day", "budget-week", "stuck", "budget-day-project-api"}));
    // The command line's --notify replaces the file's.
    o = cli({"alerts", "list", "--config", (env.dir / "a.conf").string(), "--notify", "discord:http://127.0.0.1:9/c"});
    BOOST_REQUIRE_MESSAGE(o.config, o.message);
    BOOST_REQUIRE(o.config->channels.size() == 1u);
    BOOST_TEST(o.config->channels[0].url == "http://127.0.0.1:9/c");
}

BOOST_AUTO_TEST_CASE(bad_alert_options_are_usage_errors) {
    Env env;
    const std::pair<std::vector<std::string>, std::string> cases[] = {
        {{"serve", "--budget-daily", "0"}, "--budget-daily must be a positive"},
        {{"serve", "--budget-weekly", "nan"}, "--budget-weekly must be a positive"},
        {{"serve", "--notify", "hooks.slack.com/x"}, "not an http:// or https:// URL"},
        {{"serve", "--alert", "budget usd=5 colour=red"}, "unknown key 'colour'"},
        {{"serve", "--alert", "stuck minutes=5 notify=slack"}, "notify=slack names no --notify channel"},
        {{"serve", "--budget-daily", "5", "--alert", "budget period=day usd=9"}, "two alert rules are called 'budget-day'"},
        {{"serve", "--alert-tz", "Mars/Olympus"}, "unknown time zone"},
        {{"alerts"}, "alerts needs a subcommand"},
        {{"alerts", "send"}, "alerts needs a subcommand"},
        {{"alerts", "list", "extra"}, "alerts needs a subcommand"},
    };
    for (const auto& [args, want] : cases) {
        const CliOutcome o = cli(args);
        BOOST_TEST(!o.config.has_value(), args.back());
        BOOST_TEST(o.exit_code == 2);
        BOOST_TEST(contains(o.message, want), o.message);
    }
    const CliOutcome ok = cli({"alerts", "test", "budget-day", "--budget-daily", "5"});
    BOOST_REQUIRE_MESSAGE(ok.config, ok.message);
    BOOST_TEST((ok.config->args == std::vector<std::string>{"test", "budget-day"}));
}

BOOST_AUTO_TEST_SUITE_END()
