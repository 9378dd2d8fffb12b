#include "staffeln/openstack/retry.h"

#include <algorithm>
#include <charconv>

namespace staffeln::openstack {
namespace {

// 429 and 503 mean the service turned the request away before acting on it.
bool refused_before_acting(int status) { return status == 429 || status == 503; }

bool retryable_status(int status) { return status == 429 || status >= 500; }

Millis backoff(const RetryPolicy& policy, int failures, double jitter) {
    Millis step = policy.initial_interval;
    for (int i = 1; i < failures && step < policy.max_retry_interval; ++i) step *= 2;
    step = std::min(step, policy.max_retry_interval);
    // "Equal jitter": at least half the step, so retries never bunch at zero.
    return Millis(static_cast<Millis::rep>(static_cast<double>(step.count()) * (0.5 + 0.5 * jitter)));
}

}  // namespace

bool may_have_been_applied(const AttemptOutcome& outcome, Idempotency idempotency) {
    if (idempotency == Idempotency::idempotent) return false;
    if (outcome.transport_error) return outcome.request_sent;
    return outcome.http_status >= 500 && !refused_before_acting(outcome.http_status);
}

std::optional<Millis> retry_delay(const RetryPolicy& policy, const AttemptOutcome& outcome, Idempotency idempotency,
                                  int failures, Millis elapsed, double jitter) {
    if (may_have_been_applied(outcome, idempotency)) return std::nullopt;
    if (outcome.transport_error) {
        if (*outcome.transport_error != ErrorKind::unavailable && *outcome.transport_error != ErrorKind::timeout)
            return std::nullopt;
    } else if (!retryable_status(outcome.http_status) || policy.skip_retry_codes.contains(outcome.http_status)) {
        return std::nullopt;
    }
    const Millis delay = outcome.retry_after.value_or(backoff(policy, failures, jitter));
    if (elapsed + delay > policy.retry_timeout) return std::nullopt;
    return delay;
}

std::optional<Millis> parse_retry_after(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    long long seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size() || seconds < 0 || seconds > 86'400) return std::nullopt;
    return Millis(seconds * 1000);
}

}  // namespace staffeln::openstack
