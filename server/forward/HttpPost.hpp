// One blocking HTTP/1.1 POST over a plain TCP connection (the forwarder's only need: http:// OTLP endpoints;
// put a Collector in between for TLS). Bounded in time (connect, send and receive timeouts) and in the
// answer's size. No Asio: the forwarder is one thread of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentpulse {

struct HttpUrl {
    std::string host;
    std::string port = "80";
    std::string path = "/";
};
// "http://host[:port][/path]"; nullopt when it is not one.
std::optional<HttpUrl> parse_http_url(std::string_view url);

struct HttpAnswer {
    int status = 0;              // 0: no answer (connection refused, timeout, malformed answer)
    std::string error;           // why, when status is 0
    std::optional<int> retry_after_s;  // Retry-After in seconds, when given
    std::string body;
};

HttpAnswer http_post(const HttpUrl& url, std::string_view content_type, std::string_view body,
                     std::string_view bearer_token, std::chrono::milliseconds timeout);

}  // namespace agentpulse
