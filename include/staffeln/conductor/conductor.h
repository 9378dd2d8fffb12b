// `staffeln conductor`: the daemon. Every backup_service_period it runs a backup cycle under
// the puller role, every retention_service_period a retention cycle under the retention role,
// and after a backup cycle the reports that are due. --once runs one backup cycle and one
// retention cycle and returns; --dry-run prints what they would do and changes nothing.
// SIGTERM and SIGINT stop it between two steps; SIGHUP re-reads the configuration.
#pragma once

#include "staffeln/config/config.h"

#include <functional>
#include <optional>

namespace staffeln::conductor {

struct RunOptions {
    bool once = false;
    bool dry_run = false;
};

// Returns the process exit code: 0 success, 1 something failed (the summary says what).
// reload re-reads the configuration files; nullopt keeps the current configuration.
int run_conductor(config::Config config, const RunOptions& options,
                  const std::function<std::optional<config::Config>()>& reload);

}  // namespace staffeln::conductor
