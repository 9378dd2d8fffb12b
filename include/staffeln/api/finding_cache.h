// Cinder's findings about backup ids the store does not know, kept so that repeated policy
// checks for one backup cost one Cinder request. Bounded: at most `capacity` entries, the
// least recently used dropped first; each entry answers only until its own expiry. Thread-safe.
#pragma once

#include "staffeln/api/backup_verdict.h"
#include "staffeln/thread_annotations.h"

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

namespace staffeln::api {

class FindingCache {
public:
    using Clock = std::chrono::steady_clock;

    explicit FindingCache(std::size_t capacity) : capacity_(capacity) {}

    // The finding for backup_id while it has not expired at `now`; nullopt otherwise.
    std::optional<CinderFinding> find(const std::string& backup_id, Clock::time_point now);
    // Keeps a finding until `expires`; a zero-capacity cache keeps nothing.
    void put(const std::string& backup_id, CinderFinding finding, Clock::time_point expires);
    std::size_t size() const;

private:
    struct Entry {
        CinderFinding finding;
        Clock::time_point expires;
        std::list<std::string>::iterator recency;
    };

    std::size_t capacity_;
    mutable Mutex mutex_;
    std::list<std::string> recency_ GUARDED_BY(mutex_);  // most recently used first
    std::unordered_map<std::string, Entry> entries_ GUARDED_BY(mutex_);
};

}  // namespace staffeln::api
