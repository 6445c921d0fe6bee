// JSON text written directly, without a DOM: the simulated agents' hot path (a corpus is gigabytes).
// put_string escapes a string; JsonWriter writes nested objects and arrays, placing the commas.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace agentpulse {

inline void put_string(std::string& o, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    o.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        o.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                o += "\\\"";
                break;
            case '\\':
                o += "\\\\";
                break;
            case '\n':
                o += "\\n";
                break;
            case '\t':
                o += "\\t";
                break;
            case '\r':
                o += "\\r";
                break;
            default:
                o += "\\u00";
                o.push_back(kHex[c >> 4]);
                o.push_back(kHex[c & 15]);
        }
    }
    o.append(s.data() + run, s.size() - run);
    o.push_back('"');
}

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : o_(out) {}
    JsonWriter& obj() { return open('{', '}'); }
    JsonWriter& arr() { return open('[', ']'); }
    JsonWriter& end() {
        o_.push_back(closers_.back());
        closers_.pop_back();
        first_.pop_back();
        return *this;
    }
    JsonWriter& key(std::string_view k) {
        comma();
        put_string(o_, k);
        o_.push_back(':');
        keyed_ = true;
        return *this;
    }
    JsonWriter& val(std::string_view v) {
        pre();
        put_string(o_, v);
        return *this;
    }
    JsonWriter& val(const char* v) { return val(std::string_view(v)); }
    JsonWriter& val(const std::string& v) { return val(std::string_view(v)); }
    JsonWriter& val(std::int64_t v) {
        pre();
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        o_.append(buf, r.ptr);
        return *this;
    }
    JsonWriter& val(int v) { return val(static_cast<std::int64_t>(v)); }
    JsonWriter& val(bool v) {
        pre();
        o_ += v ? "true" : "false";
        return *this;
    }
    JsonWriter& val(double v) {
        pre();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", v);
        o_ += buf;
        return *this;
    }
    JsonWriter& null() {
        pre();
        o_ += "null";
        return *this;
    }
    JsonWriter& raw(std::string_view json) {
        pre();
        o_ += json;
        return *this;
    }
    template <class T>
    JsonWriter& kv(std::string_view k, const T& v) {
        return key(k).val(v);
    }

private:
    JsonWriter& open(char c, char closer) {
        pre();
        o_.push_back(c);
        closers_.push_back(closer);
        first_.push_back(true);
        return *this;
    }
    void pre() {
        if (keyed_) {
            keyed_ = false;
            return;
        }
        comma();
    }
    void comma() {
        if (first_.empty()) return;
        if (!first_.back()) o_.push_back(',');
        first_.back() = false;
    }
    std::string& o_;
    std::string closers_;
    std::vector<bool> first_;
    bool keyed_ = false;
};

// `s` as a JSON string literal.
inline std::string json_text(std::string_view s) {
    std::string o;
    o.reserve(s.size() + s.size() / 8 + 2);
    put_string(o, s);
    return o;
}

}  // namespace agentpulse
