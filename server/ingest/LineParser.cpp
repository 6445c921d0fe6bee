// Picks the parser for a file's provider.
#include "ingest/LineParser.hpp"

#include "ingest/ClaudeLineParser.hpp"
#include "ingest/CodexLineParser.hpp"

namespace agentpulse {

std::unique_ptr<LineParser> make_line_parser(const FileContext& ctx) {
    if (ctx.provider == Provider::Codex) return std::make_unique<CodexLineParser>(ctx);
    return std::make_unique<ClaudeLineParser>(ctx);
}

}  // namespace agentpulse
