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
        // The volumes in each server's newest definition, for the servers the newest backup cycle saw
        // (its last_seen), that no available backup covers; since: the oldest definition naming the
        // volume on that server. The definition's JSON is store/server_definition_json's.
        SQLite::Statement unbacked(
            db.sql(),
            "WITH current AS (SELECT d.server_id, d.project_id, json_extract(v.value, '$.volume_id') AS volume_id "
            "  FROM server_definitions d, json_each(d.definition, '$.volumes') v "
            "  WHERE d.recorded_at = (SELECT MAX(recorded_at) FROM server_definitions n "
            "                         WHERE n.server_id = d.server_id) "
            "    AND d.last_seen = (SELECT MAX(last_seen) FROM server_definitions)) "
            "SELECT c.project_id, c.server_id, c.volume_id, "
            "  (SELECT MIN(o.recorded_at) FROM server_definitions o, json_each(o.definition, '$.volumes') ov "
            "   WHERE o.server_id = c.server_id AND json_extract(ov.value, '$.volume_id') = c.volume_id) "
            "FROM current c WHERE NOT EXISTS "
            "  (SELECT 1 FROM backups b WHERE b.volume_id = c.volume_id AND b.status = 'available')");
        while (unbacked.executeStep())
            facts.without_backup.push_back({unbacked.getColumn(0).getString(), unbacked.getColumn(1).getString(),
                                            unbacked.getColumn(2).getString(), unbacked.getColumn(3).getInt64()});
        SQLite::Statement tasks(db.sql(),
                                "SELECT project_id, COUNT(*) FROM tasks WHERE status IN ('pending', 'in_flight') "
                                "GROUP BY project_id");
        while (tasks.executeStep())
            facts.tasks_in_flight.emplace_back(tasks.getColumn(0).getString(), tasks.getColumn(1).getInt64());
        SQLite::Statement restores(db.sql(),
                                   "SELECT project_id, status, COUNT(*) FROM restores GROUP BY project_id, status");
        while (restores.executeStep())
            facts.restores.push_back({restores.getColumn(0).getString(), restores.getColumn(1).getString(),
                                      restores.getColumn(2).getInt64()});
    });
    if (!read) return read.error();
    return facts;
}

}  // namespace staffeln::store
