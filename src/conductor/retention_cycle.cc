#include "staffeln/conductor/retention_cycle.h"

#include "staffeln/conductor/cloud_reader.h"
#include "staffeln/conductor/project_scope_reader.h"
#include "staffeln/conductor/status_wait.h"
#include "staffeln/conductor/worker_pool.h"
#include "staffeln/config/time_zone.h"
#include "staffeln/core/retention_planner.h"
#include "staffeln/log.h"
#include "staffeln/metric_catalog.h"
#include "staffeln/net/http_transport.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/task_store.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>

namespace staffeln::conductor {
namespace {

constexpr std::string_view kLog = "retention";

}  // namespace

core::RetentionPolicy retention_policy(const config::Config& config) {
    const auto& c = config.conductor;
    core::RetentionPolicy policy;
    if (!c.backup_metadata_key.empty()) policy.backup_metadata_key = c.backup_metadata_key;
    policy.retention_metadata_key = c.retention_metadata_key;
    policy.retention_time = c.retention_time;
    policy.safety_floor = c.retention_safety_floor;
    // Both were validated when the config was loaded.
    if (auto rules = core::parse_retention_rules(c.retention_policy); !c.retention_policy.empty() && rules.ok())
        policy.rules = *rules;
    policy.rules_metadata_key = c.retention_policy_metadata_key;
    if (auto zone = config::resolve_time_zone(c.timezone); zone.ok()) policy.timezone = std::move(*zone);
    return policy;
}

std::vector<core::TaskRecord> closed_with_backup(std::vector<core::TaskRecord> tasks) {
    std::erase_if(tasks, [](const core::TaskRecord& t) {
        return t.backup_id.empty() || t.status == core::TaskStatus::pending || t.status == core::TaskStatus::in_flight;
    });
    return tasks;
}

namespace {

// Waits until none of ids is listed as deleting any more (gone, or failed to delete).
void wait_until_deleted(Context& ctx, std::set<std::string> ids) {
    wait_until_not_listed(ctx, {.status = "deleting",
                                .ids = std::move(ids),
                                .deadline = ctx.now() + ctx.config.conductor.backup_cycle_timeout});
}

class Deleter {
public:
    Deleter(Context& ctx, const core::RetentionInput& input, RetentionOutcome& outcome)
        : ctx_(ctx), input_(input), outcome_(outcome) {}

    void run(const std::vector<core::RetentionDecision>& deletes) {
        std::uint32_t waves = 0;
        for (const auto& d : deletes) waves = std::max(waves, d.wave + 1);
        for (std::uint32_t wave = 0; wave < waves && !ctx_.stop.requested(); ++wave) {
            std::vector<const core::RetentionDecision*> batch;
            for (const auto& d : deletes)
                if (d.wave == wave) batch.push_back(&d);
            std::set<std::string> issued;
            std::mutex issued_mutex;
            for_each_bounded(
                static_cast<std::size_t>(ctx_.config.conductor.rotation_workers), batch.size(),
                [&](std::size_t i) {
                    if (remove(*batch[i])) {
                        std::lock_guard lock(issued_mutex);
                        issued.insert(input_.backups[batch[i]->backup].id);
                    }
                },
                ctx_.stop.flag());
            wait_until_deleted(ctx_, std::move(issued));
        }
    }

private:
    bool remove(const core::RetentionDecision& d) EXCLUDES(mutex_) {
        const auto& backup = input_.backups[d.backup];
        const auto& group = input_.groups[backup.group];
        if (!ctx_.role_held()) {
            MutexLock lock(mutex_);
            outcome_.problems.push_back(
                fmt::format("backup {} not deleted: the retention role was lost before the delete", backup.id));
            log::warning(kLog, "{}", outcome_.problems.back());
            return false;
        }
        net::SendGuard guard([this] { return ctx_.role_held(); });
        Status deleted = d.force ? ctx_.cloud.cinder().force_delete_backup(backup.id)
                                 : ctx_.cloud.cinder().delete_backup(backup.id, group.project_id);
        MutexLock lock(mutex_);
        if (!deleted && deleted.error().kind != ErrorKind::not_found) {
            std::string line = fmt::format("cannot delete backup {} of volume {} yet: {}; retried next cycle",
                                           backup.id, group.volume_id, deleted.error().message);
            log::warning(kLog, "{}", line);
            outcome_.problems.push_back(std::move(line));
            return false;
        }
        log::info(kLog, "{}", core::describe(d, input_, ctx_.now()));
        metrics::process_registry().add(metrics::kBackupsDeleted, {{"project", group.project_id}});
        ++outcome_.deleted;
        MutexLock db_lock(ctx_.db_mutex);
        if (auto removed = store::BackupIndex(ctx_.db).remove(backup.id); !removed)
            log::error(kLog, "{}", removed.error().message);
        return true;
    }

    Context& ctx_;
    const core::RetentionInput& input_;
    Mutex mutex_;
    RetentionOutcome& outcome_ GUARDED_BY(mutex_);
};

// The task keeps its record for the report; the index must not keep protecting a backup that
// Cinder no longer has.
void forget_gone(Context& ctx, const core::RetentionInput& input, const std::vector<std::uint32_t>& gone) {
    MutexLock lock(ctx.db_mutex);
    store::TaskStore tasks(ctx.db);
    store::BackupIndex index(ctx.db);
    for (auto i : gone) {
        const auto& task = input.closed_tasks[i];
        log::info(kLog, "backup {} of task {} is gone from Cinder; forgetting it", task.backup_id, task.task_id);
        if (auto forgotten = tasks.forget_backup(task.task_id, ctx.now()); !forgotten)
            log::error(kLog, "{}", forgotten.error().message);
        if (auto removed = index.remove(task.backup_id); !removed) log::error(kLog, "{}", removed.error().message);
    }
}

}  // namespace

RetentionOutcome run_retention_cycle(Context& ctx, bool dry_run, std::FILE* out) {
    RetentionOutcome outcome;
    auto scope = read_project_scope(ctx.config, ctx.cloud);
    if (!scope) {
        outcome.problems.push_back("retention skipped: " + scope.error().message);
        log::error(kLog, "retention skipped: {}", scope.error().message);
        return outcome;
    }
    // Said once a cycle, by the backup cycle's summary; logged here for a node in this role only.
    for (const auto& warning : scope->warnings) log::warning(kLog, "{}", warning);
    auto tasks = read_tasks(ctx);
    auto servers = ctx.cloud.nova().list_servers({});
    if (!servers) {
        outcome.problems.push_back("retention skipped: listing servers: " + servers.error().message);
        return outcome;
    }
    // Streamed into the builder's compact records: the listing is never held whole.
    core::RetentionInputBuilder builder;
    Status listed = ctx.cloud.cinder().for_each_backup({}, [&](Backup&& backup) { builder.add_backup(backup); });
    if (!tasks || !listed) {
        std::string why = !tasks ? tasks.error().message : listed.error().message;
        outcome.problems.push_back("retention skipped: " + why);
        log::error(kLog, "retention skipped: {}", why);
        return outcome;
    }
    core::RetentionInput& input = builder.input();
    input.servers = std::move(*servers);
    input.closed_tasks = closed_with_backup(std::move(tasks).value());
    auto policy = retention_policy(ctx.config);
    policy.scope = std::move(scope->scope);
    auto plan = core::plan_retention(input, policy, ctx.now());
    for (const auto& w : plan.warnings) {
        log::warning(kLog, "{}", w.message);
        outcome.warnings.push_back(w.message);
    }
    outcome.kept = static_cast<int>(plan.keeps.size());
    if (dry_run) {
        auto print = [&](const auto& d) { print_line(out, core::describe(d, input, ctx.now())); };
        for (const auto& d : plan.deletes) print(d);
        for (const auto& d : plan.keeps) print(d);
        return outcome;
    }
    forget_gone(ctx, input, plan.gone);
    Deleter(ctx, input, outcome).run(plan.deletes);
    return outcome;
}

}  // namespace staffeln::conductor
