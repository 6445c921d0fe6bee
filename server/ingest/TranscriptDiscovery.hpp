// Where transcripts live and what their paths say: Claude Code session and sub-agent files under the
// projects root, Codex rollouts under the sessions root.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/StoreWriter.hpp"

namespace agentpulse {

struct TranscriptRoots {
    std::filesystem::path claude_projects;  // empty = not watched
    std::filesystem::path codex_sessions;   // empty = not watched
};

// Classifies a path below one of the roots; nullopt when it is not a transcript we read.
std::optional<FileRecord> classify_transcript(const TranscriptRoots& roots, const std::filesystem::path& path);

// Every transcript under the roots (missing roots are skipped), in a stable order; with `within`, only
// those below that directory.
std::vector<FileRecord> discover_transcripts(const TranscriptRoots& roots, const std::filesystem::path& within = {});

// Every directory under a root that should carry an inotify watch (the root included, if it exists).
std::vector<std::filesystem::path> watch_directories(const std::filesystem::path& root);

}  // namespace agentpulse
