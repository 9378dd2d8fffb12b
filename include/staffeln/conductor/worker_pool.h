// Runs fn(0..count-1) on at most `workers` threads, so that Cinder never sees more than that
// many requests from one pass in flight. Returns when every call has returned; items not yet
// started when stop becomes true are skipped.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>

namespace staffeln::conductor {

void for_each_bounded(std::size_t workers, std::size_t count, const std::function<void(std::size_t)>& fn,
                      const std::atomic<bool>& stop);

}  // namespace staffeln::conductor
