// The dr_records table: the disaster-recovery record of each automated backup
// (core/dr_record.h). A record is written once its export record was fetched or its fetch
// failed; a failed one is rewritten by the next attempt. Records go with their backup's row
// (store/backup_index.h). Every function is one statement or one transaction.
#pragma once

#include "staffeln/core/dr_record.h"
#include "staffeln/store/database.h"

#include <vector>

namespace staffeln::store {

class DrRecordStore {
public:
    explicit DrRecordStore(Database& db) : db_(db) {}

    Result<core::DrStates> states();
    // Inserts the record with one attempt, or, when one exists, sets its export record, parent,
    // fetch status and error and counts the attempt; the origin first written stays.
    // Failpoint dr.record.before_commit is inside its transaction.
    Status save(const core::DrRecord& record, TimePoint now);
    Result<std::vector<core::DrRecord>> load_all();

private:
    Database& db_;
};

}  // namespace staffeln::store
