// The store's record of servers' definitions (core/server_definition.h), kept with their backups:
// a row per server and change, as JSON, and for a restore that boots a server from its volumes
// (--recreate-server) what was asked and how far it got. Prepared SQL only.
#pragma once

#include "staffeln/core/server_definition.h"
#include "staffeln/store/database.h"
#include "staffeln/store/server_definition_json.h"

#include <optional>
#include <string>
#include <vector>

namespace staffeln::store {

struct RecordedDefinition {
    core::ServerDefinition definition;
    TimePoint recorded_at{};  // the first cycle that saw it so
    TimePoint last_seen{};    // the last cycle that saw it so
};

// In one transaction: each definition becomes a new row when it differs from the server's
// newest, else that row's last_seen moves to now.
Status record_definitions(Database& db, const std::vector<core::ServerDefinition>& definitions, TimePoint now);

// The server's recorded definitions, oldest first.
Result<std::vector<RecordedDefinition>> load_definitions(Database& db, const std::string& server_id);

// The definition in effect at `at`: the newest recorded at or before it, else the oldest
// (backups imported or made before definitions were kept); nullptr when there is none.
const RecordedDefinition* definition_at(const std::vector<RecordedDefinition>& recorded, TimePoint at);

enum class ServerState { pending, building, active, failed };
const char* to_string(ServerState state);

struct StoredServerRestore {
    std::string restore_id{};
    std::string name{};    // the new server's
    std::string flavor{};  // --flavor; "" the recorded one
    bool keep_backup_tag = false;
    std::string server_id{};  // "" until Nova answered the boot
    ServerState state = ServerState::pending;
    std::string last_error{};
};

Status insert_server_restore(Database& db, const StoredServerRestore& server, TimePoint now);
Result<std::optional<StoredServerRestore>> load_server_restore(Database& db, const std::string& restore_id);
Status record_server_restore(Database& db, const StoredServerRestore& server, TimePoint now);

}  // namespace staffeln::store
