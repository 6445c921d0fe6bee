// See Redactor.hpp.
#include "core/Redactor.hpp"

#include <algorithm>
#include <stdexcept>

namespace agentpulse {

const std::vector<Redactor::Pattern>& Redactor::defaults() {
    static const std::vector<Pattern> p = {
        {"anthropic-key", R"(sk-ant-[A-Za-z0-9_\-]{20,300})", {"sk-ant-"}},
        {"openai-key", R"(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,300})", {"sk-"}},
        {"aws-access-key", R"(\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b)", {"AKIA", "ASIA", "AGPA", "AIDA", "AROA"}},
        {"aws-secret", R"((?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)\s*[=:]\s*["']?[A-Za-z0-9/+=]{40})",
         {"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"}},
        {"github-token", R"(\bgh[pousr]_[A-Za-z0-9]{36,255}\b)", {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}},
        {"github-pat", R"(\bgithub_pat_[A-Za-z0-9_]{22,255}\b)", {"github_pat_"}},
        {"gitlab-token", R"(\bglpat-[A-Za-z0-9_\-]{20,255}\b)", {"glpat-"}},
        {"slack-token", R"(\bxox[abposr]-[A-Za-z0-9\-]{10,255}\b)", {"xox"}},
        {"slack-webhook", R"(https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]{10,255})", {"hooks.slack.com"}},
        {"google-api-key", R"(\bAIza[0-9A-Za-z_\-]{35}\b)", {"AIza"}},
        {"stripe-key", R"(\b[rs]k_live_[0-9A-Za-z]{20,255}\b)", {"k_live_"}},
        {"jwt", R"(\beyJ[A-Za-z0-9_\-]{10,4000}\.[A-Za-z0-9_\-]{10,4000}\.[A-Za-z0-9_\-]{10,4000})", {"eyJ"}},
        {"bearer-token", R"(\b[Bb]earer\s{1,10}[A-Za-z0-9\-._~+/]{16,1000}=*)", {"earer"}},
        {"secret-assignment",
         R"(\b(?:password|passwd|secret|api_key|apikey|access_token|auth_token|client_secret|PASSWORD|SECRET|API_KEY|TOKEN)\b\s{0,5}[=:]\s{0,5}["']?[^\s"']{8,500})",
         {"password", "passwd", "secret", "api_key", "apikey", "access_token", "auth_token", "PASSWORD", "SECRET",
          "API_KEY", "TOKEN"}},
    };
    return p;
}

namespace {

// A number in a pattern's syntax (a back-reference `\12`, a count `{3,40}`) of more than 6 digits:
// libstdc++'s regex compiler multiplies it up in a signed long without a check (undefined behaviour; found
// by fuzz/config_fuzz), so such a pattern is refused before it gets there. Literal digits elsewhere are
// fine.
bool has_huge_number(const std::string& re) {
    bool counting = false;  // inside {...}, or right after a backslash
    int digits = 0;
    for (std::size_t i = 0; i < re.size(); ++i) {
        const char c = re[i];
        if (c >= '0' && c <= '9') {
            if (counting && ++digits > 6) return true;
            continue;
        }
        digits = 0;
        if (c == '\\') {
            counting = true;
            if (i + 1 < re.size() && !(re[i + 1] >= '0' && re[i + 1] <= '9')) ++i, counting = false;  // an escape
        } else if (c == '{') {
            counting = true;
        } else if (c != ',') {
            counting = false;
        }
    }
    return false;
}

}  // namespace

Redactor::Redactor(const std::vector<std::string>& extra, bool with_defaults) : private_keys_(with_defaults) {
    auto add = [this](const std::string& name, const std::string& re, const std::vector<std::string>& triggers) {
        if (has_huge_number(re))
            throw std::invalid_argument("redaction pattern '" + re.substr(0, 200) +
                                        "' holds a number of more than 6 digits (a count or back-reference)");
        try {
            rules_.push_back({name, std::regex(re, std::regex::ECMAScript | std::regex::optimize), triggers});
        } catch (const std::regex_error& e) {
            throw std::invalid_argument("redaction pattern '" + re + "' is not a valid regular expression: " + e.what());
        }
    };
    if (with_defaults)
        for (const Pattern& p : defaults()) add(p.name, p.regex, p.triggers);
    for (std::size_t i = 0; i < extra.size(); ++i) add("custom-" + std::to_string(i + 1), extra[i], {});
}

std::string Redactor::redact(std::string_view text) const {
    std::string out(text);
    if (private_keys_) {
        // -----BEGIN ... PRIVATE KEY----- ... -----END ... PRIVATE KEY----- (or to the end when cut off).
        std::size_t from = 0;
        while ((from = out.find("-----BEGIN ", from)) != std::string::npos) {
            const std::size_t head_end = out.find("-----", from + 11);
            if (head_end == std::string::npos) break;
            if (std::string_view(out).substr(from, head_end - from).find("PRIVATE KEY") == std::string_view::npos) {
                from = head_end;
                continue;
            }
            std::size_t end = out.find("-----END ", head_end + 5);
            if (end != std::string::npos) {
                const std::size_t close = out.find("-----", end + 9);
                end = close == std::string::npos ? out.size() : close + 5;
            } else {
                end = out.size();
            }
            const std::string mark = "[REDACTED:private-key]";
            out.replace(from, end - from, mark);
            from += mark.size();
        }
    }
    for (const Rule& r : rules_) {
        if (out.empty()) break;
        if (!r.triggers.empty() && std::none_of(r.triggers.begin(), r.triggers.end(), [&](const std::string& t) {
                return out.find(t) != std::string::npos;
            }))
            continue;
        out = std::regex_replace(out, r.re, "[REDACTED:" + r.name + "]");
    }
    return out;
}

}  // namespace agentpulse
