// START HERE. The conductor's decisions, as one pure function: given a snapshot of the cloud
// and of the store, the policy and the time, plan_backups returns the list of actions for
// this cycle (create, skip, fail, adopt, retry, complete, cancel), each with its reason.
// It performs no I/O and reads no clock; the shell (src/cli, store, openstack) carries the
// actions out in order and records them. The invariants it guarantees, each tested:
//   - never two staffeln backups in flight for one volume (a volume with a live task or a
//     tagged `creating` backup gets no new create; extra pending tasks are failed);
//   - no task yields two backups (a task with a tagged backup is adopted, never re-created;
//     further backups carrying the same task id are deleted as duplicates);
//   - a volume attached to several tagged servers (multi-attach) gets one task.
// Full or incremental: see decide_kind below and backup_chain.h for the chain rules. When and
// how often a server is backed up, and its depth: server_schedule.h.
#pragma once

#include "staffeln/core/backup_window.h"
#include "staffeln/core/task.h"
#include "staffeln/core/time_zone.h"
#include "staffeln/model.h"

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace staffeln::core {

struct BackupPolicy {
    std::optional<std::string> backup_metadata_key;  // none: every server is backed up
    std::chrono::seconds backup_min_interval{0};     // 0: no check
    int full_backup_depth = 0;                       // incrementals between fulls; 0: always full
    std::string skip_volume_metadata_key = "skip-volume-backup";
    std::chrono::seconds backup_cycle_timeout{300};  // upstream's backup_cycle_timout
    // Per-server schedules (server_schedule.h): each key "" lets no server override its default.
    std::string backup_interval_metadata_key = "__staffeln_backup_interval";  // overrides backup_min_interval
    std::optional<BackupWindow> backup_window;                                // none: backups start any time
    std::string backup_window_metadata_key = "__staffeln_backup_window";      // overrides backup_window
    std::string full_backup_depth_metadata_key = "__staffeln_full_backup_depth";
    TimeZone timezone;  // [conductor] timezone: the windows' local time
};

// What the shell read this cycle. servers, volumes and backups come from all_tenants listings
// of every project; tasks are every store record that is pending or in flight, plus every
// record whose backup may still be in Cinder (passing all records is correct too).
// Take the backup listing after the store read and with no create call outstanding: a pending
// task whose tag is not listed is then known not to have reached Cinder, and is retried. (A
// create that Cinder still applies after its call timed out shows up as a duplicate next cycle.)
struct BackupSnapshot {
    std::vector<Server> servers;
    std::unordered_map<std::string, Volume> volumes;  // by volume id
    std::vector<Backup> backups;
    std::vector<TaskRecord> tasks;
    // The store's backups table (store/backup_index.h). A tagged backup listed here whose task is
    // gone was reported and its task purged: it is known, not adopted again.
    std::unordered_set<std::string> indexed_backup_ids;
};

// Create a backup of volume_id in project_id, tagged with task_id (backup_tag.h), after writing
// a pending task record. force is set for in-use volumes. parent_id is the backup Cinder is
// expected to chain an incremental to (informational; Cinder chooses).
struct CreateBackup {
    std::string task_id;
    std::string volume_id;
    std::string project_id;
    std::string server_id;
    std::string name;
    BackupKind kind = BackupKind::full;
    bool force = false;
    std::string kind_reason;
    std::string parent_id;
};

// A pending task whose create never reached Cinder: create again under the same task id.
// Retries stop at backup_cycle_timeout after the task was written: the task is then failed.
struct RetryCreate {
    CreateBackup create;  // create.task_id is the existing task's
    std::string reason;
};

enum class SkipReason { in_flight, skip_flag, recent_backup, outside_window };

struct SkipVolume {
    std::string volume_id;
    std::string project_id;
    std::string server_id;
    SkipReason code = SkipReason::in_flight;
    std::string reason;
};

// Record a new task, already failed with reason (it shows in the report). Nothing to call.
struct FailVolume {
    std::string task_id;
    std::string volume_id;
    std::string project_id;
    std::string server_id;
    std::string reason;
};

// A backup tagged with task_id: link it to the task (known_task), or insert a new in-flight
// task record for it (the store lost it, or the create's answer was lost before the commit).
struct AdoptBackup {
    std::string task_id;
    bool known_task = false;
    std::string backup_id;
    std::string volume_id;
    std::string project_id;
    std::string server_id;  // the task's, or for an unknown task the server the volume is attached to
    BackupKind kind = BackupKind::full;
    TimePoint created_at{};
    std::string reason;
};

// The task's backup is available: mark it succeeded and set the server's last-backup-time.
struct CompleteTask {
    std::string task_id;
    std::string backup_id;
    std::string server_id;
    std::string reason;
};

// Mark the task failed with reason. When delete_backup_id is set, delete that backup now; the
// failed record keeps the id so retention retries the delete if this one fails.
struct FailTask {
    std::string task_id;
    std::string delete_backup_id;
    std::string reason;
};

// The backup is still creating past backup_cycle_timeout: delete it in Cinder (force-delete,
// Cinder refuses a plain delete while creating) and mark the task cancelled with reason.
struct CancelTask {
    std::string task_id;
    std::string backup_id;
    std::string reason;
};

// Another backup carrying an already-owned task id (a create retried after its answer was
// lost): delete it, so the task yields one backup.
struct DeleteDuplicate {
    std::string task_id;
    std::string backup_id;
    std::string reason;
};

using BackupAction = std::variant<CreateBackup, RetryCreate, SkipVolume, FailVolume, AdoptBackup, CompleteTask,
                                  FailTask, CancelTask, DeleteDuplicate>;

struct BackupPlan {
    std::vector<BackupAction> actions;  // carry out in order
    // PlanScope::cycle: one per invalid schedule value of a server backed up ("server NAME (ID):
    // ... is ignored ...; using ..."), for the log.
    std::vector<std::string> warnings;
};

// What a plan covers. settle: the same plan without what only the start of a cycle carries out
// (CreateBackup, RetryCreate, SkipVolume, FailVolume), for the pass that settles the work in
// flight after the wait; at 20,000 volumes their skips were most of that pass's memory. Of
// snapshot.backups it reads only tagged backups and those tasks name, of snapshot.volumes only
// those of pending tasks, of snapshot.servers only those such a volume is attached to (and,
// for a tagged backup of a task the store does not know, its volume's server): the rest may
// be left out.
enum class PlanScope { cycle, settle };

BackupPlan plan_backups(const BackupSnapshot& snapshot, const BackupPolicy& policy, TimePoint now,
                        const TaskIdSource& new_task_id, PlanScope scope = PlanScope::cycle);

// One line per action, for --dry-run and the log: "create full backup of volume ...: reason".
std::string describe(const BackupAction& action);

// Cinder's 400 text when an incremental has no parent; a pending task whose last_error holds
// it is retried as a full backup.
inline constexpr std::string_view kNoParentMessage = "No backups available to do an incremental backup";
bool is_no_parent_error(std::string_view message);
// Why such a backup is a full: the reason of its retry (planner) or of its immediate resend (executor).
inline constexpr std::string_view kNoParentReason = "Cinder found no parent for the incremental";

}  // namespace staffeln::core
