#include "staffeln/conductor/dr_fetch.h"

#include "staffeln/conductor/cloud_reader.h"
#include "staffeln/conductor/worker_pool.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"
#include "staffeln/store/dr_record_store.h"

#include <fmt/format.h>

#include <mutex>

namespace staffeln::conductor {
namespace {

constexpr std::string_view kLog = "conductor";

}  // namespace

Result<core::DrStates> read_dr_states(Context& ctx) {
    MutexLock lock(ctx.db_mutex);
    return store::DrRecordStore(ctx.db).states();
}

DrOutcome fetch_dr_records(Context& ctx, const std::vector<Backup>& tagged, const std::vector<core::DrOrigin>& origins,
                           const std::unordered_set<std::string>& indexed) {
    DrOutcome outcome;
    auto states = read_dr_states(ctx);
    auto tasks = states ? read_tasks(ctx) : Result<std::vector<core::TaskRecord>>(states.error());
    if (!tasks) {
        outcome.warnings.push_back("disaster-recovery records not fetched: " + tasks.error().message);
        log::error(kLog, "{}", outcome.warnings.back());
        return outcome;
    }
    auto records = core::dr_records_to_fetch(tagged, *tasks, *states, origins, indexed);
    std::mutex outcome_mutex;
    for_each_bounded(
        static_cast<std::size_t>(ctx.config.conductor.backup_workers), records.size(),
        [&](std::size_t i) {
            core::DrRecord& record = records[i];
            auto exported = ctx.cloud.cinder().export_record(record.backup_id);
            if (exported) {
                record.backup_service = exported->backup_service;
                record.backup_url = exported->backup_url;
                record.parent_id = exported->parent_id;
                record.fetch_status = core::FetchStatus::fetched;
            } else {
                record.last_error = exported.error().message;
            }
            Status saved = [&] {
                MutexLock lock(ctx.db_mutex);
                return store::DrRecordStore(ctx.db).save(record, ctx.now());
            }();
            failpoint::hit("dr.record.after_commit");
            std::lock_guard lock(outcome_mutex);
            if (!saved) {
                outcome.warnings.push_back(saved.error().message);
            } else if (!exported) {
                outcome.warnings.push_back(
                    fmt::format("export record of backup {} not fetched (retried next cycle): {}", record.backup_id,
                                record.last_error));
            }
            if (exported && saved) {
                ++outcome.fetched;
            } else {
                ++outcome.failed;
                log::warning(kLog, "{}", outcome.warnings.back());
            }
        },
        ctx.stop.flag());
    log::info(kLog, "disaster-recovery records: {} fetched, {} failed", outcome.fetched, outcome.failed);
    return outcome;
}

}  // namespace staffeln::conductor
