#include "staffeln/conductor/backup_cycle.h"

#include "staffeln/conductor/cloud_reader.h"
#include "staffeln/conductor/snapshot_cleanup.h"
#include "staffeln/store/server_sets.h"
#include "staffeln/conductor/dr_fetch.h"
#include "staffeln/conductor/project_scope_reader.h"
#include "staffeln/conductor/status_wait.h"
#include "staffeln/conductor/task_ids.h"
#include "staffeln/conductor/worker_pool.h"
#include "staffeln/core/backup_mode.h"
#include "staffeln/core/backup_tag.h"
#include "staffeln/core/server_definition.h"
#include "staffeln/core/server_selection.h"
#include "staffeln/log.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/server_definitions.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

namespace staffeln::conductor {
namespace {

constexpr std::string_view kLog = "conductor";

// Backup ids of tasks in flight, and the latest time any of them may still be waited for.
struct InFlight {
    std::set<std::string> backup_ids;
    TimePoint deadline{};
};

InFlight in_flight(Context& ctx) {
    InFlight out;
    auto tasks = read_tasks(ctx);
    if (!tasks) {
        log::error(kLog, "{}", tasks.error().message);
        return out;
    }
    for (const auto& task : *tasks) {
        if (task.status != core::TaskStatus::in_flight) continue;
        out.backup_ids.insert(task.backup_id);
        out.deadline = std::max(out.deadline, task.created_at + ctx.config.conductor.backup_cycle_timeout);
    }
    return out;
}

// Waits until past the deadline, not up to it: the settle pass cancels only a backup strictly
// past backup_cycle_timeout, so stopping at the deadline would leave it for the next cycle.
// A backup sent after the wait for its snapshot has its timeout from then, as the planner times it.
void wait_for_backups(Context& ctx, TimePoint last_backup_sent) {
    InFlight waiting = in_flight(ctx);
    if (last_backup_sent != TimePoint{})
        waiting.deadline = std::max(waiting.deadline, last_backup_sent + ctx.config.conductor.backup_cycle_timeout);
    auto waited = wait_until_not_listed(ctx, {.status = "creating",
                                              .ids = std::move(waiting.backup_ids),
                                              .deadline = waiting.deadline,
                                              .round_failpoint = "backup.wait.round"});
    log::info(kLog, "waited {} rounds for backups; {} still creating", waited.rounds, waited.still_listed.size());
}

// Leaves the tagged backups only: a copy of them was the cycle's peak of memory at 10,000
// servers, and nothing after the index reads the others.
void refresh_index(Context& ctx, std::vector<Backup>& backups) {
    std::erase_if(backups, [](const Backup& b) { return !core::made_by_staffeln(b); });
    MutexLock lock(ctx.db_mutex);
    if (auto synced = store::BackupIndex(ctx.db).sync(backups, ctx.now()); !synced)
        log::error(kLog, "{}", synced.error().message);
}

// The backup mode of every server backed up, with why; a server's bad mode value is logged.
std::vector<std::pair<const Server*, core::BackupModeDecision>> server_modes(Context& ctx,
                                                                             const core::BackupSnapshot& snapshot,
                                                                             const core::BackupPolicy& policy) {
    const auto& c = ctx.config.conductor;
    auto configured = core::parse_backup_mode(c.backup_mode).value_or(core::BackupMode::volume);
    std::vector<std::pair<const Server*, core::BackupModeDecision>> out;
    for (const auto& server : snapshot.servers) {
        if (!core::server_wants_backup(server, policy.backup_metadata_key)) continue;
        auto mode = core::decide_backup_mode(server, c.backup_mode_metadata_key, configured);
        if (!mode.warning.empty()) log::warning(kLog, "{}", mode.warning);
        out.emplace_back(&server, std::move(mode));
    }
    return out;
}

// Leaves the servers of projects outside the scope out of the snapshot, so that the plan makes
// no backup of them, and says which projects with tagged servers that leaves out.
Status apply_project_scope(Context& ctx, core::BackupSnapshot& snapshot, const core::BackupPolicy& policy,
                           BackupCycleResult& result) {
    auto scope = read_project_scope(ctx.config, ctx.cloud);
    if (!scope) return scope.error();
    for (const auto& warning : scope->warnings) {
        log::warning(kLog, "{}", warning);
        result.outcome.warnings.push_back(warning);
    }
    if (!scope->scope.configured()) return {};
    std::vector<const Server*> tagged;
    for (const auto& server : snapshot.servers)
        if (core::server_wants_backup(server, policy.backup_metadata_key)) tagged.push_back(&server);
    for (const auto& project : core::excluded_projects(tagged, scope->scope, scope->projects)) {
        result.excluded_projects.push_back(core::describe(project));
        log::info(kLog, "{}", result.excluded_projects.back());
    }
    std::erase_if(snapshot.servers,
                  [&](const Server& server) { return !scope->scope.decide(server.project_id).in_scope; });
    return {};
}

// The definition of every server backed up, from the listing already read (no request of its
// own); a field Nova showed badly is a warning naming server and field, the rest is recorded.
void record_server_definitions(Context& ctx, const core::BackupSnapshot& snapshot,
                               const std::vector<std::pair<const Server*, core::BackupModeDecision>>& servers,
                               BackupCycleResult& result) {
    std::unordered_map<std::string, std::string> devices;
    for (const auto& [id, volume] : snapshot.volumes)
        if (!volume.device.empty()) devices.emplace(id, volume.device);
    std::vector<core::ServerDefinition> definitions;
    for (const auto& entry : servers) {
        auto defined = core::define_server(*entry.first, devices, ctx.config.conductor.last_backup_metadata_key);
        for (auto& warning : defined.warnings) {
            log::warning(kLog, "{}", warning);
            result.outcome.warnings.push_back(std::move(warning));
        }
        definitions.push_back(std::move(defined.definition));
    }
    MutexLock lock(ctx.db_mutex);
    if (auto recorded = store::record_definitions(ctx.db, definitions, ctx.now()); !recorded)
        log::error(kLog, "{}", recorded.error().message);
}

// A failed read counts as holding one: a listing too many costs less than a snapshot leaked.
bool store_holds_snapshot_sets(Context& ctx) {
    MutexLock lock(ctx.db_mutex);
    auto holds = store::holds_snapshot_sets(ctx.db);
    if (!holds) {
        log::error(kLog, "{}; looking for staffeln's snapshots all the same", holds.error().message);
        return true;
    }
    return *holds;
}

}  // namespace

BackupCycleResult run_backup_cycle(Context& ctx, bool dry_run, std::FILE* out) {
    BackupCycleResult result;
    auto snapshot = read_snapshot(ctx);
    if (!snapshot) {
        result.cloud_readable = false;
        result.outcome.problems.push_back("backup cycle skipped: " + snapshot.error().message);
        log::error(kLog, "backup cycle skipped: {}", snapshot.error().message);
        return result;
    }
    auto policy = backup_policy(ctx.config);
    if (auto scoped = apply_project_scope(ctx, *snapshot, policy, result); !scoped) {
        result.cloud_readable = false;
        result.outcome.problems.push_back("backup cycle skipped: " + scoped.error().message);
        log::error(kLog, "backup cycle skipped: {}", scoped.error().message);
        return result;
    }
    if (dry_run)
        for (const auto& line : result.excluded_projects) print_line(out, fmt::format("scope: {}", line));
    SnapshotPass snapshots;
    const auto modes = server_modes(ctx, *snapshot, policy);
    if (!dry_run) record_server_definitions(ctx, *snapshot, modes, result);
    for (const auto& [server, mode] : modes) {
        if (dry_run)
            print_line(out, fmt::format("server {} ({}): {} mode: {}", server->name, server->id,
                                        core::to_string(mode.mode), mode.reason));
        if (mode.mode == core::BackupMode::snapshot) snapshots.snapshot_servers.insert(server->id);
    }
    // What the disaster-recovery records need of the volumes, taken before the settle pass
    // drops most of the snapshot.
    std::vector<core::DrOrigin> origins;
    {
        // Scoped: the start plan is not kept through the wait and the settle pass.
        auto plan = core::plan_backups(*snapshot, policy, ctx.now(), new_task_id);
        for (const auto& warning : plan.warnings) {
            log::warning(kLog, "{}", warning);
            result.outcome.warnings.push_back(warning);
        }
        if (dry_run) {
            for (const auto& warning : plan.warnings) print_line(out, "warning: " + warning);
            for (const auto& action : plan.actions) print_line(out, core::describe(action));
            return result;
        }
        if (auto states = read_dr_states(ctx); states)
            origins = core::dr_origins(*snapshot, plan, *states);
        else
            log::error(kLog, "{}", states.error().message);
        execute_backup_plan(ctx, *snapshot, plan, Pass::start, result.outcome, &snapshots);
    }
    wait_for_backups(ctx, snapshots.last_backup_sent);
    if (auto refreshed = refresh_backups(ctx, *snapshot, core::PlanScope::settle); !refreshed) {
        result.outcome.problems.push_back("cannot settle this cycle's backups: " + refreshed.error().message);
        log::error(kLog, "cannot settle this cycle's backups: {}", refreshed.error().message);
    } else {
        {
            auto settle = core::plan_backups(*snapshot, policy, ctx.now(), new_task_id, core::PlanScope::settle);
            execute_backup_plan(ctx, *snapshot, settle, Pass::settle, result.outcome, &snapshots);
        }
        if (!snapshots.snapshot_servers.empty() || snapshots.listed || store_holds_snapshot_sets(ctx))
            clean_up_snapshots(ctx, snapshots, snapshot->backups, result.outcome);
        refresh_index(ctx, snapshot->backups);
        result.dr = fetch_dr_records(ctx, snapshot->backups, origins, snapshot->indexed_backup_ids);
    }
    const auto& o = result.outcome;
    log::info(kLog, "backup cycle finished: {} started, {} succeeded, {} failed, {} cancelled", o.created, o.succeeded,
              o.failed, o.cancelled);
    return result;
}

}  // namespace staffeln::conductor
