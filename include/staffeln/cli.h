// The `staffeln` command line: parses argv, dispatches to a subcommand, returns the exit code
// (0 success, 1 the work failed, 2 bad usage or configuration).
#pragma once

namespace staffeln::cli {

int run(int argc, char** argv);

}  // namespace staffeln::cli
