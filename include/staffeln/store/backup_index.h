// The backups table: every backup that carries staffeln's tag (core/backup_tag.h), as Cinder
// last listed it, plus those created since. The API answers "automated?" from it. It is a
// cache of Cinder, the system of record: sync() rebuilds it from a listing at any time.
#pragma once

#include "staffeln/model.h"
#include "staffeln/store/database.h"

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace staffeln::store {

class BackupIndex {
public:
    explicit BackupIndex(Database& db) : db_(db) {}

    // Replaces the table's content with these backups (each must carry staffeln's tag), in one
    // transaction: readers see the old set or the new one, never a mix. The disaster-recovery
    // records (store/dr_record_store.h) of backups no longer listed go in the same transaction.
    Status sync(const std::vector<Backup>& tagged, TimePoint now);
    // Adds one tagged backup (kept as it is when its row exists): an adopted backup, e.g.
    // upstream's (db-manage import-upstream), known to the API from this commit on.
    Status add(const Backup& tagged, const std::string& server_id, TimePoint now);
    // The backup's row and its disaster-recovery record, in one transaction.
    Status remove(const std::string& backup_id);
    Result<std::size_t> count();
    // Rows whose task id starts with prefix (core::kUpstreamTaskPrefix: upstream's, imported).
    Result<std::size_t> count_with_task_prefix(std::string_view prefix);
    Result<std::unordered_set<std::string>> backup_ids();

private:
    Database& db_;
};

}  // namespace staffeln::store
