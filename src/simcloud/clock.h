// Wall-clock time in microseconds since the epoch, and the text forms the three services use.
// Keystone: 2026-11-22T04:37:56.000000Z, Nova: 2026-11-22T03:38:06Z,
// Cinder: 2026-11-22T03:38:12.000000 (seconds precision after its database round trip).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace staffeln::sim {

using Micros = std::int64_t;

Micros now_micros();
std::string keystone_time(Micros t);
std::string nova_time(Micros t);
std::string cinder_time(Micros t);
// Cinder's time before the database round trip, with microseconds (a snapshot create's answer).
std::string cinder_time_micros(Micros t);
// Parses "2026-11-22T03:38:12", with optional fraction and "Z"; nullopt when malformed.
std::optional<Micros> parse_time(std::string_view text);

}  // namespace staffeln::sim
