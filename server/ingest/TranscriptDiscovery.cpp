// Walks each agent's folder and asks its source what each file is.
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

// False for a folder below a root whose source says it holds no transcripts (AgentSource::may_hold_transcripts).
bool worth_walking(const AgentRoots& roots, const fs::path& dir) {
    for (const AgentRoot& root : roots) {
        fs::path rel;
        if (is_below(root.path, dir, rel)) return root.source->may_hold_transcripts(rel);
    }
    return true;
}

}  // namespace

std::optional<FileRecord> classify_transcript(const AgentRoots& roots, const fs::path& path) {
    for (const AgentRoot& root : roots) {
        fs::path rel;
        if (!is_below(root.path, path, rel)) continue;
        fs::path file = path;
        // A SQLite database in WAL mode is written through its -wal file (and -shm): a change to either
        // is a change of the database, which is what is read.
        if (root.source->traits().read_mode == ReadMode::SqliteDatabase) {
            const std::string name = rel.filename().string();
            if (name.ends_with("-wal") || name.ends_with("-shm")) {
                rel.replace_filename(name.substr(0, name.size() - 4));
                file.replace_filename(rel.filename());
            }
        }
        std::optional<FileClass> c = root.source->classify(rel);
        if (!c) return std::nullopt;
        FileRecord f;
        f.path = file.string();
        f.provider = std::string(root.source->name());
        f.kind = std::move(c->kind);
        f.project_slug = std::move(c->project_slug);
        f.parent_session = std::move(c->parent_session);
        return f;
    }
    return std::nullopt;
}

std::vector<fs::path> watch_directories(const AgentRoots& roots, const fs::path& top) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    if (top.empty() || !fs::is_directory(top, ec) || !worth_walking(roots, top)) return dirs;
    dirs.push_back(top);
    for (auto it = fs::recursive_directory_iterator(top, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code sec;
        if (!it->is_directory(sec) || it->is_symlink(sec)) continue;
        if (worth_walking(roots, it->path()))
            dirs.push_back(it->path());
        else
            it.disable_recursion_pending();
    }
    return dirs;
}

std::vector<FileRecord> discover_transcripts(const AgentRoots& roots, const fs::path& within) {
    std::vector<fs::path> tops{within};
    if (within.empty()) {
        tops.clear();
        for (const AgentRoot& r : roots) tops.push_back(r.path);
    }
    std::vector<FileRecord> out;
    for (const fs::path& root : tops) {
        std::error_code ec;
        if (root.empty() || !fs::is_directory(root, ec) || !worth_walking(roots, root)) continue;
        for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code sec;
            if (it->is_directory(sec) && !it->is_symlink(sec) && !worth_walking(roots, it->path())) {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_regular_file(sec)) continue;  // follows symlinked files, not symlinked folders
            if (auto f = classify_transcript(roots, it->path())) out.push_back(std::move(*f));
        }
    }
    std::sort(out.begin(), out.end(), [](const FileRecord& a, const FileRecord& b) { return a.path < b.path; });
    // A database and its -wal and -shm files are one transcript.
    out.erase(std::unique(out.begin(), out.end(), [](const FileRecord& a, const FileRecord& b) { return a.path == b.path; }),
              out.end());
    return out;
}

}  // namespace agentpulse
