#include "worker_pool.h"

namespace staffeln::api {
namespace {

thread_local bool t_overloaded = false;

}  // namespace

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
    {
        MutexLock lock(mutex_);
        if (queue_.size() < max_queued_ && !stopping_) {
            queue_.push_back(std::move(fn));
            ready_.notify_one();
            return;
        }
    }
    t_overloaded = true;
    fn();
    t_overloaded = false;
}

void WorkerPool::shutdown() {
    {
        MutexLock lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

bool WorkerPool::overloaded() { return t_overloaded; }

void WorkerPool::work() {
    for (;;) {
        std::function<void()> task;
        {
            MutexLock lock(mutex_);
            while (!stopping_ && queue_.empty()) ready_.wait(lock);
            // Connections already accepted are still served after shutdown begins.
            if (queue_.empty()) return;
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

}  // namespace staffeln::api
