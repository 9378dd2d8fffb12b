// Runs a real program to completion, as an operator would from a shell, and captures its
// exit code, standard output and standard error. Bounded by a timeout (then SIGKILL).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace staffeln::testing {

struct Finished {
    int exit_code = -1;  // -1 when killed by a signal or the timeout
    int signal = 0;      // the signal that killed it (SIGKILL after the timeout too)
    std::string out;
    std::string err;
};

Finished run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env = {},
                     std::chrono::seconds timeout = std::chrono::seconds(60));

// The command line that runs the built staffeln binary with args and only the variables of env
// (plus PATH and HOME=home): no inherited OS_CLOUD, clouds.yaml or OS_* of the caller.
std::vector<std::string> isolated_staffeln(const std::filesystem::path& home,
                                           const std::map<std::string, std::string>& env,
                                           const std::vector<std::string>& args);

// Runs the built staffeln binary with args.
Finished run_staffeln(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra_env = {});

}  // namespace staffeln::testing
