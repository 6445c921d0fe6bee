// Loads conf/pricing.json and prices responses by the Anthropic/OpenAI billing rules documented in that file.
#include "core/PriceBook.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace agentpulse {
namespace json = boost::json;

namespace {

[[noreturn]] void fail(std::string_view origin, const std::string& what) {
    throw std::runtime_error(std::string(origin) + ": " + what);
}

double rate(const json::object& o, std::string_view key, std::string_view origin, const std::string& family,
            bool required, double fallback = 0) {
    const json::value* v = o.if_contains(key);
    if (!v) {
        if (required) fail(origin, "model family '" + family + "' lacks '" + std::string(key) + "'");
        return fallback;
    }
    if (!v->is_number()) fail(origin, "model family '" + family + "': '" + std::string(key) + "' is not a number");
    const double d = v->to_number<double>();
    if (!(d >= 0) || d > 1e6) fail(origin, "model family '" + family + "': '" + std::string(key) + "' out of range");
    return d;
}

Rates parse_rates(const json::object& o, std::string_view origin, const std::string& family, Billing billing) {
    Rates r;
    r.input = rate(o, "input", origin, family, true);
    r.output = rate(o, "output", origin, family, true);
    if (billing == Billing::OpenAI) {
        // Cached input replaces input; it is what OpenAI bills for the cached part of the prompt.
        r.cache_read = rate(o, "cached_input", origin, family, false, r.input);
        r.cache_write_5m = r.cache_write_1h = r.input;
    } else {
        r.cache_write_5m = rate(o, "cache_write_5m", origin, family, false, r.input * 1.25);
        r.cache_write_1h = rate(o, "cache_write_1h", origin, family, false, r.input * 2.0);
        r.cache_read = rate(o, "cache_read", origin, family, false, r.input * 0.1);
    }
    return r;
}

// The declared family an entry's "provider" names; null when it names none or no families were declared.
const PriceFamily* family_of(const std::vector<PriceFamily>& families, const ModelPrice& mp, std::string_view origin) {
    if (mp.provider.empty() || families.empty()) return nullptr;
    for (const PriceFamily& f : families)
        if (f.name == mp.provider) return &f;
    std::string known;
    for (const PriceFamily& f : families) known += (known.empty() ? "'" : ", '") + std::string(f.name) + "'";
    fail(origin, "model family '" + mp.family + "': provider must be one of " + known);
}

// "billing": "anthropic" | "openai". Without it: the family's billing, else OpenAI for an entry that lists
// "cached_input" (an OpenAI-style rate) and Anthropic for any other.
Billing parse_billing(const json::object& m, std::string_view origin, const std::string& family,
                      const PriceFamily* declared) {
    const json::value* b = m.if_contains("billing");
    if (!b && declared) return declared->billing;
    if (!b) return m.contains("cached_input") ? Billing::OpenAI : Billing::Anthropic;
    if (b->is_string() && b->as_string() == "anthropic") return Billing::Anthropic;
    if (b->is_string() && b->as_string() == "openai") return Billing::OpenAI;
    fail(origin, "model family '" + family + "': billing must be 'anthropic' or 'openai'");
}

// A model entry's `tiers`: ascending whole-number thresholds, each with its rates.
std::vector<PriceTier> parse_tiers(const json::value& tiers, std::string_view origin, const ModelPrice& mp) {
    const std::string who = "model family '" + mp.family + "': ";
    if (mp.long_context) fail(origin, who + "has both 'long_context' and 'tiers'; use one");
    if (!tiers.is_array() || tiers.as_array().empty())
        fail(origin, who + "'tiers' must be a non-empty array of {threshold_tokens, rates}");
    std::vector<PriceTier> out;
    for (const json::value& tv : tiers.as_array()) {
        if (!tv.is_object()) fail(origin, who + "every entry of 'tiers' must be an object");
        const json::object& to = tv.as_object();
        PriceTier tier;
        const double th = rate(to, "threshold_tokens", origin, mp.family, true);
        if (th < 1 || th != static_cast<double>(static_cast<std::int64_t>(th)))
            fail(origin, who + "a tier's threshold_tokens must be a positive whole number");
        tier.threshold_tokens = static_cast<std::int64_t>(th);
        if (!out.empty() && tier.threshold_tokens <= out.back().threshold_tokens)
            fail(origin, who + "'tiers' must be in ascending order of threshold_tokens (" +
                             std::to_string(tier.threshold_tokens) + " after " +
                             std::to_string(out.back().threshold_tokens) + ")");
        tier.rates = parse_rates(to, origin, mp.family, mp.billing);
        out.push_back(tier);
    }
    return out;
}

// One entry of `models`: its family, patterns, billing and rates, and the optional long-context rates,
// tiers and fast-tier multiplier.
ModelPrice parse_model(const json::value& mv, std::string_view origin, const std::vector<PriceFamily>& families) {
    if (!mv.is_object()) fail(origin, "every entry of 'models' must be an object");
    const json::object& m = mv.as_object();
    ModelPrice mp;
    if (const json::value* f = m.if_contains("family"); f && f->is_string())
        mp.family = std::string(f->as_string());
    else
        fail(origin, "a model entry lacks a 'family' string");
    if (const json::value* pv = m.if_contains("provider"); pv && pv->is_string())
        mp.provider = std::string(pv->as_string());
    mp.billing = parse_billing(m, origin, mp.family, family_of(families, mp, origin));
    const json::value* match = m.if_contains("match");
    if (!match || !match->is_array() || match->as_array().empty())
        fail(origin, "model family '" + mp.family + "' needs a non-empty 'match' array");
    for (const json::value& pat : match->as_array()) {
        if (!pat.is_string() || pat.as_string().empty())
            fail(origin, "model family '" + mp.family + "': 'match' entries must be non-empty strings");
        mp.patterns.emplace_back(pat.as_string());
    }
    mp.rates = parse_rates(m, origin, mp.family, mp.billing);
    if (const json::value* lc = m.if_contains("long_context")) {
        if (!lc->is_object()) fail(origin, "model family '" + mp.family + "': 'long_context' must be an object");
        const json::object& lco = lc->as_object();
        mp.long_context = parse_rates(lco, origin, mp.family, mp.billing);
        const double th = rate(lco, "threshold_tokens", origin, mp.family, true);
        if (th < 1) fail(origin, "model family '" + mp.family + "': threshold_tokens must be positive");
        mp.long_context_threshold = static_cast<std::int64_t>(th);
    }
    if (const json::value* tiers = m.if_contains("tiers")) mp.tiers = parse_tiers(*tiers, origin, mp);
    if (const json::value* fast = m.if_contains("fast")) {
        if (!fast->is_object()) fail(origin, "model family '" + mp.family + "': 'fast' must be an object");
        mp.fast_multiplier = rate(fast->as_object(), "multiplier", origin, mp.family, true);
    }
    return mp;
}

}  // namespace

bool glob_match(std::string_view p, std::string_view t) {
    std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    auto eq = [&](char a, char b) { return lower(a) == lower(b); };  // ASCII only, as documented
    while (ti < t.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++, mark = ti;
        } else if (pi < p.size() && eq(p[pi], t[ti])) {
            ++pi, ++ti;
        } else if (star != std::string_view::npos) {
            pi = star + 1, ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

PriceBook PriceBook::load_file(const std::filesystem::path& path, const std::vector<PriceFamily>& families) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path.string() + ": cannot open price file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path.string(), families);
}

PriceBook PriceBook::parse(std::string_view text, std::string_view origin, const std::vector<PriceFamily>& families) {
    boost::system::error_code ec;
    json::parse_options opts;
    opts.allow_comments = true;
    opts.allow_trailing_commas = true;
    json::value root = json::parse(text, ec, {}, opts);
    if (ec) fail(origin, "not valid JSON (" + ec.message() + ")");
    if (!root.is_object()) fail(origin, "top level must be an object");
    const json::value* models = root.as_object().if_contains("models");
    if (!models || !models->is_array()) fail(origin, "'models' must be an array");

    PriceBook book;
    if (const json::value* u = root.as_object().if_contains("updated"); u && u->is_string())
        book.version_tag_ = std::string(u->as_string());
    for (const json::value& mv : models->as_array()) book.models_.push_back(parse_model(mv, origin, families));
    if (const json::value* est = root.as_object().if_contains("unknown_model_estimates")) {
        if (!est->is_object()) fail(origin, "'unknown_model_estimates' must be an object of family: model id");
        for (const auto& [family, model] : est->as_object()) {
            if (!model.is_string() || model.as_string().empty())
                fail(origin, "unknown_model_estimates: '" + std::string(family) + "' needs a model id");
            const std::string id(model.as_string());
            // An estimate the card cannot price would be a silent unpriced: refuse it at load.
            if (!book.find(family, id))
                fail(origin, "unknown_model_estimates: '" + std::string(family) + "' estimates as '" + id +
                                 "', which no entry of that family prices");
            book.estimates_.emplace_back(family, id);
        }
    }
    return book;
}

const std::string* PriceBook::unknown_model_estimate(std::string_view family) const {
    for (const auto& [f, model] : estimates_)
        if (f == family) return &model;
    return nullptr;
}

std::string canonical_model_id(std::string_view model) {
    if (const auto slash = model.rfind('/'); slash != std::string_view::npos) model.remove_prefix(slash + 1);
    std::string id(model);
    auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
    std::string folded(id.size(), '\0');
    std::transform(id.begin(), id.end(), folded.begin(), lower);
    if (folded.find("claude") == std::string::npos) return id;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    for (std::size_t i = 1; i + 1 < id.size(); ++i)
        if (id[i] == '.' && digit(id[i - 1]) && digit(id[i + 1])) id[i] = '-';
    return id;
}

const ModelPrice* PriceBook::find(std::string_view family, std::string_view model) const {
    if (model.empty()) return nullptr;
    auto first_match = [&](std::string_view id) -> const ModelPrice* {
        for (const ModelPrice& mp : models_) {
            if (!family.empty() && !mp.provider.empty() && mp.provider != family) continue;
            for (const std::string& p : mp.patterns)
                if (glob_match(p, id)) return &mp;
        }
        return nullptr;
    };
    // The id as written first (a card entry may name it exactly, '/' and dots included), then as the card's
    // ids are usually written.
    if (const ModelPrice* mp = first_match(model)) return mp;
    const std::string id = canonical_model_id(model);
    return id == model ? nullptr : first_match(id);
}

Cost PriceBook::cost(std::string_view family, std::string_view model, const TokenCounts& t, bool fast_tier) const {
    if (model.empty()) {
        if (const std::string* estimate = unknown_model_estimate(family)) {
            Cost c = cost(family, *estimate, t, fast_tier);
            c.source = kEstimateModelUnknown;
            return c;
        }
    }
    const ModelPrice* mp = find(family, model);
    if (!mp) return Cost{0, "unpriced", {}};
    Cost c{0, "rate_card", mp->family};
    const Rates* r = &mp->rates;
    if (mp->long_context && t.prompt_total() > mp->long_context_threshold) {
        r = &*mp->long_context;
        c.source = "rate_card_long_context";
    }
    for (const PriceTier& tier : mp->tiers) {
        if (t.prompt_total() <= tier.threshold_tokens) break;
        r = &tier.rates;
        c.source = "rate_card_long_context";
    }
    double usd = (static_cast<double>(t.input) * r->input + static_cast<double>(t.output) * r->output +
                  static_cast<double>(t.cache_read) * r->cache_read +
                  static_cast<double>(t.cache_create_5m()) * r->cache_write_5m +
                  static_cast<double>(t.cache_create_1h) * r->cache_write_1h) /
                 1e6;
    if (fast_tier && mp->fast_multiplier > 0) {
        usd *= mp->fast_multiplier;
        c.source = "rate_card_fast";
    }
    c.usd = usd;
    return c;
}

}  // namespace agentpulse
