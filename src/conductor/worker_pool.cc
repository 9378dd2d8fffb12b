#include "staffeln/conductor/worker_pool.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace staffeln::conductor {

void for_each_bounded(std::size_t workers, std::size_t count, const std::function<void(std::size_t)>& fn,
                      const std::atomic<bool>& stop) {
    std::atomic<std::size_t> next{0};
    auto drain = [&] {
        for (std::size_t i = next++; i < count && !stop; i = next++) fn(i);
    };
    std::size_t threads = std::min(std::max<std::size_t>(workers, 1), count);
    if (threads <= 1) {
        drain();
        return;
    }
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(drain);
}

}  // namespace staffeln::conductor
