// core/project_restore.h: every server of a project planned from one listing; a server that
// cannot be restored is refused by name with the reason and the others go on; the project
// restore's status from its servers'.
#include "staffeln/core/project_restore.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const TimePoint kT0{seconds(1764910800)};  // 2025-12-05T05:00:00Z

// web-1 (root and data, both backed up), db-1 (root backed up, log never), api-1 (root in use).
struct Tenant {
    std::vector<ServerHistory> histories{
        {"srv-web", "web-1", "p1", {{"vol-web-root", "web-1-root"}, {"vol-web-data", "web-1-data"}}, {}},
        {"srv-db", "db-1", "p1", {{"vol-db-root", "db-1-root"}, {"vol-db-log", "db-1-log"}}, {}},
        {"srv-api", "api-1", "p1", {{"vol-api-root", "api-1-root"}}, {}},
    };
    std::vector<SourceVolume> volumes{
        {"vol-web-root", "web-1-root", 10, "ssd", true, "available"},
        {"vol-web-data", "web-1-data", 3, "", false, "available"},
        {"vol-db-root", "db-1-root", 4, "", true, "available"},
        {"vol-db-log", "db-1-log", 1, "", false, "available"},
        {"vol-api-root", "api-1-root", 1, "", true, "in-use"},
    };
    std::vector<Backup> backups;
    RestoreRequest request{kT0 + hours(1), false, RestorePolicy{minutes(15)}};

    Tenant() {
        backed_up(0, "b-web-root", "vol-web-root", 10);
        backed_up(0, "b-web-data", "vol-web-data", 3);
        backed_up(1, "b-db-root", "vol-db-root", 4);
        backed_up(2, "b-api-root", "vol-api-root", 1);
    }
    void backed_up(std::size_t server, std::string id, std::string volume, std::int64_t size) {
        histories[server].backups.push_back({id, volume, BackupKind::full, "available", kT0, kT0});
        Backup b;
        b.id = id;
        b.volume_id = volume;
        b.status = "available";
        b.size_gb = size;
        backups.push_back(b);
    }
    ProjectRestorePlan plan(RestoreInto into = RestoreInto::new_volumes,
                            const std::map<std::string, std::string>& running = {}) const {
        return plan_project_restore("p1", histories, volumes, backups, request, into, running);
    }
};

std::vector<std::string> planned(const ProjectRestorePlan& p) {
    std::vector<std::string> out;
    for (const auto& s : p.servers) out.push_back(s.server_id);
    return out;
}

std::vector<std::string> refused(const ProjectRestorePlan& p) {
    std::vector<std::string> out;
    for (const auto& r : p.refused) out.push_back(r.server_id);
    return out;
}

}  // namespace

TEST_CASE("a partial point refuses its server by name, and the others are planned") {
    Tenant p;
    auto plan = p.plan();
    CHECK(plan.project_id == "p1");
    CHECK(plan.at == kT0 + hours(1));
    CHECK(planned(plan) == std::vector<std::string>{"srv-web", "srv-api"});
    REQUIRE(refused(plan) == std::vector<std::string>{"srv-db"});
    CHECK(plan.refused[0].server_name == "db-1");
    CHECK(plan.refused[0].reason ==
          "no restore of server db-1 (srv-db) at 2025-12-05T06:00:00Z: volume vol-db-log (db-1-log) has no "
          "available automated backup at or before that time; a partial restore would leave it out");
    REQUIRE(plan.servers[0].volumes.size() == 2);
    CHECK(plan.servers[0].volumes[0].backup_id == "b-web-root");
}

TEST_CASE("allow_partial plans the partial server without the volume it has no backup of") {
    Tenant p;
    p.request.allow_partial = true;
    auto plan = p.plan();
    CHECK(plan.allow_partial);
    CHECK(planned(plan) == std::vector<std::string>{"srv-web", "srv-db", "srv-api"});
    CHECK(plan.refused.empty());
    REQUIRE(plan.servers[1].left_out.size() == 1);
    CHECK(plan.servers[1].left_out[0].id == "vol-db-log");
}

TEST_CASE("a server with an unfinished restore of its own is refused, naming that restore") {
    Tenant p;
    auto plan = p.plan(RestoreInto::new_volumes, {{"srv-web", "r-9"}});
    CHECK(planned(plan) == std::vector<std::string>{"srv-api"});
    CHECK(refused(plan) == std::vector<std::string>{"srv-web", "srv-db"});
    CHECK(plan.refused[0].reason ==
          "restore r-9 of it is unfinished: continue it with `staffeln restore --server srv-web`, or delete what it "
          "made with `staffeln restore cleanup r-9`");
}

TEST_CASE("over the originals, a server with an attached volume is refused and the detached ones planned") {
    Tenant p;
    auto plan = p.plan(RestoreInto::original);
    CHECK(plan.into == RestoreInto::original);
    CHECK(planned(plan) == std::vector<std::string>{"srv-web"});
    CHECK(plan.servers[0].into == RestoreInto::original);
    REQUIRE(refused(plan) == std::vector<std::string>{"srv-db", "srv-api"});
    CHECK(plan.refused[1].reason.find("volume vol-api-root (api-1-root) is in-use") != std::string::npos);
}

TEST_CASE("a backup gone from Cinder refuses its server only") {
    Tenant p;
    p.backups.erase(p.backups.begin());  // b-web-root
    auto plan = p.plan();
    CHECK(planned(plan) == std::vector<std::string>{"srv-api"});
    CHECK(plan.refused[0].reason.find("its backup b-web-root at 2025-12-05T05:00:00Z is no longer in Cinder") !=
          std::string::npos);
}

TEST_CASE("a project of no server, or none with a backup by then, plans nothing") {
    Tenant p;
    CHECK(
        plan_project_restore("p1", {}, p.volumes, p.backups, p.request, RestoreInto::new_volumes, {}).servers.empty());
    p.request.at = kT0 - hours(1);
    auto plan = p.plan();
    CHECK(plan.servers.empty());
    CHECK(plan.refused.size() == 3);
}

TEST_CASE("a project restore succeeded when every server restore did and none was refused") {
    using V = std::vector<std::string>;
    CHECK(std::string(project_restore_status(V{"succeeded", "succeeded"}, 0)) == "succeeded");
    CHECK(std::string(project_restore_status(V{"succeeded", "succeeded"}, 1)) == "failed");
    CHECK(std::string(project_restore_status(V{"succeeded", "failed"}, 0)) == "failed");
    CHECK(std::string(project_restore_status(V{"succeeded", "running"}, 0)) == "running");
    CHECK(std::string(project_restore_status(V{"failed", "running"}, 3)) == "running");
    CHECK(std::string(project_restore_status(V{"cleaned"}, 0)) == "failed");
    CHECK(std::string(project_restore_status(V{}, 0)) == "succeeded");
    CHECK(std::string(project_restore_status(V{}, 2)) == "failed");
}
