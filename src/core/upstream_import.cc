#include "staffeln/core/upstream_import.h"

#include "staffeln/core/backup_tag.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace staffeln::core {
namespace {

struct Decided {
    ImportDecision decision;
    const Backup* backup = nullptr;  // Cinder's, for the chain order; null when gone
};

const char* kind_word(bool incremental) { return incremental ? "incremental" : "full"; }

std::string origin(const UpstreamBackupRow& row) {
    return row.from_queue ? "upstream's queue_data task" : "upstream's backup_data row";
}

ImportDecision decide(const UpstreamBackupRow& row, const Backup* b,
                      const std::unordered_set<std::string>& indexed_backup_ids) {
    ImportDecision d;
    d.backup_id = row.backup_id;
    d.volume_id = row.volume_id;
    d.project_id = row.project_id;
    d.server_id = row.instance_id;
    if (!b) {
        d.verdict = ImportVerdict::gone;
        d.reason = fmt::format("{} names it, but Cinder no longer lists it", origin(row));
        return d;
    }
    d.volume_id = b->volume_id;
    if (!b->project_id.empty()) d.project_id = b->project_id;
    d.kind = b->is_incremental ? BackupKind::incremental : BackupKind::full;
    if (row.backup_completed == 0) {
        d.reason = row.from_queue ? "upstream's queue_data task for it did not complete"
                                  : "upstream recorded it as failed or cancelled (backup_completed=0)";
        return d;
    }
    if (!row.volume_id.empty() && row.volume_id != b->volume_id) {
        d.reason = fmt::format("{} says volume {}, Cinder says volume {}", origin(row), row.volume_id, b->volume_id);
        return d;
    }
    bool creating = b->status == "creating";
    if (!creating && b->status != "available" && b->status != "restoring") {
        d.reason = fmt::format("its status in Cinder is {}", b->status.empty() ? "empty" : b->status);
        return d;
    }
    std::string kind = kind_word(b->is_incremental);
    if (row.incremental && *row.incremental != b->is_incremental)
        kind += fmt::format(" (upstream asked for {})", kind_word(*row.incremental));
    if (auto tag = task_id_view(*b)) {
        d.task_id = std::string(*tag);
        if (creating || indexed_backup_ids.contains(b->id)) {
            d.verdict = ImportVerdict::already_done;
            d.reason = fmt::format("already tagged (task {}){}", d.task_id,
                                   creating ? ", still creating: the conductor adopts it" : " and in the store");
        } else {
            d.verdict = ImportVerdict::record_only;
            d.reason =
                fmt::format("already tagged (task {}), not yet in the store: record the {} backup", d.task_id, kind);
        }
        return d;
    }
    d.task_id = upstream_task_id(b->id);
    if (creating) {
        d.verdict = ImportVerdict::tag_only;
        d.reason = fmt::format("{} backup still creating: tag it, the conductor adopts it by its tag", kind);
    } else {
        d.verdict = ImportVerdict::tag_and_record;
        d.reason = fmt::format("untagged {} backup of volume {} (server {}): tag it and record it", kind, d.volume_id,
                               d.server_id.empty() ? "unknown" : d.server_id);
    }
    return d;
}

}  // namespace

std::string upstream_task_id(std::string_view backup_id) {
    return std::string(kUpstreamTaskPrefix) + std::string(backup_id);
}

ImportPlan plan_upstream_import(const std::vector<UpstreamBackupRow>& rows, const std::vector<Backup>& backups,
                                const std::unordered_set<std::string>& indexed_backup_ids) {
    std::unordered_map<std::string_view, const Backup*> by_id;
    for (const auto& b : backups) by_id.emplace(b.id, &b);
    std::unordered_set<std::string_view> seen;
    std::vector<Decided> decided;
    for (const auto& row : rows) {
        if (row.backup_id.empty() || !seen.insert(row.backup_id).second) continue;
        auto it = by_id.find(row.backup_id);
        const Backup* b = it == by_id.end() ? nullptr : it->second;
        // An id longer than a task id can carry is not a Cinder backup id: treat it as unknown.
        if (b && !is_valid_task_id(upstream_task_id(b->id))) b = nullptr;
        decided.push_back({decide(row, b, indexed_backup_ids), b});
    }
    // Chain order: per volume, oldest data first, so a full is tagged before its incrementals and a
    // crash part-way leaves each chain tagged from its root. Backups gone from Cinder come last.
    std::stable_sort(decided.begin(), decided.end(), [](const Decided& a, const Decided& b) {
        if (!a.backup || !b.backup) return a.backup && !b.backup;
        return std::tie(a.backup->volume_id, a.backup->data_timestamp, a.backup->created_at, a.backup->id) <
               std::tie(b.backup->volume_id, b.backup->data_timestamp, b.backup->created_at, b.backup->id);
    });
    ImportPlan plan;
    plan.decisions.reserve(decided.size());
    for (auto& d : decided) plan.decisions.push_back(std::move(d.decision));
    return plan;
}

const char* to_string(ImportVerdict verdict) {
    switch (verdict) {
        case ImportVerdict::tag_and_record:
            return "tag and record";
        case ImportVerdict::tag_only:
            return "tag";
        case ImportVerdict::record_only:
            return "record";
        case ImportVerdict::already_done:
            return "already imported";
        case ImportVerdict::gone:
            return "gone from Cinder";
        case ImportVerdict::skipped:
            return "skipped";
    }
    return "skipped";
}

}  // namespace staffeln::core
