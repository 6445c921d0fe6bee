// See OtlpDecode.hpp. Protobuf through the generated classes of proto/, JSON through Boost.JSON with the
// specification's mapping checked field by field (a wrong type names its path in the error).
#include "otlp/OtlpDecode.hpp"

#include <boost/json.hpp>
#include <zlib.h>

#include <charconv>
#include <cmath>

#include "core/Utf8.hpp"

#include "common.pb.h"
#include "logs.pb.h"
#include "metrics.pb.h"
#include "trace.pb.h"

namespace agentpulse {
namespace json = boost::json;
namespace pb = agentpulse::otlp;

const char* otlp_signal_name(OtlpSignal s) {
    switch (s) {
        case OtlpSignal::Logs: return "logs";
        case OtlpSignal::Metrics: return "metrics";
        case OtlpSignal::Traces: return "traces";
    }
    return "logs";
}

const OtlpValue* OtlpAttributes::find(std::string_view key) const {
    for (const auto& [k, v] : items)
        if (k == key) return &v;
    return nullptr;
}

std::size_t OtlpLogs::records() const {
    std::size_t n = 0;
    for (const OtlpResourceLogs& r : resources) n += r.records.size();
    return n;
}

namespace {

[[noreturn]] void fail(const std::string& path, std::string_view what) {
    throw OtlpDecodeError(path + ": " + std::string(what));
}

// ---- protobuf ------------------------------------------------------------------------------------

json::value pb_to_json(const pb::AnyValue& v);

// Text from a request's string field (declared bytes, see proto/common.proto): invalid UTF-8 is repaired.
std::string pb_text(const std::string& s) { return is_valid_utf8(s) ? s : sanitize_utf8(s); }

json::value pb_kvlist_json(const pb::KeyValueList& l) {
    json::object o;
    for (const pb::KeyValue& kv : l.values()) o[pb_text(kv.key())] = pb_to_json(kv.value());
    return o;
}

json::value pb_to_json(const pb::AnyValue& v) {
    switch (v.value_case()) {
        case pb::AnyValue::kStringValue: return json::value(pb_text(v.string_value()));
        case pb::AnyValue::kBoolValue: return json::value(v.bool_value());
        case pb::AnyValue::kIntValue: return json::value(v.int_value());
        case pb::AnyValue::kDoubleValue: return std::isfinite(v.double_value()) ? json::value(v.double_value()) : json::value(nullptr);
        case pb::AnyValue::kArrayValue: {
            json::array a;
            for (const pb::AnyValue& e : v.array_value().values()) a.push_back(pb_to_json(e));
            return a;
        }
        case pb::AnyValue::kKvlistValue: return pb_kvlist_json(v.kvlist_value());
        case pb::AnyValue::kBytesValue: return json::value(v.bytes_value());
        case pb::AnyValue::VALUE_NOT_SET: return json::value(nullptr);
    }
    return json::value(nullptr);
}

OtlpValue from_pb(const pb::AnyValue& v) {
    OtlpValue out;
    switch (v.value_case()) {
        case pb::AnyValue::kStringValue: out.kind = OtlpValue::Kind::String, out.text = pb_text(v.string_value()); break;
        case pb::AnyValue::kBoolValue: out.kind = OtlpValue::Kind::Bool, out.b = v.bool_value(); break;
        case pb::AnyValue::kIntValue: out.kind = OtlpValue::Kind::Int, out.i = v.int_value(); break;
        case pb::AnyValue::kDoubleValue: out.kind = OtlpValue::Kind::Double, out.d = v.double_value(); break;
        case pb::AnyValue::kArrayValue: out.kind = OtlpValue::Kind::Array, out.text = json::serialize(pb_to_json(v)); break;
        case pb::AnyValue::kKvlistValue: out.kind = OtlpValue::Kind::Map, out.text = json::serialize(pb_to_json(v)); break;
        case pb::AnyValue::kBytesValue: out.kind = OtlpValue::Kind::Bytes, out.text = v.bytes_value(); break;
        case pb::AnyValue::VALUE_NOT_SET: break;
    }
    return out;
}

OtlpAttributes from_pb(const google::protobuf::RepeatedPtrField<pb::KeyValue>& kvs) {
    OtlpAttributes a;
    a.items.reserve(static_cast<std::size_t>(kvs.size()));
    for (const pb::KeyValue& kv : kvs) a.items.emplace_back(pb_text(kv.key()), from_pb(kv.value()));
    return a;
}

template <class Message>
Message parse_pb(std::string_view body) {
    Message m;
    if (!m.ParseFromArray(body.data(), static_cast<int>(body.size())))
        throw OtlpDecodeError("the body is not a valid protobuf " + std::string(Message::descriptor()->name()));
    return m;
}

OtlpLogs logs_from_pb(std::string_view body) {
    const auto req = parse_pb<pb::ExportLogsServiceRequest>(body);
    OtlpLogs out;
    out.resources.reserve(static_cast<std::size_t>(req.resource_logs_size()));
    for (const pb::ResourceLogs& rl : req.resource_logs()) {
        OtlpResourceLogs r;
        r.resource = from_pb(rl.resource().attributes());
        for (const pb::ScopeLogs& sl : rl.scope_logs())
            for (const pb::LogRecord& lr : sl.log_records()) {
                OtlpLogRecord rec;
                rec.time_unix_nano = lr.time_unix_nano();
                rec.observed_time_unix_nano = lr.observed_time_unix_nano();
                rec.event_name = pb_text(lr.event_name());
                rec.body = from_pb(lr.body());
                rec.attributes = from_pb(lr.attributes());
                r.records.push_back(std::move(rec));
            }
        out.resources.push_back(std::move(r));
    }
    return out;
}

std::size_t pb_points(const pb::Metric& m) {
    switch (m.data_case()) {
        case pb::Metric::kGauge: return static_cast<std::size_t>(m.gauge().data_points_size());
        case pb::Metric::kSum: return static_cast<std::size_t>(m.sum().data_points_size());
        case pb::Metric::kHistogram: return static_cast<std::size_t>(m.histogram().data_points_size());
        case pb::Metric::kExponentialHistogram: return static_cast<std::size_t>(m.exponential_histogram().data_points_size());
        case pb::Metric::kSummary: return static_cast<std::size_t>(m.summary().data_points_size());
        case pb::Metric::DATA_NOT_SET: return 0;
    }
    return 0;
}

OtlpCounted metrics_from_pb(std::string_view body) {
    const auto req = parse_pb<pb::ExportMetricsServiceRequest>(body);
    OtlpCounted out;
    for (const pb::ResourceMetrics& rm : req.resource_metrics())
        for (const pb::ScopeMetrics& sm : rm.scope_metrics())
            for (const pb::Metric& m : sm.metrics()) {
                const std::size_t n = pb_points(m);
                out.items += n;
                out.names[pb_text(m.name())] += n;
            }
    return out;
}

OtlpCounted traces_from_pb(std::string_view body) {
    const auto req = parse_pb<pb::ExportTraceServiceRequest>(body);
    OtlpCounted out;
    for (const pb::ResourceSpans& rs : req.resource_spans())
        for (const pb::ScopeSpans& ss : rs.scope_spans())
            for (const pb::Span& s : ss.spans()) {
                ++out.items;
                ++out.names[pb_text(s.name())];
            }
    return out;
}

// ---- JSON ----------------------------------------------------------------------------------------

// Where in the document a value is, for the 400's message. Built only when something fails: a request
// of thousands of records would otherwise allocate a path string for every attribute.
struct Path {
    const Path* parent = nullptr;
    std::string_view name;                       // ".scopeLogs", ".value", ...
    std::size_t index = static_cast<std::size_t>(-1);  // [index] after the name, when set

    Path at(std::string_view field) const { return Path{this, field}; }
    Path item(std::string_view field, std::size_t i) const { return Path{this, field, i}; }
    std::string str() const {
        std::string s = parent ? parent->str() : std::string();
        s.append(name);
        if (index != static_cast<std::size_t>(-1)) s.append("[").append(std::to_string(index)).append("]");
        if (!s.empty() && s.front() == '.') s.erase(0, 1);
        return s;
    }
};

[[noreturn]] void fail(const Path& path, std::string_view what) { fail(path.str(), what); }

// The field under its lowerCamelCase name, else its proto name (receivers accept both); null is absent.
const json::value* member(const json::object& o, std::string_view camel, std::string_view snake) {
    const json::value* v = o.if_contains(camel);
    if (!v && snake != camel) v = o.if_contains(snake);
    return v && !v->is_null() ? v : nullptr;
}

const json::object& as_object(const json::value& v, const Path& path) {
    if (!v.is_object()) fail(path, "not an object");
    return v.as_object();
}

// `camel` is the field's name with its leading dot (".resourceLogs"), `snake` without.
const json::array* array_member(const json::object& o, std::string_view camel, std::string_view snake, const Path& path) {
    const json::value* v = member(o, camel.substr(1), snake);
    if (!v) return nullptr;
    if (!v->is_array()) fail(path.at(camel), "not an array");
    return &v->as_array();
}

std::string string_member(const json::object& o, std::string_view camel, std::string_view snake, const Path& path) {
    const json::value* v = member(o, camel.substr(1), snake);
    if (!v) return {};
    if (!v->is_string()) fail(path.at(camel), "not a string");
    return std::string(v->as_string());
}

// A 64-bit integer: a JSON number without a fraction, or a string of decimal digits.
template <class Int>
Int integer_value(const json::value& v, const Path& path) {
    if (v.is_int64()) {
        const std::int64_t i = v.as_int64();
        if constexpr (std::is_unsigned_v<Int>) {
            if (i < 0) fail(path, "a negative number where an unsigned one is expected");
        }
        return static_cast<Int>(i);
    }
    if (v.is_uint64()) {
        if constexpr (std::is_signed_v<Int>) {
            if (v.as_uint64() > static_cast<std::uint64_t>(INT64_MAX)) fail(path, "out of range");
        }
        return static_cast<Int>(v.as_uint64());
    }
    if (v.is_double()) {
        const double d = v.as_double();
        if (d == std::floor(d) && std::fabs(d) < 9e18 && !(std::is_unsigned_v<Int> && d < 0)) return static_cast<Int>(d);
        fail(path, "not an integer");
    }
    if (v.is_string()) {
        const std::string_view s = v.as_string();
        Int out{};
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec != std::errc() || end != s.data() + s.size() || s.empty()) fail(path, "not an integer");
        return out;
    }
    fail(path, "not an integer");
}

template <class Int>
Int integer_member(const json::object& o, std::string_view camel, std::string_view snake, const Path& path) {
    const json::value* v = member(o, camel.substr(1), snake);
    return v ? integer_value<Int>(*v, path.at(camel)) : Int{};
}

// An AnyValue in the JSON mapping: {"stringValue": ...} and so on; {} is an empty value.
json::value json_any_plain(const json::value& v, const Path& path, int depth);

OtlpValue json_any(const json::value& v, const Path& path) {
    const json::object& o = as_object(v, path);
    OtlpValue out;
    if (const json::value* s = member(o, "stringValue", "string_value")) {
        if (!s->is_string()) fail(path.at(".stringValue"), "not a string");
        out.kind = OtlpValue::Kind::String, out.text = std::string(s->as_string());
    } else if (const json::value* b = member(o, "boolValue", "bool_value")) {
        if (!b->is_bool()) fail(path.at(".boolValue"), "not a boolean");
        out.kind = OtlpValue::Kind::Bool, out.b = b->as_bool();
    } else if (const json::value* i = member(o, "intValue", "int_value")) {
        out.kind = OtlpValue::Kind::Int, out.i = integer_value<std::int64_t>(*i, path.at(".intValue"));
    } else if (const json::value* d = member(o, "doubleValue", "double_value")) {
        out.kind = OtlpValue::Kind::Double;
        if (d->is_number()) {
            out.d = d->to_number<double>();
        } else if (d->is_string() && (d->as_string() == "NaN" || d->as_string() == "Infinity" || d->as_string() == "-Infinity")) {
            out.d = d->as_string() == "NaN" ? NAN : d->as_string() == "Infinity" ? INFINITY : -INFINITY;
        } else {
            fail(path.at(".doubleValue"), "not a number");
        }
    } else if (member(o, "arrayValue", "array_value")) {
        out.kind = OtlpValue::Kind::Array, out.text = json::serialize(json_any_plain(v, path, 0));
    } else if (member(o, "kvlistValue", "kvlist_value")) {
        out.kind = OtlpValue::Kind::Map, out.text = json::serialize(json_any_plain(v, path, 0));
    } else if (const json::value* by = member(o, "bytesValue", "bytes_value")) {
        if (!by->is_string()) fail(path.at(".bytesValue"), "not a string");
        out.kind = OtlpValue::Kind::Bytes, out.text = std::string(by->as_string());
    }
    return out;
}

// The plain JSON of an AnyValue (for arrays and maps, kept as text).
json::value json_any_plain(const json::value& v, const Path& path, int depth) {
    if (depth > 16) fail(path, "values nested too deeply");
    const json::object& o = as_object(v, path);
    if (const json::value* a = member(o, "arrayValue", "array_value")) {
        const Path ap = path.at(".arrayValue");
        const json::object& ao = as_object(*a, ap);
        json::array out;
        if (const json::array* vals = array_member(ao, ".values", "values", ap))
            for (std::size_t k = 0; k < vals->size(); ++k)
                out.push_back(json_any_plain((*vals)[k], ap.item(".values", k), depth + 1));
        return out;
    }
    if (const json::value* m = member(o, "kvlistValue", "kvlist_value")) {
        const Path mp = path.at(".kvlistValue");
        const json::object& mo = as_object(*m, mp);
        json::object out;
        if (const json::array* vals = array_member(mo, ".values", "values", mp))
            for (std::size_t k = 0; k < vals->size(); ++k) {
                const Path p = mp.item(".values", k);
                const json::object& kv = as_object((*vals)[k], p);
                const std::string key = string_member(kv, ".key", "key", p);
                const json::value* val = member(kv, "value", "value");
                out[key] = val ? json_any_plain(*val, p.at(".value"), depth + 1) : json::value(nullptr);
            }
        return out;
    }
    const OtlpValue s = json_any(v, path);
    switch (s.kind) {
        case OtlpValue::Kind::String:
        case OtlpValue::Kind::Bytes: return json::value(s.text);
        case OtlpValue::Kind::Int: return json::value(s.i);
        case OtlpValue::Kind::Double: return std::isfinite(s.d) ? json::value(s.d) : json::value(nullptr);
        case OtlpValue::Kind::Bool: return json::value(s.b);
        case OtlpValue::Kind::Empty:
        case OtlpValue::Kind::Array:
        case OtlpValue::Kind::Map: return json::value(nullptr);
    }
    return json::value(nullptr);
}

OtlpAttributes json_attributes(const json::object& o, const Path& path) {
    OtlpAttributes a;
    const json::array* arr = array_member(o, ".attributes", "attributes", path);
    if (!arr) return a;
    a.items.reserve(arr->size());
    for (std::size_t k = 0; k < arr->size(); ++k) {
        const Path p = path.item(".attributes", k);
        const json::object& kv = as_object((*arr)[k], p);
        std::string key = string_member(kv, ".key", "key", p);
        const json::value* val = member(kv, "value", "value");
        a.items.emplace_back(std::move(key), val ? json_any(*val, p.at(".value")) : OtlpValue{});
    }
    return a;
}

// The document lives in `mr` (one arena per request: a DOM of thousands of records is many small nodes).
json::value parse_json(std::string_view body, json::storage_ptr mr) {
    boost::system::error_code ec;
    json::parse_options opt;
    opt.max_depth = 64;
    json::value v = json::parse(body, ec, std::move(mr), opt);
    if (ec) throw OtlpDecodeError("the body is not valid JSON: " + ec.message());
    if (!v.is_object()) throw OtlpDecodeError("the body is not a JSON object");
    return v;
}

// The resource's attributes ({"resource": {"attributes": [...]}}).
OtlpAttributes json_resource(const json::object& o, const Path& path) {
    const json::value* r = member(o, "resource", "resource");
    if (!r) return {};
    const Path rp = path.at(".resource");
    return json_attributes(as_object(*r, rp), rp);
}

OtlpLogs logs_from_json(std::string_view body) {
    json::monotonic_resource mr;
    const json::value doc = parse_json(body, &mr);
    OtlpLogs out;
    const Path root;
    const json::array* rls = array_member(doc.as_object(), ".resourceLogs", "resource_logs", root);
    if (!rls) return out;
    out.resources.reserve(rls->size());
    for (std::size_t i = 0; i < rls->size(); ++i) {
        const Path rp = root.item(".resourceLogs", i);
        const json::object& rl = as_object((*rls)[i], rp);
        OtlpResourceLogs r;
        r.resource = json_resource(rl, rp);
        if (const json::array* sls = array_member(rl, ".scopeLogs", "scope_logs", rp))
            for (std::size_t j = 0; j < sls->size(); ++j) {
                const Path sp = rp.item(".scopeLogs", j);
                const json::object& sl = as_object((*sls)[j], sp);
                const json::array* lrs = array_member(sl, ".logRecords", "log_records", sp);
                if (!lrs) continue;
                r.records.reserve(r.records.size() + lrs->size());
                for (std::size_t k = 0; k < lrs->size(); ++k) {
                    const Path lp = sp.item(".logRecords", k);
                    const json::object& lr = as_object((*lrs)[k], lp);
                    OtlpLogRecord& rec = r.records.emplace_back();
                    rec.time_unix_nano = integer_member<std::uint64_t>(lr, ".timeUnixNano", "time_unix_nano", lp);
                    rec.observed_time_unix_nano =
                        integer_member<std::uint64_t>(lr, ".observedTimeUnixNano", "observed_time_unix_nano", lp);
                    rec.event_name = string_member(lr, ".eventName", "event_name", lp);
                    (void)integer_member<std::int64_t>(lr, ".severityNumber", "severity_number", lp);
                    (void)string_member(lr, ".severityText", "severity_text", lp);
                    (void)string_member(lr, ".traceId", "trace_id", lp);
                    (void)string_member(lr, ".spanId", "span_id", lp);
                    if (const json::value* b = member(lr, "body", "body")) rec.body = json_any(*b, lp.at(".body"));
                    rec.attributes = json_attributes(lr, lp);
                }
            }
        out.resources.push_back(std::move(r));
    }
    return out;
}

OtlpCounted metrics_from_json(std::string_view body) {
    json::monotonic_resource mr;
    const json::value doc = parse_json(body, &mr);
    OtlpCounted out;
    const Path root;
    const json::array* rms = array_member(doc.as_object(), ".resourceMetrics", "resource_metrics", root);
    if (!rms) return out;
    for (std::size_t i = 0; i < rms->size(); ++i) {
        const Path rp = root.item(".resourceMetrics", i);
        const json::object& rm = as_object((*rms)[i], rp);
        (void)json_resource(rm, rp);
        const json::array* sms = array_member(rm, ".scopeMetrics", "scope_metrics", rp);
        if (!sms) continue;
        for (std::size_t j = 0; j < sms->size(); ++j) {
            const Path sp = rp.item(".scopeMetrics", j);
            const json::array* ms = array_member(as_object((*sms)[j], sp), ".metrics", "metrics", sp);
            if (!ms) continue;
            for (std::size_t k = 0; k < ms->size(); ++k) {
                const Path mp = sp.item(".metrics", k);
                const json::object& m = as_object((*ms)[k], mp);
                const std::string name = string_member(m, ".name", "name", mp);
                std::size_t points = 0;
                for (const auto& [camel, snake] : {std::pair{".gauge", "gauge"}, {".sum", "sum"}, {".histogram", "histogram"},
                                                   {".exponentialHistogram", "exponential_histogram"}, {".summary", "summary"}}) {
                    const json::value* d = member(m, std::string_view(camel).substr(1), snake);
                    if (!d) continue;
                    const Path dp = mp.at(camel);
                    if (const json::array* pts = array_member(as_object(*d, dp), ".dataPoints", "data_points", dp)) {
                        for (std::size_t p = 0; p < pts->size(); ++p) (void)as_object((*pts)[p], dp.item(".dataPoints", p));
                        points += pts->size();
                    }
                }
                out.items += points;
                out.names[name] += points;
            }
        }
    }
    return out;
}

OtlpCounted traces_from_json(std::string_view body) {
    json::monotonic_resource mr;
    const json::value doc = parse_json(body, &mr);
    OtlpCounted out;
    const Path root;
    const json::array* rss = array_member(doc.as_object(), ".resourceSpans", "resource_spans", root);
    if (!rss) return out;
    for (std::size_t i = 0; i < rss->size(); ++i) {
        const Path rp = root.item(".resourceSpans", i);
        const json::object& rs = as_object((*rss)[i], rp);
        (void)json_resource(rs, rp);
        const json::array* sss = array_member(rs, ".scopeSpans", "scope_spans", rp);
        if (!sss) continue;
        for (std::size_t j = 0; j < sss->size(); ++j) {
            const Path sp = rp.item(".scopeSpans", j);
            const json::array* spans = array_member(as_object((*sss)[j], sp), ".spans", "spans", sp);
            if (!spans) continue;
            for (std::size_t k = 0; k < spans->size(); ++k) {
                const Path p = sp.item(".spans", k);
                const json::object& s = as_object((*spans)[k], p);
                (void)integer_member<std::uint64_t>(s, ".startTimeUnixNano", "start_time_unix_nano", p);
                (void)integer_member<std::uint64_t>(s, ".endTimeUnixNano", "end_time_unix_nano", p);
                (void)json_attributes(s, p);
                ++out.items;
                ++out.names[string_member(s, ".name", "name", p)];
            }
        }
    }
    return out;
}

}  // namespace

namespace {
void to_pb(const OtlpValue& v, pb::AnyValue& out) {
    switch (v.kind) {
        case OtlpValue::Kind::String: out.set_string_value(v.text); break;
        case OtlpValue::Kind::Int: out.set_int_value(v.i); break;
        case OtlpValue::Kind::Double: out.set_double_value(v.d); break;
        case OtlpValue::Kind::Bool: out.set_bool_value(v.b); break;
        case OtlpValue::Kind::Bytes: out.set_bytes_value(v.text); break;
        case OtlpValue::Kind::Empty:
        case OtlpValue::Kind::Array:
        case OtlpValue::Kind::Map: break;
    }
}
void to_pb(const OtlpAttributes& a, google::protobuf::RepeatedPtrField<pb::KeyValue>& out) {
    for (const auto& [key, value] : a.items) {
        pb::KeyValue* kv = out.Add();
        kv->set_key(key);
        to_pb(value, *kv->mutable_value());
    }
}
}  // namespace

std::string encode_logs(const OtlpLogs& logs) {
    pb::ExportLogsServiceRequest req;
    for (const OtlpResourceLogs& r : logs.resources) {
        pb::ResourceLogs* rl = req.add_resource_logs();
        to_pb(r.resource, *rl->mutable_resource()->mutable_attributes());
        pb::ScopeLogs* sl = rl->add_scope_logs();
        sl->mutable_scope()->set_name("agentpulse");
        sl->mutable_scope()->set_version(AGENTPULSE_VERSION);
        for (const OtlpLogRecord& rec : r.records) {
            pb::LogRecord* lr = sl->add_log_records();
            lr->set_time_unix_nano(rec.time_unix_nano);
            lr->set_observed_time_unix_nano(rec.observed_time_unix_nano);
            if (!rec.event_name.empty()) lr->set_event_name(rec.event_name);
            if (rec.body.kind != OtlpValue::Kind::Empty) to_pb(rec.body, *lr->mutable_body());
            to_pb(rec.attributes, *lr->mutable_attributes());
        }
    }
    std::string out;
    req.SerializeToString(&out);
    return out;
}

std::pair<std::int64_t, std::string> logs_response_rejected(std::string_view body) {
    pb::ExportLogsServiceResponse r;
    if (body.empty() || !r.ParseFromArray(body.data(), static_cast<int>(body.size()))) return {0, {}};
    return {r.partial_success().rejected_log_records(), pb_text(r.partial_success().error_message())};
}

OtlpLogs decode_logs(std::string_view body, OtlpEncoding enc) {
    switch (enc) {
        case OtlpEncoding::Protobuf: return logs_from_pb(body);
        case OtlpEncoding::Json: return logs_from_json(body);
    }
    return {};
}

OtlpCounted decode_metrics(std::string_view body, OtlpEncoding enc) {
    switch (enc) {
        case OtlpEncoding::Protobuf: return metrics_from_pb(body);
        case OtlpEncoding::Json: return metrics_from_json(body);
    }
    return {};
}

OtlpCounted decode_traces(std::string_view body, OtlpEncoding enc) {
    switch (enc) {
        case OtlpEncoding::Protobuf: return traces_from_pb(body);
        case OtlpEncoding::Json: return traces_from_json(body);
    }
    return {};
}

namespace {
template <class Response>
std::string pb_response(std::int64_t rejected, std::string_view message) {
    Response r;
    if (rejected > 0 || !message.empty()) {
        auto* p = r.mutable_partial_success();
        if constexpr (std::is_same_v<Response, pb::ExportLogsServiceResponse>) p->set_rejected_log_records(rejected);
        if constexpr (std::is_same_v<Response, pb::ExportMetricsServiceResponse>) p->set_rejected_data_points(rejected);
        if constexpr (std::is_same_v<Response, pb::ExportTraceServiceResponse>) p->set_rejected_spans(rejected);
        p->set_error_message(std::string(message));
    }
    return r.SerializeAsString();
}
}  // namespace

std::string otlp_response(OtlpSignal s, OtlpEncoding enc, std::int64_t rejected, std::string_view message) {
    switch (enc) {
        case OtlpEncoding::Protobuf:
            switch (s) {
                case OtlpSignal::Logs: return pb_response<pb::ExportLogsServiceResponse>(rejected, message);
                case OtlpSignal::Metrics: return pb_response<pb::ExportMetricsServiceResponse>(rejected, message);
                case OtlpSignal::Traces: return pb_response<pb::ExportTraceServiceResponse>(rejected, message);
            }
            break;
        case OtlpEncoding::Json: {
            if (rejected <= 0 && message.empty()) return "{}";
            const char* key = "rejectedLogRecords";
            switch (s) {
                case OtlpSignal::Logs: key = "rejectedLogRecords"; break;
                case OtlpSignal::Metrics: key = "rejectedDataPoints"; break;
                case OtlpSignal::Traces: key = "rejectedSpans"; break;
            }
            json::object partial;
            partial[key] = std::to_string(rejected);
            partial["errorMessage"] = message;
            json::object o;
            o["partialSuccess"] = std::move(partial);
            return json::serialize(o);
        }
    }
    return {};
}

std::string otlp_status(OtlpEncoding enc, int code, std::string_view message) {
    switch (enc) {
        case OtlpEncoding::Protobuf: {
            pb::Status st;
            st.set_code(code);
            st.set_message(std::string(message));
            return st.SerializeAsString();
        }
        case OtlpEncoding::Json: {
            json::object o;
            o["code"] = code;
            o["message"] = message;
            return json::serialize(o);
        }
    }
    return {};
}

GunzipResult otlp_gunzip(std::string_view in, std::size_t max_out, std::string& out, std::string& error) {
    out.clear();
    z_stream z{};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        error = "cannot start gzip decoding";
        return GunzipResult::Invalid;
    }
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    char chunk[64 * 1024];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            error = rc == Z_BUF_ERROR ? "the gzip body is truncated" : std::string("the body is not valid gzip") +
                                                                         (z.msg ? std::string(" (") + z.msg + ")" : "");
            inflateEnd(&z);
            return GunzipResult::Invalid;
        }
        const std::size_t got = sizeof chunk - z.avail_out;
        if (out.size() + got > max_out) {
            error = "the body inflates past " + std::to_string(max_out) + " bytes";
            inflateEnd(&z);
            return GunzipResult::TooLarge;
        }
        out.append(chunk, got);
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            error = "the gzip body is truncated";
            inflateEnd(&z);
            return GunzipResult::Invalid;
        }
    }
    inflateEnd(&z);
    return GunzipResult::Ok;
}

}  // namespace agentpulse
