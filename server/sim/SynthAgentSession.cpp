// See SynthAgentSession.hpp. A session is generated one turn at a time (a prompt and the tool rounds
// that answer it, sub-agents included); the turn's lines are then sorted by time and handed out one by
// one, so memory stays at one turn however long the session runs.
#include "sim/SynthAgentSession.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "sim/SynthText.hpp"

namespace agentpulse {

SynthAgentSession::SynthAgentSession(const SynthSessionOptions& opts, std::string_view agent)
    : o(opts), r(opts.seed), agent_(agent) {
    const ProjectKind& pk = pick(r, kProjects);
    const std::string project = o.project.empty() ? std::string(pk.name) : o.project;
    ext = pk.ext;
    cwd = "/home/" + std::string(pick(r, kUsers)) + "/src/" + project;
    session_id_ = uuid4(r);
    branch = r.chance(0.5) ? "main" : (r.chance(0.5) ? "feature/" : "fix/") + filled("@-@", r);
    now = o.start_ms;
    streams.emplace_back();
}

void SynthAgentSession::start() {
    streams[0].context = r.between(12'000, 22'000);
    refill();
}

EpochMs SynthAgentSession::dur(double ms) const {
    return std::max<EpochMs>(1, std::llround(ms * o.time_scale));
}

std::int64_t SynthAgentSession::remaining() const {
    return std::max<std::int64_t>(0, o.target_bytes - generated);
}

std::int64_t SynthAgentSession::cap() const {
    return std::clamp<std::int64_t>(remaining() / 2, 1'500, 180'000);
}

std::int64_t SynthAgentSession::sized(double median, double sigma) {
    return std::clamp<std::int64_t>(std::llround(r.lognormal(median, sigma)), 40, cap());
}

bool SynthAgentSession::finished() const {
    return (generated >= o.target_bytes && spawned >= o.subagents) || turns >= 100'000;
}

bool SynthAgentSession::spawn_due() const {
    if (spawned >= o.subagents) return false;
    return generated >= o.target_bytes ||
           static_cast<double>(generated) >=
               static_cast<double>(o.target_bytes) * (spawned + 0.3) / o.subagents;
}

SynthStream& SynthAgentSession::add_subagent() {
    ++spawned;
    SynthStream& s = streams.emplace_back();
    s.subagent = true;
    return s;
}

void SynthAgentSession::push(int stream, EpochMs at, std::string text, SynthTotals facts) {
    generated += static_cast<std::int64_t>(text.size()) + 1;
    streams[static_cast<std::size_t>(stream)].bytes += static_cast<std::int64_t>(text.size()) + 1;
    turn_.push_back({at, seq_++, stream, std::move(text), facts});
}

void SynthAgentSession::push_document(int stream, EpochMs at, std::string text, SynthTotals facts) {
    SynthStream& s = streams[static_cast<std::size_t>(stream)];
    const auto size = static_cast<std::int64_t>(text.size());
    generated += size - s.bytes;
    s.bytes = size;
    turn_.push_back({at, seq_++, stream, std::move(text), facts, true});
}

void SynthAgentSession::refill() {
    while (queue_.empty() && !finished()) {
        turn();
        ++turns;
        std::stable_sort(turn_.begin(), turn_.end(),
                         [](const Pending& a, const Pending& b) { return a.at < b.at; });
        for (Pending& p : turn_) queue_.push_back(std::move(p));
        turn_.clear();
    }
}

SynthLine SynthAgentSession::next() {
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    SynthStream& s = streams[static_cast<std::size_t>(p.stream)];
    if (!s.opened) {
        s.opened = true;
        p.facts.files = 1;
        p.facts.subagent_files = s.subagent ? 1 : 0;
    }
    if (p.replace) {
        // The file as a whole: one line (a document is read as one), its bytes its growth.
        p.facts.lines = p.facts.files;
        p.facts.bytes = static_cast<std::int64_t>(p.text.size()) - s.emitted;
        s.emitted = static_cast<std::int64_t>(p.text.size());
    } else {
        p.facts.lines = 1;
        p.facts.bytes = static_cast<std::int64_t>(p.text.size()) + 1;
    }
    totals_ += p.facts;
    SynthLine line{agent_, s.path, p.at, std::move(p.text), p.replace ? SynthLine::Kind::Replace : line_kind};
    if (queue_.empty()) refill();
    return line;
}

std::string SynthAgentSession::project_file() {
    if (!touched.empty() && r.chance(0.55)) return touched[r.below(touched.size())];
    std::string rel = filled(pick(r, kDirs), r) + "/" + filled(r.chance(0.3) ? "@_@" : "@", r) +
                      std::string(r.chance(0.12) ? std::string_view(".md") : ext);
    touched.push_back(rel);
    return rel;
}

std::string SynthAgentSession::file_text(const std::string& rel, std::int64_t bytes) {
    return code_text(r, rel, bytes);
}

}  // namespace agentpulse
