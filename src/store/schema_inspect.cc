#include "staffeln/store/schema_inspect.h"

#include "staffeln/store/database.h"
#include "staffeln/regular_file.h"

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

}  // namespace

Result<int> inspect_schema_version(const fs::path& path) {
    // A FIFO or a device is refused before SQLite would wait on it or read it.
    if (auto start = read_regular_file_start(path, "database", 0); !start && start.error().kind != ErrorKind::not_found)
        return start.error();
    std::error_code ec;
    // A writer's -wal and -shm are there already: an ordinary read-only open adds nothing.
    if (!fs::exists(path, ec) || fs::exists(path.string() + "-wal", ec)) {
        auto db = Database::open(path, Access::read_only, Create::never);
        if (!db) return db.error();
        return db->schema_version();
    }
    int version = 0;
    auto read = guarded(fmt::format("cannot read the schema version of {}", path.string()), [&] {
        SQLite::Database db(immutable_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
        version = db.execAndGet("PRAGMA user_version").getInt();
    });
    if (!read) return read.error();
    return version;
}

}  // namespace staffeln::store
