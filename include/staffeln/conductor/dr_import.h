// `staffeln backup import`'s work (docs/disaster-recovery.md), once dr_read.h has read the file:
// import_dr_records re-creates in Cinder (admin import_record) each record whose backup one
// listing does not show, parents first (an incremental whose parent is not there is not
// imported), and lists again to tell which are present afterwards. Running it again after a
// failure imports only what is missing.
#pragma once

#include "staffeln/core/dr_record.h"
#include "staffeln/openstack/cloud.h"

#include <functional>
#include <string>
#include <vector>

namespace staffeln::conductor {

enum class ImportResult { imported, present, would_import, failed };
const char* to_string(ImportResult result);

struct ImportLine {
    std::string backup_id;
    ImportResult result = ImportResult::failed;
    std::string detail;  // the error of a failed import
};

struct ImportOutcome {
    std::vector<ImportLine> lines;           // one per selected record, in import order
    std::vector<std::string> missing_after;  // selected backups Cinder does not list afterwards
};

// on_line is called as each record is done, so that a run stopped half-way has said which are in.
Result<ImportOutcome> import_dr_records(openstack::Cloud& cloud, const std::vector<core::DrRecord>& selected,
                                        bool dry_run, const std::function<void(const ImportLine&)>& on_line);

}  // namespace staffeln::conductor
