// When to try an OpenStack request again, after upstream's [openstack] options
// (retry_timeout, max_retry_interval, skip_retry_codes). Pure: the caller measures time,
// draws the jitter and sleeps. A non-idempotent request that may have reached the server is
// never retried; the caller reconciles by looking for what it created.
#pragma once

#include "staffeln/result.h"

#include <chrono>
#include <optional>
#include <set>
#include <string_view>

namespace staffeln::openstack {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
    Millis retry_timeout{300'000};      // no new attempt starts later than this after the first
    Millis max_retry_interval{30'000};  // cap of the exponential backoff
    std::set<int> skip_retry_codes{404};
    Millis initial_interval{500};  // first backoff step, doubled per failure
};

enum class Idempotency { idempotent, not_idempotent };

// What one attempt produced, as the retry rule sees it.
struct AttemptOutcome {
    int http_status = 0;                       // 0 when no response came back
    std::optional<ErrorKind> transport_error;  // set when no response came back
    bool request_sent = false;                 // the request went out before that failure
    std::optional<Millis> retry_after;         // from a Retry-After header
};

// True when the request failed in a way that may still have changed the server's state.
bool may_have_been_applied(const AttemptOutcome& outcome, Idempotency idempotency);

// How long to wait before the next attempt, or nullopt to stop and report this outcome.
// failures: attempts that failed so far (1 after the first); jitter: a draw in [0, 1).
std::optional<Millis> retry_delay(const RetryPolicy& policy, const AttemptOutcome& outcome, Idempotency idempotency,
                                  int failures, Millis elapsed, double jitter);

// Retry-After in seconds ("3"); HTTP dates and garbage give nullopt (backoff applies).
std::optional<Millis> parse_retry_after(std::string_view value);

}  // namespace staffeln::openstack
