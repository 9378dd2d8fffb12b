// The `staffeln` command line: parses argv, dispatches to a subcommand, returns the exit code.
#pragma once

namespace staffeln::cli {

int run(int argc, char** argv);

}  // namespace staffeln::cli
