// See HttpMessage.hpp.
#include "http/HttpMessage.hpp"

#include <boost/json.hpp>

namespace agentpulse {

HttpResponse HttpResponse::json(std::string body, int status) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

HttpResponse HttpResponse::error(int status, std::string_view message) {
    boost::json::object e;
    e["status"] = status;
    e["message"] = message;
    boost::json::object o;
    o["error"] = std::move(e);
    return json(boost::json::serialize(o), status);
}

namespace {
int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

bool percent_decode(std::string_view in, std::string& out, bool plus_as_space) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return false;
            const int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            const char d = static_cast<char>(hi * 16 + lo);
            if (d == '\0') return false;
            out.push_back(d);
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out.push_back(' ');
        } else if (c == '\0') {
            return false;
        } else {
            out.push_back(c);
        }
    }
    return true;
}

bool parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
    query.clear();
    if (target.empty() || target.front() != '/') return false;
    const auto q = target.find('?');
    path = std::string(target.substr(0, q));
    if (q == std::string_view::npos) return true;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        std::string k, v;
        if (!percent_decode(pair.substr(0, eq), k, true)) return false;
        if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), v, true)) return false;
        query[k] = v;
    }
    return true;
}

}  // namespace agentpulse
