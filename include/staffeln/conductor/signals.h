// Turns SIGTERM and SIGINT into a stop request and SIGHUP into a reload request. The signals
// are blocked in every thread and taken by one watcher thread with sigwait, so no handler
// runs in an arbitrary thread and the stop can wake condition variables safely.
#pragma once

#include "staffeln/conductor/context.h"

#include <atomic>
#include <thread>

namespace staffeln::conductor {

class SignalWatcher {
public:
    explicit SignalWatcher(StopSignal& stop);
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

    // True once per SIGHUP received.
    bool take_reload() { return reload_.exchange(false); }

private:
    StopSignal& stop_;
    std::atomic<bool> reload_{false};
    std::thread thread_;
};

}  // namespace staffeln::conductor
