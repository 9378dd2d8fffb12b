// Crash points, for the tests of what survives a crash (as FoundationDB's and TiKV's fail points):
// failpoint::hit(name) kills the process with SIGKILL when the environment variable
// STAFFELN_FAILPOINT names that point, as "name" (its first hit) or "name@N" (its Nth hit).
// The variable is read once; with it unset a hit costs one comparison of a cached string.
#pragma once

#include <string_view>

namespace staffeln::failpoint {

void hit(std::string_view name);

}  // namespace staffeln::failpoint
