#include "staffeln/conductor/retention_explain.h"

#include "staffeln/conductor/retention_cycle.h"
#include "staffeln/store/task_store.h"

namespace staffeln::conductor {

Result<VolumesPlan> plan_retention_of_volumes(const config::Config& config, openstack::Cloud& cloud,
                                              store::Database& db, std::vector<Server> servers,
                                              const std::vector<std::string>& volume_ids, TimePoint now) {
    VolumesPlan out;
    auto scope = read_project_scope(config, cloud);
    if (!scope) return scope.error();
    out.scope = std::move(scope).value();
    auto tasks = store::TaskStore(db).load_all();
    if (!tasks) return tasks.error();
    core::RetentionInputBuilder builder;
    for (const auto& volume_id : volume_ids) {
        openstack::BackupQuery query;
        query.volume_id = volume_id;
        auto listed = cloud.cinder().for_each_backup(query, [&](Backup&& backup) { builder.add_backup(backup); });
        if (!listed) return listed.error().context("listing the backups of volume " + volume_id);
    }
    out.input = std::move(builder.input());
    out.input.servers = std::move(servers);
    out.input.closed_tasks = closed_with_backup(std::move(tasks).value());
    auto policy = retention_policy(config);
    policy.scope = out.scope.scope;
    out.plan = core::plan_retention(out.input, policy, now);
    return out;
}

}  // namespace staffeln::conductor
