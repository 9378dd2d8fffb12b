// Carries out core::plan_upstream_import: lists Cinder's backups, tags each adopted backup of
// upstream's (PUT /backups/{id}: backup metadata at volume 3.43+, else the description marker),
// then records it in the store's backups table. A crash between the two is completed by the next
// run (the tag is deterministic). With no store (a dry run) it plans and changes nothing.
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/core/upstream_import.h"
#include "staffeln/openstack/cinder.h"
#include "staffeln/store/database.h"

#include <chrono>
#include <string>
#include <unordered_set>
#include <vector>

namespace staffeln::conductor {

// Each backup is counted once its step succeeded (a dry run counts what it would do); one that
// failed is in problems instead.
struct UpstreamImportOutcome {
    int tagged = 0;                     // tagged (and recorded, unless still creating)
    int recorded = 0;                   // tagged by an earlier run, recorded now
    int already = 0;                    // already tagged and recorded
    int gone = 0;                       // no longer in Cinder
    int skipped = 0;                    // kept as they are (see lines)
    std::vector<std::string> lines;     // one per decision: verdict, backup id, reason
    std::vector<std::string> problems;  // calls or writes that failed; the rest went on
};

// How long an import waits for the tasks upstream planned (core/upstream_queue.h): upstream's
// backup_service_period plus its backup cycle timeout, which a running upstream conductor needs
// at most to send them; the options are read from the same file both read.
std::chrono::seconds upstream_patience(const config::Config& config);

// db == nullptr: a dry run (indexed is then what the store holds, if it exists).
Result<UpstreamImportOutcome> import_upstream(openstack::Cinder& cinder, store::Database* db,
                                              const std::unordered_set<std::string>& indexed,
                                              const std::vector<core::UpstreamBackupRow>& rows, TimePoint now);

// The conductor's import with a MySQL [database] connection (upstream's), run by the node holding
// the puller role before its backup cycle, until the store's mark (store/upstream_import_marker.h)
// says an import completed: reads that database, tags and records, logs every line and problem,
// and sets the mark when there was none. An Error (upstream's database unreadable, a tag refused)
// means no backup cycle may run yet, as upstream's backups would be unprotected; the exception:
// the database cannot be reached (removed after the switch) and backups imported earlier are
// known (tagged upstream-<id> in the store or in Cinder): then it warns and returns success.
// While upstream's queue holds tasks planned and not yet sent (core/upstream_queue.h), it imports
// nothing and returns unavailable saying so: an upstream conductor running beside this one during
// a rolling switch may still send them.
Status import_before_backups(const config::Config& config, openstack::Cinder& cinder, store::Database& db,
                             TimePoint now);

}  // namespace staffeln::conductor
