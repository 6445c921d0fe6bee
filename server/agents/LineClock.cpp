// See LineClock.hpp.
#include "agents/LineClock.hpp"

#include <boost/json.hpp>

#include "core/JsonFields.hpp"

namespace agentpulse {

bool LineClock::stamp(std::string_view iso, ParsedLine& out, LineIssue& issue) {
    bool had_zone = true;
    if (const auto ts = parse_iso8601(iso, &had_zone)) {
        out.ts = *ts;
        last_ts_ = *ts;
        return true;
    }
    issue = LineIssue::NoTimestamp;
    if (last_ts_ == 0) return false;
    out.ts = last_ts_;
    return true;
}

std::string LineClock::save_state() const {
    return last_ts_ > 0 ? "{\"last_ts\":" + std::to_string(last_ts_) + "}" : std::string();
}

void LineClock::load_state(std::string_view state) {
    last_ts_ = 0;
    if (state.empty()) return;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(state, ec);
    if (!ec) last_ts_ = jf::integer(jf::field(v, "last_ts")).value_or(0);
}

}  // namespace agentpulse
