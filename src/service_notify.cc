#include "staffeln/service_notify.h"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace staffeln::service {

void ready() { sd_notify(0, "READY=1"); }

void stopping() { sd_notify(0, "STOPPING=1"); }

Watchdog::Watchdog() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0) return;
    // Half the unit's WatchdogSec, as sd_watchdog_enabled(3) advises.
    const auto period = std::chrono::microseconds(usec / 2);
    thread_ = std::thread([this, period] {
        MutexLock lock(mutex_);
        while (!done_) {
            sd_notify(0, "WATCHDOG=1");
            wake_.wait_for(lock, period, [this] {
                mutex_.assert_held();
                return done_;
            });
        }
    });
}

Watchdog::~Watchdog() {
    {
        MutexLock lock(mutex_);
        done_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace staffeln::service
