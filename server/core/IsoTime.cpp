// ISO-8601 parsing and formatting without locale or time-zone state (thread-safe, allocation-light).
#include "core/IsoTime.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace agentpulse {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<EpochMs> parse_iso8601(std::string_view s, bool* had_zone) {
    int year, month, day, hour, minute, second;
    if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
        s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    std::size_t pos = 19;
    int millis = 0;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int scale = 100;
        std::size_t n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 3) millis += (s[pos] - '0') * scale, scale /= 10;
            ++pos, ++n;
        }
        if (n == 0) return std::nullopt;
    }
    std::int64_t offset_min = 0;
    bool zone = false;
    if (pos < s.size()) {
        if (s[pos] == 'Z' || s[pos] == 'z') {
            zone = true, ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            const int sign = s[pos] == '-' ? -1 : 1;
            int oh, om = 0;
            if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
            std::size_t p = pos + 3;
            if (p < s.size() && s[p] == ':') ++p;
            if (p < s.size() && !digits(s, p, 2, om)) return std::nullopt;
            if (p < s.size()) p += 2;
            if (oh > 23 || om > 59) return std::nullopt;
            offset_min = sign * (oh * 60 + om);
            zone = true, pos = p;
        }
    }
    if (pos != s.size()) return std::nullopt;
    if (had_zone) *had_zone = zone;
    const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    return secs * 1000 + millis;
}

std::string format_iso8601(EpochMs ms) {
    const std::int64_t days = floor_div(ms, 86'400'000);
    const std::int64_t rem = ms - days * 86'400'000;
    int y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    char buf[40];
    if (y < 0 || y > 9999) {
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, static_cast<int>(rem / 3'600'000),
                      static_cast<int>(rem / 60'000 % 60), static_cast<int>(rem / 1000 % 60), static_cast<int>(rem % 1000));
        return buf;
    }
    // The common case by hand: ingest formats several timestamps per line, and snprintf dominated that.
    auto put = [](char* at, unsigned v, int width) {
        for (int i = width - 1; i >= 0; --i, v /= 10) at[i] = static_cast<char>('0' + v % 10);
    };
    std::memcpy(buf, "0000-00-00T00:00:00.000Z", 25);
    put(buf, static_cast<unsigned>(y), 4);
    put(buf + 5, m, 2);
    put(buf + 8, d, 2);
    put(buf + 11, static_cast<unsigned>(rem / 3'600'000), 2);
    put(buf + 14, static_cast<unsigned>(rem / 60'000 % 60), 2);
    put(buf + 17, static_cast<unsigned>(rem / 1000 % 60), 2);
    put(buf + 20, static_cast<unsigned>(rem % 1000), 3);
    return std::string(buf, 24);
}

std::string utc_day(EpochMs ms) { return format_iso8601(ms).substr(0, 10); }

EpochMs now_epoch_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace agentpulse
