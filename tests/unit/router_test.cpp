// http/Router + http/StaticFiles + http/Auth + http/HttpMessage without sockets: 404 vs 405 vs 401 per
// route with a token, HEAD, the stream's parameters, the SPA fallback, MIME types and caching, and path
// traversal in every encoding against a secret file placed next to the dashboard's root.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "TempDir.hpp"
#include "http/Auth.hpp"
#include "http/Router.hpp"

using namespace agentpulse;
namespace fs = std::filesystem;

namespace {

const std::string kSecret = "TOP-SECRET-CONTENT";

// A dashboard root (dist/) with a secret file and folder beside it, and symlinks pointing out of it.
struct Site {
    test::TempDir tmp;
    fs::path root = tmp / "dist";
    Site() {
        test::write_file(root / "index.html", "<!doctype html><title>app</title>");
        test::write_file(root / "assets" / "index-4f2a9c1b.js", "console.log(1)");
        test::write_file(root / "assets" / "index-77aa.css", "body{}");
        test::write_file(root / "logo.svg", "<svg/>");
        test::write_file(root / "favicon.ico", "ico");
        test::write_file(root / "fonts" / "inter.woff2", "woff2");
        test::write_file(root / "data.json", "{}");
        test::write_file(root / "app.webmanifest", "{}");
        test::write_file(root / "unknown.xyz", "??");
        test::write_file(tmp / "secret.txt", kSecret);
        test::write_file(tmp / "dist-secret" / "secret.txt",
                         kSecret);  // a sibling whose name extends the root's
        fs::create_symlink(tmp / "secret.txt", root / "link.txt");
        fs::create_symlink(tmp / "secret.txt", root / "link");
        fs::create_directory_symlink(tmp / "dist-secret", root / "escape");
    }
};

struct Server {
    boost::asio::io_context io;
    Broadcaster broadcaster{boost::asio::make_strand(io), 16};
    Poller poller{PollerOptions{}, broadcaster};
    ServerContext ctx;
    Server(const fs::path& root, std::string token)
        : ctx{broadcaster, poller, {}, StaticFiles(root), std::move(token)} {}
};

HttpRequest req(std::string method, const std::string& target) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = target;
    BOOST_REQUIRE_MESSAGE(parse_target(target, r.path, r.query), target);
    return r;
}

// The status a route answers with now: 0 for a poller route, 1 for a stream.
int status_of(const Route& r) {
    if (const auto* h = std::get_if<HttpResponse>(&r)) return h->status;
    return std::holds_alternative<PollerRoute>(r) ? 0 : 1;
}

std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router)

BOOST_AUTO_TEST_CASE(statuses_per_route_with_a_token) {
    Site site;
    Server s(site.root, "s3cret");
    struct Case {
        const char* method;
        const char* target;
        bool with_token;
        int status;  // 0: answered on the poller thread (stats, metrics), 1: stream
    };
    const Case cases[] = {
        {"GET", "/healthz", false, 200},
        {"HEAD", "/healthz", false, 200},
        {"GET", "/api/live/stats", false, 401},
        {"GET", "/api/live/stats", true, 0},
        {"HEAD", "/api/live/stats", true, 0},
        {"GET", "/api/live/stream", false, 401},
        {"GET", "/api/live/stream", true, 1},
        {"GET", "/metrics", false, 401},
        {"GET", "/metrics", true, 0},
        {"GET", "/api/nope", false, 401},  // no route probing without the token
        {"GET", "/api/nope", true, 404},
        {"GET", "/api", true, 404},
        {"GET", "/api/", true, 404},
        {"POST", "/api/live/stats", false, 405},
        {"POST", "/api/live/stats", true, 405},
        {"DELETE", "/api/live/stream", true, 405},
        {"PUT", "/", false, 405},
        {"OPTIONS", "/healthz", false, 405},
        {"get", "/healthz", false, 405},
        {"GET", "/", false, 200},
        {"GET", "/live", false, 200},
        {"GET", "/sessions/42", false, 200},
        {"GET", "/apix", false, 404},  // not the API, not a file nor a client route of the dashboard
        {"GET", "/missing.js", false, 404},
    };
    for (const Case& c : cases) {
        HttpRequest r = req(c.method, c.target);
        if (c.with_token) r.authorization = "Bearer s3cret";
        const Route route_result = route(r, s.ctx);
        BOOST_TEST(status_of(route_result) == c.status,
                   c.method << ' ' << c.target << (c.with_token ? " +token" : ""));
        if (const auto* h = std::get_if<HttpResponse>(&route_result)) {
            if (h->status == 405) BOOST_TEST(header(*h, "Allow") == "GET, HEAD");
            if (h->status == 401) BOOST_TEST(header(*h, "WWW-Authenticate").starts_with("Bearer"));
            if (h->status >= 400) BOOST_TEST(h->body.find("\"error\"") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(dns_rebinding_host_names_without_a_token) {
    for (const char* ok : {"", "127.0.0.1", "127.0.0.1:8787", "[::1]:8787", "[::1]", "localhost", "LOCALHOST:80",
                           "localhost.", "app.localhost:5173", "x", "agentpulse:8787", "10.0.0.5:8787"})
        BOOST_TEST(host_allowed_without_token(ok), ok);
    for (const char* bad : {"evil.example.com", "evil.example.com:8787", "127.0.0.1.nip.io", "localhost.evil.com",
                            "1.2.3.4.example", "a.b", ":8787", ".", "evil.com."})
        BOOST_TEST(!host_allowed_without_token(bad), bad);

    Site site;
    Server plain(site.root, "");
    plain.ctx.loopback_only = true;
    auto with_host = [](const char* target, const char* host) {
        HttpRequest r = req("GET", target);
        r.host = host;
        return r;
    };
    BOOST_TEST(status_of(route(with_host("/api/live/stats", "evil.example.com"), plain.ctx)) == 403);
    BOOST_TEST(status_of(route(with_host("/api/live/stream", "rebind.attacker.net:8787"), plain.ctx)) == 403);
    BOOST_TEST(status_of(route(with_host("/metrics", "evil.example.com"), plain.ctx)) == 403);
    BOOST_TEST(status_of(route(with_host("/api/live/stats", "127.0.0.1:8787"), plain.ctx)) == 0);
    BOOST_TEST(status_of(route(with_host("/api/live/stats", "localhost:8787"), plain.ctx)) == 0);
    BOOST_TEST(status_of(route(with_host("/", "evil.example.com"), plain.ctx)) == 200);        // the page: no data
    BOOST_TEST(status_of(route(with_host("/healthz", "evil.example.com"), plain.ctx)) == 200);
    // With a token the token decides; on a non-loopback address (the sidecar) names are normal.
    Server tokened(site.root, "s3cret");
    tokened.ctx.loopback_only = true;
    HttpRequest r = with_host("/api/live/stats", "agentpulse.example.com");
    BOOST_TEST(status_of(route(r, tokened.ctx)) == 401);
    r.authorization = "Bearer s3cret";
    BOOST_TEST(status_of(route(r, tokened.ctx)) == 0);
    Server remote(site.root, "");
    remote.ctx.loopback_only = false;
    BOOST_TEST(status_of(route(with_host("/api/live/stats", "agentpulse.example.com"), remote.ctx)) == 0);
}

BOOST_AUTO_TEST_CASE(no_token_configured_means_open) {
    Site site;
    Server s(site.root, "");
    BOOST_TEST(status_of(route(req("GET", "/api/live/stats"), s.ctx)) == 0);
    BOOST_TEST(status_of(route(req("GET", "/api/live/stream"), s.ctx)) == 1);
    BOOST_TEST(status_of(route(req("GET", "/api/other"), s.ctx)) == 404);
}

BOOST_AUTO_TEST_CASE(token_in_header_cookie_or_query) {
    auto with = [](std::string auth, std::string cookie, const std::string& target) {
        HttpRequest r = req("GET", target);
        r.authorization = std::move(auth);
        r.cookie = std::move(cookie);
        return authorized(r, "s3cret");
    };
    BOOST_TEST(with("Bearer s3cret", "", "/api/live/stats"));
    BOOST_TEST(with("bearer s3cret", "", "/api/live/stats"));  // the scheme is case-insensitive (RFC 7235)
    BOOST_TEST(with("", "agentpulse_token=s3cret", "/api/live/stats"));
    BOOST_TEST(with("", "theme=dark; agentpulse_token=s3cret; x=y", "/api/live/stats"));
    BOOST_TEST(with("", "", "/api/live/stream?token=s3cret"));
    BOOST_TEST(with("", "", "/api/live/stream?tz=UTC&token=s3cr%65t"));  // percent-decoded
    BOOST_TEST(!with("", "", "/api/live/stats"));
    BOOST_TEST(!with("Bearer s3cre", "", "/api/live/stats"));
    BOOST_TEST(!with("Bearer s3cret1", "", "/api/live/stats"));
    BOOST_TEST(!with("Bearer  s3cret", "", "/api/live/stats"));
    BOOST_TEST(!with("Basic s3cret", "", "/api/live/stats"));
    BOOST_TEST(!with("s3cret", "", "/api/live/stats"));
    BOOST_TEST(!with("", "xagentpulse_token=s3cret", "/api/live/stats"));
    BOOST_TEST(!with("", "agentpulse_token=s3cretX", "/api/live/stats"));
    BOOST_TEST(!with("", "agentpulse_token=", "/api/live/stats"));
    BOOST_TEST(!with("", "", "/api/live/stats?token="));
    BOOST_TEST(!with("", "", "/api/live/stats?tok=s3cret"));
    // A wrong token anywhere does not hide a right one elsewhere.
    BOOST_TEST(with("Bearer nope", "agentpulse_token=s3cret", "/api/live/stats"));
    // The dashboard writes the cookie with encodeURIComponent: a token with special characters still works.
    {
        HttpRequest r = req("GET", "/api/live/stats");
        r.cookie = "agentpulse_token=a%2Bb%3D%3Bc%20d";
        BOOST_TEST(authorized(r, "a+b=;c d"));
        BOOST_TEST(!authorized(r, "a+b=;c"));
        r.cookie = "agentpulse_token=a%2Bb%3D%3Bc%20d%";  // a broken escape is no match
        BOOST_TEST(!authorized(r, "a+b=;c d"));
    }
    BOOST_TEST(token_matches("abc", "abc"));
    BOOST_TEST(!token_matches("", "abc"));
    BOOST_TEST(!token_matches("abcd", "abc"));
    BOOST_TEST(token_matches("", ""));
}

BOOST_AUTO_TEST_CASE(stream_parameters) {
    Site site;
    Server s(site.root, "");
    auto stream = [&](const std::string& target, const std::string& last_event_id = {}) {
        HttpRequest r = req("GET", target);
        r.last_event_id = last_event_id;
        const Route rr = route(r, s.ctx);
        BOOST_REQUIRE(std::holds_alternative<StreamRoute>(rr));
        return std::get<StreamRoute>(rr);
    };
    StreamRoute r = stream("/api/live/stream");
    BOOST_TEST(r.tz == "UTC");
    BOOST_TEST(!r.from);
    BOOST_TEST(r.tz_error.empty());
    r = stream("/api/live/stream?tz=Asia%2FKolkata");
    BOOST_TEST(r.tz == "Asia/Kolkata");
    r = stream("/api/live/stream?tz=Mars%2FBase");
    BOOST_TEST(r.tz == "UTC");
    BOOST_TEST(r.tz_error.find("Mars/Base") != std::string::npos);
    r = stream("/api/live/stream?tz=");
    BOOST_TEST(r.tz == "UTC");
    BOOST_TEST(r.tz_error.empty());
    r = stream("/api/live/stream", "u5.t6.r7.g8");
    BOOST_REQUIRE(r.from);
    BOOST_TEST((*r.from == Watermark{5, 6, 7, 8}));
    r = stream("/api/live/stream?since=u1.t2.r3.g4");
    BOOST_REQUIRE(r.from);
    BOOST_TEST((*r.from == Watermark{1, 2, 3, 4}));
    r = stream("/api/live/stream?since=u1.t2.r3.g4", "u5.t6.r7.g8");  // the header wins
    BOOST_TEST((*r.from == Watermark{5, 6, 7, 8}));
    r = stream("/api/live/stream", "garbage");  // ignored: starts from now
    BOOST_TEST(!r.from);
    r = stream("/api/live/stream?since=nonsense");
    BOOST_TEST(!r.from);
}

BOOST_AUTO_TEST_CASE(head_of_the_stream_is_not_a_stream) {
    // HEAD must not start a never-ending body: it gets the stream's headers and nothing else.
    Site site;
    Server s(site.root, "");
    const Route r = route(req("HEAD", "/api/live/stream"), s.ctx);
    BOOST_REQUIRE(std::holds_alternative<HttpResponse>(r));
    const HttpResponse& h = std::get<HttpResponse>(r);
    BOOST_TEST(h.status == 200);
    BOOST_TEST(h.content_type.starts_with("text/event-stream"));
    BOOST_TEST(h.body.empty());
}

BOOST_AUTO_TEST_CASE(healthz_body) {
    Site site;
    Server s(site.root, "tok");
    const Route r = route(req("GET", "/healthz"), s.ctx);
    const HttpResponse& h = std::get<HttpResponse>(r);
    BOOST_TEST(h.content_type == "application/json");
    BOOST_TEST(h.body.find("\"status\":\"ok\"") != std::string::npos);
    BOOST_TEST(h.body.find("\"subscribers\":0") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(static_files)

BOOST_AUTO_TEST_CASE(mime_types_and_caching) {
    Site site;
    const StaticFiles files(site.root);
    BOOST_REQUIRE(files.available());
    struct Case {
        const char* path;
        const char* type;
        const char* cache;
    };
    for (const Case& c :
         {Case{"/assets/index-4f2a9c1b.js", "text/javascript; charset=utf-8",
               "public, max-age=31536000, immutable"},
          Case{"/assets/index-77aa.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
          Case{"/logo.svg", "image/svg+xml", "public, max-age=300"},
          Case{"/favicon.ico", "image/x-icon", "public, max-age=300"},
          Case{"/fonts/inter.woff2", "font/woff2", "public, max-age=300"},
          Case{"/data.json", "application/json", "public, max-age=300"},
          Case{"/app.webmanifest", "application/manifest+json", "public, max-age=300"},
          Case{"/unknown.xyz", "application/octet-stream", "public, max-age=300"},
          Case{"/", "text/html; charset=utf-8", "no-cache"},
          Case{"/index.html", "text/html; charset=utf-8", "no-cache"},
          Case{"/live", "text/html; charset=utf-8", "no-cache"},
          Case{"/sessions/abc/def", "text/html; charset=utf-8", "no-cache"}}) {
        const HttpResponse r = files.serve(req("GET", c.path));
        BOOST_TEST(r.status == 200, c.path);
        BOOST_TEST(r.content_type == c.type, c.path);
        BOOST_TEST(header(r, "Cache-Control") == c.cache, c.path);
    }
    BOOST_TEST(files.serve(req("GET", "/assets/index-4f2a9c1b.js")).body == "console.log(1)");
    BOOST_TEST(files.serve(req("GET", "/live")).body.find("<title>app</title>") != std::string::npos);
    BOOST_TEST(StaticFiles::mime_type(".html") == "text/html; charset=utf-8");
    BOOST_TEST(StaticFiles::mime_type(".mjs") == "text/javascript; charset=utf-8");
    BOOST_TEST(StaticFiles::mime_type(".map") == "application/json");
    BOOST_TEST(StaticFiles::mime_type(".wasm") == "application/wasm");
    BOOST_TEST(StaticFiles::mime_type("") == "application/octet-stream");
}

BOOST_AUTO_TEST_CASE(missing_files_and_folders) {
    Site site;
    const StaticFiles files(site.root);
    BOOST_TEST(files.serve(req("GET", "/nope.js")).status == 404);
    BOOST_TEST(files.serve(req("GET", "/assets/nope-123.css")).status == 404);
    // A folder is not a file, nor a client route: 404 rather than a listing.
    BOOST_TEST(files.serve(req("GET", "/assets")).status == 404);
    BOOST_TEST(files.serve(req("GET", "/etc/passwd")).status == 404);
    BOOST_TEST(files.serve(req("GET", "/nope")).status == 404);
    BOOST_TEST(files.serve(req("GET", "/sessions/missing.js")).status == 404);  // a missing file, not a route
    // The client routes (frontend/src/routes.ts) get the app, with or without a trailing slash.
    for (const char* route : {"/live", "/live/", "/sessions", "/sessions/42", "/overview"}) {
        const HttpResponse r = files.serve(req("GET", route));
        BOOST_TEST(r.status == 200, route);
        BOOST_TEST(r.body.find("<title>app</title>") != std::string::npos, route);
    }
}

BOOST_AUTO_TEST_CASE(not_built_page_when_there_is_no_dashboard) {
    test::TempDir tmp;
    const StaticFiles files(tmp / "no-such-dist");
    BOOST_TEST(!files.available());
    const HttpResponse r = files.serve(req("GET", "/"));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find("has not been built") != std::string::npos);
    BOOST_TEST(files.serve(req("GET", "/x.js")).status == 404);
}

BOOST_AUTO_TEST_CASE(path_traversal_in_every_encoding) {
    Site site;
    const StaticFiles files(site.root);
    const char* attacks[] = {
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/assets/../index.html",
        "/./index.html",
        "//../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/assets%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..%5Csecret.txt",
        "/%2e%2e%5csecret.txt",
        "/..\\secret.txt",
        "/assets\\..\\..\\secret.txt",
        "/secret.txt%00.js",
        "/%00",
        "/index.html%00",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%252fsecret.txt",
        "/%25%32%65%25%32%65/secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%af../secret.txt",
        "/..;/secret.txt",
        "/../dist-secret/secret.txt",
        "/link.txt",
        "/link",
        "/escape/secret.txt",
        "/escape",
        "/%2",
        "/%zz",
    };
    for (const char* a : attacks) {
        HttpRequest r;
        r.method = "GET";
        r.target = a;
        if (!parse_target(a, r.path, r.query)) continue;  // refused before routing: 400
        const HttpResponse res = files.serve(r);
        BOOST_TEST(res.body.find(kSecret) == std::string::npos, a << " leaked the secret");
        BOOST_TEST((res.status == 400 || res.status == 404), a << " -> " << res.status);
    }
    // Symlinked files out of the root are 404, not served.
    BOOST_TEST(files.serve(req("GET", "/link.txt")).status == 404);
    BOOST_TEST(files.serve(req("GET", "/escape/secret.txt")).status == 404);
}

BOOST_AUTO_TEST_CASE(parse_target_edges) {
    std::string path;
    std::map<std::string, std::string> q;
    BOOST_TEST(parse_target("/a/b?x=1&y=%20z+w&flag&x=2", path, q));
    BOOST_TEST(path == "/a/b");
    BOOST_TEST(q["x"] == "2");  // the last one wins
    BOOST_TEST(q["y"] == " z w");
    BOOST_TEST(q.count("flag") == 1u);
    BOOST_TEST(!parse_target("", path, q));
    BOOST_TEST(!parse_target("http://example.com/", path, q));
    BOOST_TEST(!parse_target("*", path, q));
    BOOST_TEST(!parse_target("/?x=%zz", path, q));
    BOOST_TEST(!parse_target("/?x=%00", path, q));
    std::string out;
    BOOST_TEST(!percent_decode("%4", out));
    BOOST_TEST(percent_decode("a%2Fb", out));
    BOOST_TEST(out == "a/b");
}

BOOST_AUTO_TEST_SUITE_END()
