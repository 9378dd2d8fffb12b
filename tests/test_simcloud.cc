// The simulated cloud's behaviour over real HTTP on loopback: Keystone scoping and errors,
// Nova and Cinder listing (admin-only all_tenants, pages), the backup state machine and
// Cinder's validations, export/import, quotas, fault injection, counters and the binary itself.
#include "support/paths.h"
#include "support/simcloud_harness.h"

#include "simcloud/client_files.h"

#include <fmt/format.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

using namespace simtest;

namespace {

const std::string kDemoVolRoot = demo::kWebRoot;                       // in-use
const std::string kDetached = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";  // detached-archive
const std::string kProdVolume = demo::kApiRoot;                        // in project prod

json fast_demo() {
    json s = demo_scenario();
    s["settings"]["backup_create_seconds"] = 3600;
    s["settings"]["backup_delete_seconds"] = 3600;
    return s;
}

std::string backups_url(Harness& h, const std::string& project) {
    return "/volume/v3/" + h.project_id(project) + "/backups";
}

Answer create_backup(Harness& h, const std::string& token, const std::string& project, json backup,
                     const std::string& version = "volume 3.64") {
    return h.call("POST", backups_url(h, project), token, version, json{{"backup", backup}}.dump());
}

json generated(int projects, int servers, int volumes, int backups) {
    json s = demo_scenario();
    s["generate"] = {{"projects", projects},
                     {"servers_per_project", servers},
                     {"volumes_per_server", volumes},
                     {"backups_per_volume", backups}};
    return s;
}

// Follows next links to the end and returns every id, checking the order stays newest first.
std::vector<std::string> all_pages(Harness& h, std::string path, const std::string& token, const std::string& key,
                                   const std::string& version, int* pages) {
    std::vector<std::string> ids;
    *pages = 0;
    while (true) {
        Answer a = h.call("GET", path, token, version);
        REQUIRE(a.status == 200);
        ++*pages;
        for (const json& item : a.body[key]) ids.push_back(item["id"]);
        if (!a.body.contains(key + "_links")) break;
        std::string next = a.body[key + "_links"][0]["href"];
        REQUIRE(a.body[key + "_links"][0]["rel"] == "next");
        path = next.substr(h.server->base_url().size());
    }
    return ids;
}

}  // namespace

TEST_CASE("version documents answer without a token with the recorded statuses and ranges") {
    Harness h(demo_scenario());
    Answer keystone = h.call("GET", "/identity");
    CHECK(keystone.status == 300);
    CHECK(keystone.body["versions"]["values"][0]["id"] == "v3.14");
    Answer nova = h.call("GET", "/compute");
    CHECK(nova.status == 200);
    CHECK(nova.body["versions"][1]["version"] == "2.93");
    CHECK(nova.body["versions"][1]["min_version"] == "2.1");
    Answer cinder = h.call("GET", "/volume");
    CHECK(cinder.status == 300);
    CHECK(cinder.body["versions"][0]["version"] == "3.70");
    CHECK(cinder.body["versions"][0]["min_version"] == "3.0");
}

TEST_CASE("keystone issues scoped, unscoped and application-credential tokens and refuses wrong ones") {
    Harness h(demo_scenario());
    std::string demo = h.token("demo", "demo-secret", "demo");
    CHECK(demo.size() > 100);

    json unscoped = {
        {"auth",
         {{"identity",
           {{"methods", {"password"}},
            {"password", {{"user", {{"id", "2ef08c540f374ac68114b3843daa70e5"}, {"password", "demo-secret"}}}}}}}}}};
    Answer u = h.call("POST", "/identity/v3/auth/tokens", "", "", unscoped.dump());
    CHECK(u.status == 201);
    CHECK_FALSE(u.body["token"].contains("catalog"));

    json wrong = unscoped;
    wrong["auth"]["identity"]["password"]["user"]["password"] = "nope";
    Answer w = h.call("POST", "/identity/v3/auth/tokens", "", "", wrong.dump());
    CHECK(w.status == 401);
    CHECK(
        w.body ==
        json::parse(
            R"({"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}})"));

    json by_id = {{"auth",
                   {{"identity",
                     {{"methods", {"application_credential"}},
                      {"application_credential",
                       {{"id", "0f9e8d7c6b5a49382716afbecd0123ab"}, {"secret", "staffeln-app-secret"}}}}}}}};
    Answer a = h.call("POST", "/identity/v3/auth/tokens", "", "", by_id.dump());
    CHECK(a.status == 201);
    CHECK(a.body["token"]["project"]["name"] == "admin");
    json by_name = {{"auth",
                     {{"identity",
                       {{"methods", {"application_credential"}},
                        {"application_credential",
                         {{"name", "staffeln"},
                          {"secret", "staffeln-app-secret"},
                          {"user", {{"name", "admin"}, {"domain", {{"id", "default"}}}}}}}}}}}};
    CHECK(h.call("POST", "/identity/v3/auth/tokens", "", "", by_name.dump()).status == 201);
    by_name["auth"]["identity"]["application_credential"]["secret"] = "wrong";
    CHECK(h.call("POST", "/identity/v3/auth/tokens", "", "", by_name.dump()).status == 401);

    json no_role = {{"auth",
                     {{"identity", unscoped["auth"]["identity"]},
                      {"scope", {{"project", {{"name", "prod"}, {"domain", {{"name", "Default"}}}}}}}}}};
    CHECK(h.call("POST", "/identity/v3/auth/tokens", "", "", no_role.dump()).status == 401);
}

TEST_CASE("tokens expire after their lifetime and on demand through the control API") {
    json s = demo_scenario();
    s["settings"]["token_lifetime_seconds"] = 0.3;
    Harness h(s);
    std::string demo = h.token("demo", "demo-secret", "demo");
    CHECK(h.call("GET", "/compute/v2.1/servers/detail", demo).status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    Answer expired = h.call("GET", "/compute/v2.1/servers/detail", demo);
    CHECK(expired.status == 401);
    CHECK(expired.body["error"]["message"] == "The request you have made requires authentication.");

    h.call("PUT", "/_sim/config", "", "", R"({"token_lifetime_seconds": 3600})");
    std::string again = h.token("demo", "demo-secret", "demo");
    CHECK(h.call("GET", "/compute/v2.1/servers/detail", again).status == 200);
    CHECK(h.call("POST", "/_sim/tokens/expire", "", "", R"({"user": "demo"})").body["expired"] == 1);
    CHECK(h.call("GET", "/compute/v2.1/servers/detail", again).status == 401);
}

TEST_CASE("keystone lists projects and role assignments for admins only, and shows e-mails") {
    Harness h(demo_scenario());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string admin = h.token("admin", "admin-secret", "admin");
    Answer denied = h.call("GET", "/identity/v3/projects", demo);
    CHECK(denied.status == 403);
    CHECK(denied.body["error"]["message"] ==
          "You are not authorized to perform the requested action: identity:list_projects.");
    CHECK(h.call("GET", "/identity/v3/projects", admin).body["projects"].size() == 3);
    CHECK(h.call("GET", "/identity/v3/role_assignments?scope.project.id=" + h.project_id("prod"), demo).status == 403);
    Answer roles = h.call(
        "GET", "/identity/v3/role_assignments?scope.project.id=" + h.project_id("prod") + "&include_names", admin);
    std::set<std::string> names;
    for (const json& r : roles.body["role_assignments"])
        names.insert(r["user"]["name"].get<std::string>() + ":" + r["role"]["name"].get<std::string>());
    CHECK(names == std::set<std::string>{"admin:admin", "alice:member", "bob:reader"});
    Answer alice = h.call("GET", "/identity/v3/users/7c0a3e5f1b2d4c6e8f9a0b1c2d3e4f5a", admin);
    CHECK(alice.body["user"]["email"] == "alice@example.org");
    CHECK(h.call("GET", "/identity/v3/users/7c0a3e5f1b2d4c6e8f9a0b1c2d3e4f5a", demo).status == 403);
    CHECK(h.call("GET", "/identity/v3/users/2ef08c540f374ac68114b3843daa70e5", demo).body["user"]["email"] ==
          "demo@example.org");
}

TEST_CASE("nova lists other projects' servers only for admins with all_tenants, project_id only with it") {
    Harness h(demo_scenario());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string admin = h.token("admin", "admin-secret", "admin");
    Answer denied = h.call("GET", "/compute/v2.1/servers/detail?all_tenants=1", demo);
    CHECK(denied.status == 403);
    CHECK(denied.body["forbidden"]["message"] ==
          "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.");
    CHECK(h.call("GET", "/compute/v2.1/servers/detail", demo).body["servers"].size() == 3);
    CHECK(h.call("GET", "/compute/v2.1/servers/detail", admin).body["servers"].size() == 0);
    CHECK(h.call("GET", "/compute/v2.1/servers/detail?project_id=" + h.project_id("prod"), admin)
              .body["servers"]
              .size() == 0);
    CHECK(h.call("GET", "/compute/v2.1/servers/detail?all_tenants=1", admin).body["servers"].size() == 5);
    Answer prod = h.call("GET", "/compute/v2.1/servers/detail?all_tenants=1&project_id=" + h.project_id("prod"), admin);
    REQUIRE(prod.body["servers"].size() == 2);
    CHECK(prod.body["servers"][0]["name"] == "batch");  // newest first
    CHECK(h.call("GET", "/compute/v2.1/servers/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", demo).status == 404);
}

TEST_CASE("nova pages servers newest first with limit, marker and servers_links, an unknown marker is 400") {
    Harness h(generated(3, 7, 1, 0));
    std::string admin = h.token("admin", "admin-secret", "admin");
    int pages = 0;
    auto ids = all_pages(h, "/compute/v2.1/servers/detail?all_tenants=1&limit=4", admin, "servers", "", &pages);
    CHECK(ids.size() == 26);
    CHECK(pages == 7);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
    auto newest = h.call("GET", "/compute/v2.1/servers?all_tenants=1&limit=1", admin);
    CHECK(newest.body["servers"][0]["id"] == ids[0]);
    CHECK(h.cloud.servers[*h.cloud.server(ids[0])].created >= h.cloud.servers[*h.cloud.server(ids[1])].created);
    Answer bad = h.call("GET", "/compute/v2.1/servers/detail?marker=00000000-0000-0000-0000-000000000000", admin);
    CHECK(bad.status == 400);
    CHECK(bad.body["badRequest"]["message"] == "marker [00000000-0000-0000-0000-000000000000] not found");
}

TEST_CASE("nova shows attached volumes per microversion and updates server metadata") {
    Harness h(demo_scenario());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string server = "/compute/v2.1/servers/3f44cd31-d8f6-485d-8081-7407c39f6037";
    json v21 = h.call("GET", server, demo).body["server"]["os-extended-volumes:volumes_attached"];
    CHECK(v21 ==
          json::parse(
              R"([{"id": "a73168ec-1e3d-4752-8498-b225ebff3cb5"}, {"id": "8b55d7d0-b30f-4916-a30f-694b5aaad9e6"}])"));
    Answer v289 = h.call("GET", server, demo, "compute 2.89");
    CHECK(v289.header("OpenStack-API-Version") == "compute 2.89");
    CHECK(v289.body["server"]["os-extended-volumes:volumes_attached"][0]["delete_on_termination"] == false);
    CHECK(h.call("GET", server, demo, "compute 2.94").status == 406);

    CHECK(h.call("POST", server + "/metadata", demo, "", R"({"metadata": {"__staffeln_last_backup": "x"}})")
              .body["metadata"]
              .size() == 2);
    Answer put = h.call("PUT", server + "/metadata", demo, "", R"({"metadata": {"tier": "gold"}})");
    CHECK(put.body == json::parse(R"({"metadata": {"tier": "gold"}})"));
    Answer one = h.call("PUT", server + "/metadata/__staffeln_retention", demo, "",
                        R"({"meta": {"__staffeln_retention": "7d"}})");
    CHECK(one.body == json::parse(R"({"meta": {"__staffeln_retention": "7d"}})"));
    CHECK(h.call("PUT", server + "/metadata/a", demo, "", R"({"meta": {"b": "1"}})").status == 400);
    CHECK(h.call("GET", server + "/metadata", demo).body["metadata"].size() == 2);
}

TEST_CASE("cinder pages backups across pages with backups_links, and filters by volume and project") {
    Harness h(generated(2, 3, 2, 5));
    std::string admin = h.token("admin", "admin-secret", "admin");
    std::string base = backups_url(h, "admin");
    int pages = 0;
    auto ids = all_pages(h, base + "/detail?all_tenants=1&limit=7", admin, "backups", "volume 3.64", &pages);
    CHECK(ids.size() == 61);  // 2 x 3 x 2 x 5 generated + the demo's manual backup
    CHECK(pages == 9);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
    std::string project = h.cloud.projects[*h.cloud.project("gen-project-0001")].id;
    auto mine = all_pages(h, base + "/detail?all_tenants=1&limit=10&project_id=" + project, admin, "backups",
                          "volume 3.64", &pages);
    CHECK(mine.size() == 30);
    CHECK(pages == 4);  // 10, 10, 10 and the empty page a full page's next link leads to
    const std::string& volume_id = h.cloud.backups[*h.cloud.backup(mine[0])].volume_id;
    Answer by_volume = h.call("GET", base + "/detail?all_tenants=1&volume_id=" + volume_id, admin, "volume 3.64");
    CHECK(by_volume.body["backups"].size() == 5);
    CHECK(by_volume.body["backups"][0]["os-backup-project-attr:project_id"] == project);
    Answer unknown = h.call("GET", base + "/detail?marker=00000000-0000-0000-0000-000000000000", admin);
    CHECK(unknown.status == 404);
    Answer volumes =
        h.call("GET", base.substr(0, base.rfind('/')) + "/volumes/detail?all_tenants=1&limit=5", admin, "volume 3.64");
    CHECK(volumes.body["volumes"].size() == 5);
    CHECK(volumes.body.contains("volumes_links"));
}

TEST_CASE("cinder scopes non-admin lists to the token's project and rejects unlisted filters from 3.33") {
    Harness h(demo_scenario());
    std::string alice = h.token("alice", "alice-secret", "prod");
    std::string admin = h.token("admin", "admin-secret", "admin");
    create_backup(h, admin, "admin", {{"volume_id", kDetached}});  // an admin works in its own project's URL
    CHECK(h.call("GET", backups_url(h, "prod") + "/detail?all_tenants=1", alice).body["backups"].size() == 0);
    CHECK(h.call("GET", backups_url(h, "admin") + "/detail?all_tenants=1", admin).body["backups"].size() == 2);
    Answer filtered =
        h.call("GET", backups_url(h, "prod") + "/detail?metadata=%7B%22a%22%3A%22b%22%7D", alice, "volume 3.43");
    CHECK(filtered.status == 400);
    CHECK(filtered.body["badRequest"]["message"] == "Invalid filters metadata are found in query options.");
    CHECK(h.call("GET", backups_url(h, "prod") + "/detail?metadata=%7B%22a%22%3A%22b%22%7D", alice, "volume 3.32")
              .status == 200);
}

TEST_CASE("a project token cannot back up another project's volume, admin's backup belongs to admin's project") {
    Harness h(fast_demo());
    std::string alice = h.token("alice", "alice-secret", "prod");
    std::string admin = h.token("admin", "admin-secret", "admin");
    Answer other = create_backup(h, alice, "prod", {{"volume_id", kDemoVolRoot}, {"force", true}});
    CHECK(other.status == 404);
    CHECK(other.body["itemNotFound"]["message"] == "Volume " + kDemoVolRoot + " could not be found.");
    Answer mine = create_backup(h, alice, "prod", {{"volume_id", kProdVolume}, {"force", true}, {"name", "n"}});
    CHECK(mine.status == 202);
    Answer by_admin = create_backup(h, admin, "admin", {{"volume_id", kDetached}});
    REQUIRE(by_admin.status == 202);
    Answer shown = h.call("GET", backups_url(h, "admin") + "/" + by_admin.body["backup"]["id"].get<std::string>(),
                          admin, "volume 3.64");
    CHECK(shown.body["backup"]["os-backup-project-attr:project_id"] == h.project_id("admin"));
}

TEST_CASE("backups go creating to available, the volume is backing-up meanwhile, and quota follows") {
    json s = demo_scenario();
    s["settings"]["backup_create_seconds"] = 0.2;
    Harness h(s);
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string quota = "/volume/v3/" + h.project_id("demo") + "/os-quota-sets/" + h.project_id("demo") + "?usage=True";
    CHECK(h.call("GET", quota, demo).body["quota_set"]["backups"]["in_use"] == 1);
    Answer created = create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"name", "b1"}});
    REQUIRE(created.status == 202);
    CHECK(created.body["backup"].size() == 3);
    std::string id = created.body["backup"]["id"];
    CHECK(h.call("GET", backups_url(h, "demo") + "/" + id, demo).body["backup"]["status"] == "creating");
    Answer volume = h.call("GET", "/volume/v3/" + h.project_id("demo") + "/volumes/" + kDetached, demo);
    CHECK(volume.body["volume"]["status"] == "backing-up");
    Answer busy = create_backup(h, demo, "demo", {{"volume_id", kDetached}});
    CHECK(busy.status == 400);
    CHECK(busy.body["badRequest"]["message"] ==
          "Invalid volume: Volume to be backed up must be available or in-use, but the current status is "
          "\"backing-up\".");
    CHECK(h.call("GET", quota, demo).body["quota_set"]["backups"]["in_use"] == 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    json done = h.call("GET", backups_url(h, "demo") + "/" + id, demo).body["backup"];
    CHECK(done["status"] == "available");
    CHECK(done["container"] == id.substr(0, 2) + "/" + id.substr(2, 2) + "/" + id);
    CHECK(
        h.call("GET", "/volume/v3/" + h.project_id("demo") + "/volumes/" + kDetached, demo).body["volume"]["status"] ==
        "available");
}

// As the real Cinder zed answered in tests/e2e (README: "Over the backups quota").
TEST_CASE("a backup over quota is 413 overLimit named after Cinder's exception, with Retry-After 0") {
    for (const char* limit : {"backups", "backup_gigabytes"}) {
        CAPTURE(limit);
        json s = fast_demo();
        s["projects"][1]["quota"] = {{"backups", 100}, {"backup_gigabytes", 1000}};
        s["projects"][1]["quota"][limit] = 0;
        Harness h(s);
        std::string demo = h.token("demo", "demo-secret", "demo");
        std::string quota =
            "/volume/v3/" + h.project_id("demo") + "/os-quota-sets/" + h.project_id("demo") + "?usage=True";
        json used = h.call("GET", quota, demo).body["quota_set"];
        Answer over = create_backup(h, demo, "demo", {{"volume_id", kDetached}});
        CHECK(over.status == 413);
        CHECK(over.header("Retry-After") == "0");
        std::string message =
            std::string(limit) == "backups"
                ? "BackupLimitExceeded: Maximum number of backups allowed (0) exceeded"
                : fmt::format(
                      "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes "
                      "quota. Requested 1G, quota is 0G and {}G has been consumed.",
                      used["backup_gigabytes"]["in_use"].get<int>());
        CHECK(over.body == json{{"overLimit", {{"code", 413}, {"message", message}, {"retryAfter", "0"}}}});
    }
}

TEST_CASE("an error rate sends new backups to error with a fail_reason") {
    Harness h(fast_demo());
    h.call("PUT", "/_sim/config", "", "", R"({"backup_error_rate": 1.0, "backup_fail_reason": "disk on fire"})");
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string id = create_backup(h, demo, "demo", {{"volume_id", kDetached}}).body["backup"]["id"];
    h.call("POST", "/_sim/settle");
    json b = h.call("GET", backups_url(h, "demo") + "/" + id, demo).body["backup"];
    CHECK(b["status"] == "error");
    CHECK(b["fail_reason"] == "disk on fire");
}

TEST_CASE("an incremental backup needs an available backup of the volume in the caller's project") {
    Harness h(fast_demo());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string admin = h.token("admin", "admin-secret", "admin");
    Answer none = create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"incremental", true}});
    CHECK(none.status == 400);
    CHECK(none.body["badRequest"]["message"] == "Invalid backup: No backups available to do an incremental backup.");
    create_backup(h, admin, "admin", {{"volume_id", kDetached}});  // admin's project, not demo's
    h.call("POST", "/_sim/settle");
    CHECK(create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"incremental", true}}).status == 400);
    std::string full = create_backup(h, demo, "demo", {{"volume_id", kDetached}}).body["backup"]["id"];
    Answer pending = create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"incremental", true}});
    CHECK(pending.status == 400);  // the volume is backing-up
    h.call("POST", "/_sim/settle");
    std::string incr =
        create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"incremental", true}}).body["backup"]["id"];
    json state = h.call("GET", "/_sim/backups/" + incr).body["backup"];
    CHECK(state["parent_id"] == full);
    CHECK(state["is_incremental"] == true);
    CHECK(h.call("GET", backups_url(h, "demo") + "/" + full, demo).body["backup"]["has_dependent_backups"] == true);

    h.call("PATCH", "/_sim/backups/" + incr, "", "", R"({"status": "error"})");
    Answer newest_failed = create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"incremental", true}});
    CHECK(newest_failed.status == 400);
    CHECK(newest_failed.body["badRequest"]["message"] ==
          "Invalid backup: The parent backup must be available for incremental backup.");
    CHECK(h.call("DELETE", backups_url(h, "demo") + "/" + full, demo).status ==
          400);  // the failed child still depends on it
}

TEST_CASE("a backup from a snapshot leaves the volume alone and must name the snapshot's volume") {
    json s = fast_demo();
    s["snapshots"] = json::array({{{"id", "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"}, {"volume", "web-1-root"}}});
    Harness h(s);
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string snap = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
    Answer wrong = create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"snapshot_id", snap}});
    CHECK(wrong.status == 400);
    CHECK(wrong.body["badRequest"]["message"] ==
          "Invalid volume: Volume " + kDetached + " does not match with snapshot.volume_id " + kDemoVolRoot + ".");
    Answer ok = create_backup(h, demo, "demo", {{"volume_id", kDemoVolRoot}, {"snapshot_id", snap}});
    REQUIRE(ok.status == 202);  // in-use, yet no force needed: the snapshot is what is read
    CHECK(h.call("GET", "/volume/v3/" + h.project_id("demo") + "/volumes/" + kDemoVolRoot, demo)
              .body["volume"]["status"] == "in-use");
    CHECK(create_backup(h, demo, "demo", {{"volume_id", kDemoVolRoot}, {"snapshot_id", snap}}).status ==
          400);  // backing-up
}

// Not recorded beyond the create of a detached volume's snapshot: these follow Cinder's source
// (api/v3/snapshots.py, volume/api.py, quota_utils.py, api/contrib/extended_snapshot_attributes.py).
TEST_CASE("snapshots: in-use needs force, metadata is kept, creating then available, listed with their project") {
    Harness h(fast_demo());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string admin = h.token("admin", "admin-secret", "admin");
    std::string url = "/volume/v3/" + h.project_id("demo") + "/snapshots";
    auto create = [&](json snapshot, const std::string& version = "volume 3.64") {
        return h.call("POST", url, demo, version, json{{"snapshot", snapshot}}.dump());
    };
    Answer refused = create({{"volume_id", kDemoVolRoot}});
    CHECK(refused.status == 400);
    CHECK(refused.body["badRequest"]["message"] ==
          "Invalid volume: Volume " + kDemoVolRoot + " status must be available, but current status is: in-use.");
    Answer false_force = create({{"volume_id", kDemoVolRoot}, {"force", false}}, "volume 3.66");
    CHECK(false_force.status == 400);
    CHECK(create({{"volume_id", kDemoVolRoot}, {"bogus", 1}}).status == 400);

    Answer made = create({{"volume_id", kDemoVolRoot}, {"force", true}, {"metadata", {{"staffeln:task", "t-1"}}}});
    REQUIRE(made.status == 202);
    json snap = made.body["snapshot"];
    CHECK(snap["status"] == "creating");
    CHECK(snap["metadata"] == json{{"staffeln:task", "t-1"}});
    CHECK(snap["updated_at"].is_null());
    CHECK_FALSE(snap.contains("os-extended-snapshot-attributes:project_id"));  // the create's answer has none
    std::string id = snap["id"];

    h.call("POST", "/_sim/settle");
    Answer listed =
        h.call("GET", "/volume/v3/" + h.project_id("admin") + "/snapshots/detail?all_tenants=1", admin, "volume 3.64");
    REQUIRE(listed.status == 200);
    REQUIRE(listed.body["snapshots"].size() == 1);
    json row = listed.body["snapshots"][0];
    CHECK(row["id"] == id);
    CHECK(row["status"] == "available");
    CHECK(row["os-extended-snapshot-attributes:project_id"] == h.project_id("demo"));
    CHECK(row["os-extended-snapshot-attributes:progress"] == "100%");
    CHECK(row["created_at"].get<std::string>().ends_with(".000000"));
    CHECK(h.call("GET", url + "/" + id, demo, "volume 3.64").body["snapshot"]["volume_id"] == kDemoVolRoot);
}

TEST_CASE("snapshots: a backup reading one blocks its delete (400), then it is deleting and gone, and quota is 413") {
    json s = fast_demo();
    s["default_quota"] = {{"snapshots", 1}};
    Harness h(s);
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string url = "/volume/v3/" + h.project_id("demo") + "/snapshots";
    Answer made = h.call("POST", url, demo, "volume 3.64",
                         json{{"snapshot", {{"volume_id", kDemoVolRoot}, {"force", true}}}}.dump());
    REQUIRE(made.status == 202);
    std::string id = made.body["snapshot"]["id"];
    Answer creating_delete = h.call("DELETE", url + "/" + id, demo);
    CHECK(creating_delete.status == 400);
    CHECK(creating_delete.body["badRequest"]["message"] ==
          "Invalid snapshot: Snapshot status must be available or error and must not be part of a group.");

    Answer over = h.call("POST", url, demo, "volume 3.64", json{{"snapshot", {{"volume_id", kDetached}}}}.dump());
    CHECK(over.status == 413);
    CHECK(over.body["overLimit"]["message"] ==
          "SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded");
    CHECK(over.header("Retry-After") == "0");

    h.call("POST", "/_sim/settle");
    REQUIRE(create_backup(h, demo, "demo", {{"volume_id", kDemoVolRoot}, {"snapshot_id", id}}).status == 202);
    CHECK(h.call("GET", url + "/" + id, demo).body["snapshot"]["status"] == "backing-up");
    CHECK(h.call("DELETE", url + "/" + id, demo).status == 400);
    h.call("POST", "/_sim/settle");
    CHECK(h.call("GET", url + "/" + id, demo).body["snapshot"]["status"] == "available");
    CHECK(h.call("DELETE", url + "/" + id, demo).status == 202);
    CHECK(h.call("GET", url + "/" + id, demo).body["snapshot"]["status"] == "deleting");
    h.call("POST", "/_sim/settle");
    Answer gone = h.call("GET", url + "/" + id, demo);
    CHECK(gone.status == 404);
    CHECK(gone.body["itemNotFound"]["message"] == "Snapshot " + id + " could not be found.");
    CHECK(h.call("POST", url, demo, "volume 3.64", json{{"snapshot", {{"volume_id", kDetached}}}}.dump()).status ==
          202);  // the quota is free again
}

TEST_CASE("a backup with incrementals cannot be deleted, deleted backups go away and then 404") {
    Harness h(fast_demo());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string full = create_backup(h, demo, "demo", {{"volume_id", kDetached}}).body["backup"]["id"];
    Answer creating = h.call("DELETE", backups_url(h, "demo") + "/" + full, demo);
    CHECK(creating.status == 400);
    CHECK(creating.body["badRequest"]["message"] == "Invalid backup: Backup status must be available or error");
    h.call("POST", "/_sim/settle");
    std::string incr =
        create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"incremental", true}}).body["backup"]["id"];
    h.call("POST", "/_sim/settle");
    Answer blocked = h.call("DELETE", backups_url(h, "demo") + "/" + full, demo);
    CHECK(blocked.status == 400);
    CHECK(
        blocked.body ==
        json::parse(
            R"({"badRequest": {"code": 400, "message": "Invalid backup: Incremental backups exist for this backup."}})"));
    CHECK(h.call("DELETE", backups_url(h, "demo") + "/" + incr, demo).status == 202);
    CHECK(h.call("GET", backups_url(h, "demo") + "/" + incr, demo).body["backup"]["status"] == "deleting");
    h.call("POST", "/_sim/settle");
    CHECK(h.call("DELETE", backups_url(h, "demo") + "/" + full, demo).status == 202);
    h.call("POST", "/_sim/settle");
    Answer gone = h.call("GET", backups_url(h, "demo") + "/" + full, demo);
    CHECK(gone.status == 404);
    CHECK(gone.body["itemNotFound"]["message"] == "Backup " + full + " could not be found.");
}

// Real Cinder shows a deleted volume deleting before 404 (tests/e2e/recorded/restore-calls.md).
TEST_CASE(
    "a deleted volume is deleting for volume_delete_seconds: listed, a second delete 400, then 404, quota freed") {
    json s = fast_demo();
    s["settings"]["volume_delete_seconds"] = 0.5;
    Harness h(s);
    std::string demo = h.token("demo", "demo-secret", "demo");
    const std::string volumes = "/volume/v3/" + h.project_id("demo") + "/volumes";
    const std::string quota =
        "/volume/v3/" + h.project_id("demo") + "/os-quota-sets/" + h.project_id("demo") + "?usage=True";
    const json used = h.call("GET", quota, demo).body["quota_set"]["volumes"]["in_use"];
    CHECK(h.call("DELETE", volumes + "/" + kDetached, demo).status == 202);
    CHECK(h.call("GET", volumes + "/" + kDetached, demo, "volume 3.64").body["volume"]["status"] == "deleting");
    Answer again = h.call("DELETE", volumes + "/" + kDetached, demo);
    CHECK(again.status == 400);
    CHECK(again.body["badRequest"]["message"] ==
          "Invalid volume: Volume status must be available or error or error_restoring or error_extending or "
          "error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a "
          "transfer, or be disassociated from snapshots after volume transfer.");
    CHECK(h.call("GET", quota, demo).body["quota_set"]["volumes"]["in_use"] == used);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    Answer gone = h.call("GET", volumes + "/" + kDetached, demo);
    CHECK(gone.status == 404);
    CHECK(gone.body["itemNotFound"]["message"] == "Volume " + kDetached + " could not be found.");
    CHECK(h.call("GET", quota, demo).body["quota_set"]["volumes"]["in_use"] == used.get<int>() - 1);
}

TEST_CASE("backup metadata is rejected below 3.43, kept and shown from 3.43, and unknown keys are rejected") {
    Harness h(fast_demo());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string body = R"({"backup": {"volume_id": ")" + kDetached + R"(", "metadata": {"k": "v"}}})";
    Answer old = h.call("POST", backups_url(h, "demo"), demo, "volume 3.42", body);
    CHECK(old.status == 400);
    CHECK(old.body["badRequest"]["message"] ==
          "Invalid input for field/attribute backup. Value: {'volume_id': '" + kDetached +
              "', 'metadata': {'k': 'v'}}. Additional properties are not allowed ('metadata' was unexpected)");
    CHECK(create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"colour", "red"}}).status == 400);
    std::string id = create_backup(h, demo, "demo", {{"volume_id", kDetached}, {"metadata", {{"staffeln:task", "t1"}}}},
                                   "volume 3.43")
                         .body["backup"]["id"];
    CHECK(h.call("GET", backups_url(h, "demo") + "/" + id, demo, "volume 3.43")
              .body["backup"]["metadata"]["staffeln:task"] == "t1");
    CHECK_FALSE(
        h.call("GET", backups_url(h, "demo") + "/" + id, demo, "volume 3.42").body["backup"].contains("metadata"));
    std::string admin = h.token("admin", "admin-secret", "admin");
    Answer found =
        h.call("GET", backups_url(h, "admin") + "/detail?all_tenants=1&metadata=%7B%22staffeln%3Atask%22%3A%22t1%22%7D",
               admin, "volume 3.43");
    REQUIRE(found.body["backups"].size() == 1);
    CHECK(found.body["backups"][0]["id"] == id);
}

TEST_CASE("export_record is admin only and import_record recreates a deleted backup in the importing project") {
    Harness h(fast_demo());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string admin = h.token("admin", "admin-secret", "admin");
    std::string id = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";
    Answer denied = h.call("GET", backups_url(h, "demo") + "/" + id + "/export_record", demo);
    CHECK(denied.status == 403);
    CHECK(denied.body["forbidden"]["message"] == "Policy doesn't allow backup:export-import to be performed.");
    Answer record = h.call("GET", backups_url(h, "admin") + "/" + id + "/export_record", admin);
    REQUIRE(record.status == 200);
    Answer exists = h.call("POST", backups_url(h, "admin") + "/import_record", admin, "", record.body.dump());
    CHECK(exists.status == 400);
    CHECK(exists.body["badRequest"]["message"] == "Invalid backup: Backup already exists in database.");
    CHECK(h.call("DELETE", backups_url(h, "demo") + "/" + id, demo).status == 202);
    h.call("POST", "/_sim/settle");
    Answer imported = h.call("POST", backups_url(h, "admin") + "/import_record", admin, "", record.body.dump());
    CHECK(imported.status == 201);
    CHECK(imported.body["backup"]["id"] == id);
    CHECK(imported.body["backup"]["name"] == "manual-before-upgrade");  // the soft-deleted row, revived
    // As recorded (tests/e2e/recorded/dr-import.md): Cinder's placeholder row until the backup
    // service read the record.
    json early = h.call("GET", backups_url(h, "admin") + "/" + id, admin, "volume 3.64").body["backup"];
    CHECK(early["status"] == "creating");
    CHECK(early["volume_id"] == "00000000-0000-0000-0000-000000000000");
    CHECK(early["metadata"].empty());
    h.call("POST", "/_sim/settle");
    json shown = h.call("GET", backups_url(h, "admin") + "/" + id, admin, "volume 3.64").body["backup"];
    CHECK(shown["status"] == "available");
    CHECK(shown["os-backup-project-attr:project_id"] == h.project_id("admin"));
    CHECK(shown["name"] == "manual-before-upgrade");
    CHECK(h.call("GET", backups_url(h, "demo") + "/" + id, demo).status == 404);
}

TEST_CASE("quota sets report limits and usage, plain without usage, and are the owner's or admin's to read") {
    Harness h(fast_demo());
    std::string alice = h.token("alice", "alice-secret", "prod");
    std::string base = "/volume/v3/" + h.project_id("prod") + "/os-quota-sets/" + h.project_id("prod");
    json plain = h.call("GET", base, alice).body["quota_set"];
    CHECK(plain["backups"] == 10);
    CHECK(plain["id"] == h.project_id("prod"));
    for (int i = 0; i < 2; ++i) {
        create_backup(h, alice, "prod", {{"volume_id", kProdVolume}, {"force", true}});
        h.call("POST", "/_sim/settle");
    }
    json usage = h.call("GET", base + "?usage=True", alice).body["quota_set"];
    CHECK(usage["backups"] == json::parse(R"({"limit": 10, "in_use": 2, "reserved": 0})"));
    CHECK(usage["backup_gigabytes"]["in_use"] == 2);
    CHECK(
        h.call("GET", "/volume/v3/" + h.project_id("prod") + "/os-quota-sets/" + h.project_id("demo"), alice).status ==
        403);
}

TEST_CASE("injected faults answer with the status, Retry-After, latency, dropped connections and expiry") {
    Harness h(demo_scenario());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string list = backups_url(h, "demo") + "/detail";
    Answer rule = h.call("POST", "/_sim/faults", "", "",
                         R"({"method": "GET", "path_prefix": "/volume", "status": 503, "retry_after": 7, "count": 2})");
    CHECK(rule.status == 201);
    Answer first = h.call("GET", list, demo);
    CHECK(first.status == 503);
    CHECK(first.header("Retry-After") == "7");
    CHECK(first.body["serviceUnavailable"]["code"] == 503);
    CHECK(first.header("X-OpenStack-Request-Id").rfind("req-", 0) == 0);
    CHECK(h.call("GET", "/compute/v2.1/servers/detail", demo).status == 200);
    CHECK(h.call("GET", list, demo).status == 503);
    CHECK(h.call("GET", list, demo).status == 200);

    h.call("POST", "/_sim/faults", "", "", R"({"status": 429, "retry_after": 3, "count": 1})");
    Answer limited = h.call("GET", list, demo);
    CHECK(limited.status == 429);
    CHECK(limited.header("Retry-After") == "3");
    CHECK(limited.body["overLimit"]["retryAfter"] == "3");

    h.call("POST", "/_sim/faults", "", "", R"({"status": 500, "count": 1})");
    CHECK(h.call("GET", list, demo).body["computeFault"]["code"] == 500);

    h.call("POST", "/_sim/faults", "", "", R"({"latency_ms": 150, "count": 1})");
    auto start = std::chrono::steady_clock::now();
    CHECK(h.call("GET", list, demo).status == 200);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(150));

    h.call("POST", "/_sim/faults", "", "", R"({"drop_rate": 1.0, "count": 1})");
    auto dropped = h.client->Get(list.c_str(), httplib::Headers{{"X-Auth-Token", demo}});
    CHECK_FALSE(dropped);
    CHECK(h.call("GET", list, demo).status == 200);

    h.call("POST", "/_sim/faults", "", "", R"({"expire_token": true, "path_prefix": "/compute", "count": 1})");
    CHECK(h.call("GET", "/compute/v2.1/servers/detail", demo).status == 401);
    CHECK(h.call("GET", list, demo).status == 401);
    CHECK(h.call("GET", "/_sim/faults").body["faults"].empty());
    CHECK(h.call("POST", "/_sim/faults", "", "", R"({"status": 200})").status == 400);
}

TEST_CASE("counters count requests by method and normalised path, and reset") {
    Harness h(demo_scenario());
    std::string demo = h.token("demo", "demo-secret", "demo");
    h.call("GET", backups_url(h, "demo") + "/detail?limit=5", demo);
    h.call("GET", backups_url(h, "demo") + "/4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f", demo);
    h.call("PUT", "/compute/v2.1/servers/3f44cd31-d8f6-485d-8081-7407c39f6037/metadata/k", demo, "",
           R"({"meta": {"k": "v"}})");
    json c = h.call("GET", "/_sim/counters").body;
    CHECK(c["total"] == 4);
    CHECK(c["requests"]["POST /identity/v3/auth/tokens"] == 1);
    CHECK(c["requests"]["GET /volume/v3/{project_id}/backups/detail"] == 1);
    CHECK(c["requests"]["GET /volume/v3/{project_id}/backups/{id}"] == 1);
    CHECK(c["requests"]["PUT /compute/v2.1/servers/{id}/metadata/{key}"] == 1);
    CHECK(h.call("DELETE", "/_sim/counters").status == 204);
    CHECK(h.call("GET", "/_sim/counters").body["total"] == 0);
}

TEST_CASE("the control API shows backups with internals and deletes one behind staffeln's back") {
    Harness h(fast_demo());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string id = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";
    json listed = h.call("GET", "/_sim/backups?volume_id=" + kDemoVolRoot).body["backups"];
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["project_id"] == h.project_id("demo"));
    CHECK(h.call("GET", "/_sim/state").body["backups_by_status"]["available"] == 1);
    CHECK(h.call("PATCH", "/_sim/backups/" + id, "", "", R"({"status": "error", "fail_reason": "x"})")
              .body["backup"]["status"] == "error");
    CHECK(h.call("DELETE", "/_sim/backups/" + id).status == 204);
    CHECK(h.call("GET", backups_url(h, "demo") + "/" + id, demo).status == 404);
    CHECK(h.call("GET", "/_sim/state").body["backups"] == 0);
}

TEST_CASE("a scenario with an unknown reference is refused with the place named") {
    json s = demo_scenario();
    s["servers"][0]["project"] = "nowhere";
    sim::Cloud cloud;
    auto loaded = sim::load_scenario(cloud, s, "bad.json", sim::now_micros());
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message == "scenario bad.json: servers[0].project: no project 'nowhere'");
}

TEST_CASE("the binary prints its URL, writes 0600 openrc and clouds.yaml, serves, and stops on SIGTERM") {
    auto dir = std::filesystem::temp_directory_path() / ("simcloud-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::string openrc = (dir / "openrc").string(), clouds = (dir / "clouds.yaml").string();
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        std::string scenario = std::string(staffeln::testing::kSourceDir) + "/tests/fixtures/simcloud/demo.json";
        execl(staffeln::testing::kSimcloudBinary, "staffeln-simcloud", "--scenario", scenario.c_str(), "--port", "0",
              "--openrc", openrc.c_str(), "--clouds-yaml", clouds.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    REQUIRE(line.rfind("http://127.0.0.1:", 0) == 0);
    struct stat st {};
    REQUIRE(stat(openrc.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(stat(clouds.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::ifstream rc(openrc);
    std::string text((std::istreambuf_iterator<char>(rc)), {});
    CHECK(text.find("export OS_AUTH_URL='" + line + "/identity/v3'") != std::string::npos);
    CHECK(text.find("export OS_PASSWORD='admin-secret'") != std::string::npos);
    CHECK(text.find("export OS_IDENTITY_API_VERSION='3'") != std::string::npos);
    httplib::Client client(line);
    auto versions = client.Get("/volume");
    REQUIRE(versions);
    CHECK(versions->status == 300);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    std::filesystem::remove_all(dir);
}

// tests/e2e/recorded/backup-metadata.md: PUT /backups/{id} from 3.9, metadata from 3.43 and then
// replaced whole; unknown keys and missing backups refused as Cinder words it.
TEST_CASE("PUT /backups/{id} updates description and replaces metadata as recorded") {
    Harness h(demo_scenario());
    std::string demo = h.token("demo", "demo-secret", "demo");
    std::string path = backups_url(h, "demo") + "/" + demo::kManualBackup;
    json put = {{"backup", {{"metadata", {{"a", "1"}}}}}};
    Answer old = h.call("PUT", path, demo, "volume 3.42", put.dump());
    CHECK(old.status == 400);
    CHECK(old.body["badRequest"]["message"] ==
          "Invalid input for field/attribute backup. Value: {'metadata': {'a': '1'}}. Additional properties are not "
          "allowed ('metadata' was unexpected)");
    CHECK(h.call("PUT", path, demo, "volume 3.8", R"({"backup": {"name": "x"}})").status == 404);

    Answer first = h.call("PUT", path, demo, "volume 3.43", R"({"backup": {"metadata": {"created_by": "staffeln"}}})");
    CHECK(first.status == 200);
    CHECK(first.body["backup"]["id"] == demo::kManualBackup);
    CHECK_FALSE(first.body["backup"].contains("metadata"));
    CHECK(h.call("PUT", path, demo, "volume 3.43", R"({"backup": {"metadata": {"other": "x"}}})").status == 200);
    CHECK(h.call("PUT", path, demo, "volume 3.9", R"({"backup": {"description": "d"}})").status == 200);
    Answer shown = h.call("GET", path, demo, "volume 3.64");
    CHECK(shown.body["backup"]["metadata"] == json{{"other", "x"}});
    CHECK(shown.body["backup"]["description"] == "d");

    Answer unknown = h.call("PUT", path, demo, "volume 3.43", R"({"backup": {"colour": "red"}})");
    CHECK(unknown.status == 400);
    CHECK(unknown.body["badRequest"]["message"] ==
          "Invalid input for field/attribute backup. Value: {'colour': 'red'}. Additional properties are not allowed "
          "('colour' was unexpected)");
    Answer missing = h.call("PUT", backups_url(h, "demo") + "/00000000-0000-0000-0000-000000000000", demo,
                            "volume 3.43", put.dump());
    CHECK(missing.status == 404);
    CHECK(missing.body["itemNotFound"]["message"] == "Backup 00000000-0000-0000-0000-000000000000 could not be found.");
}
