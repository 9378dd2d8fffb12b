// `staffeln restore --project P` and `--into original` against the simulated cloud, after one
// `conductor --once` backed up the demo project's tagged servers (web-1: two volumes, db-1: one):
// the dry run makes nothing; the restore makes one tagged copy per volume of every server and one
// summary; a server whose point is partial is refused by name while the others are restored
// (and restored without the missing volume with --allow-partial); killed half-way and run again
// it continues the same project restore with exactly one copy per volume; status and cleanup
// take its ID. Over the originals: refused while a volume is attached (naming it and its status)
// and without a terminal unless --yes; with the volumes detached it restores each one in place,
// makes no volume, and run again after a crash sends no second restore. Plain progress lines.
#include "support/conductor_rig.h"
#include "support/process.h"

#include "staffeln/core/restore_original.h"
#include "staffeln/core/restore_step.h"

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
    std::filesystem::path conf = rig.write_conf("backup_workers = 3\n");

    static json scenario() {
        auto s = fast_scenario();
        s["settings"]["volume_create_seconds"] = 0.2;
        s["settings"]["restore_seconds_per_gib"] = 0.2;
        return s;
    }

    Rig() { cycle(); }

    void cycle() {
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

    std::vector<json> volumes() {
        auto a = rig.sim.call("GET", fmt::format("/volume/v3/{}/volumes/detail?all_tenants=1", kAdminProject),
                              rig.admin_token(), "volume 3.64");
        REQUIRE(a.status == 200);
        return a.body["volumes"].get<std::vector<json>>();
    }
    json volume(const std::string& id) {
        for (auto& v : volumes())
            if (v["id"] == id) return v;
        FAIL("no volume " << id);
        return {};
    }
    std::vector<json> copies_of(const std::string& source) {
        std::vector<json> out;
        for (auto& v : volumes())
            if (v["metadata"].value(core::kRestoreSourceTag, "") == source && v["id"] != source) out.push_back(v);
        return out;
    }
    std::size_t restored_named() {
        std::size_t n = 0;
        for (auto& v : volumes()) n += v["name"].get<std::string>().find("-restored-") != std::string::npos;
        return n;
    }
    std::string newest_backup(const std::string& volume) {
        auto backups = rig.staffeln_backups(volume);
        REQUIRE_FALSE(backups.empty());
        return backups.front()["id"];
    }
    void detach(const std::string& volume) {
        REQUIRE(rig.sim.call("POST", "/_sim/volumes/" + volume + "/detach").status == 204);
    }
    long restore_calls() {
        return rig.counters()["requests"].value("POST /volume/v3/{project_id}/backups/{id}/restore", 0L);
    }
};

const std::vector<std::string> kSources{d::kWebData, d::kWebRoot, d::kDbRoot};

}  // namespace

TEST_CASE("restore --project --dry-run plans every backed-up server of the project and makes nothing") {
    Rig r;
    auto before = r.volumes().size();
    auto run = r.staffeln({"--project", d::kDemoProject, "--dry-run", "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto out = json::parse(run.out);
    CHECK(out["dry_run"] == true);
    CHECK(out["restore"].is_null());
    CHECK(out["project"] == d::kDemoProject);
    REQUIRE(out["servers"].size() == 2);  // db-1 and web-1; scratch was never backed up
    CHECK(out["servers"][0]["name"] == "db-1");
    CHECK(out["servers"][1]["name"] == "web-1");
    CHECK(out["servers"][1]["volumes"].size() == 2);
    CHECK(out["refused"].empty());
    CHECK(r.volumes().size() == before);
    auto text = r.staffeln({"--project", d::kDemoProject, "--dry-run"});
    CHECK(text.exit_code == 0);
    CHECK(text.out.starts_with(fmt::format("dry run: would restore project {} to ", d::kDemoProject)));
    CHECK(text.out.find(": 2 servers, 0 refused\n") != std::string::npos);
    CHECK(r.volumes().size() == before);
    auto both = r.staffeln({"--project", d::kDemoProject, "--server", "web-1"});
    CHECK(both.exit_code == 2);
    CHECK(both.err == "staffeln restore: give --server or --project, not both\n");
    auto unknown = r.staffeln({"--project", "nope"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("staffeln restore: project nope: the store ") != std::string::npos);
}

TEST_CASE("restore --project restores every server's volumes, one summary, status and cleanup by its ID") {
    Rig r;
    auto run = r.staffeln({"--project", d::kDemoProject, "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto out = json::parse(run.out);
    CHECK(out["status"] == "succeeded");
    CHECK(out["project"] == d::kDemoProject);
    CHECK(out["refused"].empty());
    const std::string id = out["restore"];
    REQUIRE(out["servers"].size() == 2);
    for (const auto& server : out["servers"]) {
        CHECK(server["status"] == "succeeded");
        for (const auto& v : server["volumes"]) {
            auto copies = r.copies_of(v["source"]);
            REQUIRE(copies.size() == 1);
            CHECK(copies[0]["id"] == v["restored"]);
            CHECK(copies[0]["status"] == "available");
            CHECK(copies[0]["metadata"][core::kRestoreTag] == server["restore"]);
            CHECK(copies[0]["metadata"][core::kSourceBackupKey] == r.newest_backup(v["source"]));
        }
    }
    CHECK(r.restored_named() == 3);

    auto status = r.staffeln({"status", id, "--format", "json"});
    INFO(status.out, status.err);
    REQUIRE(status.exit_code == 0);
    auto shown = json::parse(status.out);
    REQUIRE(shown["project_restores"].size() == 1);
    CHECK(shown["project_restores"][0]["status"] == "succeeded");
    CHECK(shown["project_restores"][0]["servers"].size() == 2);
    CHECK(shown["restores"].size() == 2);
    CHECK(shown["restores"][0]["project_restore"] == id);
    auto text = r.staffeln({"status"});
    CHECK(text.out.starts_with(fmt::format("restore {} of project {} to ", id, d::kDemoProject)));

    // Run again: a new restore of the project (the first has ended), so the cleanup names its own.
    auto cleanup = r.staffeln({"cleanup", id});
    INFO(cleanup.out, cleanup.err);
    REQUIRE(cleanup.exit_code == 0);
    CHECK(cleanup.out.ends_with(fmt::format("restore {}: 3 volumes deleted\n", id)));
    r.rig.settle();
    CHECK(r.restored_named() == 0);
    auto after = json::parse(r.staffeln({"status", id, "--format", "json"}).out);
    CHECK(after["project_restores"][0]["status"] == "cleaned");
}

TEST_CASE("restore --project refuses a server whose point is partial by name and restores the others") {
    Rig r;
    // web-1-data's backup is broken, and the next cycle's backups all fail: web-1 has a point
    // with its root volume only.
    auto data_backup = r.newest_backup(d::kWebData);
    REQUIRE(r.rig.sim.call("PATCH", "/_sim/backups/" + data_backup, "", "", json{{"status", "error"}}.dump()).status ==
            200);
    r.rig.sim_config({{"backup_error_rate", 1.0}});
    ConductorRig::next_second();
    // Its exit code says the backups failed; what matters here is the store's record after it.
    run_staffeln({"--config-file", r.conf.string(), "conductor", "--once"}, r.rig.os_env());
    r.rig.sim_config({{"backup_error_rate", 0.0}});

    auto run = r.staffeln({"--project", d::kDemoProject});
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find(fmt::format("  server web-1 ({}): refused: no restore of server web-1 ({}) at ", d::kWeb1,
                                   d::kWeb1)) != std::string::npos);
    CHECK(run.out.find(fmt::format("volume {} (web-1-data) has no available automated backup", d::kWebData)) !=
          std::string::npos);
    CHECK(run.out.find(": failed: 1 of 2 servers restored (1 volumes), 0 failed, 1 refused\n") != std::string::npos);
    CHECK(r.copies_of(d::kDbRoot).size() == 1);
    CHECK(r.restored_named() == 1);
    // Plain progress lines (not a terminal): each change of db-1-root (state, or what Cinder
    // shows), its end among them.
    CHECK(run.out.find(fmt::format("volume db-1-root ({}) of server db-1 ({}): done (available) after ", d::kDbRoot,
                                   d::kDb1)) != std::string::npos);
    CHECK(run.out.find("(restoring-backup) after ") != std::string::npos);

    auto partial = r.staffeln({"--project", d::kDemoProject, "--allow-partial", "--format", "json"});
    INFO(partial.out, partial.err);
    REQUIRE(partial.exit_code == 0);
    auto out = json::parse(partial.out);
    CHECK(out["refused"].empty());
    CHECK(r.copies_of(d::kWebRoot).size() == 1);
    CHECK(r.copies_of(d::kWebData).empty());
}

TEST_CASE("restore --project killed half-way and run again continues it with exactly one copy per volume") {
    for (const char* point : {"restore.create.after_call@2", "restore.restore.after_call@2"}) {
        CAPTURE(point);
        Rig r;
        auto killed = r.staffeln({"--project", d::kDemoProject}, point);
        CHECK(killed.signal == SIGKILL);
        auto again = r.staffeln({"--project", d::kDemoProject, "--format", "json"});
        INFO(again.out, again.err);
        REQUIRE(again.exit_code == 0);
        auto out = json::parse(again.out);
        CHECK(out["status"] == "succeeded");
        for (const auto& source : kSources) CHECK(r.copies_of(source).size() == 1);
        CHECK(r.restored_named() == 3);
        CHECK(r.restore_calls() == 3);
        auto status = json::parse(r.staffeln({"status", "--format", "json"}).out);
        CHECK(status["project_restores"].size() == 1);  // continued, not a second one
    }
}

TEST_CASE("restore --into original is refused while a volume is attached, and without a terminal unless --yes") {
    Rig r;
    auto attached = r.staffeln({"--server", "web-1", "--into", "original", "--yes"});
    CHECK(attached.exit_code == 1);
    CHECK(attached.err.find(fmt::format("no restore of server web-1 ({}) over its original volumes: volume {} "
                                        "(web-1-data) is in-use; volume {} (web-1-root) is in-use; a restore over a "
                                        "volume needs it available (detached from its server)",
                                        d::kWeb1, d::kWebData, d::kWebRoot)) != std::string::npos);
    r.detach(d::kWebData);
    r.detach(d::kWebRoot);
    auto unasked = r.staffeln({"--server", "web-1", "--into", "original"});
    CHECK(unasked.exit_code == 1);
    CHECK(unasked.err.ends_with(
        "staffeln restore: --into original overwrites volumes and asks first, but there is no terminal to ask on; "
        "give --yes to go on without asking (check the plan with --dry-run first); nothing restored\n"));
    CHECK(r.restore_calls() == 0);
    auto plan = r.staffeln({"--server", "web-1", "--into", "original", "--dry-run"});
    CHECK(plan.exit_code == 0);
    CHECK(plan.out.find("over its original volumes in project") != std::string::npos);
    CHECK(plan.out.find("-> over the volume itself") != std::string::npos);
    CHECK(r.restore_calls() == 0);
}

TEST_CASE("restore --into original restores each detached volume in place, makes none, and cleanup deletes none") {
    for (const char* point : {"", "restore.original.mark.after_call", "restore.restore.after_call",
                              "restore.restore.before_call", "restore.tag.before_call"}) {
        CAPTURE(point);
        Rig r;
        r.detach(d::kWebData);
        r.detach(d::kWebRoot);
        auto before = r.volumes().size();
        if (*point) {
            auto killed = r.staffeln({"--server", "web-1", "--into", "original", "--yes"}, point);
            CHECK(killed.signal == SIGKILL);
        }
        auto run = r.staffeln({"--server", "web-1", "--into", "original", "--yes", "--format", "json"});
        INFO(run.out, run.err);
        REQUIRE(run.exit_code == 0);
        auto out = json::parse(run.out);
        CHECK(out["status"] == "succeeded");
        for (const auto& v : out["volumes"]) {
            CHECK(v["restored"] == v["source"]);
            auto shown = r.volume(v["source"]);
            CHECK(shown["status"] == "available");
            CHECK(shown["metadata"][core::kSourceBackupKey] == v["backup"]);
            CHECK(shown["metadata"][core::kRestoreTag] == out["restore"]);
            CHECK_FALSE(shown["metadata"].contains(core::kRestorePendingTag));
        }
        CHECK(r.volumes().size() == before);
        CHECK(r.restore_calls() == 2);
        auto cleanup = r.staffeln({"cleanup", out["restore"]});
        CHECK(cleanup.exit_code == 0);
        CHECK(cleanup.out.find("wrote over the original volumes of server web-1") != std::string::npos);
        CHECK(r.volumes().size() == before);
    }
}

TEST_CASE("restore --project --into original restores the detached servers in place and refuses the attached") {
    Rig r;
    r.detach(d::kDbRoot);
    auto run = r.staffeln({"--project", d::kDemoProject, "--into", "original", "--yes", "--format", "json"});
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    auto out = json::parse(run.out);
    CHECK(out["status"] == "failed");
    CHECK(out["into"] == "original");
    REQUIRE(out["servers"].size() == 1);
    CHECK(out["servers"][0]["name"] == "db-1");
    CHECK(out["servers"][0]["status"] == "succeeded");
    REQUIRE(out["refused"].size() == 1);
    CHECK(out["refused"][0]["name"] == "web-1");
    CHECK(out["refused"][0]["reason"].get<std::string>().find("is in-use") != std::string::npos);
    CHECK(r.volume(d::kDbRoot)["metadata"][core::kSourceBackupKey] == r.newest_backup(d::kDbRoot));
    CHECK(r.restored_named() == 0);
}

TEST_CASE("a backup a restore is reading counts as available for the backup cycle that runs meanwhile") {
    Rig r;
    r.rig.sim_config({{"restore_seconds_per_gib", 5.0}});  // db-1-root's 4 GiB: 20 s
    const std::string read = r.newest_backup(d::kDbRoot);
    Finished restore;
    std::thread running([&] { restore = r.staffeln({"--server", "db-1", "--format", "json"}); });
    bool restoring = false;
    for (int i = 0; i < 200 && !restoring; ++i) {
        restoring = r.rig.backup(read)["status"] == "restoring";
        if (!restoring) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(restoring);
    ConductorRig::next_second();
    auto cycle = run_staffeln({"--config-file", r.conf.string(), "conductor", "--once"}, r.rig.os_env());
    CHECK(r.rig.backup(read)["status"] == "restoring");  // still read: the cycle ran during the restore
    running.join();
    INFO(cycle.out, cycle.err, restore.out, restore.err);
    CHECK(cycle.exit_code == 0);
    REQUIRE(restore.exit_code == 0);
    // The backup read is kept whole and the volume backed up again (a full: Cinder refuses an
    // incremental onto a parent that is not available); every task succeeded.
    auto backups = r.rig.staffeln_backups(d::kDbRoot);
    REQUIRE(backups.size() == 2);
    CHECK(backups[1]["id"] == read);
    CHECK(backups[1]["status"] == "available");
    CHECK(backups[0]["is_incremental"] == false);
    for (const auto& t : r.rig.tasks()) CHECK(t.status == core::TaskStatus::succeeded);
}
