// See SynthCorpus.hpp. The sessions are planned first (agent, sub-agents, share of the bytes), then
// written one at a time, each session's files open only while it is written.
#include "sim/SynthCorpus.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <stdexcept>
#include <vector>

#include "sim/SynthDatabase.hpp"

namespace agentpulse {

namespace {

namespace fs = std::filesystem;

struct Planned {
    const SynthWriter* writer;
    int subagents;
    double weight;
};

// Sessions whose files (sub-agents included) add up to exactly `files`; sizes are lognormal (a few
// sessions hold much of the bytes, as in real transcript folders).
std::vector<Planned> plan_sessions(SynthRng& r, const SynthCorpusOptions& opts, double& total_weight) {
    std::vector<Planned> plan;
    total_weight = 0;
    for (int slots = std::max(1, opts.files); slots > 0;) {
        Planned p;
        p.writer = &draw_synth_writer(r, opts.shares);
        p.subagents = std::min(draw_subagent_count(r, *p.writer), slots - 1);
        p.weight = std::min(r.lognormal(1.0, 1.2), 40.0) * (1.0 + 0.6 * p.subagents);
        slots -= 1 + p.subagents;
        total_weight += p.weight;
        plan.push_back(p);
    }
    return plan;
}

const fs::path& root_for(const SynthCorpusOptions& opts, std::string_view agent) {
    const auto it = opts.roots.find(std::string(agent));
    if (it == opts.roots.end() || it->second.empty())
        throw std::runtime_error("no folder given for the simulated agent '" + std::string(agent) + "'");
    return it->second;
}

// Writes every line of `session` to its file below its agent's folder (a row line: to its database). A
// rewritten document is written once, as it was last: the corpus holds the files as the session left
// them, and writing every version would cost the square of its size.
void write_session(SynthSession& session, const SynthCorpusOptions& opts, SynthDatabase& databases) {
    std::map<std::string, std::FILE*> open;
    std::map<std::string, std::pair<std::string_view, std::string>> documents;  // path -> agent, text
    auto close_all = [&] {
        for (auto& [path, f] : open) std::fclose(f);
        open.clear();
    };
    try {
        while (!session.done()) {
            SynthLine line = session.next();
            if (line.kind == SynthLine::Kind::Row) {
                databases.apply(root_for(opts, line.agent) / line.path, line.text);
                continue;
            }
            if (line.kind == SynthLine::Kind::Replace) {
                documents[line.path] = {line.agent, std::move(line.text)};
                continue;
            }
            auto it = open.find(line.path);
            if (it == open.end()) {
                const fs::path full = root_for(opts, line.agent) / line.path;
                fs::create_directories(full.parent_path());
                std::FILE* f = std::fopen(full.c_str(), "wb");
                if (!f) throw std::runtime_error("cannot write " + full.string());
                it = open.emplace(line.path, f).first;
            }
            if (std::fwrite(line.text.data(), 1, line.text.size(), it->second) != line.text.size() ||
                std::fputc('\n', it->second) == EOF)
                throw std::runtime_error("write failed: " + line.path);
        }
    } catch (...) {
        close_all();
        throw;
    }
    bool closed = true;
    for (auto& [path, f] : open) closed = std::fclose(f) == 0 && closed;
    open.clear();
    for (const auto& [path, doc] : documents) {
        const fs::path full = root_for(opts, doc.first) / path;
        fs::create_directories(full.parent_path());
        std::FILE* f = std::fopen(full.c_str(), "wb");
        if (!f) throw std::runtime_error("cannot write " + full.string());
        const bool wrote = std::fwrite(doc.second.data(), 1, doc.second.size(), f) == doc.second.size();
        closed = std::fclose(f) == 0 && wrote && closed;
    }
    if (!closed)
        throw std::runtime_error("write failed while closing a transcript of session " +
                                 session.session_id());
}

}  // namespace

SynthTotals write_synth_corpus(const SynthCorpusOptions& opts) {
    SynthRng r(opts.seed ^ 0x5eed5eed5eedull);
    double total_weight = 0;
    const std::vector<Planned> plan = plan_sessions(r, opts, total_weight);

    SynthDatabase databases;  // open for the whole corpus, as an agent keeps its database open
    SynthTotals all;
    std::int64_t bytes_left = opts.target_bytes;
    double weight_left = total_weight;
    const double span = static_cast<double>(std::max(1, opts.days)) * 86'400'000.0;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const Planned& p = plan[i];
        SynthSessionOptions so;
        so.agent = std::string(p.writer->name());
        so.seed = r.next();
        so.subagents = p.subagents;
        so.start_ms = opts.start_ms +
                      static_cast<EpochMs>(span * static_cast<double>(i) / static_cast<double>(plan.size())) +
                      r.between(0, 3'600'000);
        so.target_bytes = std::max<std::int64_t>(
            2'000, std::llround(static_cast<double>(bytes_left) * p.weight / weight_left));
        weight_left -= p.weight;
        SynthSession session(so);
        write_session(session, opts, databases);
        all += session.totals();
        bytes_left -= session.totals().bytes;
        if (opts.on_progress) opts.on_progress(all);
    }
    return all;
}

}  // namespace agentpulse
