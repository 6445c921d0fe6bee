// Fuzz target: the configuration loader (app/Config: command line > environment > file, merged by
// Boost.Program_options). The input is text in three parts separated by lines holding only "%%":
//   1. the command line, one word per line (the command first: serve, ingest, pricing, status, ...);
//   2. environment variables, NAME=VALUE per line (only AGENTPULSE_*, XDG_CONFIG_HOME, XDG_DATA_HOME,
//      HOME, CLAUDE_CONFIG_DIR and CODEX_HOME are honoured, so the fuzzer cannot touch its own settings);
//   3. the configuration file's contents (conf/agentpulse.conf format), passed with --config.
// parse_cli() must never throw (main() only catches around the commands), must exit 0 or 2, and a Config
// it returns must hold what the loader promises (a known command, a port in range, a positive budget).
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/Config.hpp"

using namespace agentpulse;
namespace fs = std::filesystem;

namespace {

fs::path g_dir;
const char* const kEnvNames[] = {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "CLAUDE_CONFIG_DIR", "CODEX_HOME"};

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "config_fuzz: %s: %s\n", what, detail.c_str());
    std::abort();
}

std::vector<std::string> split_lines(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto nl = s.find('\n');
        out.emplace_back(s.substr(0, nl));
        s = nl == std::string_view::npos ? std::string_view() : s.substr(nl + 1);
    }
    return out;
}

// Back to a known environment: no AGENTPULSE_* variables, HOME in the fuzzer's own folder.
void reset_environment() {
    std::vector<std::string> ours;
    for (char** e = environ; *e; ++e) {
        const std::string_view v(*e);
        if (v.starts_with("AGENTPULSE_")) ours.emplace_back(v.substr(0, v.find('=')));
    }
    for (const std::string& n : ours) ::unsetenv(n.c_str());
    for (const char* n : kEnvNames) ::unsetenv(n);
    ::setenv("HOME", (g_dir / "home").c_str(), 1);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    g_dir = base / ("agentpulse-fuzz-config-" + std::to_string(::getpid()));
    fs::create_directories(g_dir / "home");
    std::atexit([] {
        std::error_code ec;
        fs::remove_all(g_dir, ec);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 16 * 1024) return -1;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string_view parts[3];
    std::string_view rest = text;
    for (int i = 0; i < 3; ++i) {
        const auto sep = i < 2 ? rest.find("\n%%\n") : std::string_view::npos;
        parts[i] = rest.substr(0, sep);
        if (sep == std::string_view::npos) break;
        rest = rest.substr(sep + 4);
    }

    reset_environment();
    for (const std::string& line : split_lines(parts[1])) {
        const auto eq = line.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        const std::string name = line.substr(0, eq);
        bool allowed = name.starts_with("AGENTPULSE_") || name == "HOME";
        for (const char* n : kEnvNames) allowed = allowed || name == n;
        if (allowed && name.find('\0') == std::string::npos) ::setenv(name.c_str(), line.substr(eq + 1).c_str(), 1);
    }

    std::vector<std::string> words = split_lines(parts[0]);
    words.insert(words.begin(), "agentpulse");
    if (!parts[2].empty()) {
        const fs::path file = g_dir / "agentpulse.conf";
        std::ofstream(file, std::ios::binary | std::ios::trunc).write(parts[2].data(),
                                                                      static_cast<std::streamsize>(parts[2].size()));
        if (words.size() >= 2) {
            words.insert(words.begin() + 2, "--config");
            words.insert(words.begin() + 3, file.string());
        }
    }
    std::vector<const char*> argv;
    for (const std::string& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);

    CliOutcome out;
    try {
        out = parse_cli(static_cast<int>(words.size()), argv.data());
    } catch (const std::exception& e) {
        fail("parse_cli threw (main() would end on std::terminate)", e.what());
    }
    if (out.exit_code != 0 && out.exit_code != 2) fail("exit code is neither 0 nor 2", out.message);
    if (out.config) {
        const Config& c = *out.config;
        if (out.exit_code != 0) fail("a config with a failure exit code", out.message);
        static const std::set<std::string> commands = {"serve",  "ingest",     "pricing", "status",
                                                       "report", "statusline", "search",  "alerts"};
        if (!commands.count(c.command)) fail("unknown command accepted", c.command);
        if (c.port < 0 || c.port > 65535) fail("port out of range", std::to_string(c.port));
        if (c.budget && !(std::isfinite(*c.budget) && *c.budget > 0))
            fail("budget not a positive amount", std::to_string(*c.budget));
        if (c.max_connections && (*c.max_connections < 1 || *c.max_connections > 1'000'000))
            fail("max-connections out of range", std::to_string(*c.max_connections));
        for (const auto& ms : {c.request_timeout_ms, c.keepalive_timeout_ms, c.retry_ms})
            if (ms && (*ms < 100 || *ms > 3'600'000)) fail("a timeout out of range", std::to_string(*ms));
        if (c.demo && c.no_watcher) fail("--demo with --no-watcher accepted", "");
        if (c.store.empty()) fail("no store path", "");
    } else if (out.exit_code == 2 && out.message.empty()) {
        fail("a usage error without a message", "");
    }
    return 0;
}
