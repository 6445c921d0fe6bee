// See StaticFiles.hpp. Traversal defence in depth: decoded segments "." / ".." and backslashes are
// refused outright, and the resolved file must still lie under the canonical root (symlinks included).
#include "http/StaticFiles.hpp"

#include "core/Utf8.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFile = 32u << 20;

constexpr const char* kNotBuilt = R"(<!doctype html><html><head><meta charset="utf-8"><title>agentpulse</title></head>
<body style="font-family:system-ui;max-width:40em;margin:3em auto">
<h1>agentpulse</h1>
<p>The server is running, but the dashboard has not been built into this installation.
Build it with <code>scripts/build.sh</code> (needs Node.js) or point <code>--static-dir</code> at a built
<code>frontend/dist</code>.</p>
<p>The live API is up: <a href="/api/live/stats">/api/live/stats</a>, <code>/api/live/stream</code>
(Server-Sent Events), <a href="/metrics">/metrics</a>, <a href="/healthz">/healthz</a>.</p>
</body></html>
)";

bool read_file(const fs::path& p, std::string& out) {
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    if (ec || size > kMaxFile) return false;
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    out.resize(size);
    in.read(out.data(), static_cast<std::streamsize>(size));
    return static_cast<std::uintmax_t>(in.gcount()) == size;
}

}  // namespace

StaticFiles::StaticFiles(fs::path root) {
    std::error_code ec;
    root_ = fs::weakly_canonical(root, ec);
    if (ec) root_ = std::move(root);
    available_ = fs::is_regular_file(root_ / "index.html", ec);
}

std::string_view StaticFiles::mime_type(std::string_view ext) {
    static const std::pair<std::string_view, std::string_view> types[] = {
        {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},          {".map", "application/json"},
        {".svg", "image/svg+xml"},              {".png", "image/png"},
        {".jpg", "image/jpeg"},                 {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},                  {".webp", "image/webp"},
        {".ico", "image/x-icon"},               {".woff", "font/woff"},
        {".woff2", "font/woff2"},               {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},  {".webmanifest", "application/manifest+json"},
        {".wasm", "application/wasm"},
    };
    for (const auto& [e, t] : types)
        if (e == ext) return t;
    return "application/octet-stream";
}

// One piece on purpose: each step narrows what may be served (method, path, containment, file, cache).
HttpResponse StaticFiles::serve(const HttpRequest& req) const {
    // Encoded separators (%2f, %5c) are how traversal hides from a check on the raw path; no file of the
    // dashboard needs one.
    for (std::size_t p = req.path.find('%'); p != std::string::npos; p = req.path.find('%', p + 1)) {
        if (p + 2 >= req.path.size()) break;
        const char a = req.path[p + 1], b = static_cast<char>(req.path[p + 2] | 0x20);
        if ((a == '2' && b == 'f') || (a == '5' && b == 'c'))
            return HttpResponse::error(400, "encoded slashes and backslashes are not allowed in paths");
    }
    std::string decoded;
    if (!percent_decode(req.path, decoded)) return HttpResponse::error(400, "malformed path");
    if (decoded.find('\\') != std::string::npos) return HttpResponse::error(400, "backslashes are not allowed in paths");
    // A '%' left after decoding means the path was encoded twice (%252e): refused rather than guessed at.
    if (decoded.find('%') != std::string::npos) return HttpResponse::error(400, "double-encoded paths are not allowed");
    for (const char c : decoded)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return HttpResponse::error(400, "control characters are not allowed in paths");
    // Overlong forms (%c0%ae is a '.' to a lax decoder) and other invalid UTF-8.
    if (!is_valid_utf8(decoded)) return HttpResponse::error(400, "paths must be valid UTF-8");
    std::string rel, first_segment;
    bool last_has_dot = false;
    std::size_t pos = 0;
    while (pos <= decoded.size()) {
        const auto slash = decoded.find('/', pos);
        const std::string seg = decoded.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
        pos = slash == std::string::npos ? decoded.size() + 1 : slash + 1;
        if (seg.empty()) continue;
        if (seg == "." || seg == "..") return HttpResponse::error(400, "dot segments are not allowed in paths");
        if (rel.empty()) first_segment = seg;
        else rel += '/';
        rel += seg;
        last_has_dot = seg.find('.') != std::string::npos;
    }

    HttpResponse r;
    auto index = [&]() {
        r.status = 200;
        r.content_type = "text/html; charset=utf-8";
        r.headers.emplace_back("Cache-Control", "no-cache");
        if (!available_ || !read_file(root_ / "index.html", r.body)) r.body = kNotBuilt;
        return r;
    };
    if (rel.empty() || rel == "index.html") return index();
    if (available_) {
        std::error_code ec;
        const fs::path candidate = fs::weakly_canonical(root_ / rel, ec);
        const auto [root_end, unused] = std::mismatch(root_.begin(), root_.end(), candidate.begin(), candidate.end());
        (void)unused;
        if (!ec && root_end == root_.end() && fs::is_regular_file(candidate, ec)) {
            if (!read_file(candidate, r.body)) return HttpResponse::error(500, "cannot read file");
            r.content_type = std::string(mime_type(candidate.extension().string()));
            r.headers.emplace_back("Cache-Control", rel.starts_with("assets/") ? "public, max-age=31536000, immutable"
                                                                               : "public, max-age=300");
            return r;
        }
    }
    // The dashboard's client-side routes (frontend/src/routes.ts: /live, /sessions, /sessions/123) get the
    // app; anything else that is not a file of the dashboard is 404 (/etc/passwd, /assets, a symlink out, a
    // missing /sessions/x.js).
    const bool client_route = first_segment == "live" || first_segment == "sessions" || first_segment == "overview";
    if (client_route && !last_has_dot) return index();
    return HttpResponse::error(404, "not found");
}

}  // namespace agentpulse
