// Real agent recordings (../shared/samples/ beside the project, when present; a fresh clone has none and
// these cases pass without checking anything, saying so): each is ingested through the tailer into a real
// store, and what the store holds is compared with totals this test computes itself from the format's
// rules, by its own reading of the raw lines, not with our parsers.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "WriterFixture.hpp"
#include "ingest/TranscriptTailer.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

fs::path samples_dir() {
    return fs::path(AGENTPULSE_SOURCE_DIR).parent_path() / "shared" / "samples";
}

std::vector<fs::path> files_under(const fs::path& dir, const std::string& ext) {
    std::vector<fs::path> out;
    if (!fs::is_directory(dir)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<json::value> json_lines(const fs::path& p) {
    std::vector<json::value> out;
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        if (!ec && v.is_object()) out.push_back(std::move(v));
    }
    return out;
}

std::int64_t count_of(const json::object& usage, const char* key) {
    const json::value* v = usage.if_contains(key);
    return v && v->is_int64() ? v->as_int64() : 0;
}

// What a Codex rollout bills, by the rules in docs/formats.md: total_token_usage is cumulative, so the
// session's usage is its last total less its first, plus what the first event itself added (its
// last_token_usage; the whole total when it has none). Holds when the totals never go down, which the
// test checks first. Input here includes the cached part, as Codex writes it.
struct CodexExpected {
    std::int64_t input = 0, cached = 0, output = 0;
    std::int64_t calls = 0, paired = 0;
    bool monotonic = true;
};

CodexExpected codex_expected(const fs::path& p) {
    CodexExpected e;
    std::optional<json::object> first_total, first_last, prev, last_total;
    std::set<std::string> call_ids;
    for (const json::value& v : json_lines(p)) {
        const json::object& o = v.as_object();
        const json::value* payload = o.if_contains("payload");
        if (!payload || !payload->is_object()) continue;
        const json::object& pl = payload->as_object();
        const json::value* ptype = pl.if_contains("type");
        if (!ptype || !ptype->is_string()) continue;
        const std::string_view type = ptype->as_string();
        if (type == "token_count") {
            const json::value* info = pl.if_contains("info");
            if (!info || !info->is_object()) continue;
            const json::value* total = info->as_object().if_contains("total_token_usage");
            if (!total || !total->is_object()) continue;
            const json::object& t = total->as_object();
            if (!first_total) {
                first_total = t;
                if (const json::value* l = info->as_object().if_contains("last_token_usage"); l && l->is_object())
                    first_last = l->as_object();
            }
            if (prev && (count_of(t, "input_tokens") < count_of(*prev, "input_tokens") ||
                         count_of(t, "output_tokens") < count_of(*prev, "output_tokens")))
                e.monotonic = false;
            prev = last_total = t;
        } else if (type == "function_call" || type == "custom_tool_call" || type == "local_shell_call") {
            const json::value* id = pl.if_contains("call_id");
            if (id && id->is_string() && call_ids.insert(std::string(id->as_string())).second) ++e.calls;
        } else if (type == "function_call_output" || type == "custom_tool_call_output") {
            const json::value* id = pl.if_contains("call_id");
            if (id && id->is_string() && call_ids.count(std::string(id->as_string()))) ++e.paired;
        }
    }
    if (!first_total) return e;
    const json::object& base = first_last ? *first_last : *first_total;
    for (auto [field, out] : {std::pair{"input_tokens", &e.input}, std::pair{"cached_input_tokens", &e.cached},
                              std::pair{"output_tokens", &e.output}})
        *out = count_of(*last_total, field) - count_of(*first_total, field) + count_of(base, field);
    return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(real_samples)

BOOST_AUTO_TEST_CASE(codex_rollouts_total_what_their_cumulative_counters_say) {
    const auto files = files_under(samples_dir() / "codex", ".jsonl");
    if (files.empty()) {
        BOOST_TEST_MESSAGE("no Codex samples under " << samples_dir() << ": nothing checked");
        return;
    }
    for (const fs::path& path : files) {
        BOOST_TEST_CONTEXT(path.filename()) {
            const CodexExpected want = codex_expected(path);
            BOOST_REQUIRE(want.monotonic);
            BOOST_TEST_MESSAGE(path.filename().string() << ": input " << want.input << " (cached " << want.cached
                                                        << "), output " << want.output << ", " << want.calls
                                                        << " calls, " << want.paired << " with results");
            WriterFixture store;
            FileRecord f;
            f.path = path.string();
            f.provider = "codex";
            f.kind = "rollout";
            f = store.writer().ensure_file(f);
            IngestStats stats;
            TranscriptTailer tailer(store.writer(), stats);
            BOOST_TEST((tailer.ingest(f) == TailStatus::Progressed));
            Database& db = store.db();
            BOOST_TEST(query_int(db, "SELECT coalesce(sum(input_tokens + cache_read_tokens), 0) FROM usage_events") ==
                       want.input);
            BOOST_TEST(query_int(db, "SELECT coalesce(sum(cache_read_tokens), 0) FROM usage_events") == want.cached);
            BOOST_TEST(query_int(db, "SELECT coalesce(sum(output_tokens), 0) FROM usage_events") == want.output);
            BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart") == want.calls);
            BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE result_ts IS NOT NULL") ==
                       want.paired);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
