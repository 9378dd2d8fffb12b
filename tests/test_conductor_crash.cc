// Exactly once, through crashes: the real `staffeln conductor --once` is killed with SIGKILL at
// each crash point of the create, wait and settle paths (failpoint.h), against the simulated
// cloud with demo.json, then run again without the point. Afterwards every tagged volume has
// exactly one staffeln backup, available, owned by one succeeded task in the store, with its
// fetched disaster-recovery record; no backup is untracked, no task has two backups, and every
// tagged server carries its last-backup-time. In snapshot mode also no snapshot of staffeln's is
// left, and a user's snapshot is untouched.
#include "support/paths.h"
#include "support/simcloud_harness.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include "staffeln/core/backup_tag.h"
#include "staffeln/store/database.h"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <csignal>
#include <functional>
#include <map>
#include <algorithm>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using staffeln::testing::Finished;
using staffeln::testing::TempDir;

using simtest::demo::kTaggedServers;
using simtest::demo::kTaggedVolumes;

struct TaskRow {
    std::string volume_id;
    std::string status;
    std::string backup_id;
};

struct DrRow {
    std::string fetch_status;
    std::string backup_url;
    std::string server_name;
    std::string volume_name;
};

// What the cloud and the store hold at one moment.
struct Observed {
    std::vector<json> staffeln_backups;          // tagged, not being deleted
    std::map<std::string, std::string> tag;      // backup id -> task id
    std::map<std::string, TaskRow> tasks;        // by task id
    std::map<std::string, std::string> indexed;  // the store's backups table: backup id -> task id
    std::map<std::string, DrRow> dr;             // the store's dr_records table, by backup id
    int deleted_duplicates = 0;                  // tagged backups being deleted

    // Known to the store: by its task (until a report purges the task) or by the backups table.
    bool tracked(const std::string& backup_id) const {
        auto task = tasks.find(tag.at(backup_id));
        auto index = indexed.find(backup_id);
        return (task != tasks.end() && task->second.backup_id == backup_id) ||
               (index != indexed.end() && index->second == tag.at(backup_id));
    }
};

std::optional<std::string> task_of(const json& backup) {
    staffeln::Backup b;
    b.description = backup["description"].is_string() ? backup["description"].get<std::string>() : "";
    for (const auto& [key, value] : backup["metadata"].items()) b.metadata[key] = value.get<std::string>();
    return staffeln::core::task_id_of(b);
}

constexpr const char* kUserSnapshot = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";

enum class Mode { volume, snapshot };

class CrashRig {
public:
    CrashRig(double backup_create_seconds, int backup_workers, Mode mode = Mode::volume,
             const std::string& cycle_timeout = "5min")
        : mode_(mode), sim_(scenario(backup_create_seconds, mode)) {
        db_path_ = dir_ / "staffeln.db";
        config_ = dir_.write("staffeln.conf",
                             "[conductor]\n"
                             "backup_metadata_key = __staffeln_backup\n"
                             "backup_min_interval = 3600\n"
                             "backup_workers = " +
                                 std::to_string(backup_workers) +
                                 "\n"
                                 "backup_cycle_timout = " +
                                 cycle_timeout + "\n" +
                                 (mode == Mode::snapshot ? "backup_mode = snapshot\nbackup_poll_interval = 1\n" : "") +
                                 "[database]\n"
                                 "connection = sqlite:///" +
                                 db_path_.string() + "\n");
        env_ = simtest::admin_os_env(sim_.server->base_url());
        auto upgraded = staffeln("db-manage", "upgrade", "");
        REQUIRE_MESSAGE(upgraded.exit_code == 0, upgraded.err);
    }

    Finished conductor(const std::string& failpoint = "") { return staffeln("conductor", "--once", failpoint); }

    Observed observe() {
        Observed seen;
        auto listed = sim_.call("GET", "/_sim/backups");
        REQUIRE(listed.status == 200);
        for (const auto& b : listed.body["backups"]) {
            auto task = task_of(b);
            if (!task) continue;
            if (b["status"] == "deleting") {
                ++seen.deleted_duplicates;
                continue;
            }
            seen.tag[b["id"].get<std::string>()] = *task;
            seen.staffeln_backups.push_back(b);
        }
        auto db = staffeln::store::Database::open(db_path_, staffeln::store::Access::read_only,
                                                  staffeln::store::Create::never);
        REQUIRE(db.ok());
        SQLite::Statement tasks(db->sql(), "SELECT id, volume_id, status, coalesce(backup_id, '') FROM tasks");
        while (tasks.executeStep())
            seen.tasks[tasks.getColumn(0).getString()] = {
                tasks.getColumn(1).getString(), tasks.getColumn(2).getString(), tasks.getColumn(3).getString()};
        SQLite::Statement backups(db->sql(), "SELECT backup_id, task_id FROM backups");
        while (backups.executeStep()) seen.indexed[backups.getColumn(0).getString()] = backups.getColumn(1).getString();
        SQLite::Statement dr(db->sql(),
                             "SELECT backup_id, fetch_status, backup_url, server_name, volume_name FROM dr_records");
        while (dr.executeStep())
            seen.dr[dr.getColumn(0).getString()] = {dr.getColumn(1).getString(), dr.getColumn(2).getString(),
                                                    dr.getColumn(3).getString(), dr.getColumn(4).getString()};
        return seen;
    }

    std::string last_backup_time(const std::string& server_id) {
        auto answer = sim_.call("GET", "/compute/v2.1/servers/" + server_id + "/metadata", admin_token());
        REQUIRE(answer.status == 200);
        const auto& metadata = answer.body["metadata"];
        return metadata.contains("last-backup-time") ? metadata["last-backup-time"].get<std::string>() : "";
    }

    // Snapshots not being deleted: staffeln's (tagged) and the users'.
    std::pair<std::vector<json>, std::vector<json>> live_snapshots() {
        auto listed = sim_.call("GET", "/_sim/snapshots");
        REQUIRE(listed.status == 200);
        std::pair<std::vector<json>, std::vector<json>> out;
        for (const auto& s : listed.body["snapshots"]) {
            if (s["status"] == "deleting") continue;
            (s["metadata"].contains("staffeln:task") ? out.first : out.second).push_back(s);
        }
        return out;
    }

    Mode mode() const { return mode_; }

    // The operator switches every server back to volume mode (the configuration's default).
    void switch_to_volume_mode() {
        auto text = staffeln::testing::read_file(config_);
        const std::string line = "backup_mode = snapshot\n";
        auto at = text.find(line);
        REQUIRE(at != std::string::npos);
        text.erase(at, line.size());
        config_ = dir_.write("staffeln.conf", text);
        mode_ = Mode::volume;
    }

private:
    static json scenario(double backup_create_seconds, Mode mode) {
        json s = simtest::demo_scenario();
        s["settings"]["backup_create_seconds"] = backup_create_seconds;
        if (mode == Mode::snapshot) {
            s["settings"]["snapshot_create_seconds"] = 0.5;
            s["settings"]["snapshot_delete_seconds"] = 0.5;
            s["snapshots"] = json::array({{{"id", kUserSnapshot}, {"volume", "db-1-root"}}});
        }
        return s;
    }

    Finished staffeln(const std::string& command, const std::string& arg, const std::string& failpoint) {
        auto env = env_;
        env["STAFFELN_FAILPOINT"] = failpoint;
        return staffeln::testing::run_process(
            {staffeln::testing::kStaffelnBinary, "--config-file", config_.string(), command, arg}, env);
    }

    const std::string& admin_token() {
        if (token_.empty()) token_ = sim_.token("admin", "admin-secret", "admin");
        return token_;
    }

    Mode mode_;
    TempDir dir_;
    simtest::Harness sim_;
    std::filesystem::path db_path_;
    std::filesystem::path config_;
    std::map<std::string, std::string> env_;
    std::string token_;
};

void require_killed_at(const Finished& run, const std::string& failpoint) {
    INFO("stdout: " << run.out << "\nstderr: " << run.err);
    REQUIRE(run.signal == SIGKILL);
    REQUIRE(run.err.find("staffeln.failpoint [-] " + failpoint.substr(0, failpoint.find('@')) + " reached") !=
            std::string::npos);
}

void check_exactly_once(CrashRig& rig) {
    Observed seen = rig.observe();
    std::map<std::string, int> per_volume, per_task;
    for (const auto& b : seen.staffeln_backups) {
        std::string id = b["id"], volume = b["volume_id"];
        INFO("backup " << id << " of volume " << volume << " tagged with task " << seen.tag[id]);
        CHECK(std::ranges::find(kTaggedVolumes, volume) != kTaggedVolumes.end());
        CHECK(b["status"] == "available");
        CHECK(seen.tracked(id));
        CHECK(seen.indexed[id] == seen.tag[id]);
        REQUIRE(seen.dr.count(id) == 1);
        CHECK(seen.dr[id].fetch_status == "fetched");
        CHECK_FALSE(seen.dr[id].backup_url.empty());
        CHECK_FALSE(seen.dr[id].server_name.empty());
        CHECK_FALSE(seen.dr[id].volume_name.empty());
        ++per_volume[volume];
        ++per_task[seen.tag[id]];
    }
    for (const auto& volume : kTaggedVolumes) {
        INFO("volume " << volume);
        CHECK(per_volume[volume] == 1);
    }
    CHECK(seen.dr.size() == seen.staffeln_backups.size());
    for (const auto& [task, count] : per_task) {
        INFO("task " << task);
        CHECK(count == 1);
    }
    for (const auto& [id, task] : seen.tasks) {  // the report purges those it told of
        INFO("task " << id << " of volume " << task.volume_id);
        CHECK(task.status == "succeeded");
    }
    for (const auto& server : kTaggedServers) {
        INFO("server " << server);
        CHECK_FALSE(rig.last_backup_time(server).empty());
    }
    if (rig.mode() == Mode::snapshot) {
        for (const auto& b : seen.staffeln_backups) CHECK(b["snapshot_id"].is_string());
        auto [ours, users] = rig.live_snapshots();
        CHECK_MESSAGE(ours.empty(), ours.size() << " snapshots of staffeln's left, the first "
                                                << (ours.empty() ? "" : ours[0].dump()));
        REQUIRE(users.size() == 1);
        CHECK(users[0]["id"] == kUserSnapshot);
        CHECK(users[0]["status"] == "available");
    }
    MESSAGE(seen.deleted_duplicates << " duplicate backups deleted by the restart");
}

// Kills the conductor at failpoint, then runs it again; what the kill left is checked by
// killed_state before the restart, so each case shows it reached the state it is named after.
// A further cycle then finds nothing to do: the restart left nothing half done.
void crash_and_restart(const std::string& failpoint, double backup_create_seconds,
                       const std::function<void(const Observed&)>& killed_state, int backup_workers = 1,
                       Mode mode = Mode::volume) {
    CrashRig rig(backup_create_seconds, backup_workers, mode);
    require_killed_at(rig.conductor(failpoint), failpoint);
    killed_state(rig.observe());
    Finished restart = rig.conductor();
    INFO("restart stdout: " << restart.out << "\nrestart stderr: " << restart.err);
    CHECK(restart.exit_code == 0);
    check_exactly_once(rig);
    Finished next = rig.conductor();
    INFO("next cycle stdout: " << next.out << "\nnext cycle stderr: " << next.err);
    CHECK(next.out.find("backup cycle: 0 started, 0 succeeded, 0 failed, 0 cancelled, 4 skipped, 0 adopted") !=
          std::string::npos);
    check_exactly_once(rig);
}

int count_status(const Observed& seen, const std::string& status) {
    int n = 0;
    for (const auto& [id, task] : seen.tasks) n += task.status == status;
    return n;
}

int untracked(const Observed& seen) {
    int n = 0;
    for (const auto& b : seen.staffeln_backups) n += !seen.tracked(b["id"]);
    return n;
}

}  // namespace

TEST_CASE("a conductor killed before a create call retries that task after the restart") {
    crash_and_restart("backup.create.before_call@2", 1, [](const Observed& seen) {
        CHECK(seen.staffeln_backups.size() == 1);
        CHECK(count_status(seen, "in_flight") == 1);
        CHECK(count_status(seen, "pending") == 1);
    });
}

TEST_CASE("a conductor killed after a create call adopts the unrecorded backup after the restart") {
    crash_and_restart("backup.create.after_call@2", 1, [](const Observed& seen) {
        CHECK(seen.staffeln_backups.size() == 2);
        CHECK(untracked(seen) == 1);
        CHECK(count_status(seen, "pending") == 1);
    });
}

TEST_CASE("a conductor with four create workers killed after a create call leaves one backup per volume") {
    crash_and_restart(
        "backup.create.after_call@3", 1, [](const Observed& seen) { CHECK(untracked(seen) >= 1); }, 4);
}

TEST_CASE("a conductor killed inside the commit of a backup id adopts the backup after the restart") {
    crash_and_restart("backup.record.before_commit@2", 1, [](const Observed& seen) {
        CHECK(seen.staffeln_backups.size() == 2);
        CHECK(untracked(seen) == 1);
        CHECK(count_status(seen, "pending") == 1);
        CHECK(seen.indexed.size() == 1);
    });
}

TEST_CASE("a conductor killed after the commit of a backup id settles the task after the restart") {
    crash_and_restart("backup.record.after_commit@2", 1, [](const Observed& seen) {
        CHECK(seen.staffeln_backups.size() == 2);
        CHECK(untracked(seen) == 0);
        CHECK(count_status(seen, "in_flight") == 2);
    });
}

TEST_CASE("a conductor killed while backups are creating waits for them and completes them after the restart") {
    crash_and_restart("backup.wait.round", 6, [](const Observed& seen) {
        CHECK(seen.staffeln_backups.size() == kTaggedVolumes.size());
        for (const auto& b : seen.staffeln_backups) CHECK(b["status"] == "creating");
        CHECK(count_status(seen, "in_flight") == static_cast<int>(kTaggedVolumes.size()));
    });
}

// The successes of a pass are recorded in one transaction: a kill inside it records none.
TEST_CASE("a conductor killed while recording the tasks' successes records them after the restart") {
    crash_and_restart("backup.settle.before_record@2", 1, [](const Observed& seen) {
        CHECK(count_status(seen, "succeeded") == 0);
        CHECK(count_status(seen, "in_flight") == static_cast<int>(kTaggedVolumes.size()));
    });
}

TEST_CASE("a conductor killed after recording the tasks' successes finds nothing left to do after the restart") {
    crash_and_restart("backup.settle.after_record", 1, [](const Observed& seen) {
        CHECK(count_status(seen, "succeeded") == static_cast<int>(kTaggedVolumes.size()));
        CHECK(count_status(seen, "in_flight") == 0);
    });
}

TEST_CASE("a conductor killed before stamping a server stamps it after the restart") {
    crash_and_restart("backup.stamp.before@2", 1, [](const Observed& seen) {
        CHECK(count_status(seen, "in_flight") == static_cast<int>(kTaggedVolumes.size()));  // stamps go first
    });
}

TEST_CASE("a conductor killed after stamping a server stamps the others after the restart") {
    crash_and_restart("backup.stamp.after@2", 1, [](const Observed& seen) {
        CHECK(count_status(seen, "in_flight") == static_cast<int>(kTaggedVolumes.size()));  // stamps go first
    });
}

// Snapshot mode: demo.json's web-1 has two volumes, db-1 and api-1 one each; a user's snapshot
// of db-1-root is there throughout and must stay.
TEST_CASE("snapshot mode: a conductor killed before a snapshot call retries its tasks after the restart") {
    crash_and_restart(
        "snapshot.create.before_call@2", 1,
        [](const Observed& seen) {
            CHECK(seen.staffeln_backups.empty());
            CHECK(count_status(seen, "pending") >= 2);  // web-1's two tasks written before its snapshots
        },
        1, Mode::snapshot);
}

TEST_CASE("snapshot mode: a conductor killed after a snapshot call deletes that snapshot after the restart") {
    crash_and_restart(
        "snapshot.create.after_call@2", 1,
        [](const Observed& seen) {
            CHECK(seen.staffeln_backups.empty());
            CHECK(count_status(seen, "pending") >= 2);
        },
        1, Mode::snapshot);
}

TEST_CASE("snapshot mode: a conductor killed while snapshots are creating makes new ones and deletes these") {
    crash_and_restart(
        "snapshot.wait.round", 1,
        [](const Observed& seen) {
            CHECK(seen.staffeln_backups.empty());
            CHECK(count_status(seen, "pending") == static_cast<int>(kTaggedVolumes.size()));
        },
        1, Mode::snapshot);
}

TEST_CASE("snapshot mode: a conductor killed after a backup from a snapshot adopts it after the restart") {
    crash_and_restart(
        "backup.create.after_call@2", 1,
        [](const Observed& seen) {
            CHECK(seen.staffeln_backups.size() == 2);
            CHECK(untracked(seen) == 1);
        },
        1, Mode::snapshot);
}

TEST_CASE("snapshot mode: a conductor killed before deleting a snapshot deletes it after the restart") {
    crash_and_restart(
        "snapshot.delete.before_call@2", 1,
        [](const Observed& seen) {
            CHECK(seen.staffeln_backups.size() == kTaggedVolumes.size());
            CHECK(count_status(seen, "succeeded") == static_cast<int>(kTaggedVolumes.size()));
        },
        1, Mode::snapshot);
}

TEST_CASE("snapshot mode: a conductor killed after deleting a snapshot deletes the others after the restart") {
    crash_and_restart(
        "snapshot.delete.after_call@2", 1,
        [](const Observed& seen) { CHECK(count_status(seen, "succeeded") == static_cast<int>(kTaggedVolumes.size())); },
        1, Mode::snapshot);
}

// A backup's disaster-recovery record is written after its task succeeded; a kill inside or
// after that write leaves the others to the next cycle, which fetches each missing one once.
TEST_CASE("a conductor killed while writing a disaster-recovery record fetches the missing ones after the restart") {
    crash_and_restart("dr.record.before_commit@2", 1, [](const Observed& seen) {
        CHECK(count_status(seen, "succeeded") == static_cast<int>(kTaggedVolumes.size()));
        CHECK(seen.dr.size() == 1);
    });
}

TEST_CASE("a conductor killed after writing a disaster-recovery record fetches the others after the restart") {
    crash_and_restart("dr.record.after_commit@2", 1, [](const Observed& seen) {
        CHECK(count_status(seen, "succeeded") == static_cast<int>(kTaggedVolumes.size()));
        CHECK(seen.dr.size() == 2);
    });
}

TEST_CASE("a conductor killed between recording a cancellation and its delete deletes the backup after the restart") {
    CrashRig rig(30, 1, Mode::volume, "1s");  // backups hang past the timeout
    require_killed_at(rig.conductor("backup.cancel.after_record"), "backup.cancel.after_record");
    Observed killed = rig.observe();
    REQUIRE(count_status(killed, "cancelled") == 1);
    std::string task_id, backup_id;
    for (const auto& [id, task] : killed.tasks)
        if (task.status == "cancelled") task_id = id, backup_id = task.backup_id;
    REQUIRE(killed.tag.count(backup_id) == 1);  // still creating: the delete was not sent
    Finished restart = rig.conductor();
    INFO("restart stdout: " << restart.out << "\nrestart stderr: " << restart.err);
    Observed seen = rig.observe();
    CHECK(seen.tag.count(backup_id) == 0);                                            // a closed task's backup: deleted
    if (seen.tasks.count(task_id)) CHECK(seen.tasks[task_id].status == "cancelled");  // never counted done
}

TEST_CASE("snapshot mode: a snapshot left by a kill is deleted after a restart in volume mode too") {
    CrashRig rig(1, 1, Mode::snapshot);
    require_killed_at(rig.conductor("snapshot.create.after_call@2"), "snapshot.create.after_call@2");
    REQUIRE_FALSE(rig.live_snapshots().first.empty());
    rig.switch_to_volume_mode();
    Finished restart = rig.conductor();
    INFO("restart stdout: " << restart.out << "\nrestart stderr: " << restart.err);
    CHECK(restart.exit_code == 0);
    auto [ours, users] = rig.live_snapshots();
    CHECK_MESSAGE(ours.empty(), ours.size() << " snapshots of staffeln's left");
    REQUIRE(users.size() == 1);
    CHECK(users[0]["id"] == kUserSnapshot);
    check_exactly_once(rig);
}
