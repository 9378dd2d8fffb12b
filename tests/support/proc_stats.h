// What a running process uses, read from /proc: CPU time, open files, memory. For tests that
// check a server's use of them stays bounded.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace staffeln::testing {

// CPU seconds (user and system) the process has used so far, from /proc/PID/stat.
double cpu_seconds(pid_t pid);

// The number of open file descriptors of the process.
size_t open_fds(pid_t pid);

// A KiB figure of /proc/PID/status (VmRSS by default, or VmHWM, ...), -1 when absent.
long rss_kib(pid_t pid, const std::string& field = "VmRSS:");

}  // namespace staffeln::testing
