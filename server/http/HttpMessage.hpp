// Transport-free request and response: what the router, the static file server and the API handlers
// see. Only HttpServer.cpp knows Beast; everything else is plain C++ and tests without sockets.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentpulse {

struct HttpRequest {
    std::string method;  // "GET", "HEAD", ...
    std::string target;  // as sent: path + query
    std::string path;    // percent-encoded path, without the query
    std::map<std::string, std::string> query;  // decoded parameters (last one wins)
    std::string authorization, cookie, last_event_id;
    std::string host;  // the Host header, as sent
    std::string content_type, content_encoding;  // as sent
    std::string body;  // the request's body (only the OTLP receiver reads one)
    unsigned version = 11;  // 10 or 11
    // The client connected from a loopback address (127.0.0.0/8, ::1): set by HttpServer from the socket;
    // false until told (transcript text is refused to a request that does not say where it came from).
    bool peer_loopback = false;

    std::string param(const std::string& key, const std::string& fallback = {}) const {
        auto it = query.find(key);
        return it == query.end() ? fallback : it->second;
    }
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static HttpResponse json(std::string body, int status = 200);
    // {"error": {"status": ..., "message": ...}}
    static HttpResponse error(int status, std::string_view message);
};

// Splits "path?query" and decodes the query (percent escapes, '+' as space). False when malformed.
bool parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);
// Percent-decodes; false on a bad escape or a decoded NUL.
bool percent_decode(std::string_view in, std::string& out, bool plus_as_space = false);

}  // namespace agentpulse
