// Machines and forwarding (issue 11 §2, §3), below the processes: the writer's machine and user of local
// and telemetry rows and the sums per machine; forwarded records (otlp/ForwardMapping) through protobuf,
// the receiver's mapping and a second store, equal to the rows they came from; growth and late results sent
// again; the report queries' machine filter; the forwarder's URL parsing.
#include <boost/test/unit_test.hpp>

#include "StoreDump.hpp"
#include "StoreQueries.hpp"
#include "WriterFixture.hpp"
#include "forward/HttpPost.hpp"
#include "otlp/ForwardMapping.hpp"
#include "otlp/OtlpMapping.hpp"
#include "report/ReportQueries.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

// A line of claude session `session` at `ts` with what `fill` adds.
template <class Fill>
ParsedLine line_at(EpochMs ts, const std::string& session, Fill fill, const std::string& machine = {},
                   const std::string& user = {}) {
    ParsedLine l;
    l.ts = ts;
    l.session.session_id = session;
    l.session.project_slug = "-home-ana-shop";
    l.session.project_name = "shop";
    l.session.cwd = machine.empty() ? "/home/ana/shop" : "";
    l.session.machine = machine;
    l.session.user = user;
    fill(l);
    return l;
}

IngestBatch claude_batch(std::vector<ParsedLine> lines) {
    IngestBatch b;
    b.price_family = "claude";
    b.file.provider = "claude";
    b.file.path = "test:claude";
    b.lines = std::move(lines);
    return b;
}

UsageRecord usage(const std::string& key, std::int64_t input, std::int64_t output) {
    UsageRecord u;
    u.dedup_key = key;
    u.model = "claude-sonnet-4-5";
    u.tokens.input = input;
    u.tokens.output = output;
    u.grows = true;
    return u;
}

constexpr EpochMs kT0 = 1'796'000'000'000;  // 2026-12-01

// The rows of `db` by natural key, without ids and message links.
std::vector<std::string> rows(Database& db) {
    std::vector<std::string> out;
    for (const char* sql :
         {"SELECT u.dedup_key, s.session_id, u.ts, u.model, u.input_tokens, u.output_tokens, u.cost_usd, u.cost_source, "
          "u.machine, u.user_name FROM usage_events u JOIN sessions s ON s.id = u.session_id ORDER BY 1",
          "SELECT t.tool_use_id, t.ts_ms, t.tool_name, t.file_path, t.byte_count, t.call_index, t.result_ts, t.latency_ms, "
          "t.is_error, t.result_bytes, t.machine, t.user_name FROM message_tool_mart t ORDER BY 1",
          "SELECT s.session_id, s.started_at, s.last_at, s.cwd, s.place_at, s.cli_version, s.machine, s.user_name, p.slug "
          "FROM sessions s JOIN projects p ON p.id = s.project_id ORDER BY 1",
          "SELECT slot, machine, cost_nusd, input_tokens, output_tokens, events FROM usage_slots ORDER BY 1, 2",
          "SELECT s.session_id, a.cost_nusd, a.events, a.tool_calls, a.tool_errors FROM session_totals a JOIN sessions s "
          "ON s.id = a.session_id ORDER BY 1"})
        for (const std::string& r : flat(query(db, sql))) out.push_back(r);
    return out;
}

// Everything of `from` as the forwarder reads it, encoded, decoded, mapped and committed to `to`.
void forward_all(Database& from, StoreWriter& to) {
    ForwardEncoder enc;
    for (const Row& r : query(from, "SELECT u.provider, p.slug, p.display_name, s.session_id, u.machine, "
                                    "coalesce(u.user_name, ''), coalesce(s.cli_version, ''), u.ts, u.dedup_key, u.model, "
                                    "u.input_tokens, u.output_tokens, u.cost_usd, u.cost_source FROM usage_events u "
                                    "JOIN sessions s ON s.id = u.session_id JOIN projects p ON p.id = u.project_id")) {
        ForwardUsage u;
        u.origin = {r[0], r[1], r[2], r[3], r[4], r[5], r[6]};
        u.ts = *parse_iso8601(r[7]);
        u.dedup_key = r[8];
        u.model = r[9];
        u.tokens.input = std::stoll(r[10]);
        u.tokens.output = std::stoll(r[11]);
        u.cost_usd = std::stod(r[12]);
        u.cost_source = r[13];
        enc.add(u);
    }
    for (const Row& r : query(from, "SELECT t.provider, p.slug, p.display_name, s.session_id, t.machine, "
                                    "coalesce(t.user_name, ''), coalesce(s.cli_version, ''), t.ts_ms, t.tool_use_id, "
                                    "t.tool_name, t.file_path, t.byte_count, t.call_index, t.result_ts, t.is_error, "
                                    "t.result_bytes, t.latency_ms FROM message_tool_mart t JOIN sessions s ON s.id = "
                                    "t.session_id JOIN projects p ON p.id = t.project_id")) {
        ForwardTool t;
        t.origin = {r[0], r[1], r[2], r[3], r[4], r[5], r[6]};
        t.ts = std::stoll(r[7]);
        t.tool_use_id = r[8];
        t.tool_name = r[9];
        if (r[10] != "NULL") t.file_path = r[10];
        if (r[11] != "NULL") t.byte_count = std::stoll(r[11]);
        t.call_index = std::stoll(r[12]);
        if (r[13] != "NULL") {
            t.result_ts = *parse_iso8601(r[13]);
            t.is_error = r[14] == "1";
            t.result_bytes = std::stoll(r[15]);
            if (r[16] != "NULL") t.latency_ms = std::stoll(r[16]);
        }
        enc.add(t);
    }
    for (const Row& r : query(from, "SELECT s.provider, p.slug, p.display_name, s.session_id, s.machine, "
                                    "coalesce(s.user_name, ''), coalesce(s.cli_version, ''), s.started_at, s.last_at, "
                                    "s.place_at, coalesce(s.cwd, ''), coalesce(s.git_branch, ''), coalesce(s.model, '') "
                                    "FROM sessions s JOIN projects p ON p.id = s.project_id")) {
        ForwardSession f;
        f.origin = {r[0], r[1], r[2], r[3], r[4], r[5], r[6]};
        f.started_at = *parse_iso8601(r[7]);
        f.last_at = *parse_iso8601(r[8]);
        if (r[9] != "NULL") f.place_at = *parse_iso8601(r[9]);
        f.cwd = r[10];
        f.git_branch = r[11];
        f.model = r[12];
        enc.add(f);
    }
    const std::string body = encode_logs(enc.take());
    MappedLogs m = map_logs(decode_logs(body, OtlpEncoding::Protobuf));
    BOOST_TEST(m.rejected == 0, m.reject_message);
    for (const IngestBatch& b : telemetry_batches(std::move(m.records))) to.commit(b);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(machines)

BOOST_AUTO_TEST_CASE(local_rows_take_the_writers_origin_and_telemetry_its_own) {
    WriterFixture f;
    f.writer().set_origin({"laptop-7", "ana"});
    f.writer().commit(claude_batch({
        line_at(kT0, "s-local", [](ParsedLine& l) { l.usage = usage("k1", 100, 10); }),
        line_at(kT0 + 1000, "s-local", [](ParsedLine& l) { l.tool_calls.push_back({"tu1", "Read", std::nullopt, std::nullopt}); }),
        line_at(kT0 + 2000, "s-remote", [](ParsedLine& l) { l.usage = usage("k2", 200, 20); }, "buildbox", "bob"),
        line_at(kT0 + 3000, "s-remote", [](ParsedLine& l) { l.usage = usage("k3", 300, 30); }, "buildbox"),
    }));
    Database& db = f.db();
    BOOST_TEST(query_text(db, "SELECT machine || '/' || user_name FROM usage_events WHERE dedup_key = 'k1'") == "laptop-7/ana");
    BOOST_TEST(query_text(db, "SELECT machine || '/' || user_name FROM message_tool_mart") == "laptop-7/ana");
    BOOST_TEST(query_text(db, "SELECT machine || '/' || user_name FROM usage_events WHERE dedup_key = 'k2'") == "buildbox/bob");
    // A record of another machine that names no user has none (not the local OS user).
    BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE dedup_key = 'k3' AND user_name IS NULL") == 1);
    BOOST_TEST(query_text(db, "SELECT machine || '/' || user_name FROM sessions WHERE session_id = 's-remote'") == "buildbox/bob");
    // The sums: one slot row per machine, each with its own usage.
    BOOST_TEST(query_int(db, "SELECT input_tokens FROM usage_slots WHERE machine = 'laptop-7'") == 100);
    BOOST_TEST(query_int(db, "SELECT input_tokens FROM usage_slots WHERE machine = 'buildbox'") == 500);
    BOOST_TEST(aggregate_drift(db).empty());
}

BOOST_AUTO_TEST_CASE(the_default_origin_is_this_host_and_the_os_user) {
    const StoreWriter::Origin o = StoreWriter::local_origin();
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    BOOST_TEST(o.machine == std::string(host));
    BOOST_TEST(!o.user.empty());
}

BOOST_AUTO_TEST_CASE(telemetry_host_name_and_user_become_machine_and_user) {
    OtlpLogs logs;
    OtlpResourceLogs r;
    const auto text = [](std::string s) {
        OtlpValue v;
        v.kind = OtlpValue::Kind::String;
        v.text = std::move(s);
        return v;
    };
    r.resource.items = {{"service.name", text("claude-code")}, {"host.name", text("ci-runner-3")}};
    OtlpLogRecord rec;
    rec.time_unix_nano = static_cast<std::uint64_t>(kT0) * 1'000'000;
    rec.event_name = "claude_code.api_request";
    rec.attributes.items = {{"session.id", text("s1")}, {"request_id", text("req_1")}, {"model", text("claude-sonnet-4-5")},
                            {"input_tokens", text("10")}, {"enduser.id", text("svc-ci")}};
    r.records.push_back(rec);
    rec.attributes.items[0].second.text = "s2";
    rec.attributes.items[1].second.text = "req_2";
    r.records.push_back(rec);
    logs.resources.push_back(r);
    logs.resources.push_back(r);
    logs.resources[1].resource.items.pop_back();  // no host.name
    for (OtlpLogRecord& x : logs.resources[1].records) x.attributes.items[1].second.text += "b", x.attributes.items[0].second.text += "b";
    MappedLogs m = map_logs(logs);
    BOOST_REQUIRE(m.records.size() == 4u);
    BOOST_TEST(m.records[0].lines[0].session.machine == "ci-runner-3");
    BOOST_TEST(m.records[0].lines[0].session.user == "svc-ci");
    BOOST_TEST(m.records[2].lines[0].session.machine == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(forwarding)

BOOST_AUTO_TEST_CASE(forwarded_rows_equal_the_rows_they_came_from) {
    WriterFixture machine, centre;
    machine.writer().set_origin({"laptop-7", "ana"});
    centre.writer().set_origin({"centre", "ops"});
    std::vector<ParsedLine> lines;
    lines.push_back(line_at(kT0, "s1", [](ParsedLine& l) {
        l.session.git_branch = "main";
        l.session.cli_version = "2.1.0";
        l.usage = usage("claude:m1:r1", 1200, 300);
        ToolCallRecord c{"tu1", "Edit", std::string("/home/ana/shop/a.ts"), 120};
        l.tool_calls.push_back(c);
        l.tool_calls.push_back({"tu2", "Bash", std::nullopt, std::nullopt});
    }));
    lines.push_back(line_at(kT0 + 1500, "s1", [](ParsedLine& l) {
        l.session.cli_version = "2.1.1";
        l.tool_results.push_back({"tu1", false, 64, true, std::nullopt});
        ToolResultRecord bad{"tu2", true, 9, true, std::nullopt};
        l.tool_results.push_back(bad);
    }));
    lines.push_back(line_at(kT0 + 4000, "s2", [](ParsedLine& l) { l.usage = usage("claude:m2:r2", 50, 5); }));
    machine.writer().commit(claude_batch(lines));
    forward_all(machine.db(), centre.writer());
    const auto want = rows(machine.db());
    BOOST_TEST(rows(centre.db()) == want, boost::test_tools::per_element());
    BOOST_TEST(aggregate_drift(centre.db()).empty());

    // The response grows and a new call lands at the source; everything is sent again (a lost answer, a
    // reset cursor): the centre follows the growth and counts nothing twice.
    machine.writer().commit(claude_batch({line_at(kT0 + 5000, "s1", [](ParsedLine& l) {
        l.usage = usage("claude:m1:r1", 1200, 900);
        l.tool_calls.push_back({"tu3", "Read", std::nullopt, std::nullopt});
    })}));
    forward_all(machine.db(), centre.writer());
    forward_all(machine.db(), centre.writer());
    centre.restart();
    forward_all(machine.db(), centre.writer());
    BOOST_TEST(rows(centre.db()) == rows(machine.db()), boost::test_tools::per_element());
    BOOST_TEST(query_int(centre.db(), "SELECT output_tokens FROM usage_events WHERE dedup_key = 'claude:m1:r1'") == 900);
    BOOST_TEST(query_int(centre.db(), "SELECT count(*) FROM usage_events") == 2);
    BOOST_TEST(aggregate_drift(centre.db()).empty());

    // A reprice at the source (new costs, same tokens): sent again, the centre takes the new costs.
    machine.db().exec("UPDATE usage_events SET cost_usd = cost_usd * 2 + 0.001, update_seq = update_seq + 100");
    {
        Transaction tx(machine.db());
        rebuild_aggregates(machine.db());
        tx.commit();
    }
    forward_all(machine.db(), centre.writer());
    BOOST_TEST(rows(centre.db()) == rows(machine.db()), boost::test_tools::per_element());
    BOOST_TEST(aggregate_drift(centre.db()).empty());
}

BOOST_AUTO_TEST_CASE(a_forwarded_record_without_what_it_needs_is_rejected) {
    ForwardEncoder enc;
    ForwardUsage u;
    u.origin = {"no-such-agent", "p", "p", "s", "m", "", ""};
    u.ts = kT0;
    u.dedup_key = "k";
    enc.add(u);
    u.origin.provider = "claude";
    u.dedup_key.clear();
    enc.add(u);
    const MappedLogs m = map_logs(decode_logs(encode_logs(enc.take()), OtlpEncoding::Protobuf));
    BOOST_TEST(m.records.empty());
    BOOST_TEST(m.rejected == 2);
}

BOOST_AUTO_TEST_CASE(the_endpoints_partial_success_is_read) {
    const auto [n, why] = logs_response_rejected(otlp_response(OtlpSignal::Logs, OtlpEncoding::Protobuf, 3, "no such agent"));
    BOOST_TEST(n == 3);
    BOOST_TEST(why == "no such agent");
    BOOST_TEST(logs_response_rejected(otlp_response(OtlpSignal::Logs, OtlpEncoding::Protobuf, 0, "")).first == 0);
    BOOST_TEST(logs_response_rejected("").first == 0);
    BOOST_TEST(logs_response_rejected("{}").first == 0);  // a JSON answer: not read
}

BOOST_AUTO_TEST_CASE(endpoint_urls) {
    const auto a = parse_http_url("http://central:4318");
    BOOST_REQUIRE(a.has_value());
    BOOST_TEST(a->host == "central");
    BOOST_TEST(a->port == "4318");
    BOOST_TEST(a->path == "/");
    const auto b = parse_http_url("http://[::1]:9000/otlp/v1/logs");
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(b->host == "::1");
    BOOST_TEST(b->port == "9000");
    BOOST_TEST(b->path == "/otlp/v1/logs");
    BOOST_TEST(parse_http_url("http://host")->port == "80");
    for (const char* bad : {"https://central:4318", "central:4318", "http://", "http://:80", "http://h:port", "http://[::1"})
        BOOST_TEST(!parse_http_url(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(report_queries_filter_by_machine) {
    WriterFixture f;
    f.writer().set_origin({"laptop-7", "ana"});
    f.writer().commit(claude_batch({
        line_at(kT0, "s-local", [](ParsedLine& l) { l.usage = usage("k1", 100, 10); }),
        line_at(kT0 + 60'000, "s-remote", [](ParsedLine& l) { l.usage = usage("k2", 200, 20); }, "buildbox", "bob"),
    }));
    ReportQueries q(f.db());
    SessionQuery sq;
    sq.machine = "buildbox";
    const SessionPage page = q.sessions(sq);
    BOOST_REQUIRE(page.rows.size() == 1u);
    BOOST_TEST(page.total == 1);
    BOOST_TEST(page.rows[0].session_id == "s-remote");
    BOOST_TEST(page.rows[0].machine == "buildbox");
    BOOST_TEST(page.rows[0].user == "bob");
    BOOST_TEST(q.sessions(SessionQuery{}).total == 2);
    BOOST_TEST((q.session_machines() == std::vector<std::string>{"buildbox", "laptop-7"}));
    // A day's usage: by machine, and one machine's alone; whole slots (the sums) and partial ones (rows).
    for (const EpochMs end : {kT0 + 86'400'000, kT0 + 60'001}) {
        const auto all = q.usage_by_day({kT0 - 3'600'000}, end);
        std::map<std::string, std::int64_t> input;
        for (const UsageSlice& s : all) input[s.machine] += s.tokens.input;
        BOOST_TEST(input["laptop-7"] == 100);
        BOOST_TEST(input["buildbox"] == 200);
        const auto one = q.usage_by_day({kT0 - 3'600'000}, end, nullptr, 0, {}, "buildbox");
        BOOST_REQUIRE(one.size() == 1u);
        BOOST_TEST(one[0].tokens.input == 200);
    }
    BOOST_TEST(q.cost_between(kT0 - 1, kT0 + 86'400'000, {}, "nowhere") == 0.0);
    BOOST_TEST(q.cost_between(kT0 - 1, kT0 + 86'400'000, {}, "buildbox") > 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
