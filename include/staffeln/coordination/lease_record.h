// A coordination.k8s.io/v1 Lease as a lock: who holds it, until when, and at which
// resourceVersion it was read. A Lease is free for a holder when nobody holds it (no Lease,
// an empty holderIdentity) or its last renewal is older than its leaseDurationSeconds, judged
// by the wall clock (renewTime is written by the holder's). Pure: no I/O.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace staffeln::coordination {

using WallTime = std::chrono::system_clock::time_point;

struct LeaseRecord {
    std::string name;
    std::string resource_version;
    std::string holder;  // "" when released
    std::chrono::seconds duration{0};
    std::optional<WallTime> acquire_time;
    std::optional<WallTime> renew_time;
    long long transitions = 0;
};

// Kubernetes' MicroTime: "2026-12-06T02:40:01.123456Z".
std::string format_micro_time(WallTime at);
std::optional<WallTime> parse_micro_time(std::string_view text);

LeaseRecord lease_from_json(const nlohmann::json& lease);
// The Lease object to POST (empty resource_version) or PUT (with it).
nlohmann::json lease_to_json(const LeaseRecord& lease);

// When the current holder's claim runs out; nullopt when nobody holds it.
std::optional<WallTime> held_until(const LeaseRecord& lease);
bool free_at(const LeaseRecord& lease, WallTime now);

}  // namespace staffeln::coordination
