// See SynthSession.hpp: the agent's writer (SynthWriters.cpp) makes the session; this hands it out.
#include "sim/SynthSession.hpp"

#include "sim/SynthAgentSession.hpp"
#include "sim/SynthWriters.hpp"

namespace agentpulse {

SynthSession::SynthSession(const SynthSessionOptions& opts) {
    const SynthWriter& w = opts.agent.empty() ? synth_writers().front() : synth_writer(opts.agent);
    impl_ = w.make(opts, w.agent);
    impl_->start();
}
SynthSession::~SynthSession() = default;
SynthSession::SynthSession(SynthSession&&) noexcept = default;
SynthSession& SynthSession::operator=(SynthSession&&) noexcept = default;

bool SynthSession::done() const {
    return impl_->done();
}
EpochMs SynthSession::next_at() const {
    return impl_->next_at();
}
SynthLine SynthSession::next() {
    return impl_->next();
}
const SynthTotals& SynthSession::totals() const {
    return impl_->totals();
}
const std::string& SynthSession::session_id() const {
    return impl_->session_id();
}
const std::string& SynthSession::main_path() const {
    return impl_->main_path();
}

}  // namespace agentpulse
