// See ReportJson.hpp. Money stays a JSON number in USD, tokens integers, times ISO-8601 UTC strings.
#include "report/ReportJson.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "agents/AgentRegistry.hpp"
#include "core/ApiJson.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

std::int64_t total_tokens(const TokenCounts& t) { return t.input + t.output + t.cache_read + t.cache_create; }

struct Sum {
    double cost_usd = 0;
    TokenCounts tokens;
    std::int64_t events = 0, unpriced = 0, estimated = 0;
    void add(const UsageSlice& s) {
        cost_usd += s.cost_usd;
        tokens += s.tokens;
        events += s.events;
        unpriced += s.unpriced_events;
        estimated += s.estimated_events;
    }
};

json::object sum_object(const Sum& s) {
    json::object o;
    o["cost_usd"] = s.cost_usd;
    o["events"] = s.events;
    o["unpriced_events"] = s.unpriced;
    o["estimated_events"] = s.estimated;
    o["tokens"] = tokens_payload(s.tokens);
    o["total_tokens"] = total_tokens(s.tokens);
    return o;
}

// Nearest rank: the value at rank ceil(p/100 * N) in ascending order (as the live API's percentiles).
std::optional<std::int64_t> rank_percentile(const std::vector<std::int64_t>& sorted, double p) {
    if (sorted.empty()) return std::nullopt;
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

json::value opt(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }
json::value opt(const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }

// The usage slices of the overview's range summed per day, model and project.
struct OverviewTally {
    std::vector<Sum> day_sum;
    std::vector<std::map<std::string, double>> day_model, day_project;  // cost per day
    std::map<std::string, Sum> models, projects, agents, machines;
    std::map<std::string, std::string> model_provider;
    Sum total;
};

OverviewTally tally_overview(const OverviewInputs& in) {
    const std::size_t n = in.day_starts.size();
    OverviewTally t;
    t.day_sum.resize(n);
    t.day_model.resize(n);
    t.day_project.resize(n);
    for (const UsageSlice& s : in.slices) {
        if (s.day < 0 || static_cast<std::size_t>(s.day) >= n) continue;
        const std::string model = s.model.empty() ? "(unknown model)" : s.model;
        const auto name = in.projects.find(s.project_id);
        const std::string project = name == in.projects.end() ? "project " + std::to_string(s.project_id) : name->second;
        t.day_sum[s.day].add(s);
        t.day_model[s.day][model] += s.cost_usd;
        t.day_project[s.day][project] += s.cost_usd;
        t.models[model].add(s);
        t.model_provider[model] = s.provider;
        t.projects[project].add(s);
        t.agents[s.provider].add(s);
        t.machines[s.machine].add(s);
        t.total.add(s);
    }
    return t;
}

json::array days_array(const OverviewInputs& in, const OverviewTally& t) {
    json::array days;
    for (std::size_t i = 0; i < in.day_starts.size(); ++i) {
        json::object d = sum_object(t.day_sum[i]);
        d["date"] = i < in.day_labels.size() ? in.day_labels[i] : "";
        d["start"] = format_iso8601(in.day_starts[i]);
        json::object bm, bp;
        for (const auto& [k, v] : t.day_model[i]) bm[k] = v;
        for (const auto& [k, v] : t.day_project[i]) bp[k] = v;
        d["by_model"] = std::move(bm);
        d["by_project"] = std::move(bp);
        days.push_back(std::move(d));
    }
    return days;
}

// Models, projects or agents, costliest first (then most tokens), each with its share of the total cost.
json::array ranked(const std::map<std::string, Sum>& sums, const char* key,
                   const std::map<std::string, std::string>* provider, double total_cost) {
    std::vector<std::pair<std::string, const Sum*>> v;
    for (const auto& [k, s] : sums) v.emplace_back(k, &s);
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        if (a.second->cost_usd != b.second->cost_usd) return a.second->cost_usd > b.second->cost_usd;
        return total_tokens(a.second->tokens) > total_tokens(b.second->tokens);
    });
    json::array a;
    for (const auto& [k, s] : v) {
        json::object o = sum_object(*s);
        o[key] = k;
        if (provider) o["provider"] = provider->at(k);
        o["share"] = total_cost > 0 ? s->cost_usd / total_cost : 0.0;
        a.push_back(std::move(o));
    }
    return a;
}

json::object token_mix(const TokenCounts& t) {
    json::object mix;
    mix["input"] = t.input;
    mix["output"] = t.output;
    mix["cache_read"] = t.cache_read;
    mix["cache_create_5m"] = t.cache_create_5m();
    mix["cache_create_1h"] = t.cache_create_1h;
    mix["reasoning"] = t.reasoning;
    return mix;
}

json::object savings_object(const CacheSavings& c) {
    json::object cs;
    cs["saved_usd"] = c.saved_usd;
    cs["at_input_rate_usd"] = c.at_input_rate_usd;
    cs["at_cache_rate_usd"] = c.at_cache_rate_usd;
    cs["cache_read_tokens"] = c.cache_read_tokens;
    cs["unpriced_cache_read_tokens"] = c.unpriced_cache_read_tokens;
    return cs;
}

}  // namespace

CacheSavings cache_savings(const std::vector<UsageSlice>& slices, const PriceBook& prices) {
    CacheSavings c;
    for (const UsageSlice& s : slices) {
        if (s.tokens.cache_read == 0) continue;
        c.cache_read_tokens += s.tokens.cache_read;
        const AgentSource* agent = find_agent(s.provider);
        const ModelPrice* m = prices.find(agent ? agent->traits().prices.name : std::string_view(), s.model);
        if (!m) {
            c.unpriced_cache_read_tokens += s.tokens.cache_read;
            continue;
        }
        const double tokens = static_cast<double>(s.tokens.cache_read);
        c.at_input_rate_usd += tokens * m->rates.input / 1e6;
        c.at_cache_rate_usd += tokens * m->rates.cache_read / 1e6;
    }
    c.saved_usd = c.at_input_rate_usd - c.at_cache_rate_usd;
    return c;
}

json::value overview_payload(const OverviewInputs& in) {
    const OverviewTally t = tally_overview(in);
    json::object o;
    o["tz"] = in.calendar.tz;
    o["as_of"] = format_iso8601(in.now);
    const std::size_t n = in.day_starts.size();
    json::object range;
    range["days"] = static_cast<std::int64_t>(n);
    range["from"] = n ? format_iso8601(in.day_starts.front()) : "";
    range["to"] = format_iso8601(in.end);
    o["range"] = std::move(range);
    o["days"] = days_array(in, t);
    o["models"] = ranked(t.models, "model", &t.model_provider, t.total.cost_usd);
    o["projects"] = ranked(t.projects, "project", nullptr, t.total.cost_usd);
    o["agents"] = ranked(t.agents, "provider", nullptr, t.total.cost_usd);
    o["machines"] = ranked(t.machines, "machine", nullptr, t.total.cost_usd);
    o["provider"] = in.provider;
    o["machine"] = in.machine;
    o["totals"] = sum_object(t.total);
    o["token_mix"] = token_mix(t.total.tokens);
    o["cache_savings"] = in.prices ? json::value(savings_object(cache_savings(in.slices, *in.prices))) : json::value(nullptr);
    o["burn"] = burn_payload(in.burn, in.calendar, in.now);
    o["empty"] = !in.has_activity;
    return o;
}

json::value session_summary_payload(const SessionSummary& s) {
    json::object o;
    o["session_row"] = s.row;
    o["session_id"] = s.session_id;
    o["provider"] = s.provider;
    o["project"] = s.project;
    o["project_id"] = s.project_id;
    o["model"] = s.model;
    o["started_at"] = s.started_at;
    o["last_at"] = s.last_at;
    o["duration_s"] = s.duration_s ? json::value(*s.duration_s) : json::value(nullptr);
    o["cwd"] = s.cwd;
    o["git_branch"] = s.git_branch;
    o["machine"] = s.machine;
    o["user"] = s.user;
    o["cost_usd"] = s.cost_usd;
    o["events"] = s.events;
    o["unpriced_events"] = s.unpriced_events;
    o["estimated_events"] = s.estimated_events;
    o["tool_calls"] = s.tool_calls;
    o["tool_errors"] = s.tool_errors;
    o["tokens"] = tokens_payload(s.tokens);
    o["total_tokens"] = total_tokens(s.tokens);
    return o;
}

json::value session_page_payload(const SessionPage& page, const SessionQuery& q, const std::vector<std::string>& projects,
                                 const std::vector<std::string>& models, const std::vector<std::string>& machines) {
    json::object o;
    o["total"] = page.total;
    o["limit"] = q.limit;
    o["offset"] = q.offset;
    o["sort"] = q.sort;
    o["dir"] = q.descending ? "desc" : "asc";
    json::object f;
    f["project"] = q.project;
    f["model"] = q.model;
    f["provider"] = q.provider;
    f["q"] = q.search;
    f["machine"] = q.machine;
    o["filters"] = std::move(f);
    json::array rows;
    for (const SessionSummary& s : page.rows) rows.push_back(session_summary_payload(s));
    o["sessions"] = std::move(rows);
    json::object facets;
    facets["projects"] = json::value_from(projects);
    facets["models"] = json::value_from(models);
    facets["machines"] = json::value_from(machines);
    o["facets"] = std::move(facets);
    return o;
}

json::value session_detail_payload(const SessionSummary& s, const std::vector<SessionToolCall>& calls,
                                   std::int64_t calls_total, const std::vector<SessionCostPoint>& costs,
                                   std::size_t max_points) {
    json::object o;
    o["session"] = session_summary_payload(s);

    json::array timeline;
    std::map<std::string, std::vector<std::int64_t>> latencies;
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> counts;  // calls, errors
    for (const SessionToolCall& c : calls) {
        json::object t;
        t["id"] = c.id;
        t["ts"] = c.ts;
        t["tool_name"] = c.tool_name;
        t["tool_use_id"] = c.tool_use_id;
        t["call_index"] = c.call_index;
        t["file_path"] = opt(c.file_path);
        t["byte_count"] = opt(c.byte_count);
        t["result_ts"] = opt(c.result_ts);
        t["latency_ms"] = opt(c.latency_ms);
        t["result_bytes"] = opt(c.result_bytes);
        t["is_error"] = c.is_error;
        t["pending"] = !c.has_result;
        timeline.push_back(std::move(t));
        auto& cnt = counts[c.tool_name];
        ++cnt.first;
        if (c.is_error) ++cnt.second;
        if (c.latency_ms) latencies[c.tool_name].push_back(*c.latency_ms);
    }
    o["tool_calls"] = std::move(timeline);
    o["tool_calls_total"] = calls_total;
    o["tool_calls_truncated"] = calls_total > static_cast<std::int64_t>(calls.size());

    std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> by_tool(counts.begin(), counts.end());
    std::stable_sort(by_tool.begin(), by_tool.end(),
                     [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    json::array tools;
    for (const auto& [name, cnt] : by_tool) {
        std::vector<std::int64_t>& l = latencies[name];
        std::sort(l.begin(), l.end());
        json::object t;
        t["tool_name"] = name;
        t["calls"] = cnt.first;
        t["errors"] = cnt.second;
        t["samples"] = static_cast<std::int64_t>(l.size());
        t["p50_ms"] = opt(rank_percentile(l, 50));
        t["p95_ms"] = opt(rank_percentile(l, 95));
        t["max_ms"] = l.empty() ? json::value(nullptr) : json::value(l.back());
        tools.push_back(std::move(t));
    }
    o["tools"] = std::move(tools);

    // Cumulative cost after every event, then thinned to at most max_points (the last always kept).
    const std::size_t n = costs.size();
    const std::size_t step = max_points > 0 && n > max_points ? (n + max_points - 1) / max_points : 1;
    json::array series;
    double cumulative = 0;
    std::map<std::string, double> by_model;
    for (std::size_t i = 0; i < n; ++i) {
        const SessionCostPoint& p = costs[i];
        cumulative += p.cost_usd;
        by_model[p.model.empty() ? "(unknown model)" : p.model] += p.cost_usd;
        if (i % step != 0 && i + 1 != n) continue;
        json::object pt;
        pt["ts"] = p.ts;
        pt["cost_usd"] = p.cost_usd;
        pt["cumulative_usd"] = cumulative;
        pt["model"] = p.model;
        pt["unpriced"] = p.cost_source == "unpriced";
        pt["estimated"] = p.cost_source == kEstimateModelUnknown;
        series.push_back(std::move(pt));
    }
    o["cost_series"] = std::move(series);
    o["cost_points_total"] = static_cast<std::int64_t>(n);
    json::object bm;
    for (const auto& [k, v] : by_model) bm[k] = v;
    o["cost_by_model"] = std::move(bm);
    return o;
}

json::value config_payload(const ServeInfo& info, const std::vector<TranscriptFileCount>& files, bool has_activity) {
    json::object o;
    o["version"] = AGENTPULSE_VERSION;
    o["demo"] = info.demo;
    o["watcher_mode"] = info.embedded_watcher ? "embedded" : "external";
    o["store"] = info.store;
    o["budget_usd"] = info.budget ? json::value(*info.budget) : json::value(nullptr);
    o["token_required"] = info.token_required;
    o["machine"] = info.machine;
    o["forward"] = info.forward;
    o["has_activity"] = has_activity;
    if (info.demo) o["demo_folder"] = info.demo_folder;
    // Every agent this build reads (the dashboard's one table of names, labels and colours), and the folder
    // watched for each with what it holds.
    json::array agents, roots;
    for (const AgentSource* source : agent_sources()) {
        const AgentTraits& t = source->traits();
        agents.push_back(json::object{
            {"name", t.name}, {"label", t.label}, {"color", t.color}, {"tool_latency", t.exact_tool_latency}});
    }
    for (const AgentRoot& ar : info.roots) {
        const AgentTraits& t = ar.source->traits();
        json::object r;
        r["provider"] = t.name;
        r["path"] = ar.path.string();
        std::error_code ec;
        r["exists"] = !ar.path.empty() && std::filesystem::is_directory(ar.path, ec);
        r["flag"] = "--" + std::string(t.option);
        std::string env = "AGENTPULSE_" + std::string(t.option);
        for (char& ch : env) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        r["env"] = env;
        r["default"] = t.default_hint;
        std::int64_t n = 0, bytes = 0;
        for (const TranscriptFileCount& f : files)
            if (f.provider == t.name) n += f.files, bytes += f.bytes;
        r["files"] = n;
        r["bytes"] = bytes;
        roots.push_back(std::move(r));
    }
    o["agents"] = std::move(agents);
    o["roots"] = std::move(roots);
    json::array fa;
    for (const TranscriptFileCount& f : files) {
        json::object fo;
        fo["provider"] = f.provider;
        fo["kind"] = f.kind;
        fo["files"] = f.files;
        fo["bytes"] = f.bytes;
        fa.push_back(std::move(fo));
    }
    o["transcript_files"] = std::move(fa);
    return o;
}

}  // namespace agentpulse
