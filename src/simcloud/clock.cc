#include "simcloud/clock.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace staffeln::sim {
namespace {

std::string date_time(Micros t) {
    std::time_t secs = static_cast<std::time_t>(t / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

Micros now_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string keystone_time(Micros t) { return date_time(t) + ".000000Z"; }
std::string nova_time(Micros t) { return date_time(t) + "Z"; }
std::string cinder_time(Micros t) { return date_time(t) + ".000000"; }
std::string cinder_time_micros(Micros t) {
    return date_time(t) + fmt::format(".{:06d}", ((t % 1000000) + 1000000) % 1000000);
}

std::optional<Micros> parse_time(std::string_view text) {
    std::tm tm{};
    std::string s(text);
    const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == nullptr) return std::nullopt;
    std::string_view rest(end);
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
    }
    if (rest == "Z" || rest == "+00:00") rest = {};
    if (!rest.empty()) return std::nullopt;
    return static_cast<Micros>(timegm(&tm)) * 1000000;
}

}  // namespace staffeln::sim
