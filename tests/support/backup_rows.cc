#include "support/backup_rows.h"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

namespace staffeln::testing {

void add_backup(store::Database& db, const std::string& id) {
    SQLite::Statement insert(db.sql(),
                             "INSERT INTO backups (backup_id, volume_id, project_id, kind, status, created_at, "
                             "data_timestamp, updated_at) VALUES (?, 'vol', 'proj', 'full', 'available', 0, 0, 0)");
    insert.bind(1, id);
    insert.exec();
}

void make_store(const std::filesystem::path& path, const std::vector<std::string>& automated) {
    auto db = store::Database::open(path, store::Access::read_write, store::Create::if_missing);
    REQUIRE(db.ok());
    REQUIRE(db->create_schema().ok());
    for (const auto& id : automated) add_backup(*db, id);
}

}  // namespace staffeln::testing
