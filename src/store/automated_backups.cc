#include "staffeln/store/automated_backups.h"

#include "staffeln/store/sqlite_error.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <thread>

namespace staffeln::store {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kLookupSql = "SELECT 1 FROM backups WHERE backup_id = ?";

Error lookup_error(const std::filesystem::path& path, std::string_view backup_id, const SQLite::Exception& e) {
    return sqlite_error(fmt::format("cannot look up backup {} in {}", backup_id, path.string()), e);
}

// Runs one lookup on stmt, retrying while the database is locked and the deadline allows.
Result<bool> run_lookup(SQLite::Statement& stmt, const std::filesystem::path& path, std::string_view backup_id,
                        std::chrono::milliseconds lock_wait) {
    auto deadline = Clock::now() + lock_wait;
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        try {
            stmt.reset();
            stmt.clearBindings();
            stmt.bind(1, std::string(backup_id));
            bool found = stmt.executeStep();
            stmt.reset();
            return found;
        } catch (const SQLite::Exception& e) {
            try {
                stmt.reset();
            } catch (const SQLite::Exception&) {
                // reset() repeats the step's error; the first one is what is reported.
            }
            if (!is_busy(e) || Clock::now() + pause > deadline) return lookup_error(path, backup_id, e);
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(50));
        }
    }
}

}  // namespace

Result<bool> is_automated(Database& db, std::string_view backup_id, std::chrono::milliseconds lock_wait) {
    std::unique_ptr<SQLite::Statement> stmt;
    auto prepared = guarded(fmt::format("cannot look up backups in {}", db.path().string()),
                            [&] { stmt = std::make_unique<SQLite::Statement>(db.sql(), kLookupSql); });
    if (!prepared) return prepared.error();
    return run_lookup(*stmt, db.path(), backup_id, lock_wait);
}

Result<std::unique_ptr<AutomatedBackupReader>> AutomatedBackupReader::open(const std::filesystem::path& path,
                                                                           std::chrono::milliseconds lock_wait,
                                                                           std::size_t cache_kib) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return make_error(ErrorKind::not_found, fmt::format("database {} does not exist", path.string()));
    auto db = Database::open(path, Access::read_only, Create::never);
    if (!db) return db.error();
    std::unique_ptr<AutomatedBackupReader> reader(
        new AutomatedBackupReader(std::move(*db), lock_wait, st.st_dev, st.st_ino));
    auto prepared = guarded(fmt::format("cannot look up backups in {}", path.string()), [&] {
        // No lookaside buffers, and a cache the caller sizes: a server may hold dozens of these.
        sqlite3_db_config(reader->db_.sql().getHandle(), SQLITE_DBCONFIG_LOOKASIDE, nullptr, 0, 0);
        reader->db_.sql().exec(fmt::format("PRAGMA cache_size = -{}", std::max<std::size_t>(cache_kib, 16)));
        reader->db_.sql().setBusyTimeout(static_cast<int>(std::min<long>(lock_wait.count(), 100)));
        reader->lookup_ = std::make_unique<SQLite::Statement>(reader->db_.sql(), kLookupSql);
    });
    if (!prepared) return prepared.error();
    return reader;
}

AutomatedBackupReader::AutomatedBackupReader(Database db, std::chrono::milliseconds lock_wait, dev_t dev, ino_t ino)
    : db_(std::move(db)), lock_wait_(lock_wait), dev_(dev), ino_(ino) {}

Result<bool> AutomatedBackupReader::is_automated(std::string_view backup_id) {
    return run_lookup(*lookup_, db_.path(), backup_id, lock_wait_);
}

}  // namespace staffeln::store
