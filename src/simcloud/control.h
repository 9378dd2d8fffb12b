// The control API under /_sim/ (not OpenStack): fault injection (latency, error status,
// dropped connections, token expiry; filtered by method and path prefix, optionally for the
// next N requests only), request counters by normalised path, and state inspection.
#pragma once

#include "simcloud/http.h"
#include "staffeln/thread_annotations.h"

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace staffeln::sim {

struct FaultRule {
    int id = 0;
    std::string method;       // empty: any
    std::string path_prefix;  // empty: any
    std::string path_suffix;  // empty: any; e.g. /export_record
    double latency_ms = 0;
    double error_rate = 0;  // share of matching requests answered with `status`
    int status = 500;
    int retry_after_s = 1;          // sent with 429 and 503
    double drop_rate = 0;           // share of matching requests whose connection is closed unanswered
    bool expire_token = false;      // the token presented is expired before the request is served
    std::optional<long> remaining;  // matching requests left; the rule goes away at 0
};

struct FaultDecision {
    std::chrono::microseconds latency{0};
    std::optional<int> error_status;
    int retry_after_s = 1;
    bool drop = false;
    bool expire_token = false;
};

// The OpenStack-looking body of an injected error for the service at `path`.
Reply injected_error(const std::string& path, int status, int retry_after_s);

// Counts a request under its normalised path: ids become {id}, Cinder's project becomes {project_id}.
std::string normalise_path(const std::string& method, const std::string& path);

class Control {
public:
    FaultDecision decide(const std::string& method, const std::string& path);
    void count(const std::string& method, const std::string& path);
    // Serves GET/POST/PUT/PATCH/DELETE /_sim/...; segs are the segments after "_sim".
    Reply handle(Cloud& cloud, const Call& call);

private:
    Reply faults(const Call& call) EXCLUDES(mutex_);
    Reply counters(const Call& call) EXCLUDES(mutex_);

    Mutex mutex_;
    std::vector<FaultRule> rules_ GUARDED_BY(mutex_);
    int next_id_ GUARDED_BY(mutex_) = 1;
    std::map<std::string, std::uint64_t> counts_ GUARDED_BY(mutex_);
    std::uint64_t total_ GUARDED_BY(mutex_) = 0;
    std::mt19937_64 random_ GUARDED_BY(mutex_){7};
};

}  // namespace staffeln::sim
