// Fuzz target: transcript bytes through the whole ingest path, as the watcher runs it. The input is a
// transcript file's contents; it is ingested as a session (or, for odd sizes, a sub-agent) file of every
// agent in the registry by the real TranscriptTailer (line splitting, CR/LF, partial last lines, over-long
// lines, batches, parser state saved and restored) into a migrated in-memory store through the StoreWriter
// (JsonLineReader, every agent's parser, FieldCleaning, Utf8, IsoTime, PriceBook, SQL).
//
// It also checks the ingest guarantee (docs/ingest.md): a file read in two calls, the first ending at an
// arbitrary byte (a partial line, as when the agent is mid-write), gives exactly the rows of one read.
//
// The same bytes are then read as every whole document an agent rewrites in place (ReadMode::WholeDocument:
// Gemini CLI's legacy session, OpenCode's legacy session, message and part files, laid out as the agents
// lay them out so that a part finds its message and session): no batch refused, and a second read of the
// unchanged documents changes nothing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzStore.hpp"
#include "agents/AgentRegistry.hpp"

using namespace agentpulse;
using namespace agentpulse::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    init("transcript");
    return 0;
}
namespace {

// `bytes` as each kind of whole document, in one store.
void whole_documents(std::string_view bytes) {
    struct Doc {
        const char* agent;
        const char* kind;
        const char* rel;
    };
    static const Doc kDocs[] = {
        {"gemini", "session", "gemini/tmp/shop/chats/session-2025-11-24T16-00-a1b2c3d4.json"},
        {"opencode", "legacy-session", "opencode/storage/session/prj_1/ses_1.json"},
        {"opencode", "legacy-message", "opencode/storage/message/ses_1/msg_1.json"},
        {"opencode", "legacy-part", "opencode/storage/part/msg_1/prt_1.json"},
    };
    Store store;
    std::vector<FileRecord> files;
    for (const Doc& d : kDocs) {
        const fs::path path = g_dir / d.rel;
        fs::create_directories(path.parent_path());
        write_file(path, bytes, false);
        files.push_back(store.file(path, d.agent, d.kind));
    }
    for (FileRecord& f : files) check(store.tailer->ingest(f) != TailStatus::StoreFailed, "a document's batch was refused");
    const std::string d = digest(store.db);
    for (FileRecord& f : files) store.tailer->ingest(f);
    check(digest(store.db) == d, "a second read of unchanged documents changed the store");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 256 * 1024) return -1;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    // Where the first read stops: anywhere, a partial line included.
    const std::size_t split = size == 0 ? 0 : (static_cast<std::size_t>(data[size - 1]) * 131 + size / 2) % (size + 1);
    const std::string kind = (size & 1) ? "subagent" : "session";
    // The same bytes as a file of every registered agent that reads lines (a database is not fuzzed here).
    static const std::vector<const AgentSource*> sources = [] {
        std::vector<const AgentSource*> out;
        for (const AgentSource* s : agent_sources())
            if (s->traits().read_mode == ReadMode::AppendOnlyLines) out.push_back(s);
        return out;
    }();
    std::vector<fs::path> paths;
    for (const AgentSource* source : sources)
        paths.push_back(g_dir / (std::string(source->name()) + (kind == "subagent" ? "-agent-a1b2c3.jsonl" : "-sess-1.jsonl")));
    const auto write_all = [&](std::string_view data, bool append) {
        for (const fs::path& p : paths) write_file(p, data, append);
    };
    const auto register_all = [&](Store& store) {
        std::vector<FileRecord> files;
        for (std::size_t i = 0; i < paths.size(); ++i) files.push_back(store.file(paths[i], sources[i]->name(), kind));
        return files;
    };

    // One read of the whole file.
    Store whole;
    write_all(bytes, false);
    std::vector<FileRecord> wf = register_all(whole);
    for (FileRecord& f : wf) check(whole.tailer->ingest(f) != TailStatus::StoreFailed, "a batch was refused by the store");
    // Every complete line is consumed; a partial last line is not.
    const std::size_t last_nl = bytes.rfind('\n');
    const std::int64_t complete = last_nl == std::string_view::npos ? 0 : static_cast<std::int64_t>(last_nl + 1);
    for (const FileRecord& f : wf) check(f.offset == complete, "offset is not at the end of the last complete line");
    // Nothing new: nothing read, nothing written.
    const std::string d_whole = digest(whole.db);
    check(whole.tailer->ingest(wf.front()) == TailStatus::UpToDate, "a second read of an unchanged file progressed");
    check(digest(whole.db) == d_whole, "a second read of an unchanged file changed the store");

    // Two reads: the first stops at `split`, the second gets the rest (a new parser from the saved state).
    Store parts;
    write_all(bytes.substr(0, split), false);
    std::vector<FileRecord> pf = register_all(parts);
    for (FileRecord& f : pf) parts.tailer->ingest(f);
    write_all(bytes.substr(split), true);
    for (FileRecord& f : pf) parts.tailer->ingest(f);
    for (const FileRecord& f : pf) check(f.offset == complete, "offset after two reads is not at the last complete line");
    if (digest(parts.db) != d_whole) {
        std::fprintf(stderr, "split at byte %zu\n--- one read:\n%s--- two reads:\n%s", split, d_whole.c_str(),
                     digest(parts.db).c_str());
        check(false, "reading the file in two parts stored other rows than one read");
    }
    whole_documents(bytes);
    return 0;
}
