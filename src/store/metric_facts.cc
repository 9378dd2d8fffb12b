#include "staffeln/store/metric_facts.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace staffeln::store {

Result<core::StoreFacts> read_metric_facts(Database& db) {
    core::StoreFacts facts;
    auto read = guarded(fmt::format("cannot read metrics from the store {}", db.path().string()), [&] {
        // SQLite takes the bare columns from the row that holds the MAX. A row rebuilt from Cinder's
        // listing (BackupIndex::sync) names its task, not its server: the task that made it does.
        SQLite::Statement volumes(
            db.sql(),
            "SELECT b.project_id, COALESCE(NULLIF(b.server_id, ''), t.server_id, ''), b.volume_id, "
            "MAX(b.data_timestamp) FROM backups b LEFT JOIN tasks t ON t.id = b.task_id "
            "WHERE b.status = 'available' GROUP BY b.volume_id");
        while (volumes.executeStep())
            facts.volumes.push_back({volumes.getColumn(0).getString(), volumes.getColumn(1).getString(),
                                     volumes.getColumn(2).getString(), volumes.getColumn(3).getInt64()});
        SQLite::Statement tasks(db.sql(),
                                "SELECT project_id, COUNT(*) FROM tasks WHERE status IN ('pending', 'in_flight') "
                                "GROUP BY project_id");
        while (tasks.executeStep())
            facts.tasks_in_flight.emplace_back(tasks.getColumn(0).getString(), tasks.getColumn(1).getInt64());
    });
    if (!read) return read.error();
    return facts;
}

}  // namespace staffeln::store
