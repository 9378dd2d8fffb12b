#include "staffeln/store/task_store.h"

#include "staffeln/failpoint.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace staffeln::store {
namespace {

using core::BackupKind;
using core::TaskStatus;

std::int64_t unix_seconds(TimePoint t) { return t.time_since_epoch().count(); }

TaskStatus status_from(const std::string& text) {
    for (auto s :
         {TaskStatus::pending, TaskStatus::in_flight, TaskStatus::succeeded, TaskStatus::failed, TaskStatus::cancelled})
        if (text == core::to_string(s)) return s;
    return TaskStatus::failed;  // the schema's CHECK makes this unreachable
}

Status affected_one(int changed, const std::string& task_id) {
    if (changed == 1) return {};
    return make_error(ErrorKind::not_found, fmt::format("task {} is not in the store", task_id));
}

}  // namespace

Result<std::vector<core::TaskRecord>> TaskStore::load_all() {
    std::vector<core::TaskRecord> tasks;
    auto read = guarded("cannot read tasks from " + db_.path().string(), [&] {
        // Reserved: grown by doubling, 20,000 records held up to 13,000 empty ones.
        tasks.reserve(static_cast<std::size_t>(db_.sql().execAndGet("SELECT count(*) FROM tasks").getInt64()));
        SQLite::Statement q(db_.sql(),
                            "SELECT id, volume_id, project_id, server_id, coalesce(backup_id, ''), kind, "
                            "status, created_at, last_error FROM tasks ORDER BY created_at, id");
        while (q.executeStep()) {
            core::TaskRecord t;
            t.task_id = q.getColumn(0).getString();
            t.volume_id = q.getColumn(1).getString();
            t.project_id = q.getColumn(2).getString();
            t.server_id = q.getColumn(3).getString();
            t.backup_id = q.getColumn(4).getString();
            t.kind = q.getColumn(5).getString() == "incremental" ? BackupKind::incremental : BackupKind::full;
            t.status = status_from(q.getColumn(6).getString());
            t.created_at = TimePoint(std::chrono::seconds(q.getColumn(7).getInt64()));
            t.last_error = q.getColumn(8).getString();
            tasks.push_back(std::move(t));
        }
    });
    if (!read) return read.error();
    return tasks;
}

Status TaskStore::insert(const core::TaskRecord& task, const TaskLabels& labels, TimePoint now) {
    auto done = guarded(fmt::format("cannot record task {} for volume {}", task.task_id, task.volume_id), [&] {
        SQLite::Statement q(db_.sql(),
                            "INSERT INTO tasks (id, volume_id, volume_name, project_id, server_id, server_name, kind, "
                            "status, backup_id, backup_name, last_error, created_at, updated_at, set_id) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ?, ?, ?, ?)");
        q.bind(1, task.task_id);
        q.bind(2, task.volume_id);
        q.bind(3, labels.volume_name);
        q.bind(4, task.project_id);
        q.bind(5, task.server_id);
        q.bind(6, labels.server_name);
        q.bind(7, core::to_string(task.kind));
        q.bind(8, core::to_string(task.status));
        q.bind(9, task.backup_id);
        q.bind(10, labels.backup_name);
        q.bind(11, task.last_error);
        q.bind(12, unix_seconds(task.created_at));
        q.bind(13, unix_seconds(now));
        q.bind(14, labels.set_id);
        q.exec();
    });
    if (!done && done.error().message.find("UNIQUE constraint failed: tasks.volume_id") != std::string::npos)
        done.error().kind = ErrorKind::conflict;  // another open task holds this volume
    return done;
}

Status TaskStore::assign_set(const std::string& task_id, const std::string& set_id) {
    int changed = 0;
    auto done = guarded(fmt::format("cannot record the server set of task {}", task_id), [&] {
        SQLite::Statement q(db_.sql(), "UPDATE tasks SET set_id = ? WHERE id = ?");
        q.bind(1, set_id);
        q.bind(2, task_id);
        changed = q.exec();
    });
    if (!done) return done;
    return affected_one(changed, task_id);
}

Status TaskStore::set_in_flight(const std::string& task_id, const std::string& backup_id, TimePoint now,
                                std::optional<core::BackupKind> made) {
    int changed = 0;
    auto done = guarded(fmt::format("cannot record backup {} of task {}", backup_id, task_id), [&] {
        SQLite::Transaction tx(db_.sql());
        SQLite::Statement task(db_.sql(),
                               "UPDATE tasks SET status = 'in_flight', backup_id = ?, updated_at = ?, "
                               "kind = coalesce(?, kind) WHERE id = ?");
        task.bind(1, backup_id);
        task.bind(2, unix_seconds(now));
        if (made)
            task.bind(3, core::to_string(*made));
        else
            task.bind(3);
        task.bind(4, task_id);
        changed = task.exec();
        // From this commit on the API protects the backup, even before Cinder lists it.
        SQLite::Statement backup(db_.sql(),
                                 "INSERT OR IGNORE INTO backups (backup_id, task_id, volume_id, project_id, server_id, "
                                 "kind, status, created_at, data_timestamp, updated_at) "
                                 "SELECT ?, id, volume_id, project_id, server_id, kind, 'creating', ?, ?, ? "
                                 "FROM tasks WHERE id = ?");
        backup.bind(1, backup_id);
        backup.bind(2, unix_seconds(now));
        backup.bind(3, unix_seconds(now));
        backup.bind(4, unix_seconds(now));
        backup.bind(5, task_id);
        backup.exec();
        failpoint::hit("backup.record.before_commit");
        tx.commit();
    });
    return done ? affected_one(changed, task_id) : done;
}

Status TaskStore::set_status(const std::string& task_id, core::TaskStatus status, const std::string& last_error,
                             TimePoint now) {
    int changed = 0;
    auto done = guarded(fmt::format("cannot mark task {} {}", task_id, core::to_string(status)), [&] {
        SQLite::Statement q(db_.sql(), "UPDATE tasks SET status = ?, last_error = ?, updated_at = ? WHERE id = ?");
        q.bind(1, core::to_string(status));
        q.bind(2, last_error);
        q.bind(3, unix_seconds(now));
        q.bind(4, task_id);
        changed = q.exec();
    });
    return done ? affected_one(changed, task_id) : done;
}

Status TaskStore::note_attempt_failed(const std::string& task_id, const std::string& error, TimePoint now) {
    int changed = 0;
    auto done = guarded(fmt::format("cannot record the failed attempt of task {}", task_id), [&] {
        SQLite::Statement q(db_.sql(),
                            "UPDATE tasks SET attempts = attempts + 1, last_error = ?, updated_at = ? "
                            "WHERE id = ?");
        q.bind(1, error);
        q.bind(2, unix_seconds(now));
        q.bind(3, task_id);
        changed = q.exec();
    });
    return done ? affected_one(changed, task_id) : done;
}

Status TaskStore::forget_backup(const std::string& task_id, TimePoint now) {
    int changed = 0;
    auto done = guarded(fmt::format("cannot update task {}", task_id), [&] {
        SQLite::Statement purge(db_.sql(), "DELETE FROM tasks WHERE id = ? AND reported = 1");
        purge.bind(1, task_id);
        changed = purge.exec();
        if (changed > 0) return;
        SQLite::Statement q(db_.sql(), "UPDATE tasks SET backup_id = NULL, updated_at = ? WHERE id = ?");
        q.bind(1, unix_seconds(now));
        q.bind(2, task_id);
        changed = q.exec();
    });
    return done ? affected_one(changed, task_id) : done;
}

}  // namespace staffeln::store
