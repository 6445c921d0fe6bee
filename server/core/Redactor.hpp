// Masks secrets in transcript text before the viewer (and search) return it: a list of regular expressions
// (ECMAScript syntax), the defaults covering common key formats plus any the configuration adds
// (`redact` key / --redact). A match is replaced by `[REDACTED:<rule>]`. Private key blocks are found
// without a regex (a block can be long). Every quantifier of the defaults is bounded, and callers redact
// bounded text (the viewer caps what it returns), so a long input cannot exhaust the regex engine's stack.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace agentpulse {

class Redactor {
public:
    struct Pattern {
        std::string name;
        std::string regex;
        // Literals one of which every match contains: text holding none of them skips the regex (which
        // costs far more than a search for a few literals). Empty: always run (configured patterns).
        std::vector<std::string> triggers;
    };
    // The default rules: AWS access keys and secret assignments, GitHub and GitLab tokens, OpenAI and
    // Anthropic keys, Slack tokens and webhooks, Google API keys, Stripe live keys, JWTs, bearer tokens,
    // password/secret/token assignments.
    static const std::vector<Pattern>& defaults();

    // `extra`: the configuration's regexes (named `custom-<n>`). Throws std::invalid_argument naming a
    // pattern that does not compile.
    explicit Redactor(const std::vector<std::string>& extra = {}, bool with_defaults = true);

    std::string redact(std::string_view text) const;
    std::size_t rules() const { return rules_.size(); }

private:
    struct Rule {
        std::string name;
        std::regex re;
        std::vector<std::string> triggers;
    };
    std::vector<Rule> rules_;
    bool private_keys_ = true;
};

}  // namespace agentpulse
