// UTF-8 hygiene for strings that leave a transcript for the store or the wire: invalid byte sequences
// become U+FFFD so that JSON output stays valid whatever a transcript held.
#pragma once

#include <string>
#include <string_view>

namespace agentpulse {

bool is_valid_utf8(std::string_view s);
// Returns `s` with each invalid sequence replaced by U+FFFD; sets *changed when it replaced any.
std::string sanitize_utf8(std::string_view s, bool* changed = nullptr);
// Length in bytes after sanitising (what a UTF-8 consumer would store).
std::size_t utf8_size(std::string_view s);

}  // namespace agentpulse
