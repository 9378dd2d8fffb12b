// Retention: which of staffeln's backups to delete, in which order, and why the rest stay.
// plan_retention is pure (no I/O, no clock): the shell lists, the planner decides, the shell
// deletes wave by wave and records. A backup is staffeln's when it carries staffeln's tag
// (made_by_staffeln, backup_tag.h: the same answer the API gives); no other is ever deleted.
//
// The rules, and why:
//  1. A backup expires when it is older (created_at) than its retention: the longest valid
//     `retention_metadata_key` duration (lower-cased: `7D` is 7d; `y` and `mon` are calendar
//     years and months back from now, as upstream's relativedelta counts them) among the servers
//     its volume is attached to, tagged or not (as upstream), else `retention_time` (read the
//     same calendar way). A deleted server's value
//     is gone with it, so its volumes' backups expire by `retention_time`. An invalid value
//     warns and falls back.
//  2. Chains (backup_chain.h): an expired backup is deleted only when nothing kept depends on
//     it, so a full whose incrementals are still kept stays even if it is older than its
//     retention. Deletes go newest first; each carries a wave: a backup's wave is one more
//     than the highest wave among its deleted dependents, and a wave starts only when the
//     previous one has finished (Cinder refuses a parent while a dependent exists).
//  3. Safety floor (on by default): for a volume whose server is still tagged, the newest
//     available staffeln backup (or one being restored) and its ancestors stay even when
//     expired, so a conductor that was stopped longer than the retention does not wake up and
//     delete every backup.
//  4. Retention rules (retention_rules.h), when set: `[conductor] retention_policy`, or the
//     rule union of the tagged servers' valid `rules_metadata_key` values (an invalid one warns
//     and the config's applies). Among a volume's available staffeln backups (not of a failed
//     task), `last=N` keeps the N newest; a calendar rule keeps the newest backup of each of
//     the N newest buckets (local to timezone, DST included) that hold one. A backup is kept when its age
//     or any rule keeps it; chains and the safety floor (2, 3) apply to the union unchanged.
//  5. Backups in `error` and the backups of failed or cancelled tasks are deleted whatever
//     their age; a cancelled one still `creating` needs a force-delete.
//  6. A store record whose backup is gone from Cinder is reported, so the store drops it.
//  7. Project scope (project_scope.h): the backups of a project outside it are neither deleted
//     nor kept: the plan holds no decision for them.
//
// Worked example: retention 7d, now = day 20, volume v on a tagged server, one backup a day:
//     day  1 F1   day  2 I1   day  3 I2   day 10 F2   day 11 I3   day 12 U (a user's full)
//     day 14 I4 (its parent is U, the newest available when it was made)
//   Expired (older than day 13): F1, I1, I2, F2, I3. Newest first: I3 has no dependents:
//   delete, wave 0. F2's only dependent I3 is deleted: delete, wave 1. U is not staffeln's:
//   kept, and I4 depends on U, not on F2. I2: delete wave 0, I1: wave 1, F1: wave 2.
//   I4 is kept (within retention). With I4 missing, the safety floor would keep I3 and F2
//   (the newest available staffeln backup and its ancestors).
#pragma once

#include "staffeln/core/project_scope.h"
#include "staffeln/core/retention_rules.h"
#include "staffeln/core/task.h"
#include "staffeln/core/time_zone.h"
#include "staffeln/duration.h"
#include "staffeln/model.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace staffeln::core {

struct RetentionPolicy {
    std::optional<std::string> backup_metadata_key;          // which servers are still tagged
    std::string retention_metadata_key;                      // empty: no per-server retention
    CalendarDuration retention_time{std::chrono::days(17)};  // y and mon: calendar, back from now
    bool safety_floor = true;
    std::optional<RetentionRules> rules;  // [conductor] retention_policy; unset: age alone
    std::string rules_metadata_key;       // empty: no per-server retention policy
    TimeZone timezone;                    // [conductor] timezone: where calendar days begin
    ProjectScope scope;                   // default: every project
};

enum class BackupState : std::uint8_t { available, creating, error, deleting, restoring, other };
BackupState backup_state(std::string_view cinder_status);
const char* to_string(BackupState state);  // Cinder's word; "other" for any other status

// One backup as retention needs it: lean, because the planner sees every backup of the cloud.
struct RetentionBackup {
    std::string id;
    std::uint32_t group = 0;  // index into RetentionInput::groups
    BackupState state = BackupState::available;
    bool is_incremental = false;
    bool has_dependent_backups = false;
    bool made_by_staffeln = false;  // made_by_staffeln(backup): the tag decides
    TimePoint created_at{};
    TimePoint data_timestamp{};
};

struct BackupGroup {  // one volume in one project: the scope of Cinder's chains
    std::string volume_id;
    std::string project_id;
};

// backups: Cinder's full listing (all projects), or at least every backup of every volume that
// has a staffeln backup or a store record. closed_tasks: the store's succeeded, failed and
// cancelled records that still name a backup (matched by volume_id, then backup_id); open
// (pending, in-flight) ones are ignored.
struct RetentionInput {
    std::vector<BackupGroup> groups;
    std::vector<RetentionBackup> backups;
    std::vector<Server> servers;
    std::vector<TaskRecord> closed_tasks;
};

// Fills RetentionInput::groups and ::backups from Cinder's backups, one at a time.
class RetentionInputBuilder {
public:
    void reserve(std::size_t backups) { input_.backups.reserve(backups); }
    void add_backup(const Backup& backup);
    RetentionInput& input() { return input_; }

private:
    RetentionInput input_;
    std::unordered_map<std::string, std::uint32_t> group_of_;  // volume_id + '\n' + project_id
};

enum class RetentionReason : std::uint8_t {
    expired,            // delete: older than its retention, nothing kept depends on it
    error_status,       // delete: a staffeln backup in error
    closed_task,        // delete: the backup of a failed or cancelled task
    within_retention,   // keep
    safety_floor,       // keep: the newest available chain of a volume whose server is tagged
    needed_by_kept,     // keep: expired, but `related` (kept) depends on it
    busy,               // keep: its status forbids a delete now; retried next cycle
    dependents_unseen,  // keep: Cinder reports dependents that the listing does not show
    rule,               // keep: expired, but a retention rule keeps it (`rule`, `bucket`)
};

// 32 bytes: the plan of a large cloud holds one per backup.
struct RetentionDecision {
    std::uint32_t backup = 0;  // index into RetentionInput::backups
    RetentionReason reason = RetentionReason::expired;
    bool force = false;               // delete with os-force_delete (still creating)
    RuleKind rule = RuleKind::last;   // rule: which rule keeps it
    std::uint32_t wave = 0;           // deletes only: see rule 2
    std::uint32_t related = 0;        // needed_by_kept: the dependent backup; closed_task: the record;
                                      // rule: the server whose metadata set the rules, or kRulesFromConfig
    std::int32_t policy_server = -1;  // server whose metadata set the retention; -1: retention_time
    std::int32_t bucket = 0;          // rule: the calendar bucket, or for `last` the rank (1 = newest)
    std::chrono::seconds retention{0};
};
inline constexpr std::uint32_t kRulesFromConfig = 0xffffffff;  // RetentionDecision::related: retention_policy

struct RetentionWarning {
    std::string server_id;
    std::string server_name;
    std::string value;
    std::string message;
};

struct RetentionPlan {
    std::vector<RetentionDecision> deletes;  // in order: by group, newest first
    std::vector<RetentionDecision> keeps;    // staffeln's backups that stay
    std::vector<std::uint32_t> gone;         // closed_tasks whose backup Cinder no longer lists
    std::vector<RetentionWarning> warnings;  // one per server with an invalid retention or policy value
};

RetentionPlan plan_retention(const RetentionInput& input, const RetentionPolicy& policy, TimePoint now);

// A retention counted back from now: below 30 days as format_duration writes it ("2w"); longer
// ones in days ("400d"), since `1mon` back from now is 28 to 31 of them and format_duration's month is 30.
std::string retention_text(std::chrono::seconds retention);

// One line for --dry-run and the report: "delete backup b1 of volume v1: age 20d > 7d (retention_time)".
std::string describe(const RetentionDecision& decision, const RetentionInput& input, TimePoint now);

}  // namespace staffeln::core
