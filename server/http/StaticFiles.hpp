// Serves the built dashboard (frontend/dist): MIME types, immutable caching for Vite's hashed assets,
// no-cache for index.html, the SPA fallback for client routes, and no way out of the root folder.
#pragma once

#include <filesystem>
#include <string_view>

#include "http/HttpMessage.hpp"

namespace agentpulse {

class StaticFiles {
public:
    explicit StaticFiles(std::filesystem::path root);

    // GET or HEAD of a path outside /api. A missing dashboard gets a small page that says how to build it.
    HttpResponse serve(const HttpRequest& req) const;
    bool available() const { return available_; }
    const std::filesystem::path& root() const { return root_; }

    static std::string_view mime_type(std::string_view extension);

private:
    std::filesystem::path root_;
    bool available_ = false;
};

}  // namespace agentpulse
