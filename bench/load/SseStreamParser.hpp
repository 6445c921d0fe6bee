// Incremental parser for one Server-Sent Events response as the load client reads it: the HTTP status
// line and headers first, then `event:` / `id:` / `data:` / `retry:` lines and comments, dispatching one
// message per blank line. It copies only a partial trailing line; a data line is scanned in place for
// what the harness checks (the row id and the writer's commit stamp), never stored whole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace agentpulse::load {

enum class SseType : std::uint8_t { Other, Ready, Event, EventUpdate, ToolCall, ToolResult, Resync, Burn, Sessions, Watcher };

struct SseMessage {
    SseType type = SseType::Other;
    std::int64_t row_id = -1;   // payload.id of a row frame
    std::int64_t stamp_ns = 0;  // the "load@<ns>" commit stamp in the payload's model, if any
    bool has_id = false;        // the message carried an `id:` line (now in last_event_id())
};

class SseStreamParser {
public:
    enum class State { Headers, Body, Failed };

    // Feeds bytes; calls on_message(const SseMessage&) per dispatched message. Returns false once the
    // response is not a 200 event stream (state Failed).
    template <class OnMessage>
    bool feed(const char* p, std::size_t n, OnMessage&& on_message);

    State state() const { return state_; }
    int status() const { return status_; }
    const std::string& last_event_id() const { return last_id_; }
    int retry_ms() const { return retry_ms_; }
    std::uint64_t comments() const { return comments_; }
    void reset() {  // a new connection: the resume id (last_event_id) is kept
        state_ = State::Headers;
        partial_.clear();
        cur_ = {};
        status_ = 0;
    }
    // Bytes held because a line was split across reads (memory the client keeps per connection).
    std::size_t held() const { return partial_.capacity(); }

private:
    template <class OnMessage>
    void line(std::string_view l, OnMessage& on_message);
    bool header_block(std::string_view block);
    static SseType type_of(std::string_view t);
    void scan_data(std::string_view d);

    State state_ = State::Headers;
    std::string partial_;
    SseMessage cur_;
    std::string last_id_, pending_id_;
    int status_ = 0, retry_ms_ = -1;
    std::uint64_t comments_ = 0;
};

template <class OnMessage>
bool SseStreamParser::feed(const char* p, std::size_t n, OnMessage&& on_message) {
    std::string_view in(p, n);
    if (state_ == State::Headers) {
        partial_.append(in);
        const std::size_t end = partial_.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (partial_.size() > 16 * 1024) state_ = State::Failed;
            return state_ != State::Failed;
        }
        if (!header_block(std::string_view(partial_).substr(0, end))) {
            state_ = State::Failed;
            return false;
        }
        state_ = State::Body;
        std::string rest = partial_.substr(end + 4);
        partial_.clear();
        partial_.shrink_to_fit();
        return rest.empty() ? true : feed(rest.data(), rest.size(), on_message);
    }
    if (state_ == State::Failed) return false;
    if (!partial_.empty()) {
        const std::size_t nl = in.find('\n');
        if (nl == std::string_view::npos) {
            partial_.append(in);
            return true;
        }
        partial_.append(in.substr(0, nl));
        std::string whole;
        whole.swap(partial_);
        line(whole, on_message);
        in.remove_prefix(nl + 1);
        whole.clear();
        partial_.swap(whole);  // keep the capacity for the next split line
    }
    while (!in.empty()) {
        const std::size_t nl = in.find('\n');
        if (nl == std::string_view::npos) {
            partial_.assign(in);
            break;
        }
        line(in.substr(0, nl), on_message);
        in.remove_prefix(nl + 1);
    }
    return true;
}

template <class OnMessage>
void SseStreamParser::line(std::string_view l, OnMessage& on_message) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty()) {
        // As EventSource does: an id becomes the one to resume from only when its message is complete
        // (a frame cut off by a closed connection must be replayed, not skipped).
        if (cur_.has_id) last_id_ = pending_id_;
        if (cur_.type != SseType::Other || cur_.row_id >= 0 || cur_.has_id) on_message(static_cast<const SseMessage&>(cur_));
        cur_ = {};
        return;
    }
    if (l.front() == ':') {
        ++comments_;
        return;
    }
    const std::size_t colon = l.find(':');
    std::string_view field = l.substr(0, colon), value;
    if (colon != std::string_view::npos) {
        value = l.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        scan_data(value);
    } else if (field == "event") {
        cur_.type = type_of(value);
    } else if (field == "id") {
        pending_id_.assign(value);
        cur_.has_id = true;
    } else if (field == "retry") {
        int ms = 0;
        for (const char c : value)
            if (c >= '0' && c <= '9') ms = ms * 10 + (c - '0');
        retry_ms_ = ms;
    }
}

}  // namespace agentpulse::load
