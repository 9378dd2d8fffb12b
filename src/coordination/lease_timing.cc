#include "staffeln/coordination/lease_timing.h"

#include <algorithm>

namespace staffeln::coordination {

LeaseTiming lease_timing(std::chrono::seconds ttl, std::chrono::seconds configured_request_timeout) {
    auto quarter = std::chrono::duration_cast<std::chrono::milliseconds>(ttl) / 4;
    auto request = std::min<std::chrono::milliseconds>(quarter, configured_request_timeout);
    return LeaseTiming{quarter, quarter, request};
}

SteadyTime trusted_until(SteadyTime renewal_sent_at, std::chrono::seconds granted_ttl, const LeaseTiming& timing) {
    return renewal_sent_at + granted_ttl - timing.margin;
}

}  // namespace staffeln::coordination
