// The API's store reader (store/automated_backups.h) on real SQLite files: answers, errors, locks.
#include "staffeln/store/automated_backups.h"
#include "staffeln/store/database.h"
#include "support/backup_rows.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

using namespace staffeln;
using namespace staffeln::testing;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

TEST_CASE("is_automated is true exactly for the ids in the backups table") {
    TempDir dir;
    make_store(dir / "s.db", {kProtected});
    auto db = store::Database::open(dir / "s.db", store::Access::read_only, store::Create::never);
    REQUIRE(db.ok());
    CHECK(*store::is_automated(*db, kProtected) == true);
    CHECK(*store::is_automated(*db, kUnprotected) == false);
    auto reader = store::AutomatedBackupReader::open(dir / "s.db", 1s);
    REQUIRE(reader.ok());
    for (int i = 0; i < 3; ++i) {  // the prepared statement is reused
        CHECK(*(*reader)->is_automated(kProtected) == true);
        CHECK(*(*reader)->is_automated(kUnprotected) == false);
    }
    struct stat st {};
    REQUIRE(::stat((dir / "s.db").c_str(), &st) == 0);
    CHECK((*reader)->opened_on(st.st_dev, st.st_ino));
    make_store(dir / "other.db", {});
    REQUIRE(::stat((dir / "other.db").c_str(), &st) == 0);
    CHECK_FALSE((*reader)->opened_on(st.st_dev, st.st_ino));
}

TEST_CASE("a reader on a missing or non-SQLite file is an error, never an answer") {
    TempDir dir;
    auto missing = store::AutomatedBackupReader::open(dir / "none.db", 1s);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::not_found);
    auto garbage = dir.write("garbage.db", std::string(4096, 'x'));
    auto corrupt = store::AutomatedBackupReader::open(garbage, 1s);
    REQUIRE_FALSE(corrupt.ok());
    CHECK(corrupt.error().kind == ErrorKind::corrupt);
}

TEST_CASE("a lookup waits for a locked database up to its deadline, then fails") {
    TempDir dir;
    make_store(dir / "s.db", {kProtected});
    SQLite::Database writer((dir / "s.db").string(), SQLite::OPEN_READWRITE);
    writer.exec("PRAGMA journal_mode = DELETE");  // a rollback journal, so that a writer blocks readers
    auto reader = store::AutomatedBackupReader::open(dir / "s.db", 300ms);
    REQUIRE(reader.ok());
    writer.exec("BEGIN EXCLUSIVE");
    writer.exec("UPDATE backups SET status = 'deleting'");
    auto start = SteadyClock::now();
    auto locked = (*reader)->is_automated(kProtected);
    auto waited = SteadyClock::now() - start;
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().kind == ErrorKind::timeout);
    CHECK(locked.error().message.find("database is locked") != std::string::npos);
    CHECK(waited >= 250ms);
    CHECK(waited < 2s);

    auto release = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(100ms);
        writer.exec("COMMIT");
    });
    CHECK(*(*reader)->is_automated(kProtected) == true);
    release.get();
}
