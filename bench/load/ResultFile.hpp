// The load tools' result files: one flat JSON object, one "key": value per line, so that the scenario
// runner (Python) reads them with json.load and `agentpulse-load merge` reads them back line by line
// to combine several client processes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace agentpulse::load {

class ResultFile {
public:
    void set(const std::string& key, std::int64_t v) { put(key, std::to_string(v)); }
    void set(const std::string& key, std::uint64_t v) { put(key, std::to_string(v)); }
    void set(const std::string& key, int v) { put(key, std::to_string(v)); }
    void set(const std::string& key, double v);
    void set(const std::string& key, const std::string& v);
    void set(const std::string& key, const char* v) { set(key, std::string(v)); }

    std::string json() const;
    // Writes atomically (temporary file + rename). Returns false on failure.
    bool write(const std::string& path) const;

    // Reads a file written by write(): key -> raw value (strings unquoted). Empty on failure.
    static std::map<std::string, std::string> read(const std::string& path);

private:
    void put(const std::string& key, std::string raw);
    std::vector<std::pair<std::string, std::string>> items_;
};

}  // namespace agentpulse::load
