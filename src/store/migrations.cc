#include "staffeln/store/migrations.h"

#include "staffeln/schema_sql.h"

#include <array>

namespace staffeln::store {
namespace {

// Version 1 is the first schema, which schema.sql still is. When schema.sql changes, freeze
// its current text here as version 1's SQL and add version 2 with the ALTER statements.
const std::array kMigrations{
    Migration{1, "initial schema: tasks, backups, report_timestamps", kSchemaSql},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int head_version() { return kMigrations.back().version; }

std::string_view canonical_schema() { return kSchemaSql; }

}  // namespace staffeln::store
