// One HTTP(S) POST of a notification (Boost.Beast client; https through Asio SSL, verifying the peer
// against the system's CA store and its host name). A whole attempt (resolve, connect, TLS, request,
// response) is bounded by `timeout`: a receiver that hangs is a failed attempt, not a stuck worker.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/AlertRules.hpp"

namespace agentpulse {

struct PostResult {
    std::optional<int> status;  // the HTTP status, when a response came
    std::string error;          // empty when a 2xx came
    bool ok() const { return status && *status >= 200 && *status < 300; }
    bool gone() const { return status && *status == 410; }
};

struct WebhookRequest {
    UrlParts url;
    OutgoingBody body;
    std::vector<std::pair<std::string, std::string>> headers;  // added to the body's own
};

// A client TLS context: TLS 1.2+, peer verification with the system's CA store, plus the certificates of
// `extra_ca_file` when given (a self-hosted receiver with a private CA). Throws when that file is unreadable.
boost::asio::ssl::context make_client_tls(const std::string& extra_ca_file = "");

// Set by post_webhook while it runs: calling it (on the same executor) ends the attempt at once (shutdown).
struct AbortHook {
    std::function<void()> abort;
};

boost::asio::awaitable<PostResult> post_webhook(boost::asio::any_io_executor ex,
                                                boost::asio::ssl::context& tls, WebhookRequest req,
                                                std::chrono::milliseconds timeout, AbortHook* hook = nullptr);

// HMAC-SHA256 of `body` with `secret`, as lowercase hex (the X-Agentpulse-Signature header, "sha256=<hex>").
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);

}  // namespace agentpulse
