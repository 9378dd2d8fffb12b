#include "staffeln/store/restore_store.h"

#include "staffeln/core/restore_original.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace staffeln::store {
namespace {

std::int64_t unix_seconds(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
TimePoint from_unix(std::int64_t seconds) { return TimePoint{std::chrono::seconds(seconds)}; }

VolumeState state_from(const std::string& text) {
    for (auto s : {VolumeState::pending, VolumeState::created, VolumeState::restoring, VolumeState::done})
        if (text == to_string(s)) return s;
    return VolumeState::failed;
}

constexpr const char* kRestoreColumns =
    "SELECT id, server_id, server_name, project_id, at, point_time, status, created_at, into_target, "
    "project_restore_id FROM restores ";

StoredRestore restore_row(SQLite::Statement& q) {
    StoredRestore r{
        q.getColumn(0).getString(), q.getColumn(1).getString(),           q.getColumn(2).getString(),
        q.getColumn(3).getString(), from_unix(q.getColumn(4).getInt64()), from_unix(q.getColumn(5).getInt64()),
        q.getColumn(6).getString(), from_unix(q.getColumn(7).getInt64()), {}};
    r.into = core::restore_into_from(q.getColumn(8).getString()).value_or(core::RestoreInto::new_volumes);
    r.project_restore_id = q.getColumn(9).getString();
    return r;
}

void load_volumes(Database& db, StoredRestore& r) {
    SQLite::Statement q(db.sql(),
                        "SELECT source_volume_id, source_name, backup_id, new_name, size_gb, volume_type, bootable, "
                        "restored_volume_id, state, last_error FROM restore_volumes WHERE restore_id = ?1 "
                        "ORDER BY position");
    q.bind(1, r.id);
    while (q.executeStep()) {
        StoredRestoreVolume v;
        v.plan =
            core::VolumeRestore{q.getColumn(0).getString(),  q.getColumn(1).getString(), q.getColumn(2).getString(),
                                q.getColumn(3).getString(),  q.getColumn(4).getInt64(),  q.getColumn(5).getString(),
                                q.getColumn(6).getInt() == 1};
        v.restored_volume_id = q.getColumn(7).getString();
        v.state = state_from(q.getColumn(8).getString());
        v.last_error = q.getColumn(9).getString();
        r.volumes.push_back(std::move(v));
    }
}

Result<std::vector<StoredRestore>> restores_where(Database& db, const std::string& what, const std::string& where,
                                                  const std::string& arg) {
    std::vector<StoredRestore> out;
    auto read = guarded(fmt::format("cannot read {} in {}", what, db.path().string()), [&] {
        SQLite::Statement q(db.sql(), std::string(kRestoreColumns) + where);
        if (!arg.empty()) q.bind(1, arg);
        while (q.executeStep()) out.push_back(restore_row(q));
        for (auto& r : out) load_volumes(db, r);
    });
    if (!read) return read.error();
    return out;
}

}  // namespace

const char* to_string(VolumeState state) {
    switch (state) {
        case VolumeState::pending:
            return "pending";
        case VolumeState::created:
            return "created";
        case VolumeState::restoring:
            return "restoring";
        case VolumeState::done:
            return "done";
        case VolumeState::failed:
            return "failed";
    }
    return "failed";
}

Status insert_restore(Database& db, const std::string& id, const core::RestorePlan& plan, TimePoint now) {
    auto running = running_restore(db, plan.server_id);
    if (!running) return running.error();
    if (*running)
        return make_error(ErrorKind::conflict, fmt::format("server {} already has restore {} running in {}",
                                                           plan.server_id, (*running)->id, db.path().string()));
    return guarded(fmt::format("cannot record restore {} of server {} in {}", id, plan.server_id, db.path().string()),
                   [&] {
                       SQLite::Transaction tx(db.sql());
                       write_restore_rows(db, id, plan, now, "");
                       tx.commit();
                   });
}

void write_restore_rows(Database& db, const std::string& id, const core::RestorePlan& plan, TimePoint now,
                        const std::string& project_restore_id) {
    SQLite::Statement r(db.sql(),
                        "INSERT INTO restores (id, server_id, server_name, project_id, at, point_time, status, "
                        "created_at, updated_at, into_target, project_restore_id) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?7, ?8, ?9)");
    r.bind(1, id);
    r.bind(2, plan.server_id);
    r.bind(3, plan.server_name);
    r.bind(4, plan.project_id);
    r.bind(5, unix_seconds(plan.at));
    r.bind(6, unix_seconds(plan.point_time));
    r.bind(7, unix_seconds(now));
    r.bind(8, core::to_string(plan.into));
    r.bind(9, project_restore_id);
    r.exec();
    int position = 0;
    for (const auto& v : plan.volumes) {
        // Over the originals, the volume written is the source itself: known from the start.
        const bool original = plan.into == core::RestoreInto::original;
        SQLite::Statement q(db.sql(),
                            "INSERT INTO restore_volumes (restore_id, source_volume_id, position, source_name, "
                            "backup_id, new_name, size_gb, volume_type, bootable, restored_volume_id, state, "
                            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11)");
        q.bind(1, id);
        q.bind(2, v.source_volume_id);
        q.bind(3, position++);
        q.bind(4, v.source_name);
        q.bind(5, v.backup_id);
        q.bind(6, v.new_name);
        q.bind(7, v.size_gb);
        q.bind(8, v.volume_type);
        q.bind(9, v.bootable ? 1 : 0);
        q.bind(10, original ? v.source_volume_id : std::string());
        q.bind(11, unix_seconds(now));
        q.exec();
    }
}

Result<std::optional<StoredRestore>> running_restore(Database& db, const std::string& server_id) {
    auto found = restores_where(db, fmt::format("the running restore of server {}", server_id),
                                "WHERE server_id = ?1 AND status = 'running'", server_id);
    if (!found) return found.error();
    if (found->empty()) return std::optional<StoredRestore>();
    return std::optional<StoredRestore>(std::move(found->front()));
}

Result<StoredRestore> load_restore(Database& db, const std::string& id) {
    auto found = restores_where(db, fmt::format("restore {}", id), "WHERE id = ?1", id);
    if (!found) return found.error();
    if (found->empty())
        return make_error(ErrorKind::not_found,
                          fmt::format("restore {}: the store {} has no restore with this ID", id, db.path().string()));
    return std::move(found->front());
}

Result<std::vector<StoredRestore>> load_restores(Database& db) {
    return restores_where(db, "the restores", "ORDER BY created_at DESC, id", "");
}

Result<std::vector<StoredRestore>> restores_of_project_restore(Database& db, const std::string& project_restore_id) {
    return restores_where(db, fmt::format("the server restores of project restore {}", project_restore_id),
                          "WHERE project_restore_id = ?1 ORDER BY server_name, server_id", project_restore_id);
}

Status record_volume(Database& db, const std::string& restore_id, const StoredRestoreVolume& volume, TimePoint now) {
    return guarded(fmt::format("cannot record volume {} of restore {} in {}", volume.plan.source_volume_id, restore_id,
                               db.path().string()),
                   [&] {
                       SQLite::Statement q(db.sql(),
                                           "UPDATE restore_volumes SET restored_volume_id = ?3, state = ?4, "
                                           "last_error = ?5, updated_at = ?6 "
                                           "WHERE restore_id = ?1 AND source_volume_id = ?2");
                       q.bind(1, restore_id);
                       q.bind(2, volume.plan.source_volume_id);
                       q.bind(3, volume.restored_volume_id);
                       q.bind(4, to_string(volume.state));
                       q.bind(5, volume.last_error);
                       q.bind(6, unix_seconds(now));
                       q.exec();
                   });
}

Status set_restore_status(Database& db, const std::string& restore_id, const std::string& status, TimePoint now) {
    return guarded(fmt::format("cannot set restore {} {} in {}", restore_id, status, db.path().string()), [&] {
        SQLite::Statement q(db.sql(), "UPDATE restores SET status = ?2, updated_at = ?3 WHERE id = ?1");
        q.bind(1, restore_id);
        q.bind(2, status);
        q.bind(3, unix_seconds(now));
        q.exec();
    });
}

}  // namespace staffeln::store
