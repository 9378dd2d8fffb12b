// The store's schema version for read-only commands, by a look that leaves no trace: nothing
// is created or written, not even the -wal and -shm files a read-only open of a WAL database
// makes (the file is read as immutable unless a writer has them open already).
#pragma once

#include "staffeln/result.h"

#include <filesystem>
#include <string>
#include <unordered_set>

namespace staffeln::store {

// 0 for a file without a schema; not_found when there is no file.
Result<int> inspect_schema_version(const std::filesystem::path& path);
// The backup ids of the backups table (store/backup_index.h), read the same way, for a dry run.
Result<std::unordered_set<std::string>> inspect_backup_ids(const std::filesystem::path& path);

}  // namespace staffeln::store
