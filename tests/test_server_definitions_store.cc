// The store's server definitions: a row per change, last_seen moved on while unchanged, the one
// in effect at a time, the JSON round trip; and the record of a restore's server.
#include "staffeln/store/database.h"
#include "staffeln/store/server_definitions.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::store;
using staffeln::testing::TempDir;

namespace {

TimePoint at(int seconds) { return TimePoint{std::chrono::seconds(1'800'000'000 + seconds)}; }

core::ServerDefinition web(std::string flavor) {
    core::ServerDefinition d;
    d.server_id = "s1";
    d.name = "web-\xc3\xa9";  // a name beyond ASCII survives the JSON
    d.project_id = "p1";
    d.flavor = {"", std::move(flavor), 2, 2048, 20};
    d.availability_zone = "nova";
    d.metadata = {{"role", "db"}};
    d.security_groups = {"default"};
    d.addresses = {{"private", "10.0.0.5", "fa:16:3e:00:00:01", "fixed", 4}};
    d.volumes = {{"v-root", "/dev/vda", 0, true}, {"v-data", "/dev/vdb", -1, false}};
    return d;
}

Database open_store(TempDir& dir) {
    auto db = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
    REQUIRE(db.ok());
    REQUIRE(db->create_schema().ok());
    return std::move(db).value();
}

}  // namespace

TEST_CASE("server definitions: a row per change, last_seen moved on while unchanged, the one in effect at a time") {
    TempDir dir;
    Database db = open_store(dir);
    REQUIRE(record_definitions(db, {web("m1.small")}, at(0)).ok());
    REQUIRE(record_definitions(db, {web("m1.small")}, at(100)).ok());
    REQUIRE(record_definitions(db, {web("m1.large")}, at(200)).ok());
    auto loaded = load_definitions(db, "s1");
    REQUIRE(loaded.ok());
    REQUIRE(loaded->size() == 2);
    CHECK((*loaded)[0].definition == web("m1.small"));
    CHECK((*loaded)[0].recorded_at == at(0));
    CHECK((*loaded)[0].last_seen == at(100));
    CHECK((*loaded)[1].definition.flavor.name == "m1.large");
    CHECK(definition_at(*loaded, at(-5))->definition.flavor.name == "m1.small");  // before any: the oldest
    CHECK(definition_at(*loaded, at(150))->definition.flavor.name == "m1.small");
    CHECK(definition_at(*loaded, at(200))->definition.flavor.name == "m1.large");
    CHECK(definition_at({}, at(0)) == nullptr);
    CHECK(load_definitions(db, "other")->empty());
}

TEST_CASE("a recorded definition that is not the JSON staffeln writes is an error naming the field") {
    auto bad = definition_from_json(R"({"id": "s1", "name": 5})");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.starts_with("a recorded server definition: [json.exception.type_error.302]"));
    auto round = definition_from_json(definition_json(web("m1.small")));
    REQUIRE(round.ok());
    CHECK(*round == web("m1.small"));
}

TEST_CASE("a restore's server: pending when written, then its id, state and error as recorded") {
    TempDir dir;
    Database db = open_store(dir);
    SQLite::Statement(
        db.sql(),
        "INSERT INTO restores (id, server_id, project_id, at, point_time, status, created_at, updated_at) "
        "VALUES ('r1', 's1', 'p1', 0, 0, 'running', 0, 0)")
        .exec();
    CHECK(load_server_restore(db, "r1")->has_value() == false);
    REQUIRE(insert_server_restore(db, {"r1", "web-restored", "m1.small", true}, at(0)).ok());
    auto stored = load_server_restore(db, "r1");
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    CHECK((*stored)->state == ServerState::pending);
    CHECK((*stored)->keep_backup_tag);
    StoredServerRestore s = **stored;
    s.server_id = "n1";
    s.state = ServerState::failed;
    s.last_error = "server n1 is ERROR: No valid host was found. ";
    REQUIRE(record_server_restore(db, s, at(5)).ok());
    auto again = load_server_restore(db, "r1");
    CHECK((*again)->server_id == "n1");
    CHECK((*again)->state == ServerState::failed);
    CHECK((*again)->last_error == s.last_error);
}
