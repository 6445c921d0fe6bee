// Checks what one SSE client received against the stream contract: per stream, keys in order with no
// duplicates (and no gaps where the writer's keys are contiguous); a tool_result never before its
// tool_call, an event_update never before its event; `id:` watermarks that only grow and cover each
// frame's own key. Records resyncs and arrival times.
#pragma once

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "LiveServer.hpp"
#include "SseClient.hpp"
#include "core/Watermark.hpp"

namespace agentpulse::test {

class StreamChecker {
  public:
    // `base`: what the client already had when it connected (its Last-Event-ID), zero for "from now"
    // once set_base() is given the ready frame's watermarks.
    explicit StreamChecker(Watermark base = {}) : base_(base), last_(base) {}

    void set_base(const Watermark& w) { base_ = w, last_ = w; }
    const Watermark& base() const { return base_; }
    const Watermark& last_id() const { return last_; }

    std::vector<std::int64_t> events, calls, results, updates;  // keys in arrival order
    std::map<std::int64_t, std::int64_t> output_of;             // usage id -> output tokens, latest seen
    std::map<std::int64_t, double> arrival_ms;                  // usage id -> ms since `t0`
    std::vector<std::string> errors;
    std::vector<boost::json::object> resyncs;
    std::vector<std::string> types;  // every event type in order (control frames too)
    Clock::time_point t0 = Clock::now();

    void feed(const SseEvent& e) {
        types.push_back(e.event);
        if (e.event == "resync") {
            auto p = payload_of(e);
            resyncs.push_back(p);
            const auto& w = p.at("watermarks").as_object();
            // The client goes on from the server's head: nothing before it is owed any more.
            set_base({int_of(w.at("usage")), int_of(w.at("tool_calls")), int_of(w.at("results")),
                      int_of(w.at("updates"))});
            seen_events_.clear();
            seen_calls_.clear();
            return;
        }
        const bool row = e.event == "event" || e.event == "tool_call" || e.event == "tool_result" ||
                         e.event == "event_update";
        if (!row) return;
        if (!e.id) return fail(e.event + " without an id line");
        const auto w = Watermark::parse(*e.id);
        if (!w) return fail("unparsable id " + *e.id);
        if (!last_.covered_by(*w)) fail("id went backwards: " + last_.to_string() + " -> " + *e.id);
        last_ = *w;
        const auto p = payload_of(e);
        if (e.event == "event") {
            const std::int64_t id = int_of(p.at("id"));
            check_next(events, id, base_.usage, "event", w->usage);
            seen_events_.insert(id);
            output_of[id] = int_of(p.at("output_tokens"));
            arrival_ms[id] = ms_since(t0);
        } else if (e.event == "tool_call") {
            const std::int64_t id = int_of(p.at("id"));
            check_next(calls, id, base_.tool_call, "tool_call", w->tool_call);
            seen_calls_.insert(id);
        } else if (e.event == "tool_result") {
            const std::int64_t seq = int_of(p.at("result_seq"));
            const std::int64_t call = int_of(p.at("id"));
            check_next(results, seq, base_.result, "tool_result", w->result);
            if (call > base_.tool_call && !seen_calls_.count(call))
                fail("tool_result " + std::to_string(seq) + " before its tool_call " + std::to_string(call));
        } else {
            const std::int64_t seq = int_of(p.at("update_seq"));
            const std::int64_t id = int_of(p.at("id"));
            if (!updates.empty() && seq <= updates.back())
                fail("event_update seq " + std::to_string(seq) + " after " + std::to_string(updates.back()));
            if (seq <= base_.update) fail("event_update " + std::to_string(seq) + " the client already had");
            if (w->update < seq) fail("id does not cover update " + std::to_string(seq));
            updates.push_back(seq);
            if (id > base_.usage && !seen_events_.count(id))
                fail("event_update for " + std::to_string(id) + " before its event");
            output_of[id] = int_of(p.at("output_tokens"));
        }
    }

    // Contiguous keys: every stream got exactly base+1 .. head, once each, in order.
    void expect_exactly(const Watermark& head, const std::string& who) {
        expect_range(events, base_.usage, head.usage, who + " events");
        expect_range(calls, base_.tool_call, head.tool_call, who + " tool_calls");
        expect_range(results, base_.result, head.result, who + " tool_results");
    }
    bool caught_up(const Watermark& head) const { return head.covered_by(last_); }

    // Reads from `c` until this checker's watermark covers `head`, or `timeout`. Returns caught_up().
    bool drain(SseClient& c, const Watermark& head, Millis timeout) {
        const auto until = Clock::now() + timeout;
        while (!caught_up(head)) {
            const auto left = std::chrono::duration_cast<Millis>(until - Clock::now());
            if (left.count() <= 0) break;
            auto e = c.next(left);
            if (!e) break;
            feed(*e);
        }
        return caught_up(head);
    }

  private:
    void fail(const std::string& why) {
        if (errors.size() < 20) errors.push_back(why);
    }
    void check_next(std::vector<std::int64_t>& seen, std::int64_t key, std::int64_t base,
                    const std::string& what, std::int64_t id_component) {
        if (key <= base)
            fail(what + " " + std::to_string(key) + " replayed though the client had it (base " +
                 std::to_string(base) + ")");
        if (!seen.empty() && key <= seen.back())
            fail(what + " " + std::to_string(key) + " after " + std::to_string(seen.back()) +
                 " (duplicate or out of order)");
        if (id_component < key) fail(what + " " + std::to_string(key) + " with an id that does not cover it");
        seen.push_back(key);
    }
    void expect_range(const std::vector<std::int64_t>& got, std::int64_t base, std::int64_t head,
                      const std::string& what) {
        const std::size_t want = head > base ? static_cast<std::size_t>(head - base) : 0;
        if (got.size() != want) {
            fail(what + ": got " + std::to_string(got.size()) + ", want " + std::to_string(want));
            return;
        }
        for (std::size_t i = 0; i < got.size(); ++i)
            if (got[i] != base + 1 + static_cast<std::int64_t>(i)) {
                fail(what + ": gap or reorder at " + std::to_string(i) + ": " + std::to_string(got[i]));
                return;
            }
    }

    Watermark base_, last_;
    std::set<std::int64_t> seen_events_, seen_calls_;
};

// The watermark a ready frame reports.
inline Watermark ready_watermark(const SseEvent& ready) {
    const auto w = payload_of(ready).at("watermarks").as_object();
    return {int_of(w.at("usage")), int_of(w.at("tool_calls")), int_of(w.at("results")),
            int_of(w.at("updates"))};
}

}  // namespace agentpulse::test
