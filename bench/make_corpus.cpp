// agentpulse-make-corpus: writes a synthetic transcript corpus (a folder per simulated agent under --out,
// named as the agent: claude/, codex/, ...) for the backfill benchmark and for manual testing, and prints what it wrote as one JSON object.
// Deterministic: the same --seed, --bytes and --files give the same bytes.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

#include "sim/SynthCorpus.hpp"

namespace {

int usage(const char* why) {
    if (why) std::fprintf(stderr, "agentpulse-make-corpus: %s\n", why);
    std::fprintf(
        stderr,
        "usage: agentpulse-make-corpus --out DIR [--bytes N] [--files N] [--seed S] [--share AGENT=W]... "
        "[--days N]\n"
        "  writes DIR/<agent> for each simulated agent (DIR/claude: a Claude Code projects folder,\n"
        "  DIR/codex: a Codex sessions folder, ...); --share gives an agent's weight among the sessions\n"
        "  (relative; when any is given, agents not named get none; default: the writers' own shares);\n"
        "  AGENT is a writer's name: an agent's, or a variant's (gemini-legacy: Gemini CLI's old\n"
        "  one-document sessions, written to DIR/gemini);\n"
        "  N accepts K, M and G suffixes (powers of 1000). DIR must not exist or be empty.\n");
    return 2;
}

bool parse_size(std::string_view s, std::int64_t& out) {
    std::int64_t mult = 1;
    if (!s.empty()) {
        switch (s.back()) {
            case 'k':
            case 'K':
                mult = 1'000;
                break;
            case 'm':
            case 'M':
                mult = 1'000'000;
                break;
            case 'g':
            case 'G':
                mult = 1'000'000'000;
                break;
            default:
                break;
        }
        if (mult != 1) s.remove_suffix(1);
    }
    std::int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0) return false;
    out = v * mult;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    agentpulse::SynthCorpusOptions o;
    o.target_bytes = 100'000'000;
    o.files = 200;
    fs::path out;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "-h" || a == "--help") return usage(nullptr), 0;
        if (i + 1 >= argc) return usage(("missing value after " + std::string(a)).c_str());
        const std::string_view v = argv[++i];
        std::int64_t n = 0;
        if (a == "--out") {
            out = std::string(v);
        } else if (a == "--bytes" && parse_size(v, n)) {
            o.target_bytes = n;
        } else if (a == "--files" && parse_size(v, n) && n > 0 && n < 10'000'000) {
            o.files = static_cast<int>(n);
        } else if (a == "--seed" && parse_size(v, n)) {
            o.seed = static_cast<std::uint64_t>(n);
        } else if (a == "--days" && parse_size(v, n) && n > 0 && n < 3650) {
            o.days = static_cast<int>(n);
        } else if (a == "--share" && v.find('=') != std::string_view::npos) {
            const std::string_view name = v.substr(0, v.find('='));
            const double w = std::atof(std::string(v.substr(v.find('=') + 1)).c_str());
            if (w < 0) return usage("--share: a weight must not be negative");
            o.shares[std::string(name)] = w;
        } else {
            return usage(("bad option or value: " + std::string(a) + " " + std::string(v)).c_str());
        }
    }
    if (out.empty()) return usage("--out is required");
    std::error_code ec;
    if (fs::exists(out, ec) && !fs::is_empty(out, ec)) return usage((out.string() + " is not empty").c_str());
    for (const agentpulse::SynthWriter& w : agentpulse::synth_writers()) {
        o.roots[std::string(w.agent)] = out / w.agent;
        fs::create_directories(out / w.agent);
    }

    const auto t0 = std::chrono::steady_clock::now();
    const bool tty = isatty(fileno(stderr));
    std::int64_t last_mb = -1;
    o.on_progress = [&](const agentpulse::SynthTotals& t) {
        const std::int64_t mb = t.bytes / 100'000'000;
        if (tty && mb != last_mb) {
            std::fprintf(stderr, "\r%lld MB, %lld files", static_cast<long long>(t.bytes / 1'000'000),
                         static_cast<long long>(t.files));
            last_mb = mb;
        }
    };
    agentpulse::SynthTotals t;
    try {
        t = agentpulse::write_synth_corpus(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "agentpulse-make-corpus: %s\n", e.what());
        return 1;
    }
    if (tty) std::fprintf(stderr, "\n");
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "{\"files\":%lld,\"subagent_files\":%lld,\"bytes\":%lld,\"lines\":%lld,\"messages\":%lld,"
        "\"usage_events\":%lld,\"usage_updates\":%lld,\"unpriced_events\":%lld,\"tool_calls\":%lld,"
        "\"tool_results\":%lld,\"tool_errors\":%lld,\"input_tokens\":%lld,\"output_tokens\":%lld,"
        "\"cache_read_tokens\":%lld,\"cache_create_tokens\":%lld,\"cache_create_1h_tokens\":%lld,"
        "\"seed\":%llu,\"seconds\":%.2f}\n",
        static_cast<long long>(t.files), static_cast<long long>(t.subagent_files),
        static_cast<long long>(t.bytes), static_cast<long long>(t.lines), static_cast<long long>(t.messages),
        static_cast<long long>(t.usage_events), static_cast<long long>(t.usage_updates),
        static_cast<long long>(t.unpriced_events), static_cast<long long>(t.tool_calls),
        static_cast<long long>(t.tool_results), static_cast<long long>(t.tool_errors),
        static_cast<long long>(t.tokens.input), static_cast<long long>(t.tokens.output),
        static_cast<long long>(t.tokens.cache_read), static_cast<long long>(t.tokens.cache_create),
        static_cast<long long>(t.tokens.cache_create_1h), static_cast<unsigned long long>(o.seed), secs);
    return 0;
}
