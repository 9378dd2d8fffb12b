// Store files with rows in the backups table, as the conductor leaves them, for the API's tests:
// an id in the table is an automated backup, any other id is not.
#pragma once

#include "staffeln/store/database.h"

#include <filesystem>
#include <string>
#include <vector>

namespace staffeln::testing {

constexpr const char* kProtected = "b7c2e0f4-8a3d-4c1e-9b5f-2d6a7e8f9a01";
constexpr const char* kUnprotected = "e1d2c3b4-a5f6-4789-8abc-def012345678";

// One available full backup row with this id.
void add_backup(store::Database& db, const std::string& id);

// A new store at path, at the current schema, with a row for each id in automated.
void make_store(const std::filesystem::path& path, const std::vector<std::string>& automated);

}  // namespace staffeln::testing
