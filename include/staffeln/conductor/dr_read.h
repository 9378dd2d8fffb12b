// Reading a staffeln-backup-records/1 document (docs/disaster-recovery.md) for `staffeln backup
// import`: strictly, refusing a truncated, corrupt, wrong-format or wrong-version one whole, with
// the line or the field at fault. Every problem is an invalid_input error, never an exception.
#pragma once

#include "staffeln/core/dr_record.h"
#include "staffeln/result.h"

#include <string>
#include <vector>

namespace staffeln::conductor {

Result<std::vector<core::DrRecord>> read_dr_document(const std::string& text);

}  // namespace staffeln::conductor
