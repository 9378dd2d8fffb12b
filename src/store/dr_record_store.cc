#include "staffeln/store/dr_record_store.h"

#include "staffeln/failpoint.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace staffeln::store {
namespace {

using core::FetchStatus;

std::int64_t unix_seconds(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_unix(std::int64_t s) { return TimePoint(std::chrono::seconds(s)); }

FetchStatus fetch_status_from(const std::string& text) {
    return text == "fetched" ? FetchStatus::fetched : FetchStatus::failed;  // the schema's CHECK allows no other
}

}  // namespace

Result<core::DrStates> DrRecordStore::states() {
    core::DrStates out;
    auto read = guarded("cannot read the disaster-recovery records of " + db_.path().string(), [&] {
        SQLite::Statement q(db_.sql(), "SELECT backup_id, fetch_status FROM dr_records");
        while (q.executeStep()) out.emplace(q.getColumn(0).getString(), fetch_status_from(q.getColumn(1).getString()));
    });
    if (!read) return read.error();
    return out;
}

Status DrRecordStore::save(const core::DrRecord& r, TimePoint now) {
    return guarded(
        fmt::format("cannot record the export record of backup {} in {}", r.backup_id, db_.path().string()), [&] {
            SQLite::Transaction tx(db_.sql());
            SQLite::Statement q(
                db_.sql(),
                "INSERT INTO dr_records (backup_id, project_id, server_id, server_name, volume_id, "
                "volume_name, volume_size_gb, volume_bootable, volume_device, kind, parent_id, created_at, "
                "data_timestamp, backup_service, backup_url, fetch_status, last_error, attempts, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) "
                "ON CONFLICT (backup_id) DO UPDATE SET parent_id = excluded.parent_id, "
                "backup_service = excluded.backup_service, backup_url = excluded.backup_url, "
                "fetch_status = excluded.fetch_status, last_error = excluded.last_error, "
                "attempts = attempts + 1, updated_at = excluded.updated_at");
            q.bind(1, r.backup_id);
            q.bind(2, r.project_id);
            q.bind(3, r.origin.server_id);
            q.bind(4, r.origin.server_name);
            q.bind(5, r.origin.volume_id);
            q.bind(6, r.origin.volume_name);
            q.bind(7, static_cast<std::int64_t>(r.origin.volume_size_gb));
            q.bind(8, r.origin.volume_bootable ? 1 : 0);
            q.bind(9, r.origin.volume_device);
            q.bind(10, core::to_string(r.kind));
            q.bind(11, r.parent_id);
            q.bind(12, unix_seconds(r.created_at));
            q.bind(13, unix_seconds(r.data_timestamp));
            q.bind(14, r.backup_service);
            q.bind(15, r.backup_url);
            q.bind(16, core::to_string(r.fetch_status));
            q.bind(17, r.last_error);
            q.bind(18, unix_seconds(now));
            q.exec();
            failpoint::hit("dr.record.before_commit");
            tx.commit();
        });
}

Result<std::vector<core::DrRecord>> DrRecordStore::load_all() {
    std::vector<core::DrRecord> out;
    auto read = guarded("cannot read the disaster-recovery records of " + db_.path().string(), [&] {
        SQLite::Statement q(db_.sql(),
                            "SELECT backup_id, project_id, server_id, server_name, volume_id, volume_name, "
                            "volume_size_gb, volume_bootable, volume_device, kind, parent_id, created_at, "
                            "data_timestamp, backup_service, backup_url, fetch_status, last_error, attempts, "
                            "updated_at FROM dr_records ORDER BY backup_id");
        while (q.executeStep()) {
            core::DrRecord r;
            r.backup_id = q.getColumn(0).getString();
            r.project_id = q.getColumn(1).getString();
            r.origin.server_id = q.getColumn(2).getString();
            r.origin.server_name = q.getColumn(3).getString();
            r.origin.volume_id = q.getColumn(4).getString();
            r.origin.volume_name = q.getColumn(5).getString();
            r.origin.volume_size_gb = q.getColumn(6).getInt64();
            r.origin.volume_bootable = q.getColumn(7).getInt() != 0;
            r.origin.volume_device = q.getColumn(8).getString();
            r.kind =
                q.getColumn(9).getString() == "incremental" ? core::BackupKind::incremental : core::BackupKind::full;
            r.parent_id = q.getColumn(10).getString();
            r.created_at = from_unix(q.getColumn(11).getInt64());
            r.data_timestamp = from_unix(q.getColumn(12).getInt64());
            r.backup_service = q.getColumn(13).getString();
            r.backup_url = q.getColumn(14).getString();
            r.fetch_status = fetch_status_from(q.getColumn(15).getString());
            r.last_error = q.getColumn(16).getString();
            r.attempts = q.getColumn(17).getInt();
            r.updated_at = from_unix(q.getColumn(18).getInt64());
            out.push_back(std::move(r));
        }
    });
    if (!read) return read.error();
    return out;
}

}  // namespace staffeln::store
