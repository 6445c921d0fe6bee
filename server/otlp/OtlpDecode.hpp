// OTLP/HTTP request bodies, decoded: protobuf (application/x-protobuf, through the messages of proto/) or
// JSON (application/json, OTLP's JSON mapping: lowerCamelCase names, snake_case accepted too; 64-bit
// integers as strings or numbers; enums as numbers; trace and span ids as hex), gzip or not. A body that
// does not decode whole throws OtlpDecodeError with a message for the 400 answer: nothing of it is used.
// Fields the specification defines but agentpulse does not read are skipped, as the specification asks.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentpulse {

enum class OtlpSignal { Logs, Metrics, Traces };
enum class OtlpEncoding { Protobuf, Json };

const char* otlp_signal_name(OtlpSignal s);

class OtlpDecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An attribute's value. Arrays and key-value lists are kept as their JSON text (nothing maps them today).
struct OtlpValue {
    enum class Kind { Empty, String, Int, Double, Bool, Bytes, Array, Map };
    Kind kind = Kind::Empty;
    std::string text;  // String; Bytes (raw); Array and Map (as JSON)
    std::int64_t i = 0;
    double d = 0;
    bool b = false;
};

struct OtlpAttributes {
    std::vector<std::pair<std::string, OtlpValue>> items;
    const OtlpValue* find(std::string_view key) const;
};

struct OtlpLogRecord {
    std::uint64_t time_unix_nano = 0;
    std::uint64_t observed_time_unix_nano = 0;
    std::string event_name;  // the LogRecord's event_name field (OTLP 1.5+); often empty
    OtlpValue body;
    OtlpAttributes attributes;
};

// One resource's records (the scopes in between are flattened: nothing maps by scope).
struct OtlpResourceLogs {
    OtlpAttributes resource;
    std::vector<OtlpLogRecord> records;
};

struct OtlpLogs {
    std::vector<OtlpResourceLogs> resources;
    std::size_t records() const;
};

// Metrics and traces are counted, not mapped: how many there were, by name.
struct OtlpCounted {
    std::size_t items = 0;                    // data points (metrics) or spans (traces)
    std::map<std::string, std::size_t> names; // metric or span name -> data points or spans
};

OtlpLogs decode_logs(std::string_view body, OtlpEncoding enc);
// The other way (forwarding, docs/teams.md): an ExportLogsServiceRequest in protobuf, one ResourceLogs per
// resource with one scope ("agentpulse"). Array and map values are not encoded (nothing forwards them).
std::string encode_logs(const OtlpLogs& logs);
// A protobuf ExportLogsServiceResponse's partial success: the records the endpoint rejected and why (0 and
// "" for a full success or a body that is not one).
std::pair<std::int64_t, std::string> logs_response_rejected(std::string_view body);
OtlpCounted decode_metrics(std::string_view body, OtlpEncoding enc);
OtlpCounted decode_traces(std::string_view body, OtlpEncoding enc);

// The Export<Signal>ServiceResponse: empty on full success, else its partial_success (rejected count and
// message), in the request's encoding.
std::string otlp_response(OtlpSignal s, OtlpEncoding enc, std::int64_t rejected, std::string_view message);

// An error answer's body: a google.rpc.Status (code, message) in the request's encoding.
std::string otlp_status(OtlpEncoding enc, int code, std::string_view message);

// Inflates a gzip body into `out`; with `error` set when it is not gzip or is truncated (Invalid), or
// would inflate past `max_out` bytes (TooLarge: a compression bomb is refused before it fills memory).
enum class GunzipResult { Ok, Invalid, TooLarge };
GunzipResult otlp_gunzip(std::string_view in, std::size_t max_out, std::string& out, std::string& error);

}  // namespace agentpulse
