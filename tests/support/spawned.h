// A real program running in the background (a server under test), its stderr going to a file.
// stop() sends a signal and waits for the exit code; the destructor kills what is still running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace staffeln::testing {

class Spawned {
public:
    Spawned(const std::vector<std::string>& argv, const std::filesystem::path& stderr_file);
    ~Spawned();
    Spawned(const Spawned&) = delete;
    Spawned& operator=(const Spawned&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Sends sig and waits; the exit code, or -1 when killed by a signal or the timeout.
    int stop(int sig, std::chrono::seconds timeout = std::chrono::seconds(15));

private:
    pid_t pid_ = -1;
    int exit_code_ = -1;
};

}  // namespace staffeln::testing
