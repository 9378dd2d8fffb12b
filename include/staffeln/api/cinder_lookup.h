// Asks Cinder whether staffeln made a backup the local store does not know (on a standby node
// the active conductor's store is elsewhere): GET /backups/{id} with the conductor's admin
// credentials, at the negotiated volume microversion (>= 3.43 shows backup metadata), read
// through the tag parser. No retries and short timeouts: one answer costs at most a token, the
// version discovery (first time only) and the GET, each bounded by request_timeout. Findings
// are cached (finding_cache.h), failures never. Thread-safe; ask() blocks its caller.
#pragma once

#include "staffeln/api/backup_verdict.h"
#include "staffeln/api/finding_cache.h"
#include "staffeln/openstack/cloud.h"
#include "staffeln/openstack/credentials.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace staffeln::api {

struct LookupLimits {
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds request_timeout{2000};
    std::size_t cache_entries = 10000;
    CacheLifetimes lifetimes;
};

struct CinderAnswer {
    CinderFinding finding = CinderFinding::unknown;
    std::string why;  // for unknown: what failed, for the log
};

class CinderLookup {
public:
    CinderLookup(const openstack::Credentials& credentials, const LookupLimits& limits = {});

    // The cached finding, without asking Cinder; nullopt when there is none.
    std::optional<CinderFinding> cached(const std::string& backup_id);
    // Asks Cinder (blocking, bounded by the limits) and caches what it says.
    CinderAnswer ask(const std::string& backup_id);
    // Where lookups go, for the log: the auth URL and where the credentials came from.
    const std::string& describe() const { return describe_; }

private:
    LookupLimits limits_;
    std::string describe_;
    openstack::Cloud cloud_;
    FindingCache cache_;
};

}  // namespace staffeln::api
