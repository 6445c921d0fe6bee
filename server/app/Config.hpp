// Command line, environment (AGENTPULSE_<FLAG>) and configuration file, merged with that precedence
// into one Config. Every key is documented in conf/agentpulse.conf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agents/AgentRegistry.hpp"
#include "core/AlertRules.hpp"

namespace agentpulse {

// `agentpulse report <kind>`: what to print and over which days (docs/reports.md).
struct ReportOptions {
    std::string kind;               // daily | weekly | monthly | session | blocks
    std::string format = "table";   // table | json | csv
    std::string since, until;       // local dates "YYYY-MM-DD"; empty = first usage / today
    std::string agent, project;     // filters; empty = every one
    std::string tz;                 // IANA zone; empty = the system's (TZ, /etc/localtime), else UTC
    int week_start = 0;             // 0 = Monday ... 6 = Sunday
    bool refresh = false;           // ingest (one-shot backfill) before reading
};

// `agentpulse search QUERY` / `agentpulse search --rebuild` (docs/search.md).
struct SearchOptions {
    bool rebuild = false;
    bool json = false;
    bool raw = false;                  // QUERY is FTS5 syntax
    std::string agent, project, model, kind, machine, since, until;
    int limit = 20;
};

struct Config {
    std::string command;  // serve | ingest | pricing | status | report | statusline | alerts
    std::vector<std::string> args;  // positional words after the command (e.g. "check")

    std::string host = "127.0.0.1";
    int port = 8787;
    std::filesystem::path store;
    AgentRoots roots;                  // one folder per agent source (--<source option>)
    std::filesystem::path pricing;     // empty = the price card built into the binary
    std::filesystem::path static_dir;  // the built dashboard (frontend/dist)
    std::filesystem::path config_file; // the file that was read, if any
    bool no_watcher = false;
    bool follow = false;
    bool demo = false;
    bool allow_remote = false;
    std::string token;
    // What the conversation viewer and search mask (core/Redactor): these regexes, and the built-in key
    // formats unless default_redactions is false.
    std::vector<std::string> redact;
    bool default_redactions = true;
    std::optional<double> budget;  // monthly, USD (also an alert rule with its projected overrun)
    // Alerts (serve, alerts; docs/alerts.md): the rules the budget flags and --alert make, the --notify
    // channels, the generic webhook's HMAC key and the zone of budget days.
    std::optional<double> budget_daily, budget_weekly;
    std::vector<AlertRule> alert_rules;
    std::vector<NotifyChannel> channels;
    std::string notify_secret;
    std::string notify_ca;  // PEM file of more certificates to trust for https channels
    std::string alert_tz;
    // HTTP limits (serve); unset = the built-in defaults of ServerLimits (http/ServerContext.hpp).
    std::optional<std::size_t> max_connections;      // open connections + streams before 503
    std::optional<std::int64_t> request_timeout_ms;  // to receive a whole request
    std::optional<std::int64_t> keepalive_timeout_ms;  // idle between requests on a keep-alive connection
    std::optional<std::int64_t> retry_ms;              // the SSE retry: sent to every stream
    // OTLP/HTTP receiver (serve --otlp-listen HOST:PORT): empty = off.
    std::string otlp_host;
    int otlp_port = -1;  // -1: off; 0 picks a free port
    std::size_t otlp_queue_records = 50'000;  // records waiting for the store writer before 429
    // Who and where (issue 11): empty = the host name and the OS user (StoreWriter::local_origin).
    std::string machine, user;
    // serve / ingest --follow: forward every ingested row to this OTLP/HTTP endpoint ("" = off).
    std::string forward;
    std::string forward_token;  // the endpoint's bearer token (--forward-token)
    int forward_batch = 500;
    int io_threads = 1;  // threads running the one io_context (the fan-out stays on its strand)
    std::string log_level = "info";
    bool progress = true;
    ReportOptions report;
    std::string format;  // statusline: the line's template (empty: kDefaultStatusFormat)
    // The search index also holds assistant text (serve, ingest, search --rebuild; docs/search.md).
    bool index_text = false;
    SearchOptions search;
};

struct CliOutcome {
    std::optional<Config> config;  // set when the command should run
    int exit_code = 0;             // otherwise: 0 (help/version printed) or 2 (bad usage)
    std::string message;           // help text or the error, for stdout/stderr respectively
};

// argv[0] is the program name. Reads the process environment.
CliOutcome parse_cli(int argc, const char* const* argv);

// The store's default, which depends on the environment (XDG_DATA_HOME, HOME). Each agent's default
// folder is its source's (AgentSource::default_root).
std::filesystem::path default_store_path();

}  // namespace agentpulse
