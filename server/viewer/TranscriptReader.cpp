// See TranscriptReader.hpp.
#include "viewer/TranscriptReader.hpp"

#include <boost/json.hpp>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <set>

#include "agents/AgentRegistry.hpp"
#include "agents/AgentSource.hpp"
#include "core/Utf8.hpp"
#include "store/Statement.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kMaxLine = 64 * 1024 * 1024;  // a longer line is shown as omitted

struct SessionFile {
    FileRecord rec;
    const AgentSource* source = nullptr;
    ReadMode mode = ReadMode::AppendOnlyLines;
    std::string status = "ok";  // ok | missing | replaced | truncated | unknown_agent
    std::string status_message;
    bool subagent = false;
};

// "<file>:<offset>:<line>" (for a document or a database: the position of the item instead of a byte offset).
struct Cursor {
    std::int64_t file = 0, offset = 0, line = 0;
};

std::optional<std::int64_t> to_int(std::string_view s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

std::optional<Cursor> parse_cursor(std::string_view s) {
    const auto a = s.find(':');
    const auto b = a == std::string_view::npos ? a : s.find(':', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    const auto f = to_int(s.substr(0, a)), o = to_int(s.substr(a + 1, b - a - 1)), l = to_int(s.substr(b + 1));
    if (!f || !o || !l) return std::nullopt;
    return Cursor{*f, *o, *l};
}

std::string cursor_text(const Cursor& c) {
    return std::to_string(c.file) + ":" + std::to_string(c.offset) + ":" + std::to_string(c.line);
}

// A read item with where it came from.
struct Placed {
    ViewItem item;
    std::int64_t file = 0, offset = 0, line = 0;  // line 0: a document's or a database's item
    int index = 0;                                // position among its line's items
    std::optional<std::int64_t> message_id;
    bool from_line = false;                       // read from a line of a file (not a document or a database)
};

void check_file(SessionFile& f) {
    struct stat st {};
    if (::stat(f.rec.path.c_str(), &st) != 0) {
        f.status = "missing";
        f.status_message = "transcript no longer on disk (deleted or rotated away)";
        return;
    }
    if (f.mode == ReadMode::SqliteDatabase) return;  // a database is updated in place: its identity may change
    if ((f.rec.device || f.rec.inode) &&
        (static_cast<std::int64_t>(st.st_dev) != f.rec.device || static_cast<std::int64_t>(st.st_ino) != f.rec.inode)) {
        f.status = "replaced";
        f.status_message = "the file at this path is not the one that was read (rotated or replaced): what it now holds is shown";
    } else if (f.mode == ReadMode::AppendOnlyLines && st.st_size < f.rec.offset) {
        f.status = "truncated";
        f.status_message = "the transcript is shorter than when it was read (rewritten or truncated)";
    }
}

class Fd {
public:
    explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Reads complete lines forward from `offset`; calls fn(line, offset, line_no) until it returns false.
// Returns the offset and line number after the last line fn accepted (a partial last line is left).
template <class Fn>
Cursor read_lines_forward(int fd, Cursor at, Fn&& fn) {
    std::string buf;
    std::int64_t buf_offset = at.offset, read_pos = at.offset;
    std::size_t used = 0;
    bool skipping = false;
    for (;;) {
        if (buf.size() < used + kChunk) buf.resize(used + kChunk);
        const ssize_t n = ::pread(fd, buf.data() + used, kChunk, read_pos);
        if (n <= 0) break;
        used += static_cast<std::size_t>(n);
        read_pos += n;
        std::size_t start = 0;
        while (const void* hit = std::memchr(buf.data() + start, '\n', used - start)) {
            const std::size_t nl = static_cast<std::size_t>(static_cast<const char*>(hit) - buf.data());
            std::string_view line(buf.data() + start, nl - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            const std::int64_t line_at = buf_offset + static_cast<std::int64_t>(start);
            if (!fn(skipping ? std::string_view() : line, line_at, at.line + 1)) return at;
            skipping = false;
            start = nl + 1;
            at.offset = buf_offset + static_cast<std::int64_t>(start);
            ++at.line;
        }
        std::memmove(buf.data(), buf.data() + start, used - start);
        used -= start;
        buf_offset += static_cast<std::int64_t>(start);
        if (used > kMaxLine) {
            skipping = true;
            buf_offset += static_cast<std::int64_t>(used);
            used = 0;
        }
    }
    return at;
}

// The start offsets of up to `max_lines` complete lines that end at or before `end`, last first.
std::vector<std::int64_t> line_starts_before(int fd, std::int64_t end, std::size_t max_lines) {
    std::vector<std::int64_t> starts;
    // Every line before `end` ends with a newline at end-1 (a cursor is always just after one).
    std::int64_t pos = end - 1;  // the newline ending the line before the cursor
    std::string buf(kChunk, '\0');
    std::int64_t scan = pos;     // search for the newline before the current line's start, from scan-1 back
    while (pos > 0 && starts.size() < max_lines) {
        bool found = false;
        while (scan > 0 && !found) {
            const std::int64_t from = std::max<std::int64_t>(0, scan - static_cast<std::int64_t>(kChunk));
            const ssize_t n = ::pread(fd, buf.data(), static_cast<std::size_t>(scan - from), from);
            if (n <= 0) return starts;
            for (std::int64_t i = n - 1; i >= 0; --i) {
                if (buf[static_cast<std::size_t>(i)] == '\n') {
                    starts.push_back(from + i + 1);
                    pos = from + i;
                    scan = pos;
                    found = true;
                    break;
                }
            }
            if (!found) scan = from;
        }
        if (!found) {
            starts.push_back(0);
            break;
        }
    }
    if (pos <= 0 && starts.size() < max_lines && (starts.empty() || starts.back() != 0) && end > 0) starts.push_back(0);
    return starts;
}

std::string read_range(int fd, std::int64_t from, std::int64_t to) {
    std::string s(static_cast<std::size_t>(std::max<std::int64_t>(0, to - from)), '\0');
    const ssize_t n = ::pread(fd, s.data(), s.size(), from);
    s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
}

std::string read_whole(const std::string& path, std::size_t cap) {
    Fd fd(path);
    if (fd.get() < 0) return {};
    std::string out;
    std::string buf(kChunk, '\0');
    for (std::int64_t at = 0;;) {
        const ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), at);
        if (n <= 0 || out.size() > cap) break;
        out.append(buf.data(), static_cast<std::size_t>(n));
        at += n;
    }
    return out;
}

// Appends what one line shows. A line restating the message of the page's last items (Gemini CLI
// rewrites a message as it grows) replaces them.
void add_line_items(std::vector<Placed>& page, std::vector<ViewItem>&& items, std::int64_t file, std::int64_t offset,
                    std::int64_t line) {
    if (items.empty()) return;
    const std::string& key = items.front().key;
    const bool restates = !key.empty() && !page.empty() && page.back().item.key == key && page.back().file == file &&
                          std::all_of(items.begin(), items.end(), [&](const ViewItem& i) { return i.key == key; });
    if (restates)
        while (!page.empty() && page.back().item.key == key && page.back().file == file) page.pop_back();
    int index = 0;
    for (ViewItem& it : items) page.push_back({std::move(it), file, offset, line, index++, std::nullopt, true});
}

// read_forward of a file of lines: the page ends after the line that fills it, and after the lines that
// restate that line's message.
std::pair<Cursor, bool> read_lines_page(const SessionFile& f, const ViewContext& ctx, Cursor c, std::vector<Placed>& page,
                                        std::size_t limit) {
    Fd fd(f.rec.path);
    if (fd.get() < 0) return {c, true};
    bool full = false, ended = true;
    std::string last_key;
    const Cursor after = read_lines_forward(fd.get(), c, [&](std::string_view line, std::int64_t at, std::int64_t no) {
        std::vector<ViewItem> items;
        if (!line.empty()) f.source->view_line(line, ctx, items);
        if (full) {
            // Past the limit: only lines restating the last message still belong to this page.
            if (items.empty() || last_key.empty() ||
                !std::all_of(items.begin(), items.end(), [&](const ViewItem& i) { return i.key == last_key; })) {
                ended = false;
                return false;
            }
        }
        add_line_items(page, std::move(items), f.rec.id, at, no);
        if (!page.empty()) last_key = page.back().item.key;
        if (page.size() >= limit) full = true;
        return true;
    });
    if (full) {
        // Whether anything complete follows is told by the next page.
        struct stat st {};
        ended = ::fstat(fd.get(), &st) == 0 && after.offset >= st.st_size;
    }
    return {after, ended};
}

// Reads items of file `f` from cursor `c` (its offset: bytes for lines, a position for a document or a
// database) until `limit` more items are in `page`. Returns the cursor after them and whether the file ended.
std::pair<Cursor, bool> read_forward(const SessionFile& f, const ViewContext& ctx, Cursor c, std::vector<Placed>& page,
                                     std::size_t limit) {
    switch (f.mode) {
        case ReadMode::AppendOnlyLines: return read_lines_page(f, ctx, c, page, limit);
        case ReadMode::WholeDocument: {
            std::vector<ViewItem> all;
            const std::string doc = read_whole(f.rec.path, 512 * 1024 * 1024);
            if (!doc.empty()) f.source->view_line(doc, ctx, all);
            std::size_t i = static_cast<std::size_t>(c.offset);
            for (; i < all.size() && page.size() < limit; ++i)
                page.push_back({std::move(all[i]), f.rec.id, static_cast<std::int64_t>(i), 0, 0, std::nullopt});
            return {Cursor{f.rec.id, static_cast<std::int64_t>(i), 0}, i >= all.size()};
        }
        case ReadMode::SqliteDatabase: {
            sqlite3* db = nullptr;
            if (sqlite3_open_v2(f.rec.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
                sqlite3_close(db);
                return {c, true};
            }
            sqlite3_busy_timeout(db, 1000);
            std::vector<ViewItem> items;
            std::int64_t next = c.offset;
            const int want = static_cast<int>(std::max<std::size_t>(1, limit - std::min(limit, page.size())));
            f.source->view_database(db, ctx, c.offset, want, items, next);
            sqlite3_close(db);
            // Each item at the position of its row, numbered within the row (a tool part gives a call and a result).
            std::int64_t last_pos = -1;
            int index = 0;
            for (ViewItem& it : items) {
                const std::int64_t pos = it.position >= 0 ? it.position : c.offset;
                index = pos == last_pos ? index + 1 : 0;
                last_pos = pos;
                page.push_back({std::move(it), f.rec.id, pos, 0, index, std::nullopt});
            }
            return {Cursor{f.rec.id, next, 0}, next - c.offset < want};
        }
    }
    return {c, true};
}

json::object usage_json(Statement& s, int first) {
    json::object u;
    u["cost_usd"] = s.column_double(first);
    u["input_tokens"] = s.column_int(first + 1);
    u["output_tokens"] = s.column_int(first + 2);
    u["cache_read_tokens"] = s.column_int(first + 3);
    u["cache_create_tokens"] = s.column_int(first + 4);
    u["model"] = s.column_text(first + 5);
    return u;
}

// The items a response's cost and tokens go on: its first answer, call or error (not a collapsed thought).
bool shows_usage(ViewKind k) {
    switch (k) {
        case ViewKind::Assistant:
        case ViewKind::ToolCall:
        case ViewKind::Error:
        case ViewKind::Usage: return true;
        case ViewKind::User:
        case ViewKind::Thinking:
        case ViewKind::ToolResult:
        case ViewKind::System: return false;
    }
    return false;
}

constexpr const char* kUsageCols =
    "sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_create_tokens), max(model)";

class Reader {
public:
    Reader(Database& db, const TranscriptQuery& q, const Redactor& r) : db_(db), q_(q), redactor_(r) {}

    TranscriptAnswer run() {
        TranscriptAnswer a;
        {
            Statement s(db_, "SELECT provider, session_id FROM sessions WHERE id = ?");
            ResetGuard g(s);
            s.bind(1, q_.session);
            if (!s.step()) return fail(404, "no session " + std::to_string(q_.session));
            provider_ = s.column_text(0);
            ctx_.session_id = s.column_text(1);
        }
        load_files();
        json::object body;
        json::object session;
        session["id"] = q_.session;
        session["provider"] = provider_;
        session["session_id"] = ctx_.session_id;
        body["session"] = std::move(session);

        std::vector<const SessionFile*> order;  // the files paged through, in order
        if (q_.file) {
            const SessionFile* f = find_file(*q_.file);
            if (!f) return fail(404, "file " + std::to_string(*q_.file) + " holds no message of this session");
            order.push_back(f);
        } else {
            for (const SessionFile& f : files_)
                if (!f.subagent) order.push_back(&f);
            if (order.empty())  // only sub-agent files are left of the session
                for (const SessionFile& f : files_) order.push_back(&f);
        }

        std::vector<Placed> page;
        PageEnds ends;
        if (auto failed = read_page(order, page, ends)) return *failed;
        std::optional<Cursor>& next = ends.next;
        std::optional<Cursor>& prev = ends.prev;
        const bool end = ends.end;
        link_messages(page);
        attach_usage(page);

        json::array items;
        for (Placed& p : page) items.push_back(item_json(p, !q_.item.empty()));
        body["items"] = std::move(items);
        body["next"] = next ? json::value(cursor_text(*next)) : json::value(nullptr);
        body["prev"] = prev && (prev->offset > 0 || prev->file != (order.empty() ? 0 : order.front()->rec.id))
                           ? json::value(cursor_text(*prev))
                           : json::value(nullptr);
        body["end"] = end;
        add_files(body);
        a.body = std::move(body);
        return a;
    }

private:
    // The session's files and sub-agents with their status, and the worst status of them all.
    void add_files(json::object& body) {
        json::array files, subs;
        std::string worst = "ok", worst_message;
        for (const SessionFile& f : files_) {
            json::object o;
            o["id"] = f.rec.id;
            o["kind"] = f.rec.kind;
            o["name"] = std::filesystem::path(f.rec.path).filename().string();
            o["status"] = f.status;
            if (!f.status_message.empty()) o["status_message"] = f.status_message;
            if (f.status != "ok" && (worst == "ok" || f.status == "missing")) {
                worst = f.status;
                worst_message = f.status_message;
            }
            if (f.subagent) {
                Statement s(db_, "SELECT min(ts), max(agent_id), count(*) FROM messages WHERE session_id = ? AND file_id = ?");
                ResetGuard g(s);
                s.bind(1, q_.session).bind(2, f.rec.id);
                if (s.step()) {
                    o["started_at"] = s.column_text(0);
                    o["agent_id"] = s.column_text(1);
                    o["messages"] = s.column_int(2);
                }
                subs.push_back(std::move(o));
            } else {
                files.push_back(std::move(o));
            }
        }
        body["files"] = std::move(files);
        body["subagents"] = std::move(subs);
        body["status"] = worst;
        if (!worst_message.empty()) body["status_message"] = worst_message;
    }

    struct PageEnds {
        std::optional<Cursor> next, prev;
        bool end = true;
    };

    // The page the query asks for (an item, the page before a cursor, after one, or at a message) into
    // `page`; an answer when the query cannot be served.
    std::optional<TranscriptAnswer> read_page(const std::vector<const SessionFile*>& order, std::vector<Placed>& page,
                                              PageEnds& ends) {
        if (!q_.item.empty()) {
            auto r = read_item(page);
            if (r.status != 200) return r;
            return std::nullopt;
        } else if (!q_.before.empty()) {
            const auto c = parse_cursor(q_.before);
            if (!c || !find_file(c->file)) return fail(400, "before must be a cursor this endpoint gave");
            ends.prev = read_backward(*find_file(c->file), *c, page, order);
            ends.next = c;
            ends.end = false;
        } else {
            std::optional<Cursor> from;
            if (q_.message) {
                auto located = locate_message(*q_.message);
                if (!located) return fail(404, "message " + std::to_string(*q_.message) + " is not in this session's transcripts");
                from = located;
            } else if (!q_.after.empty()) {
                from = parse_cursor(q_.after);
                if (!from || !find_file(from->file)) return fail(400, "after must be a cursor this endpoint gave");
            } else if (!order.empty()) {
                from = Cursor{order.front()->rec.id, 0, 0};
            }
            if (from) {
                if (q_.message) ends.prev = *from;
                auto [n, e] = forward(*from, order, page);
                ends.next = n;
                ends.end = e;
            }
        }
        return std::nullopt;
    }

    static TranscriptAnswer fail(int status, std::string why) {
        TranscriptAnswer a;
        a.status = status;
        a.error = std::move(why);
        return a;
    }

    void load_files() {
        Statement s(db_, "SELECT f.id, f.path, f.provider, f.kind, coalesce(f.project_slug, ''), "
                         "coalesce(f.parent_session, ''), f.device, f.inode, f.size, f.offset, f.line_no "
                         "FROM transcript_files f WHERE f.id IN (SELECT DISTINCT file_id FROM messages WHERE session_id = ?) "
                         "ORDER BY f.kind = 'subagent', f.path");
        ResetGuard g(s);
        s.bind(1, q_.session);
        while (s.step()) {
            SessionFile f;
            f.rec.id = s.column_int(0);
            f.rec.path = s.column_text(1);
            f.rec.provider = s.column_text(2);
            f.rec.kind = s.column_text(3);
            f.rec.project_slug = s.column_text(4);
            f.rec.parent_session = s.column_text(5);
            f.rec.device = s.column_int(6);
            f.rec.inode = s.column_int(7);
            f.rec.size = s.column_int(8);
            f.rec.offset = s.column_int(9);
            f.rec.line_no = s.column_int(10);
            f.subagent = f.rec.kind == "subagent";
            f.source = find_agent(f.rec.provider);
            if (!f.source) {
                f.status = "unknown_agent";
                f.status_message = "this build does not read " + f.rec.provider + " transcripts";
            } else {
                f.mode = f.source->read_mode(f.rec);
                check_file(f);
            }
            files_.push_back(std::move(f));
        }
    }

    const SessionFile* find_file(std::int64_t id) const {
        for (const SessionFile& f : files_)
            if (f.rec.id == id) return &f;
        return nullptr;
    }

    bool readable(const SessionFile& f) const { return f.source && f.status != "missing"; }

    std::pair<Cursor, bool> forward(Cursor c, const std::vector<const SessionFile*>& order, std::vector<Placed>& page) {
        const std::size_t limit = static_cast<std::size_t>(std::max(1, q_.limit));
        auto it = std::find_if(order.begin(), order.end(), [&](const SessionFile* f) { return f->rec.id == c.file; });
        if (it == order.end()) {
            // A sub-agent's cursor while paging the main files (or the reverse): page that file alone.
            const SessionFile* f = find_file(c.file);
            if (!f || !readable(*f)) return {c, true};
            return read_forward(*f, ctx_, c, page, limit);
        }
        for (; it != order.end(); ++it) {
            const SessionFile& f = **it;
            if (f.rec.id != c.file) c = Cursor{f.rec.id, 0, 0};
            if (!readable(f)) continue;
            auto [after, ended] = read_forward(f, ctx_, c, page, limit);
            c = after;
            if (!ended || page.size() >= limit) return {c, !ended ? false : std::next(it) == order.end()};
        }
        return {c, true};
    }

    // The page of items before cursor `c` (in its file; at a file's start, the end of the previous main
    // file). Returns the cursor before them (nullopt at the very start).
    std::optional<Cursor> read_backward(const SessionFile& f, Cursor c, std::vector<Placed>& page,
                                        const std::vector<const SessionFile*>& order) {
        const std::size_t limit = static_cast<std::size_t>(std::max(1, q_.limit));
        if (c.offset == 0) {
            auto it = std::find_if(order.begin(), order.end(), [&](const SessionFile* o) { return o->rec.id == f.rec.id; });
            if (it == order.end() || it == order.begin()) return std::nullopt;
            const SessionFile& p = **std::prev(it);
            return read_backward(p, Cursor{p.rec.id, p.mode == ReadMode::AppendOnlyLines ? p.rec.offset : 1'000'000'000, p.rec.line_no},
                                 page, order);
        }
        if (!readable(f)) return std::nullopt;
        switch (f.mode) {
            case ReadMode::AppendOnlyLines: {
                Fd fd(f.rec.path);
                if (fd.get() < 0) return std::nullopt;
                std::vector<std::vector<Placed>> lines;  // last first
                std::size_t count = 0;
                std::int64_t end = c.offset, line = c.line;
                Cursor first = c;
                while (end > 0 && count < limit) {
                    const auto starts = line_starts_before(fd.get(), end, 64);
                    if (starts.empty()) break;
                    for (const std::int64_t s : starts) {
                        const std::string text = read_range(fd.get(), s, end);
                        std::vector<ViewItem> items;
                        f.source->view_line(text, ctx_, items);
                        std::vector<Placed> one;
                        add_line_items(one, std::move(items), f.rec.id, s, line);
                        count += one.size();
                        lines.push_back(std::move(one));
                        end = s;
                        --line;
                        first = Cursor{f.rec.id, s, std::max<std::int64_t>(0, line)};
                        if (count >= limit || s == 0) break;
                    }
                }
                for (auto l = lines.rbegin(); l != lines.rend(); ++l)
                    for (Placed& p : *l) page.push_back(std::move(p));
                return first.offset > 0 ? std::optional<Cursor>(first) : std::nullopt;
            }
            case ReadMode::WholeDocument:
            case ReadMode::SqliteDatabase: {
                const std::int64_t from = std::max<std::int64_t>(0, c.offset - static_cast<std::int64_t>(limit));
                std::vector<Placed> all;
                read_forward(f, ctx_, Cursor{f.rec.id, from, 0}, all, static_cast<std::size_t>(c.offset - from));
                for (Placed& p : all)
                    if (p.offset < c.offset) page.push_back(std::move(p));
                return from > 0 ? std::optional<Cursor>(Cursor{f.rec.id, from, 0}) : std::nullopt;
            }
        }
        return std::nullopt;
    }

    // The cursor of the line holding message `id` (its stored byte offset, or its line found by counting).
    std::optional<Cursor> locate_message(std::int64_t id) {
        Statement s(db_, "SELECT file_id, line_no, byte_offset, line_key FROM messages WHERE id = ? AND session_id = ?");
        ResetGuard g(s);
        s.bind(1, id).bind(2, q_.session);
        if (!s.step()) return std::nullopt;
        const std::int64_t file = s.column_int(0), line_no = s.column_int(1);
        const std::optional<std::int64_t> at = s.column_opt_int(2);
        const std::string key = s.column_text(3);
        const SessionFile* f = find_file(file);
        if (!f) return std::nullopt;
        switch (f->mode) {
            case ReadMode::AppendOnlyLines: {
                if (at && f->status == "ok") return Cursor{file, *at, std::max<std::int64_t>(0, line_no - 1)};
                Fd fd(f->rec.path);
                if (fd.get() < 0) return Cursor{file, 0, 0};
                // A store written before byte offsets were kept: count lines up to it.
                Cursor c{file, 0, 0};
                read_lines_forward(fd.get(), c, [&](std::string_view, std::int64_t off, std::int64_t no) {
                    if (no < line_no) return true;
                    c = Cursor{file, off, no - 1};
                    return false;
                });
                return c;
            }
            case ReadMode::WholeDocument:
            case ReadMode::SqliteDatabase: {
                // The item position of the message: its first item with the message's key.
                std::vector<Placed> all;
                read_forward(*f, ctx_, Cursor{file, 0, 0}, all, 5'000'000);
                for (const Placed& p : all)
                    if (p.item.key == key) return Cursor{file, p.offset, 0};
                return Cursor{file, 0, 0};
            }
        }
        return std::nullopt;
    }

    TranscriptAnswer read_item(std::vector<Placed>& page) {
        // "<file>:<offset>:<index>"
        const auto c = parse_cursor(q_.item);
        const SessionFile* f = c ? find_file(c->file) : nullptr;
        if (!f) return fail(400, "item must be a ref this endpoint gave");
        if (!readable(*f)) return fail(404, f->status_message.empty() ? "transcript not readable" : f->status_message);
        std::vector<Placed> got;
        switch (f->mode) {
            case ReadMode::AppendOnlyLines: {
                Fd fd(f->rec.path);
                if (fd.get() < 0) return fail(404, "transcript no longer on disk");
                read_lines_forward(fd.get(), Cursor{f->rec.id, c->offset, 0}, [&](std::string_view line, std::int64_t at, std::int64_t) {
                    std::vector<ViewItem> items;
                    f->source->view_line(line, ctx_, items);
                    add_line_items(got, std::move(items), f->rec.id, at, 0);
                    return false;
                });
                break;
            }
            case ReadMode::WholeDocument:
            case ReadMode::SqliteDatabase: read_forward(*f, ctx_, Cursor{f->rec.id, c->offset, 0}, got, 1); break;
        }
        for (Placed& p : got) {
            if (p.offset == c->offset && p.index == static_cast<int>(c->line)) {
                page.push_back(std::move(p));
                return TranscriptAnswer{};
            }
        }
        return fail(404, "no such item (the transcript changed since the page was read)");
    }

    void link_messages(std::vector<Placed>& page) {
        // By line number within each file's range of lines, then by key.
        std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> ranges;
        for (const Placed& p : page) {
            if (p.line == 0) continue;
            auto [it, fresh] = ranges.try_emplace(p.file, p.line, p.line);
            it->second.first = std::min(it->second.first, p.line);
            it->second.second = std::max(it->second.second, p.line);
        }
        std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> by_line;
        std::map<std::string, std::int64_t> by_key;
        Statement s(db_, "SELECT id, file_id, line_no, line_key FROM messages WHERE session_id = ? AND file_id = ? "
                         "AND line_no BETWEEN ? AND ?");
        for (const auto& [file, r] : ranges) {
            ResetGuard g(s);
            s.bind(1, q_.session).bind(2, file).bind(3, r.first).bind(4, r.second);
            while (s.step()) {
                by_line.try_emplace({s.column_int(1), s.column_int(2)}, s.column_int(0));
                by_key.try_emplace(s.column_text(3), s.column_int(0));
            }
        }
        Statement k(db_, "SELECT id FROM messages WHERE line_key = ?");
        for (Placed& p : page) {
            const SessionFile* f = find_file(p.file);
            if (!p.item.key.empty()) {
                if (auto it = by_key.find(p.item.key); it != by_key.end()) {
                    p.message_id = it->second;
                    continue;
                }
                ResetGuard g(k);
                k.bind(1, p.item.key);
                if (k.step()) {
                    p.message_id = k.column_int(0);
                    by_key.emplace(p.item.key, *p.message_id);
                    continue;
                }
            }
            if (p.line > 0 && f && f->status == "ok")
                if (auto it = by_line.find({p.file, p.line}); it != by_line.end()) p.message_id = it->second;
        }
    }

    void attach_usage(std::vector<Placed>& page) {
        Statement by_msg(db_, std::string("SELECT ") + kUsageCols + " FROM usage_events WHERE message_id = ? HAVING count(*) > 0");
        Statement by_key(db_, std::string("SELECT ") + kUsageCols + " FROM usage_events WHERE dedup_key = ? HAVING count(*) > 0");
        // Each response's usage goes on its line's first answer, call or error; on its first item when the
        // line shows none of those (a Claude response whose first line is a thought).
        std::map<std::int64_t, const Placed*> carrier;
        for (const Placed& p : page) {
            if (!p.message_id) continue;
            auto [it, fresh] = carrier.try_emplace(*p.message_id, &p);
            if (!fresh && !shows_usage(it->second->item.kind) && shows_usage(p.item.kind)) it->second = &p;
        }
        std::set<std::string> keys;
        for (Placed& p : page) {
            if (!p.item.usage_key.empty()) {
                // A count restated (Codex writes the same totals again): its usage shows once.
                if (!keys.insert(p.item.usage_key).second) {
                    repeats_.insert(&p);
                    continue;
                }
                ResetGuard g(by_key);
                by_key.bind(1, p.item.usage_key);
                if (by_key.step()) usage_[&p] = usage_json(by_key, 0);
            } else if (p.message_id && carrier.at(*p.message_id) == &p) {
                ResetGuard g(by_msg);
                by_msg.bind(1, *p.message_id);
                if (by_msg.step()) usage_[&p] = usage_json(by_msg, 0);
            }
        }
    }

    json::value text_field(const std::string& text, bool whole, json::object& o, const char* name) {
        const std::size_t cap = whole ? q_.max_full_text : q_.max_text;
        if (text.size() <= cap) return json::value(valid_utf8(redactor_.redact(text)));
        // Redact a little past the cut, so that a secret across it is masked before it is cut.
        std::string r = redactor_.redact(std::string_view(text).substr(0, cap + 512));
        if (r.size() > cap) r.resize(cap);
        o[std::string(name) + "_truncated"] = true;
        o["full_length"] = text.size();
        return json::value(valid_utf8(r));
    }

    static std::string valid_utf8(const std::string& s) {
        // Cut texts may end inside a character: repaired with U+FFFD.
        return sanitize_utf8(s);
    }

    json::object item_json(Placed& p, bool whole) {
        json::object o;
        const ViewItem& it = p.item;
        // A line's items by its message key (a message restated on a later line keeps its ids: Gemini CLI);
        // a document's or a database's (one message, several items or rows) by key and position.
        const std::string where = std::to_string(p.file) + ":" + std::to_string(p.offset) + ":" + std::to_string(p.index);
        o["id"] = it.key.empty() ? where
                  : p.from_line  ? it.key + "#" + std::to_string(p.index)
                                 : it.key + "@" + where;
        o["ref"] = std::to_string(p.file) + ":" + std::to_string(p.offset) + ":" + std::to_string(p.index);
        o["file_id"] = p.file;
        if (p.line > 0) o["line"] = p.line;
        o["kind"] = view_kind_name(it.kind);
        if (!it.ts.empty()) o["ts"] = it.ts;
        if (!it.text.empty()) o["text"] = text_field(it.text, whole, o, "text");
        if (!it.tool_name.empty()) o["tool_name"] = it.tool_name;
        if (!it.tool_id.empty()) o["tool_id"] = it.tool_id;
        if (!it.command.empty()) o["command"] = text_field(it.command, whole, o, "command");
        if (!it.file_path.empty()) o["file_path"] = valid_utf8(redactor_.redact(it.file_path));
        if (!it.diff.empty()) o["diff"] = text_field(it.diff, whole, o, "diff");
        if (!it.input.empty()) o["input"] = text_field(it.input, whole, o, "input");
        if (it.is_error) o["is_error"] = true;
        if (!it.model.empty()) o["model"] = it.model;
        if (!it.agent_id.empty()) o["agent_id"] = it.agent_id;
        if (it.input_tokens) o["input_tokens"] = *it.input_tokens;
        if (it.output_tokens) o["output_tokens"] = *it.output_tokens;
        o["message_id"] = p.message_id ? json::value(*p.message_id) : json::value(nullptr);
        if (auto u = usage_.find(&p); u != usage_.end()) o["usage"] = u->second;
        if (repeats_.count(&p)) o["repeat"] = true;
        return o;
    }

    Database& db_;
    const TranscriptQuery& q_;
    const Redactor& redactor_;
    std::string provider_;
    ViewContext ctx_;
    std::vector<SessionFile> files_;
    std::map<const Placed*, json::object> usage_;
    std::set<const Placed*> repeats_;
};

}  // namespace

TranscriptAnswer read_transcript(Database& db, const TranscriptQuery& q, const Redactor& redactor) {
    return Reader(db, q, redactor).run();
}

}  // namespace agentpulse
