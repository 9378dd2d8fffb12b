// SQLite's errors as staffeln's error kinds, decided in this one place for every store access.
// Busy and locked are `timeout`: SQLite reports them only after a wait (its busy timeout, or the
// caller's retries) ran out. Corrupt and not-a-database are `corrupt`; anything else is `io`.
#pragma once

#include "staffeln/result.h"

#include <SQLiteCpp/Exception.h>

#include <string_view>

namespace staffeln::store {

// True when another connection holds the lock the statement needs (SQLITE_BUSY, SQLITE_LOCKED).
bool is_busy(const SQLite::Exception& e);

ErrorKind sqlite_error_kind(const SQLite::Exception& e);

// An Error of sqlite_error_kind(e) saying "<what>: <SQLite's message>".
Error sqlite_error(std::string_view what, const SQLite::Exception& e);

}  // namespace staffeln::store
