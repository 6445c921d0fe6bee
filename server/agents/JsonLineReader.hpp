// Parses one transcript line into a Boost.JSON DOM, reusing one arena between lines: lines up to
// 64 KB of DOM allocate nothing, larger ones borrow blocks that are given back before the next line.
// The returned value is valid until the next parse().
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string_view>

#include "model/TranscriptRecords.hpp"

namespace agentpulse {

class JsonLineReader {
public:
    JsonLineReader();
    JsonLineReader(const JsonLineReader&) = delete;
    JsonLineReader& operator=(const JsonLineReader&) = delete;

    // nullptr when the line is not valid JSON. Invalid UTF-8 inside strings is tolerated here and
    // repaired where strings are stored (core/Utf8.hpp).
    const boost::json::value* parse(std::string_view line);
    // The line as a JSON object: nullptr, with `issue` set to Malformed, when it is not one.
    const boost::json::value* parse_object(std::string_view line, LineIssue& issue) {
        const boost::json::value* v = parse(line);
        if (v && v->is_object()) return v;
        issue = LineIssue::Malformed;
        return nullptr;
    }
    const boost::system::error_code& error() const { return ec_; }

private:
    static constexpr std::size_t kArenaBytes = 64 * 1024;
    std::unique_ptr<unsigned char[]> buffer_;
    // Re-created for every line: monotonic_resource::release() keeps doubling its next block size, so
    // one arena reused across many large lines soon asks for an impossible block (std::bad_alloc).
    std::optional<boost::json::monotonic_resource> arena_;
    boost::json::parser parser_;
    std::optional<boost::json::value> value_;  // move-constructed, so it keeps the arena storage
    boost::system::error_code ec_;
};

}  // namespace agentpulse
