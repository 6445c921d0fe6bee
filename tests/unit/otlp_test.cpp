// otlp/: OTLP request bodies decoded from protobuf (bytes written here by hand, field by field from the
// specification, not by the generated classes under test) and JSON, gzip bodies, malformed bodies refused
// whole; agents' events mapped to usage and tool records with natural keys, and a repeated export
// committed twice adding nothing.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <zlib.h>

#include "StoreQueries.hpp"
#include "WriterFixture.hpp"
#include "ingest/BatchInbox.hpp"
#include "otlp/OtlpDecode.hpp"
#include "otlp/OtlpMapping.hpp"

using namespace agentpulse;
namespace json = boost::json;

namespace {

// ---- a protobuf writer, from the wire format's rules -----------------------------------------------
struct Pb {
    std::string out;
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            out.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out.push_back(static_cast<char>(v));
    }
    Pb& tag(int field, int wire) {
        varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire));
        return *this;
    }
    Pb& bytes(int field, std::string_view s) {
        tag(field, 2);
        varint(s.size());
        out.append(s);
        return *this;
    }
    Pb& msg(int field, const Pb& m) { return bytes(field, m.out); }
    Pb& fixed64(int field, std::uint64_t v) {
        tag(field, 1);
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i) & 0xff));
        return *this;
    }
    Pb& uint(int field, std::uint64_t v) {
        tag(field, 0);
        varint(v);
        return *this;
    }
    Pb& dbl(int field, double d) {
        std::uint64_t v;
        std::memcpy(&v, &d, 8);
        return fixed64(field, v);
    }
};

// KeyValue{key=1, value=2: AnyValue{string=1, bool=2, int=3, double=4}}
Pb kv_string(std::string_view k, std::string_view v) { return Pb().bytes(1, k).msg(2, Pb().bytes(1, v)); }
Pb kv_int(std::string_view k, std::int64_t v) { return Pb().bytes(1, k).msg(2, Pb().uint(3, static_cast<std::uint64_t>(v))); }
Pb kv_double(std::string_view k, double v) { return Pb().bytes(1, k).msg(2, Pb().dbl(4, v)); }

constexpr std::uint64_t kNanos = 1'765'140'000'123'000'000ULL;  // 2025-12-07T20:40:00.123Z

// ExportLogsServiceRequest{resource_logs=1: ResourceLogs{resource=1: Resource{attributes=1}, scope_logs=2:
// ScopeLogs{scope=1, log_records=2: LogRecord{time=1 fixed64, body=5, attributes=6}}}}
std::string claude_request_pb(std::string_view request_id) {
    Pb record;
    record.fixed64(1, kNanos)
        .msg(5, Pb().bytes(1, "claude_code.api_request"))
        .msg(6, kv_string("event.name", "api_request"))
        .msg(6, kv_string("session.id", "sess-pb"))
        .msg(6, kv_string("model", "claude-sonnet-4-5"))
        .msg(6, kv_int("input_tokens", 120))
        .msg(6, kv_int("output_tokens", 40))
        .msg(6, kv_int("cache_read_tokens", 3000))
        .msg(6, kv_int("cache_creation_tokens", 500))
        .msg(6, kv_double("cost_usd", 0.0421))
        .msg(6, kv_string("request_id", request_id))
        .msg(6, kv_string("user.email", "ana@example.com"));
    Pb tool;
    tool.fixed64(1, kNanos + 2'000'000'000ULL)
        .msg(5, Pb().bytes(1, "claude_code.tool_result"))
        .msg(6, kv_string("event.name", "tool_result"))
        .msg(6, kv_string("session.id", "sess-pb"))
        .msg(6, kv_string("tool_name", "Bash"))
        .msg(6, kv_string("tool_use_id", "toolu_pb1"))
        .msg(6, kv_string("success", "true"))
        .msg(6, kv_string("duration_ms", "750"));
    Pb unknown;
    unknown.fixed64(1, kNanos).msg(5, Pb().bytes(1, "claude_code.user_prompt")).msg(6, kv_string("event.name", "user_prompt"));
    Pb scope;
    scope.msg(1, Pb().bytes(1, "com.anthropic.claude_code.events")).msg(2, record).msg(2, tool).msg(2, unknown);
    Pb resource;
    resource.msg(1, kv_string("service.name", "claude-code")).msg(1, kv_string("host.name", "build-1"));
    Pb rl;
    rl.msg(1, resource).msg(2, scope);
    return Pb().msg(1, rl).out;
}

json::object attr(std::string_view k, json::value v) {
    return json::object{{"key", k}, {"value", std::move(v)}};
}
json::object sv(std::string_view s) { return json::object{{"stringValue", s}}; }
json::object iv(std::string_view s) { return json::object{{"intValue", s}}; }

std::string logs_json(json::array resource_attrs, json::array records) {
    json::object scope{{"scope", json::object{{"name", "test"}}}, {"logRecords", std::move(records)}};
    json::object rl{{"resource", json::object{{"attributes", std::move(resource_attrs)}}},
                    {"scopeLogs", json::array{std::move(scope)}}};
    return json::serialize(json::object{{"resourceLogs", json::array{std::move(rl)}}});
}

json::object record(std::string_view time_nanos, json::array attrs) {
    return json::object{{"timeUnixNano", time_nanos}, {"attributes", std::move(attrs)}};
}

std::string gzip(std::string_view in) {
    z_stream z{};
    BOOST_REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, in.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    BOOST_REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

const UsageRecord& only_usage(const MappedLogs& m) {
    for (const TelemetryRecord& r : m.records)
        for (const ParsedLine& l : r.lines)
            if (l.usage) return *l.usage;
    BOOST_FAIL("no usage record");
    throw std::logic_error("unreachable");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(otlp)

BOOST_AUTO_TEST_CASE(protobuf_claude_events_map_to_usage_and_a_timed_tool_call) {
    const OtlpLogs logs = decode_logs(claude_request_pb("req_011"), OtlpEncoding::Protobuf);
    BOOST_TEST(logs.records() == 3u);
    const MappedLogs m = map_logs(logs);
    BOOST_TEST(m.rejected == 0);
    BOOST_REQUIRE(m.records.size() == 2u);
    BOOST_TEST(m.dropped.at("claude_code.user_prompt") == 1);
    const TelemetryRecord& usage = m.records[0];
    BOOST_TEST(usage.provider == "claude");
    BOOST_TEST(usage.origin.host_name == "build-1");
    BOOST_TEST(usage.origin.user_email == "ana@example.com");
    BOOST_REQUIRE(usage.lines.size() == 1u);
    const ParsedLine& line = usage.lines[0];
    BOOST_TEST(line.ts == 1'765'140'000'123);
    BOOST_TEST(line.session.session_id == "sess-pb");
    BOOST_TEST(line.session.project_slug == "otlp:build-1");
    BOOST_REQUIRE(line.usage.has_value());
    BOOST_TEST(line.usage->dedup_key == "claude:otel:req_011");
    BOOST_TEST(line.usage->model == "claude-sonnet-4-5");
    BOOST_TEST(line.usage->tokens.input == 120);
    BOOST_TEST(line.usage->tokens.output == 40);
    BOOST_TEST(line.usage->tokens.cache_read == 3000);
    BOOST_TEST(line.usage->tokens.cache_create == 500);
    BOOST_REQUIRE(line.usage->cost_usd.has_value());
    BOOST_TEST(*line.usage->cost_usd == 0.0421);

    const TelemetryRecord& tool = m.records[1];
    BOOST_REQUIRE(tool.lines.size() == 2u);
    BOOST_REQUIRE(tool.lines[0].tool_calls.size() == 1u);
    BOOST_TEST(tool.lines[0].tool_calls[0].tool_use_id == "toolu_pb1");
    BOOST_TEST(tool.lines[0].tool_calls[0].tool_name == "Bash");
    BOOST_TEST(tool.lines[0].ts == 1'765'140'002'123 - 750);  // the call started duration_ms before the event
    BOOST_REQUIRE(tool.lines[1].tool_results.size() == 1u);
    BOOST_TEST(tool.lines[1].ts == 1'765'140'002'123);
    BOOST_TEST(!tool.lines[1].tool_results[0].is_error);
    BOOST_TEST(*tool.lines[1].tool_results[0].latency_ms == 750);
}

BOOST_AUTO_TEST_CASE(json_and_gzip_bodies_decode_like_protobuf) {
    const std::string body = logs_json(
        json::array{attr("service.name", sv("claude-code"))},
        json::array{record("1765140000123000000",
                           json::array{attr("event.name", sv("api_request")), attr("session.id", sv("s1")),
                                       attr("model", sv("claude-opus-4-1")), attr("input_tokens", iv("7")),
                                       attr("output_tokens", json::object{{"intValue", 9}}),
                                       attr("cost_usd", json::object{{"doubleValue", 1.5}}),
                                       attr("request_id", sv("req_json"))})});
    // lowerCamelCase names, 64-bit integers as strings and as numbers; the short event.name with Claude's
    // service.name names the event.
    for (const std::string& b : {body, std::string()}) {
        OtlpLogs logs;
        if (b.empty()) {
            std::string inflated, error;
            BOOST_REQUIRE(otlp_gunzip(gzip(body), 1 << 20, inflated, error) == GunzipResult::Ok);
            logs = decode_logs(inflated, OtlpEncoding::Json);
        } else {
            logs = decode_logs(b, OtlpEncoding::Json);
        }
        const MappedLogs m = map_logs(logs);
        const UsageRecord& u = only_usage(m);
        BOOST_TEST(u.dedup_key == "claude:otel:req_json");
        BOOST_TEST(u.tokens.input == 7);
        BOOST_TEST(u.tokens.output == 9);
        BOOST_TEST(*u.cost_usd == 1.5);
        BOOST_TEST(m.records[0].lines[0].ts == 1'765'140'000'123);
    }
}

BOOST_AUTO_TEST_CASE(snake_case_json_names_are_accepted_too) {
    const std::string body = R"({"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":1765140000000000000,
        "event_name":"codex.tool_result","attributes":[{"key":"conversation.id","value":{"string_value":"conv-9"}},
        {"key":"tool_name","value":{"string_value":"shell"}},{"key":"call_id","value":{"string_value":"call_7"}},
        {"key":"duration_ms","value":{"int_value":"1234"}},{"key":"success","value":{"string_value":"false"}}]}]}]}]})";
    const MappedLogs m = map_logs(decode_logs(body, OtlpEncoding::Json));
    BOOST_REQUIRE(m.records.size() == 1u);
    BOOST_TEST(m.records[0].provider == "codex");
    BOOST_TEST(m.records[0].lines[0].session.session_id == "conv-9");
    BOOST_TEST(m.records[0].lines[0].tool_calls[0].tool_use_id == "call_7");
    BOOST_TEST(m.records[0].lines[1].tool_results[0].is_error);
    BOOST_TEST(*m.records[0].lines[1].tool_results[0].latency_ms == 1234);
}

BOOST_AUTO_TEST_CASE(codex_response_completed_is_usage_and_other_sse_events_are_dropped) {
    json::array common{attr("conversation.id", sv("conv-1")), attr("model", sv("gpt-5-codex"))};
    json::array completed = common, delta = common;
    for (auto [k, v] : {std::pair{"input_token_count", "1000"}, {"cached_token_count", "600"},
                        {"output_token_count", "80"}, {"reasoning_token_count", "30"}})
        completed.push_back(attr(k, iv(v)));
    completed.push_back(attr("event.name", sv("codex.sse_event")));
    completed.push_back(attr("event.kind", sv("response.completed")));
    delta.push_back(attr("event.name", sv("codex.sse_event")));
    delta.push_back(attr("event.kind", sv("response.output_text.delta")));
    const MappedLogs m = map_logs(decode_logs(
        logs_json({}, json::array{record("1765140000000000000", completed), record("1765140000000000001", delta)}),
        OtlpEncoding::Json));
    const UsageRecord& u = only_usage(m);
    BOOST_TEST(u.tokens.input == 400);  // Codex's input includes the cached part
    BOOST_TEST(u.tokens.cache_read == 600);
    BOOST_TEST(u.tokens.output == 80);
    BOOST_TEST(u.tokens.reasoning == 30);
    BOOST_TEST(!u.cost_usd.has_value());
    BOOST_TEST(u.dedup_key == "codex:otel:conv-1:1765140000000000000:1000:80");
    BOOST_TEST(m.dropped.at("codex.sse_event") == 1);
    // Builds that send the response's id key on it.
    completed.push_back(attr("response.id", sv("resp_42")));
    const MappedLogs with_id = map_logs(decode_logs(logs_json({}, json::array{record("1765140000000000000", completed)}),
                                                    OtlpEncoding::Json));
    BOOST_TEST(only_usage(with_id).dedup_key == "codex:otel:resp_42");
}

BOOST_AUTO_TEST_CASE(gemini_and_qwen_responses_and_tool_calls) {
    for (const auto& [prefix, provider] : {std::pair{"gemini_cli", "gemini"}, {"qwen-code", "qwen"}}) {
        json::array response{attr("event.name", sv(std::string(prefix) + ".api_response")), attr("session.id", sv("g1")),
                             attr("model", sv("gemini-2.5-pro")), attr("prompt_id", sv("p1")),
                             attr("input_token_count", json::object{{"intValue", 500}}),
                             attr("cached_content_token_count", json::object{{"intValue", 200}}),
                             attr("output_token_count", json::object{{"intValue", 50}}),
                             attr("thoughts_token_count", json::object{{"intValue", 10}}),
                             attr("tool_token_count", json::object{{"intValue", 5}})};
        json::array tool{attr("event.name", sv(std::string(prefix) + ".tool_call")), attr("session.id", sv("g1")),
                         attr("function_name", sv("read_file")), attr("prompt_id", sv("p1")),
                         attr("duration_ms", json::object{{"intValue", 42}}),
                         attr("success", json::object{{"boolValue", true}})};
        const MappedLogs m = map_logs(decode_logs(
            logs_json({}, json::array{record("1765140000000000000", response), record("1765140001000000000", tool)}),
            OtlpEncoding::Json));
        BOOST_REQUIRE(m.records.size() == 2u);
        BOOST_TEST(m.records[0].provider == provider);
        const UsageRecord& u = only_usage(m);
        BOOST_TEST(u.tokens.input == 305);  // 500 - 200 cached + 5 tool prompt
        BOOST_TEST(u.tokens.cache_read == 200);
        BOOST_TEST(u.tokens.output == 60);  // thoughts are billed as output
        BOOST_TEST(u.tokens.reasoning == 10);
        BOOST_TEST(*m.records[1].lines[1].tool_results[0].latency_ms == 42);  // the Gemini tool latency
        BOOST_TEST(m.records[1].lines[0].ts == 1'765'140'001'000 - 42);
    }
}

BOOST_AUTO_TEST_CASE(known_events_missing_what_they_need_are_rejected_not_guessed) {
    const MappedLogs m = map_logs(decode_logs(
        logs_json({}, json::array{
                          // no session
                          record("1765140000000000000", json::array{attr("event.name", sv("codex.tool_result")),
                                                                    attr("tool_name", sv("shell"))}),
                          // no model
                          record("1765140000000000000",
                                 json::array{attr("event.name", sv("gemini_cli.api_response")), attr("session.id", sv("x"))}),
                          // no time at all
                          json::object{{"attributes", json::array{attr("event.name", sv("codex.tool_result"))}}},
                      }),
        OtlpEncoding::Json));
    BOOST_TEST(m.records.empty());
    BOOST_TEST(m.rejected == 3);
    BOOST_TEST(m.reject_message.find("session.id") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_bodies_are_refused_whole) {
    const auto refused = [](std::string_view body, OtlpEncoding enc, std::string_view says) {
        try {
            (void)decode_logs(body, enc);
        } catch (const OtlpDecodeError& e) {
            BOOST_TEST(std::string(e.what()).find(says) != std::string::npos, e.what());
            return;
        }
        BOOST_FAIL("accepted: " << body);
    };
    refused("{not json", OtlpEncoding::Json, "not valid JSON");
    refused("[]", OtlpEncoding::Json, "not a JSON object");
    refused(R"({"resourceLogs":{}})", OtlpEncoding::Json, "resourceLogs: not an array");
    refused(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"12x"}]}]}]})", OtlpEncoding::Json,
            "resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano: not an integer");
    refused(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"a","value":{"stringValue":5}}]}]}]}]})",
            OtlpEncoding::Json, "attributes[0].value.stringValue: not a string");
    // A good record then a bad one: nothing of the body is returned.
    refused(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1"},{"timeUnixNano":-5}]}]}]})",
            OtlpEncoding::Json, "logRecords[1].timeUnixNano");
    const std::string pb = claude_request_pb("r");
    refused(std::string_view(pb).substr(0, pb.size() - 7), OtlpEncoding::Protobuf, "not a valid protobuf");
    refused("\xff\xff\xff\xff", OtlpEncoding::Protobuf, "not a valid protobuf");
    BOOST_CHECK_THROW((void)decode_metrics("{\"resourceMetrics\":[1]}", OtlpEncoding::Json), OtlpDecodeError);
    BOOST_CHECK_THROW((void)decode_traces("\x0a\x05\x12", OtlpEncoding::Protobuf), OtlpDecodeError);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_a_protobuf_string_is_repaired_not_refused) {
    // proto3 parsers refuse a whole message over one invalid UTF-8 string; a model name cut mid-character
    // by an agent must not cost the whole export.
    Pb record;
    record.fixed64(1, kNanos)
        .msg(6, kv_string("event.name", "codex.sse_event"))
        .msg(6, kv_string("event.kind", "response.completed"))
        .msg(6, kv_string("conversation.id", "c\xff" "1"))
        .msg(6, kv_string("model", "gpt-5-codex"))
        .msg(6, kv_int("output_token_count", 3));
    const OtlpLogs logs = decode_logs(Pb().msg(1, Pb().msg(2, Pb().msg(2, record))).out, OtlpEncoding::Protobuf);
    const MappedLogs m = map_logs(logs);
    BOOST_REQUIRE(m.records.size() == 1u);
    BOOST_TEST(m.records[0].lines[0].session.session_id == "c\xef\xbf\xbd" "1");
}

BOOST_AUTO_TEST_CASE(gzip_truncated_garbage_and_bombs) {
    std::string out, error;
    const std::string z = gzip(std::string(100'000, 'a'));
    BOOST_TEST((otlp_gunzip(z, 200'000, out, error) == GunzipResult::Ok));
    BOOST_TEST(out.size() == 100'000u);
    BOOST_TEST((otlp_gunzip(std::string_view(z).substr(0, z.size() / 2), 200'000, out, error) == GunzipResult::Invalid));
    BOOST_TEST((otlp_gunzip("plain text", 200'000, out, error) == GunzipResult::Invalid));
    BOOST_TEST((otlp_gunzip(z, 50'000, out, error) == GunzipResult::TooLarge));
    BOOST_TEST(out.size() <= 50'000u + 65'536u);
}

BOOST_AUTO_TEST_CASE(metrics_and_traces_are_counted) {
    // ExportMetricsServiceRequest{resource_metrics{scope_metrics=2{metrics=2: Metric{name=1, sum=7{data_points=1 x2}}}}}
    Pb sum;
    sum.msg(1, Pb().fixed64(3, 1)).msg(1, Pb().fixed64(3, 2));
    Pb metric;
    metric.bytes(1, "claude_code.token.usage").msg(7, sum);
    const OtlpCounted m = decode_metrics(Pb().msg(1, Pb().msg(2, Pb().msg(2, metric))).out, OtlpEncoding::Protobuf);
    BOOST_TEST(m.items == 2u);
    BOOST_TEST(m.names.at("claude_code.token.usage") == 2u);
    const OtlpCounted t = decode_traces(
        R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"qwen-code.tool","traceId":"5b8efff798038103d269b633813fc60c","startTimeUnixNano":"1"}]}]}]})",
        OtlpEncoding::Json);
    BOOST_TEST(t.items == 1u);
    BOOST_TEST(t.names.at("qwen-code.tool") == 1u);
}

BOOST_AUTO_TEST_CASE(responses_follow_the_specification) {
    BOOST_TEST(otlp_response(OtlpSignal::Logs, OtlpEncoding::Json, 0, {}) == "{}");
    const json::value partial = json::parse(otlp_response(OtlpSignal::Logs, OtlpEncoding::Json, 2, "why"));
    BOOST_TEST(partial.at("partialSuccess").at("rejectedLogRecords").as_string() == "2");
    BOOST_TEST(partial.at("partialSuccess").at("errorMessage").as_string() == "why");
    BOOST_TEST(otlp_response(OtlpSignal::Traces, OtlpEncoding::Protobuf, 0, {}).empty());
    // ExportLogsServiceResponse{partial_success=1{rejected_log_records=1: 2, error_message=2: "why"}}
    const std::string expected = Pb().msg(1, Pb().uint(1, 2).bytes(2, "why")).out;
    BOOST_TEST(otlp_response(OtlpSignal::Logs, OtlpEncoding::Protobuf, 2, "why") == expected);
}

BOOST_AUTO_TEST_CASE(a_repeated_export_adds_nothing_to_the_store) {
    test::WriterFixture f;
    for (int round = 0; round < 2; ++round) {
        BatchResult r;
        std::vector<IngestBatch> batches =
            telemetry_batches(map_logs(decode_logs(claude_request_pb("req_dup"), OtlpEncoding::Protobuf)).records);
        BOOST_REQUIRE(batches.size() == 1u);
        BOOST_TEST(batches[0].price_family == "claude");
        for (const IngestBatch& b : batches) r += f.writer().commit(b);
        if (round == 0) {
            BOOST_TEST(r.usage_new == 1);
            BOOST_TEST(r.tool_calls == 1);
            BOOST_TEST(r.tool_results == 1);
        } else {
            BOOST_TEST(r.rows() == 0);
        }
        f.restart();  // and with no cache left either
    }
    BOOST_TEST(test::query_int(f.db(), "SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(test::query_double(f.db(), "SELECT cost_usd FROM usage_events") == 0.0421);
    BOOST_TEST(test::query_text(f.db(), "SELECT cost_source FROM usage_events") == "reported");
    BOOST_TEST(test::query_int(f.db(), "SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'toolu_pb1'") == 750);
    BOOST_TEST(test::query_int(f.db(), "SELECT count(*) FROM pending_tool_results") == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batch_inbox)

BOOST_AUTO_TEST_CASE(bounded_by_records_and_closed_jobs_hear_so) {
    BatchInbox inbox(100);
    int woken = 0;
    inbox.on_push([&] { ++woken; });
    std::vector<std::string> told;
    const auto job = [&](std::size_t records) {
        InboxJob j;
        j.records = records;
        j.done = [&told](InboxOutcome o) { told.push_back(o.stored ? "stored" : o.error); };
        return j;
    };
    BOOST_TEST(inbox.try_push(job(150)));  // larger than the whole capacity: taken when the inbox is empty
    BOOST_TEST(!inbox.try_push(job(1)));   // full
    BOOST_TEST(inbox.take_all().size() == 1u);
    BOOST_TEST(inbox.try_push(job(60)));
    BOOST_TEST(inbox.try_push(job(40)));
    BOOST_TEST(!inbox.try_push(job(1)));
    BOOST_TEST(inbox.queued_records() == 100u);
    BOOST_TEST(woken == 3);
    inbox.close();
    BOOST_TEST(inbox.closed());
    BOOST_TEST(!inbox.try_push(job(1)));
    BOOST_REQUIRE(told.size() == 2u);  // the two queued jobs were failed, not dropped silently
    BOOST_TEST(told[0] == "the server is shutting down");
}

BOOST_AUTO_TEST_SUITE_END()
