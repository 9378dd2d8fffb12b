#include "staffeln/core/backup_kind.h"

#include "staffeln/core/backup_chain.h"
#include "staffeln/core/backup_tag.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace staffeln::core {
namespace {

KindDecision full(std::string reason) { return {BackupKind::full, std::move(reason), {}}; }

struct OrderedBackups {
    std::vector<const Backup*> backups;
    std::vector<std::size_t> parent;
};

OrderedBackups in_chain_order(std::span<const Backup* const> volume_backups) {
    std::vector<ChainNode> nodes;
    nodes.reserve(volume_backups.size());
    for (const Backup* b : volume_backups)
        nodes.push_back({b->id, b->data_timestamp, b->created_at, b->is_incremental, can_be_parent(b->status)});
    std::vector<std::size_t> order(nodes.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return comes_before(nodes[a], nodes[b]); });
    OrderedBackups out;
    std::vector<ChainNode> sorted;
    for (auto i : order) {
        out.backups.push_back(volume_backups[i]);
        sorted.push_back(nodes[i]);
    }
    out.parent = infer_parents(sorted);
    return out;
}

}  // namespace

KindDecision decide_kind(std::span<const Backup* const> volume_backups, int full_backup_depth) {
    if (full_backup_depth <= 0) return full("full_backup_depth is 0: every backup is full");
    auto chain = in_chain_order(volume_backups);
    std::size_t newest = kNoParent;
    for (std::size_t i = 0; i < chain.backups.size(); ++i)
        if (counts_as_available(chain.backups[i]->status)) newest = i;
    if (newest == kNoParent) return full("no available backup of this volume to build on");
    const Backup& parent = *chain.backups[newest];
    if (!made_by_staffeln(parent))
        return full(
            fmt::format("the newest available backup {} was not made by staffeln and Cinder would "
                        "make it the parent",
                        parent.id));
    // Cinder refuses an incremental while its parent is not `available` ("The parent backup must
    // be available for incremental backup"); a full now beats a create it refuses.
    if (parent.status != "available")
        return full(
            fmt::format("the newest backup {} is {}; Cinder chains an incremental only onto an available backup",
                        parent.id, parent.status));
    int incrementals = 0;
    std::size_t at = newest;
    for (; chain.backups[at]->is_incremental; ++incrementals) {
        at = chain.parent[at];
        if (at == kNoParent)
            return full(
                fmt::format("the chain under backup {} is incomplete: its full backup is not in Cinder", parent.id));
        if (!made_by_staffeln(*chain.backups[at]))
            return full(fmt::format("the chain under backup {} includes backup {}, not made by staffeln", parent.id,
                                    chain.backups[at]->id));
    }
    if (incrementals >= full_backup_depth)
        return full(fmt::format("the chain on full backup {} already has {} incrementals (full_backup_depth {})",
                                chain.backups[at]->id, incrementals, full_backup_depth));
    return {BackupKind::incremental,
            fmt::format("incremental {} of {} on backup {}", incrementals + 1, full_backup_depth, parent.id),
            parent.id};
}

}  // namespace staffeln::core
