// SQLite's result codes mapped to staffeln's error kinds in one place (store/sqlite_error.h).
#include "staffeln/store/sqlite_error.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace staffeln;
using namespace staffeln::store;

TEST_CASE(
    "SQLite's busy and locked codes, extended ones included, are timeouts, corrupt files are corrupt, the rest io") {
    CHECK(sqlite_error_kind(SQLite::Exception("database is locked", SQLITE_BUSY)) == ErrorKind::timeout);
    CHECK(sqlite_error_kind(SQLite::Exception("locked", SQLITE_LOCKED)) == ErrorKind::timeout);
    CHECK(sqlite_error_kind(SQLite::Exception("snapshot", SQLITE_BUSY_SNAPSHOT)) == ErrorKind::timeout);
    CHECK(is_busy(SQLite::Exception("recovery", SQLITE_BUSY_RECOVERY)));
    CHECK(sqlite_error_kind(SQLite::Exception("malformed", SQLITE_CORRUPT)) == ErrorKind::corrupt);
    CHECK(sqlite_error_kind(SQLite::Exception("not a database", SQLITE_NOTADB)) == ErrorKind::corrupt);
    CHECK(sqlite_error_kind(SQLite::Exception("disk I/O error", SQLITE_IOERR_WRITE)) == ErrorKind::io);
    CHECK_FALSE(is_busy(SQLite::Exception("constraint", SQLITE_CONSTRAINT)));
}

TEST_CASE("an SQLite error says what was being done, then SQLite's own message") {
    auto error = sqlite_error("cannot read task t1", SQLite::Exception("database is locked", SQLITE_BUSY));
    CHECK(error.kind == ErrorKind::timeout);
    CHECK(error.message == "cannot read task t1: database is locked");
}
