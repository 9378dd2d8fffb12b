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
