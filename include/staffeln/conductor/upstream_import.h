// Carries out core::plan_upstream_import: lists Cinder's backups, tags each adopted backup of
// upstream's (PUT /backups/{id}: backup metadata at volume 3.43+, else the description marker),
// then records it in the store's backups table. A crash between the two is completed by the next
// run (the tag is deterministic). With no store (a dry run) it plans and changes nothing.
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/core/upstream_import.h"
#include "staffeln/openstack/cinder.h"
#include "staffeln/store/database.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace staffeln::conductor {

struct UpstreamImportOutcome {
    int tagged = 0;                     // tagged (and recorded, unless still creating)
    int recorded = 0;                   // tagged by an earlier run, recorded now
    int already = 0;                    // already tagged and recorded
    int gone = 0;                       // no longer in Cinder
    int skipped = 0;                    // kept as they are (see lines)
    std::vector<std::string> lines;     // one per decision: verdict, backup id, reason
    std::vector<std::string> problems;  // calls or writes that failed; the rest went on
};

// db == nullptr: a dry run (indexed is then what the store holds, if it exists).
Result<UpstreamImportOutcome> import_upstream(openstack::Cinder& cinder, store::Database* db,
                                              const std::unordered_set<std::string>& indexed,
                                              const std::vector<core::UpstreamBackupRow>& rows, TimePoint now);

// The conductor's start with a MySQL [database] connection (upstream's): says once where the state
// is kept, and when the store's backups table is empty imports from that database (read, tag,
// record; logged with its counts). An Error (upstream's database unreadable, a tag refused) keeps the
// conductor from starting, so that no cycle runs while upstream's backups are unprotected.
Status import_on_first_start(const config::Config& config, openstack::Cinder& cinder, store::Database& db,
                             TimePoint now);

}  // namespace staffeln::conductor
