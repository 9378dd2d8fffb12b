// Whether a backup is one staffeln made automatically: it has a row in `backups`. The API
// answers oslo.policy from this and retention decides "ours" from it. Lookups retry
// "database is locked" until a bounded deadline; any Error means the caller must deny.
#pragma once

#include "staffeln/result.h"
#include "staffeln/store/database.h"

#include <SQLiteCpp/Statement.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

namespace staffeln::store {

// One lookup on any open store (one-shot statement). Error: the store could not answer.
Result<bool> is_automated(Database& db, std::string_view backup_id,
                          std::chrono::milliseconds lock_wait = std::chrono::milliseconds(2000));

// A read-only connection with its statement prepared once, for a thread that asks often.
// Used by one thread at a time.
class AutomatedBackupReader {
public:
    static Result<std::unique_ptr<AutomatedBackupReader>> open(const std::filesystem::path& path,
                                                               std::chrono::milliseconds lock_wait,
                                                               std::size_t cache_kib = 64);

    Result<bool> is_automated(std::string_view backup_id);
    // Whether the connection was opened on this file (device and inode): when the file at
    // path is another one, the store was replaced or removed since.
    bool opened_on(dev_t dev, ino_t ino) const { return dev == dev_ && ino == ino_; }
    const std::filesystem::path& path() const { return db_.path(); }

private:
    AutomatedBackupReader(Database db, std::chrono::milliseconds lock_wait, dev_t dev, ino_t ino);

    Database db_;
    std::unique_ptr<SQLite::Statement> lookup_;
    std::chrono::milliseconds lock_wait_;
    dev_t dev_;
    ino_t ino_;
};

}  // namespace staffeln::store
