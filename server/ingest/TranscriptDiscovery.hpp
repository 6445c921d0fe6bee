// Where transcripts live and what their paths say: each agent source's folder, with the source deciding
// which files below it are transcripts and what kind (AgentSource::classify).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "agents/AgentRegistry.hpp"
#include "model/TranscriptFile.hpp"

namespace agentpulse {

// Classifies a path below one of the roots (the first root, in registry order, that holds it); nullopt
// when it is not a transcript we read. For an agent whose files are SQLite databases, a database's -wal
// and -shm files classify as the database itself (its writes land in the -wal).
std::optional<FileRecord> classify_transcript(const AgentRoots& roots, const std::filesystem::path& path);

// Every transcript under the roots (missing roots are skipped), in a stable order; with `within`, only
// those below that directory. Folders a source says hold no transcripts are not walked.
std::vector<FileRecord> discover_transcripts(const AgentRoots& roots, const std::filesystem::path& within = {});

// Every directory from `top` down (a root or a folder below one) that should carry an inotify watch: `top`
// included if it exists, without the folders a source says hold no transcripts (nor anything below them).
std::vector<std::filesystem::path> watch_directories(const AgentRoots& roots, const std::filesystem::path& top);

}  // namespace agentpulse
