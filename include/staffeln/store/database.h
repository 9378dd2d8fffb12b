// The SQLite store: one file, WAL mode, a busy timeout, foreign keys on, created 0600.
// open() never alters a file it refuses (not SQLite, unreadable, missing directory), and
// require_current() tells the operator which command to run when the schema is not current.
// A Database is used by one thread at a time; open one per thread.
#pragma once

#include "staffeln/result.h"

#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <functional>
#include <memory>

namespace staffeln::store {

enum class Access { read_write, read_only };
enum class Create { if_missing, never };

class Database {
public:
    static Result<Database> open(const std::filesystem::path& path, Access access, Create create);

    // PRAGMA user_version: 0 for a new file.
    Result<int> schema_version();
    // Creates the newest schema (schema.sql) in an empty database.
    Status create_schema();
    // Runs the migrations from the current version up to target, each in its own transaction.
    Status upgrade(int target);
    // Succeeds when the schema is exactly what this binary knows.
    Status require_current();

    SQLite::Database& sql() { return *db_; }
    const std::filesystem::path& path() const { return path_; }

private:
    Database(std::unique_ptr<SQLite::Database> db, std::filesystem::path path)
        : db_(std::move(db)), path_(std::move(path)) {}

    std::unique_ptr<SQLite::Database> db_;
    std::filesystem::path path_;
};

// Runs fn, turning SQLiteCpp's exceptions into an io or corrupt Error that names what.
Status guarded(const std::string& what, const std::function<void()>& fn);

}  // namespace staffeln::store
