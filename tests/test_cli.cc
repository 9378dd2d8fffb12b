#include "support/process.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include "support/paths.h"

using staffeln::testing::Finished;
using staffeln::testing::run_staffeln;
using staffeln::testing::TempDir;

namespace {

std::string sqlite_config(const TempDir& dir) {
    std::string text = staffeln::testing::read_file(std::filesystem::path(staffeln::testing::kSharedDir) / "upstream" / "staffeln.conf");
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

TEST_CASE("upstream's sample unchanged exits 2 naming its MySQL line") {
    auto sample = std::string(staffeln::testing::kSharedDir) + "/upstream/staffeln.conf";
    auto r = run_staffeln({"--config-file", sample, "config", "show"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("staffeln: " + sample + ":17: [database] connection = mysql+pymysql://root:***@localhost:3306/staffeln: "
                     "unsupported database URL (mysql+pymysql)") != std::string::npos);
    CHECK(r.err.find("password") == std::string::npos);
}

TEST_CASE("a bad value in any file exits 2 before any command runs") {
    TempDir dir;
    auto bad = dir.write("bad.conf", "[conductor]\nbackup_service_period = 10\n").string();
    auto r = run_staffeln({"--config-file", bad, "db-manage", "create_schema"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "staffeln: " + bad + ":2: [conductor] backup_service_period = 10: expected an integer of at least 60\n");
    CHECK_FALSE(std::filesystem::exists(dir / "staffeln.db"));
}

TEST_CASE("db-manage create_schema then version on a new file") {
    TempDir dir;
    auto conf = sqlite_config(dir);
    auto version_before = run_staffeln({"--config-file", conf, "db-manage", "version"});
    CHECK(version_before.exit_code == 1);
    CHECK(version_before.err.find("does not exist: run `staffeln db-manage upgrade` to create it") != std::string::npos);

    auto created = run_staffeln({"--config-file", conf, "db-manage", "create_schema"});
    CHECK(created.exit_code == 0);
    CHECK(created.out == "created schema version 1 in " + (dir / "staffeln.db").string() + "\n");
    auto version = run_staffeln({"--config-file", conf, "db-manage", "version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "1\n");
    auto upgraded = run_staffeln({"--config-file", conf, "db-manage", "upgrade", "head"});
    CHECK(upgraded.exit_code == 0);
    auto bogus = run_staffeln({"--config-file", conf, "db-manage", "upgrade", "tail"});
    CHECK(bogus.exit_code == 2);
    CHECK(bogus.err == "staffeln db-manage upgrade: unknown revision 'tail' (expected head or 1 to 1)\n");
}

TEST_CASE("db-manage upgrade creates a new database at head") {
    TempDir dir;
    auto r = run_staffeln({"--config-file", sqlite_config(dir), "db-manage", "upgrade"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "database " + (dir / "staffeln.db").string() + " upgraded from version 0 to 1\n");
}
