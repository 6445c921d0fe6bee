// agentpulse entry point: parse the command line, run the command, map failures to exit codes.
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "app/Config.hpp"
#include "app/Startup.hpp"

int main(int argc, char** argv) {
    using namespace agentpulse;
    // `agentpulse demo [options]` is `agentpulse serve --demo [options]`.
    std::vector<const char*> args(argv, argv + argc);
    if (argc >= 2 && std::string_view(argv[1]) == "demo") {
        args[1] = "serve";
        args.insert(args.begin() + 2, "--demo");
    }
    const CliOutcome cli = parse_cli(static_cast<int>(args.size()), args.data());
    if (!cli.config) {
        std::fputs(cli.message.c_str(), cli.exit_code == 0 ? stdout : stderr);
        if (!cli.message.empty() && cli.message.back() != '\n') std::fputc('\n', cli.exit_code == 0 ? stdout : stderr);
        return cli.exit_code;
    }
    const Config& c = *cli.config;
    try {
        setup_logging(c.log_level);
        if (c.command == "serve") return run_serve(c);
        if (c.command == "ingest") return run_ingest(c);
        if (c.command == "pricing") return run_pricing(c);
        if (c.command == "report") return run_report(c);
        if (c.command == "statusline") return run_statusline(c);
        if (c.command == "search") return run_search(c);
        if (c.command == "alerts") return run_alerts(c);
        return run_status(c);
    } catch (const StartupError& e) {
        std::fprintf(stderr, "agentpulse %s: %s\n", c.command.c_str(), e.what());
        return e.exit_code;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "agentpulse %s: %s\n", c.command.c_str(), e.what());
        return 1;
    }
}
