// The material simulated agents write: code in several languages, prose, prompts, shell output, file
// listings, identifiers, projects. '@' in a template becomes an identifier, '#' a number. Shared by
// every agent's writer; what only one agent writes lives in its writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/SynthRng.hpp"

namespace agentpulse {

template <class T, std::size_t N>
const T& pick(SynthRng& r, const T (&a)[N]) {
    return a[r.below(N)];
}

inline constexpr std::string_view kTsLines[] = {
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

inline constexpr std::string_view kPrompts[] = {
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

inline constexpr std::string_view kDirs[] = {"src",         "src/lib",      "src/components", "src/api",
                                             "server/core", "server/store", "tests",          "docs",
                                             "scripts",     "internal/@",   "pkg/@",          "app/@"};

// A project the simulated user works in, and the extension of most of its files.
struct ProjectKind {
    std::string_view name;
    std::string_view ext;
};
inline constexpr ProjectKind kProjects[] = {
    {"shop-api", ".ts"},     {"agentpulse", ".cpp"},    {"billing-service", ".go"}, {"ml-pipeline", ".py"},
    {"dashboard", ".tsx"},   {"search-indexer", ".rs"}, {"payments", ".go"},        {"docs-site", ".md"},
    {"chat-backend", ".ts"}, {"data-tools", ".py"},     {"game-engine", ".cpp"},    {"cli-tools", ".rs"},
    {"mobile-app", ".tsx"},  {"infra", ".py"},          {"compiler", ".rs"},        {"notebook-lab", ".py"},
};
inline constexpr std::string_view kUsers[] = {"ana", "sam", "lee", "dev", "mira"};

// A model id and how often sessions run on it.
struct WeightedModel {
    std::string_view id;
    int weight;
};
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

// `tpl` with '@' and '#' filled in, appended to `o`.
void fill(std::string& o, std::string_view tpl, SynthRng& r);
std::string filled(std::string_view tpl, SynthRng& r);
// Lines drawn from `pool` until about `bytes` long; every line ends with '\n'.
std::string text_of(SynthRng& r, const std::string_view* pool, std::size_t n, std::int64_t bytes);
// About `bytes` of source text in the language of `path` (by its extension).
std::string code_text(SynthRng& r, std::string_view path, std::int64_t bytes);
// `sentences` sentences of an agent's prose, sometimes in paragraphs.
std::string prose(SynthRng& r, int sentences);
// About `bytes` of a terminal's output (tests, builds, git, ls).
std::string shell_output(SynthRng& r, std::int64_t bytes);

std::string hex_id(SynthRng& r, int n);
std::string base62(SynthRng& r, int n);
std::string base64_blob(SynthRng& r, std::int64_t n);
std::string uuid4(SynthRng& r);

}  // namespace agentpulse
