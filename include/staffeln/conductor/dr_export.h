// The disaster-recovery export (docs/disaster-recovery.md): the store's records as one JSON
// document of format "staffeln-backup-records/1", for `staffeln backup export` and
// [dr] export_dir. Records whose export record is not fetched yet are listed apart, with their
// last error, since an import cannot use them.
#pragma once

#include "staffeln/core/dr_record.h"

#include <string>
#include <vector>

namespace staffeln::conductor {

inline constexpr const char* kDrFormat = "staffeln-backup-records/1";

// records as core::select_dr_records returns them; project and server as selected ("" for all).
std::string dr_document(const std::vector<core::DrRecord>& records, TimePoint generated_at, const std::string& project,
                        const std::string& server);

}  // namespace staffeln::conductor
