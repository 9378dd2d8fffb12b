// When to renew an etcd lease and how long to trust it. A lease renewed by a keep-alive sent
// at time S with TTL T cannot expire before S + T on etcd's side; the holder trusts it only
// until S + T - margin, so it stops acting before anyone else can take its locks over.
// Each request is bounded so a hung call cannot outlast the margin. Pure: no I/O.
#pragma once

#include <chrono>

namespace staffeln::coordination {

using SteadyTime = std::chrono::steady_clock::time_point;

struct LeaseTiming {
    std::chrono::milliseconds renew_every;      // a quarter of the TTL
    std::chrono::milliseconds margin;           // a quarter of the TTL
    std::chrono::milliseconds request_timeout;  // at most the margin
};

LeaseTiming lease_timing(std::chrono::seconds ttl, std::chrono::seconds configured_request_timeout);

SteadyTime trusted_until(SteadyTime renewal_sent_at, std::chrono::seconds granted_ttl, const LeaseTiming& timing);

}  // namespace staffeln::coordination
