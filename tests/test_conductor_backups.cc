// The conductor's backup cycle against the simulated cloud (issue 4): in-process through
// run_backup_cycle for what a cycle does, through the real `staffeln conductor` binary for what
// the command does (exit codes, --once summary, --dry-run, start-up errors, SIGTERM).
#include "support/conductor_rig.h"
#include "support/eventually.h"
#include "support/paths.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/smtp_server.h"
#include "support/spawned.h"

#include "staffeln/core/backup_tag.h"
#include "staffeln/openstack/iso_time.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;
using std::chrono::seconds;

namespace {

const std::set<std::string> kTaggedVolumes(d::kTaggedVolumes.begin(), d::kTaggedVolumes.end());

bool contains_line(const std::vector<std::string>& lines, const std::string& part) {
    return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.find(part) != std::string::npos; });
}

std::string all_of(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// Staffeln's backups of one volume, oldest first.
std::vector<json> chain_of(ConductorRig& rig, const std::string& volume_id) {
    auto list = rig.staffeln_backups(volume_id);
    std::reverse(list.begin(), list.end());
    return list;
}

std::string kinds(const std::vector<json>& chain) {
    std::string out;
    for (const auto& b : chain) out += b["is_incremental"].get<bool>() ? 'I' : 'F';
    return out;
}

const core::TaskRecord* task_of_volume(const std::vector<core::TaskRecord>& tasks, const std::string& volume_id) {
    for (const auto& t : tasks)
        if (t.volume_id == volume_id) return &t;
    return nullptr;
}

template <class Fn>
void with_sim_volume(ConductorRig& rig, const std::string& volume_id, Fn&& fn) {
    std::lock_guard lock(rig.sim.cloud.mutex);
    auto h = rig.sim.cloud.volume(volume_id);
    REQUIRE(h.has_value());
    fn(*h, rig.sim.cloud.volumes[*h]);
}

std::string read_stream(std::FILE* f) {
    std::rewind(f);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    return out;
}

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST_CASE("a backup cycle backs up every volume of tagged servers and never an untagged server's") {
    ConductorRig rig;
    auto result = rig.backup_cycle();
    CHECK(result.outcome.created == 4);
    CHECK(result.outcome.succeeded == 4);
    CHECK_MESSAGE(result.outcome.problems.empty(), all_of(result.outcome.problems));

    std::set<std::string> backed_up;
    for (const auto& b : rig.staffeln_backups()) {
        CHECK(b["status"] == "available");
        backed_up.insert(b["volume_id"].get<std::string>());
    }
    CHECK(backed_up == kTaggedVolumes);
    CHECK(rig.backups(d::kScratchRoot).empty());
    CHECK(rig.backups(d::kBatchRoot).empty());

    auto tasks = rig.tasks();
    CHECK(tasks.size() == 4);
    for (const auto& t : tasks) CHECK(t.status == core::TaskStatus::succeeded);
}

TEST_CASE("full_backup_depth incrementals follow a full backup, then a full again") {
    ConductorRig rig;
    rig.config.conductor.full_backup_depth = 2;
    for (int cycle = 0; cycle < 4; ++cycle) {
        if (cycle > 0) ConductorRig::next_second();
        auto result = rig.backup_cycle();
        REQUIRE_MESSAGE(result.outcome.succeeded == 4, all_of(result.outcome.problems));
    }
    for (const char* volume : {d::kWebData, d::kDbRoot, d::kApiRoot}) {
        auto chain = chain_of(rig, volume);
        CHECK(kinds(chain) == "FIIF");
        REQUIRE(chain.size() == 4);
        CHECK(chain[1]["parent_id"] == chain[0]["id"]);
        CHECK(chain[2]["parent_id"] == chain[1]["id"]);
        CHECK(chain[3]["parent_id"].is_null());
    }
    auto tasks = rig.tasks();
    int incrementals = 0;
    for (const auto& t : tasks) incrementals += t.kind == core::BackupKind::incremental;
    CHECK(incrementals == 8);
}

TEST_CASE("full_backup_depth 0 makes every backup a full backup") {
    ConductorRig rig;
    rig.config.conductor.full_backup_depth = 0;
    for (int cycle = 0; cycle < 2; ++cycle) {
        if (cycle > 0) ConductorRig::next_second();
        REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    }
    for (const auto& volume : kTaggedVolumes) CHECK(kinds(chain_of(rig, volume)) == "FF");
}

TEST_CASE("a user's newest manual backup makes staffeln take a full backup and never become its parent") {
    ConductorRig rig;
    rig.config.conductor.full_backup_depth = 5;
    // demo.json: web-1-root has a manual backup by demo, the newest (and only) one.
    REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    CHECK(kinds(chain_of(rig, d::kWebRoot)) == "F");

    // The user backs the volume up by hand again, after staffeln's full.
    ConductorRig::next_second();
    std::string demo_token = rig.sim.token("demo", "demo-secret", "demo");
    json create = {{"backup", {{"volume_id", d::kWebRoot}, {"name", "by-hand"}, {"force", true}}}};
    auto made = rig.sim.call("POST", std::string("/volume/v3/") + d::kDemoProject + "/backups", demo_token,
                             "volume 3.43", create.dump());
    REQUIRE(made.status == 202);
    std::string manual = made.body["backup"]["id"];
    rig.settle();

    ConductorRig::next_second();
    REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    ConductorRig::next_second();
    REQUIRE(rig.backup_cycle().outcome.succeeded == 4);

    CHECK(kinds(chain_of(rig, d::kWebRoot)) == "FFI");
    CHECK(kinds(chain_of(rig, d::kWebData)) == "FII");
    for (const char* user_backup : {d::kManualBackup, manual.c_str()})
        CHECK(rig.backup(user_backup)["dependents"] == 0);
    std::set<std::string> ours;
    for (const auto& b : rig.staffeln_backups()) ours.insert(b["id"].get<std::string>());
    for (const auto& b : rig.staffeln_backups())
        if (b["is_incremental"].get<bool>()) CHECK(ours.contains(b["parent_id"].get<std::string>()));
}

TEST_CASE("backup_min_interval skips a volume backed up recently and says why") {
    ConductorRig rig;
    rig.config.conductor.backup_min_interval = 3600;
    REQUIRE(rig.backup_cycle().outcome.created == 4);

    TempDir out_dir;
    std::FILE* out = std::fopen((out_dir / "plan.txt").c_str(), "w+");
    auto dry = rig.backup_cycle(true, out);
    std::string plan = read_stream(out);
    std::fclose(out);
    CHECK(plan.find(std::string("skip volume ") + d::kWebData) != std::string::npos);
    CHECK(plan.find("within backup_min_interval 1h") != std::string::npos);

    auto second = rig.backup_cycle();
    CHECK(second.outcome.created == 0);
    CHECK(second.outcome.skipped == 4);
    CHECK(rig.staffeln_backups().size() == 4);

    rig.travel(seconds(3601));
    CHECK(rig.backup_cycle().outcome.created == 4);
}

TEST_CASE("a volume whose skip flag metadata is true is skipped, under the configured key") {
    auto scenario = fast_scenario();
    scenario["servers"][0]["volumes"][1]["metadata"] = {{"no-backup-please", "True"}};
    ConductorRig rig(scenario);
    rig.config.conductor.skip_volume_metadata_key = "no-backup-please";

    TempDir out_dir;
    std::FILE* out = std::fopen((out_dir / "plan.txt").c_str(), "w+");
    rig.backup_cycle(true, out);
    std::string plan = read_stream(out);
    std::fclose(out);
    CHECK(plan.find(std::string("skip volume ") + d::kWebData +
                    ": volume metadata no-backup-please=True asks staffeln to skip it") != std::string::npos);

    auto result = rig.backup_cycle();
    CHECK(result.outcome.created == 3);
    CHECK(result.outcome.skipped == 1);
    CHECK(rig.staffeln_backups(d::kWebData).empty());
    CHECK(task_of_volume(rig.tasks(), d::kWebData) == nullptr);
}

TEST_CASE("a volume in error status gets a failed task with the reason, and the rest is backed up") {
    ConductorRig rig;
    with_sim_volume(rig, d::kWebData, [](auto, auto& v) { v.status = "error"; });
    auto result = rig.backup_cycle();
    CHECK(result.outcome.succeeded == 3);
    CHECK(result.outcome.failed == 1);
    std::string why =
        std::string("volume ") + d::kWebData + " is 'error'; only available or in-use volumes are backed up";
    CHECK_MESSAGE(contains_line(result.outcome.problems, why), all_of(result.outcome.problems));
    auto tasks = rig.tasks();
    auto* failed = task_of_volume(tasks, d::kWebData);
    REQUIRE(failed != nullptr);
    CHECK(failed->status == core::TaskStatus::failed);
    CHECK(failed->last_error == why);
    CHECK(rig.staffeln_backups(d::kWebData).empty());
}

TEST_CASE("a volume attached to a tagged server but missing from Cinder gets a failed task, and the rest goes on") {
    ConductorRig rig;
    with_sim_volume(rig, d::kWebData, [&](sim::Handle h, auto& v) {
        rig.sim.cloud.all_volumes.erase(h);
        rig.sim.cloud.volumes_by_project[v.project].erase(h);
    });
    auto result = rig.backup_cycle();
    CHECK(result.outcome.succeeded == 3);
    auto tasks = rig.tasks();
    auto* failed = task_of_volume(tasks, d::kWebData);
    REQUIRE(failed != nullptr);
    CHECK(failed->status == core::TaskStatus::failed);
    CHECK(failed->last_error ==
          std::string("volume ") + d::kWebData + " attached to server web-1 is not in Cinder's listing");
}

TEST_CASE("a project answering 403 to the create is logged and recorded, the rest goes on, and it is retried") {
    ConductorRig rig;
    rig.fault({{"method", "POST"},
               {"path_prefix", std::string("/volume/v3/") + d::kProdProject + "/backups"},
               {"status", 403}});
    auto result = rig.backup_cycle();
    CHECK(result.outcome.succeeded == 3);
    CHECK_MESSAGE(contains_line(result.outcome.problems, std::string("backup of volume ") + d::kApiRoot +
                                                             " in project " + d::kProdProject + " failed to start"),
                  all_of(result.outcome.problems));
    auto tasks = rig.tasks();
    auto* refused = task_of_volume(tasks, d::kApiRoot);
    REQUIRE(refused != nullptr);
    CHECK(refused->status == core::TaskStatus::pending);
    CHECK(refused->last_error.find("403") != std::string::npos);
    std::string task_id = refused->task_id;

    rig.clear_faults();
    auto retried = rig.backup_cycle();
    CHECK(retried.outcome.succeeded == 4);
    auto backups = rig.staffeln_backups(d::kApiRoot);
    REQUIRE(backups.size() == 1);
    CHECK(backups[0]["metadata"]["staffeln:task"] == task_id);
}

TEST_CASE("a project where the staffeln user has no role is recorded and the other projects are backed up") {
    auto scenario = fast_scenario();
    for (auto& user : scenario["users"])
        if (user["name"] == "admin") user["roles"] = {{"admin", {"admin"}}, {"demo", {"admin"}}};
    ConductorRig rig(scenario);
    auto result = rig.backup_cycle();
    CHECK(result.outcome.succeeded == 3);
    CHECK(contains_line(result.outcome.problems, std::string("backup of volume ") + d::kApiRoot));
    auto tasks = rig.tasks();
    auto* refused = task_of_volume(tasks, d::kApiRoot);
    REQUIRE(refused != nullptr);
    CHECK(refused->status == core::TaskStatus::pending);
    CHECK_FALSE(refused->last_error.empty());
}

TEST_CASE("a backup that ends in error fails its task with Cinder's reason and is deleted") {
    ConductorRig rig;
    rig.sim_config({{"backup_error_rate", 1.0}, {"backup_fail_reason", "disk on fire"}});
    auto result = rig.backup_cycle();
    CHECK(result.outcome.failed == 4);
    CHECK(result.outcome.succeeded == 0);
    for (const auto& t : rig.tasks()) {
        CHECK(t.status == core::TaskStatus::failed);
        CHECK(t.last_error.find("to error: disk on fire") != std::string::npos);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(rig.staffeln_backups().empty());
}

TEST_CASE("a backup still creating past backup_cycle_timeout is cancelled, deleted, and the task says why") {
    ConductorRig rig;
    rig.sim_config({{"backup_create_seconds", 600}});
    rig.config.conductor.backup_cycle_timeout = seconds(1);
    auto started = std::chrono::steady_clock::now();
    auto result = rig.backup_cycle();
    CHECK(std::chrono::steady_clock::now() - started < seconds(5));
    CHECK(result.outcome.cancelled == 4);
    for (const auto& t : rig.tasks()) {
        CHECK(t.status == core::TaskStatus::cancelled);
        CHECK(t.last_error.find("is still creating") != std::string::npos);
        CHECK(t.last_error.find("past backup_cycle_timeout 1s") != std::string::npos);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(rig.staffeln_backups().empty());
}

TEST_CASE("Cinder's no-parent refusal of an incremental makes the same task a full backup in the same cycle") {
    auto scenario = fast_scenario();
    scenario["servers"] = json::array({scenario["servers"][3]});  // api-1 alone: one create per cycle
    scenario.erase("backups");
    ConductorRig rig(scenario);
    REQUIRE(rig.backup_cycle().outcome.succeeded == 1);
    auto full = rig.staffeln_backups(d::kApiRoot);
    REQUIRE(full.size() == 1);

    // The full disappears after staffeln listed it but before Cinder sees the incremental.
    ConductorRig::next_second();
    rig.reset_counters();
    rig.fault({{"method", "POST"},
               {"path_prefix", std::string("/volume/v3/") + d::kProdProject + "/backups"},
               {"latency_ms", 1500},
               {"count", 1}});
    auto cycle = std::async(std::launch::async, [&] { return rig.backup_cycle(); });
    for (int i = 0; i < 100 && !rig.counters()["requests"].contains("POST /volume/v3/{project_id}/backups"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(rig.sim.call("DELETE", "/_sim/backups/" + full[0]["id"].get<std::string>()).status == 204);
    auto result = cycle.get();
    CHECK(result.outcome.succeeded == 1);
    CHECK(result.outcome.problems.empty());
    CHECK(rig.counters()["requests"]["POST /volume/v3/{project_id}/backups"] == 2);  // refused, then the full
    auto made = rig.staffeln_backups(d::kApiRoot);
    REQUIRE(made.size() == 1);
    CHECK(made[0]["is_incremental"] == false);
    auto tasks = rig.tasks();
    auto* task = task_of_volume(tasks, d::kApiRoot);
    for (const auto& t : tasks)
        if (t.backup_id == made[0]["id"]) task = &t;
    REQUIRE(task != nullptr);
    CHECK(made[0]["metadata"]["staffeln:task"] == task->task_id);
    CHECK(task->status == core::TaskStatus::succeeded);
    CHECK(task->kind == core::BackupKind::full);  // the store says what Cinder made
}

TEST_CASE("a backup being restored stays whole: the next backup of its volume is a full Cinder accepts") {
    ConductorRig rig;
    rig.config.conductor.full_backup_depth = 4;
    for (int cycle = 0; cycle < 2; ++cycle) {
        if (cycle > 0) ConductorRig::next_second();
        REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    }
    auto newest = chain_of(rig, d::kWebRoot).back();  // F <- I
    REQUIRE(newest["is_incremental"] == true);
    auto id = newest["id"].get<std::string>();
    REQUIRE(rig.sim.call("PATCH", "/_sim/backups/" + id, "", "", json{{"status", "restoring"}}.dump()).status == 200);

    ConductorRig::next_second();
    auto result = rig.backup_cycle();
    CHECK(result.outcome.succeeded == 4);
    CHECK_MESSAGE(result.outcome.problems.empty(), all_of(result.outcome.problems));
    // Cinder refuses an incremental onto a parent that is not available: web-1-root gets a full.
    CHECK(kinds(chain_of(rig, d::kWebRoot)) == "FIF");
    CHECK(kinds(chain_of(rig, d::kWebData)) == "FII");
    CHECK(rig.backup(id)["status"] == "restoring");
    for (const auto& t : rig.tasks()) CHECK(t.status == core::TaskStatus::succeeded);
}

TEST_CASE("backups are named instance_volume_unixtime and made in the volume's own project") {
    ConductorRig rig;
    auto before = std::chrono::duration_cast<seconds>(Clock::now().time_since_epoch()).count();
    REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    auto after = std::chrono::duration_cast<seconds>(Clock::now().time_since_epoch()).count();
    std::map<std::string, std::pair<std::string, std::string>> expected{
        {d::kWebRoot, {"web-1_web-1-root_", d::kDemoProject}},
        {d::kWebData, {"web-1_web-1-data_", d::kDemoProject}},
        {d::kDbRoot, {"db-1_db-1-root_", d::kDemoProject}},
        {d::kApiRoot, {"api-1_api-1-root_", d::kProdProject}}};
    for (const auto& b : rig.staffeln_backups()) {
        const auto& [prefix, project] = expected.at(b["volume_id"]);
        std::string name = b["name"];
        REQUIRE(name.starts_with(prefix));
        long stamp = std::stol(name.substr(prefix.size()));
        CHECK(stamp >= before);
        CHECK(stamp <= after);
        CHECK(b["project_id"] == project);
    }
}

TEST_CASE("a successful backup stamps the configured last-backup-time key on its server") {
    ConductorRig rig;
    rig.config.conductor.last_backup_metadata_key = "staffeln-last-backup";
    auto before = rig.now();
    REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    for (const char* server : {d::kWeb1, d::kDb1, d::kApi1}) {
        auto meta = rig.server_metadata(server);
        REQUIRE(meta.contains("staffeln-last-backup"));
        auto stamp = openstack::parse_iso_time(meta["staffeln-last-backup"].get<std::string>());
        REQUIRE(stamp.has_value());
        CHECK(*stamp >= before);
        CHECK(*stamp <= rig.now());
    }
    CHECK_FALSE(rig.server_metadata(d::kScratch).contains("staffeln-last-backup"));
}

TEST_CASE("every backup staffeln creates carries its task's tag") {
    ConductorRig rig;
    REQUIRE(rig.backup_cycle().outcome.succeeded == 4);
    std::map<std::string, std::string> task_of_backup;
    for (const auto& t : rig.tasks()) task_of_backup[t.backup_id] = t.task_id;
    auto ours = rig.staffeln_backups();
    REQUIRE(ours.size() == 4);
    for (const auto& b : ours) {
        CHECK(b["metadata"]["staffeln:task"] == task_of_backup.at(b["id"]));
        CHECK(b["description"] == "Backup by staffeln");
    }
    CHECK_FALSE(rig.backup(d::kManualBackup)["metadata"].contains("staffeln:task"));
}

TEST_CASE(
    "one backup cycle's requests are listings, creates, metadata updates, polls and one export record per new backup, "
    "never a GET per volume") {
    ConductorRig rig;
    REQUIRE(
        ConductorRig::on_own_thread([&] { return rig.cloud.session().own_project_id(); }).ok());  // authenticate first
    rig.reset_counters();
    auto result = rig.backup_cycle();
    REQUIRE(result.outcome.succeeded == 4);
    json requests = rig.counters()["requests"];
    MESSAGE(requests.dump(1));
    auto count = [&](const std::string& key) { return requests.value(key, 0); };
    CHECK(count("GET /compute/v2.1/servers/detail") == 1);
    CHECK(count("GET /volume/v3/{project_id}/volumes/detail") == 1);
    CHECK(count("POST /volume/v3/{project_id}/backups") == 4);
    CHECK(count("PUT /compute/v2.1/servers/{id}/metadata/{key}") == 3);
    CHECK(count("GET /volume/v3/{project_id}/backups/{id}/export_record") == 4);
    int backup_listings = count("GET /volume/v3/{project_id}/backups/detail");
    CHECK(backup_listings >= 3);  // before the creates, at least one poll, after settling
    int tokens = count("POST /identity/v3/auth/tokens");
    CHECK(tokens <= 2);                                                 // one per project the creates run in
    int discovery = count("GET /volume") + count("GET /compute/v2.1");  // microversions, once per service
    CHECK(requests.size() <= 9);
    int total = rig.counters()["total"];
    CHECK(total == 1 + 1 + 4 + 3 + 4 + backup_listings + tokens + discovery);
}

TEST_CASE("staffeln conductor --dry-run prints the plan and changes nothing") {
    ConductorRig rig;
    auto conf = rig.write_conf("full_backup_depth = 2");
    rig.reset_counters();
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--dry-run"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("create full backup web-1_web-1-root_") != std::string::npos);
    CHECK(run.out.find("the newest available backup " + std::string(d::kManualBackup) + " was not made by staffeln") !=
          std::string::npos);
    CHECK(run.out.find("create full backup api-1_api-1-root_") != std::string::npos);
    CHECK(run.out.find("scratch") == std::string::npos);
    CHECK(run.out.find(fmt::format("server web-1 ({}): volume mode: backup_mode is volume and the server has no "
                                   "__staffeln_backup_mode metadata\n",
                                   d::kWeb1)) != std::string::npos);
    json requests = rig.counters()["requests"];
    for (const auto& [key, n] : requests.items())
        CHECK_MESSAGE((key.starts_with("GET ") || key == "POST /identity/v3/auth/tokens"), key);
    CHECK(rig.staffeln_backups().empty());
    CHECK(rig.tasks().empty());
}

TEST_CASE("a dry run says per server which backup mode it would use and why, and warns of a bad value") {
    ConductorRig rig;
    rig.config.conductor.backup_mode = "snapshot";
    rig.set_server_metadata(d::kWeb1, "__staffeln_backup_mode", "Volume");
    rig.set_server_metadata(d::kDb1, "__staffeln_backup_mode", "sometimes");
    TempDir out_dir;
    std::FILE* out = std::fopen((out_dir / "plan.txt").c_str(), "w+");
    rig.backup_cycle(true, out);
    std::string plan = read_stream(out);
    std::fclose(out);
    INFO(plan);
    CHECK(plan.find(fmt::format("server web-1 ({}): volume mode: server metadata __staffeln_backup_mode='Volume'\n",
                                d::kWeb1)) != std::string::npos);
    CHECK(plan.find(fmt::format("server db-1 ({}): snapshot mode: backup_mode is snapshot and the server's "
                                "__staffeln_backup_mode='sometimes' is not a mode\n",
                                d::kDb1)) != std::string::npos);
    CHECK(plan.find(fmt::format("server api-1 ({}): snapshot mode: backup_mode is snapshot and the server has no "
                                "__staffeln_backup_mode metadata\n",
                                d::kApi1)) != std::string::npos);
    CHECK(plan.find("scratch") == std::string::npos);
}

TEST_CASE("staffeln conductor --once exits 0 with its summary when every backup succeeded") {
    ConductorRig rig;
    auto conf = rig.write_conf();
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("backup cycle: 4 started, 4 succeeded, 0 failed, 0 cancelled, 0 skipped") != std::string::npos);
    CHECK(run.out.find("problem:") == std::string::npos);
    CHECK(rig.staffeln_backups().size() == 4);
}

TEST_CASE("staffeln conductor --once exits non-zero with a summary naming what failed") {
    ConductorRig rig;
    rig.sim_config({{"backup_error_rate", 1.0}});
    auto conf = rig.write_conf();
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("4 failed") != std::string::npos);
    CHECK(run.out.find("problem: task ") != std::string::npos);
    CHECK(run.out.find("Simulated backup failure") != std::string::npos);
}

TEST_CASE("staffeln conductor --once exits non-zero when a due report could not be delivered") {
    ConductorRig rig;
    auto conf = rig.write_conf();
    int port = staffeln::testing::free_port();
    std::ofstream(conf, std::ios::app) << fmt::format(
        "[notification]\nreceiver = ops@example.org\nsender_email = staffeln@example.org\n"
        "smtp_server_domain = 127.0.0.1\nsmtp_server_port = {}\n",
        port);
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("backup cycle: 4 started, 4 succeeded, 0 failed") != std::string::npos);
    CHECK(run.out.find("problem:") == std::string::npos);
    auto refused = fmt::format(": failed: SMTP server 127.0.0.1:{}: connection refused", port);
    CHECK(run.out.find(std::string("report for project ") + d::kDemoProject + " (demo)" + refused) !=
          std::string::npos);
    CHECK(run.err.find("not delivered, its tasks are kept for the next try") != std::string::npos);
    CHECK(rig.tasks().size() == 4);
}

// A due report skipped for want of an address (here Keystone cannot say who the project's members
// are) did not go out either: --once says so, as `staffeln report` does (issue 20).
TEST_CASE("staffeln conductor --once exits non-zero when a due report was skipped") {
    ConductorRig rig;
    auto conf = rig.write_conf();
    std::ofstream(conf, std::ios::app) << fmt::format(
        "[notification]\nsender_email = staffeln@example.org\n"
        "smtp_server_domain = 127.0.0.1\nsmtp_server_port = {}\n",
        staffeln::testing::free_port());
    rig.fault({{"method", "GET"}, {"path_prefix", "/identity/v3/role_assignments"}, {"status", 403}});
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("backup cycle: 4 started, 4 succeeded, 0 failed") != std::string::npos);
    CHECK(run.out.find(std::string("report for project ") + d::kDemoProject +
                       " (demo): skipped: cannot read the e-mail addresses of the project's members") !=
          std::string::npos);
    CHECK(rig.tasks().size() == 4);
}

TEST_CASE("a server name or a Cinder reason with a line break and escape codes cannot forge a log or summary line") {
    const std::string forged = "2026-11-22 04:22:40.123 1 ERROR staffeln.conductor [-] forged by a tenant";
    auto scenario = fast_scenario();
    scenario["servers"][0]["name"] = "web-1\n" + forged + "\x1b[2J";
    scenario["settings"]["backup_error_rate"] = 1.0;
    scenario["settings"]["backup_fail_reason"] = "disk\r\n" + forged + "\x1b]0;owned\x07";
    ConductorRig rig(scenario);
    // web-1-data goes missing from Cinder: the task's reason names its server.
    with_sim_volume(rig, d::kWebData, [&](sim::Handle h, auto& v) {
        rig.sim.cloud.all_volumes.erase(h);
        rig.sim.cloud.volumes_by_project[v.project].erase(h);
    });
    auto conf = rig.write_conf();
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 1);
    const std::regex log_line(
        R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ (DEBUG|INFO|WARNING|ERROR) staffeln\.[a-z]+ \[-\] .*)");
    std::istringstream err(run.err);
    for (std::string line; std::getline(err, line);) CHECK_MESSAGE(std::regex_match(line, log_line), line);
    const std::regex summary_line(
        R"((backup cycle|disaster-recovery records|retention|problem|warning|report for project [0-9a-f]+ \(\w+\)): .*)");
    std::istringstream out(run.out);
    for (std::string line; std::getline(out, line);) CHECK_MESSAGE(std::regex_match(line, summary_line), line);
    for (const auto& text : {run.out, run.err}) {
        CHECK(text.find('\x1b') == std::string::npos);
        CHECK(text.find('\r') == std::string::npos);
        CHECK(text.find('\x07') == std::string::npos);
    }
    CHECK(run.err.find("attached to server web-1\\n" + forged + "\\x1b[2J is not in Cinder's listing") !=
          std::string::npos);
    CHECK(run.out.find("attached to server web-1\\n" + forged + "\\x1b[2J is not in Cinder's listing") !=
          std::string::npos);
    CHECK(run.err.find("to error: disk\\r\\n" + forged + "\\x1b]0;owned\\x07") != std::string::npos);
    CHECK(run.out.find("to error: disk\\r\\n" + forged + "\\x1b]0;owned\\x07") != std::string::npos);
}

TEST_CASE("staffeln conductor without credentials says what is missing in one line and exits non-zero") {
    ConductorRig rig;
    auto conf = rig.write_conf();
    TempDir home;
    auto none = run_process(isolated_staffeln(home.path(), {}, {"--config-file", conf.string(), "conductor", "--once"}),
                            {}, seconds(20));
    INFO(none.out, none.err);
    CHECK(none.exit_code != 0);
    CHECK(count_lines(none.err) == 1);
    CHECK(none.err.find("no credentials") != std::string::npos);
    CHECK(none.err.find("OS_AUTH_URL") != std::string::npos);

    auto env = rig.os_env();
    env["OS_PASSWORD"] = "wrong";
    auto refused = run_process(
        isolated_staffeln(home.path(), env, {"--config-file", conf.string(), "conductor", "--once"}), {}, seconds(20));
    INFO(refused.out, refused.err);
    CHECK(refused.exit_code != 0);
    CHECK(count_lines(refused.err) == 1);
    CHECK(refused.err.find("cannot authenticate at " + env["OS_AUTH_URL"]) != std::string::npos);
    CHECK(refused.err.find("wrong") == std::string::npos);
    CHECK(rig.tasks().empty());
}

TEST_CASE("SIGTERM during a backup cycle stops the conductor within seconds and leaves the store consistent") {
    ConductorRig rig;
    rig.sim_config({{"backup_create_seconds", 600}});
    auto conf = rig.write_conf();
    TempDir home;
    Spawned daemon(isolated_staffeln(home.path(), rig.os_env(), {"--config-file", conf.string(), "conductor"}),
                   rig.dir / "log");
    bool creating = false;
    for (int i = 0; i < 300 && !creating; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        creating = rig.sim.call("GET", "/_sim/backups?status=creating").body["backups"].size() == 4;
    }
    REQUIRE_MESSAGE(creating, read_file(rig.dir / "log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the tasks are recorded after the creates
    auto asked = std::chrono::steady_clock::now();
    int code = daemon.stop(SIGTERM, seconds(15));
    CHECK(std::chrono::steady_clock::now() - asked < seconds(5));
    CHECK_MESSAGE(code == 0, read_file(rig.dir / "log"));

    auto tasks = rig.tasks();
    REQUIRE(tasks.size() == 4);
    std::set<std::string> creating_ids;
    for (const auto& b : rig.staffeln_backups()) creating_ids.insert(b["id"].get<std::string>());
    for (const auto& t : tasks) {
        CHECK(t.status == core::TaskStatus::in_flight);
        CHECK(creating_ids.contains(t.backup_id));
    }

    // The next conductor picks up where this one stopped: no second backup, every task done.
    rig.settle();
    rig.config.conductor.backup_min_interval = 3600;
    auto next = rig.backup_cycle();
    CHECK(next.outcome.succeeded == 4);
    CHECK(next.outcome.created == 0);
    CHECK(rig.staffeln_backups().size() == 4);
}

namespace {

std::filesystem::path conf_with(ConductorRig& rig, const std::string& conductor_lines) {
    return rig.dir.write("staffeln.conf", fmt::format("[conductor]\n{}\nretention_metadata_key = __staffeln_retention\n"
                                                      "backup_min_interval = 0\nbackup_poll_interval = 1\n[database]\n"
                                                      "connection = sqlite:///{}\n",
                                                      conductor_lines, (rig.dir / "staffeln.db").string()));
}

bool log_has(ConductorRig& rig, const std::string& part) {
    return read_file(rig.dir / "log").find(part) != std::string::npos;
}

// `staffeln conductor` on conf, once its first cycle (at start) has finished.
struct Daemon {
    TempDir home;
    Spawned process;
    Daemon(ConductorRig& rig, const std::filesystem::path& conf)
        : process(isolated_staffeln(home.path(), rig.os_env(), {"--config-file", conf.string(), "conductor"}),
                  rig.dir / "log") {
        REQUIRE_MESSAGE(eventually([&] { return log_has(rig, "backup cycle finished"); }, seconds(30)),
                        read_file(rig.dir / "log"));
    }
};

}  // namespace

TEST_CASE("SIGHUP re-reads the configuration: a new backup_metadata_key and backup_service_period take effect") {
    ConductorRig rig;
    auto conf = conf_with(rig, "backup_metadata_key = __no_server_has_it\nbackup_service_period = 3600");
    Daemon daemon(rig, conf);
    CHECK(rig.staffeln_backups().empty());

    conf_with(rig, "backup_metadata_key = __staffeln_backup\nbackup_service_period = 60");
    REQUIRE(::kill(daemon.process.pid(), SIGHUP) == 0);
    CHECK_MESSAGE(
        eventually(
            [&] {
                return log_has(rig, "configuration reloaded: [conductor] backup_service_period = 60 (was 3600)") &&
                       log_has(rig,
                               "configuration reloaded: [conductor] backup_metadata_key = __staffeln_backup (was "
                               "__no_server_has_it)");
            },
            seconds(10)),
        read_file(rig.dir / "log"));
    // The next cycle comes 60 s after the first one ended, not 3600 s, and takes the tagged servers.
    CHECK_MESSAGE(eventually([&] { return rig.staffeln_backups().size() == 4; }, seconds(90)),
                  read_file(rig.dir / "log"));
    for (const auto& b : rig.staffeln_backups()) CHECK(kTaggedVolumes.contains(b["volume_id"].get<std::string>()));
    CHECK(daemon.process.stop(SIGTERM, seconds(15)) == 0);
}

TEST_CASE("SIGHUP with an invalid configuration logs the error and keeps the conductor running on the old one") {
    ConductorRig rig;
    auto conf = conf_with(rig, "backup_metadata_key = __staffeln_backup\nbackup_service_period = 3600");
    Daemon daemon(rig, conf);

    conf_with(rig, "backup_metadata_key = __half_applied\nbackup_workers = many\nbackup_service_period = 3600");
    REQUIRE(::kill(daemon.process.pid(), SIGHUP) == 0);
    REQUIRE_MESSAGE(eventually([&] { return log_has(rig, "configuration not reloaded"); }, seconds(10)),
                    read_file(rig.dir / "log"));
    auto log = read_file(rig.dir / "log");
    auto at = log.find("staffeln.config [-] " + conf.string() + ":");
    REQUIRE_MESSAGE(at != std::string::npos, log);
    auto line = log.substr(at, log.find('\n', at) - at);
    CHECK_MESSAGE(line.find("[conductor] backup_workers = many: ") != std::string::npos, line);
    std::this_thread::sleep_for(seconds(1));
    CHECK(daemon.process.running());

    // The next good reload names the value before the bad file's as the one in effect.
    conf_with(rig, "backup_metadata_key = __after\nbackup_service_period = 3600");
    REQUIRE(::kill(daemon.process.pid(), SIGHUP) == 0);
    CHECK_MESSAGE(
        eventually(
            [&] {
                return log_has(
                    rig, "configuration reloaded: [conductor] backup_metadata_key = __after (was __staffeln_backup)");
            },
            seconds(10)),
        read_file(rig.dir / "log"));
    CHECK_FALSE(log_has(rig, "__half_applied (was"));
    CHECK(daemon.process.stop(SIGTERM, seconds(15)) == 0);
}

TEST_CASE("SIGHUP with a FIFO in place of the configuration file refuses it at once and SIGTERM still stops") {
    ConductorRig rig;
    auto conf = conf_with(rig, "backup_metadata_key = __staffeln_backup\nbackup_service_period = 3600");
    Daemon daemon(rig, conf);

    std::filesystem::remove(conf);
    REQUIRE(::mkfifo(conf.c_str(), 0600) == 0);
    REQUIRE(::kill(daemon.process.pid(), SIGHUP) == 0);
    CHECK_MESSAGE(eventually(
                      [&] {
                          return log_has(rig, conf.string() +
                                                  ": is a FIFO; only a regular file is read as a configuration file") &&
                                 log_has(rig, "configuration not reloaded");
                      },
                      seconds(10)),
                  read_file(rig.dir / "log"));
    CHECK(daemon.process.stop(SIGTERM, seconds(15)) == 0);
}
