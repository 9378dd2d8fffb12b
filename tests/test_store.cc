#include "staffeln/store/backup_index.h"
#include "staffeln/store/database.h"
#include "staffeln/store/migrations.h"
#include "staffeln/store/schema_inspect.h"
#include "staffeln/store/upstream_import_marker.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace staffeln;
using namespace staffeln::store;
using staffeln::testing::TempDir;

namespace {

// The schema as SQLite stores it, for comparing two databases.
std::string schema_of(Database& db) {
    std::string out;
    SQLite::Statement q(db.sql(),
                        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                        "ORDER BY type, name");
    while (q.executeStep()) out += q.getColumn(0).getString() + " " + q.getColumn(1).getString() + "\n";
    return out;
}

}  // namespace

TEST_CASE("create_schema on a new file makes the newest schema in a file only its owner can read") {
    TempDir dir;
    auto db = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
    REQUIRE(db.ok());
    CHECK(*db->schema_version() == 0);
    REQUIRE(db->create_schema().ok());
    CHECK(*db->schema_version() == head_version());
    CHECK(db->require_current().ok());
    struct stat st {};
    REQUIRE(stat((dir / "staffeln.db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(db->sql().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db->sql().execAndGet("PRAGMA foreign_keys").getInt() == 1);

    auto again = db->create_schema();
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message == "database " + (dir / "staffeln.db").string() +
                                       " already has a schema (version 7): use `staffeln db-manage upgrade`");
}

TEST_CASE("upgrading from every earlier version reaches exactly schema.sql") {
    TempDir dir;
    auto reference = Database::open(dir / "reference.db", Access::read_write, Create::if_missing);
    REQUIRE(reference.ok());
    REQUIRE(reference->create_schema().ok());
    // Every version a migration leaves, and 0 (versions are not contiguous while branches that
    // each took a number are merged one after the other).
    std::vector<int> starts{0};
    for (const auto& m : migrations())
        if (m.version < head_version()) starts.push_back(m.version);
    for (int start : starts) {
        CAPTURE(start);
        auto path = dir / ("from-" + std::to_string(start) + ".db");
        auto db = Database::open(path, Access::read_write, Create::if_missing);
        REQUIRE(db.ok());
        REQUIRE(db->upgrade(start).ok());
        CHECK(*db->schema_version() == start);
        REQUIRE(db->upgrade(head_version()).ok());
        CHECK(*db->schema_version() == head_version());
        CHECK(schema_of(*db) == schema_of(*reference));
    }
}

TEST_CASE("the store refuses a schema it does not know, saying which command to run") {
    TempDir dir;
    auto path = (dir / "staffeln.db").string();
    auto db = Database::open(path, Access::read_write, Create::if_missing);
    REQUIRE(db.ok());
    CHECK(db->require_current().error().message ==
          "database " + path + " has no schema yet: run `staffeln db-manage upgrade`");
    REQUIRE(db->create_schema().ok());
    db->sql().exec("PRAGMA user_version = 99");
    CHECK(db->require_current().error().message ==
          "database " + path +
              " is at schema version 99, newer than this staffeln knows (7): it was migrated by a "
              "newer staffeln; run that version");
    CHECK_FALSE(db->upgrade(head_version()).ok());
}

TEST_CASE("a file that is not SQLite is refused and left byte for byte as it was") {
    TempDir dir;
    const std::string content = "this is somebody's notes, not a database\n";
    auto path = dir.write("staffeln.db", content);
    auto db = Database::open(path, Access::read_write, Create::if_missing);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().kind == ErrorKind::corrupt);
    CHECK(db.error().message == path.string() +
                                    " is not an SQLite database (its header is not SQLite's); staffeln "
                                    "left it untouched: point [database] connection at another file or "
                                    "move this one away");
    CHECK(testing::read_file(path) == content);
    CHECK_FALSE(std::filesystem::exists(path.string() + "-wal"));
}

TEST_CASE("a FIFO or a device as the database is refused without waiting on it or reading it") {
    TempDir dir;
    auto fifo = dir / "staffeln.db";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    for (auto access : {Access::read_write, Access::read_only}) {
        auto db = Database::open(fifo, access, Create::if_missing);
        REQUIRE_FALSE(db.ok());
        CHECK(db.error().kind == ErrorKind::invalid_input);
        CHECK(db.error().message == fifo.string() + ": is a FIFO; only a regular file is read as a database");
        auto zero = Database::open("/dev/zero", access, Create::never);
        REQUIRE_FALSE(zero.ok());
        CHECK(zero.error().message == "/dev/zero: is a character device; only a regular file is read as a database");
    }
    auto version = inspect_schema_version(fifo);
    REQUIRE_FALSE(version.ok());
    CHECK(version.error().message == fifo.string() + ": is a FIFO; only a regular file is read as a database");
    auto zero = inspect_schema_version("/dev/zero");
    REQUIRE_FALSE(zero.ok());
    CHECK(zero.error().message == "/dev/zero: is a character device; only a regular file is read as a database");
}

TEST_CASE("the backups table is read for a dry run without a trace: no -wal or -shm is made") {
    TempDir dir;
    auto path = dir / "staffeln.db";
    {
        auto db = Database::open(path, Access::read_write, Create::if_missing);
        REQUIRE(db.ok());
        REQUIRE(db->create_schema().ok());
        Backup b;
        b.id = "b1";
        b.volume_id = "v1";
        b.project_id = "p1";
        b.status = "available";
        REQUIRE(BackupIndex(*db).add(b, "s1", TimePoint{}).ok());
    }
    REQUIRE_FALSE(std::filesystem::exists(path.string() + "-wal"));
    auto ids = inspect_backup_ids(path);
    REQUIRE(ids.ok());
    CHECK(*ids == std::unordered_set<std::string>{"b1"});
    CHECK_FALSE(std::filesystem::exists(path.string() + "-wal"));
    CHECK_FALSE(std::filesystem::exists(path.string() + "-shm"));
}

TEST_CASE("a sync of the backups table keeps the server an imported backup was recorded with") {
    TempDir dir;
    auto db = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
    REQUIRE(db.ok());
    REQUIRE(db->create_schema().ok());
    Backup imported;
    imported.id = "b1";
    imported.volume_id = "v1";
    imported.project_id = "p1";
    imported.status = "available";
    imported.metadata["staffeln:task"] = "upstream-b1";
    Backup made = imported;
    made.id = "b2";
    made.metadata["staffeln:task"] = "t2";
    REQUIRE(BackupIndex(*db).add(imported, "s1", TimePoint{}).ok());
    REQUIRE(BackupIndex(*db).sync({imported, made}, TimePoint{}).ok());
    auto server_of = [&](const char* id) {
        SQLite::Statement q(db->sql(), "SELECT server_id, task_id FROM backups WHERE backup_id = ?");
        q.bind(1, id);
        REQUIRE(q.executeStep());
        return q.getColumn(0).getString() + "/" + q.getColumn(1).getString();
    };
    CHECK(server_of("b1") == "s1/upstream-b1");
    CHECK(server_of("b2") == "/t2");  // Cinder's listing names no server; the task does
}

TEST_CASE("the upstream import mark: absent until set, kept across a sync of the backups table, renewed") {
    TempDir dir;
    auto db = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
    REQUIRE(db.ok());
    REQUIRE(db->create_schema().ok());
    UpstreamImportMarker marker(*db);
    auto none = marker.completed();
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());

    REQUIRE(marker.mark_completed(TimePoint(std::chrono::seconds(1000)), "mysql://root:***@db/staffeln").ok());
    REQUIRE(BackupIndex(*db).sync({}, TimePoint{}).ok());
    auto set = marker.completed();
    REQUIRE(set.ok());
    REQUIRE(set->has_value());
    CHECK((*set)->completed_at == TimePoint(std::chrono::seconds(1000)));
    CHECK((*set)->source == "mysql://root:***@db/staffeln");
    REQUIRE(marker.mark_completed(TimePoint(std::chrono::seconds(2000)), "mysql://db/staffeln").ok());
    CHECK(db->sql().execAndGet("SELECT count(*) FROM upstream_import").getInt() == 1);
    CHECK((*marker.completed())->completed_at == TimePoint(std::chrono::seconds(2000)));
}

TEST_CASE("imported backups are counted by their task id's prefix") {
    TempDir dir;
    auto db = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
    REQUIRE(db.ok());
    REQUIRE(db->create_schema().ok());
    auto add = [&](const std::string& id, const std::string& task) {
        Backup b;
        b.id = id;
        b.volume_id = "v1";
        b.project_id = "p1";
        b.status = "available";
        b.metadata["staffeln:task"] = task;
        REQUIRE(BackupIndex(*db).add(b, "s1", TimePoint{}).ok());
    };
    add("b1", "upstream-b1");
    add("b2", "t-2");
    add("b3", "upstream-b3");
    add("b4", "upstream_b4");
    auto n = BackupIndex(*db).count_with_task_prefix("upstream-");
    REQUIRE(n.ok());
    CHECK(*n == 2);
}

TEST_CASE("a damaged SQLite file is reported as corrupt, not crashed on") {
    TempDir dir;
    auto path = dir / "staffeln.db";
    {
        auto db = Database::open(path, Access::read_write, Create::if_missing);
        REQUIRE(db.ok());
        REQUIRE(db->create_schema().ok());
        db->sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    std::string bytes = testing::read_file(path);
    for (std::size_t i = 100; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5);
    dir.write("staffeln.db", bytes);
    auto db = Database::open(path, Access::read_write, Create::if_missing);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().kind == ErrorKind::corrupt);
    CHECK(db.error().message.starts_with("cannot open database " + path.string() + ": "));
}

TEST_CASE("a missing directory or a missing database is an error that names it, and nothing is created") {
    TempDir dir;
    auto in_missing_dir = dir / "nope" / "staffeln.db";
    auto db = Database::open(in_missing_dir, Access::read_write, Create::if_missing);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().message == "cannot open database " + in_missing_dir.string() + ": directory " +
                                    (dir / "nope").string() + " does not exist");
    CHECK_FALSE(std::filesystem::exists(dir / "nope"));

    auto absent = Database::open(dir / "staffeln.db", Access::read_only, Create::never);
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().kind == ErrorKind::not_found);
    CHECK(absent.error().message == "database " + (dir / "staffeln.db").string() +
                                        " does not exist: run `staffeln db-manage upgrade` to create it");
    CHECK_FALSE(std::filesystem::exists(dir / "staffeln.db"));
}

TEST_CASE("the schema keeps at most one backup in flight per volume") {
    TempDir dir;
    auto db = Database::open(dir / "staffeln.db", Access::read_write, Create::if_missing);
    REQUIRE(db.ok());
    REQUIRE(db->create_schema().ok());
    auto insert = [&](const char* id, const char* status) {
        SQLite::Statement q(db->sql(),
                            "INSERT INTO tasks (id, volume_id, project_id, kind, status, created_at, "
                            "updated_at) VALUES (?, 'vol-1', 'p1', 'full', ?, 0, 0)");
        q.bind(1, id);
        q.bind(2, status);
        return guarded("insert", [&] { q.exec(); });
    };
    CHECK(insert("t1", "succeeded").ok());
    CHECK(insert("t2", "in_flight").ok());
    auto second = insert("t3", "pending");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().message.find("UNIQUE constraint failed") != std::string::npos);
}
