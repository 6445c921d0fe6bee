// See OtlpReceiver.hpp. The answers follow the OTLP/HTTP specification: 200 with an Export*ServiceResponse
// (partial_success when some records were rejected) in the request's encoding; 400 with a Status for a
// body that does not decode (nothing of it is stored); 415 for another media type or content encoding;
// 413 past the size limits; 429 (the inbox is full) and 503 (the store did not commit) with Retry-After,
// which exporters retry.
#include "http/Router.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

#include "http/Auth.hpp"
#include "http/Metrics.hpp"
#include "otlp/OtlpMapping.hpp"

namespace agentpulse {

void OtlpCounters::count_dropped(const std::map<std::string, std::int64_t>& by_name) {
    if (by_name.empty()) return;
    std::lock_guard lock(mu_);
    for (const auto& [name, n] : by_name) {
        auto it = dropped_.find(name);
        if (it == dropped_.end() && dropped_.size() >= kMaxNames) it = dropped_.try_emplace("(other)", 0).first;
        if (it == dropped_.end()) it = dropped_.emplace(name, 0).first;
        it->second += static_cast<std::uint64_t>(n);
    }
}

std::map<std::string, std::uint64_t> OtlpCounters::dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
}

namespace {

void counter(std::ostringstream& o, const char* name, const char* help, std::uint64_t v) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << v << '\n';
}

std::string lower_media_type(std::string_view v) {
    v = v.substr(0, v.find(';'));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    std::string out(v);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

HttpResponse with_body(int status, OtlpEncoding enc, std::string body) {
    HttpResponse r;
    r.status = status;
    r.content_type = enc == OtlpEncoding::Json ? "application/json" : "application/x-protobuf";
    r.body = std::move(body);
    return r;
}

// A refusal in the request's encoding (google.rpc.Status); gRPC codes: 3 invalid argument, 8 resource
// exhausted, 14 unavailable.
HttpResponse refusal(int status, OtlpEncoding enc, int code, std::string_view message, int retry_after_s = 0) {
    HttpResponse r = with_body(status, enc, otlp_status(enc, code, message));
    if (retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
}

}  // namespace

std::string otlp_metrics(const OtlpCounters& c) {
    std::ostringstream o;
    o << "# HELP agentpulse_otlp_requests_total OTLP export requests accepted, by signal.\n"
         "# TYPE agentpulse_otlp_requests_total counter\n";
    for (const OtlpSignal s : {OtlpSignal::Logs, OtlpSignal::Metrics, OtlpSignal::Traces})
        o << "agentpulse_otlp_requests_total{signal=\"" << otlp_signal_name(s) << "\"} "
          << c.requests[static_cast<std::size_t>(s)].load() << '\n';
    o << "# HELP agentpulse_otlp_items_total Log records, metric data points and spans received.\n"
         "# TYPE agentpulse_otlp_items_total counter\n";
    for (const OtlpSignal s : {OtlpSignal::Logs, OtlpSignal::Metrics, OtlpSignal::Traces})
        o << "agentpulse_otlp_items_total{signal=\"" << otlp_signal_name(s) << "\"} "
          << c.items[static_cast<std::size_t>(s)].load() << '\n';
    o << "# HELP agentpulse_otlp_encoding_requests_total OTLP export requests accepted, by body encoding.\n"
         "# TYPE agentpulse_otlp_encoding_requests_total counter\n"
         "agentpulse_otlp_encoding_requests_total{encoding=\"protobuf\"} " << c.encodings[0].load() << '\n'
      << "agentpulse_otlp_encoding_requests_total{encoding=\"json\"} " << c.encodings[1].load() << '\n';
    counter(o, "agentpulse_otlp_gzip_requests_total", "OTLP export requests accepted with a gzip body.", c.gzip_requests.load());
    counter(o, "agentpulse_otlp_records_mapped_total", "Log records mapped to store records (usage, tool calls).",
            c.records_mapped.load());
    counter(o, "agentpulse_otlp_records_rejected_total",
            "Log records of known events that lacked what they need (answered as partial success).",
            c.records_rejected.load());
    counter(o, "agentpulse_otlp_rows_written_total", "Store rows added or changed by telemetry.", c.rows_written.load());
    o << "# HELP agentpulse_otlp_refused_total OTLP requests refused, by reason.\n"
         "# TYPE agentpulse_otlp_refused_total counter\n";
    const std::pair<const char*, const std::atomic<std::uint64_t>*> refused[] = {
        {"malformed", &c.refused_malformed},       {"too_large", &c.refused_too_large},
        {"media_type", &c.refused_media_type},     {"unauthorized", &c.refused_unauthorized},
        {"busy", &c.refused_busy},                 {"store", &c.refused_store}};
    for (const auto& [reason, v] : refused) o << "agentpulse_otlp_refused_total{reason=\"" << reason << "\"} " << v->load() << '\n';
    o << "# HELP agentpulse_otlp_events_dropped_total Log events not mapped (not understood), by event name.\n"
         "# TYPE agentpulse_otlp_events_dropped_total counter\n";
    for (const auto& [name, n] : c.dropped())
        o << "agentpulse_otlp_events_dropped_total{event=\"" << escape_label(name) << "\"} " << n << '\n';
    return o.str();
}

namespace {

std::optional<OtlpSignal> signal_of(std::string_view path) {
    if (path == "/v1/logs") return OtlpSignal::Logs;
    if (path == "/v1/metrics") return OtlpSignal::Metrics;
    if (path == "/v1/traces") return OtlpSignal::Traces;
    return std::nullopt;
}

std::optional<OtlpEncoding> encoding_of(std::string_view media) {
    if (media == "application/x-protobuf") return OtlpEncoding::Protobuf;
    if (media == "application/json") return OtlpEncoding::Json;
    return std::nullopt;
}

// The request's body as sent, or inflated into `inflated` when gzip. Returns the refusal when it can't.
std::optional<HttpResponse> unpack_body(const HttpRequest& req, const OtlpReceiver& rx, OtlpCounters& n,
                                        OtlpEncoding enc, std::string& inflated, std::string_view& body) {
    body = req.body;
    const std::string coding = lower_media_type(req.content_encoding);
    if (coding == "gzip") {
        std::string error;
        switch (otlp_gunzip(req.body, rx.max_inflated, inflated, error)) {
            case GunzipResult::Ok: break;
            case GunzipResult::Invalid: ++n.refused_malformed; return refusal(400, enc, 3, error);
            case GunzipResult::TooLarge: ++n.refused_too_large; return refusal(413, enc, 8, error);
        }
        body = inflated;
    } else if (!coding.empty() && coding != "identity") {
        ++n.refused_media_type;
        return HttpResponse::error(415, "unsupported Content-Encoding '" + req.content_encoding.substr(0, 100) +
                                            "': send gzip or none");
    }
    return std::nullopt;
}

// A well-formed export request's body: metrics and traces are counted and dropped; logs are mapped to
// store records, answered at once when none map, else handed to the writer (an OtlpWrite).
Route accept_export(OtlpSignal signal, OtlpEncoding enc, bool gzip, std::string_view body, OtlpCounters& n) {
    const std::size_t slot = static_cast<std::size_t>(signal);
    // Counted once the body decoded (the requests_total counters).
    const auto accepted = [&] {
        ++n.requests[slot];
        ++n.encodings[static_cast<std::size_t>(enc)];
        if (gzip) ++n.gzip_requests;
    };
    try {
        switch (signal) {
            case OtlpSignal::Metrics:
            case OtlpSignal::Traces: {
                const OtlpCounted c = signal == OtlpSignal::Metrics ? decode_metrics(body, enc) : decode_traces(body, enc);
                accepted();
                n.items[slot] += c.items;
                return with_body(200, enc, otlp_response(signal, enc, 0, {}));
            }
            case OtlpSignal::Logs: break;
        }
        const OtlpLogs logs = decode_logs(body, enc);
        MappedLogs mapped = map_logs(logs);
        accepted();
        n.items[slot] += logs.records();
        n.records_rejected += static_cast<std::uint64_t>(mapped.rejected);
        n.count_dropped(mapped.dropped);
        if (mapped.records.empty())
            return with_body(200, enc, otlp_response(signal, enc, mapped.rejected, mapped.reject_message));
        OtlpWrite w;
        w.signal = signal;
        w.encoding = enc;
        w.rejected = mapped.rejected;
        w.message = std::move(mapped.reject_message);
        w.job.records = mapped.records.size();
        n.records_mapped += mapped.records.size();
        w.job.batches = telemetry_batches(std::move(mapped.records));
        return w;
    } catch (const OtlpDecodeError& e) {
        ++n.refused_malformed;
        return refusal(400, enc, 3, e.what());
    }
}

}  // namespace

Route route_otlp(HttpRequest& req, ServerContext& ctx) {
    OtlpReceiver& rx = *ctx.otlp;
    OtlpCounters& n = rx.counters;
    const std::optional<OtlpSignal> signal = signal_of(req.path);
    if (!signal)
        return HttpResponse::error(404, "no such OTLP route: " + req.path.substr(0, 200) +
                                            " (this port answers POST /v1/logs, /v1/metrics and /v1/traces)");
    if (req.method != "POST") {
        HttpResponse r = HttpResponse::error(405, "method not allowed: OTLP exports are POSTed");
        r.headers.emplace_back("Allow", "POST");
        return r;
    }
    if (!authorized(req, ctx.token)) {
        ++n.refused_unauthorized;
        HttpResponse r = HttpResponse::error(401, "missing or wrong token (Authorization: Bearer <token>)");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"agentpulse\"");
        return r;
    }
    const std::optional<OtlpEncoding> enc = encoding_of(lower_media_type(req.content_type));
    if (!enc) {
        ++n.refused_media_type;
        return HttpResponse::error(415, "unsupported Content-Type '" + req.content_type.substr(0, 100) +
                                            "': send application/x-protobuf or application/json");
    }
    std::string inflated;
    std::string_view body;
    if (std::optional<HttpResponse> refused = unpack_body(req, rx, n, *enc, inflated, body)) return std::move(*refused);
    return accept_export(*signal, *enc, lower_media_type(req.content_encoding) == "gzip", body, n);
}

HttpResponse otlp_busy_answer(const OtlpWrite& w, bool closed, OtlpCounters& counters) {
    ++counters.refused_busy;
    if (closed) return refusal(503, w.encoding, 14, "the store writer is not running (shutting down or failed); retry later", 5);
    return refusal(429, w.encoding, 8, "too many telemetry records waiting for the store; retry shortly", 1);
}

HttpResponse otlp_write_answer(const OtlpWrite& w, const InboxOutcome* outcome, OtlpCounters& counters) {
    if (!outcome) {
        ++counters.refused_store;
        return refusal(503, w.encoding, 14, "the store did not confirm the write in time; retry (a repeated export adds nothing)", 5);
    }
    if (!outcome->stored) {
        ++counters.refused_store;
        return refusal(503, w.encoding, 14, "the store refused the write (" + outcome->error.substr(0, 300) + "); retry", 2);
    }
    counters.rows_written += static_cast<std::uint64_t>(outcome->rows.rows());
    return with_body(200, w.encoding, otlp_response(w.signal, w.encoding, w.rejected, w.message));
}

}  // namespace agentpulse
