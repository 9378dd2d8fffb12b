#include "staffeln/core/restore_points.h"

#include "staffeln/core/backup_chain.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace staffeln::core {
namespace {

ChainNode node(const RecordedBackup& b) {
    return {b.id, b.data_timestamp, b.created_at, b.kind == BackupKind::incremental, can_be_parent(b.status)};
}

// One volume's recorded backups in Cinder's chain order, each with whether it can be restored.
struct VolumeChain {
    std::vector<const RecordedBackup*> ordered;
    std::vector<bool> usable;
};

VolumeChain chain_of(std::vector<const RecordedBackup*> backups) {
    std::sort(backups.begin(), backups.end(), [](auto* a, auto* b) { return comes_before(node(*a), node(*b)); });
    std::vector<ChainNode> nodes;
    nodes.reserve(backups.size());
    for (auto* b : backups) nodes.push_back(node(*b));
    auto parent = infer_parents(nodes);
    VolumeChain out{std::move(backups), std::vector<bool>(nodes.size(), false)};
    // A parent comes before its dependents, so one pass in order settles every ancestor first.
    for (std::size_t i = 0; i < out.ordered.size(); ++i) {
        bool whole = counts_as_available(out.ordered[i]->status);
        if (whole && nodes[i].is_incremental) whole = parent[i] != kNoParent && out.usable[parent[i]];
        out.usable[i] = whole;
    }
    return out;
}

std::map<std::string, VolumeChain> chains(const ServerHistory& history) {
    std::map<std::string, std::vector<const RecordedBackup*>> by_volume;
    for (const auto& b : history.backups) by_volume[b.volume_id].push_back(&b);
    std::map<std::string, VolumeChain> out;
    for (auto& [volume, list] : by_volume) out.emplace(volume, chain_of(std::move(list)));
    return out;
}

RestorePoint pick(const ServerHistory& history, const std::map<std::string, VolumeChain>& chains, TimePoint at,
                  std::chrono::seconds cycle_span) {
    RestorePoint point{at, {}, true, true};
    std::optional<TimePoint> oldest, newest;
    for (const auto& volume : history.volumes) {
        PointVolume pv{volume, std::nullopt};
        if (auto it = chains.find(volume.id); it != chains.end()) {
            const VolumeChain& c = it->second;
            for (std::size_t i = c.ordered.size(); i-- > 0;)
                if (c.usable[i] && c.ordered[i]->data_timestamp <= at) {
                    pv.backup = *c.ordered[i];
                    break;
                }
        }
        if (pv.backup) {
            TimePoint t = pv.backup->data_timestamp;
            oldest = oldest ? std::min(*oldest, t) : t;
            newest = newest ? std::max(*newest, t) : t;
        } else {
            point.complete = false;
        }
        point.volumes.push_back(std::move(pv));
    }
    point.consistent = point.complete && oldest && *newest - *oldest <= cycle_span;
    return point;
}

std::string volume_label(const HistoryVolume& v) {
    return v.name.empty() ? v.id : fmt::format("{} ({})", v.id, v.name);
}

}  // namespace

RestorePoint pick_at(const ServerHistory& history, TimePoint at, const RestorePolicy& policy) {
    return pick(history, chains(history), at, policy.cycle_span);
}

std::vector<RestorePoint> restore_points(const ServerHistory& history, const RestorePolicy& policy) {
    auto all = chains(history);
    std::vector<TimePoint> times;
    for (const auto& volume : history.volumes)
        if (auto it = all.find(volume.id); it != all.end())
            for (std::size_t i = 0; i < it->second.ordered.size(); ++i)
                if (it->second.usable[i]) times.push_back(it->second.ordered[i]->data_timestamp);
    std::sort(times.begin(), times.end());
    std::vector<RestorePoint> points;
    // A cycle runs from its first data time through every time within cycle_span of it; the
    // point is at its last, so that it reads every backup of the cycle.
    for (std::size_t from = 0; from < times.size();) {
        std::size_t to = from;
        while (to + 1 < times.size() && times[to + 1] - times[from] <= policy.cycle_span) ++to;
        points.push_back(pick(history, all, times[to], policy.cycle_span));
        from = to + 1;
    }
    std::reverse(points.begin(), points.end());
    return points;
}

Result<RestorePoint> plan_restore(const ServerHistory& history, TimePoint at, bool allow_partial,
                                  const RestorePolicy& policy) {
    RestorePoint point = pick_at(history, at, policy);
    std::vector<std::string> missing;
    for (const auto& pv : point.volumes)
        if (!pv.backup) missing.push_back(volume_label(pv.volume));
    const auto server = history.server_name.empty() ? history.server_id
                                                    : fmt::format("{} ({})", history.server_name, history.server_id);
    if (missing.size() == point.volumes.size())
        return make_error(ErrorKind::not_found,
                          fmt::format("no restore of server {} at {}: none of its volumes has an available automated "
                                      "backup at or before that time",
                                      server, format_point_time(at)));
    if (!missing.empty() && !allow_partial)
        return make_error(ErrorKind::not_found,
                          fmt::format("no restore of server {} at {}: {} {} {} no available automated backup at or "
                                      "before that time; a partial restore would leave {} out",
                                      server, format_point_time(at), missing.size() == 1 ? "volume" : "volumes",
                                      fmt::join(missing, ", "), missing.size() == 1 ? "has" : "have",
                                      missing.size() == 1 ? "it" : "them"));
    return point;
}

std::string format_point_time(TimePoint t) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t); }

}  // namespace staffeln::core
