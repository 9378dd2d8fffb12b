#include "staffeln/conductor/context.h"

namespace staffeln::conductor {

void StopSignal::request() {
    stop_ = true;
    wake_.notify_all();
}

bool StopSignal::sleep_for(std::chrono::milliseconds d) {
    MutexLock lock(mutex_);
    return !wake_.wait_for(lock, d, [this] { return stop_.load(); });
}

}  // namespace staffeln::conductor
