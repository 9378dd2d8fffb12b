#include "staffeln/report/report_store.h"

#include "staffeln/store/server_sets.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace staffeln::report {
namespace {

constexpr const char* kUnreportedProjectsSql =
    "SELECT DISTINCT project_id FROM tasks "
    "WHERE status IN ('succeeded', 'failed', 'cancelled') AND reported = 0 AND (?1 = '' OR project_id = ?1) "
    "ORDER BY project_id";

// With each task its server set's record and its backup's data time, when the store has them.
constexpr const char* kUnreportedColumns =
    "SELECT t.id, t.project_id, t.volume_id, t.volume_name, t.server_id, t.server_name, COALESCE(t.backup_id, ''), "
    "t.kind, t.status, t.last_error, t.created_at, t.updated_at, t.set_id, s.mode, s.volumes, b.data_timestamp "
    "FROM tasks t LEFT JOIN server_sets s ON s.id = t.set_id LEFT JOIN backups b ON b.backup_id = t.backup_id "
    "WHERE t.status IN ('succeeded', 'failed', 'cancelled') AND t.reported = 0 ";
// Its own statement, not "?1 = '' OR project_id = ?1": SQLite cannot search the
// (project_id, status) index through an OR, and reports read one project at a time.
const std::string kUnreportedSql = std::string(kUnreportedColumns) + "ORDER BY t.project_id, t.updated_at, t.id";
const std::string kUnreportedOfProjectSql =
    std::string(kUnreportedColumns) + "AND t.project_id = ?1 ORDER BY t.updated_at, t.id";

core::TaskStatus status_from(const std::string& status) {
    if (status == "succeeded") return core::TaskStatus::succeeded;
    return status == "cancelled" ? core::TaskStatus::cancelled : core::TaskStatus::failed;
}

FinishedTask task_from_row(SQLite::Statement& row) {
    FinishedTask task;
    task.id = row.getColumn(0).getString();
    task.project_id = row.getColumn(1).getString();
    task.volume_id = row.getColumn(2).getString();
    task.volume_name = row.getColumn(3).getString();
    task.server_id = row.getColumn(4).getString();
    task.server_name = row.getColumn(5).getString();
    task.backup_id = row.getColumn(6).getString();
    task.kind = row.getColumn(7).getString() == "incremental" ? core::BackupKind::incremental : core::BackupKind::full;
    task.status = status_from(row.getColumn(8).getString());
    task.last_error = row.getColumn(9).getString();
    task.created_at = TimePoint(std::chrono::seconds(row.getColumn(10).getInt64()));
    task.updated_at = TimePoint(std::chrono::seconds(row.getColumn(11).getInt64()));
    task.set_id = row.getColumn(12).getString();
    if (!row.getColumn(13).isNull()) {
        task.set_mode = core::parse_backup_mode(row.getColumn(13).getString());
        task.set_volumes = row.getColumn(14).getInt();
    }
    if (!row.getColumn(15).isNull()) task.data_time = TimePoint(std::chrono::seconds(row.getColumn(15).getInt64()));
    return task;
}

std::int64_t unix_seconds(TimePoint t) { return t.time_since_epoch().count(); }

}  // namespace

Result<std::vector<FinishedTask>> unreported_tasks(store::Database& db, const std::string& project_id) {
    std::vector<FinishedTask> tasks;
    auto read = store::guarded(fmt::format("cannot read finished tasks from {}", db.path().string()), [&] {
        SQLite::Statement query(db.sql(), project_id.empty() ? kUnreportedSql : kUnreportedOfProjectSql);
        if (!project_id.empty()) query.bind(1, project_id);
        while (query.executeStep()) tasks.push_back(task_from_row(query));
    });
    if (!read) return read.error();
    return tasks;
}

Result<std::vector<std::string>> unreported_projects(store::Database& db, const std::string& project_id) {
    std::vector<std::string> projects;
    auto read = store::guarded(fmt::format("cannot read finished tasks from {}", db.path().string()), [&] {
        SQLite::Statement query(db.sql(), kUnreportedProjectsSql);
        query.bind(1, project_id);
        while (query.executeStep()) projects.push_back(query.getColumn(0).getString());
    });
    if (!read) return read.error();
    return projects;
}

Result<std::vector<MissingDrRecord>> missing_dr_records(store::Database& db, const std::string& project_id) {
    std::vector<MissingDrRecord> out;
    auto read = store::guarded("cannot read the disaster-recovery records of " + db.path().string(), [&] {
        SQLite::Statement q(db.sql(),
                            "SELECT backup_id, volume_id, volume_name, last_error, attempts FROM dr_records "
                            "WHERE project_id = ? AND fetch_status = 'failed' ORDER BY backup_id");
        q.bind(1, project_id);
        while (q.executeStep())
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                           q.getColumn(3).getString(), q.getColumn(4).getInt()});
    });
    if (!read) return read.error();
    return out;
}

Result<std::optional<TimePoint>> last_report_time(store::Database& db, const std::string& project_id, TimePoint now) {
    std::optional<TimePoint> last;
    auto read = store::guarded(fmt::format("cannot read report timestamps from {}", db.path().string()), [&] {
        SQLite::Statement query(db.sql(),
                                "SELECT max(created_at) FROM report_timestamps "
                                "WHERE (project_id = ?1 OR project_id = '') AND created_at <= ?2");
        query.bind(1, project_id);
        query.bind(2, unix_seconds(now));
        if (query.executeStep() && !query.getColumn(0).isNull())
            last = TimePoint(std::chrono::seconds(query.getColumn(0).getInt64()));
    });
    if (!read) return read.error();
    return last;
}

Status record_delivery(store::Database& db, const Delivered& delivered) {
    auto recorded = store::guarded(
        fmt::format("cannot record the report of project {} in {}", delivered.project_id, db.path().string()), [&] {
            SQLite::Transaction tx(db.sql());
            // A task whose backup is still in Cinder stays, marked reported: the planner needs its
            // record to know the backup's tag (backup_planner.h); retention forgets it with the backup.
            SQLite::Statement purge(db.sql(),
                                    "DELETE FROM tasks WHERE id = ?1 AND project_id = ?2 AND backup_id IS NULL "
                                    "AND status IN ('succeeded', 'failed', 'cancelled')");
            SQLite::Statement mark(db.sql(),
                                   "UPDATE tasks SET reported = 1 WHERE id = ?1 AND project_id = ?2 "
                                   "AND status IN ('succeeded', 'failed', 'cancelled')");
            for (const auto& id : delivered.task_ids) {
                for (auto* q : {&purge, &mark}) {
                    q->bind(1, id);
                    q->bind(2, delivered.project_id);
                    q->exec();
                    q->reset();
                }
            }
            SQLite::Statement stamp(
                db.sql(), "INSERT INTO report_timestamps (project_id, sender, created_at) VALUES (?1, ?2, ?3)");
            stamp.bind(1, delivered.project_id);
            stamp.bind(2, delivered.sender);
            stamp.bind(3, unix_seconds(delivered.at));
            stamp.exec();
            SQLite::Statement expire(db.sql(), "DELETE FROM report_timestamps WHERE created_at < ?1");
            expire.bind(1, unix_seconds(delivered.purge_timestamps_before));
            expire.exec();
            tx.commit();
        });
    if (!recorded) return recorded;
    // Sets as old as the purged timestamps only: a set whose tasks the conductor is writing now stays.
    return store::forget_unused_sets(db, delivered.purge_timestamps_before);
}

}  // namespace staffeln::report
