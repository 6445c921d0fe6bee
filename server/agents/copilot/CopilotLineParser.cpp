// Copilot CLI event log format: docs/formats.md, "GitHub Copilot CLI". Every line is one event
// {type, data, id, parentId, timestamp}; unknown types (hooks, turns, warnings, ...) are ignored, never an
// error. Usage comes from two places that never overlap: each assistant.message gives its output tokens;
// each session.shutdown gives, per model, what its cumulative rollup adds beyond what was already counted
// (input and cache, and any output no message reported).
#include "agents/copilot/CopilotLineParser.hpp"

#include <algorithm>

#include "agents/FieldCleaning.hpp"
#include "agents/SessionState.hpp"
#include "core/Hash.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

// A rollup counts a whole session: billions at most, never this. Beyond it (or below 0) it is corrupt;
// the bound also keeps the differences below from overflowing.
constexpr std::int64_t kMaxRollupTokens = 1'000'000'000'000;
// Sub-agents remembered for their model; a session has a handful, a corrupt file must not grow the state.
constexpr std::size_t kMaxSubAgents = 512;

bool rollup_plausible(const CopilotLineParser::Rollup& r) {
    for (const std::int64_t v : {r.input, r.output, r.cache_read, r.cache_write})
        if (v < 0 || v > kMaxRollupTokens) return false;
    return true;
}

// Tool arguments: an object, or (some versions) the object as JSON text.
const json::value* arguments(const json::value* data, json::value& parsed) {
    const json::value* args = jf::field(data, "arguments");
    if (args && args->is_string()) {
        boost::system::error_code ec;
        parsed = json::parse(args->as_string(), ec);
        return ec ? nullptr : &parsed;
    }
    return args;
}

// Bytes a tool writes: the argument holding the new text (create: file_text; edit: new_str).
std::optional<std::int64_t> written_bytes(const json::value* args) {
    for (const char* key : {"file_text", "new_str", "content"})
        if (const json::value* v = jf::field(args, key); v && v->is_string()) return string_bytes(v);
    return std::nullopt;
}

// The sub-agent an event belongs to: the tool call that started it (parentToolCallId), else the event's
// agentId (newer versions); empty for the main agent.
std::string_view agent_of(const json::value* root, const json::value* data) {
    const std::string_view parent = jf::str(jf::field(data, "parentToolCallId"));
    return parent.empty() ? jf::str(jf::field(root, "agentId")) : parent;
}

CopilotLineParser::Rollup read_rollup(const json::value* usage, bool& bad) {
    CopilotLineParser::Rollup r;
    r.input = read_count(jf::field(usage, "inputTokens"), bad);
    r.output = read_count(jf::field(usage, "outputTokens"), bad);
    r.cache_read = read_count(jf::field(usage, "cacheReadTokens"), bad);
    r.cache_write = read_count(jf::field(usage, "cacheWriteTokens"), bad);
    return r;
}

// Per-model counters saved as {"<model>": [input, output, cache read, cache write]}.
void load_rollups(const json::value* saved, std::map<std::string, CopilotLineParser::Rollup>& into) {
    const json::object* o = jf::object(saved);
    if (!o) return;
    for (const auto& [m, r] : *o) {
        const json::array* a = jf::array(&r);
        if (!a || a->size() != 4) continue;
        const CopilotLineParser::Rollup rollup{
            jf::integer(&(*a)[0]).value_or(-1), jf::integer(&(*a)[1]).value_or(-1),
            jf::integer(&(*a)[2]).value_or(-1), jf::integer(&(*a)[3]).value_or(-1)};
        if (rollup_plausible(rollup)) into[std::string(m)] = rollup;
    }
}

}  // namespace

LineOutcome CopilotLineParser::parse_records(std::string_view line, std::int64_t line_no,
                                             std::vector<ParsedLine>& out, LineIssue& issue) {
    ParsedLine& p = out.emplace_back();
    std::vector<UsageRecord> rollup;
    const LineOutcome o = read_event(line, line_no, p, rollup, issue);
    if (o != LineOutcome::Record) {
        out.pop_back();
        return o;
    }
    if (rollup.empty()) return o;
    // A shutdown: one record per model, each at the line's time, in the line's session.
    const std::size_t first = out.size() - 1;
    out[first].usage = std::move(rollup.front());
    for (std::size_t i = 1; i < rollup.size(); ++i) {
        ParsedLine r;
        r.line_no = out[first].line_no;
        r.ts = out[first].ts;
        r.session = out[first].session;
        r.usage = std::move(rollup[i]);
        out.push_back(std::move(r));
    }
    return o;
}

LineOutcome CopilotLineParser::read_event(std::string_view line, std::int64_t line_no, ParsedLine& out,
                                          std::vector<UsageRecord>& rollup, LineIssue& issue) {
    issue = LineIssue::None;
    const json::value* root = reader_.parse_object(line, issue);
    if (!root) return LineOutcome::Rejected;
    const std::string_view type = jf::str(jf::field(root, "type"));
    const json::value* data = jf::field(root, "data");

    if (type == "session.start" || type == "session.resume") {
        if (type == "session.start") {
            const std::string_view id = jf::str(jf::field(data, "sessionId"));
            if (!id.empty()) session_.session_id = clean_text(id, issue);
            const std::string_view version = jf::str(jf::field(data, "copilotVersion"));
            if (!version.empty()) session_.cli_version = clean_text(version, issue);
        } else {
            // A new leg: the resumed CLI carries on from the last rollup written. After a leg that ended
            // without a shutdown (a crash), the output its messages gave is in no rollup, and a
            // compaction in it reset counters the CLI no longer holds.
            leg_output_.clear();
            base_ = written_;
        }
        read_context(jf::field(data, "context"), issue);
        if (const std::string_view m = jf::str(jf::field(data, "selectedModel")); !m.empty())
            model_ = clean_text(m, issue);
        return LineOutcome::Ignored;
    }
    if (type == "session.model_change") {
        if (const std::string_view m = jf::str(jf::field(data, "newModel")); !m.empty())
            model_ = clean_text(m, issue);
        return LineOutcome::Ignored;
    }
    if (type == "session.context_changed") {
        read_context(data, issue);
        return LineOutcome::Ignored;
    }
    if (type == "session.compaction_complete") {
        // A successful compaction resets the rollup's counters: the next shutdown counts from zero, and
        // only messages after this point are inside it.
        if (jf::boolean(jf::field(data, "success"))) {
            base_.clear();
            leg_output_.clear();
        }
        return LineOutcome::Ignored;
    }
    if (type == "subagent.started") {
        const std::string_view call = jf::str(jf::field(data, "toolCallId"));
        const std::string_view m = jf::str(jf::field(data, "model"));
        if (!call.empty() && !m.empty()) {
            if (sub_models_.size() >= kMaxSubAgents) sub_models_.clear();
            sub_models_[clean_text(call, issue)] = clean_text(m, issue);
        }
        return LineOutcome::Ignored;
    }
    const bool user = type == "user.message", assistant = type == "assistant.message";
    const bool started = type == "tool.execution_start", completed = type == "tool.execution_complete";
    const bool shutdown = type == "session.shutdown";
    if (!user && !assistant && !started && !completed && !shutdown) return LineOutcome::Ignored;
    if (jf::boolean(jf::field(root, "ephemeral"))) return LineOutcome::Ignored;  // never meant to be on disk

    if (!begin_record(root, line_no, out, issue)) return LineOutcome::Rejected;
    if (shutdown) return read_shutdown(root, line, out, rollup, issue);

    const std::string agent = clean_text(agent_of(root, data), issue);
    MessageRecord& m = out.message.emplace();
    const std::string_view event_id = jf::str(jf::field(root, "id"));
    m.line_key = event_id.empty() ? "copilot:" + out.session.session_id + ":line:" + hex64(fnv1a64(line))
                                  : "copilot:" + clean_text(event_id, issue);
    if (const std::string_view parent = jf::str(jf::field(root, "parentId")); !parent.empty())
        m.parent_key = "copilot:" + clean_text(parent, issue);
    m.is_sidechain = !agent.empty();
    m.agent_id = agent;

    if (user) {
        m.kind = "user";
        m.role = "user";
        // The person's words (a skill's synthetic message is the CLI's own).
        if (!jf::str(jf::field(data, "source")).starts_with("skill")) m.text = content_text(jf::field(data, "content"));
        return LineOutcome::Record;
    }
    if (assistant) {
        m.kind = "assistant";
        m.role = "assistant";
        m.model = model_for(data, agent, issue);
        const std::string_view message_id = jf::str(jf::field(data, "messageId"));
        m.api_message_id = clean_text(message_id, issue);
        m.text = content_text(jf::field(data, "content"));
        bool bad = false;
        TokenCounts t;
        t.output = read_count(jf::field(data, "outputTokens"), bad);
        if (bad && issue == LineIssue::None) issue = LineIssue::MissingField;
        if (!tokens_plausible(t)) {
            issue = LineIssue::AbsurdTokens;
        } else if (t.output > 0) {
            m.tokens = t;
            UsageRecord& u = out.usage.emplace();
            // One message = one key; without a messageId, the event's own key.
            u.dedup_key = message_id.empty() ? m.line_key : "copilot:msg:" + m.api_message_id;
            u.model = m.model;
            u.tokens = t;
            u.grows = false;
            std::int64_t& counted = leg_output_[m.model];
            counted = std::min(kMaxRollupTokens, counted + t.output);
        }
        return LineOutcome::Record;
    }

    const std::string_view call_id = jf::str(jf::field(data, "toolCallId"));
    if (call_id.empty()) {
        issue = LineIssue::MissingField;
        out.message.reset();
        return LineOutcome::Rejected;
    }
    m.role = "tool";
    if (started) {
        m.kind = "tool_call";
        m.model = model_for(data, agent, issue);
        ToolCallRecord& c = out.tool_calls.emplace_back();
        c.tool_use_id = clean_text(call_id, issue);
        c.tool_name = clean_text(jf::str(jf::field(data, "toolName"), "unknown"), issue);
        json::value parsed;
        const json::value* args = arguments(data, parsed);
        c.file_path = first_path(args, {"path", "file_path", "filePath"}, issue);
        c.byte_count = written_bytes(args);
        c.command = command_text(args, {"command"});
        return LineOutcome::Record;
    }
    // tool.execution_complete: the result, and the model the main agent runs (it names it).
    m.kind = "tool_result";
    if (const std::string_view model = jf::str(jf::field(data, "model")); !model.empty()) {
        m.model = clean_text(model, issue);
        if (agent.empty()) model_ = m.model;
    }
    ToolResultRecord& r = out.tool_results.emplace_back();
    r.tool_use_id = clean_text(call_id, issue);
    const json::value* success = jf::field(data, "success");
    const json::value* error = jf::field(data, "error");
    r.is_error = success && success->is_bool() ? !success->as_bool() : (error && !error->is_null());
    r.result_bytes = string_bytes(jf::field(jf::field(data, "result"), "content"));
    if (r.result_bytes == 0) r.result_bytes = string_bytes(jf::field(error, "message"));
    return LineOutcome::Record;
}

void CopilotLineParser::read_context(const json::value* context, LineIssue& issue) {
    if (!jf::object(context)) return;
    if (const std::string_view cwd = jf::str(jf::field(context, "cwd")); !cwd.empty()) {
        session_.cwd = clean_text(cwd, issue);
        session_.project_slug = session_.cwd;
        session_.project_name = project_name_from_cwd(session_.cwd);
        if (session_.project_name.empty()) session_.project_name = session_.project_slug;
    }
    if (const std::string_view branch = jf::str(jf::field(context, "branch")); !branch.empty())
        session_.git_branch = clean_text(branch, issue);
}

bool CopilotLineParser::begin_record(const json::value* root, std::int64_t line_no, ParsedLine& out,
                                     LineIssue& issue) {
    out.line_no = line_no;
    if (!clock_.stamp(jf::str(jf::field(root, "timestamp")), out, issue)) return false;
    out.session = session_;
    if (out.session.session_id.empty()) out.session.session_id = path_session_;
    if (out.session.session_id.empty()) {
        issue = LineIssue::MissingField;
        return false;
    }
    if (out.session.project_slug.empty()) {
        // No session.start read (yet): the project is unknown rather than guessed.
        out.session.project_slug = ctx_.project_slug.empty() ? "(unknown)" : ctx_.project_slug;
        out.session.project_name = out.session.project_slug;
    }
    return true;
}

std::string CopilotLineParser::model_for(const json::value* data, const std::string& agent,
                                         LineIssue& issue) const {
    if (const std::string_view m = jf::str(jf::field(data, "model")); !m.empty()) return clean_text(m, issue);
    if (!agent.empty())
        if (auto it = sub_models_.find(agent); it != sub_models_.end()) return it->second;
    return model_;
}

// A shutdown's modelMetrics are cumulative over the session's legs (each resume carries on from the last
// rollup written), restart from zero at a successful compaction, and are written only on a clean exit.
// Per model: what the rollup adds since the counters already accounted for (from zero after a reset),
// with the output that the leg's messages already counted taken out. inputTokens includes the cache
// reads and writes.
LineOutcome CopilotLineParser::read_shutdown(const json::value* root, std::string_view line,
                                             const ParsedLine& out, std::vector<UsageRecord>& records,
                                             LineIssue& issue) {
    const json::object* metrics = jf::object(jf::field(jf::field(root, "data"), "modelMetrics"));
    const std::string_view event_id = jf::str(jf::field(root, "id"));
    const std::string key =
        "copilot:" + out.session.session_id +
        ":shutdown:" + (event_id.empty() ? "line:" + hex64(fnv1a64(line)) : clean_text(event_id, issue)) +
        ":";
    std::map<std::string, Rollup> latest;  // this rollup: what a resumed CLI will carry on from
    if (metrics) {
        for (const auto& [name, metric] : *metrics) {
            const std::string model = clean_text(name, issue);
            bool bad = false;
            const Rollup r = read_rollup(jf::field(metric, "usage"), bad);
            if (bad || !jf::object(jf::field(metric, "usage"))) {
                if (issue == LineIssue::None) issue = LineIssue::MissingField;
                continue;
            }
            if (!rollup_plausible(r)) {
                issue = LineIssue::AbsurdTokens;
                continue;
            }
            Rollup base = base_.count(model) ? base_[model] : Rollup{};
            // A counter below the last one seen: the CLI started counting again (a compaction whose event
            // we did not see, or an older CLI that reported each leg alone). Count from zero.
            if (r.input < base.input || r.output < base.output || r.cache_read < base.cache_read ||
                r.cache_write < base.cache_write)
                base = {};
            base_[model] = r;
            latest[model] = r;
            const auto own = leg_output_.find(model);
            const std::int64_t counted = own == leg_output_.end() ? 0 : own->second;
            TokenCounts t;
            t.cache_read = r.cache_read - base.cache_read;
            t.cache_create = r.cache_write - base.cache_write;
            t.input = std::max<std::int64_t>(0, r.input - base.input - t.cache_read - t.cache_create);
            t.output = std::max<std::int64_t>(0, r.output - base.output - counted);
            if (t.empty()) continue;
            UsageRecord& u = records.emplace_back();
            u.dedup_key = key + model;
            u.model = model;
            u.tokens = t;
            u.grows = false;
        }
        written_ = std::move(latest);
    } else if (issue == LineIssue::None) {
        issue = LineIssue::MissingField;
    }
    leg_output_.clear();  // the leg is over, whatever its rollup said
    return records.empty() ? LineOutcome::Ignored : LineOutcome::Record;
}

std::string CopilotLineParser::save_state() const {
    json::object o;
    o["clock"] = clock_.save_state();
    save_session(o, session_);
    o["model"] = model_;
    json::object base;
    for (const auto& [m, r] : base_) base[m] = json::array{r.input, r.output, r.cache_read, r.cache_write};
    o["base"] = std::move(base);
    json::object written;
    for (const auto& [m, r] : written_)
        written[m] = json::array{r.input, r.output, r.cache_read, r.cache_write};
    o["written"] = std::move(written);
    json::object leg;
    for (const auto& [m, n] : leg_output_) leg[m] = n;
    o["leg_output"] = std::move(leg);
    json::object subs;
    for (const auto& [a, m] : sub_models_) subs[a] = m;
    o["sub_models"] = std::move(subs);
    return json::serialize(o);
}

void CopilotLineParser::load_state(std::string_view state) {
    clock_.load_state({});
    session_ = {};
    model_.clear();
    base_.clear();
    written_.clear();
    leg_output_.clear();
    sub_models_.clear();
    if (state.empty()) return;
    boost::system::error_code ec;
    const json::value v = json::parse(state, ec);
    if (ec) return;
    clock_.load_state(jf::str(jf::field(v, "clock")));
    session_ = load_session(v);
    model_ = jf::str(jf::field(v, "model"));
    load_rollups(jf::field(v, "base"), base_);
    load_rollups(jf::field(v, "written"), written_);
    if (const json::object* leg = jf::object(jf::field(v, "leg_output")))
        for (const auto& [m, n] : *leg)
            if (const auto count = jf::integer(&n); count && *count >= 0 && *count <= kMaxRollupTokens)
                leg_output_[std::string(m)] = *count;
    if (const json::object* subs = jf::object(jf::field(v, "sub_models")))
        for (const auto& [a, m] : *subs)
            if (sub_models_.size() < kMaxSubAgents) sub_models_[std::string(a)] = std::string(jf::str(&m));
}

}  // namespace agentpulse
