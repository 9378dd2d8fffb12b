// Prometheus metrics: the text format rendered exactly (core/metric_text.h), the registry
// (metrics.h) under concurrent use, the store's series as a pure function of plain facts
// (core/store_metrics.h) and read from a real store file (store/metric_facts.h), and
// [conductor] metrics_listen's HOST:PORT.
#include "staffeln/config/listen_address.h"
#include "staffeln/core/metric_text.h"
#include "staffeln/core/store_metrics.h"
#include "staffeln/metrics.h"
#include "staffeln/store/metric_facts.h"
#include "staffeln/store/server_definitions.h"
#include "support/task_rows.h"
#include "support/temp_dir.h"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

using namespace staffeln;
using core::MetricType;

namespace {

constexpr metrics::Definition kCount{"staffeln_things_total", "Things, by colour.", MetricType::counter};
constexpr metrics::Definition kLevel{"staffeln_level", "A level.", MetricType::gauge};
constexpr std::array kBounds{0.1, 1.0};
constexpr metrics::Definition kLatency{"staffeln_wait_seconds", "Waits.", MetricType::histogram, kBounds};

}  // namespace

TEST_CASE("the text format: HELP and TYPE, then one line per sample, labels in their order") {
    std::vector<core::MetricFamily> families{
        {"staffeln_backups_created_total",
         "Backups created, by project.",
         MetricType::counter,
         {{"", {{"project", "p1"}}, 3}, {"", {{"project", "p2"}}, 0}}},
        {"staffeln_store_up", "Whether the store could be read.", MetricType::gauge, {{"", {}, 1}}},
        {"staffeln_empty", "No series yet.", MetricType::gauge, {}},
    };
    CHECK(core::render_metrics(families) ==
          "# HELP staffeln_backups_created_total Backups created, by project.\n"
          "# TYPE staffeln_backups_created_total counter\n"
          "staffeln_backups_created_total{project=\"p1\"} 3\n"
          "staffeln_backups_created_total{project=\"p2\"} 0\n"
          "# HELP staffeln_store_up Whether the store could be read.\n"
          "# TYPE staffeln_store_up gauge\n"
          "staffeln_store_up 1\n"
          "# HELP staffeln_empty No series yet.\n"
          "# TYPE staffeln_empty gauge\n");
}

TEST_CASE("label values from the cloud are escaped: a quote, backslash or line feed cannot forge a sample") {
    CHECK(core::escape_label_value("plain-name_1") == "plain-name_1");
    CHECK(core::escape_label_value("a\"b") == "a\\\"b");
    CHECK(core::escape_label_value("a\\b") == "a\\\\b");
    CHECK(core::escape_label_value("a\nstaffeln_fake 1") == "a\\nstaffeln_fake 1");
    CHECK(core::escape_label_value("Zürich") == "Zürich");  // UTF-8 goes as it is
    std::vector<core::MetricFamily> families{
        {"staffeln_x", "Help with \\ and\nline.", MetricType::gauge, {{"", {{"server", "evil\"} 1\nx{a=\""}}, 2}}}};
    CHECK(core::render_metrics(families) ==
          "# HELP staffeln_x Help with \\\\ and\\nline.\n"
          "# TYPE staffeln_x gauge\n"
          "staffeln_x{server=\"evil\\\"} 1\\nx{a=\\\"\"} 2\n");
}

TEST_CASE("sample values: integers without a fraction, others exact, infinities and NaN by name") {
    CHECK(core::format_metric_value(0) == "0");
    CHECK(core::format_metric_value(1765000000) == "1765000000");
    CHECK(core::format_metric_value(-2) == "-2");
    CHECK(core::format_metric_value(0.25) == "0.25");
    CHECK(core::format_metric_value(0.0005) == "0.0005");
    CHECK(core::format_metric_value(1765000000.5) == "1765000000.5");
    CHECK(core::format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(core::format_metric_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(core::format_metric_value(std::nan("")) == "NaN");
}

TEST_CASE("the registry: counters add, gauges set, histograms count cumulatively, families by name") {
    metrics::Registry registry;
    registry.add(kCount, {{"colour", "red"}});
    registry.add(kCount, {{"colour", "red"}}, 2);
    registry.add(kCount, {{"colour", "blue"}});
    registry.add(kCount, {{"colour", "blue"}}, -5);  // a counter never goes down
    registry.set(kLevel, {}, 7);
    registry.set(kLevel, {}, 4.5);
    registry.observe(kLatency, {}, 0.05);
    registry.observe(kLatency, {}, 0.5);
    registry.observe(kLatency, {}, 3);
    CHECK(core::render_metrics(registry.families()) ==
          "# HELP staffeln_level A level.\n"
          "# TYPE staffeln_level gauge\n"
          "staffeln_level 4.5\n"
          "# HELP staffeln_things_total Things, by colour.\n"
          "# TYPE staffeln_things_total counter\n"
          "staffeln_things_total{colour=\"blue\"} 1\n"
          "staffeln_things_total{colour=\"red\"} 3\n"
          "# HELP staffeln_wait_seconds Waits.\n"
          "# TYPE staffeln_wait_seconds histogram\n"
          "staffeln_wait_seconds_bucket{le=\"0.1\"} 1\n"
          "staffeln_wait_seconds_bucket{le=\"1\"} 2\n"
          "staffeln_wait_seconds_bucket{le=\"+Inf\"} 3\n"
          "staffeln_wait_seconds_sum 3.55\n"
          "staffeln_wait_seconds_count 3\n");
}

TEST_CASE("the registry loses no increment when many threads count at once") {
    metrics::Registry registry;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&registry, t] {
            for (int i = 0; i < 1000; ++i) {
                registry.add(kCount, {{"colour", t % 2 ? "odd" : "even"}});
                registry.observe(kLatency, {}, 0.01);
            }
        });
    for (auto& thread : threads) thread.join();
    auto families = registry.families();
    REQUIRE(families.size() == 2);
    REQUIRE(families[0].samples.size() == 2);
    CHECK(families[0].samples[0].value == 4000);
    CHECK(families[0].samples[1].value == 4000);
    CHECK(families[1].samples.back().value == 8000);  // _count
}

TEST_CASE("store metrics: the newest backup per volume and open tasks per project, sorted, and store_up") {
    core::StoreFacts facts;
    facts.volumes = {{"p2", "s3", "v3", 1765000300}, {"p1", "s1", "v1", 1765000100}, {"p1", "s1", "v0", 1765000000}};
    facts.without_backup = {{"p2", "s4", "v5", 1765000500}, {"p1", "s2", "v4", 1765000400}};
    facts.tasks_in_flight = {{"p2", 1}, {"p1", 2}};
    facts.restores = {{"p2", "failed", 1}, {"p1", "succeeded", 3}, {"p1", "running", 1}};
    CHECK(core::render_metrics(core::store_metric_families(facts)) ==
          "# HELP staffeln_store_up 1 when this node's store could be read for this scrape, else 0.\n"
          "# TYPE staffeln_store_up gauge\n"
          "staffeln_store_up 1\n"
          "# HELP staffeln_volume_last_backup_timestamp_seconds When the data of each protected volume's newest "
          "available automated backup was taken (unix time).\n"
          "# TYPE staffeln_volume_last_backup_timestamp_seconds gauge\n"
          "staffeln_volume_last_backup_timestamp_seconds{project=\"p1\",server=\"s1\",volume=\"v0\"} 1765000000\n"
          "staffeln_volume_last_backup_timestamp_seconds{project=\"p1\",server=\"s1\",volume=\"v1\"} 1765000100\n"
          "staffeln_volume_last_backup_timestamp_seconds{project=\"p2\",server=\"s3\",volume=\"v3\"} 1765000300\n"
          "# HELP staffeln_volume_without_backup_since_timestamp_seconds Each volume of a protected server with no "
          "available automated backup: when the backup cycles first saw it on the server (unix time).\n"
          "# TYPE staffeln_volume_without_backup_since_timestamp_seconds gauge\n"
          "staffeln_volume_without_backup_since_timestamp_seconds{project=\"p1\",server=\"s2\",volume=\"v4\"} "
          "1765000400\n"
          "staffeln_volume_without_backup_since_timestamp_seconds{project=\"p2\",server=\"s4\",volume=\"v5\"} "
          "1765000500\n"
          "# HELP staffeln_tasks_in_flight Backup tasks pending or in flight, by project.\n"
          "# TYPE staffeln_tasks_in_flight gauge\n"
          "staffeln_tasks_in_flight{project=\"p1\"} 2\n"
          "staffeln_tasks_in_flight{project=\"p2\"} 1\n"
          "# HELP staffeln_restores Restores recorded in this node's store, by project and status (running, "
          "succeeded, failed, cleaned).\n"
          "# TYPE staffeln_restores gauge\n"
          "staffeln_restores{project=\"p1\",status=\"running\"} 1\n"
          "staffeln_restores{project=\"p1\",status=\"succeeded\"} 3\n"
          "staffeln_restores{project=\"p2\",status=\"failed\"} 1\n");
    CHECK(core::render_metrics(core::store_metric_families(std::nullopt)) ==
          "# HELP staffeln_store_up 1 when this node's store could be read for this scrape, else 0.\n"
          "# TYPE staffeln_store_up gauge\n"
          "staffeln_store_up 0\n");
}

TEST_CASE("read_metric_facts takes each volume's newest available backup and counts open tasks") {
    testing::TempDir dir;
    auto db = store::Database::open(dir / "s.db", store::Access::read_write, store::Create::if_missing);
    REQUIRE(db.ok());
    REQUIRE(db->create_schema().ok());
    auto add = [&](const char* id, const char* volume, const char* server, const char* status, int data_time,
                   const char* task = "") {
        SQLite::Statement insert(
            db->sql(),
            "INSERT INTO backups (backup_id, task_id, volume_id, project_id, server_id, kind, status, "
            "created_at, data_timestamp, updated_at) VALUES (?, ?, ?, 'proj', ?, 'full', ?, 0, ?, 0)");
        insert.bind(1, id);
        insert.bind(2, task);
        insert.bind(3, volume);
        insert.bind(4, server);
        insert.bind(5, status);
        insert.bind(6, data_time);
        insert.exec();
    };
    add("b1", "vol-a", "srv-1", "available", 100);
    add("b2", "vol-a", "srv-1", "available", 300);
    add("b3", "vol-a", "srv-1", "creating", 500);  // not available: not a backup to count on
    add("b4", "vol-b", "srv-2", "available", 200);
    add("b5", "vol-c", "srv-2", "error", 400);
    add("b6", "vol-d", "", "available", 250, "t3");  // as sync() rebuilds a conductor's row: no server
    testing::insert_task(*db, {"t1", "proj", "pending"});
    testing::insert_task(*db, {"t2", "proj", "in_flight"});
    testing::insert_task(*db, {"t3", "proj", "succeeded"});
    testing::insert_task(*db, {"t4", "other", "in_flight"});
    auto facts = store::read_metric_facts(*db);
    REQUIRE(facts.ok());
    REQUIRE(facts->volumes.size() == 3);
    std::sort(facts->volumes.begin(), facts->volumes.end(),
              [](const auto& a, const auto& b) { return a.volume_id < b.volume_id; });
    CHECK(facts->volumes[0].volume_id == "vol-a");
    CHECK(facts->volumes[0].server_id == "srv-1");
    CHECK(facts->volumes[0].project_id == "proj");
    CHECK(facts->volumes[0].data_timestamp == 300);
    CHECK(facts->volumes[1].volume_id == "vol-b");
    CHECK(facts->volumes[1].data_timestamp == 200);
    CHECK(facts->volumes[2].volume_id == "vol-d");
    CHECK(facts->volumes[2].server_id == "srv-t3");  // from the task that made it
    std::sort(facts->tasks_in_flight.begin(), facts->tasks_in_flight.end());
    CHECK(facts->tasks_in_flight == std::vector<std::pair<std::string, std::int64_t>>{{"other", 1}, {"proj", 2}});
}

TEST_CASE("read_metric_facts: the protected volumes without an available backup, and since when") {
    testing::TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    auto at = [](int seconds) { return TimePoint{std::chrono::seconds(1'800'000'000 + seconds)}; };
    auto server = [](const char* id, std::vector<const char*> volumes) {
        core::ServerDefinition d;
        d.server_id = id;
        d.project_id = "proj";
        for (const auto* v : volumes) d.volumes.push_back({v, "", -1, false});
        return d;
    };
    // s1 had vol-a from the start and vol-b from the second cycle; s2 lost its protection
    // (no cycle saw it after the first); s3 has its volume backed up.
    REQUIRE(store::record_definitions(db, {server("s1", {"vol-a"}), server("s2", {"vol-z"}), server("s3", {"vol-c"})},
                                      at(0))
                .ok());
    REQUIRE(store::record_definitions(db, {server("s1", {"vol-a", "vol-b"}), server("s3", {"vol-c"})}, at(3600)).ok());
    REQUIRE(store::record_definitions(db, {server("s1", {"vol-a", "vol-b"}), server("s3", {"vol-c"})}, at(7200)).ok());
    db.sql().exec(
        "INSERT INTO backups (backup_id, volume_id, project_id, server_id, kind, status, created_at, data_timestamp, "
        "updated_at) VALUES ('b1', 'vol-c', 'proj', 's3', 'full', 'available', 0, 0, 0), "
        "('b2', 'vol-a', 'proj', 's1', 'full', 'error', 0, 0, 0)");
    auto facts = store::read_metric_facts(db);
    REQUIRE(facts.ok());
    std::sort(facts->without_backup.begin(), facts->without_backup.end(),
              [](const auto& a, const auto& b) { return a.volume_id < b.volume_id; });
    REQUIRE(facts->without_backup.size() == 2);
    CHECK(facts->without_backup[0].volume_id == "vol-a");
    CHECK(facts->without_backup[0].server_id == "s1");
    CHECK(facts->without_backup[0].project_id == "proj");
    CHECK(facts->without_backup[0].since == 1'800'000'000);
    CHECK(facts->without_backup[1].volume_id == "vol-b");
    CHECK(facts->without_backup[1].since == 1'800'003'600);
}

TEST_CASE("read_metric_facts counts the recorded restores by project and status") {
    testing::TempDir dir;
    auto db = testing::new_store(dir / "s.db");
    db.sql().exec(
        "INSERT INTO restores (id, server_id, project_id, at, point_time, status, created_at, updated_at) VALUES "
        "('r1', 's1', 'p1', 0, 0, 'succeeded', 0, 0), ('r2', 's2', 'p1', 0, 0, 'succeeded', 0, 0), "
        "('r3', 's3', 'p1', 0, 0, 'failed', 0, 0), ('r4', 's1', 'p2', 0, 0, 'running', 0, 0), "
        "('r5', 's4', 'p2', 0, 0, 'cleaned', 0, 0)");
    auto facts = store::read_metric_facts(db);
    REQUIRE(facts.ok());
    std::vector<std::tuple<std::string, std::string, std::int64_t>> counts;
    for (const auto& r : facts->restores) counts.emplace_back(r.project_id, r.status, r.count);
    std::sort(counts.begin(), counts.end());
    CHECK(counts == std::vector<std::tuple<std::string, std::string, std::int64_t>>{
                        {"p1", "failed", 1}, {"p1", "succeeded", 2}, {"p2", "cleaned", 1}, {"p2", "running", 1}});
}

TEST_CASE("metrics_listen: HOST:PORT, an IPv6 host in brackets, errors say what is wrong") {
    auto v4 = config::parse_listen_address("127.0.0.1:9101");
    REQUIRE(v4.ok());
    CHECK(v4->host == "127.0.0.1");
    CHECK(v4->port == 9101);
    auto v6 = config::parse_listen_address("[::1]:9101");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    auto name = config::parse_listen_address("localhost:1");
    REQUIRE(name.ok());
    CHECK(name->host == "localhost");
    CHECK(config::parse_listen_address("9101").error().message ==
          "expected HOST:PORT (e.g. 127.0.0.1:9101), found no ':'");
    CHECK(config::parse_listen_address(":9101").error().message == "expected HOST:PORT, the host is empty");
    CHECK(config::parse_listen_address("::1:9101").error().message == "an IPv6 address goes in brackets: [::1]:9101");
    CHECK(config::parse_listen_address("host:0").error().message == "port '0' is not a number from 1 to 65535");
    CHECK(config::parse_listen_address("host:65536").error().message == "port '65536' is not a number from 1 to 65535");
    CHECK(config::parse_listen_address("host:").error().message == "port '' is not a number from 1 to 65535");
    CHECK(config::parse_listen_address("ho st:80").error().message == "'ho st' is not a host name or address");
}
