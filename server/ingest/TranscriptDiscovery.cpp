// Claude: <root>/<project>/<session>.jsonl (kind "session") and <root>/<project>/<session>/**/*.jsonl
// (kind "subagent", attributed to <session>). Codex: <root>/**/*.jsonl (kind "rollout").
#include "ingest/TranscriptDiscovery.hpp"

#include <algorithm>
#include <system_error>

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

bool is_below(const fs::path& root, const fs::path& p, fs::path& rel) {
    if (root.empty()) return false;
    rel = p.lexically_relative(root);
    return !rel.empty() && *rel.begin() != ".." && *rel.begin() != ".";
}

}  // namespace

std::optional<FileRecord> classify_transcript(const TranscriptRoots& roots, const fs::path& path) {
    if (path.extension() != ".jsonl") return std::nullopt;
    fs::path rel;
    FileRecord f;
    f.path = path.string();
    if (is_below(roots.claude_projects, path, rel)) {
        std::vector<std::string> parts;
        for (const auto& c : rel) parts.push_back(c.string());
        if (parts.size() < 2) return std::nullopt;  // a .jsonl directly in the root belongs to no project
        f.provider = Provider::Claude;
        f.project_slug = parts[0];
        if (parts.size() == 2) {
            f.kind = "session";
        } else {
            f.kind = "subagent";
            f.parent_session = parts[1];
        }
        return f;
    }
    if (is_below(roots.codex_sessions, path, rel)) {
        f.provider = Provider::Codex;
        f.kind = "rollout";
        return f;
    }
    return std::nullopt;
}

std::vector<fs::path> watch_directories(const fs::path& root) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    if (root.empty() || !fs::is_directory(root, ec)) return dirs;
    dirs.push_back(root);
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code sec;
        if (it->is_directory(sec) && !it->is_symlink(sec)) dirs.push_back(it->path());
    }
    return dirs;
}

std::vector<FileRecord> discover_transcripts(const TranscriptRoots& roots, const fs::path& within) {
    std::vector<FileRecord> out;
    for (const fs::path& root : within.empty() ? std::vector<fs::path>{roots.claude_projects, roots.codex_sessions}
                                               : std::vector<fs::path>{within}) {
        std::error_code ec;
        if (root.empty() || !fs::is_directory(root, ec)) continue;
        for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code sec;
            if (!it->is_regular_file(sec)) continue;  // follows symlinked files, not symlinked folders
            if (auto f = classify_transcript(roots, it->path())) out.push_back(std::move(*f));
        }
    }
    std::sort(out.begin(), out.end(), [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
    return out;
}

}  // namespace agentpulse
