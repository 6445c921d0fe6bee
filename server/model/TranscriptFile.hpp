// One transcript file as the store remembers it: which agent wrote it, what its path says, and how far
// ingest has read (offset, line count, identity fingerprints, the parser's saved state).
#pragma once

#include <cstdint>
#include <string>

namespace agentpulse {

// One row of transcript_files: where we are in one transcript.
struct FileRecord {
    std::int64_t id = 0;
    std::string path;
    std::string provider;        // the agent's name (AgentTraits::name): claude, codex, ...
    std::string kind;            // session | subagent | rollout
    std::string project_slug;
    std::string parent_session;
    std::int64_t device = 0, inode = 0;
    std::int64_t size = 0;       // file size when last read
    std::int64_t offset = 0;     // bytes consumed, always at a line boundary
    std::int64_t line_no = 0;    // lines consumed
    std::int64_t head_len = 0;   // bytes covered by head_hash
    std::string head_hash;       // fingerprint of the first head_len bytes
    std::string parser_state;
    std::int64_t rewrites = 0;   // times the file was found truncated or replaced
};

}  // namespace agentpulse
