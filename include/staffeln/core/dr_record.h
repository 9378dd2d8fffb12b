// Disaster-recovery records (docs/disaster-recovery.md): for each backup staffeln made that
// became available, Cinder's export record (what import_record needs once Cinder's database is
// lost) and what a restore needs to know of its origin. The functions here decide which
// backups still need their record fetched and what is known of them; the shell fetches.
#pragma once

#include "staffeln/core/backup_planner.h"
#include "staffeln/core/task.h"
#include "staffeln/model.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace staffeln::core {

enum class FetchStatus { fetched, failed };
const char* to_string(FetchStatus status);

// Where a backup's volume was when the cycle began: attached to server_id (if any) as device.
struct DrOrigin {
    std::string volume_id;
    std::string volume_name;
    std::int64_t volume_size_gb = 0;
    bool volume_bootable = false;
    std::string volume_device;
    std::string server_id;
    std::string server_name;
};

struct DrRecord {
    std::string backup_id;
    std::string project_id;
    DrOrigin origin;
    BackupKind kind = BackupKind::full;
    std::string parent_id;  // from the export record; "" for a full backup
    TimePoint created_at{};
    TimePoint data_timestamp{};
    std::string backup_service;  // Cinder's export record, as import_record takes it
    std::string backup_url;
    FetchStatus fetch_status = FetchStatus::failed;
    std::string last_error;  // the last fetch's error, "" once fetched
    int attempts = 0;
    TimePoint updated_at{};
};

// The state of each backup's record in the store.
using DrStates = std::unordered_map<std::string, FetchStatus>;

// The volumes whose origin a cycle must remember before the settle pass drops most of the
// snapshot: those the plan creates or retries a backup of, those of the tasks whose backup may
// need its record (pending, in flight, or succeeded without a fetched record), and those of the
// listed backups in the store's index without a fetched record (made before records were kept).
// Sorted by volume id; a volume on no listed server has an empty server.
std::vector<DrOrigin> dr_origins(const BackupSnapshot& snapshot, const BackupPlan& plan, const DrStates& states);

// The records to fetch now, parents before their incrementals (by data time): each tagged
// backup of the listing that is available and is either a succeeded task's backup without a
// record, one whose last fetch failed, or one of the store's index (indexed, staffeln's
// backups) without a record: the backfill of backups made before records were kept, whose task
// is long gone. origin is filled from origins (by volume id), else the task's server id and the
// backup's volume id only.
std::vector<DrRecord> dr_records_to_fetch(const std::vector<Backup>& backups, const std::vector<TaskRecord>& tasks,
                                          const DrStates& states, const std::vector<DrOrigin>& origins,
                                          const std::unordered_set<std::string>& indexed);

// The records an export selects: those of project (all when "") and of server (its id or
// name; all when ""), ordered by project, server, volume, then data time.
std::vector<DrRecord> select_dr_records(std::vector<DrRecord> records, const std::string& project,
                                        const std::string& server);

// What `backup import` does with one record: import it, or nothing, its backup being present.
struct ImportStep {
    const DrRecord* record = nullptr;
    bool present = false;  // Cinder lists the backup already
};

// The records to import in an order that puts every parent before its incrementals (a parent
// named in the file comes first whatever its data time; otherwise oldest data first), each
// marked present when present_ids has its backup.
std::vector<ImportStep> plan_import(const std::vector<DrRecord>& records,
                                    const std::unordered_set<std::string>& present_ids);

}  // namespace staffeln::core
