// `agentpulse search` against the real binary: a store filled by `ingest` from the synthetic corpus of
// every simulated agent; `search QUERY --json` finds what a SQL look at the index says it holds, with its
// filters; the terminal form marks the words; a raw query SQLite refuses is exit 2 with its message; and
// `search --rebuild` (the index emptied, every transcript read again) gives back the same index and rows.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "Binary.hpp"
#include "agents/AgentRegistry.hpp"
#include "sim/SynthCorpus.hpp"
#include "sim/SynthWriters.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

struct SearchFixture {
    Workspace ws;
    fs::path store = ws.dir / "s.db";
    fs::path corpus = ws.dir / "corpus";
    std::vector<std::string> agent_flags;

    SearchFixture() {
        SynthCorpusOptions o;
        for (const SynthWriter& w : synth_writers()) {
            o.roots[std::string(w.agent)] = corpus / w.agent;
            o.shares[std::string(w.name())] = 1.0;
        }
        o.target_bytes = 2'000'000;
        o.files = 24;
        o.seed = 17;
        write_synth_corpus(o);
        for (const AgentSource* a : agent_sources()) {
            agent_flags.push_back("--" + std::string(a->traits().option));
            agent_flags.push_back((corpus / std::string(a->name())).string());
        }
    }

    // agentpulse <command> <words...> --store STORE <every agent's folder>; its exit code and output.
    std::pair<int, std::string> run(const std::string& command, std::vector<std::string> words,
                                    std::string* err = nullptr) const {
        std::vector<std::string> a = {AGENTPULSE_BINARY, command};
        a.insert(a.end(), words.begin(), words.end());
        a.insert(a.end(), {"--store", store.string()});
        a.insert(a.end(), agent_flags.begin(), agent_flags.end());
        Process p(a, ws.logs(), command);
        const ExitStatus st = p.finish(120s);
        BOOST_REQUIRE(st.exited);
        if (err) *err = p.err();
        return {st.code, p.out()};
    }

    json::object search_json(std::vector<std::string> words) const {
        words.push_back("--json");
        const auto [code, out] = run("search", std::move(words));
        BOOST_REQUIRE_MESSAGE(code == 0, out);
        return json::parse(out).as_object();
    }

    Database db() const { return Database(store, Database::Mode::ReadOnly); }
};

// Every row of the index and of the tables it points at, without row ids.
std::vector<Row> snapshot(Database& db) {
    return query(db,
                 "SELECT d.kind, d.provider, s.session_id, coalesce(m.line_key, ''), coalesce(c.tool_use_id, ''), "
                 "d.ts, coalesce(d.tool, ''), d.body FROM search_docs d JOIN sessions s ON s.id = d.session_id "
                 "LEFT JOIN messages m ON m.id = d.message_id LEFT JOIN message_tool_mart c ON c.id = d.call_id "
                 "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(search_cli)

BOOST_AUTO_TEST_CASE(search_finds_what_the_index_holds_and_rebuild_gives_it_back) {
    SearchFixture fx;
    {
        std::string err;
        const auto [code, out] = fx.run("ingest", {"--no-progress"}, &err);
        BOOST_REQUIRE_MESSAGE(code == 0, err);
    }
    std::vector<Row> before, rows_before;
    std::string word, command_word;
    {
        Database db = fx.db();
        before = snapshot(db);
        rows_before = query(db, "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM usage_events), "
                                "(SELECT count(*) FROM message_tool_mart)");
        BOOST_TEST(before.size() > 100u);
        // Every agent has prompts and tool calls in the index.
        for (const AgentSource* a : agent_sources())
            BOOST_TEST(query_int(db, "SELECT count(DISTINCT kind) FROM search_docs WHERE provider = '" +
                                         std::string(a->name()) + "' AND kind IN ('prompt', 'command', 'file')") >= 2,
                       a->name());
        // A word of the newest prompt, and of a command.
        const std::string prompt = query_text(db, "SELECT body FROM search_docs WHERE kind = 'prompt' ORDER BY id DESC LIMIT 1");
        word = prompt.substr(0, prompt.find(' '));
        const std::string cmd = query_text(db, "SELECT body FROM search_docs WHERE kind = 'command' AND body GLOB "
                                               "'[a-z]* *' ORDER BY id DESC LIMIT 1");
        command_word = cmd.substr(0, cmd.find(' '));
    }

    // The newest hit for the prompt's first word is the newest entry holding it (as a word).
    const json::object hits = fx.search_json({word, "--limit", "5"});
    const json::array& list = hits.at("hits").as_array();
    BOOST_TEST_REQUIRE(!list.empty());
    for (const json::value& h : list) BOOST_TEST(std::string(h.at("snippet").as_string()).find(word) != std::string::npos);
    for (std::size_t i = 1; i < list.size(); ++i)
        BOOST_TEST(list[i - 1].at("ts").as_string() >= list[i].at("ts").as_string());

    const json::object cmds = fx.search_json({command_word, "--kind", "command", "--agent", "claude"});
    for (const json::value& h : cmds.at("hits").as_array()) {
        BOOST_TEST(h.at("kind").as_string() == "command");
        BOOST_TEST(h.at("agent").as_string() == "claude");
    }

    // The terminal form: the word in brackets (not a terminal), the session's address.
    {
        const auto [code, out] = fx.run("search", {word, "--limit", "3"});
        BOOST_TEST(code == 0);
        BOOST_TEST(out.find("[" + word) != std::string::npos, out);
        BOOST_TEST(out.find("/sessions/") != std::string::npos, out);
    }
    // A raw query SQLite refuses: exit 2 and its words; without --raw the same text is fine.
    {
        std::string err;
        const auto [code, out] = fx.run("search", {"(a OR", "--raw"}, &err);
        BOOST_TEST(code == 2);
        BOOST_TEST(err.find("fts5: syntax error") != std::string::npos, err);
        BOOST_TEST(fx.run("search", {"(a OR"}).first == 0);
    }
    BOOST_TEST(fx.run("search", {"x", "--kind", "bogus"}).first == 2);

    // The rebuild: every transcript read again; the same index, no row counted twice.
    {
        std::string err;
        const auto [code, out] = fx.run("search", {"--rebuild", "--no-progress"}, &err);
        BOOST_REQUIRE_MESSAGE(code == 0, err);
        BOOST_TEST(out.find("search index rebuilt: " + std::to_string(before.size()) + " entries") != std::string::npos,
                   out);
    }
    Database db = fx.db();
    BOOST_TEST((snapshot(db) == before));
    BOOST_TEST((query(db, "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM usage_events), "
                          "(SELECT count(*) FROM message_tool_mart)") == rows_before));
    BOOST_TEST(query_int(db, "SELECT needs_rebuild FROM search_state") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
