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
                log::info("conductor", "SIGHUP: reloading the configuration");
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
