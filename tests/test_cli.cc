#include "support/paths.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>

using staffeln::testing::Finished;
using staffeln::testing::run_staffeln;
using staffeln::testing::TempDir;

namespace {

std::string sqlite_config(const TempDir& dir) {
    std::string text = staffeln::testing::read_file(std::filesystem::path(staffeln::testing::kSharedDir) / "upstream" /
                                                    "staffeln.conf");
    auto at = text.find("connection = ");
    text.replace(at, text.find('\n', at) - at, "connection = sqlite:///" + (dir / "staffeln.db").string());
    return dir.write("staffeln.conf", text).string();
}

}  // namespace

TEST_CASE("staffeln --help lists the four subcommands") {
    auto r = run_staffeln({"--help"});
    CHECK(r.exit_code == 0);
    for (const char* name : {"conductor", "api", "db-manage", "report"}) {
        CAPTURE(name);
        CHECK(r.out.find(std::string("\n  ") + name + " ") != std::string::npos);
    }
    for (const char* sub : {"conductor", "api", "db-manage", "report", "config"}) {
        CAPTURE(sub);
        CHECK(run_staffeln({sub, "--help"}).exit_code == 0);
    }
}

TEST_CASE("bad usage exits 2 with CLI11's reason") {
    auto none = run_staffeln({});
    CHECK(none.exit_code == 2);
    CHECK(none.err.find("A subcommand is required") != std::string::npos);
    auto unknown = run_staffeln({"--frobnicate", "config", "show"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("--frobnicate") != std::string::npos);
    auto missing = run_staffeln({"--config-file", "/nonexistent/staffeln.conf", "config", "show"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("/nonexistent/staffeln.conf") != std::string::npos);
}

TEST_CASE("staffeln --version prints the version") {
    auto r = run_staffeln({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == STAFFELN_VERSION "\n");
}

TEST_CASE("config sample prints packaging/staffeln.conf, reading no configuration") {
    auto r = run_staffeln({"--config-file", "/dev/null", "config", "sample"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == staffeln::testing::read_file(std::filesystem::path(staffeln::testing::kSourceDir) / "packaging" /
                                                "staffeln.conf"));
}

TEST_CASE("config show prints upstream's sample with its effective values") {
    TempDir dir;
    auto r = run_staffeln({"--config-file", sqlite_config(dir), "config", "show"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("backup_service_period = 1200\n") != std::string::npos);
    CHECK(r.out.find("backup_cycle_timout = 5min\n") != std::string::npos);
    CHECK(r.out.find("full_backup_depth = 4\n") != std::string::npos);
    CHECK(r.out.find("backup_metadata_key = __automated_backup\n") != std::string::npos);
    CHECK(r.err.find("[database] backend: ignored") != std::string::npos);
}

TEST_CASE("upstream's sample unchanged is accepted, its MySQL password masked") {
    auto sample = std::string(staffeln::testing::kSharedDir) + "/upstream/staffeln.conf";
    auto r = run_staffeln({"--config-file", sample, "config", "show"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("connection = mysql+pymysql://root:***@localhost:3306/staffeln") != std::string::npos);
    CHECK(r.out.find("password@") == std::string::npos);
}

TEST_CASE("a bad value in any file exits 2 before any command runs") {
    TempDir dir;
    auto bad = dir.write("bad.conf", "[conductor]\nbackup_service_period = 10\n").string();
    auto r = run_staffeln({"--config-file", bad, "db-manage", "create_schema"});
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "staffeln: " + bad + ":2: [conductor] backup_service_period = 10: expected an integer from 60 to 31536000\n");
    CHECK_FALSE(std::filesystem::exists(dir / "staffeln.db"));
}

TEST_CASE("db-manage create_schema then version on a new file") {
    TempDir dir;
    auto conf = sqlite_config(dir);
    auto version_before = run_staffeln({"--config-file", conf, "db-manage", "version"});
    CHECK(version_before.exit_code == 1);
    CHECK(version_before.err.find("does not exist: run `staffeln db-manage upgrade` to create it") !=
          std::string::npos);

    auto created = run_staffeln({"--config-file", conf, "db-manage", "create_schema"});
    CHECK(created.exit_code == 0);
    CHECK(created.out == "created schema version 7 in " + (dir / "staffeln.db").string() + "\n");
    auto version = run_staffeln({"--config-file", conf, "db-manage", "version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "7\n");
    auto upgraded = run_staffeln({"--config-file", conf, "db-manage", "upgrade", "head"});
    CHECK(upgraded.exit_code == 0);
    auto bogus = run_staffeln({"--config-file", conf, "db-manage", "upgrade", "tail"});
    CHECK(bogus.exit_code == 2);
    CHECK(bogus.err ==
          "staffeln db-manage upgrade: unknown revision 'tail' (expected head, 1 to 7, or one of upstream's alembic "
          "revisions 041d9a0f1159, ebdbed01e9a7, 2b2b9df199bd, 5b2e78435231)\n");
}

TEST_CASE("db-manage upgrade creates a new database at head") {
    TempDir dir;
    auto r = run_staffeln({"--config-file", sqlite_config(dir), "db-manage", "upgrade"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "database " + (dir / "staffeln.db").string() + " upgraded from version 0 to 7\n");
}

TEST_CASE("a FIFO or /dev/zero as --config-file exits 2 naming it, without blocking or aborting") {
    TempDir dir;
    auto fifo = dir / "staffeln.conf";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto r = run_staffeln({"--config-file", fifo.string(), "config", "show"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "staffeln: " + fifo.string() + ": is a FIFO; only a regular file is read as a configuration file\n");
    auto zero = run_staffeln({"--config-file", "/dev/zero", "config", "show"});
    CHECK(zero.exit_code == 2);
    CHECK(zero.err ==
          "staffeln: /dev/zero: is a character device; only a regular file is read as a configuration file\n");
}

TEST_CASE("a line before any section is reported by its option name, never its value") {
    TempDir dir;
    auto conf = dir.write("staffeln.conf", "sender_pwd = hunter2\x1b]0;owned\x07\n[DEFAULT]\n").string();
    auto r = run_staffeln({"--config-file", conf, "config", "show"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "staffeln: " + conf + ":1: option 'sender_pwd' comes before any [section] header\n");
}

TEST_CASE("a semantic configuration error exits 2 naming file, line and option, like any bad value") {
    TempDir dir;
    auto conf = dir.write("staffeln.conf", "[api]\nenabled_ssl = true\n").string();
    auto r = run_staffeln({"--config-file", conf, "config", "show"});
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "staffeln: " + conf + ":2: [api] enabled_ssl = true: needs [api] ssl_cert_file and [api] ssl_key_file\n");
}

TEST_CASE("config show and its errors never print the password of a backend_url") {
    TempDir dir;
    auto conf =
        dir.write("staffeln.conf", "[coordination]\nbackend_url = etcd3+http://user:secret@etcd:2379\n").string();
    auto r = run_staffeln({"--config-file", conf, "config", "show"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("backend_url = etcd3+http://user:***@etcd:2379: ") != std::string::npos);
    CHECK(r.out.find("secret") == std::string::npos);
    CHECK(r.err.find("secret") == std::string::npos);
}

TEST_CASE("db-manage version creates and writes nothing: not the store, not its -wal or -shm files") {
    TempDir dir;
    auto db = dir / "staffeln.db";
    auto conf = dir.write("staffeln.conf", "[database]\nconnection = sqlite:///" + db.string() + "\n").string();
    auto files = [&] {
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
            names.push_back(entry.path().filename());
        std::sort(names.begin(), names.end());
        return names;
    };
    auto absent = run_staffeln({"--config-file", conf, "db-manage", "version"});
    CHECK(absent.exit_code == 1);
    CHECK(absent.err == "staffeln db-manage: database " + db.string() +
                            " does not exist: run `staffeln db-manage upgrade` to create it\n");
    CHECK(files() == std::vector<std::string>{"staffeln.conf"});

    dir.write("staffeln.db", "");
    auto empty = run_staffeln({"--config-file", conf, "db-manage", "version"});
    CHECK(empty.exit_code == 1);
    CHECK(empty.err == "staffeln db-manage: database " + db.string() +
                           " is not initialised (it has no schema): run `staffeln db-manage upgrade`\n");
    CHECK(std::filesystem::file_size(db) == 0);
    CHECK(files() == std::vector<std::string>{"staffeln.conf", "staffeln.db"});

    REQUIRE(run_staffeln({"--config-file", conf, "db-manage", "upgrade"}).exit_code == 0);
    auto before = std::filesystem::last_write_time(db);
    auto size = std::filesystem::file_size(db);
    auto version = run_staffeln({"--config-file", conf, "db-manage", "version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "7\n");
    CHECK(std::filesystem::last_write_time(db) == before);
    CHECK(std::filesystem::file_size(db) == size);
    CHECK(files() == std::vector<std::string>{"staffeln.conf", "staffeln.db"});
}

TEST_CASE("a FIFO or a device named as the log file or the database is refused at once, never waited on") {
    using staffeln::testing::kStaffelnBinary;
    using staffeln::testing::run_process;
    TempDir dir;
    auto fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto run = [](const std::vector<std::string>& args) {
        std::vector<std::string> argv{kStaffelnBinary};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_process(argv, {}, std::chrono::seconds(10));
    };
    // Nobody reads the FIFO: opening it to write would wait for a reader, here and on SIGHUP.
    auto log_conf = dir.write("log.conf", "[DEFAULT]\nlog_file = " + fifo.string() + "\n").string();
    auto shown = run({"--config-file", log_conf, "config", "show"});
    CHECK(shown.exit_code == 0);
    CHECK(shown.err.find("cannot open log file " + fifo.string() + ": no process reads this FIFO; logging to stderr") !=
          std::string::npos);

    for (const std::string& db : {fifo.string(), std::string("/dev/zero")}) {
        auto conf = dir.write("db.conf", "[database]\nconnection = sqlite:///" + db + "\n").string();
        std::string type = db == "/dev/zero" ? "a character device" : "a FIFO";
        for (const char* command : {"version", "upgrade"}) {
            CAPTURE(db);
            CAPTURE(command);
            auto r = run({"--config-file", conf, "db-manage", command});
            CHECK(r.exit_code == 1);
            CHECK(r.err ==
                  "staffeln db-manage: " + db + ": is " + type + "; only a regular file is read as a database\n");
        }
    }
}

TEST_CASE("a user and password in the cloud's auth URL are masked where the conductor names the cloud") {
    TempDir dir;
    auto conf = dir.write("staffeln.conf", "[database]\nconnection = sqlite:///" + (dir / "staffeln.db").string() +
                                               "\n[openstack]\nretry_timeout = 1\n")
                    .string();
    REQUIRE(run_staffeln({"--config-file", conf, "db-manage", "upgrade"}).exit_code == 0);
    // Port 1 on loopback refuses at once: authentication fails and the conductor says where.
    std::map<std::string, std::string> env{{"OS_AUTH_URL", "http://admin:hunter2@127.0.0.1:1/identity/v3"},
                                           {"OS_USERNAME", "admin"},
                                           {"OS_PASSWORD", "admin-secret"},
                                           {"OS_PROJECT_NAME", "admin"},
                                           {"OS_USER_DOMAIN_NAME", "Default"},
                                           {"OS_PROJECT_DOMAIN_NAME", "Default"}};
    auto r = run_staffeln({"--config-file", conf, "conductor", "--once"}, env);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot authenticate at http://admin:***@127.0.0.1:1/identity/v3 (") != std::string::npos);
    CHECK(r.err.find("hunter2") == std::string::npos);
    CHECK(r.out.find("hunter2") == std::string::npos);
}

namespace {

// Runs the built binary through one of the links the build makes beside it (upstream's command names).
Finished run_as(const std::string& program, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {}) {
    auto link = std::filesystem::path(staffeln::testing::kStaffelnBinary).parent_path() / program;
    std::vector<std::string> argv{link.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return staffeln::testing::run_process(argv, env, std::chrono::seconds(30));
}

}  // namespace

TEST_CASE("the build links upstream's three command names to the one binary") {
    auto dir = std::filesystem::path(staffeln::testing::kStaffelnBinary).parent_path();
    for (const char* name : {"staffeln-conductor", "staffeln-api", "staffeln-db-manage"}) {
        CAPTURE(name);
        CHECK(std::filesystem::is_symlink(dir / name));
        CHECK(std::filesystem::read_symlink(dir / name) == "staffeln");
    }
}

TEST_CASE("staffeln-db-manage is db-manage, with upstream's flags before or after its subcommand") {
    TempDir dir;
    auto conf = sqlite_config(dir);
    auto db = (dir / "staffeln.db").string();
    auto upgraded = run_as("staffeln-db-manage", {"--config-file", conf, "upgrade"});
    CHECK(upgraded.exit_code == 0);
    CHECK(upgraded.out == "database " + db + " upgraded from version 0 to 7\n");
    auto version = run_as("staffeln-db-manage", {"version", "--config-file=" + conf});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "7\n");
    auto with_dir = run_as("staffeln-db-manage", {"--config-dir", dir.path().string(), "version"});
    CHECK(with_dir.exit_code == 0);
    CHECK(with_dir.out == "7\n");
}

TEST_CASE("staffeln-conductor and staffeln-api are their subcommands, --version and --help included") {
    auto help = run_as("staffeln-conductor", {"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--once") != std::string::npos);
    auto api_help = run_as("staffeln-api", {"--help"});
    CHECK(api_help.exit_code == 0);
    CHECK(api_help.out.find("Serve") != std::string::npos);
    for (const char* name : {"staffeln-conductor", "staffeln-api", "staffeln-db-manage"}) {
        CAPTURE(name);
        auto version = run_as(name, {"--version"});
        CHECK(version.exit_code == 0);
        CHECK(version.out == STAFFELN_VERSION "\n");
    }
}

TEST_CASE("--debug, --log-file and --log-dir override the files as oslo.log's flags do") {
    TempDir dir;
    auto conf = sqlite_config(dir);
    // config show prints what the flags make of the configuration, as every command loads it.
    auto show = [&](std::vector<std::string> flags) {
        std::vector<std::string> args{"--config-file", conf};
        args.insert(args.end(), flags.begin(), flags.end());
        args.insert(args.end(), {"config", "show"});
        return run_staffeln(args);
    };
    auto plain = show({});
    CHECK(plain.out.find("debug = false\n") != std::string::npos);
    CHECK(plain.out.find("log_file = \n") != std::string::npos);
    auto debug = show({"--debug", "--log-file", (dir / "a.log").string()});
    CHECK(debug.out.find("debug = true\n") != std::string::npos);
    CHECK(debug.out.find("log_file = " + (dir / "a.log").string() + "\n") != std::string::npos);
    auto in_dir = show({"-d", "--log-dir", dir.path().string(), "--log-file", "b.log"});
    CHECK(in_dir.out.find("debug = true\n") != std::string::npos);
    CHECK(in_dir.out.find("log_file = " + (dir / "b.log").string() + "\n") != std::string::npos);
    CHECK(in_dir.out.find("log_dir = " + dir.path().string() + "\n") != std::string::npos);
}

TEST_CASE("--log-dir alone logs to <command name>.log there, as oslo.log names it after the program") {
    TempDir dir;
    auto conf = dir.write("staffeln.conf", "[database]\nconnection = sqlite:///" + (dir / "staffeln.db").string() +
                                               "\n[openstack]\nretry_timeout = 1\n")
                    .string();
    REQUIRE(run_as("staffeln-db-manage", {"--config-file", conf, "upgrade"}).exit_code == 0);
    std::map<std::string, std::string> env{{"OS_AUTH_URL", "http://127.0.0.1:1/identity/v3"},
                                           {"OS_USERNAME", "admin"},
                                           {"OS_PASSWORD", "admin-secret"},
                                           {"OS_PROJECT_NAME", "admin"},
                                           {"OS_USER_DOMAIN_NAME", "Default"},
                                           {"OS_PROJECT_DOMAIN_NAME", "Default"}};
    auto r = run_as("staffeln-conductor", {"--config-file", conf, "--log-dir", dir.path().string(), "--once"}, env);
    CHECK(r.exit_code == 1);
    auto log = staffeln::testing::read_file(dir / "staffeln-conductor.log");
    // The log lines (the retried token requests) go to the file; the command's own error to stderr.
    CHECK(log.find("WARNING staffeln.openstack [-] POST http://127.0.0.1:1/identity/v3/auth/tokens: ") !=
          std::string::npos);
    CHECK(r.err.find("WARNING staffeln.openstack") == std::string::npos);
    CHECK(r.err.find("cannot authenticate at http://127.0.0.1:1/identity/v3 (") != std::string::npos);
}

TEST_CASE("staffeln-db-manage upgrade takes upstream's alembic revisions: a new store is created, a made one kept") {
    TempDir dir;
    auto conf = sqlite_config(dir);
    auto db = (dir / "staffeln.db").string();
    auto created = run_as("staffeln-db-manage", {"--config-file", conf, "upgrade", "041d9a0f1159"});
    CHECK(created.exit_code == 0);
    CHECK(created.out == "database " + db + " upgraded from version 0 to 7\n");
    for (const auto& [id, description] : std::vector<std::pair<std::string, std::string>>{
             {"041d9a0f1159", "Add volume_name and instance_name to queue_data"},
             {"ebdbed01e9a7", "Added incremental field"},
             {"2b2b9df199bd", "Add reason column to queue_data table"},
             {"5b2e78435231", "add report timestamp"}}) {
        CAPTURE(id);
        auto kept = run_as("staffeln-db-manage", {"--config-file", conf, "upgrade", id});
        CHECK(kept.exit_code == 0);
        CHECK(kept.out == "database " + db + " is at version 7, which holds upstream's revision " + id + " (" +
                              description + "): nothing to do\n");
    }
    auto head = run_as("staffeln-db-manage", {"--config-file", conf, "upgrade", "head"});
    CHECK(head.exit_code == 0);
    CHECK(head.out == "database " + db + " upgraded from version 7 to 7\n");
    auto unknown = run_as("staffeln-db-manage", {"--config-file", conf, "upgrade", "5b2e7843523"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err ==
          "staffeln db-manage upgrade: unknown revision '5b2e7843523' (expected head, 1 to 7, or one of upstream's "
          "alembic revisions 041d9a0f1159, ebdbed01e9a7, 2b2b9df199bd, 5b2e78435231)\n");
}
