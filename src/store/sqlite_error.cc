#include "staffeln/store/sqlite_error.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace staffeln::store {
namespace {

int primary_code(const SQLite::Exception& e) { return e.getErrorCode() & 0xff; }

}  // namespace

bool is_busy(const SQLite::Exception& e) {
    int code = primary_code(e);
    return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

ErrorKind sqlite_error_kind(const SQLite::Exception& e) {
    int code = primary_code(e);
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return ErrorKind::corrupt;
    if (is_busy(e)) return ErrorKind::timeout;
    return ErrorKind::io;
}

Error sqlite_error(std::string_view what, const SQLite::Exception& e) {
    return make_error(sqlite_error_kind(e), fmt::format("{}: {}", what, e.what()));
}

}  // namespace staffeln::store
