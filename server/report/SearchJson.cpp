// See SearchJson.hpp.
#include "report/SearchJson.hpp"

#include <boost/json.hpp>

namespace agentpulse {
namespace json = boost::json;

std::optional<EpochMs> parse_search_time(std::string_view text) {
    if (text.size() == 10) return parse_iso8601(std::string(text) + "T00:00:00Z");
    return parse_iso8601(text);
}

json::array snippet_parts(std::string_view snippet) {
    json::array out;
    bool match = false;
    std::string piece;
    const auto flush = [&] {
        if (piece.empty()) return;
        out.push_back(json::object{{"text", piece}, {"match", match}});
        piece.clear();
    };
    for (const char c : snippet) {
        if (c == '\x02' || c == '\x03') {
            flush();
            match = c == '\x02';
            continue;
        }
        piece.push_back(c);
    }
    flush();
    return out;
}

std::string snippet_text(std::string_view snippet) {
    std::string out(snippet);
    std::erase_if(out, [](char c) { return c == '\x02' || c == '\x03'; });
    return out;
}

json::value search_payload(const SearchQuery& q, const SearchResult& r) {
    json::array hits;
    for (const SearchHit& h : r.hits) {
        json::object o;
        o["session_id"] = h.session_row;
        o["message_id"] = h.message_id ? json::value(*h.message_id) : json::value(nullptr);
        o["call_id"] = h.call_id ? json::value(*h.call_id) : json::value(nullptr);
        o["ts"] = h.ts;
        o["kind"] = h.kind;
        o["tool"] = h.tool.empty() ? json::value(nullptr) : json::value(h.tool);
        o["snippet"] = snippet_text(h.snippet);
        o["snippet_parts"] = snippet_parts(h.snippet);
        o["agent"] = h.provider;
        o["project"] = h.project;
        o["model"] = h.model;
        o["agent_session_id"] = h.session_id;
        o["started_at"] = h.started_at;
        o["last_at"] = h.last_at;
        hits.push_back(std::move(o));
    }
    json::object doc;
    doc["query"] = q.text;
    doc["fts_query"] = r.fts_query;
    doc["hits"] = std::move(hits);
    doc["more"] = r.more;
    doc["scanned"] = r.scanned;
    doc["index_incomplete"] = r.incomplete;
    return doc;
}

}  // namespace agentpulse
