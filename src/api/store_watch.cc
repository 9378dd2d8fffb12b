#include "store_watch.h"

#include <sys/stat.h>

namespace staffeln::api {
namespace {

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

StoreWatch::StoreWatch(std::filesystem::path path, std::chrono::milliseconds interval)
    : path_(std::move(path)), interval_ns_(std::chrono::nanoseconds(interval).count()) {}

FileId StoreWatch::current() {
    auto now = now_ns();
    auto due = next_check_ns_.load(std::memory_order_acquire);
    // The one thread that moves the deadline forward does the stat; the others use its result.
    if (now >= due && next_check_ns_.compare_exchange_strong(due, now + interval_ns_)) {
        struct stat st {};
        bool exists = ::stat(path_.c_str(), &st) == 0;
        dev_.store(exists ? st.st_dev : 0);
        ino_.store(exists ? st.st_ino : 0);
        exists_.store(exists, std::memory_order_release);
    }
    return FileId{static_cast<dev_t>(dev_.load()), static_cast<ino_t>(ino_.load()),
                  exists_.load(std::memory_order_acquire)};
}

}  // namespace staffeln::api
