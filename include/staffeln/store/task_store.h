// The tasks table: staffeln's record of each backup it means to make (core/task.h).
// A task is inserted before its create call; the schema's partial unique index makes a second
// open task for one volume fail with ErrorKind::conflict, whatever process or thread tries.
// Every function is one statement or one transaction: a crash leaves the previous state.
#pragma once

#include "staffeln/core/task.h"
#include "staffeln/store/database.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::store {

// What the report shows besides the task itself.
struct TaskLabels {
    std::string volume_name;
    std::string server_name;
    std::string backup_name;
    std::string set_id;  // its server set (store/server_sets.h), "" for none
};

class TaskStore {
public:
    explicit TaskStore(Database& db) : db_(db) {}

    Result<std::vector<core::TaskRecord>> load_all();
    Status insert(const core::TaskRecord& task, const TaskLabels& labels, TimePoint now);
    // Cinder accepted the create: remember the backup, which also makes it known as automated.
    // made: the kind Cinder was asked for, when it differs from the task's plan (a retry as full).
    Status set_in_flight(const std::string& task_id, const std::string& backup_id, TimePoint now,
                         std::optional<core::BackupKind> made = std::nullopt);
    Status set_status(const std::string& task_id, core::TaskStatus status, const std::string& last_error,
                      TimePoint now);
    // A retried task joins the server set of the cycle that retries it.
    Status assign_set(const std::string& task_id, const std::string& set_id);
    // A create attempt failed but will be retried: keep the task pending with the reason.
    Status note_attempt_failed(const std::string& task_id, const std::string& error, TimePoint now);
    // The task's backup is gone from Cinder: a reported record goes; any other stays for the
    // report, without the backup.
    Status forget_backup(const std::string& task_id, TimePoint now);

private:
    Database& db_;
};

}  // namespace staffeln::store
