#include "staffeln/api/finding_cache.h"

namespace staffeln::api {

std::optional<CinderFinding> FindingCache::find(const std::string& backup_id, Clock::time_point now) {
    MutexLock lock(mutex_);
    auto it = entries_.find(backup_id);
    if (it == entries_.end()) return std::nullopt;
    if (now >= it->second.expires) {
        recency_.erase(it->second.recency);
        entries_.erase(it);
        return std::nullopt;
    }
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return it->second.finding;
}

void FindingCache::put(const std::string& backup_id, CinderFinding finding, Clock::time_point expires) {
    if (capacity_ == 0) return;
    MutexLock lock(mutex_);
    if (auto it = entries_.find(backup_id); it != entries_.end()) {
        it->second.finding = finding;
        it->second.expires = expires;
        recency_.splice(recency_.begin(), recency_, it->second.recency);
        return;
    }
    if (entries_.size() >= capacity_) {
        entries_.erase(recency_.back());
        recency_.pop_back();
    }
    recency_.push_front(backup_id);
    entries_.emplace(backup_id, Entry{finding, expires, recency_.begin()});
}

std::size_t FindingCache::size() const {
    MutexLock lock(mutex_);
    return entries_.size();
}

}  // namespace staffeln::api
