// agentpulse serve. Until the live server lands (issue 3), it runs the embedded watcher alone and says so.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "app/Startup.hpp"
#include "app/StopSignals.hpp"
#include "ingest/Watcher.hpp"

namespace agentpulse {

int run_serve(const Config& c) {
    if (c.no_watcher) {
        std::fprintf(stderr, "agentpulse serve --no-watcher: the live server is not built yet; nothing to do\n");
        return 1;
    }
    auto prices = load_prices(c);
    open_store_for_writing(c.store);  // clear error now, rather than on the watcher's thread
    IngestStats stats;
    Watcher watcher(WatcherOptions{{c.claude_projects, c.codex_sessions}, c.store, prices}, stats);
    StopSignals signals([&](int) { watcher.stop(); });
    std::fprintf(stderr, "agentpulse serve: the live server and dashboard are not built yet; running the watcher only "
                         "(store %s)\n", c.store.string().c_str());
    watcher.run();
    return 0;
}

}  // namespace agentpulse
