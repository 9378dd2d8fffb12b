// What `staffeln restore --server S` (cmd_restore.cc) and `staffeln restore --project P`
// (cmd_restore_project.cc) share: their arguments, the lock, the plan's inputs from Cinder, the
// cleanup of one restore and the way they print. Defined in cmd_restore.cc.
#pragma once

#include "context.h"

#include "staffeln/coordination/coordinator.h"
#include "staffeln/core/restore_plan.h"
#include "staffeln/core/server_recreate.h"
#include "staffeln/openstack/cloud.h"
#include "staffeln/store/project_restore_store.h"
#include "staffeln/store/restore_history.h"
#include "staffeln/store/restore_store.h"
#include "staffeln/store/server_definitions.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::cli {

struct RestoreArgs {
    std::string server;
    std::string project;
    std::string at;
    std::string into = "new";
    bool allow_partial = false;
    bool dry_run = false;
    bool yes = false;  // --into original without asking
    std::string format = "text";
    bool recreate_server = false;          // boot a server from the restored volumes (--server only)
    std::string flavor;                    // --flavor: the one to boot with instead of the recorded one
    bool keep_backup_tag = false;          // the booted server keeps the backup metadata key
    std::string cloud;                     // --cloud: restore on this clouds.yaml entry (cmd_restore_cloud.cc)
    std::vector<std::string> map_project;  // --map-project OLD=NEW, with --cloud
    std::vector<std::string> map_network;  // --map-network OLD=NEW_ID, with --cloud
};

// Backups whose data times lie within half a backup period are one cycle.
core::RestorePolicy restore_policy(const config::Config& config);
std::string label(const std::string& name, const std::string& id);  // "name (id)", or the id
int restore_fail(const std::string& message);                       // prints "staffeln restore: ..." and exits 1
TimePoint wall_now();
void print_json(const nlohmann::json& out);
// --at: nullopt when not given; kExitUsage (printed) when not a time.
int parse_at(const std::string& text, std::optional<TimePoint>& at);

// The plan (--dry-run), `continuing` the id of the restore it continues or "".
// boot: the server --recreate-server would boot, if asked.
nlohmann::json plan_json(const core::RestorePlan& plan, const std::string& continuing,
                         const std::optional<core::BootPlan>& boot = std::nullopt);
void print_plan(const core::RestorePlan& plan, const std::string& format, const std::string& continuing,
                const std::optional<core::BootPlan>& boot = std::nullopt);
core::RestorePlan plan_of(const store::StoredRestore& restore);
// How a restore ended: text lines, or its JSON ({"restore", "status", "volumes", "server"}).
// server: the one --recreate-server booted or tried to ("server" is its id once ACTIVE, else
// "server_error" says why).
nlohmann::json outcome_json(const store::StoredRestore& restore,
                            const std::optional<store::StoredServerRestore>& server = std::nullopt);
void print_outcome(const store::StoredRestore& restore, const std::string& format,
                   const std::optional<store::StoredServerRestore>& server = std::nullopt);

// One process at a time drives a server's restore or deletes what it made: two would each find
// no tagged volume and both create one, or delete volumes the other is restoring into. The
// coordinator outlives its lock (members end in reverse order).
struct RestoreLock {
    std::unique_ptr<coordination::Coordinator> coordinator;
    std::unique_ptr<coordination::Lock> lock;
};
// The lock "restore-<key>" (a server id, or "project-<id>").
Result<RestoreLock> lock_restore(const config::Config& config, const std::string& key);

// The project's volumes and backups as Cinder shows them now: what plans are made from.
struct ProjectView {
    std::vector<core::SourceVolume> volumes;
    std::vector<Backup> backups;
};
Result<ProjectView> read_project(openstack::Cloud& cloud, const std::string& project_id);

// One line per volume a restore over the originals overwrites, for the confirmation.
std::vector<std::string> overwritten(const core::RestorePlan& plan);
// Asks (or refuses without a terminal and --yes) before writing over original volumes; 0 to go on.
int confirm_or_refuse(const std::vector<std::string>& volumes, bool yes);

// Deletes what one restore made: the volumes the store recorded and those Cinder shows tagged
// with it, nothing else; nothing for a restore over the originals. Prints a line per volume.
struct CleanupCount {
    std::size_t volumes = 0;      // made by the restore
    std::size_t not_deleted = 0;  // Cinder refused (named on stderr)
};
// server_was_booted: a server was booted from the volumes (and is deleted by now): wait until
// Cinder shows them detached before deleting them.
Result<CleanupCount> cleanup_restore(openstack::Cinder& cinder, const store::StoredRestore& restore,
                                     bool server_was_booted = false);

// The progress and the end of the restores, volumes on at most [conductor] backup_workers
// threads; text shows the progress (redrawn on a terminal).
Result<std::vector<store::StoredRestore>> run_with_progress(const config::Config& config, openstack::Cloud& cloud,
                                                            store::Database& db,
                                                            std::vector<store::StoredRestore> restores,
                                                            const std::string& format, bool server_follows = false);

// The server the store knows by this ID or name; the error names the store when none.
Result<store::KnownServer> one_server(store::Database& db, const std::string& server);

int run_project_restore(Context& ctx, const RestoreArgs& args);
// --cloud NAME (cmd_restore_cloud.cc): the usage checked, the dry run of a restore on that cloud.
int run_cloud_restore(Context& ctx, const RestoreArgs& args);

// `restore status` and `restore cleanup ID` for project restores (cmd_restore_project.cc).
nlohmann::json project_restores_json(const std::vector<store::StoredProjectRestore>& restores);
void print_project_restores(const std::vector<store::StoredProjectRestore>& restores);
int cleanup_project_restore(const config::Config& config, store::Database& db,
                            const store::StoredProjectRestore& restore);

}  // namespace staffeln::cli
