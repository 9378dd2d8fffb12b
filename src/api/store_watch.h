// Which file is at the store's path now, for every worker thread at the cost of an atomic read:
// one thread re-reads it (stat) at most every interval. A thread whose connection was opened on
// another file (the store was removed or replaced) reopens, so answers follow the path within it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>

namespace staffeln::api {

struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    bool exists = false;
};

class StoreWatch {
public:
    StoreWatch(std::filesystem::path path, std::chrono::milliseconds interval);
    FileId current();

private:
    std::filesystem::path path_;
    std::int64_t interval_ns_;
    std::atomic<std::int64_t> next_check_ns_{0};
    std::atomic<std::uint64_t> dev_{0};
    std::atomic<std::uint64_t> ino_{0};
    std::atomic<bool> exists_{false};
};

}  // namespace staffeln::api
