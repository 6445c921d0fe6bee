// agentpulse search QUERY [--json] [filters]: the search index's hits in the terminal (or the /api/search
// JSON); agentpulse search --rebuild: empty the index and read every transcript again (docs/search.md).
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "app/Startup.hpp"
#include "app/StopSignals.hpp"
#include "ingest/Backfill.hpp"  // IngestStats
#include "report/SearchJson.hpp"
#include "store/SearchIndex.hpp"

namespace agentpulse {

namespace {

bool use_color() {
    const char* no = std::getenv("NO_COLOR");
    return ::isatty(STDOUT_FILENO) && !(no && *no);
}

int rebuild(const Config& c) {
    {
        auto db = open_store_for_writing(c.store);
        const std::int64_t files = reset_search_index(*db);
        std::fprintf(stderr, "search index emptied; reading %lld transcript files again (rows already stored are "
                             "not counted twice)\n",
                     static_cast<long long>(files));
    }
    std::atomic<bool> interrupted{false};
    StopSignals signals([&](int) { interrupted = true; });
    IngestStats stats;
    const OneShotIngest r = ingest_once(c, load_prices(c), stats, &interrupted, stderr);
    auto db = open_store_for_reading(c.store);
    Statement n(*db, "SELECT count(*) FROM search_docs");
    ResetGuard g(n);
    n.step();
    std::printf("search index rebuilt: %lld entries\n", static_cast<long long>(n.column_int(0)));
    if (interrupted) {
        std::fprintf(stderr, "agentpulse search: interrupted; run --rebuild again (or ingest) to finish\n");
        return 1;
    }
    return r.failed_files > 0 ? 1 : 0;
}

// A hit's snippet on one line: matched terms bold (coloured) on a terminal, [in brackets] elsewhere.
std::string one_line(std::string_view snippet, bool color) {
    std::string out;
    for (const char ch : snippet) {
        if (ch == '\x02') out += color ? "\x1b[1;33m" : "[";
        else if (ch == '\x03') out += color ? "\x1b[0m" : "]";
        else if (ch == '\n' || ch == '\r' || ch == '\t') out.push_back(' ');
        else out.push_back(ch);
    }
    return out;
}

}  // namespace

int run_search(const Config& c) {
    const SearchOptions& o = c.search;
    if (o.rebuild) return rebuild(c);
    SearchQuery q;
    for (const std::string& word : c.args) q.text += (q.text.empty() ? "" : " ") + word;
    q.raw = o.raw;
    q.provider = o.agent;
    q.project = o.project;
    q.model = o.model;
    q.kind = o.kind;
    q.machine = o.machine;
    q.limit = o.limit;
    for (auto [text, field] : {std::pair{&o.since, &q.since}, std::pair{&o.until, &q.until}}) {
        if (text->empty()) continue;
        *field = parse_search_time(*text);
        if (!*field) throw StartupError(2, "--since/--until must be an ISO 8601 time or a date YYYY-MM-DD");
    }
    auto db = open_store_for_reading(c.store);
    if (!has_search_index(*db))
        throw StartupError(2, "store " + c.store.string() + " has no search index yet (schema older than 6): run "
                              "agentpulse ingest once, then agentpulse search --rebuild");
    SearchResult r;
    try {
        r = search(*db, q);
    } catch (const SearchSyntaxError& e) {
        throw StartupError(2, std::string("query syntax (--raw): ") + e.what());
    } catch (const SearchFilterError& e) {
        throw StartupError(2, e.what());
    }
    if (o.json) {
        std::printf("%s\n", boost::json::serialize(search_payload(q, r)).c_str());
        return 0;
    }
    const bool color = use_color();
    if (r.incomplete)
        std::fprintf(stderr, "note: the index has not read this store's older transcripts yet: run agentpulse search "
                             "--rebuild\n");
    if (r.hits.empty()) {
        std::printf("no match for %s\n", q.text.c_str());
        return 0;
    }
    for (const SearchHit& h : r.hits) {
        const std::string head = h.ts.substr(0, 16) + "  " + h.provider + "  " + h.project + "  " + h.kind +
                                 (h.tool.empty() ? "" : " (" + h.tool + ")");
        std::printf("%s%s%s\n", color ? "\x1b[2m" : "", head.c_str(), color ? "\x1b[0m" : "");
        std::printf("  %s\n", one_line(h.snippet, color).c_str());
        std::printf("  session %lld%s%s\n", static_cast<long long>(h.session_row),
                    h.message_id ? (", message " + std::to_string(*h.message_id)).c_str() : "",
                    ("  (/sessions/" + std::to_string(h.session_row) +
                     (h.message_id ? "?message=" + std::to_string(*h.message_id) : "") + ")")
                        .c_str());
    }
    if (r.more) std::printf("(more hits: narrow the query or raise --limit)\n");
    return 0;
}

}  // namespace agentpulse
