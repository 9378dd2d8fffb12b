// Disaster-recovery records: which backups need their export record fetched and what is known
// of their origin (core/dr_record.h), the store's dr_records table, the export document and the
// private file it is written to.
#include "staffeln/base64.h"
#include "staffeln/conductor/dr_export.h"
#include "staffeln/conductor/dr_read.h"
#include "staffeln/core/dr_record.h"
#include "staffeln/private_file.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/dr_record_store.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <functional>

using namespace staffeln;
using namespace staffeln::core;
using staffeln::testing::TempDir;

namespace {

const TimePoint t0{std::chrono::seconds(1'800'000'000)};

Backup backup(const std::string& id, const std::string& volume, const std::string& status, TimePoint data_time,
              bool incremental = false) {
    Backup b;
    b.id = id;
    b.project_id = "p1";
    b.volume_id = volume;
    b.status = status;
    b.is_incremental = incremental;
    b.created_at = b.data_timestamp = data_time;
    return b;
}

TaskRecord task(const std::string& id, const std::string& volume, TaskStatus status, const std::string& backup_id) {
    TaskRecord t;
    t.task_id = id;
    t.volume_id = volume;
    t.project_id = "p1";
    t.server_id = "s-" + volume;
    t.backup_id = backup_id;
    t.status = status;
    return t;
}

BackupSnapshot snapshot_of_two_volumes() {
    BackupSnapshot s;
    s.servers.push_back(Server{"s1", "web", "p1", "ACTIVE", {}, {"v1", "v2"}});
    Volume v1{"v1", "root", "p1", "in-use", 10, {}};
    v1.bootable = true;
    v1.device = "/dev/vda";
    Volume v2{"v2", "data", "p1", "in-use", 20, {}};
    v2.device = "/dev/vdb";
    Volume v3{"v3", "spare", "p1", "available", 5, {}};
    s.volumes = {{"v1", v1}, {"v2", v2}, {"v3", v3}};
    return s;
}

DrRecord fetched(const std::string& backup_id, const std::string& project, const std::string& server_name,
                 TimePoint data_time) {
    DrRecord r;
    r.backup_id = backup_id;
    r.project_id = project;
    r.origin = {"vol-" + backup_id, "disk", 1, false, "", "id-" + server_name, server_name};
    r.data_timestamp = r.created_at = data_time;
    r.backup_service = "cinder.backup.drivers.posix.PosixBackupDriver";
    r.backup_url = "eyJpZCI6ICJ4In0=";
    r.fetch_status = FetchStatus::fetched;
    return r;
}

struct Store {
    TempDir dir;
    store::Database db = open();

    store::Database open() {
        auto opened = store::Database::open(dir / "staffeln.db", store::Access::read_write, store::Create::if_missing);
        REQUIRE(opened.ok());
        REQUIRE(opened->create_schema().ok());
        return std::move(opened).value();
    }
};

}  // namespace

TEST_CASE("origins are kept for the volumes a cycle creates backups of and those of tasks without a record") {
    BackupSnapshot s = snapshot_of_two_volumes();
    s.tasks = {task("t-done", "v3", TaskStatus::succeeded, "b-old"),
               task("t-known", "v2", TaskStatus::succeeded, "b2")};
    BackupPlan plan;
    CreateBackup create;
    create.volume_id = "v1";
    plan.actions.push_back(create);
    DrStates states{{"b2", FetchStatus::fetched}};
    auto origins = dr_origins(s, plan, states);
    REQUIRE(origins.size() == 2);  // v2's backup has its record: v2 is not needed
    CHECK(origins[0].volume_id == "v1");
    CHECK(origins[0].volume_name == "root");
    CHECK(origins[0].volume_size_gb == 10);
    CHECK(origins[0].volume_bootable);
    CHECK(origins[0].volume_device == "/dev/vda");
    CHECK(origins[0].server_id == "s1");
    CHECK(origins[0].server_name == "web");
    CHECK(origins[1].volume_id == "v3");
    CHECK(origins[1].server_id.empty());  // detached
    CHECK(origins[1].volume_size_gb == 5);
}

TEST_CASE("records are fetched for succeeded tasks' available backups once, and again only after a failure") {
    std::vector<Backup> listed = {backup("b-incr", "v1", "available", t0 + std::chrono::hours(1), true),
                                  backup("b-full", "v1", "available", t0),
                                  backup("b-creating", "v2", "creating", t0),
                                  backup("b-done", "v2", "available", t0 - std::chrono::hours(5)),
                                  backup("b-failed-before", "v3", "available", t0 - std::chrono::hours(9)),
                                  backup("b-adopted-only", "v3", "available", t0 - std::chrono::hours(8))};
    std::vector<TaskRecord> tasks = {
        task("t1", "v1", TaskStatus::succeeded, "b-full"), task("t2", "v1", TaskStatus::succeeded, "b-incr"),
        task("t3", "v2", TaskStatus::in_flight, "b-creating"), task("t4", "v2", TaskStatus::succeeded, "b-done")};
    DrStates states{{"b-done", FetchStatus::fetched}, {"b-failed-before", FetchStatus::failed}};
    std::vector<DrOrigin> origins = {{"v1", "root", 10, true, "/dev/vda", "s1", "web"}};
    auto records = dr_records_to_fetch(listed, tasks, states, origins, {});
    REQUIRE(records.size() == 3);
    // Oldest data first: a parent before its incrementals.
    CHECK(records[0].backup_id == "b-failed-before");
    CHECK(records[0].origin.volume_id == "v3");
    CHECK(records[0].origin.server_id.empty());
    CHECK(records[1].backup_id == "b-full");
    CHECK(records[1].kind == BackupKind::full);
    CHECK(records[1].origin.server_name == "web");
    CHECK(records[1].origin.volume_bootable);
    CHECK(records[2].backup_id == "b-incr");
    CHECK(records[2].kind == BackupKind::incremental);
    CHECK(records[2].data_timestamp == t0 + std::chrono::hours(1));
    CHECK(records[2].project_id == "p1");
}

TEST_CASE("backups of the store's index without a record are fetched too: the backfill of older backups") {
    std::vector<Backup> listed = {backup("b-before-upgrade", "v1", "available", t0 - std::chrono::hours(48)),
                                  backup("b-indexed-creating", "v1", "creating", t0),
                                  backup("b-indexed-fetched", "v2", "available", t0),
                                  backup("b-not-indexed", "v3", "available", t0)};
    std::unordered_set<std::string> indexed = {"b-before-upgrade", "b-indexed-creating", "b-indexed-fetched"};
    DrStates states{{"b-indexed-fetched", FetchStatus::fetched}};
    std::vector<DrOrigin> origins = {{"v1", "root", 10, true, "/dev/vda", "s1", "web"}};
    auto records = dr_records_to_fetch(listed, {}, states, origins, indexed);
    REQUIRE(records.size() == 1);  // no task left: the index says it is staffeln's
    CHECK(records[0].backup_id == "b-before-upgrade");
    CHECK(records[0].origin.server_name == "web");
    CHECK(records[0].origin.volume_name == "root");

    BackupSnapshot s = snapshot_of_two_volumes();
    s.backups = listed;
    s.indexed_backup_ids = indexed;
    auto wanted = dr_origins(s, BackupPlan{}, states);
    REQUIRE(wanted.size() == 1);  // v1 for its backup without a record; v2's has one
    CHECK(wanted[0].volume_id == "v1");
    CHECK(wanted[0].server_id == "s1");
}

TEST_CASE("an export selects records by project and by server id or name, in a stable order") {
    std::vector<DrRecord> all = {fetched("b3", "p2", "db", t0), fetched("b2", "p1", "web", t0 + std::chrono::hours(1)),
                                 fetched("b1", "p1", "web", t0)};
    auto p1 = select_dr_records(all, "p1", "");
    REQUIRE(p1.size() == 2);
    CHECK(p1[0].backup_id == "b1");
    CHECK(p1[1].backup_id == "b2");
    CHECK(select_dr_records(all, "", "db").size() == 1);
    CHECK(select_dr_records(all, "", "id-db").size() == 1);
    CHECK(select_dr_records(all, "p1", "db").empty());
    CHECK(select_dr_records(all, "", "").size() == 3);
}

TEST_CASE("the dr_records table keeps a record, counts attempts, keeps the first origin and goes with its backup") {
    Store s;
    store::DrRecordStore records(s.db);
    store::BackupIndex index(s.db);
    std::vector<Backup> tagged = {backup("b1", "v1", "available", t0), backup("b2", "v1", "available", t0)};
    REQUIRE(index.sync(tagged, t0).ok());

    DrRecord failed = fetched("b1", "p1", "web", t0);
    failed.origin.volume_bootable = true;
    failed.origin.volume_device = "/dev/vda";
    failed.kind = BackupKind::incremental;
    failed.parent_id.clear();
    failed.backup_service.clear();
    failed.backup_url.clear();
    failed.fetch_status = FetchStatus::failed;
    failed.last_error = "cinder GET /backups/b1/export_record: HTTP 503: busy";
    REQUIRE(records.save(failed, t0).ok());
    CHECK(records.states()->at("b1") == FetchStatus::failed);

    DrRecord retried = fetched("b1", "p1", "other", t0);
    retried.parent_id = "b0";
    REQUIRE(records.save(retried, t0 + std::chrono::hours(1)).ok());
    REQUIRE(records.save(fetched("b2", "p1", "web", t0), t0).ok());
    auto loaded = records.load_all();
    REQUIRE(loaded.ok());
    REQUIRE(loaded->size() == 2);
    const DrRecord& r = loaded->front();
    CHECK(r.backup_id == "b1");
    CHECK(r.fetch_status == FetchStatus::fetched);
    CHECK(r.last_error.empty());
    CHECK(r.attempts == 2);
    CHECK(r.parent_id == "b0");
    CHECK(r.backup_url == "eyJpZCI6ICJ4In0=");
    CHECK(r.origin.server_name == "web");  // the first write's origin
    CHECK(r.origin.volume_bootable);
    CHECK(r.origin.volume_device == "/dev/vda");
    CHECK(r.kind == BackupKind::incremental);
    CHECK(r.updated_at == t0 + std::chrono::hours(1));

    REQUIRE(index.remove("b1").ok());  // retention deleted it
    CHECK(records.states()->size() == 1);
    REQUIRE(index.sync({}, t0).ok());  // gone from Cinder's listing
    CHECK(records.states()->empty());
}

TEST_CASE("the export document carries the format, the fetched records and the ones not fetched apart") {
    DrRecord missing = fetched("b9", "p1", "web", t0);
    missing.fetch_status = FetchStatus::failed;
    missing.last_error = "HTTP 403: Policy doesn't allow backup:export-import to be performed.";
    missing.attempts = 3;
    DrRecord incr = fetched("b2", "p1", "web", t0 + std::chrono::hours(1));
    incr.kind = BackupKind::incremental;
    incr.parent_id = "b1";
    incr.origin.volume_device = "/dev/vda";
    auto doc =
        nlohmann::json::parse(conductor::dr_document({fetched("b1", "p1", "web", t0), incr, missing}, t0, "p1", ""));
    CHECK(doc["format"] == "staffeln-backup-records/1");
    CHECK(doc["generated_at"] == "2027-01-15T08:00:00Z");
    CHECK(doc["selection"] == nlohmann::json::parse(R"({"project": "p1", "server": null})"));
    REQUIRE(doc["records"].size() == 2);
    CHECK(doc["records"][0]["parent_id"].is_null());
    CHECK(doc["records"][1] == nlohmann::json::parse(R"({
        "backup_id": "b2", "project_id": "p1",
        "server": {"id": "id-web", "name": "web"},
        "volume": {"id": "vol-b2", "name": "disk", "size_gb": 1, "bootable": false, "device": "/dev/vda"},
        "kind": "incremental", "parent_id": "b1",
        "created_at": "2027-01-15T09:00:00Z", "data_timestamp": "2027-01-15T09:00:00Z",
        "fetched_at": "1970-01-01T00:00:00Z",
        "backup_record": {"backup_service": "cinder.backup.drivers.posix.PosixBackupDriver",
                          "backup_url": "eyJpZCI6ICJ4In0="}})"));
    REQUIRE(doc["not_fetched"].size() == 1);
    CHECK(doc["not_fetched"][0]["backup_id"] == "b9");
    CHECK(doc["not_fetched"][0]["attempts"] == 3);
    CHECK(doc["not_fetched"][0]["last_error"] == missing.last_error);
}

TEST_CASE("a private file is written whole with mode 0600, replacing the old one, and a failure names it") {
    TempDir dir;
    auto path = dir / "records.json";
    REQUIRE(write_private_file(path, "old\n").ok());
    REQUIRE(write_private_file(path, "new\n").ok());
    CHECK(testing::read_file(path) == "new\n");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);

    auto missing_dir = dir / "nope" / "records.json";
    auto failed = write_private_file(missing_dir, "x");
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().message.starts_with("cannot create " + (dir / "nope").string() + "/.records.json."));
    CHECK(failed.error().message.ends_with(".tmp: No such file or directory"));
}

TEST_CASE("an import puts every parent before its incrementals and marks the backups Cinder lists") {
    DrRecord full = fetched("f", "p1", "web", t0);
    DrRecord incr = fetched("i", "p1", "web", t0 - std::chrono::hours(1));  // a parent's data time does not decide
    incr.parent_id = "f";
    DrRecord incr2 = fetched("j", "p1", "web", t0 + std::chrono::hours(2));
    incr2.parent_id = "i";
    DrRecord other = fetched("o", "p2", "db", t0 - std::chrono::hours(5));
    std::vector<DrRecord> records = {incr2, incr, other, full};
    auto steps = plan_import(records, {"o"});
    REQUIRE(steps.size() == 4);
    CHECK(steps[0].record->backup_id == "o");
    CHECK(steps[0].present);
    CHECK(steps[1].record->backup_id == "f");
    CHECK(steps[2].record->backup_id == "i");
    CHECK(steps[3].record->backup_id == "j");
    CHECK_FALSE(steps[3].present);
}

// Issue 20: the document went to stdout with the cloud's names as they were: a C1 control
// (U+009B is CSI to some terminals) or a line separator reached the terminal raw.
TEST_CASE("a records file is printable ASCII whatever the names hold, and reads back to the same names") {
    std::string name =
        "web\xc2\x9b"
        "31m\xe2\x80\xa8"
        "forged\x7f Gr\xc3\xb6\xc3\x9f"
        "e";  // CSI, U+2028, DEL, UTF-8
    DrRecord one = fetched("b1", "p1", name, t0);
    one.backup_url = base64_encode(R"({"id": "b1", "parent_id": null})");
    one.origin.volume_name = name;
    DrRecord missing = one;
    missing.backup_id = "b2";
    missing.fetch_status = FetchStatus::failed;
    std::string text = conductor::dr_document({one, missing}, t0, "", name);
    CHECK(std::all_of(text.begin(), text.end(), [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); }));
    CHECK(text.find("\"web\\u009b31m\\u2028forged\\u007f Gr\\u00f6\\u00dfe\"") != std::string::npos);
    auto read = conductor::read_dr_document(text);
    REQUIRE(read.ok());
    REQUIRE(read->size() == 1);
    CHECK(read->front().origin.server_name == name);
    CHECK(read->front().origin.volume_name == name);
}

TEST_CASE("a records file is read back whole, and a truncated, corrupt or other-format one is refused naming where") {
    std::string url = base64_encode(R"({"id": "b1", "parent_id": null})");
    DrRecord one = fetched("b1", "p1", "web", t0);
    one.backup_url = url;
    std::string text = conductor::dr_document({one}, t0, "", "");
    auto read = conductor::read_dr_document(text);
    REQUIRE(read.ok());
    REQUIRE(read->size() == 1);
    CHECK(read->front().backup_id == "b1");
    CHECK(read->front().backup_url == url);
    CHECK(read->front().origin.server_name == "web");
    CHECK(read->front().data_timestamp == t0);
    CHECK(read->front().parent_id.empty());

    auto error_of = [](const std::string& document) {
        auto r = conductor::read_dr_document(document);
        REQUIRE_FALSE(r.ok());
        return r.error().message;
    };
    CHECK(error_of(text.substr(0, text.size() / 2)).starts_with("not a complete JSON document: parse error at line "));
    auto doc = nlohmann::json::parse(text);
    auto with = [&](const std::function<void(nlohmann::json&)>& change) {
        auto copy = doc;
        change(copy);
        return copy.dump();
    };
    CHECK(error_of(with([](auto& d) { d["format"] = "staffeln-backup-records/2"; })) ==
          "format is 'staffeln-backup-records/2'; this staffeln reads staffeln-backup-records/1 only");
    CHECK(error_of(with([](auto& d) { d.erase("format"); })) == "format is missing");
    CHECK(error_of(with([](auto& d) { d["records"][0]["backup_record"].erase("backup_url"); })) ==
          "records[0].backup_record.backup_url is missing");
    CHECK(error_of(with([](auto& d) { d["records"][0]["data_timestamp"] = "yesterday"; })) ==
          "records[0].data_timestamp is not a time from 1970 to 2200 such as 2026-12-05T06:00:00Z");
    CHECK(error_of(with([](auto& d) { d["records"][0]["kind"] = 3; })) == "records[0].kind is not a string");
    CHECK(error_of(with([&](auto& d) {
              d["records"][0]["backup_record"]["backup_url"] = base64_encode(R"({"id": "other"})");
          })) == "records[0].backup_record.backup_url is not Cinder's record of backup b1");
    CHECK(error_of(with([](auto& d) { d["records"].push_back(d["records"][0]); })) ==
          "records[1].backup_id repeats an earlier record's");
}

TEST_CASE("a records file with a number beyond a double or a time beyond 2200 is refused with an error, not thrown") {
    // Found by fuzz/dr_document: nlohmann's out_of_range 406 for 1e999 escaped read_dr_document
    // (it caught parse_error only), and a time after 2262 overflowed the clock's nanoseconds.
    DrRecord one = fetched("b1", "p1", "web", t0);
    one.backup_url = base64_encode(R"({"id": "b1", "parent_id": null})");
    std::string text = conductor::dr_document({one}, t0, "", "");
    auto huge = text;
    huge.insert(huge.find("\"records\""), "\"extra\": 1e999, ");
    auto read = conductor::read_dr_document(huge);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().kind == ErrorKind::invalid_input);
    CHECK(read.error().message == "not a JSON document staffeln can read: number overflow parsing '1e999'");
    for (const char* when : {"2263-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z"}) {
        CAPTURE(when);
        auto doc = nlohmann::json::parse(text);
        doc["records"][0]["created_at"] = when;
        auto late = conductor::read_dr_document(doc.dump());
        REQUIRE_FALSE(late.ok());
        CHECK(late.error().message ==
              "records[0].created_at is not a time from 1970 to 2200 such as 2026-12-05T06:00:00Z");
    }
    auto doc = nlohmann::json::parse(text);
    doc["records"][0]["created_at"] = "2200-12-31T23:59:59Z";
    CHECK(conductor::read_dr_document(doc.dump()).ok());
}

TEST_CASE("the export document carries the recorded definitions of the servers its records name, and no others") {
    core::ServerDefinition web;
    web.server_id = "id-web";
    web.name = "web";
    web.flavor = {"", "m1.small", 2, 2048, 20};
    core::ServerDefinition other = web;
    other.server_id = "id-other";
    conductor::ServerDefinitions definitions{{"id-web", {{web, t0, t0 + std::chrono::hours(2)}}},
                                             {"id-other", {{other, t0, t0}}}};
    DrRecord b1 = fetched("b1", "p1", "web", t0);
    b1.backup_url = base64_encode(R"({"id": "b1", "parent_id": null})");  // Cinder's record of b1, as read checks
    auto doc = nlohmann::json::parse(conductor::dr_document({b1}, t0, "", "", definitions));
    REQUIRE(doc["server_definitions"].size() == 1);
    const auto& d = doc["server_definitions"][0];
    CHECK(d["server_id"] == "id-web");
    CHECK(d["recorded_at"] == "2027-01-15T08:00:00Z");
    CHECK(d["last_seen"] == "2027-01-15T10:00:00Z");
    CHECK(d["definition"]["flavor"]["name"] == "m1.small");
    auto read = conductor::read_dr_document(doc.dump());  // a reader of /1 ignores it
    CHECK_MESSAGE(read.ok(), (read.ok() ? "" : read.error().message));
    CHECK(nlohmann::json::parse(conductor::dr_document({}, t0, "", ""))["server_definitions"].empty());
}
