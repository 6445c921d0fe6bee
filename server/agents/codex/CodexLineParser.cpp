// Codex rollout format: docs/formats.md, "Codex CLI". Usage: the per-turn delta of the cumulative totals
// (last_token_usage when no earlier total is known in this file); input includes cached input, and
// reasoning is already inside output, so neither is counted twice. A sub-agent's or fork's rollout
// starts with its parent's history copied in (the parent's session_meta, items and token_counts,
// re-stamped within milliseconds of the child's session_meta): those lines are the parent's and are
// skipped, their last total becoming the baseline the child's own turns are counted from.
#include "agents/codex/CodexLineParser.hpp"


#include "core/Hash.hpp"
#include "core/JsonFields.hpp"
#include "core/RateLimits.hpp"
#include "agents/FieldCleaning.hpp"
#include "agents/SessionState.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

// A session's cumulative counts reach billions, never this: beyond it (or below 0) a total is corrupt.
// Bounding them also keeps the sums and deltas below from overflowing (found by fuzz/transcript_fuzz).
constexpr std::int64_t kMaxCumulativeTokens = 1'000'000'000'000'000;

bool totals_plausible(const CodexLineParser::Totals& t) {
    for (const std::int64_t v : {t.input, t.cached, t.output, t.reasoning, t.total})
        if (v < 0 || v > kMaxCumulativeTokens) return false;
    return true;
}

// nullopt when absent or not an object; `absurd` is set when present but out of range.
std::optional<CodexLineParser::Totals> read_totals(const json::value* v, bool& absurd) {
    if (!jf::object(v)) return std::nullopt;
    CodexLineParser::Totals t;
    t.input = jf::integer(jf::field(v, "input_tokens")).value_or(0);
    t.cached = jf::integer(jf::field(v, "cached_input_tokens")).value_or(0);
    t.output = jf::integer(jf::field(v, "output_tokens")).value_or(0);
    t.reasoning = jf::integer(jf::field(v, "reasoning_output_tokens")).value_or(0);
    const auto total = jf::integer(jf::field(v, "total_tokens"));
    t.total = total.value_or(0);
    if (!totals_plausible(t)) {
        absurd = true;
        return std::nullopt;
    }
    if (!total) t.total = t.input + t.output;  // both bounded: no overflow
    return t;
}

// Codex tool output: plain text, or JSON text {"output": "...", "metadata": {"exit_code": N}};
// newer versions write "Exit code: N\n..." as text.
void read_output(std::string_view output, ToolResultRecord& r) {
    r.result_bytes = static_cast<std::int64_t>(output.size());
    if (!output.empty() && output.front() == '{') {
        boost::system::error_code ec;
        const json::value v = json::parse(output, ec);
        if (!ec) {
            if (const json::value* inner = jf::field(v, "output"); inner && inner->is_string())
                r.result_bytes = static_cast<std::int64_t>(inner->as_string().size());
            if (const auto code = jf::integer(jf::field(jf::field(v, "metadata"), "exit_code")))
                r.is_error = *code != 0;
            return;
        }
    }
    constexpr std::string_view kExit = "Exit code: ";
    if (output.starts_with(kExit)) {
        const std::string_view rest = output.substr(kExit.size());
        r.is_error = !rest.starts_with("0\n") && rest != "0" && !rest.starts_with("0\r");
    }
}

// The file a patch (apply_patch's free text) updates or adds, if it names one.
std::string_view patch_target(std::string_view patch) {
    constexpr std::string_view kFileTag[] = {"*** Update File: ", "*** Add File: "};
    for (const std::string_view tag : kFileTag) {
        if (const auto at = patch.find(tag); at != std::string_view::npos) {
            const auto end = patch.find('\n', at);
            return patch.substr(at + tag.size(), end == std::string_view::npos ? std::string_view::npos : end - at - tag.size());
        }
    }
    return {};
}

// function_call, custom_tool_call and local_shell_call items: the call, what it touches and writes.
void read_tool_call(const json::value* payload, std::string_view ptype, ParsedLine& out, LineIssue& issue) {
    const std::string_view id = jf::str(jf::field(payload, "call_id"), jf::str(jf::field(payload, "id")));
    if (id.empty()) return;
    ToolCallRecord& c = out.tool_calls.emplace_back();
    c.tool_use_id = clean_text(id, issue);
    c.tool_name = clean_text(jf::str(jf::field(payload, "name"), ptype == "local_shell_call" ? "shell" : "unknown"), issue);
    if (ptype == "custom_tool_call") {
        // apply_patch carries the patch as free text: its size is what it writes.
        const std::string_view input = jf::str(jf::field(payload, "input"));
        c.byte_count = static_cast<std::int64_t>(input.size());
        if (const std::string_view target = patch_target(input); target.data()) c.file_path = clean_text(target, issue);
    } else if (ptype == "function_call") {
        boost::system::error_code ec;
        const json::value args = json::parse(jf::str(jf::field(payload, "arguments")), ec);
        if (ec) return;
        c.file_path = first_path(&args, {"file_path", "path", "workdir"}, issue);
        c.command = command_text(&args, {"command", "cmd"});
    } else if (ptype == "local_shell_call") {
        c.command = command_text(jf::field(payload, "action"), {"command"});
    }
}

// function_call_output and custom_tool_call_output items.
void read_tool_result(const json::value* payload, ParsedLine& out, LineIssue& issue) {
    const std::string_view id = jf::str(jf::field(payload, "call_id"));
    if (id.empty()) return;
    ToolResultRecord& r = out.tool_results.emplace_back();
    r.tool_use_id = clean_text(id, issue);
    const json::value* output = jf::field(payload, "output");
    if (output && output->is_string()) {
        read_output(output->as_string(), r);
    } else if (jf::object(output)) {
        read_output(jf::str(jf::field(output, "content")), r);
        if (const json::value* ok = jf::field(output, "success"); ok && ok->is_bool()) r.is_error = !ok->as_bool();
    }
}

bool is_item(std::string_view ptype) {
    return ptype == "message" || ptype == "function_call" || ptype == "function_call_output" ||
           ptype == "custom_tool_call" || ptype == "custom_tool_call_output" || ptype == "local_shell_call";
}

}  // namespace

LineOutcome CodexLineParser::parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) {
    issue = LineIssue::None;
    const json::value* root = reader_.parse_object(line, issue);
    if (!root) return LineOutcome::Rejected;
    const std::string_view type = jf::str(jf::field(root, "type"));
    const json::value* payload = jf::field(root, "payload");
    if (const auto ts = parse_iso8601(jf::str(jf::field(root, "timestamp")))) last_ts_ = *ts;

    if (type == "session_meta") {
        read_session_meta(payload, issue);
        return LineOutcome::Ignored;
    }
    if (type == "turn_context") {
        const std::string_view model = jf::str(jf::field(payload, "model"));
        if (!model.empty()) model_ = clean_text(model, issue);
        return LineOutcome::Ignored;
    }
    const std::string_view ptype = jf::str(jf::field(payload, "type"));
    const bool token_count = type == "event_msg" && ptype == "token_count";
    if (!token_count && !(type == "response_item" && is_item(ptype))) return LineOutcome::Ignored;

    if (session_.session_id.empty()) {
        // A rollout always opens with session_meta; without it the lines cannot be attributed.
        issue = LineIssue::MissingField;
        return LineOutcome::Rejected;
    }
    if (last_ts_ == 0) {
        issue = LineIssue::NoTimestamp;
        return LineOutcome::Rejected;
    }
    if (replaying(last_ts_)) {
        // The parent's copy: its usage and items are the parent's. Its totals are where this thread's
        // own counting starts (a child that continues the parent's totals adds only its own turns).
        if (token_count) {
            bool absurd = false;
            if (const auto total = read_totals(jf::field(jf::field(payload, "info"), "total_token_usage"), absurd))
                totals_ = *total, have_totals_ = true;
        }
        return LineOutcome::Ignored;
    }
    out.line_no = line_no;
    out.ts = last_ts_;
    out.session = session_;
    if (token_count) return read_token_count(payload, line, out, issue);

    read_item(payload, ptype, line, out, issue);
    return LineOutcome::Record;
}

// A response item of this thread: a message (its text for the search index), a tool call or a call's output.
void CodexLineParser::read_item(const json::value* payload, std::string_view ptype, std::string_view line,
                                ParsedLine& out, LineIssue& issue) {
    MessageRecord& m = out.message.emplace();
    m.line_key = "codex:" + thread_id_ + ":" + hex64(fnv1a64(line));
    m.is_sidechain = !spawned_by_.empty();
    if (m.is_sidechain) m.agent_id = thread_id_;
    m.kind = std::string(ptype);
    m.role = clean_text(jf::str(jf::field(payload, "role"), ptype == "message" ? "" : "assistant"), issue);
    m.model = model_;
    if (ptype == "function_call" || ptype == "custom_tool_call" || ptype == "local_shell_call") {
        read_tool_call(payload, ptype, out, issue);
    } else if (ptype == "function_call_output" || ptype == "custom_tool_call_output") {
        read_tool_result(payload, out, issue);
        m.kind = "tool_result";
    } else if (m.role == "user" || m.role == "assistant") {  // input_text: the person's; output_text: the model's
        m.text = said_text(jf::field(payload, "content"), m.role == "user" ? "input_text" : "output_text");
    }
}

void CodexLineParser::read_session_meta(const json::value* payload, LineIssue& issue) {
    const std::string id = clean_text(jf::str(jf::field(payload, "id")), issue);
    if (id.empty()) {
        if (thread_id_.empty()) issue = LineIssue::MissingField;
        return;
    }
    // A fork's copied history repeats its ancestors' session_meta lines: the rollout is the first one's.
    if (!thread_id_.empty() && id != thread_id_) return;
    const bool first = thread_id_.empty();
    thread_id_ = id;
    spawned_by_ = clean_text(
        jf::str(jf::field(jf::field(jf::field(jf::field(payload, "source"), "subagent"), "thread_spawn"), "parent_thread_id")),
        issue);
    if (first && (!spawned_by_.empty() || !jf::str(jf::field(payload, "forked_from_id")).empty())) {
        in_replay_ = true;
        replay_start_ = last_ts_;
    }
    // A sub-agent's rows go to the session that spawned it (as Claude Code's sub-agents do); a fork is a
    // conversation of its own.
    session_.session_id = spawned_by_.empty() ? id : spawned_by_;
    session_.cwd = clean_text(jf::str(jf::field(payload, "cwd")), issue);
    session_.project_slug = session_.cwd.empty() ? "(unknown)" : session_.cwd;
    session_.project_name = project_name_from_cwd(session_.cwd);
    if (session_.project_name.empty()) session_.project_name = session_.project_slug;
    session_.cli_version = clean_text(jf::str(jf::field(payload, "cli_version")), issue);
    session_.git_branch = clean_text(jf::str(jf::field(jf::field(payload, "git"), "branch")), issue);
}

bool CodexLineParser::replaying(EpochMs ts) {
    if (!in_replay_) return false;
    if (replay_start_ == 0) replay_start_ = ts;
    // Once a line is stamped after the burst, the copy is over for good.
    if (ts - replay_start_ > kReplayWindowMs) in_replay_ = false;
    return in_replay_;
}

LineOutcome CodexLineParser::read_token_count(const json::value* payload, std::string_view line, ParsedLine& out,
                                              LineIssue& issue) {
    read_rate_limits(payload, out, issue);
    // A rate-limit-only event (info null) or repeated totals still carry the windows.
    const LineOutcome nothing_else = out.rate_limits.empty() ? LineOutcome::Ignored : LineOutcome::Record;
    const json::value* info = jf::field(payload, "info");
    bool absurd = false;
    const auto total = read_totals(jf::field(info, "total_token_usage"), absurd);
    const auto last = read_totals(jf::field(info, "last_token_usage"), absurd);
    Totals delta;
    if (total && have_totals_ && total->total >= totals_.total && total->input >= totals_.input &&
        total->output >= totals_.output) {
        delta = {total->input - totals_.input, total->cached - totals_.cached, total->output - totals_.output,
                 total->reasoning - totals_.reasoning, total->total - totals_.total};
    } else if (last) {
        delta = *last;
    } else if (total && !have_totals_) {
        delta = *total;
    } else {
        if (absurd) issue = LineIssue::AbsurdTokens;
        return nothing_else;  // no usage info (rate-limit only event), or only corrupt counts
    }
    if (total) totals_ = *total, have_totals_ = true;
    TokenCounts t;
    t.cache_read = std::max<std::int64_t>(0, std::min(delta.cached, delta.input));
    t.input = std::max<std::int64_t>(0, delta.input - t.cache_read);
    t.output = delta.output;
    t.reasoning = delta.reasoning;
    if (t.empty()) return nothing_else;  // the same totals repeated
    if (!tokens_plausible(t)) {
        issue = LineIssue::AbsurdTokens;
        return nothing_else;
    }
    UsageRecord& u = out.usage.emplace();
    u.dedup_key = "codex:" + thread_id_ + ":" + (total ? std::to_string(total->total) : "line:" + hex64(fnv1a64(line)));
    u.model = model_;
    u.tokens = t;
    u.grows = false;
    return LineOutcome::Record;
}

void CodexLineParser::read_rate_limits(const json::value* payload, ParsedLine& out, LineIssue& issue) {
    const json::value* limits = jf::field(payload, "rate_limits");
    if (!jf::object(limits)) return;
    const std::string limit_id = clean_text(jf::str(jf::field(limits, "limit_id")), issue);
    const std::string plan_type = clean_text(jf::str(jf::field(limits, "plan_type")), issue);
    for (const std::string_view slot : {"primary", "secondary"}) {
        const json::value* w = jf::field(limits, slot);
        const auto minutes = jf::integer(jf::field(w, "window_minutes"));
        const auto used = jf::number(jf::field(w, "used_percent"));
        // A window of unknown length cannot be told from the other one; a nonsense figure is no figure.
        if (!minutes || *minutes <= 0 || !used || *used < 0 || *used > 1000) continue;
        RateLimitRecord& r = out.rate_limits.emplace_back();
        r.window = limit_window_name(*minutes);
        r.window_minutes = *minutes;
        r.used_percent = *used;
        r.limit_id = limit_id;
        r.plan_type = plan_type;
        constexpr std::int64_t kMaxSeconds = 400LL * 24 * 3600;  // beyond any plausible reset
        if (const auto at = jf::integer(jf::field(w, "resets_at")); at && *at > 0 && *at < INT64_MAX / 1000)
            r.resets_at = *at * 1000;
        else if (const auto in = jf::integer(jf::field(w, "resets_in_seconds")); in && *in >= 0 && *in < kMaxSeconds)
            r.resets_at = out.ts + *in * 1000;
    }
}

std::string CodexLineParser::save_state() const {
    json::object o;
    save_session(o, session_);
    o["model"] = model_;
    o["last_ts"] = last_ts_;
    o["thread"] = thread_id_;
    if (!spawned_by_.empty()) o["spawned_by"] = spawned_by_;
    if (in_replay_) o["replay_start"] = replay_start_;
    if (have_totals_)
        o["totals"] = json::array{totals_.input, totals_.cached, totals_.output, totals_.reasoning, totals_.total};
    return json::serialize(o);
}

void CodexLineParser::load_state(std::string_view state) {
    session_ = {};
    model_.clear();
    thread_id_.clear();
    spawned_by_.clear();
    in_replay_ = false;
    replay_start_ = 0;
    last_ts_ = 0;
    have_totals_ = false;
    totals_ = {};
    if (state.empty()) return;
    boost::system::error_code ec;
    const json::value v = json::parse(state, ec);
    if (ec) return;
    session_ = load_session(v);
    model_ = jf::str(jf::field(v, "model"));
    last_ts_ = jf::integer(jf::field(v, "last_ts")).value_or(0);
    // States saved before sub-agents were told apart name no thread: it was the session's id then.
    thread_id_ = jf::str(jf::field(v, "thread"), session_.session_id);
    spawned_by_ = jf::str(jf::field(v, "spawned_by"));
    if (const auto start = jf::integer(jf::field(v, "replay_start"))) in_replay_ = true, replay_start_ = *start;
    if (const json::array* t = jf::array(jf::field(v, "totals")); t && t->size() == 5) {
        totals_ = {jf::integer(&(*t)[0]).value_or(0), jf::integer(&(*t)[1]).value_or(0), jf::integer(&(*t)[2]).value_or(0),
                   jf::integer(&(*t)[3]).value_or(0), jf::integer(&(*t)[4]).value_or(0)};
        have_totals_ = totals_plausible(totals_);
        if (!have_totals_) totals_ = {};
    }
}

}  // namespace agentpulse
