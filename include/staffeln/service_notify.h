// systemd's notify protocol for the units' Type=notify (sd_notify(3)): ready() once the process
// serves, stopping() when it begins to stop, and a watchdog that pings at half the unit's
// WatchdogSec from a thread of its own. Without NOTIFY_SOCKET (not under systemd, a test) every
// call does nothing. The watchdog catches a process that stopped running as a whole (stopped,
// frozen, out of threads), not a slow cycle: cycles have their own timeouts.
#pragma once

#include "staffeln/thread_annotations.h"

#include <chrono>
#include <thread>

namespace staffeln::service {

void ready();
void stopping();

class Watchdog {
public:
    Watchdog();  // starts pinging when systemd asked for it (WATCHDOG_USEC for this process)
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

private:
    Mutex mutex_;
    CondVar wake_;
    bool done_ GUARDED_BY(mutex_) = false;
    std::thread thread_;
};

}  // namespace staffeln::service
