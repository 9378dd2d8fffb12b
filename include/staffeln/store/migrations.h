// The ordered history of the store's schema. Migration N takes a database from version N-1
// to N and runs in one transaction with the user_version bump, so a failure leaves the
// previous version intact. The newest version's schema is schema.sql.
#pragma once

#include <span>
#include <string_view>

namespace staffeln::store {

struct Migration {
    int version;
    std::string_view description;
    std::string_view sql;
};

std::span<const Migration> migrations();
int head_version();
std::string_view canonical_schema();  // schema.sql, embedded at build time

}  // namespace staffeln::store
