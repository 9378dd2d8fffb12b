// store/project_restore_store against a real store file: a project restore is written with its
// refusals and its server restores in one go, read back whole, found while running, and refused
// while the project, or one of its servers, has an unfinished restore.
#include "staffeln/store/project_restore_store.h"

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

    Database open() {
        auto opened = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
        REQUIRE(opened.ok());
        REQUIRE(opened->create_schema().ok());
        return std::move(opened).value();
    }
};

core::RestorePlan server(std::string id, std::string name, core::RestoreInto into) {
    core::RestorePlan plan{id, name, "p1", t0, t0 - std::chrono::hours(1), {}, {}};
    plan.into = into;
    plan.volumes.push_back({"vol-" + id, name + "-root", "b-" + id, name + "-root-restored", 2, "", true});
    return plan;
}

core::ProjectRestorePlan project(core::RestoreInto into = core::RestoreInto::new_volumes) {
    core::ProjectRestorePlan plan{"p1", t0, into, true, {}, {}};
    plan.servers.push_back(server("s-web", "web-1", into));
    plan.servers.push_back(server("s-db", "db-1", into));
    plan.refused.push_back({"s-api", "api-1", "no restore of server api-1 (s-api) at ..."});
    return plan;
}

}  // namespace

TEST_CASE("a project restore is stored with its refusals and server restores, and read back whole") {
    Fixture f;
    REQUIRE(insert_project_restore(f.db, "pr-1", project(), {"r-web", "r-db"}, t0).ok());
    auto running = running_project_restore(f.db, "p1");
    REQUIRE(running.ok());
    REQUIRE(running->has_value());
    const StoredProjectRestore& r = **running;
    CHECK(r.id == "pr-1");
    CHECK(r.status == "running");
    CHECK(r.at == t0);
    CHECK(r.allow_partial);
    CHECK(r.into == core::RestoreInto::new_volumes);
    REQUIRE(r.refused.size() == 1);
    CHECK(r.refused[0].server_name == "api-1");
    REQUIRE(r.servers.size() == 2);  // by server name
    CHECK(r.servers[0].id == "r-db");
    CHECK(r.servers[0].project_restore_id == "pr-1");
    CHECK(r.servers[0].status == "running");
    REQUIRE(r.servers[0].volumes.size() == 1);
    CHECK(r.servers[0].volumes[0].restored_volume_id.empty());  // into new volumes: none made yet
    CHECK(r.servers[1].id == "r-web");
    CHECK_FALSE(running_project_restore(f.db, "p2")->has_value());

    REQUIRE(set_project_restore_status(f.db, "pr-1", "succeeded", t0).ok());
    CHECK_FALSE(running_project_restore(f.db, "p1")->has_value());
    CHECK(load_project_restore(f.db, "pr-1")->status == "succeeded");
    CHECK(load_project_restores(f.db)->size() == 1);
    auto unknown = load_project_restore(f.db, "nope");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().kind == ErrorKind::not_found);
}

TEST_CASE("over the originals, each volume's target is recorded as its source from the start") {
    Fixture f;
    REQUIRE(insert_project_restore(f.db, "pr-1", project(core::RestoreInto::original), {"r-web", "r-db"}, t0).ok());
    auto r = load_restore(f.db, "r-web");
    REQUIRE(r.ok());
    CHECK(r->into == core::RestoreInto::original);
    CHECK(r->volumes[0].restored_volume_id == "vol-s-web");
    CHECK(load_project_restore(f.db, "pr-1")->into == core::RestoreInto::original);
}

TEST_CASE("a second project restore, or one of a server with a restore of its own, is refused and writes nothing") {
    Fixture f;
    REQUIRE(insert_project_restore(f.db, "pr-1", project(), {"r-web", "r-db"}, t0).ok());
    auto second = insert_project_restore(f.db, "pr-2", project(), {"r-web-2", "r-db-2"}, t0);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == ErrorKind::conflict);
    CHECK(second.error().message.starts_with("project p1 already has restore pr-1 running in "));
    REQUIRE(set_project_restore_status(f.db, "pr-1", "failed", t0).ok());
    // r-web is still running (the project restore ended without it): its server is busy.
    auto busy = insert_project_restore(f.db, "pr-3", project(), {"r-web-3", "r-db-3"}, t0);
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().message.starts_with("server s-web already has restore r-web running in "));
    CHECK(load_project_restores(f.db)->size() == 1);
}
