// See JsonLineReader.hpp.
#include "agents/JsonLineReader.hpp"

namespace agentpulse {
namespace {
boost::json::parse_options line_options() {
    boost::json::parse_options o;
    o.max_depth = 256;
    o.allow_invalid_utf8 = true;
    return o;
}
}  // namespace

JsonLineReader::JsonLineReader()
    : buffer_(new unsigned char[kArenaBytes])
    , parser_(boost::json::storage_ptr(), line_options()) {}

const boost::json::value* JsonLineReader::parse(std::string_view line) {
    value_.reset();  // drops the previous DOM before its arena is reused
    parser_.reset();
    arena_.emplace(buffer_.get(), kArenaBytes);  // gives back the previous line's blocks
    parser_.reset(boost::json::storage_ptr(&*arena_));
    ec_.clear();
    parser_.write(line.data(), line.size(), ec_);
    if (ec_) return nullptr;
    value_.emplace(parser_.release());
    return &*value_;
}

}  // namespace agentpulse
