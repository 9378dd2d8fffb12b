// The Cinder lookups' pool: httplib's TaskQueue with both of its sizes bounded, a fixed number of
// threads and a bounded queue of tasks waiting for one. When the queue is full the task runs at
// once on the enqueuing thread with overloaded() true, so it answers without waiting.
#pragma once

#include "staffeln/thread_annotations.h"

#include <httplib.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

namespace staffeln::api {

class WorkerPool : public httplib::TaskQueue {
public:
    WorkerPool(std::size_t threads, std::size_t max_queued);
    ~WorkerPool() override;

    void enqueue(std::function<void()> fn) override;
    void shutdown() override;

    // True on the thread running a task that found the queue full.
    static bool overloaded();

private:
    void work();

    std::size_t max_queued_;
    std::vector<std::thread> threads_;
    Mutex mutex_;
    CondVar ready_;
    std::deque<std::function<void()>> queue_ GUARDED_BY(mutex_);
    bool stopping_ GUARDED_BY(mutex_) = false;
};

}  // namespace staffeln::api
