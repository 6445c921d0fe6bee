// See TranscriptSynth.hpp. Sessions are generated one turn at a time (a prompt and the tool rounds that
// answer it, sub-agents included); the turn's lines are then sorted by time and handed out one by one,
// so memory stays at one turn however long the session runs.
#include "sim/TranscriptSynth.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

namespace agentpulse {

const char* synth_agent_name(SynthAgent a) {
    switch (a) {
        case SynthAgent::Claude: return "claude";
        case SynthAgent::Codex: return "codex";
    }
    return "unknown";
}

// ---------------------------------------------------------------------------------------------------
// Random numbers

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}
}  // namespace

SynthRng::SynthRng(std::uint64_t seed) {
    for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t SynthRng::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t SynthRng::below(std::uint64_t n) {
    return n <= 1 ? 0 : next() % n;
}

std::int64_t SynthRng::between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
}

double SynthRng::unit() {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

bool SynthRng::chance(double p) {
    return unit() < p;
}

double SynthRng::normal() {
    const double u1 = std::max(unit(), 1e-12), u2 = unit();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double SynthRng::lognormal(double median, double sigma) {
    return median * std::exp(sigma * normal());
}

SynthTotals& SynthTotals::operator+=(const SynthTotals& o) {
    files += o.files, bytes += o.bytes, lines += o.lines;
    messages += o.messages, usage_events += o.usage_events, usage_updates += o.usage_updates;
    unpriced_events += o.unpriced_events;
    tool_calls += o.tool_calls, tool_results += o.tool_results, tool_errors += o.tool_errors;
    subagent_files += o.subagent_files;
    tokens.input += o.tokens.input, tokens.output += o.tokens.output,
        tokens.cache_read += o.tokens.cache_read;
    tokens.cache_create += o.tokens.cache_create, tokens.cache_create_1h += o.tokens.cache_create_1h;
    tokens.reasoning += o.tokens.reasoning;
    return *this;
}

namespace {

// ---------------------------------------------------------------------------------------------------
// JSON text, written directly (no DOM): the generator's hot path.

void put_string(std::string& o, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    o.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        o.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                o += "\\\"";
                break;
            case '\\':
                o += "\\\\";
                break;
            case '\n':
                o += "\\n";
                break;
            case '\t':
                o += "\\t";
                break;
            case '\r':
                o += "\\r";
                break;
            default:
                o += "\\u00";
                o.push_back(kHex[c >> 4]);
                o.push_back(kHex[c & 15]);
        }
    }
    o.append(s.data() + run, s.size() - run);
    o.push_back('"');
}

class JsonWriter {
  public:
    explicit JsonWriter(std::string& out) : o_(out) {}
    JsonWriter& obj() { return open('{', '}'); }
    JsonWriter& arr() { return open('[', ']'); }
    JsonWriter& end() {
        o_.push_back(closers_.back());
        closers_.pop_back();
        first_.pop_back();
        return *this;
    }
    JsonWriter& key(std::string_view k) {
        comma();
        put_string(o_, k);
        o_.push_back(':');
        keyed_ = true;
        return *this;
    }
    JsonWriter& val(std::string_view v) {
        pre();
        put_string(o_, v);
        return *this;
    }
    JsonWriter& val(const char* v) { return val(std::string_view(v)); }
    JsonWriter& val(const std::string& v) { return val(std::string_view(v)); }
    JsonWriter& val(std::int64_t v) {
        pre();
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        o_.append(buf, r.ptr);
        return *this;
    }
    JsonWriter& val(int v) { return val(static_cast<std::int64_t>(v)); }
    JsonWriter& val(bool v) {
        pre();
        o_ += v ? "true" : "false";
        return *this;
    }
    JsonWriter& val(double v) {
        pre();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", v);
        o_ += buf;
        return *this;
    }
    JsonWriter& null() {
        pre();
        o_ += "null";
        return *this;
    }
    JsonWriter& raw(std::string_view json) {
        pre();
        o_ += json;
        return *this;
    }
    template <class T>
    JsonWriter& kv(std::string_view k, const T& v) {
        return key(k).val(v);
    }

  private:
    JsonWriter& open(char c, char closer) {
        pre();
        o_.push_back(c);
        closers_.push_back(closer);
        first_.push_back(true);
        return *this;
    }
    void pre() {
        if (keyed_) {
            keyed_ = false;
            return;
        }
        comma();
    }
    void comma() {
        if (first_.empty()) return;
        if (!first_.back()) o_.push_back(',');
        first_.back() = false;
    }
    std::string& o_;
    std::string closers_;
    std::vector<bool> first_;
    bool keyed_ = false;
};

// ---------------------------------------------------------------------------------------------------
// Text material: code, prose, shell output. '@' becomes an identifier, '#' a number.

template <class T, std::size_t N>
const T& pick(SynthRng& r, const T (&a)[N]) {
    return a[r.below(N)];
}

constexpr std::string_view kIdents[] = {
    "user",      "session",    "token",    "cache",     "store",     "event",     "handler",   "config",
    "request",   "response",   "parser",   "buffer",    "offset",    "index",     "client",    "server",
    "router",    "query",      "result",   "value",     "item",      "entry",     "record",    "payload",
    "stream",    "writer",     "reader",   "options",   "context",   "state",     "model",     "price",
    "usage",     "budget",     "timer",    "queue",     "batch",     "line",      "file",      "path",
    "project",   "agent",      "tool",     "latency",   "error",     "count",     "total",     "delta",
    "window",    "limit",      "retry",    "backoff",   "socket",    "frame",     "header",    "body",
    "status",    "cursor",     "schema",   "migration", "table",     "column",    "row",       "key",
    "hash",      "snapshot",   "watcher",  "poller",    "ticker",    "fetchUser", "parseLine", "orderTotal",
    "createdAt", "updatedAt",  "isActive", "userId",    "invoice",   "cart",      "checkout",  "webhook",
    "tenant",    "permission", "role",     "auth",      "jwt",       "refresh",   "metrics",   "histogram",
    "span",      "trace",      "logger",   "registry",  "scheduler", "worker",    "pool",      "channel"};

constexpr std::string_view kTsLines[] = {
    "import { @, @ } from './@';",
    "import type { @ } from '../@/@';",
    "export async function @(@: string, @: number): Promise<@> {",
    "  const @ = await @.@(@);",
    "  if (!@) throw new Error(\"@ not found: \" + @);",
    "  return { ...@, @: @.@ ?? # };",
    "}",
    "",
    "  // TODO: handle the @ case when @ is empty",
    "export const @ = (@: @[]) => @.map((x) => x.@).filter(Boolean);",
    "  for (const @ of @) {",
    "    @.push(`${@}/${@}`);",
    "  }",
    "describe('@', () => {",
    "  it('returns the @ for a @', async () => {",
    "    expect(await @(@)).toEqual({ @: # });",
    "  });",
    "});",
    "interface @Props {",
    "  @: string;",
    "  @?: number;",
    "  on@: (@: @) => void;",
    "export default function @({ @, @ }: @Props) {",
    "  const [@, set@] = useState<@ | null>(null);",
    "  useEffect(() => { void @(@); }, [@]);",
    "  return <div className=\"@\">{@.length} @</div>;",
    "    case '@': return @ + #;",
    "  } catch (err) {",
    "    logger.warn({ err, @ }, '@ failed, retrying in #ms');",
};

constexpr std::string_view kPyLines[] = {
    "def @(@, @=None):",
    "    \"\"\"Return the @ for @ (cached for # seconds).\"\"\"",
    "    if @ is None:",
    "        raise ValueError(f\"missing @: {@!r}\")",
    "    for @ in @.@():",
    "        @[@] = @.get(@, #) + 1",
    "    return sorted(@, key=lambda x: x.@)",
    "",
    "class @(@):",
    "    def __init__(self, @, @):",
    "        self.@ = @",
    "import @",
    "from @.@ import @, @",
    "    with open(@, \"rb\") as fh:",
    "        @ = json.loads(fh.read())",
    "@pytest.mark.parametrize(\"@\", [#, #, #])",
    "def test_@(@, tmp_path):",
    "    assert @(@) == #",
    "    logger.info(\"@ done in %.2fs\", @)",
    "    # résumé: the @ path is slow when @ is large",
};

constexpr std::string_view kCppLines[] = {
    "#include \"@/@.hpp\"",
    "#include <@>",
    "std::vector<@> @(const std::string& @) {",
    "    for (const auto& @ : @) {",
    "        if (@.@() == #) return @;",
    "    }",
    "    auto @ = std::make_unique<@>(@, @);",
    "    // Keep the @ bounded: a slow @ must never block the others.",
    "}",
    "",
    "namespace @ {",
    "class @ final : public @ {",
    "public:",
    "    explicit @(@& @) : @_(@) {}",
    "    std::int64_t @() const { return @_.size() + #; }",
    "private:",
    "    std::unordered_map<std::string, @> @_;",
    "    if (ec) return fail(ec, \"@\");",
    "    co_await @.async_@(net::buffer(@), as_tuple(use_awaitable));",
    "    spdlog::warn(\"{}: @ failed: {}\", @, ec.message());",
};

constexpr std::string_view kRsLines[] = {
    "pub fn @(@: &str) -> Result<@, Error> {",
    "    let @ = @.iter().map(|x| x.@).collect::<Vec<_>>();",
    "    match @ {",
    "        Some(@) => Ok(@),",
    "        None => Err(anyhow!(\"no @ in {}\", @)),",
    "    }",
    "}",
    "",
    "use crate::@::{@, @};",
    "#[derive(Debug, Clone, Serialize, Deserialize)]",
    "pub struct @ {",
    "    pub @: u64,",
    "    pub @: Option<String>,",
    "impl @ for @ {",
    "    fn @(&self) -> usize { self.@.len() + # }",
    "#[tokio::test]",
    "async fn @_returns_@() {",
    "    assert_eq!(@(&@).await?, #);",
};

constexpr std::string_view kGoLines[] = {
    "func (s *@) @(ctx context.Context, @ string) (*@, error) {",
    "\tif err != nil {",
    "\t\treturn nil, fmt.Errorf(\"@: %w\", err)",
    "\t}",
    "\t@ := make(map[string]int, #)",
    "\tfor _, @ := range @ {",
    "\t\t@[@.@]++",
    "}",
    "",
    "package @",
    "import (",
    "\t\"@/@\"",
    ")",
    "type @ struct {",
    "\t@ string `json:\"@\"`",
    "\t@ int64  `json:\"@,omitempty\"`",
    "func Test@(t *testing.T) {",
    "\tif got := @(@); got != # {",
    "\t\tt.Fatalf(\"@ = %d, want #\", got)",
};

constexpr std::string_view kMdLines[] = {
    "## @ and @",
    "The @ keeps one @ per @; see `@` for the details.",
    "- `@`: the @ of each @ (default #)",
    "",
    "```sh",
    "make @ && ./bin/@ --@ #",
    "```",
    "| @ | @ | # |",
    "> Note: the @ is rebuilt on every @ — keep it small.",
};

constexpr std::string_view kProse[] = {
    "I'll start by reading @ to understand how the @ is built.",
    "Let me check how @ handles the @ case.",
    "The failing test expects # @ but gets # — the @ is counted twice.",
    "Now I understand the issue: @ is read before the @ is flushed.",
    "I'll update @ so that the @ is computed once per @.",
    "Let me run the tests to confirm the fix.",
    "All # tests pass now.",
    "The @ module already has a helper for this, so I'll reuse it instead of adding a new one.",
    "This touches the @ path, so I'll also add a regression test for @.",
    "Looking at the stack trace, the error comes from @ when @ is null.",
    "I've made the following changes:",
    "- Moved the @ logic into `@` so it can be tested without the @.",
    "- Added a bound on the @ queue (# entries) to keep memory flat.",
    "The build is clean and the linter reports no warnings.",
    "One caveat: @ still reads the whole @ on start-up; that is fine below # @ but worth revisiting.",
    "Let me search for other callers of @ before I change its signature.",
    "Hmm, the @ is created per request; moving it to start-up should remove the latency spike.",
};

constexpr std::string_view kPrompts[] = {
    "Fix the failing test in @ — it times out on CI but passes locally.",
    "Add a --@ flag to the @ command that limits the number of @.",
    "Why is @ slow when the @ table is large? Profile it and fix the worst part.",
    "Refactor @ so that the @ logic lives in its own module, with tests.",
    "The @ endpoint returns 500 when @ is missing. Make it return 400 with a clear message.",
    "Write a migration that adds @ to the @ table and backfills it.",
    "Review the @ changes on this branch and tell me what could break.",
    "Can you explain how @ and @ interact? I'm seeing duplicate @ in the logs.",
    "Update the README with the new @ options.",
    "implement pagination for the @ list, # per page",
    "the @ test is flaky, find out why",
    "Rename @ to @ everywhere, keep the old name as a deprecated alias.",
};

constexpr std::string_view kShellLines[] = {
    "PASS src/@/@.test.ts (# ms)",
    "  ✓ @ handles the @ case (# ms)",
    "  ✕ @ returns the @ (# ms)",
    "Tests:       # passed, # total",
    "[ #%] Building CXX object server/CMakeFiles/@.dir/@/@.cpp.o",
    "[ #%] Linking CXX executable @",
    "On branch main",
    " M src/@/@.ts",
    "?? src/@/@.test.ts",
    "-rw-r--r--  1 ana ana  # Jan  5 09:12 @.ts",
    "drwxr-xr-x  # ana ana 4096 Jan  5 09:12 @",
    "src/@/@.ts:#:  const @ = @(@);",
    "@.py:#: in test_@",
    "    assert @ == #",
    "E   AssertionError: expected # got #",
    "warning: unused variable '@' [-Wunused-variable]",
    "npm WARN deprecated @@#.#.#: this package is no longer supported",
    "ok  \tgithub.com/ana/@/@\t0.#s",
    "--- FAIL: Test@ (0.#s)",
    "commit 3f9a@ (HEAD -> main)",
};

constexpr std::string_view kBashCommands[] = {
    "npm test -- @", "make -j4 @",      "git status",   "git diff --stat", "pytest -x tests/test_@.py",
    "cargo test @",  "go test ./@/...", "ls -la src/@", "rg -n \"@\" src", "cd build && ctest -R @"};
constexpr std::string_view kCodexCommands[] = {"rg -n \"@\" src",
                                               "sed -n '1,200p' src/@/@.ts",
                                               "ls -la",
                                               "cargo test @",
                                               "pytest -q tests/test_@.py",
                                               "git diff",
                                               "go test ./...",
                                               "npm run build"};

constexpr std::string_view kDirs[] = {"src",         "src/lib",      "src/components", "src/api",
                                      "server/core", "server/store", "tests",          "docs",
                                      "scripts",     "internal/@",   "pkg/@",          "app/@"};

struct Lang {
    std::string_view ext;
    const std::string_view* lines;
    std::size_t count;
};
const Lang kLangs[] = {
    {".ts", kTsLines, std::size(kTsLines)}, {".tsx", kTsLines, std::size(kTsLines)},
    {".py", kPyLines, std::size(kPyLines)}, {".cpp", kCppLines, std::size(kCppLines)},
    {".rs", kRsLines, std::size(kRsLines)}, {".go", kGoLines, std::size(kGoLines)},
    {".md", kMdLines, std::size(kMdLines)},
};

void fill(std::string& o, std::string_view tpl, SynthRng& r) {
    std::size_t run = 0;
    for (std::size_t i = 0; i < tpl.size(); ++i) {
        const char c = tpl[i];
        if (c != '@' && c != '#') continue;
        o.append(tpl.data() + run, i - run);
        run = i + 1;
        if (c == '@') {
            o += pick(r, kIdents);
        } else {
            char buf[24];
            const auto res = std::to_chars(buf, buf + sizeof buf, r.between(0, r.chance(0.7) ? 99 : 99999));
            o.append(buf, res.ptr);
        }
    }
    o.append(tpl.data() + run, tpl.size() - run);
}

std::string filled(std::string_view tpl, SynthRng& r) {
    std::string s;
    fill(s, tpl, r);
    return s;
}

// Lines drawn from `pool` until about `bytes` long; every line ends with '\n'.
std::string text_of(SynthRng& r, const std::string_view* pool, std::size_t n, std::int64_t bytes) {
    std::string s;
    s.reserve(static_cast<std::size_t>(bytes) + 96);
    while (static_cast<std::int64_t>(s.size()) < bytes) {
        fill(s, pool[r.below(n)], r);
        s.push_back('\n');
    }
    return s;
}

const Lang& lang_of(std::string_view path) {
    for (const Lang& l : kLangs)
        if (path.ends_with(l.ext)) return l;
    return kLangs[0];
}

std::string prose(SynthRng& r, int sentences) {
    std::string s;
    for (int i = 0; i < sentences; ++i) {
        if (i) s += r.chance(0.25) ? "\n\n" : " ";
        fill(s, pick(r, kProse), r);
    }
    return s;
}

std::string shell_output(SynthRng& r, std::int64_t bytes) {
    return text_of(r, kShellLines, std::size(kShellLines), bytes);
}

// "cat -n" view of a file as Claude Code's Read returns it: right-aligned number, an arrow, the line.
std::string numbered(std::string_view text) {
    std::string o;
    o.reserve(text.size() + text.size() / 4 + 16);
    int n = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string_view::npos) nl = text.size();
        char buf[16];
        std::snprintf(buf, sizeof buf, "%6d", ++n);
        o += buf;
        o += "\xe2\x86\x92";  // U+2192
        o.append(text.substr(at, nl - at));
        o.push_back('\n');
        at = nl + 1;
    }
    return o;
}

// ---------------------------------------------------------------------------------------------------
// Identifiers and the cast of models

std::string hex_id(SynthRng& r, int n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kHex[r.below(16)]);
    return s;
}

std::string base62(SynthRng& r, int n) {
    static constexpr char k62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(k62[r.below(62)]);
    return s;
}

std::string base64_blob(SynthRng& r, std::int64_t n) {
    static constexpr char k64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s;
    s.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; i += 8) {
        std::uint64_t v = r.next();
        for (int k = 0; k < 8 && i + k < n; ++k, v >>= 6) s.push_back(k64[v & 63]);
    }
    return s;
}

std::string uuid4(SynthRng& r) {
    std::string h = hex_id(r, 32);
    h[12] = '4';
    h[16] = "89ab"[r.below(4)];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
           h.substr(20);
}

struct WeightedModel {
    std::string_view id;
    int weight;
};
// Ids matching entries of conf/pricing.json; the unknown ones match none (stored as unpriced).
constexpr WeightedModel kClaudeModels[] = {
    {"claude-sonnet-4-5-20250929", 40}, {"claude-opus-4-5-20251101", 25}, {"claude-haiku-4-5-20251001", 8},
    {"claude-sonnet-4-20250514", 8},    {"claude-opus-4-1-20250805", 6},  {"claude-sonnet-4-6", 5},
    {"claude-3-7-sonnet-20250219", 4},  {"claude-3-5-haiku-20241022", 4},
};
constexpr std::string_view kClaudeUnknown[] = {"claude-sonnet-5-20260301", "claude-opus-5-20260415"};
constexpr WeightedModel kCodexModels[] = {
    {"gpt-5-codex", 30}, {"gpt-5.1-codex", 25}, {"gpt-5.2-codex", 15}, {"gpt-5.1-codex-max", 10},
    {"gpt-5", 10},       {"gpt-5-mini", 5},     {"o4-mini", 5},
};
constexpr std::string_view kCodexUnknown[] = {"gpt-6-codex-preview", "gpt-5.5-codex"};
constexpr std::string_view kHaiku = "claude-haiku-4-5-20251001";

template <std::size_t N>
std::string_view pick_weighted(SynthRng& r, const WeightedModel (&a)[N]) {
    int total = 0;
    for (const auto& m : a) total += m.weight;
    auto x = static_cast<int>(r.below(static_cast<std::uint64_t>(total)));
    for (const auto& m : a) {
        if (x < m.weight) return m.id;
        x -= m.weight;
    }
    return a[0].id;
}

bool is_unknown_model(std::string_view m) {
    for (auto u : kClaudeUnknown)
        if (u == m) return true;
    for (auto u : kCodexUnknown)
        if (u == m) return true;
    return false;
}

struct ProjectKind {
    std::string_view name;
    std::string_view ext;
};
constexpr ProjectKind kProjects[] = {
    {"shop-api", ".ts"},     {"agentpulse", ".cpp"},    {"billing-service", ".go"}, {"ml-pipeline", ".py"},
    {"dashboard", ".tsx"},   {"search-indexer", ".rs"}, {"payments", ".go"},        {"docs-site", ".md"},
    {"chat-backend", ".ts"}, {"data-tools", ".py"},     {"game-engine", ".cpp"},    {"cli-tools", ".rs"},
    {"mobile-app", ".tsx"},  {"infra", ".py"},          {"compiler", ".rs"},        {"notebook-lab", ".py"},
};
constexpr std::string_view kUsers[] = {"ana", "sam", "lee", "dev", "mira"};
constexpr std::string_view kClaudeVersions[] = {"2.0.76", "2.1.3", "2.1.12", "1.0.128", "2.1.20"};
constexpr std::string_view kCodexVersions[] = {"0.46.0", "0.58.0", "0.63.0", "0.71.0"};

std::string slug_of(std::string_view cwd) {
    std::string s(cwd);
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    return s;
}

std::string date_path(EpochMs at) {
    const std::string iso = format_iso8601(at);  // 2026-01-05T09:00:00.000Z
    return iso.substr(0, 4) + "/" + iso.substr(5, 2) + "/" + iso.substr(8, 2);
}

// ---------------------------------------------------------------------------------------------------
// Tool calls: the input the model writes, the result the harness writes back.

struct ToolPlan {
    std::string name, id;
    std::string input;        // JSON object text
    std::string result;       // JSON value text for tool_result.content
    std::string use_result;   // JSON value text for the line's toolUseResult
    std::string task_prompt;  // Task: what the sub-agent is asked
    bool is_error = false;
    double latency_ms = 0;
    std::int64_t context_bytes = 0;  // what the result adds to the conversation
};

struct Pending {
    EpochMs at = 0;
    std::uint64_t seq = 0;
    int stream = 0;
    std::string text;
    SynthTotals facts;  // what this line adds to the totals (files/bytes/lines filled in on emission)
};

struct Stream {
    std::string path;
    std::string agent_id;  // claude sub-agent
    bool sidechain = false;
    bool opened = false;
    std::string last_uuid;
    std::string model;
    std::int64_t context = 0;  // tokens in the conversation so far
    std::int64_t cached = 0;   // of which already written to the prompt cache
    std::int64_t bytes = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------
// The session

struct SynthSession::Impl {
    SynthSessionOptions o;
    SynthRng r;
    std::string session_id, cwd, slug, branch, version, tier;
    std::string_view ext;
    bool cache_1h = false;
    std::deque<Stream> streams;  // [0] the session; then sub-agents (deque: references stay valid)
    std::vector<Pending> turn;
    std::deque<Pending> queue;
    std::uint64_t seq = 0;
    SynthTotals totals;
    std::int64_t generated = 0;
    EpochMs now = 0;
    int turns = 0, spawned = 0;
    std::vector<std::string> touched;  // project-relative files the agent has opened
    // codex
    struct Usage {
        std::int64_t input = 0, cached = 0, output = 0, reasoning = 0;
    } codex_total;
    std::string codex_model;

    explicit Impl(const SynthSessionOptions& opts) : o(opts), r(opts.seed) {
        const ProjectKind& pk = pick(r, kProjects);
        const std::string project = o.project.empty() ? std::string(pk.name) : o.project;
        ext = pk.ext;
        cwd = "/home/" + std::string(pick(r, kUsers)) + "/src/" + project;
        slug = slug_of(cwd);
        session_id = uuid4(r);
        branch = r.chance(0.5) ? "main" : (r.chance(0.5) ? "feature/" : "fix/") + filled("@-@", r);
        now = o.start_ms;
        Stream& s = streams.emplace_back();
        if (o.provider == SynthAgent::Claude) {
            version = std::string(pick(r, kClaudeVersions));
            s.model = r.chance(o.unknown_model_rate) ? std::string(pick(r, kClaudeUnknown))
                                                     : std::string(pick_weighted(r, kClaudeModels));
            s.path = slug + "/" + session_id + ".jsonl";
            cache_1h = r.chance(0.35);
            tier = s.model.find("opus-4-5") != std::string::npos && r.chance(0.1) ? "priority" : "standard";
        } else {
            version = std::string(pick(r, kCodexVersions));
            codex_model = r.chance(o.unknown_model_rate) ? std::string(pick(r, kCodexUnknown))
                                                         : std::string(pick_weighted(r, kCodexModels));
            const std::string iso = format_iso8601(now);
            std::string stamp = iso.substr(0, 19);
            std::replace(stamp.begin(), stamp.end(), ':', '-');
            s.path = date_path(now) + "/rollout-" + stamp + "-" + session_id + ".jsonl";
        }
        s.context = r.between(12'000, 22'000);
        refill();
    }

    EpochMs dur(double ms) const { return std::max<EpochMs>(1, std::llround(ms * o.time_scale)); }
    std::int64_t remaining() const { return std::max<std::int64_t>(0, o.target_bytes - generated); }
    // Upper bound for one big payload (a file read, a command's output) so small sessions stay small.
    std::int64_t cap() const { return std::clamp<std::int64_t>(remaining() / 2, 1'500, 180'000); }
    std::int64_t sized(double median, double sigma) {
        return std::clamp<std::int64_t>(std::llround(r.lognormal(median, sigma)), 40, cap());
    }
    bool finished() const {
        return (generated >= o.target_bytes && spawned >= o.subagents) || turns >= 100'000;
    }

    void push(int stream, EpochMs at, std::string text, SynthTotals facts = {}) {
        generated += static_cast<std::int64_t>(text.size()) + 1;
        streams[static_cast<std::size_t>(stream)].bytes += static_cast<std::int64_t>(text.size()) + 1;
        turn.push_back({at, seq++, stream, std::move(text), facts});
    }

    void refill() {
        while (queue.empty() && !finished()) {
            if (o.provider == SynthAgent::Claude)
                claude_turn();
            else
                codex_turn();
            ++turns;
            std::stable_sort(turn.begin(), turn.end(),
                             [](const Pending& a, const Pending& b) { return a.at < b.at; });
            for (Pending& p : turn) queue.push_back(std::move(p));
            turn.clear();
        }
    }

    SynthLine next() {
        Pending p = std::move(queue.front());
        queue.pop_front();
        Stream& s = streams[static_cast<std::size_t>(p.stream)];
        if (!s.opened) {
            s.opened = true;
            p.facts.files = 1;
            p.facts.subagent_files = s.sidechain ? 1 : 0;
        }
        p.facts.lines = 1;
        p.facts.bytes = static_cast<std::int64_t>(p.text.size()) + 1;
        totals += p.facts;
        SynthLine line{o.provider, s.path, p.at, std::move(p.text)};
        if (queue.empty()) refill();
        return line;
    }

    std::string project_file() {
        if (!touched.empty() && r.chance(0.55)) return touched[r.below(touched.size())];
        std::string rel = filled(pick(r, kDirs), r) + "/" + filled(r.chance(0.3) ? "@_@" : "@", r) +
                          std::string(r.chance(0.12) ? std::string_view(".md") : ext);
        touched.push_back(rel);
        return rel;
    }
    std::string file_text(const std::string& rel, std::int64_t bytes) {
        const Lang& l = lang_of(rel);
        return text_of(r, l.lines, l.count, bytes);
    }

    // ----- Claude Code -------------------------------------------------------------------------------

    void envelope(JsonWriter& w, const Stream& s, std::string_view parent) {
        w.key("parentUuid");
        if (parent.empty())
            w.null();
        else
            w.val(parent);
        w.kv("isSidechain", s.sidechain)
            .kv("userType", "external")
            .kv("cwd", cwd)
            .kv("sessionId", session_id);
        w.kv("version", version).kv("gitBranch", branch);
        if (s.sidechain) w.kv("agentId", s.agent_id);
    }

    // A user line: a prompt (`content_json` a string or block list) or tool results.
    std::string user_line(const Stream& s, std::string_view parent, const std::string& uuid, EpochMs at,
                          std::string_view content_json, std::string_view tool_use_result = {},
                          bool meta = false) {
        std::string out;
        out.reserve(content_json.size() + tool_use_result.size() + 512);
        JsonWriter w(out);
        w.obj();
        envelope(w, s, parent);
        w.kv("type", "user");
        w.key("message").obj().kv("role", "user").key("content").raw(content_json).end();
        if (meta) w.kv("isCompactSummary", true);
        w.kv("uuid", uuid).kv("timestamp", format_iso8601(at));
        if (!tool_use_result.empty()) w.key("toolUseResult").raw(tool_use_result);
        w.end();
        return out;
    }

    std::string assistant_line(const Stream& s, std::string_view parent, const std::string& uuid, EpochMs at,
                               std::string_view model, const std::string& msg_id, const std::string& req_id,
                               std::string_view block_json, const TokenCounts& t, bool synthetic) {
        std::string out;
        out.reserve(block_json.size() + 900);
        JsonWriter w(out);
        w.obj();
        envelope(w, s, parent);
        w.key("message")
            .obj()
            .kv("id", msg_id)
            .kv("type", "message")
            .kv("role", "assistant")
            .kv("model", model);
        w.key("content").arr().raw(block_json).end();
        w.key("stop_reason").null().key("stop_sequence").null();
        w.key("usage").obj().kv("input_tokens", t.input).kv("cache_creation_input_tokens", t.cache_create);
        w.kv("cache_read_input_tokens", t.cache_read);
        if (!synthetic) {
            w.key("cache_creation").obj();
            w.kv("ephemeral_5m_input_tokens", t.cache_create - t.cache_create_1h);
            w.kv("ephemeral_1h_input_tokens", t.cache_create_1h).end();
            w.kv("output_tokens", t.output).kv("service_tier", tier);
        } else {
            w.kv("output_tokens", t.output);
        }
        w.end().end();
        if (!synthetic) w.kv("requestId", req_id);
        if (synthetic) w.kv("isApiErrorMessage", true);
        w.kv("type", "assistant").kv("uuid", uuid).kv("timestamp", format_iso8601(at));
        w.end();
        return out;
    }

    std::string snapshot_line(const std::string& message_id, EpochMs at) {
        std::string out;
        JsonWriter w(out);
        w.obj().kv("type", "file-history-snapshot").kv("messageId", message_id);
        w.key("snapshot").obj().kv("messageId", message_id).key("trackedFileBackups").obj();
        int v = 1;
        for (const std::string& f : touched) {
            w.key(f).obj().kv("backupFileName", hex_id(r, 16) + "@v" + std::to_string(v)).kv("version", v);
            w.kv("backupTime", format_iso8601(at - 1000 * v)).end();
            v = v % 7 + 1;
        }
        w.end().kv("timestamp", format_iso8601(at)).end();
        w.kv("isSnapshotUpdate", false).end();
        return out;
    }

    std::string progress_line(const Stream& s, std::string_view parent, const std::string& tool_id,
                              int seconds, EpochMs at) {
        std::string out;
        JsonWriter w(out);
        w.obj();
        envelope(w, s, parent);
        const std::string tail = shell_output(r, r.between(60, 400));
        w.kv("type", "progress").key("data").obj().kv("type", "bash_progress").kv("output", tail);
        w.kv("fullOutput", tail).kv("elapsedTimeSeconds", seconds).kv("totalLines", r.between(1, 400)).end();
        w.kv("toolUseID", "bash-progress-" + std::to_string(seconds)).kv("parentToolUseID", tool_id);
        w.kv("uuid", uuid4(r)).kv("timestamp", format_iso8601(at)).end();
        return out;
    }

    static std::string json_text(std::string_view s) {
        std::string o;
        o.reserve(s.size() + s.size() / 8 + 2);
        put_string(o, s);
        return o;
    }

    ToolPlan plan_tool(std::string_view name) {
        ToolPlan p;
        p.name = std::string(name);
        p.id = "toolu_01" + base62(r, 22);
        std::string in, res, use;
        JsonWriter wi(in), wu(use);
        if (name == "Read") {
            const std::string rel = project_file(), abs = cwd + "/" + rel;
            const std::string text = file_text(rel, sized(5'000, 1.0));
            const std::int64_t lines = std::count(text.begin(), text.end(), '\n');
            wi.obj().kv("file_path", abs);
            if (r.chance(0.15)) wi.kv("offset", r.between(1, 200)).kv("limit", 2000);
            wi.end();
            p.is_error = r.chance(0.02);
            if (p.is_error) {
                res = json_text("<tool_use_error>File does not exist.</tool_use_error>");
                use = json_text("Error: File does not exist.");
            } else {
                const std::string shown = numbered(text);
                res = r.chance(0.2) ? "[{\"type\":\"text\",\"text\":" + json_text(shown) + "}]"
                                    : json_text(shown);
                wu.obj().kv("type", "text").key("file").obj().kv("filePath", abs).kv("content", text);
                wu.kv("numLines", lines).kv("startLine", 1).kv("totalLines", lines).end().end();
                p.context_bytes = static_cast<std::int64_t>(shown.size());
            }
            p.latency_ms = r.lognormal(40, 0.8);
        } else if (name == "Write") {
            const std::string rel = project_file(), abs = cwd + "/" + rel;
            const std::string text = file_text(rel, sized(2'500, 0.9));
            wi.obj().kv("file_path", abs).kv("content", text).end();
            res = json_text("File created successfully at: " + abs);
            wu.obj()
                .kv("type", "create")
                .kv("filePath", abs)
                .kv("content", text)
                .key("structuredPatch")
                .arr()
                .end();
            wu.end();
            p.latency_ms = r.lognormal(700, 1.4);
        } else if (name == "Edit" || name == "MultiEdit") {
            const std::string rel = project_file(), abs = cwd + "/" + rel;
            const Lang& l = lang_of(rel);
            const std::string original = file_text(rel, sized(7'000, 1.0));
            const int edits = name == "Edit" ? 1 : static_cast<int>(r.between(2, 4));
            std::vector<std::pair<std::string, std::string>> pairs;
            for (int i = 0; i < edits; ++i)
                pairs.emplace_back(text_of(r, l.lines, l.count, r.between(40, 500)),
                                   text_of(r, l.lines, l.count, r.between(40, 900)));
            wi.obj().kv("file_path", abs);
            if (name == "Edit") {
                wi.kv("old_string", pairs[0].first)
                    .kv("new_string", pairs[0].second)
                    .kv("replace_all", false);
            } else {
                wi.key("edits").arr();
                for (const auto& [a, b] : pairs) wi.obj().kv("old_string", a).kv("new_string", b).end();
                wi.end();
            }
            wi.end();
            p.is_error = r.chance(0.05);
            if (p.is_error) {
                res = json_text("<tool_use_error>String to replace not found in file.\nString: " +
                                pairs[0].first + "</tool_use_error>");
                use = json_text("Error: String to replace not found in file.");
            } else {
                const std::string snippet = numbered(pairs[0].second);
                res = json_text("The file " + abs +
                                " has been updated. Here's the result of running `cat -n` on a "
                                "snippet of the edited file:\n" +
                                snippet);
                wu.obj().kv("filePath", abs).kv("oldString", pairs[0].first).kv("newString", pairs[0].second);
                wu.kv("originalFile", original).key("structuredPatch").arr();
                for (const auto& pr : pairs) {
                    wu.obj().kv("oldStart", r.between(1, 300)).kv("oldLines", r.between(1, 20));
                    wu.kv("newStart", r.between(1, 300)).kv("newLines", r.between(1, 25)).key("lines").arr();
                    std::size_t at = 0;
                    while (at < pr.second.size()) {
                        const std::size_t nl = pr.second.find('\n', at);
                        wu.val("+" + pr.second.substr(at, nl - at));
                        at = nl == std::string::npos ? pr.second.size() : nl + 1;
                    }
                    wu.end().end();
                }
                wu.end().kv("userModified", false).kv("replaceAll", false).end();
                p.context_bytes = static_cast<std::int64_t>(snippet.size()) + 200;
            }
            p.latency_ms = r.chance(0.3) ? r.lognormal(6'000, 1.0) : r.lognormal(300, 1.0);  // approval wait
        } else if (name == "Bash") {
            const std::string cmd = filled(pick(r, kBashCommands), r);
            wi.obj().kv("command", cmd).kv("description", filled("Run @ for @", r));
            if (r.chance(0.2)) wi.kv("timeout", 600000);
            wi.end();
            const std::string out = shell_output(r, sized(700, 1.5));
            p.is_error = r.chance(0.08);
            if (p.is_error) {
                res = json_text("Exit code 1\n" + out);
                use = json_text("Error: Exit code 1\n" + out);
            } else {
                res = json_text(out);
                wu.obj()
                    .kv("stdout", out)
                    .kv("stderr", "")
                    .kv("interrupted", false)
                    .kv("isImage", false)
                    .end();
            }
            p.context_bytes = static_cast<std::int64_t>(out.size());
            p.latency_ms = r.lognormal(1'800, 1.3);
        } else if (name == "Grep" || name == "Glob") {
            const bool grep = name == "Grep";
            const std::string pattern = grep ? filled("@\\(", r) : "**/*" + std::string(ext);
            wi.obj().kv("pattern", pattern);
            if (r.chance(0.4)) wi.kv("path", cwd + "/" + filled(pick(r, kDirs), r));
            if (grep) wi.kv("output_mode", r.chance(0.5) ? "content" : "files_with_matches");
            wi.end();
            const auto n = r.between(0, grep ? 40 : 150);
            std::string listing;
            std::vector<std::string> names;
            for (std::int64_t i = 0; i < n && static_cast<std::int64_t>(listing.size()) < cap(); ++i) {
                names.push_back(cwd + "/" + filled(pick(r, kDirs), r) + "/" + filled("@", r) +
                                std::string(ext));
                listing += names.back();
                if (grep && r.chance(0.5))
                    listing += ":" + std::to_string(r.between(1, 900)) + ":" + filled(pick(r, kTsLines), r);
                listing.push_back('\n');
            }
            res = json_text(n == 0 ? std::string("No files found")
                                   : "Found " + std::to_string(names.size()) + " files\n" + listing);
            wu.obj().kv("mode", grep ? "files_with_matches" : "glob").key("filenames").arr();
            for (const auto& f : names) wu.val(f);
            wu.end()
                .kv("numFiles", static_cast<std::int64_t>(names.size()))
                .kv("durationMs", r.between(3, 400));
            wu.kv("truncated", false).end();
            p.context_bytes = static_cast<std::int64_t>(listing.size());
            p.latency_ms = r.lognormal(grep ? 150 : 60, 0.8);
        } else if (name == "TodoWrite") {
            wi.obj().key("todos").arr();
            const auto n = r.between(2, 7);
            for (std::int64_t i = 0; i < n; ++i)
                wi.obj()
                    .kv("content", filled(pick(r, kPrompts), r))
                    .kv("status", i == 0 ? "in_progress" : (i < n / 2 ? "completed" : "pending"))
                    .kv("activeForm", filled("Working on @", r))
                    .end();
            wi.end().end();
            res = json_text(
                "Todos have been modified successfully. Ensure that you continue to use the todo list to "
                "track your progress.");
            use = in;
            p.latency_ms = r.lognormal(15, 0.5);
        }
        p.input = std::move(in);
        p.result = std::move(res);
        p.use_result = use.empty() ? p.result : std::move(use);
        return p;
    }

    std::string_view draw_tool(bool subagent) {
        const std::int64_t x = r.between(0, 99);
        if (subagent) return x < 40 ? "Read" : x < 60 ? "Grep" : x < 75 ? "Glob" : "Bash";
        return x < 30   ? "Read"
               : x < 50 ? "Bash"
               : x < 65 ? "Edit"
               : x < 73 ? "Grep"
               : x < 78 ? "Glob"
               : x < 85 ? "Write"
               : x < 89 ? "MultiEdit"
               : x < 94 ? "TodoWrite"
                        : "Read";
    }

    bool spawn_due() const {
        if (spawned >= o.subagents) return false;
        // Spread the Task calls over the session's budget; all are made before it may end.
        return generated >= o.target_bytes ||
               static_cast<double>(generated) >=
                   static_cast<double>(o.target_bytes) * (spawned + 0.3) / o.subagents;
    }

    // Usage of the next request on stream `s`: the conversation so far, most of it cached.
    TokenCounts request_usage(Stream& s) {
        TokenCounts t;
        t.input = r.between(1, 9);
        t.cache_read = s.cached;
        t.cache_create = std::max<std::int64_t>(0, s.context - s.cached);
        if (cache_1h) t.cache_create_1h = t.cache_create;
        s.cached = s.context;
        return t;
    }

    // One API response on stream `si`, its lines and its tool calls' results. Returns when the last
    // result landed (the next request can start).
    EpochMs respond(int si, EpochMs t, bool final_text, bool force_task) {
        Stream* s = &streams[static_cast<std::size_t>(si)];
        EpochMs at = t + dur(r.lognormal(2'500, 0.7));
        const std::string msg_id = "msg_01" + base62(r, 22), req_id = "req_011C" + base62(r, 20);

        if (r.chance(0.006)) {  // a local API error line: <synthetic>, zero usage, not billed
            const std::string uuid = uuid4(r);
            std::string block;
            JsonWriter(block)
                .obj()
                .kv("type", "text")
                .kv("text",
                    "API Error: 529 {\"type\":\"error\",\"error\":"
                    "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")
                .end();
            SynthTotals f;
            f.messages = 1;
            push(si, at,
                 assistant_line(*s, s->last_uuid, uuid, at, "<synthetic>", "msg_" + uuid4(r), req_id, block,
                                {}, true),
                 f);
            s->last_uuid = uuid;
            at += dur(r.lognormal(4'000, 0.6));
        }

        std::vector<std::string> blocks;
        std::vector<int> tool_of_block;  // index into plans, or -1
        std::vector<ToolPlan> plans;
        std::int64_t out_bytes = 0;
        if (r.chance(0.35)) {
            std::string b;
            const std::string thought = prose(r, static_cast<int>(r.between(2, 12)));
            JsonWriter(b)
                .obj()
                .kv("type", "thinking")
                .kv("thinking", thought)
                .kv("signature", base64_blob(r, r.between(200, 1200)))
                .end();
            out_bytes += static_cast<std::int64_t>(thought.size());
            blocks.push_back(std::move(b));
            tool_of_block.push_back(-1);
        }
        if (final_text || r.chance(0.55)) {
            std::string b;
            const std::string said =
                prose(r, static_cast<int>(final_text ? r.between(2, 14) : r.between(1, 3)));
            JsonWriter(b).obj().kv("type", "text").kv("text", said).end();
            out_bytes += static_cast<std::int64_t>(said.size());
            blocks.push_back(std::move(b));
            tool_of_block.push_back(-1);
        }
        if (!final_text) {
            int n = r.chance(0.3) ? static_cast<int>(r.between(2, 4)) : 1;
            if (force_task) {
                ToolPlan task;
                task.name = "Task";
                task.id = "toolu_01" + base62(r, 22);
                task.task_prompt =
                    filled(pick(r, kPrompts), r) + " " + prose(r, static_cast<int>(r.between(1, 5)));
                std::string in;
                JsonWriter(in)
                    .obj()
                    .kv("description", filled("Explore @ @", r))
                    .kv("prompt", task.task_prompt)
                    .kv("subagent_type", r.chance(0.5) ? "Explore" : "general-purpose")
                    .end();
                task.input = std::move(in);
                plans.push_back(std::move(task));
                --n;
            }
            for (int i = 0; i < n; ++i) plans.push_back(plan_tool(draw_tool(s->sidechain)));
            for (std::size_t i = 0; i < plans.size(); ++i) {
                std::string b;
                JsonWriter(b)
                    .obj()
                    .kv("type", "tool_use")
                    .kv("id", plans[i].id)
                    .kv("name", plans[i].name)
                    .key("input")
                    .raw(plans[i].input)
                    .end();
                out_bytes += static_cast<std::int64_t>(plans[i].input.size());
                blocks.push_back(std::move(b));
                tool_of_block.push_back(static_cast<int>(i));
            }
        }

        TokenCounts usage = request_usage(*s);
        const std::int64_t final_out = std::max<std::int64_t>(1, out_bytes * 10 / 38 + r.between(5, 60));
        const bool grows = blocks.size() > 1 && r.chance(0.55);
        const std::int64_t early_out = std::min(final_out, r.between(1, 12));
        const bool unknown = is_unknown_model(s->model);

        EpochMs done = at;
        std::int64_t billed_out = 0;
        std::int64_t result_bytes = 0;
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            if (i) at += dur(r.lognormal(450, 0.9));
            usage.output = grows && i + 1 < blocks.size() ? early_out : final_out;
            SynthTotals f;
            f.messages = 1;
            if (i == 0) {
                f.usage_events = 1;
                f.unpriced_events = unknown ? 1 : 0;
                f.tokens = usage;
            } else if (usage.output > billed_out) {
                f.usage_updates = 1;
                f.tokens.output = usage.output - billed_out;
            }
            billed_out = std::max(billed_out, usage.output);
            const int ti = tool_of_block[i];
            if (ti >= 0) f.tool_calls = 1;
            const std::string uuid = uuid4(r);
            push(
                si, at,
                assistant_line(*s, s->last_uuid, uuid, at, s->model, msg_id, req_id, blocks[i], usage, false),
                f);
            s->last_uuid = uuid;
            done = std::max(done, at);
            if (ti < 0) continue;

            ToolPlan& p = plans[static_cast<std::size_t>(ti)];
            EpochMs result_at;
            if (p.name == "Task") {
                std::string report;
                const EpochMs begin = at + dur(r.lognormal(300, 0.5));
                const EpochMs end = run_subagent(begin, p.task_prompt, report);
                s = &streams[static_cast<std::size_t>(si)];
                result_at = end + dur(r.lognormal(200, 0.5));
                const std::string list = "[{\"type\":\"text\",\"text\":" + json_text(report) + "}]";
                std::string use;
                JsonWriter(use)
                    .obj()
                    .kv("status", "completed")
                    .kv("agentId", streams.back().agent_id)
                    .key("content")
                    .raw(list)
                    .kv("totalDurationMs", result_at - at)
                    .kv("totalTokens", r.between(5'000, 90'000))
                    .kv("totalToolUseCount", r.between(2, 30))
                    .end();
                p.result = list;
                p.use_result = std::move(use);
                p.context_bytes = static_cast<std::int64_t>(report.size());
            } else {
                result_at = at + dur(p.latency_ms);
                // A long command reports progress while it runs.
                if (p.name == "Bash" && p.latency_ms > 3'000) {
                    for (int sec = 1; sec * 1000 < p.latency_ms && sec <= 30; sec += sec < 4 ? 1 : 5)
                        push(si, at + dur(sec * 1000.0),
                             progress_line(*s, uuid, p.id, sec, at + dur(sec * 1000.0)));
                }
            }
            std::string content = "[{\"tool_use_id\":";
            put_string(content, p.id);
            content += ",\"type\":\"tool_result\",\"content\":";
            content += p.result;
            if (p.is_error) content += ",\"is_error\":true";
            content += "}]";
            SynthTotals rf;
            rf.messages = 1;
            rf.tool_results = 1;
            rf.tool_errors = p.is_error ? 1 : 0;
            const std::string ruuid = uuid4(r);
            push(si, result_at, user_line(*s, uuid, ruuid, result_at, content, p.use_result), rf);
            s->last_uuid = ruuid;
            result_bytes += p.context_bytes;
            done = std::max(done, result_at);
        }
        s->context += final_out + result_bytes * 10 / 36;
        if (s->context > 170'000 && !s->sidechain) compact(si, done + dur(r.lognormal(20'000, 0.4)), done);
        return done + dur(r.lognormal(150, 0.5));
    }

    // Auto-compaction: a boundary line and a summary user line; the context starts small again.
    void compact(int si, EpochMs at, EpochMs& done) {
        Stream& s = streams[static_cast<std::size_t>(si)];
        std::string b;
        JsonWriter w(b);
        w.obj();
        envelope(w, s, s.last_uuid);
        const std::string buuid = uuid4(r);
        w.kv("type", "system").kv("subtype", "compact_boundary").kv("content", "Conversation compacted");
        w.kv("isMeta", false)
            .kv("level", "info")
            .key("compactMetadata")
            .obj()
            .kv("trigger", "auto")
            .kv("preTokens", s.context)
            .end();
        w.kv("uuid", buuid).kv("timestamp", format_iso8601(at)).end();
        push(si, at, std::move(b));
        SynthTotals f;
        f.messages = 1;
        const std::string suuid = uuid4(r);
        push(si, at + 5, user_line(s, buuid, suuid, at + 5, json_text(prose(r, 20)), {}, true), f);
        s.last_uuid = suuid;
        s.context = r.between(18'000, 30'000);
        s.cached = 0;
        done = at + 5;
    }

    EpochMs run_subagent(EpochMs t, const std::string& prompt, std::string& report) {
        ++spawned;
        const Stream& parent = streams[0];
        Stream& s = streams.emplace_back();
        s.agent_id = hex_id(r, 8);
        s.sidechain = true;
        s.path = slug + "/" + session_id + "/subagents/agent-" + s.agent_id + ".jsonl";
        s.model = r.chance(0.5) ? std::string(kHaiku) : parent.model;
        s.context = r.between(8'000, 13'000);
        const int si = static_cast<int>(streams.size()) - 1;
        const std::int64_t budget = std::max<std::int64_t>(
            8'000, static_cast<std::int64_t>(static_cast<double>(remaining()) * r.unit() * 0.6 /
                                             std::max(1, o.subagents - spawned + 1)));
        const std::int64_t start_bytes = generated;
        const std::string uuid = uuid4(r);
        SynthTotals f;
        f.messages = 1;
        push(si, t, user_line(s, {}, uuid, t, json_text(prompt)), f);
        s.last_uuid = uuid;
        const int rounds = static_cast<int>(r.between(2, 8));
        for (int i = 0; i < rounds && generated - start_bytes < budget; ++i) t = respond(si, t, false, false);
        report = prose(r, static_cast<int>(r.between(4, 20)));
        return respond(si, t, true, false);
    }

    void claude_turn() {
        Stream& s = streams[0];
        EpochMs t = now;
        if (turns == 0 && r.chance(0.3)) {
            std::string b;
            JsonWriter(b)
                .obj()
                .kv("type", "summary")
                .kv("summary", filled(pick(r, kPrompts), r))
                .kv("leafUuid", uuid4(r))
                .end();
            push(0, t, std::move(b));
        }
        const std::string uuid = uuid4(r);
        push(0, t, snapshot_line(uuid, t));
        std::string prompt = filled(pick(r, kPrompts), r);
        if (r.chance(0.1)) prompt += "\n\n" + shell_output(r, sized(3'000, 1.0));  // a pasted log
        SynthTotals f;
        f.messages = 1;
        t += dur(r.lognormal(30, 0.5));
        push(0, t,
             user_line(s, s.last_uuid, uuid, t,
                       r.chance(0.3) ? "[{\"type\":\"text\",\"text\":" + json_text(prompt) + "}]"
                                     : json_text(prompt)),
             f);
        s.last_uuid = uuid;
        const int rounds = 1 + static_cast<int>(std::min<double>(14, r.lognormal(3, 0.8)));
        for (int i = 0; i < rounds; ++i) t = respond(0, t, false, spawn_due());
        while (spawn_due()) t = respond(0, t, false, true);
        t = respond(0, t, true, false);
        now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));  // the user reads, thinks, types
    }

    // ----- Codex CLI ---------------------------------------------------------------------------------

    std::string codex_line(EpochMs at, std::string_view type, const std::string& payload) {
        std::string out;
        out.reserve(payload.size() + 80);
        out += "{\"timestamp\":\"";
        out += format_iso8601(at);
        out += "\",\"type\":";
        put_string(out, type);
        out += ",\"payload\":";
        out += payload;
        out += "}";
        return out;
    }

    std::string message_payload(std::string_view role, std::string_view kind, const std::string& text) {
        std::string p;
        JsonWriter(p)
            .obj()
            .kv("type", "message")
            .kv("role", role)
            .key("content")
            .arr()
            .obj()
            .kv("type", kind)
            .kv("text", text)
            .end()
            .end()
            .end();
        return p;
    }

    std::string usage_json(const Usage& u) {
        std::string p;
        JsonWriter(p)
            .obj()
            .kv("input_tokens", u.input)
            .kv("cached_input_tokens", u.cached)
            .kv("output_tokens", u.output)
            .kv("reasoning_output_tokens", u.reasoning)
            .kv("total_tokens", u.input + u.output)
            .end();
        return p;
    }

    std::string rate_limits() {
        std::string p;
        JsonWriter(p)
            .obj()
            .key("primary")
            .obj()
            .kv("used_percent", static_cast<double>(r.between(0, 95)))
            .kv("window_minutes", 300)
            .kv("resets_in_seconds", r.between(60, 18'000))
            .end()
            .key("secondary")
            .obj()
            .kv("used_percent", static_cast<double>(r.between(0, 60)))
            .kv("window_minutes", 10080)
            .kv("resets_in_seconds", r.between(3'600, 600'000))
            .end()
            .end();
        return p;
    }

    // A model response's token_count event (sometimes written twice, as Codex does).
    void codex_tokens(EpochMs at, std::int64_t out_bytes) {
        Stream& s = streams[0];
        Usage last;
        last.input = s.context;
        last.cached = std::min(s.context, s.cached / 64 * 64);
        last.reasoning = r.chance(0.7) ? r.between(0, 1'500) : 0;
        last.output = out_bytes / 4 + r.between(10, 200) + last.reasoning;
        s.cached = s.context;
        s.context += last.output;
        codex_total.input += last.input, codex_total.cached += last.cached;
        codex_total.output += last.output, codex_total.reasoning += last.reasoning;
        std::string p;
        JsonWriter(p)
            .obj()
            .kv("type", "token_count")
            .key("info")
            .obj()
            .key("total_token_usage")
            .raw(usage_json(codex_total))
            .key("last_token_usage")
            .raw(usage_json(last))
            .kv("model_context_window", 272'000)
            .end()
            .key("rate_limits")
            .raw(rate_limits())
            .end();
        SynthTotals f;
        f.usage_events = 1;
        f.unpriced_events = is_unknown_model(codex_model) ? 1 : 0;
        f.tokens.input = last.input - last.cached;
        f.tokens.cache_read = last.cached;
        f.tokens.output = last.output;
        f.tokens.reasoning = last.reasoning;
        push(0, at, codex_line(at, "event_msg", p), f);
        if (r.chance(0.3)) {
            const EpochMs again = at + dur(static_cast<double>(r.between(1, 40)));
            push(0, again, codex_line(again, "event_msg", p));
        }
    }

    void codex_turn() {
        Stream& s = streams[0];
        EpochMs t = now;
        SynthTotals msg;
        msg.messages = 1;
        if (turns == 0) {
            std::string p;
            JsonWriter w(p);
            w.obj()
                .kv("id", session_id)
                .kv("timestamp", format_iso8601(t))
                .kv("cwd", cwd)
                .kv("originator", "codex_cli_rs")
                .kv("cli_version", version)
                .key("instructions")
                .null()
                .kv("source", "cli")
                .kv("model_provider", "openai")
                .key("git")
                .obj()
                .kv("commit_hash", hex_id(r, 40))
                .kv("branch", branch)
                .kv("repository_url", "git@github.com:" + std::string(pick(r, kUsers)) + "/" +
                                          cwd.substr(cwd.rfind('/') + 1) + ".git")
                .end()
                .end();
            push(0, t, codex_line(t, "session_meta", p));
            push(0, t + 2,
                 codex_line(t + 2, "response_item",
                            message_payload(
                                "user", "input_text",
                                "<environment_context>\n  <cwd>" + cwd +
                                    "</cwd>\n  <approval_policy>on-request</approval_policy>\n"
                                    "  <sandbox_mode>workspace-write</sandbox_mode>\n"
                                    "  <network_access>restricted</network_access>\n  <shell>bash</shell>\n"
                                    "</environment_context>")),
                 msg);
        }
        if (turns > 0 && r.chance(0.05)) {
            codex_model = r.chance(o.unknown_model_rate) ? std::string(pick(r, kCodexUnknown))
                                                         : std::string(pick_weighted(r, kCodexModels));
        }
        {
            std::string p;
            JsonWriter(p)
                .obj()
                .kv("cwd", cwd)
                .kv("approval_policy", "on-request")
                .key("sandbox_policy")
                .obj()
                .kv("mode", "workspace-write")
                .kv("network_access", false)
                .end()
                .kv("model", codex_model)
                .kv("effort", r.chance(0.5) ? "medium" : "high")
                .kv("summary", "auto")
                .end();
            push(0, t + 3, codex_line(t + 3, "turn_context", p));
        }
        std::string prompt = filled(pick(r, kPrompts), r);
        t += 4;
        push(0, t, codex_line(t, "response_item", message_payload("user", "input_text", prompt)), msg);
        {
            std::string p;
            JsonWriter(p)
                .obj()
                .kv("type", "user_message")
                .kv("message", prompt)
                .key("images")
                .arr()
                .end()
                .end();
            push(0, t + 1, codex_line(t + 1, "event_msg", p));
            std::string q;
            JsonWriter(q)
                .obj()
                .kv("type", "token_count")
                .key("info")
                .null()
                .key("rate_limits")
                .raw(rate_limits())
                .end();
            push(0, t + 2, codex_line(t + 2, "event_msg", q));
        }
        s.context += static_cast<std::int64_t>(prompt.size()) / 4;

        const int rounds = 1 + static_cast<int>(std::min<double>(20, r.lognormal(4, 0.8)));
        for (int i = 0; i <= rounds; ++i) {
            const bool final = i == rounds;
            t += dur(r.lognormal(3'500, 0.8));
            std::int64_t out_bytes = 0;
            if (r.chance(0.8)) {
                const std::string summary = "**" + filled("Inspecting @ @", r) + "**\n\n" +
                                            prose(r, static_cast<int>(r.between(1, 4)));
                std::string p;
                JsonWriter(p)
                    .obj()
                    .kv("type", "reasoning")
                    .key("summary")
                    .arr()
                    .obj()
                    .kv("type", "summary_text")
                    .kv("text", summary)
                    .end()
                    .end()
                    .key("content")
                    .null()
                    .kv("encrypted_content", "gAAAAAB" + base64_blob(r, sized(2'500, 0.7)))
                    .end();
                push(0, t, codex_line(t, "response_item", p));
                std::string q;
                JsonWriter(q).obj().kv("type", "agent_reasoning").kv("text", summary).end();
                push(0, t + 1, codex_line(t + 1, "event_msg", q));
                out_bytes += static_cast<std::int64_t>(summary.size());
                t += 2;
            }
            if (final) {
                const std::string said = prose(r, static_cast<int>(r.between(2, 12)));
                push(0, t, codex_line(t, "response_item", message_payload("assistant", "output_text", said)),
                     msg);
                std::string q;
                JsonWriter(q).obj().kv("type", "agent_message").kv("message", said).end();
                push(0, t + 1, codex_line(t + 1, "event_msg", q));
                codex_tokens(t + 2, out_bytes + static_cast<std::int64_t>(said.size()));
                t += 3;
                break;
            }
            const int calls = r.chance(0.15) ? 2 : 1;
            EpochMs done = t;
            std::int64_t result_bytes = 0;
            for (int c = 0; c < calls; ++c) {
                const std::string call_id = "call_" + base62(r, 24);
                const EpochMs call_at = t + c;
                SynthTotals cf = msg;
                cf.tool_calls = 1;
                SynthTotals rf = msg;
                rf.tool_results = 1;
                std::string p, out;
                if (r.chance(0.25)) {  // apply_patch
                    const std::string rel = project_file();
                    const Lang& l = lang_of(rel);
                    const std::string patch =
                        "*** Begin Patch\n*** " + std::string(r.chance(0.2) ? "Add" : "Update") +
                        " File: " + rel + "\n@@\n" + text_of(r, l.lines, l.count, sized(900, 1.0)) +
                        "*** End Patch\n";
                    JsonWriter(p)
                        .obj()
                        .kv("type", "custom_tool_call")
                        .kv("status", "completed")
                        .kv("call_id", call_id)
                        .kv("name", "apply_patch")
                        .kv("input", patch)
                        .end();
                    out_bytes += static_cast<std::int64_t>(patch.size());
                    const bool fail = r.chance(0.04);
                    rf.tool_errors = fail ? 1 : 0;
                    std::string inner;
                    JsonWriter(inner)
                        .obj()
                        .kv("output", fail ? "apply_patch verification failed: context not found\n"
                                           : "Success. Updated the following files:\nM " + rel + "\n")
                        .key("metadata")
                        .obj()
                        .kv("exit_code", fail ? 1 : 0)
                        .kv("duration_seconds", 0.0)
                        .end()
                        .end();
                    JsonWriter(out)
                        .obj()
                        .kv("type", "custom_tool_call_output")
                        .kv("call_id", call_id)
                        .kv("output", inner)
                        .end();
                } else {
                    const std::string cmd = filled(pick(r, kCodexCommands), r);
                    std::string args;
                    JsonWriter aw(args);
                    aw.obj();
                    if (r.chance(0.5)) {
                        aw.key("command").arr().val("bash").val("-lc").val(cmd).end();
                    } else {
                        aw.kv("command", cmd);
                    }
                    aw.kv("workdir", cwd).kv("timeout_ms", 120'000).end();
                    JsonWriter(p)
                        .obj()
                        .kv("type", "function_call")
                        .kv("name", r.chance(0.5) ? "shell" : "shell_command")
                        .kv("arguments", args)
                        .kv("call_id", call_id)
                        .end();
                    out_bytes += static_cast<std::int64_t>(args.size());
                    const bool fail = r.chance(0.08);
                    rf.tool_errors = fail ? 1 : 0;
                    const std::string text =
                        shell_output(r, std::min<std::int64_t>(sized(1'200, 1.3), 16'000));
                    result_bytes += static_cast<std::int64_t>(text.size());
                    std::string output;
                    if (r.chance(0.5)) {
                        JsonWriter(output)
                            .obj()
                            .kv("output", text)
                            .key("metadata")
                            .obj()
                            .kv("exit_code", fail ? 1 : 0)
                            .kv("duration_seconds", r.unit() * 8)
                            .end()
                            .end();
                    } else {
                        output = "Exit code: " + std::string(fail ? "1" : "0") +
                                 "\nWall time: 0.4 seconds\nOutput:\n" + text;
                    }
                    JsonWriter(out)
                        .obj()
                        .kv("type", "function_call_output")
                        .kv("call_id", call_id)
                        .kv("output", output)
                        .end();
                }
                push(0, call_at, codex_line(call_at, "response_item", p), cf);
                const EpochMs result_at = call_at + dur(r.lognormal(1'500, 1.2));
                push(0, result_at, codex_line(result_at, "response_item", out), rf);
                done = std::max(done, result_at);
            }
            codex_tokens(t + calls, out_bytes);
            s.context += result_bytes / 4;
            t = done + 1;
        }
        now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));
    }
};

SynthSession::SynthSession(const SynthSessionOptions& opts) : impl_(std::make_unique<Impl>(opts)) {}
SynthSession::~SynthSession() = default;
SynthSession::SynthSession(SynthSession&&) noexcept = default;
SynthSession& SynthSession::operator=(SynthSession&&) noexcept = default;
bool SynthSession::done() const {
    return impl_->queue.empty();
}
EpochMs SynthSession::next_at() const {
    return impl_->queue.front().at;
}
SynthLine SynthSession::next() {
    return impl_->next();
}
const SynthTotals& SynthSession::totals() const {
    return impl_->totals;
}
const std::string& SynthSession::session_id() const {
    return impl_->session_id;
}
const std::string& SynthSession::main_path() const {
    return impl_->streams[0].path;
}

// ---------------------------------------------------------------------------------------------------
// Fleet

namespace {
int draw_subagents(SynthRng& r) {
    const double x = r.unit();
    return x < 0.75 ? 0 : x < 0.87 ? 1 : x < 0.95 ? 2 : static_cast<int>(r.between(3, 5));
}
}  // namespace

struct SynthFleet::Impl {
    SynthFleetOptions o;
    SynthRng r;
    std::vector<SynthSession> running;
    int started = 0;
    SynthTotals finished;
    mutable SynthTotals sum;

    explicit Impl(const SynthFleetOptions& opts) : o(opts), r(opts.seed) {
        for (int i = 0; i < std::max(1, o.concurrent); ++i)
            start(o.start_ms + static_cast<EpochMs>(i * 7'000 * o.time_scale));
    }
    void start(EpochMs at) {
        if (o.max_sessions > 0 && started >= o.max_sessions) return;
        ++started;
        SynthSessionOptions so;
        so.provider = r.chance(o.codex_share) ? SynthAgent::Codex : SynthAgent::Claude;
        so.seed = r.next();
        so.start_ms = at;
        so.target_bytes = std::clamp<std::int64_t>(
            std::llround(r.lognormal(static_cast<double>(o.median_session_bytes), 1.0)), 20'000, 50'000'000);
        so.subagents = so.provider == SynthAgent::Claude ? draw_subagents(r) : 0;
        so.time_scale = o.time_scale;
        running.emplace_back(so);
    }
    std::size_t earliest() const {
        std::size_t best = 0;
        for (std::size_t i = 1; i < running.size(); ++i)
            if (running[i].next_at() < running[best].next_at()) best = i;
        return best;
    }
    SynthLine next() {
        const std::size_t i = earliest();
        SynthLine line = running[i].next();
        if (running[i].done()) {
            finished += running[i].totals();
            running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
            start(line.at + std::max<EpochMs>(1, std::llround(r.lognormal(60'000, 1.0) * o.time_scale)));
        }
        return line;
    }
};

SynthFleet::SynthFleet(const SynthFleetOptions& opts) : impl_(std::make_unique<Impl>(opts)) {}
SynthFleet::~SynthFleet() = default;
bool SynthFleet::done() const {
    return impl_->running.empty();
}
EpochMs SynthFleet::next_at() const {
    return impl_->running[impl_->earliest()].next_at();
}
SynthLine SynthFleet::next() {
    return impl_->next();
}
const SynthTotals& SynthFleet::totals() const {
    impl_->sum = impl_->finished;
    for (const SynthSession& s : impl_->running) impl_->sum += s.totals();
    return impl_->sum;
}

// ---------------------------------------------------------------------------------------------------
// Corpus

SynthTotals write_synth_corpus(const SynthCorpusOptions& opts) {
    namespace fs = std::filesystem;
    SynthRng r(opts.seed ^ 0x5eed5eed5eedull);
    struct Planned {
        SynthAgent provider;
        int subagents;
        double weight;
    };
    // Plan the sessions so that files (sub-agents included) add up to exactly `files`; sizes are
    // lognormal (a few sessions hold much of the bytes, as in real transcript folders).
    std::vector<Planned> plan;
    double total_weight = 0;
    for (int slots = std::max(1, opts.files); slots > 0;) {
        Planned p;
        p.provider = r.chance(opts.codex_share) ? SynthAgent::Codex : SynthAgent::Claude;
        p.subagents = p.provider == SynthAgent::Claude ? std::min(draw_subagents(r), slots - 1) : 0;
        p.weight = std::min(r.lognormal(1.0, 1.2), 40.0) * (1.0 + 0.6 * p.subagents);
        slots -= 1 + p.subagents;
        total_weight += p.weight;
        plan.push_back(p);
    }

    SynthTotals all;
    std::int64_t bytes_left = opts.target_bytes;
    double weight_left = total_weight;
    const double span = static_cast<double>(std::max(1, opts.days)) * 86'400'000.0;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const Planned& p = plan[i];
        SynthSessionOptions so;
        so.provider = p.provider;
        so.seed = r.next();
        so.subagents = p.subagents;
        so.start_ms = opts.start_ms +
                      static_cast<EpochMs>(span * static_cast<double>(i) / static_cast<double>(plan.size())) +
                      r.between(0, 3'600'000);
        so.target_bytes = std::max<std::int64_t>(
            2'000, std::llround(static_cast<double>(bytes_left) * p.weight / weight_left));
        weight_left -= p.weight;
        SynthSession session(so);
        std::map<std::string, std::FILE*> open;
        auto close_all = [&] {
            for (auto& [path, f] : open) std::fclose(f);
            open.clear();
        };
        try {
            while (!session.done()) {
                const SynthLine line = session.next();
                auto it = open.find(line.path);
                if (it == open.end()) {
                    const fs::path full =
                        (line.provider == SynthAgent::Claude ? opts.claude_root : opts.codex_root) / line.path;
                    fs::create_directories(full.parent_path());
                    std::FILE* f = std::fopen(full.c_str(), "wb");
                    if (!f) throw std::runtime_error("cannot write " + full.string());
                    it = open.emplace(line.path, f).first;
                }
                if (std::fwrite(line.text.data(), 1, line.text.size(), it->second) != line.text.size() ||
                    std::fputc('\n', it->second) == EOF)
                    throw std::runtime_error("write failed: " + line.path);
            }
        } catch (...) {
            close_all();
            throw;
        }
        bool closed = true;
        for (auto& [path, f] : open) closed = std::fclose(f) == 0 && closed;
        open.clear();
        if (!closed)
            throw std::runtime_error("write failed while closing a transcript of session " +
                                     session.session_id());
        all += session.totals();
        bytes_left -= session.totals().bytes;
        if (opts.on_progress) opts.on_progress(all);
    }
    return all;
}

}  // namespace agentpulse
