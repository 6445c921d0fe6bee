// See SynthFleet.hpp. The next line is the earliest due among the running sessions.
#include "sim/SynthFleet.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace agentpulse {

struct SynthFleet::Impl {
    SynthFleetOptions o;
    SynthRng r;
    std::vector<SynthSession> running;
    int started = 0;
    SynthTotals finished;
    mutable SynthTotals sum;

    explicit Impl(const SynthFleetOptions& opts) : o(opts), r(opts.seed) {
        for (int i = 0; i < std::max(1, o.concurrent); ++i)
            start(o.start_ms + static_cast<EpochMs>(i * 7'000 * o.time_scale));
    }
    void start(EpochMs at) {
        if (o.max_sessions > 0 && started >= o.max_sessions) return;
        ++started;
        const SynthWriter& w = draw_synth_writer(r, o.shares);
        SynthSessionOptions so;
        so.agent = std::string(w.name());
        so.seed = r.next();
        so.start_ms = at;
        so.target_bytes = std::clamp<std::int64_t>(
            std::llround(r.lognormal(static_cast<double>(o.median_session_bytes), 1.0)), 20'000, 50'000'000);
        so.subagents = draw_subagent_count(r, w);
        so.time_scale = o.time_scale;
        running.emplace_back(so);
    }
    std::size_t earliest() const {
        std::size_t best = 0;
        for (std::size_t i = 1; i < running.size(); ++i)
            if (running[i].next_at() < running[best].next_at()) best = i;
        return best;
    }
    SynthLine next() {
        const std::size_t i = earliest();
        SynthLine line = running[i].next();
        if (running[i].done()) {
            finished += running[i].totals();
            running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
            start(line.at + std::max<EpochMs>(1, std::llround(r.lognormal(60'000, 1.0) * o.time_scale)));
        }
        return line;
    }
};

SynthFleet::SynthFleet(const SynthFleetOptions& opts) : impl_(std::make_unique<Impl>(opts)) {}
SynthFleet::~SynthFleet() = default;
bool SynthFleet::done() const {
    return impl_->running.empty();
}
EpochMs SynthFleet::next_at() const {
    return impl_->running[impl_->earliest()].next_at();
}
SynthLine SynthFleet::next() {
    return impl_->next();
}
const SynthTotals& SynthFleet::totals() const {
    impl_->sum = impl_->finished;
    for (const SynthSession& s : impl_->running) impl_->sum += s.totals();
    return impl_->sum;
}

}  // namespace agentpulse
