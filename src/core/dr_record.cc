#include "staffeln/core/dr_record.h"

#include <algorithm>
#include <tuple>

namespace staffeln::core {
namespace {

// origins sorted by volume id.
template <class Origins>
auto* find_origin(Origins& origins, const std::string& volume_id) {
    auto it = std::lower_bound(origins.begin(), origins.end(), volume_id,
                               [](const DrOrigin& o, const std::string& id) { return o.volume_id < id; });
    return it != origins.end() && it->volume_id == volume_id ? &*it : nullptr;
}

bool needs_record(const std::string& backup_id, const DrStates& states) {
    auto it = states.find(backup_id);
    return it == states.end() || it->second == FetchStatus::failed;
}

}  // namespace

const char* to_string(FetchStatus status) { return status == FetchStatus::fetched ? "fetched" : "failed"; }

std::vector<DrOrigin> dr_origins(const BackupSnapshot& snapshot, const BackupPlan& plan, const DrStates& states) {
    std::unordered_set<std::string> wanted;
    for (const auto& action : plan.actions) {
        if (const auto* create = std::get_if<CreateBackup>(&action)) wanted.insert(create->volume_id);
        if (const auto* retry = std::get_if<RetryCreate>(&action)) wanted.insert(retry->create.volume_id);
    }
    for (const auto& task : snapshot.tasks) {
        bool open = task.status == TaskStatus::pending || task.status == TaskStatus::in_flight;
        bool done_without_record = task.status == TaskStatus::succeeded && needs_record(task.backup_id, states);
        if (open || done_without_record) wanted.insert(task.volume_id);
    }
    for (const auto& backup : snapshot.backups)
        if (backup.status == "available" && snapshot.indexed_backup_ids.contains(backup.id) &&
            needs_record(backup.id, states))
            wanted.insert(backup.volume_id);
    std::vector<DrOrigin> out;
    out.reserve(wanted.size());
    for (const auto& volume_id : wanted) {
        DrOrigin origin;
        origin.volume_id = volume_id;
        if (auto it = snapshot.volumes.find(volume_id); it != snapshot.volumes.end()) {
            origin.volume_name = it->second.name;
            origin.volume_size_gb = it->second.size_gb;
            origin.volume_bootable = it->second.bootable;
            origin.volume_device = it->second.device;
        }
        out.push_back(std::move(origin));
    }
    std::sort(out.begin(), out.end(), [](const DrOrigin& a, const DrOrigin& b) { return a.volume_id < b.volume_id; });
    // One pass over the servers; a volume attached to several takes the first listed.
    for (const auto& server : snapshot.servers) {
        for (const auto& volume_id : server.volume_ids) {
            DrOrigin* origin = find_origin(out, volume_id);
            if (origin == nullptr || !origin->server_id.empty()) continue;
            origin->server_id = server.id;
            origin->server_name = server.name;
        }
    }
    return out;
}

std::vector<DrRecord> dr_records_to_fetch(const std::vector<Backup>& backups, const std::vector<TaskRecord>& tasks,
                                          const DrStates& states, const std::vector<DrOrigin>& origins,
                                          const std::unordered_set<std::string>& indexed) {
    std::unordered_map<std::string_view, const TaskRecord*> succeeded;
    for (const auto& task : tasks)
        if (task.status == TaskStatus::succeeded && !task.backup_id.empty()) succeeded.emplace(task.backup_id, &task);
    std::vector<DrRecord> out;
    for (const auto& backup : backups) {
        if (backup.status != "available") continue;
        auto state = states.find(backup.id);
        auto task = succeeded.find(backup.id);
        bool retry = state != states.end() && state->second == FetchStatus::failed;
        bool first = state == states.end() && (task != succeeded.end() || indexed.contains(backup.id));
        if (!retry && !first) continue;
        DrRecord record;
        record.backup_id = backup.id;
        record.project_id = backup.project_id;
        if (const DrOrigin* origin = find_origin(origins, backup.volume_id)) record.origin = *origin;
        record.origin.volume_id = backup.volume_id;
        if (record.origin.server_id.empty() && task != succeeded.end())
            record.origin.server_id = task->second->server_id;
        record.kind = backup.is_incremental ? BackupKind::incremental : BackupKind::full;
        record.created_at = backup.created_at;
        record.data_timestamp = backup.data_timestamp;
        out.push_back(std::move(record));
    }
    std::sort(out.begin(), out.end(), [](const DrRecord& a, const DrRecord& b) {
        return std::tie(a.data_timestamp, a.created_at, a.backup_id) <
               std::tie(b.data_timestamp, b.created_at, b.backup_id);
    });
    return out;
}

std::vector<DrRecord> select_dr_records(std::vector<DrRecord> records, const std::string& project,
                                        const std::string& server) {
    std::erase_if(records, [&](const DrRecord& r) {
        if (!project.empty() && r.project_id != project) return true;
        return !server.empty() && r.origin.server_id != server && r.origin.server_name != server;
    });
    std::sort(records.begin(), records.end(), [](const DrRecord& a, const DrRecord& b) {
        return std::tie(a.project_id, a.origin.server_id, a.origin.volume_id, a.data_timestamp, a.backup_id) <
               std::tie(b.project_id, b.origin.server_id, b.origin.volume_id, b.data_timestamp, b.backup_id);
    });
    return records;
}

std::vector<ImportStep> plan_import(const std::vector<DrRecord>& records,
                                    const std::unordered_set<std::string>& present_ids) {
    std::vector<const DrRecord*> by_time;
    std::unordered_map<std::string_view, const DrRecord*> by_id;
    for (const auto& r : records) {
        by_time.push_back(&r);
        by_id.emplace(r.backup_id, &r);
    }
    std::sort(by_time.begin(), by_time.end(), [](const DrRecord* a, const DrRecord* b) {
        return std::tie(a->data_timestamp, a->created_at, a->backup_id) <
               std::tie(b->data_timestamp, b->created_at, b->backup_id);
    });
    std::vector<ImportStep> out;
    std::unordered_set<std::string_view> placed;
    // Iterative: a chain's parents first, each once; a cycle (a corrupt file) stops at a placed one.
    for (const DrRecord* start : by_time) {
        std::vector<const DrRecord*> chain;
        for (const DrRecord* r = start; r != nullptr && !placed.contains(r->backup_id);) {
            placed.insert(r->backup_id);
            chain.push_back(r);
            auto parent = by_id.find(r->parent_id);
            r = parent == by_id.end() ? nullptr : parent->second;
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it)
            out.push_back({*it, present_ids.contains((*it)->backup_id)});
    }
    return out;
}

}  // namespace staffeln::core
