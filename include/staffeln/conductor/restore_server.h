// The server a restore boots from its restored volumes (`staffeln restore --recreate-server`):
// run once every volume is done, it finds the server tagged with the restore or boots one
// (core/server_recreate.h decides), and waits for it to be ACTIVE. Run again after a crash it
// finds the tagged server and never boots a second. And for `restore cleanup`: deleting it.
#pragma once

#include "staffeln/core/server_definition.h"
#include "staffeln/openstack/cinder.h"
#include "staffeln/openstack/nova.h"
#include "staffeln/store/restore_store.h"
#include "staffeln/store/server_definitions.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

namespace staffeln::conductor {

struct ServerRunOptions {
    std::string backup_metadata_key;            // [conductor] backup_metadata_key, left off unless kept
    std::chrono::milliseconds poll{2000};       // between two looks at the server building
    std::chrono::seconds timeout{1800};         // a server still building after this is failed
    std::chrono::milliseconds settle{120'000};  // a boot without answer is looked for this long before another
};

// The restored volumes by source volume id (volumes done only).
std::map<std::string, std::string> restored_volumes(const store::StoredRestore& restore);

// The new server's name: the recorded one (or the id) with -restored-<point time>.
std::string restored_server_name(const std::string& name, const std::string& id, TimePoint point_time);

// Boots or finds the restore's server and waits for it; the server's record as it ended
// (active, or failed with why: a refusal of core::plan_boot, Nova's error or the server's fault).
// Errors only for the store.
Result<store::StoredServerRestore> run_server_restore(openstack::Nova& nova, store::Database& db,
                                                      const store::StoredRestore& restore,
                                                      store::StoredServerRestore server,
                                                      const core::ServerDefinition& recorded,
                                                      const ServerRunOptions& options);

// The servers Nova lists in the restore's project carrying its tag.
Result<std::vector<core::TaggedServer>> tagged_servers(openstack::Nova& nova, const std::string& project_id,
                                                       const std::string& restore_id);

// Deletes the restore's servers (recorded, or tagged) and waits until Nova no longer has them,
// so that their volumes are detached for the cleanup to delete; prints a line per server.
// Errors name the server.
Status delete_restored_servers(openstack::Nova& nova, const store::StoredRestore& restore,
                               const std::optional<store::StoredServerRestore>& recorded, std::FILE* out,
                               std::chrono::seconds wait = std::chrono::seconds(300));

// Once a deleted server's volumes are detached: Cinder shows them in-use (or detaching, or
// reserved) for about a second after Nova answers 404 (tests/e2e/recorded/server-boot.md), and
// refuses their delete meanwhile. Each volume in `made` is read again until none is attached, or
// `wait` has passed; made is left as Cinder last showed the volumes.
void wait_detached(openstack::Cinder& cinder, const std::string& project_id,
                   std::map<std::string, std::optional<Volume>>& made,
                   std::chrono::seconds wait = std::chrono::seconds(120));

}  // namespace staffeln::conductor
