// See SynthText.hpp.
#include "sim/SynthText.hpp"

#include <charconv>

namespace agentpulse {

namespace {

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

const Lang& lang_of(std::string_view path) {
    for (const Lang& l : kLangs)
        if (path.ends_with(l.ext)) return l;
    return kLangs[0];
}

}  // namespace

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

std::string text_of(SynthRng& r, const std::string_view* pool, std::size_t n, std::int64_t bytes) {
    std::string s;
    s.reserve(static_cast<std::size_t>(bytes) + 96);
    while (static_cast<std::int64_t>(s.size()) < bytes) {
        fill(s, pool[r.below(n)], r);
        s.push_back('\n');
    }
    return s;
}

std::string code_text(SynthRng& r, std::string_view path, std::int64_t bytes) {
    const Lang& l = lang_of(path);
    return text_of(r, l.lines, l.count, bytes);
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

}  // namespace agentpulse
