// A coordination.k8s.io/v1 Lease as a lock: who holds it, for how long, and at which
// resourceVersion it was read. A Lease is free when nobody holds it (no Lease, an empty
// holderIdentity) or when this node has seen the same resourceVersion unchanged for its
// leaseDurationSeconds on its own monotonic clock, as client-go's leader election judges it:
// renewTime is the holder's wall clock and is never compared with ours. Pure: no I/O.
#pragma once

#include "staffeln/coordination/lease_timing.h"
#include "staffeln/result.h"

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

// Kubernetes' MicroTime: "2026-12-06T02:40:01.123456Z", read strictly and only from 1970 to 2200
// (a later time overflows the clock's nanoseconds); nullopt otherwise.
std::string format_micro_time(WallTime at);
std::optional<WallTime> parse_micro_time(std::string_view text);

// An error naming the field when metadata, metadata.name or metadata.resourceVersion is missing
// or of the wrong type; optional spec fields of the wrong type are read as absent.
Result<LeaseRecord> lease_from_json(const nlohmann::json& lease);
// The Lease object to POST (empty resource_version) or PUT (with it).
nlohmann::json lease_to_json(const LeaseRecord& lease);

// A Lease as this node last saw it: its resourceVersion and when this node first saw that one.
struct LeaseSighting {
    std::string resource_version;
    SteadyTime first_seen;
};

// The sighting after reading current at now: the last one while the resourceVersion is
// unchanged, a new one from now when it changed (the holder renewed) or there was none.
LeaseSighting observe(const std::optional<LeaseSighting>& last, const LeaseRecord& current, SteadyTime now);

// Whether current may be taken at now: nobody holds it, or seen (the sighting of current) is
// older than its leaseDurationSeconds, or than fallback_duration when it gives none.
bool free_to_take(const LeaseRecord& current, const LeaseSighting& seen, SteadyTime now,
                  std::chrono::seconds fallback_duration);

}  // namespace staffeln::coordination
