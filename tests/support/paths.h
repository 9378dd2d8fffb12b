// Where this build's binaries, the checkout and ../shared are. Defined in paths.cc alone, the only
// test object compiled with these paths, so that the other test objects do not depend on where the
// checkout is and come from the compiler cache in any clone or worktree.
#pragma once

namespace staffeln::testing {

extern const char* const kStaffelnBinary;  // the `staffeln` executable under test
extern const char* const kSimcloudBinary;  // the `staffeln-simcloud` executable
extern const char* const kSourceDir;       // the checkout (fixtures, scripts)
extern const char* const kSharedDir;       // ../shared beside the checkout (recorded API, upstream's files)

}  // namespace staffeln::testing
