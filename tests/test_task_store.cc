#include "staffeln/core/backup_tag.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/task_store.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::store;
using core::TaskStatus;
using staffeln::testing::TempDir;

namespace {

const TimePoint t0{std::chrono::seconds(1'700'000'000)};

struct Fixture {
    TempDir dir;
    Database db = open();
    TaskStore tasks{db};
    BackupIndex backups{db};

    Database open() {
        auto opened = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
        REQUIRE(opened.ok());
        REQUIRE(opened->create_schema().ok());
        return std::move(opened).value();
    }
};

core::TaskRecord task(const std::string& id, const std::string& volume) {
    core::TaskRecord t;
    t.task_id = id;
    t.volume_id = volume;
    t.project_id = "p1";
    t.server_id = "s1";
    t.created_at = t0;
    return t;
}

Backup tagged_backup(const std::string& id, const std::string& task_id) {
    Backup b;
    b.id = id;
    b.volume_id = "v1";
    b.project_id = "p1";
    b.status = "available";
    b.metadata[std::string(core::kTaskMetadataKey)] = task_id;
    return b;
}

}  // namespace

TEST_CASE("a task goes from pending to in flight to succeeded, and its backup becomes known") {
    Fixture f;
    REQUIRE(f.tasks.insert(task("t1", "v1"), {"data", "web-1", "web-1_data_1700000000", ""}, t0).ok());
    REQUIRE(f.tasks.set_in_flight("t1", "b1", t0).ok());
    CHECK(*f.backups.count() == 1);
    REQUIRE(f.tasks.set_status("t1", TaskStatus::succeeded, "", t0).ok());
    auto all = f.tasks.load_all();
    REQUIRE(all.ok());
    REQUIRE(all->size() == 1);
    CHECK(all->at(0).status == TaskStatus::succeeded);
    CHECK(all->at(0).backup_id == "b1");
    CHECK(all->at(0).created_at == t0);
}

TEST_CASE("a second open task for the same volume is a conflict, from any connection") {
    Fixture f;
    REQUIRE(f.tasks.insert(task("t1", "v1"), {}, t0).ok());
    auto other = Database::open(f.dir / "staffeln.db", Access::read_write, Create::never);
    REQUIRE(other.ok());
    TaskStore second(*other);
    auto clash = second.insert(task("t2", "v1"), {}, t0);
    REQUIRE_FALSE(clash.ok());
    CHECK(clash.error().kind == ErrorKind::conflict);
    CHECK(clash.error().message.starts_with("cannot record task t2 for volume v1: "));
    REQUIRE(f.tasks.set_status("t1", TaskStatus::failed, "volume is in error", t0).ok());
    CHECK(second.insert(task("t2", "v1"), {}, t0).ok());
}

TEST_CASE("updating a task the store does not know is a not-found error naming it") {
    Fixture f;
    auto missing = f.tasks.set_status("nope", TaskStatus::failed, "", t0);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == ErrorKind::not_found);
    CHECK(missing.error().message == "task nope is not in the store");
    CHECK(f.tasks.set_in_flight("nope", "b1", t0).error().kind == ErrorKind::not_found);
    CHECK(f.tasks.note_attempt_failed("nope", "x", t0).error().kind == ErrorKind::not_found);
}

TEST_CASE("a failed create attempt keeps the task pending with the reason") {
    Fixture f;
    REQUIRE(f.tasks.insert(task("t1", "v1"), {}, t0).ok());
    REQUIRE(f.tasks.note_attempt_failed("t1", "Cinder answered 503", t0).ok());
    auto all = f.tasks.load_all();
    REQUIRE(all.ok());
    CHECK(all->at(0).status == TaskStatus::pending);
    CHECK(all->at(0).last_error == "Cinder answered 503");
}

TEST_CASE("the backups table is rebuilt from Cinder's tagged backups in one step") {
    Fixture f;
    REQUIRE(f.tasks.insert(task("t1", "v1"), {}, t0).ok());
    REQUIRE(f.tasks.set_in_flight("t1", "old", t0).ok());
    REQUIRE(f.backups.sync({tagged_backup("b1", "t1"), tagged_backup("b2", "t2")}, t0).ok());
    CHECK(*f.backups.count() == 2);
    REQUIRE(f.backups.remove("b1").ok());
    CHECK(*f.backups.count() == 1);
    REQUIRE(f.tasks.forget_backup("t1", t0).ok());
    CHECK(f.tasks.load_all()->at(0).backup_id.empty());
}

TEST_CASE("a reported task is forgotten with its backup, an unreported one stays for its report") {
    Fixture f;
    for (const char* id : {"t1", "t2"}) {
        REQUIRE(f.tasks.insert(task(id, std::string("v-") + id), {}, t0).ok());
        REQUIRE(f.tasks.set_in_flight(id, std::string("b-") + id, t0).ok());
        REQUIRE(f.tasks.set_status(id, TaskStatus::succeeded, "", t0).ok());
    }
    f.db.sql().exec("UPDATE tasks SET reported = 1 WHERE id = 't1'");
    REQUIRE(f.tasks.forget_backup("t1", t0).ok());
    REQUIRE(f.tasks.forget_backup("t2", t0).ok());
    auto left = f.tasks.load_all();
    REQUIRE(left->size() == 1);
    CHECK(left->at(0).task_id == "t2");
    CHECK(left->at(0).backup_id.empty());
    CHECK(f.tasks.forget_backup("t1", t0).error().kind == ErrorKind::not_found);
}
