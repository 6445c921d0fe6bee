#include "alerts/WebhookClient.hpp"

#include <openssl/hmac.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace agentpulse {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto kToken = net::as_tuple(net::use_awaitable);

http::request<http::string_body> make_request(const WebhookRequest& r) {
    http::request<http::string_body> req{http::verb::post, r.url.target, 11};
    const bool default_port = r.url.port == (r.url.tls ? "443" : "80");
    const bool v6 = r.url.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + r.url.host + "]" : r.url.host;
    req.set(http::field::host, default_port ? host : host + ":" + r.url.port);
    req.set(http::field::user_agent, std::string("agentpulse/") + AGENTPULSE_VERSION);
    req.set(http::field::content_type, r.body.content_type);
    for (const auto& [k, v] : r.body.headers) req.set(k, v);
    for (const auto& [k, v] : r.headers) req.set(k, v);
    req.set(http::field::connection, "close");
    req.body() = r.body.body;
    req.prepare_payload();
    return req;
}

template <class Stream>
net::awaitable<PostResult> exchange(Stream& stream, beast::tcp_stream& tcp_layer, const WebhookRequest& r,
                                    std::chrono::milliseconds timeout) {
    PostResult out;
    auto req = make_request(r);
    tcp_layer.expires_after(timeout);
    auto [wec, wn] = co_await http::async_write(stream, req, kToken);
    if (wec) {
        out.error = "send: " + wec.message();
        co_return out;
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    tcp_layer.expires_after(timeout);
    auto [rec, rn] = co_await http::async_read(stream, buf, parser, kToken);
    if (rec) {
        out.error = rec == beast::error::timeout ? "timed out waiting for the response"
                                                 : "response: " + rec.message();
        co_return out;
    }
    out.status = static_cast<int>(parser.get().result_int());
    if (!out.ok()) {
        std::string body = parser.get().body().substr(0, 200);
        for (char& c : body)
            if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        out.error = "HTTP " + std::to_string(*out.status) + (body.empty() ? "" : ": " + body);
    }
    co_return out;
}

}  // namespace

net::ssl::context make_client_tls(const std::string& extra_ca_file) {
    net::ssl::context ctx(net::ssl::context::tls_client);
    ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                    net::ssl::context::no_tlsv1_1);
    ctx.set_default_verify_paths();
    if (!extra_ca_file.empty()) ctx.load_verify_file(extra_ca_file);
    ctx.set_verify_mode(net::ssl::verify_peer);
    return ctx;
}

namespace {
// Clears the hook when the attempt ends, however it ends.
struct HookReset {
    AbortHook* hook;
    ~HookReset() {
        if (hook) hook->abort = nullptr;
    }
};
}  // namespace

net::awaitable<PostResult> post_webhook(net::any_io_executor ex, net::ssl::context& tls, WebhookRequest req,
                                        std::chrono::milliseconds timeout, AbortHook* hook) {
    PostResult out;
    HookReset reset{hook};
    tcp::resolver resolver(ex);
    if (hook) hook->abort = [&resolver] { resolver.cancel(); };
    // The resolver has no timeout of its own: a timer cancels it.
    net::steady_timer guard(ex);
    guard.expires_after(timeout);
    guard.async_wait([&resolver](const boost::system::error_code& ec) {
        if (!ec) resolver.cancel();
    });
    auto [rec, endpoints] = co_await resolver.async_resolve(req.url.host, req.url.port, kToken);
    guard.cancel();
    if (rec) {
        out.error = "resolve " + req.url.host + ": " + rec.message();
        co_return out;
    }
    if (!req.url.tls) {
        beast::tcp_stream stream(ex);
        if (hook) hook->abort = [&stream] { stream.close(); };
        stream.expires_after(timeout);
        auto [cec, ep] = co_await stream.async_connect(endpoints, kToken);
        if (cec) {
            out.error = "connect: " + cec.message();
            co_return out;
        }
        out = co_await exchange(stream, stream, req, timeout);
        boost::system::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return out;
    }
    beast::ssl_stream<beast::tcp_stream> stream(ex, tls);
    if (hook) hook->abort = [&stream] { beast::get_lowest_layer(stream).close(); };
    if (!SSL_set_tlsext_host_name(stream.native_handle(), req.url.host.c_str())) {
        out.error = "TLS: cannot set the server name";
        co_return out;
    }
    stream.set_verify_callback(net::ssl::host_name_verification(req.url.host));
    beast::get_lowest_layer(stream).expires_after(timeout);
    auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, kToken);
    if (cec) {
        out.error = "connect: " + cec.message();
        co_return out;
    }
    auto [hec] = co_await stream.async_handshake(net::ssl::stream_base::client, kToken);
    if (hec) {
        out.error = "TLS handshake: " + hec.message();
        co_return out;
    }
    out = co_await exchange(stream, beast::get_lowest_layer(stream), req, timeout);
    co_return out;  // no TLS shutdown: Connection: close, and a peer that never answers it would hold us
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 15];
    }
    return out;
}

}  // namespace agentpulse
