// The report's store side against a real SQLite file: which tasks are read, when a project
// was last reported, and what one delivery writes.
#include "staffeln/report/report_store.h"
#include "staffeln/store/dr_record_store.h"
#include "staffeln/store/server_sets.h"

#include "support/task_rows.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::report;
using staffeln::testing::insert_task;
using staffeln::testing::TaskRow;
using staffeln::testing::TempDir;

namespace {

TimePoint at(std::int64_t unix_seconds) { return TimePoint(std::chrono::seconds(unix_seconds)); }

void insert_timestamp(store::Database& db, const std::string& project, std::int64_t created_at) {
    SQLite::Statement insert(db.sql(),
                             "INSERT INTO report_timestamps (project_id, sender, created_at) VALUES (?1, 'x', ?2)");
    insert.bind(1, project);
    insert.bind(2, created_at);
    insert.exec();
}

}  // namespace

TEST_CASE("only finished, unreported tasks are read, per project when asked") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    insert_task(db, {.id = "ok", .project_id = "p1", .status = "succeeded", .kind = "incremental"});
    insert_task(db, {.id = "bad", .project_id = "p1", .status = "failed", .last_error = "quota"});
    insert_task(db, {.id = "gone", .project_id = "p2", .status = "cancelled", .last_error = "cycle timeout"});
    insert_task(db, {.id = "pending", .project_id = "p1", .status = "pending"});
    insert_task(db, {.id = "in_flight", .project_id = "p1", .status = "in_flight"});
    insert_task(db, {.id = "old", .project_id = "p1", .status = "succeeded", .reported = 1});
    auto all = unreported_tasks(db);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 3);
    auto p1 = unreported_tasks(db, "p1");
    REQUIRE(p1.ok());
    REQUIRE(p1->size() == 2);
    const auto& ok = (*p1)[0].id == "ok" ? (*p1)[0] : (*p1)[1];
    CHECK(ok.kind == core::BackupKind::incremental);
    CHECK(ok.status == core::TaskStatus::succeeded);
    CHECK(ok.backup_id == "bak-ok");
    CHECK(ok.server_id == "srv-ok");
    CHECK(ok.updated_at == at(1'763'786'000));
    auto p2 = unreported_tasks(db, "p2");
    REQUIRE(p2->size() == 1);
    CHECK((*p2)[0].status == core::TaskStatus::cancelled);
    CHECK((*p2)[0].last_error == "cycle timeout");
}

TEST_CASE("the backups a report names as without a disaster-recovery record are the project's failed fetches") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    store::DrRecordStore records(db);
    auto record = [](const std::string& id, const std::string& project, core::FetchStatus status) {
        core::DrRecord r;
        r.backup_id = id;
        r.project_id = project;
        r.origin.volume_id = "vol-" + id;
        r.origin.volume_name = "disk " + id;
        r.fetch_status = status;
        r.last_error = status == core::FetchStatus::failed ? "HTTP 503" : "";
        return r;
    };
    REQUIRE(records.save(record("b2", "p1", core::FetchStatus::failed), at(10)).ok());
    REQUIRE(records.save(record("b2", "p1", core::FetchStatus::failed), at(20)).ok());
    REQUIRE(records.save(record("b1", "p1", core::FetchStatus::fetched), at(10)).ok());
    REQUIRE(records.save(record("b3", "p2", core::FetchStatus::failed), at(10)).ok());
    auto missing = missing_dr_records(db, "p1");
    REQUIRE(missing.ok());
    REQUIRE(missing->size() == 1);
    CHECK(missing->front().backup_id == "b2");
    CHECK(missing->front().volume_id == "vol-b2");
    CHECK(missing->front().volume_name == "disk b2");
    CHECK(missing->front().last_error == "HTTP 503");
    CHECK(missing->front().attempts == 2);
}

TEST_CASE("the last report time is the project's or a global one, never one in the future") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    auto none = last_report_time(db, "p1", at(1000));
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    insert_timestamp(db, "p1", 500);
    insert_timestamp(db, "p2", 900);
    insert_timestamp(db, "p1", 5000);
    CHECK(*last_report_time(db, "p1", at(1000)).value() == at(500));
    insert_timestamp(db, "", 700);
    CHECK(*last_report_time(db, "p1", at(1000)).value() == at(700));
}

TEST_CASE("a delivery marks exactly the reported tasks and records a timestamp in one go") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    insert_task(db, {.id = "a", .project_id = "p1"});
    insert_task(db, {.id = "b", .project_id = "p1", .status = "failed"});
    insert_task(db, {.id = "later", .project_id = "p1"});  // finished after the report was rendered
    insert_task(db, {.id = "other", .project_id = "p2"});
    insert_timestamp(db, "p2", 100);  // older than ten periods
    insert_timestamp(db, "p2", 9000);
    auto done = record_delivery(db, {"p1", {"a", "b", "other"}, "staffeln@example.org", at(10'000), at(1000)});
    REQUIRE(done.ok());
    auto left = unreported_tasks(db);
    REQUIRE(left->size() == 2);
    CHECK((*left)[0].id == "later");
    CHECK((*left)[1].id == "other");
    // "a" keeps its record while its backup exists (the planner knows the backup's tag by it);
    // "b" has no backup and goes.
    CHECK(db.sql()
              .execAndGet("SELECT group_concat(id || ':' || reported) FROM tasks WHERE id IN ('a', 'b')")
              .getString() == "a:1");
    CHECK(testing::count_rows(db, "report_timestamps") == 2);
    SQLite::Statement stamp(db.sql(),
                            "SELECT project_id, sender, created_at FROM report_timestamps ORDER BY created_at DESC");
    REQUIRE(stamp.executeStep());
    CHECK(stamp.getColumn(0).getString() == "p1");
    CHECK(stamp.getColumn(1).getString() == "staffeln@example.org");
    CHECK(stamp.getColumn(2).getInt64() == 10'000);
}

TEST_CASE("a delivery that cannot be recorded changes nothing") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    insert_task(db, {.id = "a", .project_id = "p1"});
    db.sql().exec(
        "CREATE TRIGGER refuse BEFORE INSERT ON report_timestamps BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    auto done = record_delivery(db, {"p1", {"a"}, "s@example.org", at(10'000), at(0)});
    REQUIRE_FALSE(done.ok());
    CHECK(done.error().kind == ErrorKind::io);
    CHECK(done.error().message.find("cannot record the report of project p1 in ") == 0);
    CHECK(done.error().message.find("disk says no") != std::string::npos);
    CHECK(unreported_tasks(db)->size() == 1);
}

TEST_CASE("a finished task comes with its server set's record and its backup's data time") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    REQUIRE(store::record_server_set(db, {"set-1", "srv-web", "p1", core::BackupMode::snapshot, 3, at(1000)}).ok());
    insert_task(db, {.id = "a", .project_id = "p1", .server_id = "srv-web", .set_id = "set-1"});
    insert_task(db, {.id = "b", .project_id = "p1", .status = "failed", .server_id = "srv-web", .set_id = "set-1"});
    insert_task(db, {.id = "old", .project_id = "p1"});  // before schema 7, or adopted into a rebuilt store
    db.sql().exec(
        "INSERT INTO backups (backup_id, volume_id, project_id, kind, status, created_at, data_timestamp, updated_at) "
        "VALUES ('bak-a', 'vol-a', 'p1', 'full', 'available', 1010, 1005, 1010)");
    auto tasks = unreported_tasks(db, "p1");
    REQUIRE(tasks.ok());
    REQUIRE(tasks->size() == 3);
    for (const auto& t : *tasks) {
        CAPTURE(t.id);
        if (t.id == "old") {
            CHECK(t.set_id.empty());
            CHECK_FALSE(t.set_mode);
            CHECK(t.set_volumes == 0);
            CHECK_FALSE(t.data_time);  // its backup is not listed
        } else {
            CHECK(t.set_id == "set-1");
            CHECK(t.set_mode == core::BackupMode::snapshot);
            CHECK(t.set_volumes == 3);
            CHECK(t.data_time == (t.id == "a" ? std::optional(at(1005)) : std::nullopt));
        }
    }
}

TEST_CASE("a delivery forgets the server sets no task names, once as old as the purged timestamps") {
    TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    for (auto [id, made] : {std::pair{"named", 100}, {"unnamed-old", 100}, {"unnamed-new", 5000}})
        REQUIRE(store::record_server_set(db, {id, "srv", "p1", core::BackupMode::volume, 1, at(made)}).ok());
    insert_task(db, {.id = "a", .project_id = "p1", .set_id = "named"});
    REQUIRE(record_delivery(db, {"p1", {"a"}, "s@example.org", at(10'000), at(1000)}).ok());
    // "named" keeps its task (reported, its backup still in Cinder); "unnamed-new" may be a set
    // whose tasks the conductor is writing now.
    CHECK(
        db.sql().execAndGet("SELECT group_concat(id, ',') FROM (SELECT id FROM server_sets ORDER BY id)").getString() ==
        "named,unnamed-new");
}
