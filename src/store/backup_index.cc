#include "staffeln/store/backup_index.h"

#include "staffeln/core/backup_tag.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <string>
#include <unordered_map>

namespace staffeln::store {
namespace {

std::int64_t unix_seconds(TimePoint t) { return t.time_since_epoch().count(); }

// Both writers' column list; bind_row fills its ten places.
constexpr const char* kRowInsert =
    " INTO backups (backup_id, task_id, volume_id, project_id, server_id, kind, status, created_at, "
    "data_timestamp, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

void bind_row(SQLite::Statement& q, const Backup& tagged, const std::string& server_id, TimePoint now) {
    q.bind(1, tagged.id);
    q.bind(2, core::task_id_of(tagged).value_or(""));
    q.bind(3, tagged.volume_id);
    q.bind(4, tagged.project_id);
    q.bind(5, server_id);
    q.bind(6, tagged.is_incremental ? "incremental" : "full");
    q.bind(7, tagged.status);
    q.bind(8, unix_seconds(tagged.created_at));
    q.bind(9, unix_seconds(tagged.data_timestamp));
    q.bind(10, unix_seconds(now));
}

// The servers rows were recorded with (add(): an imported backup's), which Cinder's listing
// cannot give back: sync() keeps them.
std::unordered_map<std::string, std::string> recorded_servers(SQLite::Database& sql) {
    std::unordered_map<std::string, std::string> servers;
    SQLite::Statement q(sql, "SELECT backup_id, server_id FROM backups WHERE server_id <> ''");
    while (q.executeStep()) servers.emplace(q.getColumn(0).getString(), q.getColumn(1).getString());
    return servers;
}

}  // namespace

Status BackupIndex::sync(const std::vector<Backup>& tagged, TimePoint now) {
    return guarded("cannot rebuild the backups table of " + db_.path().string(), [&] {
        SQLite::Transaction tx(db_.sql());
        auto servers = recorded_servers(db_.sql());
        db_.sql().exec("DELETE FROM backups");
        SQLite::Statement q(db_.sql(), std::string("INSERT OR REPLACE") + kRowInsert);
        for (const auto& backup : tagged) {
            auto server = servers.find(backup.id);
            bind_row(q, backup, server == servers.end() ? std::string() : server->second, now);
            q.exec();
            q.reset();
        }
        // A backup gone from Cinder takes its disaster-recovery record with it.
        db_.sql().exec("DELETE FROM dr_records WHERE backup_id NOT IN (SELECT backup_id FROM backups)");
        tx.commit();
    });
}

Status BackupIndex::add(const Backup& tagged, const std::string& server_id, TimePoint now) {
    return guarded("cannot record backup " + tagged.id + " in " + db_.path().string(), [&] {
        SQLite::Statement q(db_.sql(), std::string("INSERT OR IGNORE") + kRowInsert);
        bind_row(q, tagged, server_id, now);
        q.exec();
    });
}

Status BackupIndex::remove(const std::string& backup_id) {
    return guarded("cannot remove backup " + backup_id + " from " + db_.path().string(), [&] {
        SQLite::Transaction tx(db_.sql());
        for (const char* sql :
             {"DELETE FROM backups WHERE backup_id = ?", "DELETE FROM dr_records WHERE backup_id = ?"}) {
            SQLite::Statement q(db_.sql(), sql);
            q.bind(1, backup_id);
            q.exec();
        }
        tx.commit();
    });
}

Result<std::size_t> BackupIndex::count() {
    std::size_t n = 0;
    auto read = guarded("cannot count backups in " + db_.path().string(), [&] {
        n = static_cast<std::size_t>(db_.sql().execAndGet("SELECT count(*) FROM backups").getInt64());
    });
    if (!read) return read.error();
    return n;
}

Result<std::size_t> BackupIndex::count_with_task_prefix(std::string_view prefix) {
    std::size_t n = 0;
    auto read = guarded("cannot count backups in " + db_.path().string(), [&] {
        SQLite::Statement q(db_.sql(), "SELECT count(*) FROM backups WHERE substr(task_id, 1, ?) = ?");
        q.bind(1, static_cast<std::int64_t>(prefix.size()));
        q.bind(2, std::string(prefix));
        q.executeStep();
        n = static_cast<std::size_t>(q.getColumn(0).getInt64());
    });
    if (!read) return read.error();
    return n;
}

Result<std::unordered_set<std::string>> BackupIndex::backup_ids() {
    std::unordered_set<std::string> ids;
    auto read = guarded("cannot read the backups table of " + db_.path().string(), [&] {
        SQLite::Statement q(db_.sql(), "SELECT backup_id FROM backups");
        while (q.executeStep()) ids.insert(q.getColumn(0).getString());
    });
    if (!read) return read.error();
    return ids;
}

}  // namespace staffeln::store
