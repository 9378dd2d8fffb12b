// Whether an import of upstream Staffeln's backups must wait for upstream's conductors. During a
// rolling switch an upstream conductor keeps running beside staffeln's: once staffeln holds the
// puller role upstream plans nothing new, but the tasks its last puller planned (queue_data rows
// with backup_status 0 planned or 4 init, no backup in Cinder yet) are still sent by upstream's
// other conductors, each under its volume's lock, at their next periodic run. A backup sent after
// the import read upstream's database would be unknown to staffeln, which would back the same
// volume up again in that period. So the import waits while such a task is fresh: planned less
// than `patience` ago (upstream's backup_service_period plus its backup cycle timeout: by then a
// running upstream conductor has sent it or given up). Older tasks, or tasks without a time, were
// abandoned (upstream stopped before sending them) and are only listed. Pure.
#pragma once

#include "staffeln/model.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace staffeln::core {

struct UpstreamPendingTask {
    std::string task_id;  // queue_data.id
    std::string volume_id;
    std::string volume_name;
    std::string server_id;
    std::optional<TimePoint> planned_at;  // queue_data.created_at (UTC); nullopt when NULL
};

struct UpstreamQueueVerdict {
    std::optional<std::string> wait;     // why the import waits, and until when at the latest
    std::vector<std::string> abandoned;  // one line per abandoned task, for the operator
};

UpstreamQueueVerdict upstream_queue_verdict(const std::vector<UpstreamPendingTask>& pending, TimePoint now,
                                            std::chrono::seconds patience);

}  // namespace staffeln::core
