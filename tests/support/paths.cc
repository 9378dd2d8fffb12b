#include "support/paths.h"

namespace staffeln::testing {

const char* const kStaffelnBinary = STAFFELN_BINARY;
const char* const kSimcloudBinary = STAFFELN_SIMCLOUD;
const char* const kSourceDir = STAFFELN_SOURCE_DIR;
const char* const kSharedDir = STAFFELN_SHARED_DIR;

}  // namespace staffeln::testing
