#include "staffeln/store/server_definitions.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace staffeln::store {
namespace {

std::int64_t unix_seconds(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
TimePoint from_unix(std::int64_t seconds) { return TimePoint{std::chrono::seconds(seconds)}; }

ServerState server_state_from(const std::string& text) {
    for (auto s : {ServerState::pending, ServerState::building, ServerState::active})
        if (text == to_string(s)) return s;
    return ServerState::failed;
}

}  // namespace

Status record_definitions(Database& db, const std::vector<core::ServerDefinition>& definitions, TimePoint now) {
    return guarded(fmt::format("cannot record server definitions in {}", db.path().string()), [&] {
        SQLite::Transaction tx(db.sql());
        SQLite::Statement newest(db.sql(),
                                 "SELECT recorded_at, definition FROM server_definitions WHERE server_id = ?1 "
                                 "ORDER BY recorded_at DESC LIMIT 1");
        SQLite::Statement seen(
            db.sql(), "UPDATE server_definitions SET last_seen = ?3 WHERE server_id = ?1 AND recorded_at = ?2");
        SQLite::Statement insert(db.sql(),
                                 "INSERT OR REPLACE INTO server_definitions (server_id, recorded_at, project_id, "
                                 "definition, last_seen) VALUES (?1, ?2, ?3, ?4, ?2)");
        for (const auto& d : definitions) {
            const std::string text = definition_json(d);
            newest.reset();
            newest.bind(1, d.server_id);
            if (newest.executeStep() && newest.getColumn(1).getString() == text) {
                const std::int64_t recorded_at = newest.getColumn(0).getInt64();
                seen.reset();
                seen.bind(1, d.server_id);
                seen.bind(2, recorded_at);
                seen.bind(3, unix_seconds(now));
                seen.exec();
                continue;
            }
            insert.reset();
            insert.bind(1, d.server_id);
            insert.bind(2, unix_seconds(now));
            insert.bind(3, d.project_id);
            insert.bind(4, text);
            insert.exec();
        }
        tx.commit();
    });
}

Result<std::vector<RecordedDefinition>> load_definitions(Database& db, const std::string& server_id) {
    std::vector<std::pair<std::string, RecordedDefinition>> rows;
    auto read = guarded(fmt::format("cannot read server definitions in {}", db.path().string()), [&] {
        SQLite::Statement q(db.sql(),
                            "SELECT definition, recorded_at, last_seen FROM server_definitions WHERE server_id = ?1 "
                            "ORDER BY recorded_at");
        q.bind(1, server_id);
        while (q.executeStep())
            rows.push_back({q.getColumn(0).getString(),
                            {{}, from_unix(q.getColumn(1).getInt64()), from_unix(q.getColumn(2).getInt64())}});
    });
    if (!read) return read.error();
    std::vector<RecordedDefinition> out;
    for (auto& [text, row] : rows) {
        auto parsed = definition_from_json(text);
        if (!parsed)
            return make_error(ErrorKind::invalid_input,
                              fmt::format("{} (server {}, recorded at {}s) in {}", parsed.error().message, server_id,
                                          unix_seconds(row.recorded_at), db.path().string()));
        row.definition = std::move(parsed).value();
        out.push_back(std::move(row));
    }
    return out;
}

const RecordedDefinition* definition_at(const std::vector<RecordedDefinition>& recorded, TimePoint at) {
    const RecordedDefinition* found = recorded.empty() ? nullptr : &recorded.front();
    for (const auto& r : recorded)
        if (r.recorded_at <= at) found = &r;
    return found;
}

const char* to_string(ServerState state) {
    switch (state) {
        case ServerState::pending:
            return "pending";
        case ServerState::building:
            return "building";
        case ServerState::active:
            return "active";
        case ServerState::failed:
            return "failed";
    }
    return "?";
}

Status insert_server_restore(Database& db, const StoredServerRestore& server, TimePoint now) {
    return guarded(fmt::format("cannot record restore {}'s server in {}", server.restore_id, db.path().string()), [&] {
        SQLite::Statement q(db.sql(),
                            "INSERT INTO restore_servers (restore_id, name, flavor, keep_backup_tag, "
                            "server_id, state, last_error, updated_at) VALUES (?1, ?2, ?3, ?4, '', "
                            "'pending', '', ?5)");
        q.bind(1, server.restore_id);
        q.bind(2, server.name);
        q.bind(3, server.flavor);
        q.bind(4, server.keep_backup_tag ? 1 : 0);
        q.bind(5, unix_seconds(now));
        q.exec();
    });
}

Result<std::optional<StoredServerRestore>> load_server_restore(Database& db, const std::string& restore_id) {
    std::optional<StoredServerRestore> out;
    auto read = guarded(fmt::format("cannot read restore {}'s server in {}", restore_id, db.path().string()), [&] {
        SQLite::Statement q(db.sql(),
                            "SELECT name, flavor, keep_backup_tag, server_id, state, last_error FROM "
                            "restore_servers WHERE restore_id = ?1");
        q.bind(1, restore_id);
        if (q.executeStep())
            out = StoredServerRestore{restore_id,
                                      q.getColumn(0).getString(),
                                      q.getColumn(1).getString(),
                                      q.getColumn(2).getInt() == 1,
                                      q.getColumn(3).getString(),
                                      server_state_from(q.getColumn(4).getString()),
                                      q.getColumn(5).getString()};
    });
    if (!read) return read.error();
    return out;
}

Status record_server_restore(Database& db, const StoredServerRestore& server, TimePoint now) {
    return guarded(fmt::format("cannot record restore {}'s server in {}", server.restore_id, db.path().string()), [&] {
        SQLite::Statement q(db.sql(),
                            "UPDATE restore_servers SET server_id = ?2, state = ?3, last_error = ?4, "
                            "updated_at = ?5 WHERE restore_id = ?1");
        q.bind(1, server.restore_id);
        q.bind(2, server.server_id);
        q.bind(3, to_string(server.state));
        q.bind(4, server.last_error);
        q.bind(5, unix_seconds(now));
        q.exec();
    });
}

}  // namespace staffeln::store
