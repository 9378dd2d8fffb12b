#include "staffeln/store/server_sets.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace staffeln::store {
namespace {

std::int64_t unix_seconds(TimePoint t) { return t.time_since_epoch().count(); }

}  // namespace

Status record_server_set(Database& db, const ServerSetRow& set) {
    return guarded(fmt::format("cannot record the server set of server {} in {}", set.server_id, db.path().string()),
                   [&] {
                       SQLite::Statement q(db.sql(),
                                           "INSERT INTO server_sets (id, server_id, project_id, mode, volumes, "
                                           "created_at) VALUES (?, ?, ?, ?, ?, ?)");
                       q.bind(1, set.id);
                       q.bind(2, set.server_id);
                       q.bind(3, set.project_id);
                       q.bind(4, core::to_string(set.mode));
                       q.bind(5, set.volumes);
                       q.bind(6, unix_seconds(set.created_at));
                       q.exec();
                   });
}

Result<bool> holds_snapshot_sets(Database& db) {
    bool holds = false;
    auto read = guarded(fmt::format("cannot read the server sets of {}", db.path().string()), [&] {
        SQLite::Statement q(db.sql(), "SELECT EXISTS (SELECT 1 FROM server_sets WHERE mode = ?)");
        q.bind(1, core::to_string(core::BackupMode::snapshot));
        if (q.executeStep()) holds = q.getColumn(0).getInt() != 0;
    });
    if (!read) return read.error();
    return holds;
}

Status forget_unused_sets(Database& db, TimePoint before) {
    return guarded(fmt::format("cannot remove unused server sets from {}", db.path().string()), [&] {
        SQLite::Statement q(db.sql(),
                            "DELETE FROM server_sets WHERE created_at < ? "
                            "AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.set_id = server_sets.id)");
        q.bind(1, unix_seconds(before));
        q.exec();
    });
}

}  // namespace staffeln::store
