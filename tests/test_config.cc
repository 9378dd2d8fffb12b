#include "staffeln/config/config.h"
#include "staffeln/config/config_changes.h"
#include "staffeln/config/log_settings.h"
#include "staffeln/config/ini_file.h"
#include "staffeln/config/options.h"
#include "support/paths.h"
#include "support/temp_dir.h"
#include "staffeln/url_password.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <sstream>

using namespace staffeln;
using namespace staffeln::config;
using staffeln::testing::TempDir;

namespace {

LoadResult load_text(const TempDir& dir, const std::string& text) {
    auto file = dir.write("staffeln.conf", text);
    return load_config({{file}, {}, false});
}

std::string upstream_sample() {
    return testing::read_file(std::filesystem::path(staffeln::testing::kSharedDir) / "upstream" / "staffeln.conf");
}

}  // namespace

TEST_CASE("upstream's sample config loads once its MySQL connection is replaced by an SQLite URL") {
    TempDir dir;
    std::string text = upstream_sample();
    REQUIRE(text.find("mysql+pymysql") != std::string::npos);
    auto at = text.find("connection = \"mysql+pymysql");
    auto end = text.find('\n', at);
    text.replace(at, end - at, "connection = \"sqlite:////var/lib/staffeln/staffeln.db\"");
    auto loaded = load_text(dir, text);
    REQUIRE(loaded.ok());
    const auto& c = loaded.config.conductor;
    CHECK(c.backup_workers == 1);
    CHECK(c.rotation_workers == 1);
    CHECK(c.backup_service_period == 1200);
    CHECK(c.retention_service_period == 1200);
    CHECK(c.backup_cycle_timeout == std::chrono::minutes(5));
    CHECK(c.retention_time == std::chrono::days(17));
    CHECK(c.backup_metadata_key == "__automated_backup");
    CHECK(c.retention_metadata_key == "__staffeln_retention");
    CHECK(c.full_backup_depth == 4);
    CHECK(c.retention_policy.empty());
    CHECK(c.retention_policy_metadata_key == "__staffeln_retention_policy");
    CHECK(c.timezone == "UTC");
    CHECK(loaded.config.database.path == "/var/lib/staffeln/staffeln.db");
    CHECK(loaded.warnings.size() == 3);  // backend, tooz_connection, mysql_engine: accepted, ignored
    CHECK(
        loaded.warnings[0].ends_with(":16: [database] backend: ignored: staffeln's store is an embedded SQLite file"));
}

TEST_CASE("upstream's sample config loads as it is: its MySQL connection is imported from, the store is SQLite") {
    TempDir dir;
    auto loaded = load_text(dir, upstream_sample());
    REQUIRE(loaded.ok());
    CHECK(loaded.config.database.upstream_connection == "mysql+pymysql://root:password@localhost:3306/staffeln");
    CHECK(loaded.config.database.path == "/var/lib/staffeln/staffeln.db");
    auto moved = load_text(dir, "[DEFAULT]\nstate_path = /srv/st\n[database]\nconnection = mysql://u:p@db/staffeln\n");
    REQUIRE(moved.ok());
    CHECK(moved.config.database.path == "/srv/st/staffeln.db");
}

TEST_CASE("[database] sqlite_connection places the store when connection is upstream's MySQL, and only then") {
    TempDir dir;
    auto placed = load_text(dir,
                            "[DEFAULT]\nstate_path = /srv/st\n[database]\nconnection = mysql://u:p@db/staffeln\n"
                            "sqlite_connection = sqlite:////srv/other/store.db\n");
    REQUIRE(placed.ok());
    CHECK(placed.warnings.empty());
    CHECK(placed.config.database.upstream_connection == "mysql://u:p@db/staffeln");
    CHECK(placed.config.database.path == "/srv/other/store.db");

    auto ignored =
        load_text(dir, "[database]\nconnection = sqlite:////srv/a.db\nsqlite_connection = sqlite:////srv/b.db\n");
    REQUIRE(ignored.ok());
    CHECK(ignored.config.database.path == "/srv/a.db");
    REQUIRE(ignored.warnings.size() == 1);
    CHECK(ignored.warnings[0] ==
          "[database] sqlite_connection = sqlite:////srv/b.db: ignored: [database] connection "
          "is not MySQL, so it names the store itself");

    auto mysql = load_text(dir, "[database]\nconnection = mysql://u:p@db/staffeln\nsqlite_connection = mysql://db/x\n");
    REQUIRE_FALSE(mysql.ok());
    REQUIRE(mysql.errors.size() == 1);
    CHECK(
        mysql.errors[0].ends_with(":3: [database] sqlite_connection = mysql://db/x: expected sqlite:////absolute/path "
                                  "(the store is SQLite; MySQL goes in connection)"));
}

TEST_CASE("a database URL that is neither SQLite nor MySQL is refused with what to write instead") {
    TempDir dir;
    auto loaded = load_text(dir, "[database]\nconnection = postgresql://root:secret@db/staffeln\n");
    REQUIRE(loaded.errors.size() == 1);
    CHECK(loaded.errors[0] == (dir / "staffeln.conf").string() +
                                  ":2: [database] connection = postgresql://root:***@db/staffeln: "
                                  "unsupported database URL (postgresql): staffeln keeps its state in an "
                                  "embedded SQLite file; use sqlite:////var/lib/staffeln/staffeln.db (four "
                                  "slashes for an absolute path)");
}

TEST_CASE("defaults are upstream's when no file sets them") {
    TempDir dir;
    auto loaded = load_text(dir, "");
    REQUIRE(loaded.ok());
    const auto& c = loaded.config;
    CHECK(c.conductor.backup_service_period == 1800);
    CHECK(c.conductor.backup_min_interval == 1800);
    CHECK(c.conductor.report_period == 86400);
    CHECK(c.conductor.full_backup_depth == 2);
    CHECK(c.conductor.backup_cycle_timeout == std::chrono::minutes(5));
    CHECK(c.conductor.retention_time == std::chrono::days(17));
    CHECK(c.conductor.backup_metadata_key.empty());
    CHECK(c.conductor.backup_mode == "volume");
    CHECK(c.conductor.backup_mode_metadata_key == "__staffeln_backup_mode");
    CHECK(c.openstack.retry_timeout == 300);
    CHECK(c.openstack.max_retry_interval == 30);
    CHECK(c.openstack.skip_retry_codes == std::vector<std::string>{"404"});
    CHECK(c.api.host == "0.0.0.0");
    CHECK(c.api.port == 8808);
    CHECK(c.notification.smtp_server_domain == "localhost");
    CHECK(c.notification.smtp_server_port == 25);
    CHECK(c.database.path == "/var/lib/staffeln/staffeln.db");
}

TEST_CASE("each bad value is reported with file, line, option, value and what was expected") {
    struct Row {
        const char* line;
        const char* expected;
    };
    const Row rows[] = {
        {"backup_service_period = 30",
         "[conductor] backup_service_period = 30: expected an integer from 60 to 31536000"},
        {"backup_workers = many", "[conductor] backup_workers = many: expected an integer from 1 to 1000"},
        {"report_period = 12.5", "[conductor] report_period = 12.5: expected an integer from 600 to 31536000"},
        {"full_backup_depth = -1", "[conductor] full_backup_depth = -1: expected an integer from 0 to 1000"},
        {"backup_poll_interval = 0", "[conductor] backup_poll_interval = 0: expected an integer from 1 to 600"},
        {"backup_service_period = 10000000000",
         "[conductor] backup_service_period = 10000000000: expected an integer from 60 to 31536000"},
        {"retention_service_period = 10000000000",
         "[conductor] retention_service_period = 10000000000: expected an integer from 60 to 31536000"},
        {"backup_min_interval = 9223372036854775807",
         "[conductor] backup_min_interval = 9223372036854775807: expected an integer from 0 to 31536000"},
        {"backup_cycle_timout = 366d", "[conductor] backup_cycle_timout = 366d: expected a duration of at most 1y"},
        {"retention_time = 101y", "[conductor] retention_time = 101y: expected a duration of at most 100y"},
        {"retention_time = 2x",
         "[conductor] retention_time = 2x: invalid duration '2x': unknown unit at 'x' (expected e.g. 2w3d, "
         "20min or 1y2mon10d5h30min10s)"},
        {"backup_cycle_timout = 5",
         "[conductor] backup_cycle_timout = 5: invalid duration '5': the last number has no unit (expected "
         "e.g. 2w3d, 20min or 1y2mon10d5h30min10s)"},
        {"backup_mode = both", "[conductor] backup_mode = both: expected volume or snapshot"},
        {"backup_mode = ", "[conductor] backup_mode = : expected volume or snapshot"},
        {"retention_policy = daily=7,hourly=2",
         "[conductor] retention_policy = daily=7,hourly=2: retention policy 'daily=7,hourly=2': unknown rule "
         "'hourly' (expected last, daily, weekly, monthly or yearly)"},
        {"retention_policy = daily=0",
         "[conductor] retention_policy = daily=0: retention policy 'daily=0': rule 'daily' has count '0' "
         "(expected an integer from 1 to 100000)"},
        {"timezone = Europe/Berlim",
         "[conductor] timezone = Europe/Berlim: unknown timezone 'Europe/Berlim' (expected UTC, a fixed offset from "
         "-14:00 to +14:00 such as +02:00, or a name from the system's time zone database (tzdata) such as "
         "Europe/Berlin)"},
        {"timezone = +2:00",
         "[conductor] timezone = +2:00: invalid timezone '+2:00' (expected UTC or a fixed offset from -14:00 to "
         "+14:00 such as +02:00)"},
        {"backup_window = 1:00-5:00",
         "[conductor] backup_window = 1:00-5:00: invalid backup window '1:00-5:00' (expected HH:MM-HH:MM in "
         "24-hour time, such as 01:00-05:00 or 22:00-04:00)"},
        {"backup_window = 03:00-03:00",
         "[conductor] backup_window = 03:00-03:00: invalid backup window '03:00-03:00' (its start and end are the "
         "same time (leave it unset for no window))"},
        {"retention_safety_floor = maybe",
         "[conductor] retention_safety_floor = maybe: expected a boolean (true/false, yes/no, on/off, 1/0)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.line);
        TempDir dir;
        auto loaded = load_text(dir, std::string("[conductor]\n") + row.line + "\n");
        REQUIRE(loaded.errors.size() == 1);
        CHECK(loaded.errors[0] == (dir / "staffeln.conf").string() + ":2: " + row.expected);
    }
}

TEST_CASE("backup_mode takes volume or snapshot in any case, and the mode's metadata key may be changed or unset") {
    TempDir dir;
    auto loaded = load_text(dir, "[conductor]\nbackup_mode = Snapshot\nbackup_mode_metadata_key = backup-mode\n");
    REQUIRE(loaded.ok());
    CHECK(loaded.config.conductor.backup_mode == "Snapshot");
    CHECK(loaded.config.conductor.backup_mode_metadata_key == "backup-mode");
    auto unset = load_text(dir, "[conductor]\nbackup_mode = volume\nbackup_mode_metadata_key =\n");
    REQUIRE(unset.ok());
    CHECK(unset.config.conductor.backup_mode_metadata_key.empty());
}

TEST_CASE("[dr] export_dir is unset by default, and when set must be an absolute path") {
    TempDir dir;
    CHECK(load_text(dir, "").config.dr.export_dir.empty());
    auto good = load_text(dir, "[dr]\nexport_dir = /var/lib/staffeln/dr\n");
    REQUIRE(good.ok());
    CHECK(good.config.dr.export_dir == "/var/lib/staffeln/dr");
    auto relative = load_text(dir, "[dr]\nexport_dir = dr-records\n");
    REQUIRE(relative.errors.size() == 1);
    CHECK(relative.errors[0] == (dir / "staffeln.conf").string() +
                                    ":2: [dr] export_dir = dr-records: expected an absolute path (the conductor does "
                                    "not run from a fixed directory)");
}

TEST_CASE("a retention policy and a timezone are read as given") {
    TempDir dir;
    auto loaded = load_text(dir,
                            "[conductor]\nretention_policy = last=3,daily=7,weekly=4,monthly=12,yearly=2\n"
                            "retention_policy_metadata_key = gfs\ntimezone = -05:30\n");
    REQUIRE(loaded.ok());
    CHECK(loaded.config.conductor.retention_policy == "last=3,daily=7,weekly=4,monthly=12,yearly=2");
    CHECK(loaded.config.conductor.retention_policy_metadata_key == "gfs");
    CHECK(loaded.config.conductor.timezone == "-05:30");
}

TEST_CASE("per-server schedule options: their defaults, and values read as given") {
    Config defaults;
    CHECK(defaults.conductor.backup_interval_metadata_key == "__staffeln_backup_interval");
    CHECK(defaults.conductor.backup_window.empty());
    CHECK(defaults.conductor.backup_window_metadata_key == "__staffeln_backup_window");
    CHECK(defaults.conductor.full_backup_depth_metadata_key == "__staffeln_full_backup_depth");
    TempDir dir;
    auto loaded = load_text(dir,
                            "[conductor]\nbackup_window = 22:00-04:00\nbackup_window_metadata_key = window\n"
                            "backup_interval_metadata_key = interval\nfull_backup_depth_metadata_key = depth\n"
                            "timezone = Europe/Berlin\n");
    REQUIRE(loaded.ok());
    CHECK(loaded.config.conductor.backup_window == "22:00-04:00");
    CHECK(loaded.config.conductor.backup_window_metadata_key == "window");
    CHECK(loaded.config.conductor.backup_interval_metadata_key == "interval");
    CHECK(loaded.config.conductor.full_backup_depth_metadata_key == "depth");
    CHECK(loaded.config.conductor.timezone == "Europe/Berlin");
}

TEST_CASE("every integer and duration option has an upper bound that keeps clock arithmetic in range") {
    auto room = [](auto now) {
        using Clock = decltype(now);
        return std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::max() - now);
    };
    auto system_room = room(std::chrono::system_clock::now());
    auto steady_room = room(std::chrono::steady_clock::now());
    auto past_room = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() -
                                                                      std::chrono::system_clock::time_point::min());
    for (const auto& option : options()) {
        bool numeric = std::holds_alternative<std::int64_t& (*)(Config&)>(option.target) ||
                       std::holds_alternative<std::chrono::seconds& (*)(Config&)>(option.target);
        if (!numeric) continue;
        CAPTURE(option.name);
        REQUIRE(option.max.has_value());
        std::chrono::seconds max(*option.max);
        CHECK(max < system_room);
        CHECK(max < steady_room);
        CHECK(max < past_room);
    }
}

TEST_CASE("every bad line of every file is reported before the load fails") {
    TempDir dir;
    auto loaded = load_text(dir,
                            "[DEFAULT]\ndebug = perhaps\n"
                            "this line has no equals sign\n"
                            "[api]\nport = 70000\n"
                            "[openstack]\nskip_retry_codes = 404, teapot\n"
                            "[broken\n");
    std::string file = (dir / "staffeln.conf").string();
    REQUIRE(loaded.errors.size() == 5);
    CHECK(loaded.errors[0] == file + ":3: malformed line (expected key = value)");
    CHECK(loaded.errors[1] == file + ":8: malformed section header (expected [name])");
    CHECK(loaded.errors[2] ==
          file + ":2: [DEFAULT] debug = perhaps: expected a boolean (true/false, yes/no, on/off, 1/0)");
    CHECK(loaded.errors[3] == file + ":5: [api] port = 70000: expected an integer from 1 to 65535");
    CHECK(loaded.errors[4] == file +
                                  ":7: [openstack] skip_retry_codes = 404, teapot: expected a comma-separated "
                                  "list of HTTP status codes (100-599), got 'teapot'");
}

TEST_CASE("a line that cannot be read is not quoted, and control characters in messages are escaped") {
    TempDir dir;
    auto loaded = load_text(dir,
                            "sender_pwd = hunter2\x1b[2J\n"
                            "[notification]\n"
                            "secret hunter3 without a separator\n"
                            "[hunter4\x1b]0;title\x07\n"
                            "[conductor]\n"
                            "backup_workers = \x1b[31mmany\n"
                            "back\x1bup = 1\n"
                            "[x\x1by]\n");
    std::string file = (dir / "staffeln.conf").string();
    REQUIRE(loaded.errors.size() == 4);
    CHECK(loaded.errors[0] == file + ":1: option 'sender_pwd' comes before any [section] header");
    CHECK(loaded.errors[1] == file + ":3: malformed line (expected key = value)");
    CHECK(loaded.errors[2] == file + ":4: malformed section header (expected [name])");
    CHECK(loaded.errors[3] ==
          file + ":6: [conductor] backup_workers = \\x1b[31mmany: expected an integer from 1 to 1000");
    REQUIRE(loaded.warnings.size() == 2);
    CHECK(loaded.warnings[0] == file + ":8: unknown section [x\\x1by] (ignored)");
    CHECK(loaded.warnings[1] == file + ":7: [conductor] back\\x1bup: unknown option (ignored)");
    for (const auto& text : {loaded.errors, loaded.warnings})
        for (const auto& message : text) {
            CAPTURE(message);
            CHECK(message.find("hunter") == std::string::npos);
            CHECK(message.find('\x1b') == std::string::npos);
        }
}

TEST_CASE("semantic errors name file, line and option: TLS without its files, a lock backend, mail addresses") {
    struct Row {
        const char* text;
        const char* expected;
    };
    const Row rows[] = {
        {"[api]\nenabled_ssl = true\n",
         ":2: [api] enabled_ssl = true: needs [api] ssl_cert_file and [api] ssl_key_file"},
        {"[api]\nenabled_ssl = true\nssl_cert_file = /etc/staffeln/cert.pem\n",
         ":2: [api] enabled_ssl = true: needs [api] ssl_key_file"},
        {"[coordination]\nbackend_url = zookeeper://zk:2181\n",
         ":2: [coordination] backend_url = zookeeper://zk:2181: scheme zookeeper is not supported: use "
         "file:///var/lib/staffeln/locks, etcd3+http://HOST:2379 or kubernetes://"},
        {"[coordination]\nbackend_url = etcd3+http://h:99999\n",
         ":2: [coordination] backend_url = etcd3+http://h:99999: 'h:99999' has no valid port"},
        {"[notification]\nsender_email = staffeln at example.org\n",
         ":2: [notification] sender_email = staffeln at example.org: not an e-mail address (expected local@domain, "
         "printable ASCII without spaces, quotes or brackets, a local part of at most 64 characters and 254 in all)"},
        {"[notification]\nreceiver = ops@example.org, backup team\n",
         ":2: [notification] receiver = ops@example.org, backup team: 'backup team' is not an e-mail address "
         "(expected local@domain, printable ASCII without spaces, quotes or brackets, a local part of at most 64 "
         "characters and 254 in all)"},
        {"[notification]\nproject_receiver_domain = @example.org\n",
         ":2: [notification] project_receiver_domain = @example.org: not a mail domain (expected e.g. example.org: "
         "printable ASCII without '@', spaces, quotes or brackets)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        TempDir dir;
        auto loaded = load_text(dir, row.text);
        REQUIRE(loaded.errors.size() == 1);
        CHECK(loaded.errors[0] == (dir / "staffeln.conf").string() + row.expected);
    }
    TempDir dir;
    CHECK(load_text(dir,
                    "[api]\nenabled_ssl = true\nssl_cert_file = /c.pem\nssl_key_file = /k.pem\n"
                    "[coordination]\nbackend_url = etcd3+https://h:2379?timeout=5\n"
                    "[notification]\nsender_email = staffeln@example.org\n"
                    "receiver = ops@example.org, 'backup@example.org'\nproject_receiver_domain = example.org\n")
              .ok());
}

TEST_CASE("unknown sections and options are warnings, as oslo.config ignores them") {
    TempDir dir;
    auto loaded = load_text(dir, "[keystone_authtoken]\nauth_url = x\n[conductor]\nbackup_wrokers = 3\n");
    REQUIRE(loaded.ok());
    std::string file = (dir / "staffeln.conf").string();
    REQUIRE(loaded.warnings.size() == 2);
    CHECK(loaded.warnings[0] == file + ":1: unknown section [keystone_authtoken] (ignored)");
    CHECK(loaded.warnings[1] == file + ":4: [conductor] backup_wrokers: unknown option (ignored)");
}

TEST_CASE("a file that cannot be read is an error naming it") {
    TempDir dir;
    std::filesystem::create_directory(dir / "staffeln.conf");
    auto loaded = load_config({{dir / "staffeln.conf"}, {}, false});
    REQUIRE(loaded.errors.size() == 1);
    CHECK(loaded.errors[0] == (dir / "staffeln.conf").string() + ": is a directory, expected a configuration file");

    auto missing = load_config({{dir / "nope.conf"}, {}, false});
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0] ==
          (dir / "nope.conf").string() + ": cannot read configuration file: No such file or directory");

    auto missing_default = load_config({{dir / "nope.conf"}, {}, true});
    CHECK(missing_default.ok());
}

TEST_CASE("only regular files of at most 1 MiB are read, and a FIFO or device is refused without blocking") {
    TempDir dir;
    auto fifo = dir / "fifo.conf";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto from_fifo = load_config({{fifo}, {}, false});
    REQUIRE(from_fifo.errors.size() == 1);
    CHECK(from_fifo.errors[0] == fifo.string() + ": is a FIFO; only a regular file is read as a configuration file");

    auto from_dir = load_config({{}, dir.path(), false});
    REQUIRE(from_dir.errors.size() == 1);
    CHECK(from_dir.errors[0] == from_fifo.errors[0]);

    auto from_zero = load_config({{"/dev/zero"}, {}, false});
    REQUIRE(from_zero.errors.size() == 1);
    CHECK(from_zero.errors[0] ==
          "/dev/zero: is a character device; only a regular file is read as a configuration file");

    std::string comments(1024 * 1024 - 12, '#');
    auto at_limit = dir.write("limit.conf", "[conductor]\n" + comments);
    CHECK(load_config({{at_limit}, {}, false}).ok());
    auto over = dir.write("over.conf", "[conductor]\n" + comments + "#");
    auto too_large = load_config({{over}, {}, false});
    REQUIRE(too_large.errors.size() == 1);
    CHECK(too_large.errors[0] == over.string() + ": is larger than 1 MiB, the limit for a configuration file");
}

TEST_CASE("a --config-dir of more than 1000 *.conf files, or files over 16 MiB together, is refused, naming where") {
    TempDir dir;
    for (std::size_t i = 0; i <= kMaxConfigDirFiles; ++i) dir.write(fmt::format("many/{:04}.conf", i), "");
    auto many = load_config({{}, dir / "many", false});
    REQUIRE(many.errors.size() == 1);
    CHECK(many.errors[0] ==
          (dir / "many").string() + ": more than 1000 *.conf files in the configuration directory (none read)");
    CHECK(many.files_read.empty());
    std::filesystem::remove(dir / "many" / "1000.conf");
    CHECK(load_config({{}, dir / "many", false}).ok());

    // 17 files of 1,000,000 bytes each: the 17th brings the sum past 16 MiB (16,777,216 bytes).
    const std::string comments(1000000 - 12, '#');
    auto first = dir.write("first.conf", "[conductor]\n" + comments);
    for (int i = 1; i < 17; ++i) dir.write(fmt::format("big/{:02}.conf", i), "[conductor]\n" + comments);
    auto big = load_config({{first}, dir / "big", false});
    REQUIRE(big.errors.size() == 1);
    CHECK(big.errors[0] ==
          (dir / "big" / "16.conf").string() +
              ": the configuration files read come to more than 16777216 bytes together (the rest is not read)");
    CHECK(big.files_read.size() == 16);
    std::filesystem::remove(dir / "big" / "16.conf");
    CHECK(load_config({{first}, dir / "big", false}).ok());
}

TEST_CASE("later files override earlier ones, then the config directory's *.conf files but dot-files, in name order") {
    TempDir dir;
    auto first = dir.write("a.conf", "[conductor]\nfull_backup_depth = 1\nbackup_workers = 4\n");
    auto second = dir.write("b.conf", "[conductor]\nfull_backup_depth = 2\n");
    dir.write("conf.d/20-late.conf", "[conductor]\nfull_backup_depth = 9\n");
    dir.write("conf.d/10-early.conf", "[conductor]\nfull_backup_depth = 7\nbackup_workers = 5\n");
    dir.write("conf.d/ignored.txt", "[conductor]\nfull_backup_depth = 100\n");
    dir.write("conf.d/.#30-editing.conf", "[conductor]\nfull_backup_depth = 101\n");
    dir.write("conf.d/.hidden.conf", "[conductor]\nfull_backup_depth = 102\n");
    auto loaded = load_config({{first, second}, dir / "conf.d", false});
    REQUIRE(loaded.ok());
    CHECK(loaded.config.conductor.full_backup_depth == 9);
    CHECK(loaded.config.conductor.backup_workers == 5);
    CHECK(loaded.files_read.size() == 4);
}

TEST_CASE("values may be quoted, comments start with # or a semicolon, and lists are comma-separated") {
    TempDir dir;
    auto loaded = load_text(dir,
                            "# a comment\n; another\n[notification]\n"
                            "receiver = ops@example.org, 'backup@example.org' ,\n"
                            "sender_email='staffeln@example.org'\n"
                            "smtp_server_domain : mail.example.org\n"
                            "[conductor]\nbackup_metadata_key=\"__staffeln_backup\"\n"
                            "backup_cycle_timeout = 1h\n"
                            "[DEFAULT]\ndebug = Yes\n");
    REQUIRE(loaded.ok());
    CHECK(loaded.config.notification.receiver == std::vector<std::string>{"ops@example.org", "backup@example.org"});
    CHECK(loaded.config.notification.sender_email == "staffeln@example.org");
    CHECK(loaded.config.notification.smtp_server_domain == "mail.example.org");
    CHECK(loaded.config.conductor.backup_metadata_key == "__staffeln_backup");
    CHECK(loaded.config.conductor.backup_cycle_timeout == std::chrono::hours(1));
    CHECK(loaded.config.defaults.debug);
}

TEST_CASE("the effective configuration is shown with secrets masked") {
    TempDir dir;
    auto loaded = load_text(dir,
                            "[notification]\nsender_pwd = hunter2\n"
                            "[database]\nconnection = sqlite:////srv/staffeln/staffeln.db\n");
    REQUIRE(loaded.ok());
    auto shown = show_config(loaded.config);
    CHECK(shown.find("hunter2") == std::string::npos);
    CHECK(shown.find("sender_pwd = ***\n") != std::string::npos);
    CHECK(shown.find("connection = sqlite:////srv/staffeln/staffeln.db\n") != std::string::npos);
    CHECK(shown.find("[conductor]\nbackup_workers = 1\n") != std::string::npos);
    CHECK(redact_url("mysql://root:pw@db:3306/x") == "mysql://root:***@db:3306/x");
    CHECK(redact_url("sqlite:////a/b.db") == "sqlite:////a/b.db");
    CHECK(redact_url("etcd3+http://user:p@ss@etcd:2379?timeout=5") == "etcd3+http://user:***@etcd:2379?timeout=5");
    CHECK(redact_url("etcd3+http://etcd:2379/?ca_cert=/a") == "etcd3+http://etcd:2379/?ca_cert=/a");
}

TEST_CASE("config show writes each value so that the file read back gives the same value") {
    // Found by fuzz/ini: a value with a blank at either end, or itself wrapped in quotes, was
    // printed bare, and read back trimmed or unwrapped.
    TempDir dir;
    auto loaded = load_text(dir,
                            "[conductor]\nbackup_metadata_key = \"  backup me \"\n[notification]\n"
                            "template_file = \"'/etc/staffeln/report.html'\"\nsmtp_server_domain = \"mail\"\n"
                            "[api]\nhost = \" 10.0.0.1\"\n");
    REQUIRE(loaded.ok());
    CHECK(loaded.config.conductor.backup_metadata_key == "  backup me ");
    CHECK(loaded.config.notification.template_file == "'/etc/staffeln/report.html'");
    auto shown = show_config(loaded.config);
    CHECK(shown.find("backup_metadata_key = \"  backup me \"\n") != std::string::npos);
    CHECK(shown.find("template_file = \"'/etc/staffeln/report.html'\"\n") != std::string::npos);
    CHECK(shown.find("smtp_server_domain = mail\n") != std::string::npos);
    auto again = load_text(dir, shown);
    REQUIRE(again.ok());
    CHECK(again.config.conductor.backup_metadata_key == "  backup me ");
    CHECK(again.config.notification.template_file == "'/etc/staffeln/report.html'");
    CHECK(again.config.api.host == " 10.0.0.1");
    CHECK(show_config(again.config) == shown);
    CHECK(ini_value_text("") == "");
    CHECK(ini_value_text("\"") == "\"");
    CHECK(ini_value_text("a\nb") == "a\n    b");
}

TEST_CASE("a value of several lines reads back the same from what ini_value_text writes, as oslo.config reads it") {
    // Only the first line's quotes are removed (oslo.config's iniparser); continuation lines are
    // appended trimmed. Quotes over several lines stay, so no line's blank is lost on the way back.
    struct Row {
        const char* text;
        const char* value;
    };
    for (auto row : {Row{"[s]\nkey = \"a\n  b \"\n", "\"a\nb \""}, Row{"[s]\nkey = \" a \"\n  b\n", " a \nb"},
                     Row{"[s]\nkey = '\n  '\n", "'\n'"}, Row{"[s]\nkey =\n  b\n\tc\n", "\nb\nc"},
                     Row{"[s]\nkey = \"'x'\"\n  [y]\n", "'x'\n[y]"}}) {
        CAPTURE(row.text);
        auto ini = parse_ini(row.text);
        REQUIRE(ini.errors.empty());
        REQUIRE(ini.entries.size() == 1);
        CHECK(ini.entries[0].value == row.value);
        auto again = parse_ini("[s]\nkey = " + ini_value_text(ini.entries[0].value) + "\n");
        REQUIRE(again.entries.size() == 1);
        CHECK(again.entries[0].value == row.value);
    }
    CHECK(ini_value_text(" a \nb") == "\" a \"\n    b");
}

TEST_CASE("a URL's password is masked whole even when it holds '/', '?', '#' or '@' unencoded") {
    for (const char* url :
         {"mysql://root:pa/ss@db/x", "mysql://root:pa?ss@db/x", "mysql://root:pa#ss@db/x", "mysql://root:p@/s?s#@db/x"})
        CHECK(redact_url(url) == "mysql://root:***@db/x");
    CHECK(redact_url("mysql://:pw@db/x") == "mysql://:***@db/x");
    CHECK(redact_url("mysql://root@db/x") == "mysql://root@db/x");
    CHECK(redact_url("etcd3+http://etcd:2379,etcd2:2379") == "etcd3+http://etcd:2379,etcd2:2379");
    // An '@' after a colon anywhere is taken as a password's end: masking too much beats showing one.
    CHECK(redact_url("etcd3+https://etcd:2379/?ca_cert=/a@b") == "etcd3+https://etcd:***@b");

    TempDir dir;
    struct Row {
        const char* text;
        const char* expected;
    };
    const Row rows[] = {
        {"[database]\nconnection = pgsql://root:pa/ss@db/x\n",
         ":2: [database] connection = pgsql://root:***@db/x: unsupported database URL (pgsql): staffeln keeps its "
         "state in an embedded SQLite file; use sqlite:////var/lib/staffeln/staffeln.db (four slashes for an "
         "absolute path)"},
        {"[coordination]\nbackend_url = etcd3+http://root:pa?ss@etcd:2379\n",
         ":2: [coordination] backend_url = etcd3+http://root:***@etcd:2379: a user and password in the URL are not "
         "supported (staffeln does not log in to etcd)"},
        {"[coordination]\nbackend_url = etcd3+http://root:pa/ss@etcd:2379\n",
         ":2: [coordination] backend_url = etcd3+http://root:***@etcd:2379: a user and password in the URL are not "
         "supported (staffeln does not log in to etcd)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto loaded = load_text(dir, row.text);
        REQUIRE(loaded.errors.size() == 1);
        CHECK(loaded.errors[0] == (dir / "staffeln.conf").string() + row.expected);
        CHECK(loaded.errors[0].find(":pa") == std::string::npos);
        CHECK(loaded.errors[0].find("ss@") == std::string::npos);
    }
    Config config;
    config.database.connection = "mysql://root:pa/ss@db/x";
    config.coordination.backend_url = "etcd3+http://root:pa?ss@etcd:2379";
    auto shown = show_config(config);
    CHECK(shown.find("connection = mysql://root:***@db/x\n") != std::string::npos);
    CHECK(shown.find("backend_url = etcd3+http://root:***@etcd:2379\n") != std::string::npos);
}

TEST_CASE("a password in [coordination] backend_url is masked wherever the URL is shown") {
    Config config;
    config.coordination.backend_url = "etcd3+http://user:secret@etcd:2379";
    auto shown = show_config(config);
    CHECK(shown.find("secret") == std::string::npos);
    CHECK(shown.find("backend_url = etcd3+http://user:***@etcd:2379\n") != std::string::npos);
    auto changes = config_changes(Config{}, config);
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].after == "etcd3+http://user:***@etcd:2379");

    TempDir dir;
    auto loaded = load_text(dir, "[coordination]\nbackend_url = etcd3+http://user:secret@etcd:2379\n");
    REQUIRE(loaded.errors.size() == 1);
    CHECK(loaded.errors[0] == (dir / "staffeln.conf").string() +
                                  ":2: [coordination] backend_url = etcd3+http://user:***@etcd:2379: a user and "
                                  "password in the URL are not supported (staffeln does not log in to etcd)");
}

TEST_CASE("a relative SQLite URL and the state path decide where the database lives") {
    TempDir dir;
    auto relative = load_text(dir, "[database]\nconnection = sqlite:///data/staffeln.db\n");
    REQUIRE(relative.ok());
    CHECK(relative.config.database.path == "data/staffeln.db");
    auto state = load_text(dir, "[DEFAULT]\nstate_path = /srv/staffeln\n");
    REQUIRE(state.ok());
    CHECK(state.config.database.path == "/srv/staffeln/staffeln.db");
}

TEST_CASE("config_changes lists each changed option once, in the table's order, with secrets masked") {
    Config before;
    Config after = before;
    CHECK(config_changes(before, after).empty());
    after.conductor.backup_service_period = 60;
    after.conductor.backup_cycle_timeout = std::chrono::seconds(600);  // also known as backup_cycle_timout
    after.notification.sender_pwd = "hunter2";
    auto changes = config_changes(before, after);
    REQUIRE(changes.size() == 3);
    CHECK(changes[0].name == "backup_service_period");
    CHECK(changes[0].before == "1800");
    CHECK(changes[0].after == "60");
    CHECK(changes[1].name == "backup_cycle_timout");
    CHECK(changes[1].after == "10min");
    CHECK(changes[2].section == "notification");
    CHECK(changes[2].name == "sender_pwd");
    CHECK(changes[2].before.empty());
    CHECK(changes[2].after == "***");
}

TEST_CASE("a reload keeps every option read at start only, its section's or its own, and only those") {
    Config running;
    Config fresh;
    // A different value for every option the table has, whatever its section.
    for (const auto& option : options()) {
        std::visit(
            [&](auto target) {
                using T = decltype(target);
                if constexpr (std::is_same_v<T, bool& (*)(Config&)>)
                    target(fresh) = !target(fresh);
                else if constexpr (std::is_same_v<T, std::int64_t& (*)(Config&)>)
                    target(fresh) += 1;
                else if constexpr (std::is_same_v<T, std::string& (*)(Config&)>)
                    target(fresh) += "-new";
                else if constexpr (std::is_same_v<T, std::vector<std::string>& (*)(Config&)>)
                    target(fresh).push_back("x");
                else if constexpr (std::is_same_v<T, std::chrono::seconds& (*)(Config&)>)
                    target(fresh) += std::chrono::seconds(1);
            },
            option.target);
    }
    auto changes = config_changes(running, fresh);
    keep_start_only_sections(running, fresh);
    for (const auto& change : changes) {
        const Option* option = find_option(change.section, change.name);
        REQUIRE(option != nullptr);
        CAPTURE(change.section);
        CAPTURE(change.name);
        CHECK(change.waits_for_restart ==
              (read_at_start_only(change.section) || read_at_start_only(change.section, change.name)));
        if (change.waits_for_restart)
            CHECK(option_value(fresh, *option) == option_value(running, *option));
        else
            CHECK(option_value(fresh, *option) != option_value(running, *option));
    }
    for (auto section : {"database", "coordination", "openstack", "api"}) CHECK(read_at_start_only(section));
    for (auto section : {"DEFAULT", "conductor", "notification"}) CHECK_FALSE(read_at_start_only(section));
    CHECK(read_at_start_only("conductor", "metrics_listen"));
    CHECK_FALSE(read_at_start_only("conductor", "backup_workers"));
}

TEST_CASE("oslo.log's command-line flags override the files, and log_dir places the log file as oslo.log does") {
    TempDir dir;
    auto file = dir.write("staffeln.conf", "[DEFAULT]\ndebug = false\nlog_file = from-file.log\n");
    Sources flags{{file}, {}, false};
    flags.debug = true;
    flags.log_file = "/var/log/flag.log";
    auto overridden = load_config(flags);
    REQUIRE(overridden.ok());
    CHECK(overridden.config.defaults.debug);
    CHECK(overridden.config.defaults.log_file == "/var/log/flag.log");

    Sources in_dir{{file}, {}, false};
    in_dir.log_dir = "/var/log/staffeln";
    CHECK(load_config(in_dir).config.defaults.log_file == "/var/log/staffeln/from-file.log");
    in_dir.log_file = "/elsewhere/absolute.log";  // os.path.join keeps an absolute file as it is
    CHECK(load_config(in_dir).config.defaults.log_file == "/elsewhere/absolute.log");

    auto dir_only = dir.write("dir.conf", "[DEFAULT]\nlog_dir = /var/log/staffeln\n");
    Sources program{{dir_only}, {}, false};
    program.program = "staffeln-conductor";
    auto named = load_config(program);
    REQUIRE(named.ok());
    CHECK(named.config.defaults.log_dir == "/var/log/staffeln");
    CHECK(named.config.defaults.log_file == "/var/log/staffeln/staffeln-conductor.log");
    CHECK(load_config({{dir_only}, {}, false}).config.defaults.log_file == "/var/log/staffeln/staffeln.log");
    CHECK(load_config({{file}, {}, false}).config.defaults.log_file == "from-file.log");
}

TEST_CASE(
    "oslo.log's use_stderr, use_journal, use_json, use_syslog and syslog_log_facility become the log's settings") {
    TempDir dir;
    auto defaults = load_text(dir, "[DEFAULT]\n");
    REQUIRE(defaults.ok());
    auto plain = log_settings(defaults.config, "staffeln-api");
    CHECK(plain.file.empty());
    CHECK_FALSE(plain.use_stderr);
    CHECK_FALSE(plain.use_journal);
    CHECK_FALSE(plain.use_json);
    CHECK_FALSE(plain.use_syslog);
    CHECK(plain.syslog_facility == 1);
    CHECK(plain.program == "staffeln-api");

    auto all = load_text(dir,
                         "[DEFAULT]\nlog_file = /var/log/staffeln/api.log\nuse_stderr = true\nuse_journal = true\n"
                         "use_json = true\nuse_syslog = true\nsyslog_log_facility = local3\n");
    REQUIRE(all.ok());
    CHECK(all.warnings.empty());
    auto on = log_settings(all.config, "staffeln");
    CHECK(on.file == "/var/log/staffeln/api.log");
    CHECK(on.use_stderr);
    CHECK(on.use_journal);
    CHECK(on.use_json);
    CHECK(on.use_syslog);
    CHECK(on.syslog_facility == 19);
    // As oslo.log's _find_facility: any case, "LOG_" optional.
    CHECK(syslog_facility_number("LOG_DAEMON") == 3);
    CHECK(syslog_facility_number("Log_Local7") == 23);
    CHECK(syslog_facility_number("user") == 1);
    CHECK_FALSE(syslog_facility_number("LOG_LOCAL8"));

    auto bad = load_text(dir, "[DEFAULT]\nsyslog_log_facility = LOG_NOWHERE\n");
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0] == (dir / "staffeln.conf").string() +
                               ":2: [DEFAULT] syslog_log_facility = LOG_NOWHERE: expected a syslog facility (LOG_USER, "
                               "LOG_DAEMON, LOG_LOCAL0 to LOG_LOCAL7, ...; the LOG_ may be left out)");
}

TEST_CASE("config sample: every option with one line of help and its default, packaging/staffeln.conf is it") {
    for (const auto& option : options()) {
        CAPTURE(option.name);
        CHECK_FALSE(option.help.empty());
        CHECK(option.help.find('\n') == std::string_view::npos);
    }
    const std::string sample = sample_config();
    const auto packaged = std::filesystem::path(testing::kSourceDir) / "packaging" / "staffeln.conf";
    CHECK_MESSAGE(testing::read_file(packaged) == sample,
                  "packaging/staffeln.conf differs from `staffeln config sample`: run build/staffeln config sample > "
                  "packaging/staffeln.conf");
    CHECK(sample.find("\n# Log to journald natively: PRIORITY, SYSLOG_IDENTIFIER, LOGGER_NAME and LOGGER_LEVEL "
                      "fields.\n#use_journal = false\n") != std::string::npos);
    CHECK(sample.find("\n#retention_time = 2w3d\n") != std::string::npos);

    // Every default read back as written: the sample with its options uncommented is the defaults.
    std::string uncommented;
    std::istringstream lines(sample);
    for (std::string line; std::getline(lines, line);)
        uncommented += (line.starts_with("#") && !line.starts_with("# ") ? line.substr(1) : line) + "\n";
    TempDir dir;
    auto loaded = load_text(dir, uncommented);
    CHECK(loaded.errors.empty());
    for (const auto& warning : loaded.warnings)
        CHECK_MESSAGE(warning.find(": ignored: ") != std::string::npos, warning);
    auto empty = load_text(dir, "");
    CHECK(show_config(loaded.config) == show_config(empty.config));
}

TEST_CASE("retention_time keeps its calendar months and years, shown back as written") {
    TempDir dir;
    auto loaded = load_text(dir, "[conductor]\nretention_time = 1y2mon10d5h\n");
    REQUIRE(loaded.ok());
    CHECK(loaded.config.conductor.retention_time == CalendarDuration{14, std::chrono::seconds(10 * 86400 + 5 * 3600)});
    CHECK(show_config(loaded.config).find("retention_time = 1y2mon1w3d5h\n") != std::string::npos);
    auto plain = load_text(dir, "[conductor]\nretention_time = 40d\n");
    REQUIRE(plain.ok());
    CHECK(show_config(plain.config).find("retention_time = 5w5d\n") != std::string::npos);
}

TEST_CASE(
    "include_projects and exclude_projects: empty by default, comma lists of ids or names, no empty item, "
    "no project in both") {
    TempDir dir;
    CHECK(load_text(dir, "").config.conductor.include_projects.empty());
    CHECK(load_text(dir, "").config.conductor.exclude_projects.empty());
    auto good = load_text(dir, "[conductor]\ninclude_projects = acme, 'p 2',p3\nexclude_projects = globex\n");
    REQUIRE(good.ok());
    CHECK(good.config.conductor.include_projects == std::vector<std::string>{"acme", "p 2", "p3"});
    CHECK(good.config.conductor.exclude_projects == std::vector<std::string>{"globex"});
    CHECK(load_text(dir, "[conductor]\nexclude_projects =\n").ok());
    const std::string file = (dir / "staffeln.conf").string();
    struct Row {
        const char* text;
        std::string expected;
    };
    const Row rows[] = {
        {"[conductor]\nexclude_projects = a,,b\n",
         file + ":2: [conductor] exclude_projects = a,,b: item 2 is empty (expected project ids or names separated "
                "by commas)"},
        {"[conductor]\ninclude_projects = a,\n",
         file + ":2: [conductor] include_projects = a,: item 2 is empty (expected project ids or names separated by "
                "commas)"},
        {"[conductor]\ninclude_projects = acme,globex\nexclude_projects = globex\n",
         file + ":3: [conductor] exclude_projects: 'globex' is in include_projects too (" + file + ":2)"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        auto loaded = load_text(dir, row.text);
        REQUIRE(loaded.errors.size() == 1);
        CHECK(loaded.errors[0] == row.expected);
    }
}
