// A parser's saved state holds the session its lines belong to (SessionRef): the same six keys for every
// agent that carries the session from line to line (Codex, Copilot).
#pragma once

#include <boost/json.hpp>

#include "core/JsonFields.hpp"
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

inline void save_session(boost::json::object& o, const SessionRef& s) {
    o["session_id"] = s.session_id;
    o["cwd"] = s.cwd;
    o["slug"] = s.project_slug;
    o["name"] = s.project_name;
    o["cli_version"] = s.cli_version;
    o["git_branch"] = s.git_branch;
}

inline SessionRef load_session(const boost::json::value& v) {
    SessionRef s;
    s.session_id = jf::str(jf::field(v, "session_id"));
    s.cwd = jf::str(jf::field(v, "cwd"));
    s.project_slug = jf::str(jf::field(v, "slug"));
    s.project_name = jf::str(jf::field(v, "name"));
    s.cli_version = jf::str(jf::field(v, "cli_version"));
    s.git_branch = jf::str(jf::field(v, "git_branch"));
    return s;
}

}  // namespace agentpulse
