// Disaster-recovery records end to end against the simulated cloud: a conductor cycle fetches
// one export record per new backup and stores it with the backup's origin, a failed fetch is
// retried by the next cycle without failing the backup, `staffeln backup export` prints them
// as documented (docs/disaster-recovery.md), [dr] export_dir gets them after each cycle, and an
// exported record imports the backup again after Cinder lost it.
#include "support/conductor_rig.h"
#include "support/process.h"

#include "staffeln/base64.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;

namespace {

const char* const kExportGet = "GET /volume/v3/{project_id}/backups/{id}/export_record";

int export_gets(ConductorRig& rig) {
    json requests = rig.counters()["requests"];
    return requests.contains(kExportGet) ? requests[kExportGet].get<int>() : 0;
}

json export_json(ConductorRig& rig, const std::filesystem::path& conf, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"--config-file", conf.string(), "backup", "export"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto run = run_staffeln(argv, rig.os_env());
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    return json::parse(run.out);
}

const json* record_of(const json& doc, const std::string& volume_id) {
    for (const auto& r : doc["records"])
        if (r["volume"]["id"] == volume_id) return &r;
    return nullptr;
}

// One conductor cycle that makes no new backup and fetches `fetched` export records, each with
// one GET; the two tests of records fetched late end with it.
void next_cycle_fetches(ConductorRig& rig, const std::filesystem::path& conf, int fetched) {
    rig.reset_counters();
    auto cycle = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(cycle.out, cycle.err);
    CHECK(cycle.exit_code == 0);
    CHECK(cycle.out.find("backup cycle: 0 started") != std::string::npos);
    CHECK(cycle.out.find(fmt::format("disaster-recovery records: {} fetched, 0 failed", fetched)) != std::string::npos);
    CHECK(export_gets(rig) == fetched);
}

}  // namespace

TEST_CASE("a conductor cycle fetches one export record per new backup, and backup export prints them") {
    ConductorRig rig;
    auto conf = rig.write_conf("full_backup_depth = 2");
    rig.reset_counters();
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("disaster-recovery records: 4 fetched, 0 failed") != std::string::npos);
    CHECK(export_gets(rig) == 4);

    json doc = export_json(rig, conf, {});
    CHECK(doc["format"] == "staffeln-backup-records/1");
    CHECK(doc["selection"] == json::parse(R"({"project": null, "server": null})"));
    CHECK(doc["not_fetched"].empty());
    REQUIRE(doc["records"].size() == 4);
    const json* root = record_of(doc, d::kWebRoot);
    REQUIRE(root != nullptr);
    CHECK((*root)["project_id"] == d::kDemoProject);
    CHECK((*root)["server"] == json{{"id", d::kWeb1}, {"name", "web-1"}});
    CHECK(
        (*root)["volume"] ==
        json{{"id", d::kWebRoot}, {"name", "web-1-root"}, {"size_gb", 1}, {"bootable", true}, {"device", "/dev/vda"}});
    CHECK((*root)["kind"] == "full");
    CHECK((*root)["parent_id"].is_null());
    const json* data = record_of(doc, d::kWebData);
    REQUIRE(data != nullptr);
    CHECK((*data)["volume"]["bootable"] == false);
    CHECK((*data)["volume"]["size_gb"] == 2);
    // The record is Cinder's own: its backup_url names this backup.
    std::string backup_id = (*root)["backup_id"];
    auto row = json::parse(*base64_decode((*root)["backup_record"]["backup_url"].get<std::string>()));
    CHECK(row["id"] == backup_id);
    CHECK((*root)["backup_record"]["backup_service"] == "cinder.backup.drivers.posix.PosixBackupDriver");

    CHECK(export_json(rig, conf, {"--project", d::kProdProject})["records"].size() == 1);
    CHECK(export_json(rig, conf, {"--server", "web-1"})["records"].size() == 2);
    CHECK(export_json(rig, conf, {"--server", d::kDb1})["records"].size() == 1);
    CHECK(export_json(rig, conf, {"--project", d::kProdProject, "--server", "web-1"})["records"].empty());

    // A second cycle makes incrementals: one export GET each, with the parent the record names.
    ConductorRig::next_second();
    rig.reset_counters();
    auto again = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(again.out, again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(export_gets(rig) == 4);
    json second = export_json(rig, conf, {"--server", "web-1"});
    REQUIRE(second["records"].size() == 4);
    int incrementals = 0;
    for (const auto& r : second["records"]) {
        if (r["kind"] != "incremental") continue;
        ++incrementals;
        CHECK(rig.backup(r["backup_id"])["parent_id"] == r["parent_id"]);
    }
    CHECK(incrementals == 2);
}

TEST_CASE("backup export --output writes the document 0600, and an exported record imports the lost backup") {
    ConductorRig rig;
    auto conf = rig.write_conf();
    REQUIRE(run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env()).exit_code == 0);
    auto file = rig.dir / "records.json";
    auto run = run_staffeln(
        {"--config-file", conf.string(), "backup", "export", "--server", "api-1", "--output", file.string()},
        rig.os_env());
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.empty());
    CHECK(run.err == "1 backup records exported; 0 backups without an export record yet\n");
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    json doc = json::parse(read_file(file));
    REQUIRE(doc["records"].size() == 1);
    const json& record = doc["records"][0];

    // Cinder loses the backup; the exported record brings it back (in the admin project).
    std::string id = record["backup_id"];
    std::string admin_backups = "/volume/v3/" + rig.sim.project_id("admin") + "/backups";
    REQUIRE(
        rig.sim.call("POST", admin_backups + "/" + id + "/action", rig.admin_token(), "", R"({"os-force_delete": {}})")
            .status == 202);
    rig.settle();
    json body = {{"backup-record", record["backup_record"]}};
    auto imported = rig.sim.call("POST", admin_backups + "/import_record", rig.admin_token(), "", body.dump());
    CHECK(imported.status == 201);
    CHECK(imported.body["backup"]["id"] == id);
    CHECK(rig.backup(id)["status"] == "creating");  // until Cinder's backup service read the record
    rig.settle();
    CHECK(rig.backup(id)["status"] == "available");
}

TEST_CASE("a failed export fetch is a warning, never fails the backup, and the next cycle fetches it") {
    ConductorRig rig;
    auto conf = rig.write_conf("backup_min_interval = 3600");
    rig.fault(json::parse(R"({"method": "GET", "path_suffix": "/export_record", "status": 403})"));
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("backup cycle: 4 started, 4 succeeded, 0 failed") != std::string::npos);
    CHECK(run.out.find("disaster-recovery records: 0 fetched, 4 failed") != std::string::npos);
    CHECK(run.out.find("warning: export record of backup ") != std::string::npos);
    CHECK(run.out.find("not fetched (retried next cycle): GET ") != std::string::npos);
    CHECK(run.out.find("/export_record: HTTP 403: Injected fault 403") != std::string::npos);
    for (const auto& task : rig.tasks()) CHECK(task.status == core::TaskStatus::succeeded);
    // The project's report (logged: no sender configured) names them.
    CHECK(run.err.find(std::string(d::kDemoProject) +
                       " | Backups without a disaster-recovery record yet (3), retried each cycle") !=
          std::string::npos);

    json missing = export_json(rig, conf, {});
    CHECK(missing["records"].empty());
    REQUIRE(missing["not_fetched"].size() == 4);
    CHECK(missing["not_fetched"][0]["attempts"] == 1);
    CHECK(missing["not_fetched"][0]["last_error"].get<std::string>().find("HTTP 403") != std::string::npos);

    rig.clear_faults();
    next_cycle_fetches(rig, conf, 4);
    json fetched = export_json(rig, conf, {});
    CHECK(fetched["records"].size() == 4);
    CHECK(fetched["not_fetched"].empty());
    next_cycle_fetches(rig, conf, 0);
}

TEST_CASE("backups made before records were kept get theirs from the next cycle: the backfill") {
    ConductorRig rig;
    auto conf = rig.write_conf("backup_min_interval = 3600");
    auto first = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(first.out, first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(first.out.find("disaster-recovery records: 4 fetched, 0 failed") != std::string::npos);
    // The store as a version without records left it, its tasks long reported and gone: only
    // the index of staffeln's backups knows them.
    rig.db.sql().exec("DELETE FROM dr_records");
    rig.db.sql().exec("DELETE FROM tasks");
    CHECK(export_json(rig, conf, {})["records"].empty());

    next_cycle_fetches(rig, conf, 4);
    json doc = export_json(rig, conf, {});
    REQUIRE(doc["records"].size() == 4);
    const json* root = record_of(doc, d::kWebRoot);
    REQUIRE(root != nullptr);
    CHECK((*root)["server"]["name"] == "web-1");
    CHECK((*root)["backup_record"]["backup_url"].is_string());
    next_cycle_fetches(rig, conf, 0);
}

TEST_CASE("[dr] export_dir gets every record and each project's after a cycle, 0600, and loses stale project files") {
    ConductorRig rig;
    auto out = rig.dir / "dr";
    std::filesystem::create_directories(out);
    auto stale = out / "staffeln-backup-records-0000000000000000000000000000dead.json";
    std::ofstream(stale) << "{}";
    auto conf = rig.write_conf();
    std::ofstream(conf, std::ios::app) << "[dr]\nexport_dir = " << out.string() << "\n";
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("warning:") == std::string::npos);

    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(out)) {
        names.push_back(entry.path().filename().string());
        struct stat st {};
        REQUIRE(::stat(entry.path().c_str(), &st) == 0);
        CHECK_MESSAGE((st.st_mode & 0777) == 0600, entry.path());
    }
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"staffeln-backup-records-" + std::string(d::kDemoProject) + ".json",
                                            "staffeln-backup-records-" + std::string(d::kProdProject) + ".json",
                                            "staffeln-backup-records.json"});
    json all = json::parse(read_file(out / "staffeln-backup-records.json"));
    CHECK(all["format"] == "staffeln-backup-records/1");
    CHECK(all["records"].size() == 4);
    json exported = export_json(rig, conf, {});
    exported["generated_at"] = all["generated_at"];
    CHECK(all == exported);
    json demo = json::parse(read_file(out / ("staffeln-backup-records-" + std::string(d::kDemoProject) + ".json")));
    CHECK(demo["selection"]["project"] == d::kDemoProject);
    CHECK(demo["records"].size() == 3);

    // A directory that cannot be written is a warning; the backups are not failed.
    std::filesystem::remove_all(out);
    auto again = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(again.out, again.err);
    CHECK(again.exit_code == 0);
    CHECK(again.out.find("warning: [dr] export_dir: cannot create " + out.string() +
                         "/.staffeln-backup-records.json.") != std::string::npos);
}

// Cinder's database is lost (the simulation forgets the backups outright), and an export file
// brings the backups back: parents first, in the admin project, tags and chain kept.
TEST_CASE("backup import re-creates lost backups from an export, says what each did, and finishes a failed run") {
    ConductorRig rig;
    auto conf = rig.write_conf("full_backup_depth = 2");
    REQUIRE(run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env()).exit_code == 0);
    ConductorRig::next_second();
    REQUIRE(run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env()).exit_code == 0);
    auto file = rig.dir / "records.json";
    REQUIRE(run_staffeln({"--config-file", conf.string(), "backup", "export", "--output", file.string()}, rig.os_env())
                .exit_code == 0);
    std::map<std::string, json> before;
    for (const auto& b : rig.staffeln_backups()) before[b["id"]] = b;
    REQUIRE(before.size() == 8);
    for (const auto& [id, b] : before)  // children first: a parent the simulation drops keeps no link
        if (b["is_incremental"] == true) REQUIRE(rig.sim.call("DELETE", "/_sim/backups/" + id).status == 204);
    for (const auto& [id, b] : before)
        if (b["is_incremental"] == false) REQUIRE(rig.sim.call("DELETE", "/_sim/backups/" + id).status == 204);
    REQUIRE(rig.staffeln_backups().empty());

    auto import = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv = {"--config-file", conf.string(), "backup", "import", file.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_staffeln(argv, rig.os_env());
    };
    auto dry = import({"--dry-run"});
    INFO(dry.out, dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.out.ends_with("dry run: 8 records would be imported, 0 already present\n"));
    CHECK(rig.staffeln_backups().empty());

    // The first import fails: the run says which record is not in, and a second run finishes.
    rig.fault(json::parse(R"({"method": "POST", "path_suffix": "/import_record", "status": 403, "count": 1})"));
    auto partial = import({"--server", "web-1"});
    INFO(partial.out, partial.err);
    CHECK(partial.exit_code == 1);
    CHECK(partial.out.find(": failed: POST ") != std::string::npos);
    CHECK(partial.out.find(": failed: not imported: its parent backup ") != std::string::npos);
    CHECK(partial.out.find("2 imported, 0 already present, 2 failed; 2 of 4 selected records present\nnot present: "
                           "backup ") != std::string::npos);
    auto rest = import({});
    INFO(rest.out, rest.err);
    CHECK(rest.exit_code == 0);
    CHECK(rest.out.ends_with("6 imported, 2 already present, 0 failed; 8 of 8 selected records present\n"));
    auto again = import({});
    CHECK(again.exit_code == 0);
    CHECK(again.out.ends_with("0 imported, 8 already present, 0 failed; 8 of 8 selected records present\n"));

    rig.settle();  // Cinder's backup service reads each imported record (recorded: 0.3 s)
    for (const auto& [id, b] : before) {
        INFO("backup " << id);
        json now = rig.backup(id);
        CHECK(now["status"] == "available");
        CHECK(now["project_id"] == rig.sim.project_id("admin"));  // as the recorded real import does
        CHECK(now["metadata"] == b["metadata"]);                  // staffeln's tag survives
        CHECK(now["volume_id"] == b["volume_id"]);
        CHECK(now["is_incremental"] == b["is_incremental"]);
        CHECK(now["parent_id"] == b["parent_id"]);
    }
}

TEST_CASE("backup import refuses a truncated or other-version file before importing anything") {
    ConductorRig rig;
    auto conf = rig.write_conf();
    auto truncated =
        rig.dir.write("truncated.json", "{\n  \"format\": \"staffeln-backup-records/1\",\n  \"records\": [\n");
    auto run = run_staffeln({"--config-file", conf.string(), "backup", "import", truncated.string()}, rig.os_env());
    CHECK(run.exit_code == 1);
    CHECK(run.err.starts_with("staffeln backup import: " + truncated.string() +
                              ": not a complete JSON document: parse error at line 4, column 1: "));
    CHECK(run.err.ends_with("; nothing imported\n"));
    auto newer = rig.dir.write("newer.json", R"({"format": "staffeln-backup-records/2", "records": []})");
    auto refused = run_staffeln({"--config-file", conf.string(), "backup", "import", newer.string()}, rig.os_env());
    CHECK(refused.exit_code == 1);
    CHECK(refused.err == "staffeln backup import: " + newer.string() +
                             ": format is 'staffeln-backup-records/2'; this staffeln reads staffeln-backup-records/1 "
                             "only; nothing imported\n");
    CHECK(rig.counters()["requests"].value("POST /volume/v3/{project_id}/backups/import_record", 0) == 0);
}
