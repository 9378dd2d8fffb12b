// The disaster-recovery export (docs/disaster-recovery.md): the store's records as one JSON
// document of format "staffeln-backup-records/1", for `staffeln backup export` and
// [dr] export_dir. Records whose export record is not fetched yet are listed apart, with their
// last error, since an import cannot use them. write_dr_files writes the export_dir's files.
#pragma once

#include "staffeln/core/dr_record.h"
#include "staffeln/store/database.h"
#include "staffeln/store/server_definitions.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace staffeln::conductor {

inline constexpr const char* kDrFormat = "staffeln-backup-records/1";

// Each server's recorded definitions (store/server_definitions.h), oldest first, by server id.
using ServerDefinitions = std::map<std::string, std::vector<store::RecordedDefinition>>;

// The definitions of the servers the records name, from the store.
Result<ServerDefinitions> definitions_of(store::Database& db, const std::vector<core::DrRecord>& records);

// records as core::select_dr_records returns them; project and server as selected ("" for all).
// server_definitions lists the definitions of the servers the records name (docs/disaster-recovery.md).
std::string dr_document(const std::vector<core::DrRecord>& records, TimePoint generated_at, const std::string& project,
                        const std::string& server, const ServerDefinitions& definitions = {});

// Into dir: staffeln-backup-records.json with every record, and
// staffeln-backup-records-<project id>.json with each project's, each written whole and 0600
// (write_private_file); a project file whose project has no record any more is removed. A
// project id that is not a safe file name part (letters, digits, '-', '_') gets no file of its
// own. Returns one line per file that could not be written or removed (none: all done).
std::vector<std::string> write_dr_files(const std::filesystem::path& dir, const std::vector<core::DrRecord>& records,
                                        TimePoint now, const ServerDefinitions& definitions = {});

}  // namespace staffeln::conductor
