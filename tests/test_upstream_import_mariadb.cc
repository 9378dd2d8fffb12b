// `staffeln db-manage import-upstream` against a real MariaDB holding upstream Staffeln's schema at
// its head revision, and the simulated cloud holding upstream's backups as upstream makes them:
// named <server>_<volume id>_<unix time>, untagged. After the import each one is staffeln's (the
// store protects it, retention rotates it in chain order, the planner counts and chains onto it).
#include "support/conductor_rig.h"
#include "support/eventually.h"
#include "support/mariadb_server.h"
#include "support/process.h"
#include "support/spawned.h"
#include "support/temp_dir.h"

#include "staffeln/store/automated_backups.h"

#include <doctest/doctest.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <csignal>
#include <thread>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;
using std::chrono::hours;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDbFull = "00000000-0000-4000-8000-00000000d0f1";     // db-1-root, 30 days old
constexpr const char* kDbInc = "00000000-0000-4000-8000-00000000d0a1";      // its incremental, 29 days
constexpr const char* kDbFull2 = "00000000-0000-4000-8000-00000000d0f2";    // db-1-root, 2 days old
constexpr const char* kWebFull = "00000000-0000-4000-8000-00000000e0f1";    // web-1-data, 1 day old
constexpr const char* kApiErr = "00000000-0000-4000-8000-00000000a0e1";     // api-1-root, error
constexpr const char* kGone = "00000000-0000-4000-8000-00000000900e";       // in upstream's table only
constexpr const char* kQueueGone = "00000000-0000-4000-8000-00000000900f";  // in queue_data only
constexpr const char* kDemoUser = "demo";

std::string iso_ago(hours h) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::time_point_cast<std::chrono::seconds>(Clock::now() - h));
}

// A backup as upstream Staffeln leaves it in Cinder: its name, no description, no metadata.
json upstream_made(const std::string& id, const std::string& volume_name, const std::string& volume_id,
                   const std::string& server, hours age, bool incremental, const std::string& status = "available") {
    auto created = std::chrono::time_point_cast<std::chrono::seconds>(Clock::now() - age);
    return {{"id", id},
            {"volume", volume_name},
            {"user", volume_name == "api-1-root" ? "alice" : kDemoUser},
            {"name", fmt::format("{}_{}_{}", server, volume_id, created.time_since_epoch().count())},
            {"created_at", iso_ago(age)},
            {"incremental", incremental},
            {"status", status}};
}

json upstream_cloud() {
    json scenario = fast_scenario();
    scenario["backups"].push_back(upstream_made(kDbFull, "db-1-root", d::kDbRoot, "db-1", hours(24 * 30), false));
    scenario["backups"].push_back(upstream_made(kDbInc, "db-1-root", d::kDbRoot, "db-1", hours(24 * 29), true));
    scenario["backups"].push_back(upstream_made(kDbFull2, "db-1-root", d::kDbRoot, "db-1", hours(48), false));
    scenario["backups"].push_back(upstream_made(kWebFull, "web-1-data", d::kWebData, "web-1", hours(24), false));
    scenario["backups"].push_back(
        upstream_made(kApiErr, "api-1-root", d::kApiRoot, "api-1", hours(48), false, "error"));
    return scenario;
}

// Upstream's rows: backup_data as upstream writes it when it sees a backup available.
void fill_upstream(const MariaDbServer& mariadb, const std::string& demo, const std::string& prod) {
    mariadb.exec("CREATE DATABASE staffeln CHARACTER SET utf8");
    mariadb.exec(read_file(std::string(kSourceDir) + "/tests/fixtures/upstream_schema.sql"), "staffeln");
    std::string rows = fmt::format(
        "INSERT INTO backup_data (created_at, updated_at, backup_id, project_id, volume_id, instance_id, "
        "backup_completed, incremental) VALUES "
        "(NOW(), NULL, '{0}', '{5}', '{7}', '{9}', 1, 0), (NOW(), NULL, '{1}', '{5}', '{7}', '{9}', 1, 1), "
        "(NOW(), NULL, '{2}', '{5}', '{8}', '{10}', 1, 0), (NOW(), NULL, '{3}', '{6}', '{11}', '{12}', 0, 0), "
        "(NOW(), NULL, '{4}', '{5}', '{8}', '{10}', 1, 0), (NOW(), NULL, '{13}', '{5}', '{7}', '{9}', 1, 0)",
        kDbFull, kDbInc, kWebFull, kApiErr, kGone, demo, prod, d::kDbRoot, d::kWebData, d::kDb1, d::kWeb1, d::kApiRoot,
        d::kApi1, kDbFull2);
    mariadb.exec(rows, "staffeln");
    // queue_data: the last cycle's tasks. A completed one repeats a backup_data row (decided once), one
    // in progress names a backup Cinder no longer has, one planned a day ago was never sent (abandoned:
    // listed, and no wait for it).
    mariadb.exec(fmt::format("INSERT INTO queue_data (created_at, backup_id, project_id, volume_id, backup_status, "
                             "instance_id, volume_name, instance_name, incremental, reason) VALUES "
                             "(NOW(), '{0}', '{2}', '{3}', 2, '{4}', 'web-1-data', 'web-1', 0, NULL), "
                             "(NOW(), '{1}', '{2}', '{3}', 1, '{4}', 'web-1-data', 'web-1', 1, NULL), "
                             "(UTC_TIMESTAMP() - INTERVAL 1 DAY, '', '{2}', '{5}', 0, '{6}', 'db-1-root', 'db-1', 0, "
                             "NULL)",
                             kWebFull, kQueueGone, demo, d::kWebData, d::kWeb1, d::kDbRoot, d::kDb1),
                 "staffeln");
    // A failed task and one in progress that name no backup: nothing to import, said (ids 4 and 5).
    mariadb.exec(fmt::format("INSERT INTO queue_data (created_at, backup_id, project_id, volume_id, backup_status, "
                             "instance_id, volume_name, instance_name, incremental, reason) VALUES "
                             "(NOW(), NULL, '{0}', '{1}', 3, '{2}', 'web-1-data', 'web-1', 0, 'quota'), "
                             "(NOW(), '', '{0}', '{3}', 1, '{4}', 'db-1-root', 'db-1', 0, NULL)",
                             demo, d::kWebData, d::kWeb1, d::kDbRoot, d::kDb1),
                 "staffeln");
}

Finished import(ConductorRig& rig, const MariaDbServer& mariadb, std::vector<std::string> extra = {},
                std::map<std::string, std::string> env = {}) {
    std::vector<std::string> args = {"--config-file", rig.write_conf().string(), "db-manage", "import-upstream",
                                     "--connection",  mariadb.url("staffeln")};
    args.insert(args.end(), extra.begin(), extra.end());
    auto all_env = rig.os_env();
    all_env.insert(env.begin(), env.end());
    return run_staffeln(args, all_env);
}

std::string task_of(ConductorRig& rig, const std::string& backup_id) {
    auto b = rig.backup(backup_id);
    return b["metadata"].value("staffeln:task", "");
}

bool automated(ConductorRig& rig, const std::string& backup_id) {
    auto answer = store::is_automated(rig.db, backup_id);
    REQUIRE(answer.ok());
    return *answer;
}

std::string dry_run_text(ConductorRig& rig, bool retention) {
    TempDir dir;
    std::FILE* out = std::fopen((dir / "plan.txt").c_str(), "w+");
    if (retention)
        rig.retention_cycle(true, out);
    else
        rig.backup_cycle(true, out);
    std::fclose(out);
    return read_file(dir / "plan.txt");
}

// Upstream's kind of staffeln.conf: [database] connection is url (MySQL), the store is
// state_path/staffeln.db. The rig's own store is rig.dir/staffeln.db.
std::filesystem::path upstream_conf(ConductorRig& rig, const std::string& url, const std::filesystem::path& state) {
    std::string conf = read_file(rig.write_conf());
    auto at = conf.find("connection = sqlite:");
    conf.replace(at, conf.find('\n', at) - at, "connection = " + url);
    conf = "[DEFAULT]\nstate_path = " + state.string() + "\n" + conf;
    return rig.dir.write(state.filename().string() + "-upstream.conf", conf);
}

}  // namespace

TEST_CASE("import-upstream adopts upstream's backups from its MariaDB: tagged, protected, rotated and chained onto") {
    MariaDbServer mariadb;
    ConductorRig rig(upstream_cloud());
    fill_upstream(mariadb, rig.sim.project_id("demo"), rig.sim.project_id("prod"));
    const std::string before = mariadb.query("CHECKSUM TABLE backup_data, queue_data, alembic_version", "staffeln");

    const json name_before = rig.backup(kDbInc)["name"];
    CHECK(name_before.get<std::string>().starts_with(std::string("db-1_") + d::kDbRoot + "_"));
    // --dry-run changes nothing anywhere: no tag in Cinder, nothing in the store.
    auto dry = import(rig, mariadb, {"--dry-run"});
    INFO(dry.out, dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("upstream's database mysql+pymysql://root@/staffeln") != std::string::npos);
    CHECK(dry.out.find("6 backup_data row(s), 2 queue_data task(s) with a backup") != std::string::npos);
    CHECK(dry.out.find("not imported: 2 queue_data task(s) in progress or failed name no backup\n") !=
          std::string::npos);
    CHECK(dry.out.find(fmt::format("not imported: queue_data task 4 (failed) names no backup: volume {} (web-1-data) "
                                   "of server {} (web-1); a backup upstream made for it without noting its id stays "
                                   "untagged in Cinder (named <server>_<volume id>_<time>): keep or delete it by "
                                   "hand\n",
                                   d::kWebData, d::kWeb1)) != std::string::npos);
    CHECK(dry.out.find(fmt::format("not imported: queue_data task 5 (in progress) names no backup: volume {} "
                                   "(db-1-root) of server {} (db-1)",
                                   d::kDbRoot, d::kDb1)) != std::string::npos);
    CHECK(dry.out.find(fmt::format("not imported: queue_data task 3 for volume {} (db-1-root) of server {} was "
                                   "planned at ",
                                   d::kDbRoot, d::kDb1)) != std::string::npos);
    CHECK(dry.out.find("dry run, nothing changed: would be 4 tagged, 0 already tagged (0 recorded now), 2 gone "
                       "from Cinder, 1 skipped") != std::string::npos);
    for (const char* id : {kDbFull, kDbInc, kWebFull}) {
        CHECK(task_of(rig, id).empty());
        CHECK_FALSE(automated(rig, id));
    }

    // A crash between the tag and the record of the second backup (chain order: web-1-data's
    // full, then db-1-root's oldest full); the rerun completes it without a second row or tag.
    auto crashed = import(rig, mariadb, {}, {{"STAFFELN_FAILPOINT", "import.tag.after_call@2"}});
    CHECK(crashed.signal == SIGKILL);
    // Killed after the second tag: the first backup tagged and recorded, the second tagged only,
    // the rest untouched.
    CHECK(task_of(rig, kWebFull) == std::string("upstream-") + kWebFull);
    CHECK(automated(rig, kWebFull));
    CHECK(task_of(rig, kDbFull) == std::string("upstream-") + kDbFull);
    CHECK_FALSE(automated(rig, kDbFull));
    for (const char* id : {kDbInc, kDbFull2}) {
        CAPTURE(id);
        CHECK(task_of(rig, id).empty());
        CHECK_FALSE(automated(rig, id));
    }
    auto first = import(rig, mariadb);
    INFO(first.out, first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find("2 tagged, 2 already tagged (1 recorded now), 2 gone from Cinder, 1 skipped") !=
          std::string::npos);
    CHECK(first.out.find(fmt::format("gone from Cinder backup {}: upstream's backup_data row names it, but Cinder "
                                     "no longer lists it",
                                     kGone)) != std::string::npos);
    CHECK(first.out.find(fmt::format("gone from Cinder backup {}: upstream's queue_data task names it, but Cinder "
                                     "no longer lists it",
                                     kQueueGone)) != std::string::npos);
    CHECK(first.out.find(fmt::format("skipped backup {}: upstream recorded it as failed or cancelled "
                                     "(backup_completed=0)",
                                     kApiErr)) != std::string::npos);
    for (const char* id : {kDbFull, kDbInc, kDbFull2, kWebFull}) {
        CAPTURE(id);
        CHECK(task_of(rig, id) == std::string("upstream-") + id);
        CHECK(automated(rig, id));  // the API's verdict: False, not the user's to delete
    }
    CHECK(task_of(rig, kApiErr).empty());
    CHECK_FALSE(automated(rig, kApiErr));
    CHECK(rig.backup(kDbInc)["name"] == name_before);  // the name upstream gave it stays

    // A second import changes nothing.
    auto second = import(rig, mariadb);
    REQUIRE(second.exit_code == 0);
    CHECK(second.out.find("0 tagged, 4 already tagged (0 recorded now), 2 gone from Cinder, 1 skipped") !=
          std::string::npos);
    CHECK(mariadb.query("CHECKSUM TABLE backup_data, queue_data, alembic_version", "staffeln") == before);

    // The planner counts an imported backup for backup_min_interval.
    rig.config.conductor.backup_min_interval = 2 * 24 * 3600;
    auto planned = dry_run_text(rig, false);
    INFO(planned);
    CHECK(planned.find(fmt::format("staffeln backup {} was made 1d", kWebFull)) != std::string::npos);
    rig.config.conductor.backup_min_interval = 0;

    // Retention rotates the expired imported chain (db-1 keeps 7 days), incremental first; the
    // newer imported full stays.
    auto retention_plan = dry_run_text(rig, true);
    INFO(retention_plan);
    CHECK(retention_plan.find(fmt::format("delete backup {} of volume {} (wave 0)", kDbInc, d::kDbRoot)) !=
          std::string::npos);
    CHECK(retention_plan.find(fmt::format("delete backup {} of volume {} (wave 1)", kDbFull, d::kDbRoot)) !=
          std::string::npos);
    auto rotated = rig.retention_cycle();
    CHECK(rotated.problems.empty());
    CHECK(rotated.deleted == 2);
    rig.settle();
    REQUIRE(rig.backups(d::kDbRoot).size() == 1);
    CHECK(rig.backups(d::kDbRoot)[0]["id"] == kDbFull2);
    CHECK(rig.backups(d::kWebData).size() == 1);

    // The next cycle makes an incremental onto the imported full, not a new full.
    auto cycle = rig.backup_cycle();
    CHECK(cycle.outcome.problems.empty());
    rig.settle();
    auto web = rig.staffeln_backups(d::kWebData);
    REQUIRE(web.size() == 2);
    CHECK(web[0]["is_incremental"] == true);
    CHECK(web[0]["parent_id"] == kWebFull);
}

TEST_CASE("import-upstream names what is wrong with upstream's database and exits non-zero") {
    MariaDbServer mariadb;
    ConductorRig rig;
    mariadb.exec("CREATE DATABASE staffeln CHARACTER SET utf8");

    auto no_tables = import(rig, mariadb);
    CHECK(no_tables.exit_code == 1);
    CHECK(no_tables.err ==
          "staffeln db-manage: upstream's database staffeln has no table alembic_version: is it upstream Staffeln's "
          "database, created by `staffeln-db-manage upgrade`?\n");

    mariadb.exec(read_file(std::string(kSourceDir) + "/tests/fixtures/upstream_schema.sql"), "staffeln");
    mariadb.exec("UPDATE alembic_version SET version_num = '2b2b9df199bd'", "staffeln");
    auto old = import(rig, mariadb);
    CHECK(old.exit_code == 1);
    CHECK(old.err ==
          "staffeln db-manage: upstream's database staffeln is at alembic revision 2b2b9df199bd, not at upstream's "
          "head 5b2e78435231: upgrade it with upstream's `staffeln-db-manage upgrade head` first\n");

    auto args = std::vector<std::string>{
        "--config-file", rig.write_conf().string(),
        "db-manage",     "import-upstream",
        "--connection",  "mysql+pymysql://root:s3cret@/nosuchdb?unix_socket=" + mariadb.socket().string()};
    auto denied = run_staffeln(args, rig.os_env());
    CHECK(denied.exit_code == 1);
    CHECK(denied.err.find("cannot connect to upstream's database mysql+pymysql://root:***@/nosuchdb") !=
          std::string::npos);
    CHECK(denied.err.find("Access denied for user 'root'@'localhost'") != std::string::npos);
    CHECK(denied.err.find("s3cret") == std::string::npos);
    // The right user and a database the server does not have.
    args.back() = "mysql+pymysql://root@/nosuchdb?unix_socket=" + mariadb.socket().string();
    auto missing = run_staffeln(args, rig.os_env());
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == fmt::format("staffeln db-manage: cannot connect to upstream's database {}: Unknown database "
                                     "'nosuchdb'\n",
                                     args.back()));
    auto none =
        run_staffeln({"--config-file", rig.write_conf().string(), "db-manage", "import-upstream"}, rig.os_env());
    CHECK(none.exit_code == 1);
    CHECK(none.err ==
          "staffeln db-manage: no upstream database: give --connection "
          "mysql+pymysql://user:password@host/staffeln (upstream's [database] connection)\n");
    CHECK(rig.backups().size() == 1);  // demo's manual backup, untouched
}

TEST_CASE("import-upstream reaches a host named localhost over TCP, not through the default unix socket") {
    MariaDbServer mariadb(MariaDbServer::Listen::socket_and_tcp);
    ConductorRig rig(upstream_cloud());
    fill_upstream(mariadb, rig.sim.project_id("demo"), rig.sim.project_id("prod"));
    auto done =
        run_staffeln({"--config-file", rig.write_conf().string(), "db-manage", "import-upstream", "--connection",
                      fmt::format("mysql+pymysql://root@localhost:{}/staffeln", mariadb.port())},
                     rig.os_env());
    INFO(done.out, done.err);
    CHECK(done.exit_code == 0);
    CHECK(done.out.find("4 tagged, 0 already tagged (0 recorded now), 2 gone from Cinder, 1 skipped") !=
          std::string::npos);
    CHECK(task_of(rig, kWebFull) == std::string("upstream-") + kWebFull);
}

TEST_CASE("a MySQL [database] connection: the conductor's first start with an empty store imports from it") {
    MariaDbServer mariadb;
    ConductorRig rig(upstream_cloud());
    fill_upstream(mariadb, rig.sim.project_id("demo"), rig.sim.project_id("prod"));
    auto file = upstream_conf(rig, mariadb.url("staffeln"), rig.dir.path());

    auto first = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    INFO(first.out, first.err);
    CHECK(first.exit_code == 0);
    CHECK(first.err.find("[database] connection is upstream's MySQL database mysql+pymysql://root@/staffeln") !=
          std::string::npos);
    CHECK(first.err.find("imported upstream's backups: 4 tagged, 0 already tagged (0 recorded now), 2 gone from "
                         "Cinder, 1 skipped, 0 problem(s)") != std::string::npos);
    for (const char* id : {kDbFull2, kWebFull}) CHECK(task_of(rig, id) == std::string("upstream-") + id);
    // The same --once ran retention: db-1's expired imported chain is rotated.
    CHECK(first.out.find("retention: 2 deleted") != std::string::npos);
    rig.settle();
    for (const auto& b : rig.backups(d::kDbRoot)) CHECK((b["id"] != kDbFull && b["id"] != kDbInc));
    auto web = rig.staffeln_backups(d::kWebData);
    REQUIRE(web.size() == 2);
    CHECK(web[0]["parent_id"] == kWebFull);

    auto second = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    CHECK(second.exit_code == 0);
    CHECK(second.err.find("imported upstream's backups") == std::string::npos);
}

TEST_CASE("the conductor's import runs again until one completed: a tag Cinder refuses half-way is retried") {
    MariaDbServer mariadb;
    ConductorRig rig(upstream_cloud());
    fill_upstream(mariadb, rig.sim.project_id("demo"), rig.sim.project_id("prod"));
    auto file = upstream_conf(rig, mariadb.url("staffeln"), rig.dir.path());
    // Cinder refuses every tag of db-1-root's incremental, the second of its chain (HTTP 400: not
    // retried, so the run ends with the problem rather than in the retries of a 503).
    rig.fault({{"method", "PUT"}, {"path_suffix", std::string("/backups/") + kDbInc}, {"status", 400}});

    auto refused = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    INFO(refused.out, refused.err);
    CHECK(refused.exit_code == 1);
    // Counted once done: the three tagged, not the refused one; every problem logged.
    CHECK(refused.err.find("imported upstream's backups: 3 tagged, 0 already tagged (0 recorded now), 2 gone from "
                           "Cinder, 1 skipped, 1 problem(s)") != std::string::npos);
    CHECK(refused.err.find(fmt::format("import-upstream: problem: cannot tag backup {}", kDbInc)) != std::string::npos);
    CHECK(refused.err.find("staffeln conductor: importing upstream's backups: 1 problem(s), each logged above; the "
                           "import runs again before the next backup cycle; no backup cycle ran\n") !=
          std::string::npos);
    CHECK(refused.out.find("backup cycle:") == std::string::npos);
    CHECK(task_of(rig, kDbInc).empty());
    CHECK(automated(rig, kDbFull2));

    // The store is no longer empty; the import runs again all the same, and completes.
    rig.clear_faults();
    auto resumed = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    INFO(resumed.out, resumed.err);
    CHECK(resumed.exit_code == 0);
    CHECK(resumed.err.find("imported upstream's backups: 1 tagged, 3 already tagged (0 recorded now), 2 gone from "
                           "Cinder, 1 skipped, 0 problem(s)") != std::string::npos);
    // Tagged and recorded now (then rotated by the same run's retention with its expired chain).
    CHECK(resumed.err.find(fmt::format("import-upstream: tag and record backup {}: untagged incremental", kDbInc)) !=
          std::string::npos);
    CHECK(resumed.out.find("backup cycle:") != std::string::npos);

    // Marked complete: the next start reads nothing from upstream's database, even with it gone.
    auto file_gone = upstream_conf(
        rig, "mysql+pymysql://root@/staffeln?unix_socket=" + (rig.dir / "no-such.sock").string(), rig.dir.path());
    auto third = run_staffeln({"--config-file", file_gone.string(), "conductor", "--once"}, rig.os_env());
    INFO(third.out, third.err);
    CHECK(third.exit_code == 0);
    CHECK(third.err.find("import-upstream") == std::string::npos);
    CHECK(third.err.find("imported upstream's backups") == std::string::npos);
}

// The daemon, not --once: a failed import holds back the backup cycle and is tried again a minute
// later (kImportRetry), on its own, without a restart. About 65 s: the retry interval is the product's.
TEST_CASE("the conductor daemon tries a failed import again a minute later, then runs its backup cycle") {
    MariaDbServer mariadb;
    ConductorRig rig(upstream_cloud());
    fill_upstream(mariadb, rig.sim.project_id("demo"), rig.sim.project_id("prod"));
    auto file = upstream_conf(rig, mariadb.url("staffeln"), rig.dir.path());
    rig.fault({{"method", "PUT"}, {"path_suffix", std::string("/backups/") + kDbInc}, {"status", 400}});

    TempDir home;
    const auto log = rig.dir / "daemon.log";
    Spawned daemon(isolated_staffeln(home.path(), rig.os_env(), {"--config-file", file.string(), "conductor"}), log);
    const auto has = [&](const std::string& part) { return read_file(log).find(part) != std::string::npos; };
    REQUIRE_MESSAGE(eventually([&] { return has("no backup cycle until it succeeds (next try in 60 s)"); }, 30s),
                    read_file(log));
    const auto failed_at = std::chrono::steady_clock::now();
    CHECK(has("1 problem(s)"));
    CHECK_FALSE(has("backup cycle finished"));

    // Cinder accepts the tag again; nothing else changes, and nobody restarts the conductor.
    rig.clear_faults();
    REQUIRE_MESSAGE(eventually([&] { return has("backup cycle finished"); }, 90s), read_file(log));
    const auto waited = std::chrono::steady_clock::now() - failed_at;
    CHECK(waited >= 55s);
    CHECK(
        has("imported upstream's backups: 1 tagged, 3 already tagged (0 recorded now), 2 gone from Cinder, 1 "
            "skipped, 0 problem(s)"));
    CHECK(task_of(rig, kDbInc) == std::string("upstream-") + kDbInc);
    CHECK(daemon.stop(SIGTERM) == 0);
    MESSAGE("the retried import completed ", std::chrono::duration_cast<std::chrono::seconds>(waited).count(),
            " s after the failed one");
}

TEST_CASE("upstream's database removed after the switch: a new store starts when Cinder has imported backups") {
    ConductorRig rig(upstream_cloud());
    {
        MariaDbServer mariadb;
        fill_upstream(mariadb, rig.sim.project_id("demo"), rig.sim.project_id("prod"));
        auto imported = import(rig, mariadb);
        REQUIRE(imported.exit_code == 0);
    }
    // A pod's new emptyDir: a new store, no mark, upstream's database gone.
    auto pod = rig.dir / "pod";
    std::filesystem::create_directory(pod);
    auto gone = "mysql+pymysql://root@/staffeln?unix_socket=" + (pod / "gone.sock").string();
    auto file = upstream_conf(rig, gone, pod);
    REQUIRE(run_staffeln({"--config-file", file.string(), "db-manage", "upgrade"}).exit_code == 0);
    auto started = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    INFO(started.out, started.err);
    CHECK(started.exit_code == 0);
    CHECK(started.err.find("cannot connect to upstream's database mysql+pymysql://root@/staffeln") !=
          std::string::npos);
    CHECK(started.err.find("; 4 backup(s) imported from it earlier carry staffeln's upstream- tag, so going on "
                           "without it") != std::string::npos);
    CHECK(started.out.find("backup cycle:") != std::string::npos);

    // Without any imported backup in Cinder the same start refuses: upstream's would be unprotected.
    ConductorRig fresh(upstream_cloud());
    auto fresh_file = upstream_conf(fresh, gone, fresh.dir.path());
    auto refused = run_staffeln({"--config-file", fresh_file.string(), "conductor", "--once"}, fresh.os_env());
    INFO(refused.out, refused.err);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("staffeln conductor: cannot connect to upstream's database") != std::string::npos);
    CHECK(refused.err.find("no backup cycle ran\n") != std::string::npos);
    CHECK(fresh.staffeln_backups(d::kWebData).empty());
}

TEST_CASE("the import runs in the puller role: not while another conductor holds it, CLI or conductor") {
    MariaDbServer mariadb;
    ConductorRig rig(upstream_cloud());
    fill_upstream(mariadb, rig.sim.project_id("demo"), rig.sim.project_id("prod"));
    auto held = rig.locks->try_lock("puller");
    REQUIRE(held.ok());

    auto file = upstream_conf(rig, mariadb.url("staffeln"), rig.dir.path());
    auto conductor = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    INFO(conductor.out, conductor.err);
    CHECK(conductor.exit_code == 1);
    CHECK(conductor.err.find("another conductor holds the puller role") != std::string::npos);
    CHECK(conductor.err.find("imported upstream's backups") == std::string::npos);

    auto cli = import(rig, mariadb);
    INFO(cli.out, cli.err);
    CHECK(cli.exit_code == 1);
    CHECK(cli.err.find("staffeln db-manage: a conductor holds the puller role (lock puller is held by another "
                       "process; ") != std::string::npos);
    CHECK(cli.err.find("so nothing was done; stop staffeln's conductors and run it again") != std::string::npos);
    for (const char* id : {kDbFull, kWebFull}) CHECK(task_of(rig, id).empty());

    held->reset();
    CHECK(import(rig, mariadb).exit_code == 0);
    CHECK(task_of(rig, kWebFull) == std::string("upstream-") + kWebFull);
}

TEST_CASE("in a rolling switch the conductor's import waits for the tasks upstream planned and did not yet send") {
    MariaDbServer mariadb;
    ConductorRig rig(upstream_cloud());
    const std::string demo = rig.sim.project_id("demo");
    fill_upstream(mariadb, demo, rig.sim.project_id("prod"));
    // Upstream's last puller planned web-1-data a minute ago; an upstream conductor still running
    // beside this one may send it at its next periodic run (task id 6).
    mariadb.exec(fmt::format("INSERT INTO queue_data (created_at, backup_id, project_id, volume_id, backup_status, "
                             "instance_id, volume_name, instance_name, incremental, reason) VALUES "
                             "(UTC_TIMESTAMP() - INTERVAL 1 MINUTE, NULL, '{0}', '{1}', 0, '{2}', 'web-1-data', "
                             "'web-1', 0, NULL)",
                             demo, d::kWebData, d::kWeb1),
                 "staffeln");
    auto file = upstream_conf(rig, mariadb.url("staffeln"), rig.dir.path());

    auto waiting = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    INFO(waiting.out, waiting.err);
    CHECK(waiting.exit_code == 1);
    CHECK(waiting.err.find("staffeln conductor: upstream's queue_data holds 1 task(s) planned but not yet sent to "
                           "Cinder (the newest at ") != std::string::npos);
    CHECK(waiting.err.find("the import runs again before the next backup cycle; no backup cycle ran\n") !=
          std::string::npos);
    CHECK(waiting.out.find("backup cycle:") == std::string::npos);
    CHECK(task_of(rig, kWebFull).empty());  // nothing imported meanwhile
    CHECK(rig.staffeln_backups().empty());

    // The CLI does not wait (the operator stopped upstream, or says so), but warns.
    auto dry = import(rig, mariadb, {"--dry-run"});
    INFO(dry.out, dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.out.find("warning: upstream's queue_data holds 1 task(s) planned but not yet sent to Cinder") !=
          std::string::npos);
    CHECK(dry.out.find("(this command does not wait: stop upstream's conductors before importing") !=
          std::string::npos);

    // The upstream conductor sends it and sees it complete (its backup: web-1-data's full).
    mariadb.exec(fmt::format("UPDATE queue_data SET backup_status = 2, backup_id = '{}' WHERE id = 6", kWebFull),
                 "staffeln");
    auto imported = run_staffeln({"--config-file", file.string(), "conductor", "--once"}, rig.os_env());
    INFO(imported.out, imported.err);
    CHECK(imported.exit_code == 0);
    CHECK(imported.err.find("imported upstream's backups: 4 tagged, 0 already tagged (0 recorded now), 2 gone from "
                            "Cinder, 1 skipped, 0 problem(s)") != std::string::npos);
    CHECK(task_of(rig, kWebFull) == std::string("upstream-") + kWebFull);
    CHECK(imported.out.find("backup cycle:") != std::string::npos);
}
