#include "staffeln/store/database.h"

#include "staffeln/store/migrations.h"
#include "staffeln/store/sqlite_error.h"
#include "staffeln/regular_file.h"

#include <SQLiteCpp/Transaction.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace staffeln::store {
namespace {

namespace fs = std::filesystem;

constexpr int kBusyTimeoutMs = 5000;
constexpr std::string_view kSqliteHeader{"SQLite format 3\0", 16};

// Refuses, without touching it, a file that exists but cannot be an SQLite database; a FIFO or a
// device is refused before SQLite would wait on it or read it.
Status check_existing_file(const fs::path& path) {
    auto header = read_regular_file_start(path, "database", kSqliteHeader.size());
    if (!header) return header.error();
    if (header->empty()) return {};
    if (*header != kSqliteHeader)
        return make_error(ErrorKind::corrupt,
                          fmt::format("{} is not an SQLite database (its header is not SQLite's); staffeln left it "
                                      "untouched: point [database] connection at another file or move this one away",
                                      path.string()));
    return {};
}

Status create_file_0600(const fs::path& path) {
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
        return make_error(ErrorKind::io,
                          fmt::format("cannot create database {}: {}", path.string(), std::strerror(errno)));
    if (fd >= 0) ::close(fd);
    return {};
}

Status prepare_file(const fs::path& path, Access access, Create create) {
    fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    std::error_code ec;
    if (!fs::is_directory(parent, ec))
        return make_error(ErrorKind::io, fmt::format("cannot open database {}: directory {} does not exist",
                                                     path.string(), parent.string()));
    if (fs::exists(path, ec)) return check_existing_file(path);
    if (access == Access::read_only || create == Create::never)
        return make_error(
            ErrorKind::not_found,
            fmt::format("database {} does not exist: run `staffeln db-manage upgrade` to create it", path.string()));
    return create_file_0600(path);
}

}  // namespace

Status guarded(const std::string& what, const std::function<void()>& fn) {
    try {
        fn();
    } catch (const SQLite::Exception& e) {
        return sqlite_error(what, e);
    } catch (const std::exception& e) {
        return make_error(ErrorKind::internal, fmt::format("{}: {}", what, e.what()));
    }
    return {};
}

Result<Database> Database::open(const fs::path& path, Access access, Create create) {
    if (auto ready = prepare_file(path, access, create); !ready) return ready.error();
    std::unique_ptr<SQLite::Database> db;
    auto opened = guarded(fmt::format("cannot open database {}", path.string()), [&] {
        int flags = access == Access::read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
        db = std::make_unique<SQLite::Database>(path.string(), flags | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
        if (access == Access::read_write) {
            db->exec("PRAGMA journal_mode = WAL");
            db->exec("PRAGMA synchronous = NORMAL");
        }
        db->exec("PRAGMA foreign_keys = ON");
        // Reading the schema catalogue is what detects a damaged file early.
        SQLite::Statement probe(*db, "SELECT count(*) FROM sqlite_master");
        probe.executeStep();
    });
    if (!opened) return opened.error();
    return Database(std::move(db), path);
}

Result<int> Database::schema_version() {
    int version = 0;
    auto read = guarded(fmt::format("cannot read the schema version of {}", path_.string()),
                        [&] { version = db_->execAndGet("PRAGMA user_version").getInt(); });
    if (!read) return read.error();
    return version;
}

Status Database::create_schema() {
    auto version = schema_version();
    if (!version) return version.error();
    int tables = 0;
    auto counted = guarded("cannot inspect " + path_.string(), [&] {
        tables = db_->execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table'").getInt();
    });
    if (!counted) return counted.error();
    if (*version != 0 || tables != 0)
        return make_error(ErrorKind::conflict,
                          fmt::format("database {} already has a schema (version {}): use `staffeln db-manage upgrade`",
                                      path_.string(), *version));
    return guarded(fmt::format("cannot create the schema in {}", path_.string()), [&] {
        SQLite::Transaction tx(*db_);
        db_->exec(std::string(canonical_schema()));
        // The version is this binary's own constant, never outside input.
        db_->exec(fmt::format("PRAGMA user_version = {}", head_version()));
        tx.commit();
    });
}

Status Database::upgrade(int target) {
    auto version = schema_version();
    if (!version) return version.error();
    if (*version > head_version()) return require_current().error();
    if (target < *version)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("database {} is at version {}; downgrading to {} is not supported",
                                      path_.string(), *version, target));
    for (const auto& migration : migrations()) {
        if (migration.version <= *version || migration.version > target) continue;
        auto applied =
            guarded(fmt::format("migration {} ({}) of {} failed; the database stays at version {}", migration.version,
                                migration.description, path_.string(), migration.version - 1),
                    [&] {
                        SQLite::Transaction tx(*db_);
                        db_->exec(std::string(migration.sql));
                        db_->exec(fmt::format("PRAGMA user_version = {}", migration.version));
                        tx.commit();
                    });
        if (!applied) return applied;
    }
    return {};
}

Status Database::require_current() {
    auto version = schema_version();
    if (!version) return version.error();
    int head = head_version();
    if (*version == head) return {};
    if (*version == 0)
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("database {} has no schema yet: run `staffeln db-manage upgrade`", path_.string()));
    if (*version < head)
        return make_error(ErrorKind::invalid_input,
                          fmt::format("database {} is at schema version {}, this staffeln needs {}: run `staffeln "
                                      "db-manage upgrade`",
                                      path_.string(), *version, head));
    return make_error(ErrorKind::invalid_input,
                      fmt::format("database {} is at schema version {}, newer than this staffeln knows ({}): it was "
                                  "migrated by a newer staffeln; run that version",
                                  path_.string(), *version, head));
}

}  // namespace staffeln::store
