#include "staffeln/conductor/signals.h"

#include "staffeln/log.h"

#include <pthread.h>
#include <signal.h>

namespace staffeln::conductor {
namespace {

sigset_t watched() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);  // only used to wake the watcher when it is destroyed
    return set;
}

}  // namespace

SignalWatcher::SignalWatcher(StopSignal& stop) : stop_(stop) {
    sigset_t set = watched();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_ = std::thread([this, set] {
        for (;;) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0) continue;
            if (sig == SIGHUP) {
                // At once, not between cycles: a cycle may last hours past logrotate's move.
                if (auto reopened = log::reopen(); !reopened)
                    log::warning("conductor", "{}; still logging to the previous file", reopened.error().message);
                log::info("conductor", "SIGHUP: log file opened again, reloading the configuration");
                reload_ = true;
            } else if (sig == SIGUSR1) {
                return;
            } else {
                log::info("conductor", "signal {}: stopping", sig);
                stop_.request();
            }
        }
    });
}

SignalWatcher::~SignalWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
}

}  // namespace staffeln::conductor
