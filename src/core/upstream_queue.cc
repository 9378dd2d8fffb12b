#include "staffeln/core/upstream_queue.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace staffeln::core {

UpstreamQueueVerdict upstream_queue_verdict(const std::vector<UpstreamPendingTask>& pending, TimePoint now,
                                            std::chrono::seconds patience) {
    UpstreamQueueVerdict out;
    std::size_t fresh = 0;
    std::optional<TimePoint> newest;
    for (const auto& task : pending) {
        if (task.planned_at && *task.planned_at + patience > now) {
            ++fresh;
            if (!newest || *task.planned_at > *newest) newest = task.planned_at;
            continue;
        }
        out.abandoned.push_back(fmt::format(
            "queue_data task {} for volume {} ({}) of server {} was planned {} and never sent to Cinder: upstream's "
            "conductors gave it up, and staffeln backs the volume up by its own schedule",
            task.task_id, task.volume_id, task.volume_name, task.server_id,
            task.planned_at ? fmt::format("at {:%Y-%m-%dT%H:%M:%SZ}", *task.planned_at) : "at no recorded time"));
    }
    if (fresh > 0)
        out.wait = fmt::format(
            "upstream's queue_data holds {} task(s) planned but not yet sent to Cinder (the newest at "
            "{:%Y-%m-%dT%H:%M:%SZ}): an upstream conductor still running may back those volumes up, so the import "
            "and the backup cycles wait until they are sent, or until {:%Y-%m-%dT%H:%M:%SZ}, when they count as "
            "abandoned",
            fresh, *newest, *newest + patience);
    return out;
}

}  // namespace staffeln::core
