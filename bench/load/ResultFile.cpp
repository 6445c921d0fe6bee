// See ResultFile.hpp.
#include "ResultFile.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace agentpulse::load {

void ResultFile::put(const std::string& key, std::string raw) {
    for (auto& [k, v] : items_)
        if (k == key) {
            v = std::move(raw);
            return;
        }
    items_.emplace_back(key, std::move(raw));
}

void ResultFile::set(const std::string& key, double v) {
    if (!std::isfinite(v)) {
        put(key, "null");
        return;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    put(key, buf);
}

void ResultFile::set(const std::string& key, const std::string& v) {
    std::string q = "\"";
    for (const char c : v) {
        if (c == '"' || c == '\\') q.push_back('\\');
        if (c == '\n') {
            q += "\\n";
            continue;
        }
        q.push_back(c);
    }
    q.push_back('"');
    put(key, std::move(q));
}

std::string ResultFile::json() const {
    std::string s = "{\n";
    for (std::size_t i = 0; i < items_.size(); ++i) {
        s += "  \"" + items_[i].first + "\": " + items_[i].second;
        s += i + 1 < items_.size() ? ",\n" : "\n";
    }
    return s + "}\n";
}

bool ResultFile::write(const std::string& path) const {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return false;
        out << json();
        if (!out) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::map<std::string, std::string> ResultFile::read(const std::string& path) {
    std::map<std::string, std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const std::size_t q1 = line.find('"');
        if (q1 == std::string::npos) continue;
        const std::size_t q2 = line.find('"', q1 + 1);
        const std::size_t colon = line.find(':', q2);
        if (q2 == std::string::npos || colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
        while (!value.empty() && (value.back() == ',' || value.back() == ' ' || value.back() == '\r')) value.pop_back();
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            std::string raw = value.substr(1, value.size() - 2), un;
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if (raw[i] == '\\' && i + 1 < raw.size()) {
                    ++i;
                    un.push_back(raw[i] == 'n' ? '\n' : raw[i]);
                } else {
                    un.push_back(raw[i]);
                }
            }
            value = un;
        }
        out[line.substr(q1 + 1, q2 - q1 - 1)] = value;
    }
    return out;
}

}  // namespace agentpulse::load
