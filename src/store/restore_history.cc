#include "staffeln/store/restore_history.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace staffeln::store {
namespace {

TimePoint from_unix(std::int64_t seconds) { return TimePoint{std::chrono::seconds(seconds)}; }

// Rows of (server_id, server_name, project_id) of tasks, oldest first, selected by ?1.
constexpr const char* kServerById =
    "SELECT server_id, server_name, project_id FROM tasks WHERE server_id <> '' AND server_id IN "
    "(SELECT server_id FROM tasks WHERE server_id = ?1 OR server_name = ?1) ORDER BY created_at, id";
constexpr const char* kServersOfProject =
    "SELECT server_id, server_name, project_id FROM tasks WHERE server_id <> '' AND project_id = ?1 "
    "ORDER BY created_at, id";

// The servers the query's rows name, each with the newest non-empty name and project recorded.
Result<std::vector<KnownServer>> servers_where(Database& db, const std::string& what, const char* sql,
                                               std::string_view arg) {
    std::map<std::string, KnownServer> by_id;
    auto read = guarded(fmt::format("cannot {} in {}", what, db.path().string()), [&] {
        SQLite::Statement q(db.sql(), sql);
        q.bind(1, std::string(arg));
        while (q.executeStep()) {
            auto& s = by_id[q.getColumn(0).getString()];
            s.id = q.getColumn(0).getString();
            if (auto name = q.getColumn(1).getString(); !name.empty()) s.name = name;
            if (auto project = q.getColumn(2).getString(); !project.empty()) s.project_id = project;
        }
    });
    if (!read) return read.error();
    std::vector<KnownServer> out;
    for (auto& [id, s] : by_id) out.push_back(std::move(s));
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return std::tie(a.name, a.id) < std::tie(b.name, b.id); });
    return out;
}

}  // namespace

Result<std::vector<KnownServer>> find_servers(Database& db, std::string_view server) {
    return servers_where(db, fmt::format("look server {} up", server), kServerById, server);
}

Result<std::vector<KnownServer>> servers_of_project(Database& db, std::string_view project_id) {
    return servers_where(db, fmt::format("list the servers of project {}", project_id), kServersOfProject, project_id);
}

Result<core::ServerHistory> load_history(Database& db, const KnownServer& server) {
    core::ServerHistory h{server.id, server.name, server.project_id, {}, {}};
    auto read = guarded(fmt::format("cannot read the backups of server {} in {}", server.id, db.path().string()), [&] {
        // A volume's name as its newest task recorded it.
        SQLite::Statement volumes(db.sql(),
                                  "SELECT volume_id, volume_name FROM tasks WHERE server_id = ?1 "
                                  "ORDER BY created_at, id");
        volumes.bind(1, server.id);
        std::map<std::string, std::string> names;
        while (volumes.executeStep()) {
            auto& name = names[volumes.getColumn(0).getString()];
            if (auto recorded = volumes.getColumn(1).getString(); !recorded.empty()) name = recorded;
        }
        for (auto& [id, name] : names) h.volumes.push_back({id, std::move(name)});
        std::sort(h.volumes.begin(), h.volumes.end(),
                  [](const auto& a, const auto& b) { return std::tie(a.name, a.id) < std::tie(b.name, b.id); });
        // A backup made while its volume was attached to another server belongs to that one.
        SQLite::Statement backups(
            db.sql(),
            "SELECT b.backup_id, b.volume_id, b.kind, b.status, b.created_at, b.data_timestamp FROM backups b "
            "LEFT JOIN tasks t ON t.id = b.task_id "
            "WHERE b.volume_id IN (SELECT volume_id FROM tasks WHERE server_id = ?1) "
            "AND COALESCE(NULLIF(b.server_id, ''), t.server_id, '') IN (?1, '') "
            "ORDER BY b.data_timestamp, b.backup_id");
        backups.bind(1, server.id);
        while (backups.executeStep()) {
            h.backups.push_back({backups.getColumn(0).getString(), backups.getColumn(1).getString(),
                                 backups.getColumn(2).getString() == "incremental" ? core::BackupKind::incremental
                                                                                   : core::BackupKind::full,
                                 backups.getColumn(3).getString(), from_unix(backups.getColumn(4).getInt64()),
                                 from_unix(backups.getColumn(5).getInt64())});
        }
    });
    if (!read) return read.error();
    return h;
}

}  // namespace staffeln::store
