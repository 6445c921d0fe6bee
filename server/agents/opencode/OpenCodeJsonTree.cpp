// See OpenCodeJsonTree.hpp. The ids come from the paths, as OpenCode's own migration takes them (a
// session's project from its folder, a message's session from its folder, a part's message from its
// folder); a part's session from its `sessionID`, which names the folder of its message file.
#include "agents/opencode/OpenCodeJsonTree.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <vector>

#include "agents/opencode/OpenCodeRecords.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// An id as OpenCode makes them (ses_..., msg_..., prt_..., a project hash or "global"): it names a file,
// so nothing that could leave its folder is taken.
bool safe_id(std::string_view id) {
    if (id.empty() || id.size() > 256 || id.front() == '.') return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-' || c == '.';
    });
}

enum class Got { Ok, Missing, Broken };

// A small JSON file of the tree, parsed. Missing: it does not exist; Broken: unreadable or not a complete
// JSON object (being rewritten, or damaged).
constexpr std::size_t kMaxContextBytes = 16u << 20;

Got read_object(const fs::path& path, json::value& out) {
    struct Fd {
        int fd;
        ~Fd() {
            if (fd >= 0) ::close(fd);
        }
        int get() const { return fd; }
    } fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd.get() < 0) return errno == ENOENT || errno == ENOTDIR ? Got::Missing : Got::Broken;
    std::string text;
    char buf[1 << 14];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) return Got::Broken;
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxContextBytes) return Got::Broken;
    }
    boost::system::error_code ec;
    out = json::parse(text, ec);
    return !ec && out.is_object() ? Got::Ok : Got::Broken;
}

// Sessions by id from storage/session/<project>/<id>.json (the project folders in name order; a session
// file that cannot be read makes the lookup `broken`: the caller reads its file again later).
struct TreeSessions {
    fs::path storage;
    std::optional<std::vector<fs::path>> projects;
    bool broken = false;

    std::optional<opencode::SessionFields> operator()(const std::string& id) {
        if (!safe_id(id)) return std::nullopt;
        if (!projects) {
            projects.emplace();
            std::error_code ec;
            for (const auto& e : fs::directory_iterator(storage / "session", ec)) projects->push_back(e.path());
            std::sort(projects->begin(), projects->end());
        }
        for (const fs::path& dir : *projects) {
            json::value v;
            const Got got = read_object(dir / (id + ".json"), v);
            if (got == Got::Missing) continue;
            if (got == Got::Broken) {
                broken = true;
                return std::nullopt;
            }
            return fields(v, dir.filename().string());
        }
        return std::nullopt;
    }

    static opencode::SessionFields fields(const json::value& v, std::string project) {
        return {std::string(jf::str(jf::field(v, "parentID"))), std::string(jf::str(jf::field(v, "directory"))),
                std::string(jf::str(jf::field(v, "version"))), std::move(project)};
    }
};

// One file of the tree: its JSON, its id (the file's stem), its folder's name and the line number it is
// read as.
struct TreeDocument {
    const json::value& v;
    std::string id, folder;
    std::int64_t line_no;
};

LineOutcome unreadable_context(LineIssue& issue) {
    issue = LineIssue::Malformed;  // a file it needs is mid-rewrite: nothing now, all of it later
    return LineOutcome::Rejected;
}

// storage/session/<project>/<id>.json: the session, once it has a creation time.
LineOutcome read_session_file(const TreeDocument& d, TreeSessions& sessions, std::vector<ParsedLine>& out,
                              LineIssue& issue, int& done) {
    const opencode::SessionFields own = TreeSessions::fields(d.v, d.folder);
    const opencode::SessionInfo info = opencode::resolve_session(d.id, [&](const std::string& sid) {
        return sid == d.id ? std::optional(own) : sessions(sid);
    });
    if (sessions.broken) return unreadable_context(issue);
    const std::optional<std::int64_t> at = jf::integer(jf::field(jf::field(d.v, "time"), "created"));
    if (!at || *at <= 0) {
        issue = LineIssue::NoTimestamp;  // logged at each rewrite until it has a time
        return LineOutcome::Rejected;
    }
    done = 1;
    ParsedLine& l = out.emplace_back();
    l.line_no = d.line_no;
    l.ts = *at;
    l.session = info.ref;
    return LineOutcome::Record;
}

// storage/message/<session>/<id>.json: the message, in its session.
LineOutcome read_message_file(const TreeDocument& d, TreeSessions& sessions, std::vector<ParsedLine>& out,
                              LineIssue& issue, int& done) {
    const opencode::SessionInfo info = opencode::resolve_session(d.folder, std::ref(sessions));
    if (sessions.broken) return unreadable_context(issue);
    std::optional<opencode::Message> m = opencode::message(d.id, d.v, info, std::nullopt, issue);
    if (!m) return LineOutcome::Rejected;  // logged at each rewrite until it has a time
    done = 1;
    m->line.line_no = d.line_no;
    out.push_back(std::move(m->line));
    return LineOutcome::Record;
}

// storage/part/<message>/<id>.json: only step-finish and tool parts give anything; their message and
// session are read now.
LineOutcome read_part_file(const TreeDocument& d, TreeSessions& sessions, std::vector<ParsedLine>& out,
                           LineIssue& issue, int& done) {
    if (!opencode::part_type_read(jf::str(jf::field(d.v, "type")))) return LineOutcome::Ignored;
    const std::string session_id(jf::str(jf::field(d.v, "sessionID")));
    if (!safe_id(session_id)) {
        issue = LineIssue::MissingField;
        return LineOutcome::Rejected;
    }
    json::value mv;
    const Got got = read_object(sessions.storage / "message" / session_id / (d.folder + ".json"), mv);
    if (got == Got::Broken) return unreadable_context(issue);
    const opencode::SessionInfo info = opencode::resolve_session(session_id, std::ref(sessions));
    if (sessions.broken) return unreadable_context(issue);
    std::optional<opencode::Message> m;
    if (got == Got::Ok) {
        LineIssue ignored = LineIssue::None;  // the message file's own issues are its own file's to report
        m = opencode::message(d.folder, mv, info, std::nullopt, ignored);
    }
    std::vector<ParsedLine> lines;
    done = opencode::part_lines(d.id, d.v, info, m ? &*m : nullptr, std::nullopt, d.line_no, done, lines, issue);
    if (lines.empty()) return LineOutcome::Ignored;
    if (m) {
        // The message from its own line first, as the database reader hands it: the same row either way.
        m->line.line_no = d.line_no;
        out.push_back(std::move(m->line));
    }
    for (ParsedLine& l : lines) out.push_back(std::move(l));
    return LineOutcome::Record;
}

}  // namespace

std::optional<OpenCodeJsonParser::Kind> OpenCodeJsonParser::kind_of(const fs::path& rel) {
    std::vector<std::string> parts;
    for (const auto& c : rel) parts.push_back(c.string());
    if (parts.size() != 3 || !parts[2].ends_with(".json") || !safe_id(parts[1])) return std::nullopt;
    if (!safe_id(parts[2].substr(0, parts[2].size() - 5))) return std::nullopt;
    if (parts[0] == "session") return Kind::Session;
    if (parts[0] == "message") return Kind::Message;
    if (parts[0] == "part") return Kind::Part;
    return std::nullopt;
}

OpenCodeJsonParser::OpenCodeJsonParser(Kind kind, fs::path file)
    : kind_(kind), file_(std::move(file)), storage_(file_.parent_path().parent_path().parent_path()) {}

LineOutcome OpenCodeJsonParser::parse_records(std::string_view doc, std::int64_t line_no, std::vector<ParsedLine>& out,
                                              LineIssue& issue) {
    boost::system::error_code ec;
    const json::value v = json::parse(doc, ec);
    if (ec || !v.is_object()) {
        issue = LineIssue::Malformed;  // caught mid-rewrite (or damaged): read again at its next change
        return LineOutcome::Rejected;
    }
    if (kind_ != Kind::Part && done_) return LineOutcome::Ignored;  // rewritten: what we read of it is fixed
    const TreeDocument d{v, file_.stem().string(), file_.parent_path().filename().string(), line_no};
    TreeSessions sessions{storage_};
    switch (kind_) {
        case Kind::Session: return read_session_file(d, sessions, out, issue, done_);
        case Kind::Message: return read_message_file(d, sessions, out, issue, done_);
        case Kind::Part: return read_part_file(d, sessions, out, issue, done_);
    }
    return LineOutcome::Ignored;
}

std::string OpenCodeJsonParser::save_state() const {
    return done_ ? json::serialize(json::object{{"done", done_}}) : std::string();
}

void OpenCodeJsonParser::load_state(std::string_view state) {
    done_ = 0;
    boost::system::error_code ec;
    const json::value v = json::parse(state, ec);
    if (!ec) done_ = static_cast<int>(jf::integer(jf::field(v, "done")).value_or(0));
}

}  // namespace agentpulse
