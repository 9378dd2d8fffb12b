// Writes tasks rows straight into a real store file, as the conductor would leave them,
// for the report tests.
#pragma once

#include "staffeln/store/database.h"

#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace staffeln::testing {

struct TaskRow {
    std::string id;
    std::string project_id;
    std::string status = "succeeded";  // pending, in_flight, succeeded, failed, cancelled
    std::string kind = "full";
    std::string server_name = "server";
    std::string volume_name = "volume";
    std::string last_error{};
    std::int64_t updated_at = 1'763'786'000;
    int reported = 0;
    std::string server_id{};  // "" for "srv-<id>"
    std::string set_id{};
};

inline void insert_task(store::Database& db, const TaskRow& row) {
    SQLite::Statement insert(db.sql(),
                             "INSERT INTO tasks (id, volume_id, volume_name, project_id, server_id, server_name, kind, "
                             "status, backup_id, last_error, reported, created_at, updated_at, set_id) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    insert.bind(1, row.id);
    insert.bind(2, "vol-" + row.id);
    insert.bind(3, row.volume_name);
    insert.bind(4, row.project_id);
    insert.bind(5, row.server_id.empty() ? "srv-" + row.id : row.server_id);
    insert.bind(6, row.server_name);
    insert.bind(7, row.kind);
    insert.bind(8, row.status);
    if (row.status == "succeeded") insert.bind(9, "bak-" + row.id);
    insert.bind(10, row.last_error);
    insert.bind(11, row.reported);
    insert.bind(12, row.updated_at - 300);
    insert.bind(13, row.updated_at);
    insert.bind(14, row.set_id);
    insert.exec();
}

// A new store file at the current schema.
inline store::Database new_store(const std::filesystem::path& path) {
    auto db = store::Database::open(path, store::Access::read_write, store::Create::if_missing);
    if (!db || !db->create_schema()) throw std::runtime_error("cannot create the store " + path.string());
    return std::move(*db);
}

inline std::int64_t count_rows(store::Database& db, const std::string& table) {
    return db.sql().execAndGet("SELECT count(*) FROM " + table).getInt64();
}

}  // namespace staffeln::testing
