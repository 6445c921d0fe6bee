// Schema history. Never edit a released step: add a new one. Each step is idempotent on its own
// (IF NOT EXISTS) so that a crash between its DDL and the version bump is harmless.
#include "store/Migrations.hpp"

#include <array>
#include <string>

#include "store/Statement.hpp"

namespace agentpulse {

namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE IF NOT EXISTS projects (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    provider      TEXT NOT NULL,
    slug          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    cwd           TEXT,
    first_seen    TEXT,
    last_seen     TEXT,
    UNIQUE (provider, slug)
);
CREATE TABLE IF NOT EXISTS sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    provider     TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    started_at   TEXT,
    last_at      TEXT,
    cwd          TEXT,
    git_branch   TEXT,
    cli_version  TEXT,
    model        TEXT,
    UNIQUE (provider, session_id)
);
CREATE INDEX IF NOT EXISTS sessions_last_at ON sessions(last_at);
CREATE TABLE IF NOT EXISTS transcript_files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    path            TEXT NOT NULL UNIQUE,
    provider        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    project_slug    TEXT,
    parent_session  TEXT,
    device          INTEGER,
    inode           INTEGER,
    size            INTEGER NOT NULL DEFAULT 0,
    offset          INTEGER NOT NULL DEFAULT 0,
    line_no         INTEGER NOT NULL DEFAULT 0,
    head_len        INTEGER NOT NULL DEFAULT 0,
    head_hash       TEXT,
    parser_state    TEXT,
    rewrites        INTEGER NOT NULL DEFAULT 0,
    updated_at      TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    provider             TEXT NOT NULL,
    project_id           INTEGER NOT NULL REFERENCES projects(id),
    session_id           INTEGER NOT NULL REFERENCES sessions(id),
    file_id              INTEGER REFERENCES transcript_files(id),
    line_no              INTEGER,
    line_key             TEXT NOT NULL UNIQUE,
    parent_key           TEXT,
    ts                   TEXT NOT NULL,
    day                  TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    role                 TEXT,
    model                TEXT,
    api_message_id       TEXT,
    request_id           TEXT,
    input_tokens         INTEGER NOT NULL DEFAULT 0,
    output_tokens        INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens    INTEGER NOT NULL DEFAULT 0,
    cache_create_tokens  INTEGER NOT NULL DEFAULT 0,
    is_sidechain         INTEGER NOT NULL DEFAULT 0,
    agent_id             TEXT
);
CREATE INDEX IF NOT EXISTS messages_session_ts ON messages(session_id, ts);
CREATE INDEX IF NOT EXISTS messages_api_message_id ON messages(api_message_id) WHERE api_message_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS usage_events (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    provider                TEXT NOT NULL,
    project_id              INTEGER NOT NULL REFERENCES projects(id),
    session_id              INTEGER NOT NULL REFERENCES sessions(id),
    message_id              INTEGER REFERENCES messages(id),
    ts                      TEXT NOT NULL,
    day                     TEXT NOT NULL,
    model                   TEXT NOT NULL,
    input_tokens            INTEGER NOT NULL DEFAULT 0,
    output_tokens           INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens       INTEGER NOT NULL DEFAULT 0,
    cache_create_tokens     INTEGER NOT NULL DEFAULT 0,
    cache_create_1h_tokens  INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens        INTEGER NOT NULL DEFAULT 0,
    cost_usd                REAL NOT NULL DEFAULT 0,
    cost_source             TEXT NOT NULL,
    service_tier            TEXT,
    dedup_key               TEXT NOT NULL UNIQUE,
    update_seq              INTEGER NOT NULL DEFAULT 0,
    updated_at              TEXT
);
CREATE INDEX IF NOT EXISTS usage_events_ts ON usage_events(ts);
CREATE INDEX IF NOT EXISTS usage_events_day ON usage_events(day);
CREATE INDEX IF NOT EXISTS usage_events_session ON usage_events(session_id, ts);
CREATE INDEX IF NOT EXISTS usage_events_update_seq ON usage_events(update_seq) WHERE update_seq > 0;
CREATE TABLE IF NOT EXISTS message_tool_mart (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    provider      TEXT NOT NULL,
    message_id    INTEGER REFERENCES messages(id),
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    session_id    INTEGER NOT NULL REFERENCES sessions(id),
    ts            TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    day           TEXT NOT NULL,
    tool_name     TEXT NOT NULL,
    file_path     TEXT,
    byte_count    INTEGER,
    call_index    INTEGER NOT NULL DEFAULT 0,
    tool_use_id   TEXT NOT NULL,
    result_ts     TEXT,
    latency_ms    INTEGER,
    is_error      INTEGER,
    result_bytes  INTEGER,
    result_seq    INTEGER,
    UNIQUE (provider, tool_use_id)
);
CREATE INDEX IF NOT EXISTS tool_mart_ts ON message_tool_mart(ts);
CREATE INDEX IF NOT EXISTS tool_mart_tool_ts ON message_tool_mart(tool_name, ts);
CREATE INDEX IF NOT EXISTS tool_mart_session ON message_tool_mart(session_id, ts);
CREATE INDEX IF NOT EXISTS tool_mart_result_seq ON message_tool_mart(result_seq) WHERE result_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS tool_mart_open ON message_tool_mart(session_id) WHERE result_ts IS NULL;
)sql";

constexpr std::string_view kV2 = R"sql(
CREATE TABLE IF NOT EXISTS pending_tool_results (
    provider      TEXT NOT NULL,
    tool_use_id   TEXT NOT NULL,
    ts            TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    is_error      INTEGER NOT NULL,
    result_bytes  INTEGER NOT NULL,
    PRIMARY KEY (provider, tool_use_id)
);
CREATE TABLE IF NOT EXISTS watcher_heartbeat (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    state        TEXT NOT NULL,
    reason       TEXT,
    pid          INTEGER,
    hostname     TEXT,
    version      TEXT,
    started_at   TEXT,
    beat_at      TEXT,
    beat_ms      INTEGER,
    interval_ms  INTEGER,
    counters     TEXT
);
CREATE TABLE IF NOT EXISTS ingest_errors (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    ts       TEXT NOT NULL,
    path     TEXT,
    line_no  INTEGER,
    kind     TEXT NOT NULL,
    message  TEXT
);
)sql";

// StoreWriter counts the tool calls already stored for a response (call_index of a split response's
// later calls) by message_id: without this index that count scanned the whole tool table per response.
constexpr std::string_view kV3 = R"sql(
CREATE INDEX IF NOT EXISTS tool_mart_message ON message_tool_mart(message_id);
)sql";

// The aggregates computed from the rows (emptied first, so that running it again is harmless): usage_slots
// keyed on the slot and `keys` (step 4: provider, project_id, model; step 8 adds the machine), and
// session_totals.
std::string rebuild_sums_sql(const std::string& keys) {
    return "DELETE FROM usage_slots;\n"
           "DELETE FROM session_totals;\n"
           "INSERT INTO usage_slots(slot, " + keys + ", cost_nusd, input_tokens, output_tokens, cache_read_tokens,\n"
           "                        cache_create_tokens, cache_create_1h_tokens, reasoning_tokens, events, unpriced_events,\n"
           "                        estimated_events)\n"
           "    SELECT unixepoch(ts) / 900 AS s, " + keys + ", sum(CAST(round(cost_usd * 1e9) AS INTEGER)),\n"
           "           sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_create_tokens),\n"
           "           sum(cache_create_1h_tokens), sum(reasoning_tokens), count(*), sum(cost_source = 'unpriced'),\n"
           "           sum(cost_source = 'estimate_model_unknown')\n"
           "    FROM usage_events GROUP BY s, " + keys + ";\n"
           R"sql(INSERT INTO session_totals(session_id, cost_nusd, input_tokens, output_tokens, cache_read_tokens, cache_create_tokens,
                           cache_create_1h_tokens, reasoning_tokens, events, unpriced_events, estimated_events)
    SELECT session_id, sum(CAST(round(cost_usd * 1e9) AS INTEGER)), sum(input_tokens), sum(output_tokens),
           sum(cache_read_tokens), sum(cache_create_tokens), sum(cache_create_1h_tokens), sum(reasoning_tokens),
           count(*), sum(cost_source = 'unpriced'), sum(cost_source = 'estimate_model_unknown')
    FROM usage_events GROUP BY session_id;
INSERT INTO session_totals(session_id, tool_calls, tool_errors)
    SELECT session_id, count(*), sum(coalesce(is_error, 0)) FROM message_tool_mart WHERE true GROUP BY session_id
    ON CONFLICT(session_id) DO UPDATE SET tool_calls = excluded.tool_calls, tool_errors = excluded.tool_errors;
)sql";
}
constexpr const char* kSlotKeysV4 = "provider, project_id, model";
constexpr const char* kSlotKeys = "provider, project_id, model, machine";  // since step 8

// Aggregates the dashboard reads instead of scanning every row: usage per 15-minute slot and (provider,
// project, model), so that a day in any time zone (offsets are whole quarter hours) is a range of slots,
// and usage and tool calls per session. StoreWriter keeps them in the transaction that writes the rows
// (one upsert per slot and session a batch touched), so they are exact after a crash. Costs are summed
// in integer nano-dollars (`nano_usd`): integer sums do not depend on the order rows were written or grew
// in, so a store written in any order, or with kills in between, holds the same aggregates.
constexpr std::array<std::string_view, 9> kUsageSums = {
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_create_tokens", "cache_create_1h_tokens",
    "reasoning_tokens", "events", "unpriced_events", "estimated_events"};

std::string table_of_sums(std::string_view head, std::string_view tail) {
    std::string out = "CREATE TABLE IF NOT EXISTS " + std::string(head) + "    cost_nusd INTEGER NOT NULL DEFAULT 0,\n";
    for (std::string_view c : kUsageSums) out.append("    ").append(c).append(" INTEGER NOT NULL DEFAULT 0,\n");
    return out.append(tail);
}

const std::string& aggregates_step() {
    static const std::string sql =
        table_of_sums("usage_slots (\n    slot INTEGER NOT NULL,\n    provider TEXT NOT NULL,\n"
                      "    project_id INTEGER NOT NULL,\n    model TEXT NOT NULL,\n",
                      "    PRIMARY KEY (slot, provider, project_id, model)\n) WITHOUT ROWID;\n") +
        table_of_sums("session_totals (\n    session_id INTEGER PRIMARY KEY,\n",
                      "    tool_calls INTEGER NOT NULL DEFAULT 0,\n    tool_errors INTEGER NOT NULL DEFAULT 0\n);\n") +
        rebuild_sums_sql(kSlotKeysV4) +
        // sessions.place_at (added by the step): the time of the latest line that named the session's
        // folder; cwd and git_branch are that line's.
        "UPDATE sessions SET place_at = last_at WHERE cwd IS NOT NULL AND place_at IS NULL;\n";
    return sql;
}

// Plan limit windows: the newest snapshot of each (agent, window), from a transcript (Codex's rate_limits)
// or Claude Code's status line (agentpulse statusline). An upsert keeps the newer observation, so a
// re-read file or an older rollout read late changes nothing.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE IF NOT EXISTS limit_windows (
    provider        TEXT NOT NULL,
    window_name     TEXT NOT NULL,
    window_minutes  INTEGER,
    used_percent    REAL NOT NULL,
    resets_at       TEXT,
    resets_at_ms    INTEGER,
    observed_at     TEXT NOT NULL,
    observed_ms     INTEGER NOT NULL,
    source          TEXT NOT NULL,
    session_id      TEXT,
    limit_id        TEXT,
    plan_type       TEXT,
    PRIMARY KEY (provider, window_name)
);
)sql";


// The search index (store/SearchIndex.hpp, docs/search.md): one entry per prompt, tool call (its tool,
// file and command) and, with --index-text, assistant message, in `search_docs`, and an FTS5 index over
// them. Kept by StoreWriter with the rows. The text is not in the older tables, so a store that already
// has rows starts with an empty index marked as needing a rebuild (`agentpulse search --rebuild` reads
// the transcripts again).
constexpr std::string_view kV6 = R"sql(
CREATE TABLE IF NOT EXISTS search_docs (
    id          INTEGER PRIMARY KEY,
    doc_key     TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    provider    TEXT NOT NULL,
    project_id  INTEGER NOT NULL,
    session_id  INTEGER NOT NULL,
    message_id  INTEGER,
    call_id     INTEGER,
    ts          TEXT NOT NULL,
    tool        TEXT,
    body        TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    tool, body, content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE TABLE IF NOT EXISTS search_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    needs_rebuild  INTEGER NOT NULL,
    rebuilt_at     TEXT
);
INSERT OR IGNORE INTO search_state(id, needs_rebuild) VALUES (1, EXISTS (SELECT 1 FROM messages) OR EXISTS (SELECT 1 FROM message_tool_mart));
)sql";

// Alerts (docs/alerts.md): each rule's state per subject (which thresholds have fired, so a restart neither
// repeats nor loses a firing), the firings, and the outbox the delivery worker sends from, one row per
// firing and channel (UNIQUE: a firing is queued once per channel).
constexpr std::string_view kV7 = R"sql(
CREATE TABLE IF NOT EXISTS alert_state (
    rule_id        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    level          INTEGER NOT NULL DEFAULT 0,
    value          REAL,
    changed_ms     INTEGER NOT NULL,
    last_fired_ms  INTEGER,
    PRIMARY KEY (rule_id, subject)
);
CREATE TABLE IF NOT EXISTS alert_firings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    level      INTEGER NOT NULL,
    threshold  REAL NOT NULL,
    value      REAL NOT NULL,
    unit       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    fired_ms   INTEGER NOT NULL,
    idem_key   TEXT NOT NULL UNIQUE,
    test       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alert_firings_rule ON alert_firings(rule_id, fired_ms);
CREATE TABLE IF NOT EXISTS alert_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    firing_id    INTEGER NOT NULL REFERENCES alert_firings(id),
    channel      TEXT NOT NULL,
    channel_kind TEXT NOT NULL,
    url          TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_ms   INTEGER NOT NULL,
    next_ms      INTEGER NOT NULL,
    done_ms      INTEGER,
    last_status  INTEGER,
    last_error   TEXT,
    UNIQUE (firing_id, channel)
);
CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox(status, channel, next_ms);
)sql";


// The machine and the user of every session, usage row and tool call (issue 11), and where forwarding
// stands per destination. Rows written before know no machine: they were written by the store's watcher,
// whose host the heartbeat names ('' when no watcher ever ran). usage_slots gains the machine in its key
// (the Overview by machine), so it is made again and rebuilt from the rows. sessions.seq is a store-wide
// sequence the writer raises each time it changes a session, so a forwarder sends changed sessions by
// watermark; existing sessions get their id.
const std::string& machines_step() {
    static const std::string sql =
        "UPDATE sessions SET machine = coalesce((SELECT hostname FROM watcher_heartbeat WHERE id = 1), '') "
        "WHERE machine = '';\n"
        "UPDATE sessions SET seq = id WHERE seq = 0;\n"
        "UPDATE usage_events SET machine = (SELECT s.machine FROM sessions s WHERE s.id = usage_events.session_id), "
        "user_name = (SELECT s.user_name FROM sessions s WHERE s.id = usage_events.session_id) WHERE machine = '';\n"
        "UPDATE message_tool_mart SET machine = (SELECT s.machine FROM sessions s WHERE s.id = "
        "message_tool_mart.session_id), user_name = (SELECT s.user_name FROM sessions s WHERE s.id = "
        "message_tool_mart.session_id) WHERE machine = '';\n"
        "CREATE INDEX IF NOT EXISTS sessions_seq ON sessions(seq);\n"
        "CREATE INDEX IF NOT EXISTS sessions_machine ON sessions(machine, last_at);\n"
        "DROP TABLE IF EXISTS usage_slots;\n" +
        table_of_sums("usage_slots (\n    slot INTEGER NOT NULL,\n    provider TEXT NOT NULL,\n"
                      "    project_id INTEGER NOT NULL,\n    model TEXT NOT NULL,\n    machine TEXT NOT NULL,\n",
                      "    PRIMARY KEY (slot, provider, project_id, model, machine)\n) WITHOUT ROWID;\n") +
        rebuild_sums_sql(kSlotKeys) +
        "CREATE TABLE IF NOT EXISTS forward_cursors (\n"
        "    destination  TEXT PRIMARY KEY,\n"
        "    usage_id     INTEGER NOT NULL DEFAULT 0,\n"
        "    usage_seq    INTEGER NOT NULL DEFAULT 0,\n"
        "    tool_id      INTEGER NOT NULL DEFAULT 0,\n"
        "    result_seq   INTEGER NOT NULL DEFAULT 0,\n"
        "    session_seq  INTEGER NOT NULL DEFAULT 0,\n"
        "    records      INTEGER NOT NULL DEFAULT 0,\n"
        "    updated_at   TEXT,\n"
        "    last_error   TEXT\n"
        ");\n";
    return sql;
}


// Where each message's text is, for the conversation viewer (which reads the text from the transcript on
// demand; the store keeps none): the byte offset of its line in its file (NULL for rows written before this
// version: the viewer then finds the line by its number); indexes to find a session's files and a page's
// messages by line, and a response's usage by its message.
constexpr std::string_view kV9 = R"sql(
CREATE INDEX IF NOT EXISTS messages_session_file_line ON messages(session_id, file_id, line_no);
CREATE INDEX IF NOT EXISTS usage_events_message ON usage_events(message_id) WHERE message_id IS NOT NULL;
)sql";

}  // namespace

const std::vector<Migration>& schema_migrations() {
    static const std::vector<Migration> steps = {
        {1, "projects, sessions, transcript files, messages, usage events, tool calls", kV1},
        {2, "pending tool results, watcher heartbeat, ingest error log", kV2},
        {3, "index of tool calls by message", kV3},
        {4, "usage per 15-minute slot and per session; when a session last named its folder", aggregates_step(),
         {{"sessions", "place_at", "TEXT"}}},
        {5, "plan limit windows", kV5},
        {6, "search index (prompts, files, commands, tools)", kV6},
        {7, "alert rule state, firings and the notification outbox", kV7},
        {8, "machine and user of sessions, usage and tool calls; usage per slot and machine; forward cursors",
         machines_step(),
         {{"sessions", "machine", "TEXT NOT NULL DEFAULT ''"},
          {"sessions", "user_name", "TEXT"},
          {"sessions", "seq", "INTEGER NOT NULL DEFAULT 0"},
          {"usage_events", "machine", "TEXT NOT NULL DEFAULT ''"},
          {"usage_events", "user_name", "TEXT"},
          {"message_tool_mart", "machine", "TEXT NOT NULL DEFAULT ''"},
          {"message_tool_mart", "user_name", "TEXT"}}},
        {9, "where each message's line starts in its transcript", kV9, {{"messages", "byte_offset", "INTEGER"}}},
    };
    return steps;
}

void apply_step(Database& db, const Migration& m) {
    for (const Migration::Column& c : m.add_columns) {
        Statement has(db, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
        has.bind(1, c.table).bind(2, c.name);
        has.step();
        if (has.column_int(0) == 0)
            db.exec("ALTER TABLE " + std::string(c.table) + " ADD COLUMN " + std::string(c.name) + " " + std::string(c.type));
    }
    db.exec(m.sql);
}

void rebuild_aggregates(Database& db) { db.exec(rebuild_sums_sql(kSlotKeys)); }

int current_schema_version() { return schema_migrations().back().version; }

int schema_version(Database& db) {
    Statement st(db, "PRAGMA user_version");
    ResetGuard g(st);
    return st.step() ? static_cast<int>(st.column_int(0)) : 0;
}

void migrate(Database& db) {
    const int have = schema_version(db);
    if (have > current_schema_version())
        throw StoreError(SQLITE_ERROR, db.path().string() + ": store has schema version " + std::to_string(have) +
                                           ", newer than this agentpulse understands (" +
                                           std::to_string(current_schema_version()) +
                                           "); upgrade agentpulse or point --store at another file");
    for (const Migration& m : schema_migrations()) {
        if (m.version <= have) continue;
        Transaction tx(db);
        apply_step(db, m);
        db.exec("PRAGMA user_version=" + std::to_string(m.version));
        tx.commit();
    }
}

int check_readable_schema(Database& db) {
    const int have = schema_version(db);
    if (have == 0)
        throw StoreError(SQLITE_ERROR, db.path().string() +
                                           ": store is empty (no schema yet); has a writer (agentpulse ingest "
                                           "--follow) run against it?");
    if (have > current_schema_version())
        throw StoreError(SQLITE_ERROR, db.path().string() + ": store has schema version " + std::to_string(have) +
                                           ", newer than this agentpulse understands (" +
                                           std::to_string(current_schema_version()) + ")");
    return have;
}

}  // namespace agentpulse
