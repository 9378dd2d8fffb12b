// store/restore_history against a real store file, filled as the conductor fills it.
#include "staffeln/store/restore_history.h"

#include "staffeln/core/backup_tag.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/task_store.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::store;
using staffeln::testing::TempDir;

namespace {

const TimePoint t0{std::chrono::seconds(1'700'000'000)};

struct Fixture {
    TempDir dir;
    Database db = open();
    std::vector<Backup> listed;

    Database open() {
        auto opened = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
        REQUIRE(opened.ok());
        REQUIRE(opened->create_schema().ok());
        return std::move(opened).value();
    }
    void task(const std::string& id, const std::string& volume, const std::string& server,
              const std::string& server_name, const std::string& volume_name, int minute,
              const std::string& project = "p1") {
        core::TaskRecord t;
        t.task_id = id;
        t.volume_id = volume;
        t.project_id = project;
        t.server_id = server;
        t.status = core::TaskStatus::succeeded;
        t.created_at = t0 + std::chrono::minutes(minute);
        REQUIRE(TaskStore(db).insert(t, {volume_name, server_name, "", ""}, t.created_at).ok());
    }
    // A tagged backup as Cinder lists it; sync() writes the backups table as a cycle does.
    void backup(const std::string& id, const std::string& volume, const std::string& task_id, int minute,
                bool incremental = false, const std::string& status = "available") {
        Backup b;
        b.id = id;
        b.volume_id = volume;
        b.project_id = "p1";
        b.status = status;
        b.is_incremental = incremental;
        b.created_at = b.data_timestamp = t0 + std::chrono::minutes(minute);
        b.metadata[std::string(core::kTaskMetadataKey)] = task_id;
        listed.push_back(b);
        REQUIRE(BackupIndex(db).sync(listed, t0).ok());
    }
};

std::vector<std::string> ids(const std::vector<KnownServer>& servers) {
    std::vector<std::string> out;
    for (const auto& s : servers) out.push_back(s.id + "/" + s.name + "/" + s.project_id);
    return out;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("a server is found by its ID or by the name its newest task recorded, and unknown ones are not") {
    Fixture f;
    f.task("t1", "v1", "s1", "web-old", "root", 0);
    f.task("t2", "v1", "s1", "web-1", "root", 10);
    f.task("t3", "v3", "s2", "db-1", "db", 10, "p2");
    CHECK(ids(*find_servers(f.db, "s1")) == Ids{"s1/web-1/p1"});
    CHECK(ids(*find_servers(f.db, "web-1")) == Ids{"s1/web-1/p1"});
    CHECK(ids(*find_servers(f.db, "web-old")) == Ids{"s1/web-1/p1"});
    CHECK(find_servers(f.db, "nope")->empty());
    f.task("t4", "v4", "s4", "web-1", "other", 20);
    CHECK(ids(*find_servers(f.db, "web-1")) == Ids{"s1/web-1/p1", "s4/web-1/p1"});
    CHECK(ids(*servers_of_project(f.db, "p2")) == Ids{"s2/db-1/p2"});
    CHECK(ids(*servers_of_project(f.db, "p1")) == Ids{"s1/web-1/p1", "s4/web-1/p1"});
    CHECK(servers_of_project(f.db, "p9")->empty());
}

TEST_CASE("a server's history: its tasks' volumes by name, and their backups made for it or for no known server") {
    Fixture f;
    f.task("t1", "v1", "s1", "web-1", "root", 0);
    f.task("t2", "v2", "s1", "web-1", "data", 0);
    f.task("t3", "v1", "s2", "db-1", "root", 30);  // v1 was later attached to db-1
    f.task("t4", "v9", "s2", "db-1", "db", 30);
    f.backup("b1", "v1", "t1", 1);
    f.backup("b2", "v2", "t2", 2, true, "restoring");
    f.backup("b3", "v1", "t3", 31);
    f.backup("b4", "v1", "t-purged", 40);  // its task is gone: no server known
    f.backup("b5", "v9", "t4", 31);
    auto h = load_history(f.db, {"s1", "web-1", "p1"});
    REQUIRE(h.ok());
    CHECK(h->server_id == "s1");
    CHECK(h->server_name == "web-1");
    REQUIRE(h->volumes.size() == 2);
    CHECK(h->volumes[0].id == "v2");
    CHECK(h->volumes[0].name == "data");
    CHECK(h->volumes[1].id == "v1");
    Ids backups;
    for (const auto& b : h->backups) backups.push_back(b.id);
    CHECK(backups == Ids{"b1", "b2", "b4"});
    const auto& b2 = h->backups[1];
    CHECK(b2.volume_id == "v2");
    CHECK(b2.kind == core::BackupKind::incremental);
    CHECK(b2.status == "restoring");
    CHECK(b2.data_timestamp == t0 + std::chrono::minutes(2));
    CHECK(b2.created_at == t0 + std::chrono::minutes(2));
}
