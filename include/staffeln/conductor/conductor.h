// `staffeln conductor`: the daemon. Every backup_service_period it runs a backup cycle under
// the puller role, every retention_service_period a retention cycle under the retention role,
// and after a backup cycle the reports that are due. --once runs one backup cycle and one
// retention cycle and returns; --dry-run prints what they would do and changes nothing.
// SIGTERM and SIGINT stop it between two steps; SIGHUP opens the log file again at once and
// re-reads the configuration between cycles.
#pragma once

#include "staffeln/config/config.h"

#include <functional>
#include <string>

namespace staffeln::conductor {

struct RunOptions {
    bool once = false;
    bool dry_run = false;
    std::string program = "staffeln";  // the name run as: the log's identifier after a reload
};

// Re-reads the configuration files the process started with.
using ConfigReload = std::function<config::LoadResult()>;

// Returns the process exit code: 0 success, 1 something failed (the summary says what): a
// backup, a retention step, or a due report that could not be delivered.
// On SIGHUP the daemon calls reload between cycles, never in one. It logs every changed
// option and applies it from then on; [database], [coordination], [openstack] and [api] are
// bound at start and wait for a restart (logged). A configuration with errors is logged,
// each error with its file and option, and the current one stays in effect.
int run_conductor(config::Config config, const RunOptions& options, const ConfigReload& reload);

}  // namespace staffeln::conductor
