// See Poller.hpp. Everything below runs on the poller thread except start(), stop(), poll_now() and
// set_time_zones(); the broadcaster is only ever touched through post() onto its strand.
#include "live/Poller.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/BurnMath.hpp"
#include "core/SseFrame.hpp"
#include "core/StreamEvents.hpp"
#include "core/ZonedCalendar.hpp"
#include "live/RowFrameWriter.hpp"

namespace agentpulse {
namespace net = boost::asio;
namespace json = boost::json;
using namespace std::chrono;

namespace {

// A session whose latest line is timed more than this ahead of now (a bad or far-future timestamp) is not
// shown in flight: it would stay there until that time comes (docs/ingest.md, clock oddities).
constexpr EpochMs kFutureSlackMs = 60 * 60'000;
constexpr EpochMs kDayMs = 86'400'000;

std::int64_t steady_us() { return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count(); }

std::shared_ptr<const std::string> control_frame(StreamEvent e, const json::value& payload, EpochMs now) {
    const std::string_view type = event_name(e);
    return std::make_shared<const std::string>(sse_frame(type, sse_data_json(type, payload, now)));
}

struct ReplayRows {
    std::vector<UsageRow> usage, updates;
    std::vector<ToolRow> calls, results;
};

// The replay ring's frames: the four streams merged by time, so a resumed client replays in the order
// things happened, while each stream stays in key order and a result never precedes its call nor an
// update its event (times can disagree with keys: clock skew between files, late backfills, a result
// timed before its call). Every frame's id is the running maximum, so ids only grow along the ring.
std::vector<RingFrame> merge_by_time(const ReplayRows& rows, const Watermark& from, EpochMs now,
                                     const std::string& machine) {
    std::vector<RingFrame> frames;
    RowFrameWriter out(frames, from, now, machine);
    std::size_t ui = 0, ci = 0, ri = 0, gi = 0;
    auto result_time = [](const ToolRow& r) {
        return r.result_ts ? std::string_view(*r.result_ts) : std::string_view(r.ts);
    };
    for (;;) {
        // Candidates in priority order for equal times: event, call, result, update.
        std::optional<Stream> pick;
        std::string_view best;
        auto consider = [&](Stream s, std::string_view t) {
            if (!pick || t < best) pick = s, best = t;
        };
        const Watermark& at = out.position();
        if (ui < rows.usage.size()) consider(Stream::Usage, rows.usage[ui].ts);
        if (ci < rows.calls.size()) consider(Stream::ToolCall, rows.calls[ci].ts);
        if (ri < rows.results.size() && rows.results[ri].id <= at.tool_call)
            consider(Stream::ToolResult, result_time(rows.results[ri]));
        if (gi < rows.updates.size() && rows.updates[gi].id <= at.usage)
            consider(Stream::UsageUpdate, rows.updates[gi].updated_at);
        if (!pick) break;  // with no events or calls left, every result and update is eligible: all done
        switch (*pick) {
            case Stream::Usage: out.usage(rows.usage[ui++]); break;
            case Stream::ToolCall: out.tool_call(rows.calls[ci++]); break;
            case Stream::ToolResult: out.tool_result(rows.results[ri++]); break;
            case Stream::UsageUpdate: out.usage_update(rows.updates[gi++]); break;
        }
    }
    return frames;
}

}  // namespace

Poller::Poller(PollerOptions opts, Broadcaster& broadcaster)
    : opts_(std::move(opts))
    , broadcaster_(broadcaster)
    , ctx_(1)
    , poll_timer_(ctx_)
    , tick_timer_(ctx_)
    , watcher_timer_(ctx_) {}

Poller::~Poller() { stop(); }

void Poller::start() {
    db_ = std::make_unique<Database>(opts_.store, Database::Mode::ReadOnly);
    q_ = std::make_unique<LiveQueries>(*db_);
    limits_ = std::make_unique<LimitReader>(*db_);
    data_version_ = std::make_unique<Statement>(*db_, "PRAGMA data_version");
    preload();
    check_watcher(true);
    check_limits(now_epoch_ms(), true);
    thread_ = std::thread([this] {
        net::post(ctx_, [this] {
            schedule_poll();
            tick();
            check_watcher(false);
        });
        ctx_.run();
    });
}

void Poller::stop() {
    if (!thread_.joinable()) return;
    net::post(ctx_, [this] {
        stopping_ = true;
        poll_timer_.cancel();
        tick_timer_.cancel();
        watcher_timer_.cancel();
        ctx_.stop();
    });
    thread_.join();
}

void Poller::preload() {
    const auto t0 = steady_clock::now();
    const EpochMs now = now_epoch_ms();
    Watermark head;
    ReplayRows rows;
    {
        LiveQueries::ReadTx tx(*db_);
        head = q_->head();
        const int n = static_cast<int>(opts_.replay_rows);
        rows.usage = q_->usage_last(n);
        rows.updates = q_->updates_last(n);
        rows.calls = q_->calls_last(n);
        rows.results = q_->results_last(n);
        Watermark first{rows.usage.empty() ? head.usage + 1 : rows.usage.front().id,
                        rows.calls.empty() ? head.tool_call + 1 : rows.calls.front().id,
                        rows.results.empty() ? head.result + 1 : *rows.results.front().result_seq,
                        rows.updates.empty() ? head.update + 1 : rows.updates.front().update_seq};
        broadcaster_evicted_ = q_->keys_before(first);
        // Month to date in any zone: a local month began at most 31 days and a DST hour ago. (Not "this UTC
        // month": early on the 1st UTC, zones west of UTC are still in the previous month.)
        q_->load_cost_slots(slots_, now - 32 * kDayMs);
        q_->load_latency(latency_, now - ToolLatencyIndex::kMaxWindowHours * 3'600'000LL - 3'600'000LL);
        // In the same snapshot as the head: the polls feed it every usage row after that.
        limits_->feed_block(block_, kEstimatedBlockProvider, now);
    }
    std::vector<RingFrame> frames = merge_by_time(rows, broadcaster_evicted_, now, opts_.machine);
    published_ = head;
    // The ring is filled synchronously: start() runs before the server accepts anyone.
    broadcaster_.ring().set_evicted_through(broadcaster_evicted_);
    for (RingFrame& f : frames) broadcaster_.ring().push(std::move(f));
    broadcaster_.set_head(head);
    spdlog::info("live: head {}, {} frames ready for replay, {} cost slots, {} tools with latency ({} ms)",
                 head.to_string(), broadcaster_.ring().size(), slots_.size(), latency_.tools(),
                 duration_cast<milliseconds>(steady_clock::now() - t0).count());
}

void Poller::schedule_poll() {
    if (stopping_) return;
    const bool idle = steady_clock::now() - last_change_ > opts_.idle_after;
    poll_timer_.expires_after(idle ? std::max(opts_.poll_interval, opts_.idle_poll_interval) : opts_.poll_interval);
    poll_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        poll_once();
        schedule_poll();
    });
}

void Poller::poll_now() {
    if (poll_pending_.exchange(true)) return;
    net::post(ctx_, [this] {
        poll_pending_ = false;
        if (!stopping_) poll_once();
    });
}

void Poller::poll_once() {
    const std::int64_t t0 = steady_us();
    try {
        if (!catching_up_) {
            std::int64_t version;
            {
                ResetGuard g(*data_version_);
                version = data_version_->step() ? data_version_->column_int(0) : -1;
            }
            if (version >= 0 && version == last_data_version_) {
                ++counters_.polls_unchanged;
                return;
            }
            last_data_version_ = version;
        }
        last_change_ = steady_clock::now();
        catching_up_ = false;
        for (int round = 0; round < 100; ++round) {  // bounded catch-up per wake
            std::vector<UsageRow> usage, updates;
            std::vector<ToolRow> calls, results;
            {
                LiveQueries::ReadTx tx(*db_);
                usage = q_->usage_after(published_.usage, opts_.batch_limit);
                calls = q_->calls_after(published_.tool_call, opts_.batch_limit);
                results = q_->results_after(published_.result, opts_.batch_limit);
                updates = q_->updates_after(published_.update, opts_.batch_limit);
            }
            ++counters_.polls;
            const bool more = static_cast<int>(usage.size()) == opts_.batch_limit ||
                              static_cast<int>(calls.size()) == opts_.batch_limit ||
                              static_cast<int>(results.size()) == opts_.batch_limit ||
                              static_cast<int>(updates.size()) == opts_.batch_limit;
            if (usage.empty() && calls.empty() && results.empty() && updates.empty()) break;
            FrameBatch batch = make_batch(usage, calls, results, updates);
            if (!batch.frames.empty()) deliver(std::move(batch));
            if (!more) break;
            if (round == 99) catching_up_ = true;  // the next poll goes on even if nothing new was committed
        }
    } catch (const StoreError& e) {
        ++counters_.errors;
        spdlog::warn("live poll failed: {} (retrying)", e.what());
    }
    const std::int64_t us = steady_us() - t0;
    counters_.last_poll_us = us;
    if (us > counters_.max_poll_us) counters_.max_poll_us = us;
}

FrameBatch Poller::make_batch(std::vector<UsageRow>& usage, std::vector<ToolRow>& calls, std::vector<ToolRow>& results,
                              std::vector<UsageRow>& updates) {
    const EpochMs now = now_epoch_ms();
    FrameBatch batch;
    RowFrameWriter out(batch.frames, published_, now, opts_.machine);
    std::set<EpochMs> touched;
    EpochMs newest = 0;
    for (const UsageRow& r : usage) {
        out.usage(r);
        // A new row adds its cost to its slot: each usage id is published once, so the in-memory sum stays
        // exact without re-summing the slot, which would cost O(rows in the slot) on every poll.
        if (const auto t = parse_iso8601(r.ts)) {
            const EpochMs s = CostBuckets::slot_of(*t);
            slots_.set(s, slots_.sum(s, s + CostBuckets::kSlotMs) + r.cost_usd);
            newest = std::max(newest, *t);
            if (r.provider == kEstimatedBlockProvider) block_.add(*t, r.cost_usd);
        }
    }
    for (const ToolRow& r : calls) {
        out.tool_call(r);
        newest = std::max(newest, r.ts_ms);
    }
    // A result whose call is not out yet waits for the next poll (calls go first, in id order).
    for (const ToolRow& r : results) {
        if (r.id > out.position().tool_call) break;
        out.tool_result(r);
        latency_.add(r.tool_name, r.ts_ms, r.latency_ms, r.is_error);
    }
    // Likewise an update waits until its event is out. A grown row changes its slot's sum: re-read below.
    for (const UsageRow& r : updates) {
        if (r.id > out.position().usage) break;
        out.usage_update(r);
        if (const auto t = parse_iso8601(r.ts)) {
            touched.insert(CostBuckets::slot_of(*t));
            newest = std::max(newest, *t);
        }
    }
    if (!touched.empty()) refresh_slots(touched);
    published_ = out.position();
    batch.head = out.position();
    counters_.rows += batch.frames.size();
    if (newest > 0) counters_.last_row_lag_ms = now - newest;
    std::string joined;
    for (const RingFrame& f : batch.frames) joined += *f.bytes;
    batch.joined = std::make_shared<const std::string>(std::move(joined));
    return batch;
}

void Poller::refresh_slots(const std::set<EpochMs>& slots) {
    LiveQueries::ReadTx tx(*db_);
    for (const EpochMs s : slots) slots_.set(s, q_->cost_between(s, s + CostBuckets::kSlotMs));
}

void Poller::deliver(FrameBatch batch) {
    ++counters_.batches;
    net::post(broadcaster_.strand(), [this, b = std::move(batch)] { broadcaster_.publish(b); });
}

void Poller::set_time_zones(std::vector<std::string> tzs) {
    std::vector<std::string> fresh;
    {
        std::lock_guard lk(mu_);
        std::set<std::string> next(tzs.begin(), tzs.end());
        for (const std::string& tz : next)
            if (!tzs_.count(tz)) fresh.push_back(tz);
        tzs_ = std::move(next);
    }
    if (fresh.empty()) return;
    net::post(ctx_, [this, fresh] {
        const EpochMs now = now_epoch_ms();
        for (const std::string& tz : fresh) {
            try {
                auto frame = burn_frame(tz, now);
                net::post(broadcaster_.strand(), [this, tz, frame] { broadcaster_.publish_burn(tz, frame); });
            } catch (const StoreError& e) {
                spdlog::warn("burn tick for {} failed: {}", tz, e.what());
            }
        }
    });
}

std::shared_ptr<const std::string> Poller::burn_frame(const std::string& tz, EpochMs now) {
    return control_frame(StreamEvent::BurnTick, burn_block(tz, now), now);
}

json::value Poller::burn_block(const std::string& tz, EpochMs now) {
    auto cal = calendar_at(now, tz);
    if (!cal) cal = calendar_at(now, "UTC");
    BurnInputs in;
    in.now = now;
    in.month_start = cal->month_start;
    in.next_month_start = cal->next_month_start;
    in.window_ms = kBurnWindowMs;
    in.cost_window = q_->totals_since(now - kBurnWindowMs, now).cost_usd;
    in.today = slots_.sum(cal->day_start, cal->next_day_start);
    in.month_to_date = slots_.sum(cal->month_start, cal->next_month_start);
    in.budget = opts_.budget;
    json::value payload = burn_payload(compute_burn(in), *cal, now);
    payload.as_object()["interval_s"] = opts_.tick_interval.count() / 1000.0;
    return payload;
}

void Poller::tick() {
    if (stopping_) return;
    const EpochMs now = now_epoch_ms();
    try {
        std::set<std::string> tzs;
        {
            std::lock_guard lk(mu_);
            tzs = tzs_;
        }
        std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> burns;
        for (const std::string& tz : tzs) burns.emplace_back(tz, burn_frame(tz, now));
        auto sessions = control_frame(
            StreamEvent::Sessions, sessions_payload(q_->sessions_in_flight(now - opts_.idle_after_s * 1000LL, 50, now + kFutureSlackMs), now, opts_.idle_after_s),
            now);
        // One hand-over, so the tick's frames reach each client in one send (one fan-out pass).
        net::post(broadcaster_.strand(), [this, burns = std::move(burns), sessions] {
            for (const auto& [tz, frame] : burns) broadcaster_.publish_burn(tz, frame);
            broadcaster_.publish_sessions(sessions);
        });
        check_limits(now, false);
        ++counters_.ticks;
        slots_.prune_before(now - 40 * kDayMs);
        latency_.prune(now);
    } catch (const StoreError& e) {
        ++counters_.errors;
        spdlog::warn("burn tick failed: {}", e.what());
    }
    tick_timer_.expires_after(opts_.tick_interval);
    tick_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) tick();
    });
}

namespace {

// What makes a window's frame news: not its observation time alone (a status line refreshed every second
// re-observes the same figures), unless the figures change too.
bool same_windows(const std::vector<LimitState>& a, const std::vector<LimitState>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        LimitState x = a[i], y = b[i];
        x.observed_at = y.observed_at = 0;
        if (!(x == y)) return false;
    }
    return true;
}

}  // namespace

void Poller::check_limits(EpochMs now, bool force) {
    std::vector<LimitState> limits =
        with_estimate(limits_->stored(), block_.current(kEstimatedBlockProvider, now), now);
    if (!force && limits_sent_ && same_windows(*limits_sent_, limits)) return;
    auto frame = control_frame(StreamEvent::RateLimits, limits_json(limits, now), now);
    limits_sent_ = std::move(limits);
    net::post(broadcaster_.strand(), [this, frame] { broadcaster_.publish_limits(frame); });
}

WatcherState Poller::read_watcher() {
    if (opts_.embedded_watcher) return opts_.embedded_watcher();
    WatcherState w;
    w.source = "heartbeat";
    if (!q_->has_heartbeat_table()) {
        w.state = "unknown";
        w.source = "none";
        w.reason = "the store has no heartbeat table (written by an older or foreign writer)";
        return w;
    }
    const auto hb = q_->heartbeat();
    if (!hb) {
        w.state = "unknown";
        w.reason = "no watcher has written a heartbeat to this store; start one with `agentpulse ingest --follow`";
        return w;
    }
    const EpochMs now = now_epoch_ms();
    const double age = static_cast<double>(now - hb->beat_ms) / 1000.0;
    const EpochMs stale_after = std::max<EpochMs>(3 * hb->interval_ms, 6000);
    w.pid = hb->pid;
    w.last_beat = hb->beat_at;
    w.beat_age_s = age;
    w.since = hb->started_at;
    if (hb->state == "running" && now - hb->beat_ms <= stale_after) {
        w.state = "running";
        w.reason = hb->reason;  // a running watcher's problem, if any (the store refuses writes, say)
    } else if (hb->state == "running") {
        w.state = "stopped";
        // No age in the text: a changed reason is a new state to announce, and the age changes every
        // check (beat_age_s carries it).
        w.reason = "heartbeat stale: the watcher (pid " + std::to_string(hb->pid) + " on " + hb->hostname +
                   ") last wrote at " + hb->beat_at + "; it may have died. Restart `agentpulse ingest --follow`";
        w.since = hb->beat_at;
    } else {
        w.state = "stopped";
        w.reason = "the watcher stopped (" + (hb->reason.empty() ? std::string("no reason given") : hb->reason) +
                   "); start `agentpulse ingest --follow`";
        w.since = hb->beat_at;
    }
    return w;
}

void Poller::check_watcher(bool force) {
    if (stopping_) return;
    WatcherState w;
    try {
        w = read_watcher();
    } catch (const StoreError& e) {
        w.state = "unknown";
        w.reason = std::string("cannot read the heartbeat: ") + e.what();
    }
    bool changed;
    {
        std::lock_guard lk(mu_);
        changed = force || !(w == watcher_);
        watcher_ = w;
    }
    if (changed) {
        auto frame = control_frame(StreamEvent::Watcher, watcher_payload(w), now_epoch_ms());
        // At start() too: the first stream's preamble is planned on the strand, after this.
        net::post(broadcaster_.strand(), [this, frame] { broadcaster_.publish_watcher(frame); });
    }
    if (force && !thread_.joinable()) return;
    watcher_timer_.expires_after(opts_.watcher_check_interval);
    watcher_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) check_watcher(false);
    });
}

std::vector<ToolLatencySummary> Poller::latency_summary(int window_hours, std::size_t limit) {
    return latency_.summarize(now_epoch_ms(), window_hours, limit);
}

std::vector<std::pair<std::string, std::int64_t>> Poller::table_rows() { return q_->table_sequences(); }

double Poller::usd_per_hour_utc() {
    const EpochMs now = now_epoch_ms();
    return q_->totals_since(now - kBurnWindowMs, now).cost_usd * (3'600'000.0 / kBurnWindowMs);
}

WatcherState Poller::watcher_state() const {
    std::lock_guard lk(mu_);
    return watcher_;
}

json::value Poller::stats_snapshot(const std::string& tz_in, int window_hours) {
    const EpochMs now = now_epoch_ms();
    std::string tz = tz_in;
    auto cal = calendar_at(now, tz);
    json::object o;
    if (!cal) {
        o["tz_error"] = "unknown time zone '" + tz + "'; using UTC";
        tz = "UTC";
        cal = calendar_at(now, tz);
    }
    window_hours = std::clamp(window_hours, 1, ToolLatencyIndex::kMaxWindowHours);
    o["as_of"] = format_iso8601(now);
    o["tz"] = cal->tz;
    {
        LiveQueries::ReadTx tx(*db_);
        o["window"] = totals_payload(q_->totals_since(now - kBurnWindowMs, now), static_cast<int>(kBurnWindowMs / 1000));
        o["sessions_in_flight"] =
            sessions_payload(q_->sessions_in_flight(now - opts_.idle_after_s * 1000LL, 50, now + kFutureSlackMs), now, opts_.idle_after_s)
                .as_object()
                .at("sessions");
        o["burn"] = burn_block(tz, now);
    }
    o["tool_latency"] = latency_payload(latency_.summarize(now, window_hours, 12), window_hours);
    o["tool_latency_window_hours"] = window_hours;
    o["tool_latency_measures"] =
        "wall time from a tool call to its result as the agent recorded them: the line holding the call to the line "
        "holding its result (including any wait for the user's approval), or the execution's own start and end "
        "where the agent records those";
    o["watermarks"] = watermark_payload(published_);
    o["watcher"] = watcher_payload(watcher_state());
    json::object server;
    server["version"] = AGENTPULSE_VERSION;
    server["poll_interval_ms"] = opts_.poll_interval.count();
    server["burn_interval_s"] = opts_.tick_interval.count() / 1000.0;
    o["server"] = std::move(server);
    return o;
}

}  // namespace agentpulse
