// What the conductor's passes share: the configuration, the cloud, the store (one
// connection, serialised by a mutex: SQLite writes are short), the locks and the stop flag.
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/coordination/coordinator.h"
#include "staffeln/model.h"
#include "staffeln/openstack/cloud.h"
#include "staffeln/store/database.h"
#include "staffeln/thread_annotations.h"

#include <atomic>
#include <chrono>
#include <functional>

namespace staffeln::conductor {

// Set by signal handlers; waits wake up at once when it is set.
class StopSignal {
public:
    void request();
    bool requested() const { return stop_; }
    const std::atomic<bool>& flag() const { return stop_; }
    // Sleeps for d or until stop is requested; returns false when stopped.
    bool sleep_for(std::chrono::milliseconds d);

private:
    std::atomic<bool> stop_{false};
    Mutex mutex_;  // for wake_ only: stop_ is atomic
    CondVar wake_;
};

struct Context {
    const config::Config& config;
    openstack::Cloud& cloud;
    store::Database& db GUARDED_BY(db_mutex);
    Mutex& db_mutex;
    coordination::Coordinator& locks;
    StopSignal& stop;
    std::function<TimePoint()> now;
    std::chrono::milliseconds poll_interval{3000};
    // The role this pass runs under; checked with held() before every mutating cloud call.
    const coordination::Lock* role = nullptr;

    // False once the role may have passed to another node (a lost etcd lease).
    bool role_held() const { return role == nullptr || role->held(); }
};

}  // namespace staffeln::conductor
