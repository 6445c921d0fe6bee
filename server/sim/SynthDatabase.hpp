// Where a simulated agent's row lines go (SynthLine::Kind::Row): SQLite databases written as OpenCode
// writes its own: WAL mode, synchronous NORMAL, each row upsert its own transaction, the connection kept
// open while the simulation runs (so a reader sees the -wal grow and the -shm index move, as with the
// real agent). A row line's text is one JSON object naming its table and columns:
//   {"table":"session","id","project_id","parent_id","directory","version","title","time_created","time_updated"}
//   {"table":"message","id","session_id","time_created","time_updated","data":{...}}
//   {"table":"part","id","message_id","session_id","time_created","time_updated","data":{...}}
// An existing row (by id) is updated in place; `data` is stored as its JSON text.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

struct sqlite3;

namespace agentpulse {

class SynthDatabase {
public:
    SynthDatabase();
    ~SynthDatabase();  // closes every database (SQLite checkpoints the WAL into the main file)
    SynthDatabase(const SynthDatabase&) = delete;
    SynthDatabase& operator=(const SynthDatabase&) = delete;

    // Applies one row line to the database at `path` (created with OpenCode's tables when missing).
    // Throws std::runtime_error on a SQLite error or a row it cannot read.
    void apply(const std::filesystem::path& path, std::string_view row);

private:
    struct Db;
    std::map<std::string, std::unique_ptr<Db>> open_;
};

}  // namespace agentpulse
