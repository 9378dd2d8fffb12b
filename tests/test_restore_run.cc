// `staffeln restore --server web-1` against the simulated cloud, after one `conductor --once`
// backed web-1's two volumes up: the dry run changes nothing; the restore makes one tagged new
// volume per source holding its backup; `restore status` shows it and `restore cleanup` deletes
// exactly those. Killed at each crash point of the restore and run again, it ends with exactly
// one restored copy per volume. A create or restore whose answer is lost is not sent again
// before Cinder has had time to show it; a second run, or a cleanup, during a run is refused.
#include "support/conductor_rig.h"
#include "support/process.h"

#include "staffeln/conductor/restore_run.h"
#include "staffeln/core/restore_step.h"
#include "staffeln/store/restore_store.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <csignal>
#include <thread>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;

namespace {

constexpr const char* kAdminProject = "a2425abc42da456eae8e8d8ac24de1f7";

struct Rig {
    ConductorRig rig{scenario()};
    std::filesystem::path conf = rig.write_conf("backup_workers = 2\n");

    static json scenario() {
        auto s = fast_scenario();
        s["settings"]["volume_create_seconds"] = 0.2;
        s["settings"]["restore_seconds_per_gib"] = 0.3;
        return s;
    }

    Rig() {
        auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
        INFO(run.out, run.err);
        REQUIRE(run.exit_code == 0);
    }

    Finished staffeln(std::vector<std::string> args, const std::string& failpoint = "") {
        std::vector<std::string> argv{"--config-file", conf.string(), "restore"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto env = rig.os_env();
        if (!failpoint.empty()) env["STAFFELN_FAILPOINT"] = failpoint;
        return run_staffeln(argv, env);
    }

    // Every volume of the cloud, as the admin sees it.
    std::vector<json> volumes() {
        auto a = rig.sim.call("GET", fmt::format("/volume/v3/{}/volumes/detail?all_tenants=1", kAdminProject),
                              rig.admin_token(), "volume 3.64");
        REQUIRE(a.status == 200);
        return a.body["volumes"].get<std::vector<json>>();
    }
    std::vector<json> copies_of(const std::string& source) {
        std::vector<json> out;
        for (auto& v : volumes())
            if (v["metadata"].value(core::kRestoreSourceTag, "") == source) out.push_back(v);
        return out;
    }
    std::vector<json> restored_named() {
        std::vector<json> out;
        for (auto& v : volumes())
            if (v["name"].get<std::string>().find("-restored-") != std::string::npos) out.push_back(v);
        return out;
    }
    // The newest staffeln backup of a volume: what a restore to now reads.
    std::string newest_backup(const std::string& volume) {
        auto backups = rig.staffeln_backups(volume);
        REQUIRE_FALSE(backups.empty());
        return backups.front()["id"];
    }
};

}  // namespace

TEST_CASE("restore --dry-run prints the plan and makes nothing") {
    Rig r;
    auto before = r.volumes().size();
    auto run = r.staffeln({"--server", "web-1", "--dry-run", "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto out = json::parse(run.out);
    CHECK(out["dry_run"] == true);
    CHECK(out["server"].is_null());
    REQUIRE(out["volumes"].size() == 2);
    CHECK(out["volumes"][0]["source"] == d::kWebData);
    CHECK(out["volumes"][0]["backup"] == r.newest_backup(d::kWebData));
    CHECK(out["volumes"][0]["restored"].is_null());
    CHECK(out["volumes"][0]["size_gb"] == 2);
    CHECK(out["volumes"][1]["source"] == d::kWebRoot);
    CHECK(out["volumes"][1]["name"].get<std::string>().starts_with("web-1-root-restored-"));
    CHECK(r.volumes().size() == before);
    auto text = r.staffeln({"--server", "web-1", "--dry-run"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.starts_with(fmt::format("dry run: would restore server web-1 ({}) to ", d::kWeb1)));
    CHECK(r.volumes().size() == before);
}

TEST_CASE("restore makes a tagged copy of each volume from its backup, status shows it, cleanup deletes them") {
    Rig r;
    auto run = r.staffeln({"--server", "web-1", "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto out = json::parse(run.out);
    CHECK(out["status"] == "succeeded");
    CHECK(out["server"].is_null());
    const std::string id = out["restore"];
    REQUIRE(out["volumes"].size() == 2);
    for (const auto& v : out["volumes"]) {
        const std::string source = v["source"];
        CHECK(v["backup"] == r.newest_backup(source));
        auto copies = r.copies_of(source);
        REQUIRE(copies.size() == 1);
        const json& copy = copies[0];
        CHECK(copy["id"] == v["restored"]);
        CHECK(copy["status"] == "available");
        CHECK(copy["os-vol-tenant-attr:tenant_id"] == d::kDemoProject);
        CHECK(copy["metadata"][core::kRestoreTag] == id);
        CHECK(copy["metadata"][core::kSourceBackupKey] == v["backup"]);
    }
    auto status = r.staffeln({"status", id, "--format", "json"});
    INFO(status.out, status.err);
    REQUIRE(status.exit_code == 0);
    auto shown = json::parse(status.out)["restores"][0];
    CHECK(shown["status"] == "succeeded");
    CHECK(shown["volumes"][0]["state"] == "done");

    // Cinder shows a deleted volume deleting for a while; a cleanup run again meanwhile counts
    // it deleted without a second DELETE (which Cinder refuses).
    r.rig.sim_config({{"volume_delete_seconds", 60.0}});
    auto before = r.volumes().size();
    auto cleanup = r.staffeln({"cleanup", id});
    INFO(cleanup.out, cleanup.err);
    REQUIRE(cleanup.exit_code == 0);
    CHECK(cleanup.out.ends_with(fmt::format("restore {}: 2 volumes deleted\n", id)));
    auto deleting = r.restored_named();
    REQUIRE(deleting.size() == 2);
    for (const auto& v : deleting) CHECK(v["status"] == "deleting");
    auto again = r.staffeln({"cleanup", id});
    INFO(again.out, again.err);
    CHECK(again.exit_code == 0);
    for (const auto& v : deleting)
        CHECK(again.out.find(fmt::format("volume {} already deleting\n", v["id"].get<std::string>())) !=
              std::string::npos);
    CHECK(again.out.ends_with(fmt::format("restore {}: 2 volumes deleted\n", id)));
    CHECK(r.rig.counters()["requests"]["DELETE /volume/v3/{project_id}/volumes/{id}"] == 2);
    r.rig.sim.call("POST", "/_sim/settle");
    CHECK(r.volumes().size() == before - 2);
    CHECK(r.restored_named().empty());
    auto gone = r.staffeln({"cleanup", id});
    CHECK(gone.exit_code == 0);
    CHECK(gone.out.find("already gone\n") != std::string::npos);
    CHECK(r.staffeln({"status", id}).out.starts_with(fmt::format("restore {} of server web-1 ({}) to ", id, d::kWeb1)));

    auto unknown = r.staffeln({"cleanup", "nope"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("restore nope: the store ") != std::string::npos);
}

TEST_CASE("restore refuses a time before every backup, naming the server, and makes nothing") {
    Rig r;
    auto before = r.volumes().size();
    auto run = r.staffeln({"--server", "web-1", "--at", "2020-01-01T00:00:00Z"});
    CHECK(run.exit_code == 1);
    // The log's INFO lines (microversions) come first on stderr.
    CHECK(run.err.ends_with(
        fmt::format("staffeln restore: no restore of server web-1 ({}) at 2020-01-01T00:00:00Z: none of "
                    "its volumes has an available automated backup at or before that time; nothing "
                    "restored\n",
                    d::kWeb1)));
    CHECK(r.volumes().size() == before);
    auto bad_time = r.staffeln({"--server", "web-1", "--at", "yesterday"});
    CHECK(bad_time.exit_code == 2);
    CHECK(bad_time.err ==
          "staffeln restore: --at yesterday: not a time from 1970 to 2200; give it as 2026-12-05T05:20:00Z (UTC) or "
          "with an offset\n");
    CHECK(r.volumes().size() == before);
}

TEST_CASE("a restore failing in Cinder reports the volume and Cinder's state, and exits 1") {
    Rig r;
    r.rig.sim_config({{"restore_error_rate", 1.0}});
    auto run = r.staffeln({"--server", "web-1"});
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find(": failed\n") != std::string::npos);
    CHECK(run.out.find("failed: Cinder shows volume ") != std::string::npos);
    CHECK(run.out.find(" error_restoring\n") != std::string::npos);
}

TEST_CASE("a restore killed at each crash point and run again ends with exactly one restored copy per volume") {
    for (const char* point : {"restore.create.before_call", "restore.create.after_call", "restore.create.after_call@2",
                              "restore.restore.before_call", "restore.restore.after_call", "restore.tag.before_call"}) {
        CAPTURE(point);
        Rig r;
        auto killed = r.staffeln({"--server", "web-1"}, point);
        CHECK(killed.signal == SIGKILL);
        auto again = r.staffeln({"--server", "web-1", "--format", "json"});
        INFO(again.out, again.err);
        REQUIRE(again.exit_code == 0);
        auto out = json::parse(again.out);
        for (const auto& v : out["volumes"]) {
            auto copies = r.copies_of(v["source"]);
            REQUIRE(copies.size() == 1);
            CHECK(copies[0]["id"] == v["restored"]);
            CHECK(copies[0]["metadata"][core::kSourceBackupKey] == v["backup"]);
        }
        CHECK(r.restored_named().size() == 2);
    }
}

TEST_CASE("a second restore of the same server, or its cleanup, is refused while the first runs") {
    Rig r;
    r.rig.sim_config({{"restore_seconds_per_gib", 4.0}});
    Finished first;
    std::thread running([&] { first = r.staffeln({"--server", "web-1", "--format", "json"}); });
    std::string id;
    for (int i = 0; i < 200 && id.empty(); ++i) {
        auto status = r.staffeln({"status", "--format", "json"});
        auto restores = json::parse(status.out)["restores"];
        if (!restores.empty() && !r.restored_named().empty()) id = restores[0]["id"];
        if (id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE_FALSE(id.empty());
    auto second = r.staffeln({"--server", "web-1"});
    auto cleanup = r.staffeln({"cleanup", id});
    auto made = r.restored_named().size();
    running.join();
    INFO(first.out, first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(second.exit_code == 1);
    CHECK(second.err.ends_with(
        fmt::format("staffeln restore: server web-1 ({}): restore {} is being run by another staffeln process (lock "
                    "restore-{} is held by another process); follow it with `staffeln restore status {}` and run again "
                    "once it has ended; nothing changed\n",
                    d::kWeb1, id, d::kWeb1, id)));
    CHECK(cleanup.exit_code == 1);
    CHECK(cleanup.err.find(fmt::format("restore {} is being run by another staffeln process", id)) !=
          std::string::npos);
    CHECK(made <= 2);
    CHECK(r.restored_named().size() == 2);
    for (const auto& v : json::parse(first.out)["volumes"]) CHECK(r.copies_of(v["source"]).size() == 1);
}

namespace {

// The restore run in-process with a request timeout of 1 s: a request the simulated cloud holds
// longer is given up (maybe applied) but still served when its latency has passed.
struct Unanswered {
    Rig r;
    openstack::Cloud cloud{simtest::admin_credentials(r.rig.sim.server->base_url()), no_retries(),
                           std::chrono::milliseconds(1000), std::chrono::milliseconds(1000)};

    store::StoredRestoreVolume run() {
        core::RestorePlan plan{d::kWeb1, "web-1", d::kDemoProject, {}, {}, {}, {}};
        plan.volumes.push_back(
            {d::kWebData, "web-1-data", r.newest_backup(d::kWebData), "web-1-data-restored-lost", 2, "", false});
        REQUIRE(store::insert_restore(r.rig.db, "r-lost", plan, TimePoint{}).ok());
        auto stored = store::load_restore(r.rig.db, "r-lost");
        REQUIRE(stored.ok());
        conductor::RestoreRunOptions options;
        options.poll = std::chrono::milliseconds(100);
        options.settle = std::chrono::milliseconds(3000);
        auto ended = conductor::run_restore(cloud.cinder(), r.rig.db, std::move(stored).value(), options,
                                            [](const store::StoredRestoreVolume&) {});
        REQUIRE(ended.ok());
        return ended->volumes[0];
    }
};

}  // namespace

TEST_CASE("a create whose answer is lost is looked for by its tags before another is made") {
    Unanswered u;
    // Cinder commits the volume 0.3 s after the client gave up: a list at once shows nothing.
    u.r.rig.fault({{"method", "POST"}, {"path_suffix", "/volumes"}, {"latency_ms", 1300}, {"count", 1}});
    auto v = u.run();
    INFO(v.last_error);
    CHECK(v.state == store::VolumeState::done);
    auto copies = u.r.copies_of(d::kWebData);
    REQUIRE(copies.size() == 1);
    CHECK(copies[0]["id"] == v.restored_volume_id);
    CHECK(u.r.rig.counters()["requests"]["POST /volume/v3/{project_id}/volumes"] == 1);
}

TEST_CASE("a restore whose answer is lost is not sent again before Cinder shows whether it was applied") {
    Unanswered u;
    u.r.rig.sim_config({{"restore_seconds_per_gib", 1.0}});
    // The first restore is applied at 1.3 s, after the client gave up at 1 s; one sent again at
    // once is applied at about 1.8 s and gets 400 (the backup is restoring).
    u.r.rig.fault({{"method", "POST"}, {"path_suffix", "/restore"}, {"latency_ms", 500}, {"count", 1}});
    u.r.rig.fault({{"method", "POST"}, {"path_suffix", "/restore"}, {"latency_ms", 800}, {"count", 2}});
    auto v = u.run();
    INFO(v.last_error);
    CHECK(v.state == store::VolumeState::done);
    CHECK(u.r.copies_of(d::kWebData).size() == 1);
    CHECK(u.r.rig.counters()["requests"]["POST /volume/v3/{project_id}/backups/{id}/restore"] == 1);
}

namespace {

// The servers Nova lists carrying the restore's tag (admin, every project).
std::vector<json> tagged_servers(Rig& r, const std::string& restore_id) {
    auto a = r.rig.sim.call("GET", "/compute/v2.1/servers/detail?all_tenants=1", r.rig.admin_token(), "compute 2.47");
    REQUIRE(a.status == 200);
    std::vector<json> out;
    for (auto& s : a.body["servers"])
        if (s["metadata"].value(core::kRestoreTag, "") == restore_id) out.push_back(s);
    return out;
}

// The one running or ended restore's id, from `restore status`.
std::string only_restore(Rig& r) {
    auto status = r.staffeln({"status", "--format", "json"});
    REQUIRE(status.exit_code == 0);
    auto restores = json::parse(status.out)["restores"];
    REQUIRE(restores.size() == 1);
    return restores[0]["id"];
}

}  // namespace

TEST_CASE("restore --recreate-server boots the server from the copies as recorded, cleanup deletes it first") {
    Rig r;
    auto listed = r.staffeln({"list", "--server", "web-1", "--format", "json"});
    REQUIRE(listed.exit_code == 0);
    auto definition = json::parse(listed.out)["servers"][0]["points"][0]["server"];
    CHECK(definition["flavor"]["name"] == "sim.tiny");
    CHECK(definition["metadata"]["__staffeln_backup"] == "true");
    CHECK(definition["volumes"][0]["volume_id"] == d::kWebRoot);
    CHECK(definition["volumes"][0]["boot_index"] == 0);
    CHECK(definition["volumes"][1]["volume_id"] == d::kWebData);
    auto text_list = r.staffeln({"list", "--server", "web-1"});
    CHECK(text_list.out.find("    definition: flavor sim.tiny (1 vCPU, 256 MiB RAM, 0 GiB disk); image none (boots "
                             "from a volume); zone nova; key none; security groups none\n") != std::string::npos);

    auto dry = r.staffeln({"--server", "web-1", "--recreate-server", "--dry-run", "--format", "json"});
    INFO(dry.out, dry.err);
    REQUIRE(dry.exit_code == 0);
    auto plan = json::parse(dry.out)["server"];
    CHECK(plan["flavor"] == "b0a1c2d3-0000-4000-8000-000000000001");
    CHECK(plan["volumes"][0]["boot_index"] == 0);
    CHECK(plan["volumes"][0]["volume"].get<std::string>().starts_with("web-1-root-restored-"));
    CHECK(plan["metadata"].count("__staffeln_backup") == 0);

    auto before = r.rig.counters()["requests"];
    auto run = r.staffeln({"--server", "web-1", "--recreate-server", "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto out = json::parse(run.out);
    CHECK(out["status"] == "succeeded");
    const std::string id = out["restore"];
    // Nova's part of the restore: the flavors, the project's servers (none tagged yet), the boot,
    // and a GET a second while it builds (server_boot_seconds 1: one or two).
    auto after = r.rig.counters()["requests"];
    auto made = [&](const std::string& key) { return after.value(key, 0) - before.value(key, 0); };
    CHECK(made("GET /compute/v2.1/flavors/detail") == 1);
    CHECK(made("GET /compute/v2.1/servers/detail") == 1);
    CHECK(made("POST /compute/v2.1/servers") == 1);
    CHECK(made("GET /compute/v2.1/servers/{id}") <= 3);
    MESSAGE("nova requests of restore --recreate-server: ", made("GET /compute/v2.1/flavors/detail"), " + ",
            made("GET /compute/v2.1/servers/detail"), " + ", made("POST /compute/v2.1/servers"), " + ",
            made("GET /compute/v2.1/servers/{id}"));
    auto servers = tagged_servers(r, id);
    REQUIRE(servers.size() == 1);
    const json& server = servers[0];
    CHECK(out["server"] == server["id"]);
    CHECK(server["status"] == "ACTIVE");
    CHECK(server["tenant_id"] == d::kDemoProject);
    CHECK(server["name"].get<std::string>().starts_with("web-1-restored-"));
    CHECK(server["metadata"].count("__staffeln_backup") == 0);
    CHECK(server["flavor"]["original_name"] == "sim.tiny");
    // The copies attached in the recorded order: root (boot index 0) first, then data.
    REQUIRE(server["os-extended-volumes:volumes_attached"].size() == 2);
    CHECK(server["os-extended-volumes:volumes_attached"][0]["id"] == r.copies_of(d::kWebRoot)[0]["id"]);
    CHECK(server["os-extended-volumes:volumes_attached"][1]["id"] == r.copies_of(d::kWebData)[0]["id"]);
    CHECK(r.copies_of(d::kWebRoot)[0]["status"] == "in-use");

    auto status = r.staffeln({"status", id, "--format", "json"});
    CHECK(json::parse(status.out)["restores"][0]["recreated_server"]["state"] == "active");
    auto again = r.staffeln({"--server", "web-1", "--recreate-server", "--format", "json"});
    CHECK(again.exit_code == 0);  // a new restore: the first one ended
    const std::string second = json::parse(again.out)["restore"];
    CHECK(tagged_servers(r, id).size() == 1);
    CHECK(tagged_servers(r, second).size() == 1);

    auto cleanup = r.staffeln({"cleanup", id});
    INFO(cleanup.out, cleanup.err);
    REQUIRE(cleanup.exit_code == 0);
    CHECK(cleanup.out.starts_with(fmt::format("deleted server {}\n", server["id"].get<std::string>())));
    CHECK(tagged_servers(r, id).empty());
    CHECK(tagged_servers(r, second).size() == 1);
}

TEST_CASE("--flavor and --keep-backup-tag: the flavor asked for, the backup key kept, both need --recreate-server") {
    Rig r;
    auto run = r.staffeln(
        {"--server", "web-1", "--recreate-server", "--flavor", "sim.small", "--keep-backup-tag", "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto servers = tagged_servers(r, json::parse(run.out)["restore"]);
    REQUIRE(servers.size() == 1);
    CHECK(servers[0]["flavor"]["original_name"] == "sim.small");
    CHECK(servers[0]["metadata"]["__staffeln_backup"] == "true");
    auto bad = r.staffeln({"--server", "web-1", "--flavor", "sim.small"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err == "staffeln restore: --flavor and --keep-backup-tag go with --recreate-server\n");
    auto unknown = r.staffeln({"--server", "web-1", "--recreate-server", "--flavor", "m9", "--format", "json"});
    CHECK(unknown.exit_code == 1);
    CHECK(json::parse(unknown.out)["server_error"] == "--flavor m9: no flavor with this ID or name");
}

TEST_CASE("a server Nova leaves in ERROR fails the restore with Nova's fault") {
    Rig r;
    r.rig.sim_config({{"server_error_rate", 1.0}});
    auto run = r.staffeln({"--server", "web-1", "--recreate-server"});
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("not recreated: server ") != std::string::npos);
    CHECK(run.out.find(" is ERROR: No valid host was found. \n") != std::string::npos);
}

TEST_CASE("a restore killed at each crash point of the boot and run again ends with exactly one server") {
    for (const char* point : {"restore.server.before_call", "restore.server.after_call"}) {
        CAPTURE(point);
        Rig r;
        auto killed = r.staffeln({"--server", "web-1", "--recreate-server"}, point);
        CHECK(killed.signal == SIGKILL);
        const std::string id = only_restore(r);
        auto again = r.staffeln({"--server", "web-1", "--format", "json"});
        INFO(again.out, again.err);
        REQUIRE(again.exit_code == 0);
        auto out = json::parse(again.out);
        CHECK(out["restore"] == id);
        auto servers = tagged_servers(r, id);
        REQUIRE(servers.size() == 1);
        CHECK(out["server"] == servers[0]["id"]);
        CHECK(r.restored_named().size() == 2);
    }
}

TEST_CASE(
    "restore refuses each flag combination it cannot honour with exit 2, naming the flags, before reading anything") {
    // A configuration without a store: a refusal missed here would fail later, with exit 1.
    TempDir dir;
    const std::string conf = dir.write("staffeln.conf", "[DEFAULT]\n").string();
    auto restore = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--config-file", conf, "restore"});
        return run_staffeln(args);
    };
    const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
        {{"--project", d::kDemoProject, "--recreate-server"}, "--recreate-server goes with --server, not --project"},
        {{"--project", d::kDemoProject, "--recreate-server", "--flavor", "sim.small"},
         "--recreate-server goes with --server, not --project"},
        {{"--server", "web-1", "--project", d::kDemoProject}, "give --server or --project, not both"},
        {{"--server", "web-1", "--keep-backup-tag"}, "--flavor and --keep-backup-tag go with --recreate-server"},
        {{"--project", d::kDemoProject, "--flavor", "sim.small"},
         "--flavor and --keep-backup-tag go with --recreate-server"},
        {{}, "give --server S or --project P (or a subcommand: list, status, cleanup)"},
        {{"--server", "web-1", "--map-project", "a=b"}, "--map-project and --map-network go with --cloud"},
        {{"--server", "web-1", "--map-network", "a=b"}, "--map-project and --map-network go with --cloud"},
        {{"--project", d::kDemoProject, "--cloud", "b", "--dry-run"},
         "--cloud goes with --server (a whole project on another cloud: not yet)"},
        {{"--server", "web-1", "--cloud", "b", "--into", "original", "--dry-run"},
         "--cloud restores into new volumes there, not --into original"},
        {{"--server", "web-1", "--cloud", "b", "--map-network", "private=n-1", "--dry-run"},
         "--map-network goes with --recreate-server (only a booted server has networks)"},
        {{"--server", "web-1", "--cloud", "b"},
         "--cloud needs --dry-run: the mapping and the plan are shown, the restore on another cloud is not built yet"},
        {{"--server", "web-1", "--cloud", "b", "--dry-run", "--map-project", "demo"},
         "--map-project demo: give OLD=NEW"},
        {{"--server", "web-1", "--cloud", "b", "--dry-run", "--recreate-server", "--map-network", "a=1",
          "--map-network", "a=2"},
         "--map-network a=2: a is mapped twice"},
        {{"--server", "web-1", "--at", "yesterday"},
         "--at yesterday: not a time from 1970 to 2200; give it as 2026-12-05T05:20:00Z (UTC) or with an offset"},
    };
    for (const auto& [args, message] : refused) {
        auto run = restore(args);
        INFO(fmt::format("{}", fmt::join(args, " ")));
        CHECK(run.exit_code == 2);
        CHECK(run.out.empty());
        CHECK(run.err == "staffeln restore: " + message + "\n");
    }
    auto into = restore({"--server", "web-1", "--into", "elsewhere"});
    CHECK(into.exit_code == 2);
    CHECK(into.err.find("--into: elsewhere not in {new,original}") != std::string::npos);
}
