#include "staffeln/store/schema_inspect.h"

#include "staffeln/store/database.h"
#include "staffeln/regular_file.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace staffeln::store {
namespace {

namespace fs = std::filesystem;

// SQLite's URI for reading path without locks or side files; only '%', '?' and '#' have a
// meaning in a URI's path.
std::string immutable_uri(const fs::path& path) {
    std::string uri = "file:";
    for (char c : path.string()) {
        if (c == '%' || c == '?' || c == '#')
            uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        else
            uri += c;
    }
    return uri + "?immutable=1";
}

// Runs read on the store at path without leaving a trace: through an ordinary read-only open when
// a writer's -wal is there already (it adds nothing then), else on the file opened as immutable.
template <class Read>
Status read_traceless(const fs::path& path, const std::string& what, Read read) {
    // A FIFO or a device is refused before SQLite would wait on it or read it.
    if (auto start = read_regular_file_start(path, "database", 0); !start && start.error().kind != ErrorKind::not_found)
        return start.error();
    std::error_code ec;
    if (!fs::exists(path, ec) || fs::exists(path.string() + "-wal", ec)) {
        auto db = Database::open(path, Access::read_only, Create::never);
        if (!db) return db.error();
        return guarded(what, [&] { read(db->sql()); });
    }
    return guarded(what, [&] {
        SQLite::Database db(immutable_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
        read(db);
    });
}

}  // namespace

Result<int> inspect_schema_version(const fs::path& path) {
    int version = 0;
    auto read = read_traceless(path, fmt::format("cannot read the schema version of {}", path.string()),
                               [&](SQLite::Database& db) { version = db.execAndGet("PRAGMA user_version").getInt(); });
    if (!read) return read.error();
    return version;
}

Result<std::unordered_set<std::string>> inspect_backup_ids(const fs::path& path) {
    std::unordered_set<std::string> ids;
    auto read = read_traceless(path, fmt::format("cannot read the backups table of {}", path.string()),
                               [&](SQLite::Database& db) {
                                   SQLite::Statement q(db, "SELECT backup_id FROM backups");
                                   while (q.executeStep()) ids.insert(q.getColumn(0).getString());
                               });
    if (!read) return read.error();
    return ids;
}

}  // namespace staffeln::store
