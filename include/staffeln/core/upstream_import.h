// What `db-manage import-upstream` adopts of upstream Staffeln's backups (upstream keeps them in
// MySQL only; in Cinder they are untagged): from upstream's rows, Cinder's listing and the store's
// backups table, one decision per backup id with its reason. Pure: the shell tags, records, prints.
// Deterministic task ids ("upstream-<backup id>") make a rerun after any crash find its own tags.
#pragma once

#include "staffeln/core/task.h"
#include "staffeln/model.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace staffeln::core {

// A row of upstream's backup_data, or of queue_data (from_queue; backup_completed then 1 when
// its backup_status is 1 in progress or 2 completed, else 0). incremental is nullable upstream.
struct UpstreamBackupRow {
    std::string backup_id;
    std::string volume_id;
    std::string project_id;
    std::string instance_id;
    int backup_completed = 1;
    std::optional<bool> incremental;
    bool from_queue = false;
};

enum class ImportVerdict {
    tag_and_record,  // untagged in Cinder: tag it, then record it in the store
    tag_only,        // untagged and still creating: tag it; the conductor adopts it by its tag
    record_only,     // already tagged (a rerun after a crash), not in the store: record it
    already_done,    // tagged and in the store: nothing to do
    gone,            // no longer in Cinder
    skipped,         // kept as it is; reason says why
};

struct ImportDecision {
    ImportVerdict verdict = ImportVerdict::skipped;
    std::string backup_id;
    std::string task_id;  // the tag it carries or gets; "" for gone and skipped
    std::string volume_id;
    std::string project_id;
    std::string server_id;
    BackupKind kind = BackupKind::full;
    std::string reason;
};

struct ImportPlan {
    std::vector<ImportDecision> decisions;  // per volume, parents before their incrementals
};

inline constexpr std::string_view kUpstreamTaskPrefix = "upstream-";
std::string upstream_task_id(std::string_view backup_id);

// rows: backup_data's, then queue_data's (a backup id in both is decided once, by backup_data's row).
// backups: Cinder's listing of every project. indexed_backup_ids: the store's backups table.
ImportPlan plan_upstream_import(const std::vector<UpstreamBackupRow>& rows, const std::vector<Backup>& backups,
                                const std::unordered_set<std::string>& indexed_backup_ids);

const char* to_string(ImportVerdict verdict);

}  // namespace staffeln::core
