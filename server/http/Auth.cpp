// See Auth.hpp.
#include "http/Auth.hpp"

#include <algorithm>

namespace agentpulse {

bool token_matches(std::string_view given, std::string_view expected) {
    unsigned diff = static_cast<unsigned>(given.size() ^ expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        diff |= static_cast<unsigned char>(expected[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
    return diff == 0;
}

bool authorized(const HttpRequest& req, const std::string& token) {
    if (token.empty()) return true;
    // The scheme is case-insensitive (RFC 7235): "Bearer", "bearer" and "BEARER" all work.
    constexpr std::string_view kBearer = "bearer ";
    const std::string_view a = req.authorization;
    const bool bearer = a.size() > kBearer.size() &&
                        std::equal(kBearer.begin(), kBearer.end(), a.begin(), [](char k, char c) {
                            return k == (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
                        });
    if (bearer && token_matches(a.substr(kBearer.size()), token)) return true;
    std::string_view cookies = req.cookie;
    while (!cookies.empty()) {
        const auto semi = cookies.find(';');
        std::string_view c = cookies.substr(0, semi);
        cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
        while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
        constexpr std::string_view kName = "agentpulse_token=";
        if (!c.starts_with(kName)) continue;
        // The dashboard stores the token with encodeURIComponent: compare it decoded (and as sent, for a
        // cookie set by hand).
        const std::string_view value = c.substr(kName.size());
        std::string decoded;
        if (token_matches(value, token) || (percent_decode(value, decoded) && token_matches(decoded, token)))
            return true;
    }
    if (auto it = req.query.find("token"); it != req.query.end() && token_matches(it->second, token)) return true;
    return false;
}

bool host_allowed_without_token(std::string_view host) {
    if (host.empty()) return true;
    if (host.front() == '[') return host.find(']') != std::string_view::npos;  // an IPv6 literal
    if (const auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.empty()) return false;
    std::string h(host);
    for (char& c : h) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (h == "localhost" || h.ends_with(".localhost")) return true;
    if (h.find('.') == std::string::npos) return true;  // single label: not something public DNS resolves
    return std::all_of(h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });  // IPv4
}

bool private_text_allowed(const HttpRequest& req, const std::string& token) { return !token.empty() || req.peer_loopback; }

HttpResponse private_text_refusal() {
    return HttpResponse::error(403, "transcript text is only served to this machine unless the server has a --token "
                                    "(docs/privacy.md)");
}

}  // namespace agentpulse
