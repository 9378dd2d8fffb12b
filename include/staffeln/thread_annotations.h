// Clang's thread-safety analysis for staffeln's shared state: a Mutex type the analysis knows,
// MutexLock to hold it for a scope, and the attributes that say which mutex guards which data.
// scripts/check-thread-safety compiles every file with clang -Wthread-safety -Werror; GCC, which
// builds the product, ignores the attributes. libstdc++'s std::mutex carries no attributes, hence
// the wrappers (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html, "mutex.h").
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define STAFFELN_THREAD_ATTRIBUTE(x) __attribute__((x))
#else
#define STAFFELN_THREAD_ATTRIBUTE(x)
#endif

#define CAPABILITY(x) STAFFELN_THREAD_ATTRIBUTE(capability(x))
#define SCOPED_CAPABILITY STAFFELN_THREAD_ATTRIBUTE(scoped_lockable)
#define GUARDED_BY(x) STAFFELN_THREAD_ATTRIBUTE(guarded_by(x))
#define PT_GUARDED_BY(x) STAFFELN_THREAD_ATTRIBUTE(pt_guarded_by(x))
#define REQUIRES(...) STAFFELN_THREAD_ATTRIBUTE(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) STAFFELN_THREAD_ATTRIBUTE(acquire_capability(__VA_ARGS__))
#define RELEASE(...) STAFFELN_THREAD_ATTRIBUTE(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) STAFFELN_THREAD_ATTRIBUTE(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) STAFFELN_THREAD_ATTRIBUTE(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) STAFFELN_THREAD_ATTRIBUTE(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS STAFFELN_THREAD_ATTRIBUTE(no_thread_safety_analysis)

namespace staffeln {

// std::mutex, known to the analysis.
class CAPABILITY("mutex") Mutex {
public:
    void lock() ACQUIRE() { mutex_.lock(); }
    void unlock() RELEASE() { mutex_.unlock(); }
    bool try_lock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }
    // Tells the analysis the caller holds this mutex where it cannot see so: the analysis does
    // not follow aliases (a reference member bound to a mutex already held). No run-time check.
    void assert_held() const ASSERT_CAPABILITY(this) {}

private:
    std::mutex mutex_;
};

// Holds a Mutex for its scope. A condition variable waits on it through CondVar below, which
// releases and retakes the mutex inside the wait as std::condition_variable_any does.
class SCOPED_CAPABILITY MutexLock {
public:
    explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
    ~MutexLock() RELEASE() { mutex_.unlock(); }
    MutexLock(const MutexLock&) = delete;
    MutexLock& operator=(const MutexLock&) = delete;

    // For the condition variable only: the analysis sees the mutex held across a wait.
    void lock() NO_THREAD_SAFETY_ANALYSIS { mutex_.lock(); }
    void unlock() NO_THREAD_SAFETY_ANALYSIS { mutex_.unlock(); }

private:
    Mutex& mutex_;
};

// A condition variable for a Mutex held by a MutexLock.
using CondVar = std::condition_variable_any;

}  // namespace staffeln
