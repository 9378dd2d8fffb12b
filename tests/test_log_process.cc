// The log as the processes write it: every line of a command, the API and the conductor passes
// kolla's fluentd pattern for oslo.log (support/oslo_log_pattern.h) with the process's own pid,
// use_json writes JSON lines, and the API and the conductor open their log file again on SIGHUP
// (a file moved away as logrotate does keeps the old lines, the new ones go to a new file).
#include "support/backup_rows.h"
#include "support/conductor_rig.h"
#include "support/eventually.h"
#include "support/oslo_log_pattern.h"
#include "support/paths.h"
#include "support/process.h"
#include "support/raw_http.h"
#include "support/running_api.h"
#include "support/spawned.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

using namespace staffeln;
using namespace staffeln::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Every line is a log line of process pid (any pid when 0); returns the loggers seen.
std::set<std::string> check_oslo_lines(const std::string& text, long pid) {
    std::set<std::string> loggers;
    auto lines = lines_of(text);
    CHECK_FALSE(lines.empty());
    for (const auto& line : lines) {
        CAPTURE(line);
        auto fields = kolla_fields(line);
        REQUIRE(fields);
        if (pid != 0) CHECK((*fields)["Pid"] == std::to_string(pid));
        CHECK((*fields)["python_module"].starts_with("staffeln."));
        CHECK((*fields)["Payload"].starts_with("[-] "));
        loggers.insert((*fields)["python_module"]);
    }
    return loggers;
}

bool has(const std::filesystem::path& file, const std::string& part) {
    return std::filesystem::exists(file) && read_file(file).find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a command's, the API's and the conductor's log lines pass kolla's fluentd pattern for oslo.log") {
    TempDir dir;
    auto conf = dir.write("command.conf", "[DEFAULT]\nfrobnicate = 1\n");
    auto command = run_staffeln({"--config-file", conf.string(), "config", "show"});
    REQUIRE(command.exit_code == 0);
    CHECK(check_oslo_lines(command.err, 0) == std::set<std::string>{"staffeln.config"});
    CHECK(command.err.ends_with(" WARNING staffeln.config [-] " + conf.string() +
                                ":2: [DEFAULT] frobnicate: unknown option (ignored)\n"));

    RunningApi api;
    CHECK(exchange(api.port(), get(std::string("/v1/backup?backup_id=") + kProtected)).status == 200);
    auto pid = api.pid();
    CHECK(api.stop() == 0);
    CHECK(check_oslo_lines(api.log(), pid).contains("staffeln.api"));

    ConductorRig rig;
    auto log_file = rig.dir / "conductor.log";
    auto run = run_staffeln(
        {"--log-file", log_file.string(), "--config-file", rig.write_conf().string(), "conductor", "--once"},
        rig.os_env());
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(check_oslo_lines(read_file(log_file), 0).contains("staffeln.conductor"));
}

TEST_CASE("use_json: the conductor writes one JSON object a line, with oslo.log's keys") {
    ConductorRig rig;
    auto log_file = rig.dir / "conductor.log";
    auto conf = rig.write_conf("[DEFAULT]\nuse_json = true\nlog_file = " + log_file.string());
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    bool finished = false;
    auto lines = lines_of(read_file(log_file));
    REQUIRE_FALSE(lines.empty());
    for (const auto& line : lines) {
        CAPTURE(line);
        auto json = nlohmann::json::parse(line);
        CHECK(json["name"].get<std::string>().starts_with("staffeln."));
        CHECK(json["levelname"].is_string());
        CHECK(json["process"].is_number_integer());
        finished = finished || json["message"].get<std::string>().starts_with("backup cycle finished");
    }
    CHECK(finished);
}

TEST_CASE("SIGHUP: the API opens its log file again, its new lines go to the new file") {
    TempDir logs;
    auto path = logs.path() / "api.log";
    RunningApi api({kProtected}, "[DEFAULT]\nlog_file = " + path.string() + "\n");
    REQUIRE_MESSAGE(eventually([&] { return has(path, "staffeln.api"); }, 5s), api.log());
    std::filesystem::rename(path, logs.path() / "api.log.1");
    REQUIRE(::kill(api.pid(), SIGHUP) == 0);
    REQUIRE_MESSAGE(eventually([&] { return has(path, "SIGHUP: log file opened again"); }, 5s), api.log());
    const std::string request = std::string("/v1/backup?backup_id=") + kProtected;
    CHECK(exchange(api.port(), get(request)).status == 200);
    CHECK(eventually([&] { return has(path, kProtected); }, 5s));
    CHECK_FALSE(has(logs.path() / "api.log.1", kProtected));
    CHECK(api.stop() == 0);
    check_oslo_lines(read_file(path), 0);
}

TEST_CASE("SIGHUP: the conductor opens its log file again at once, its new lines go to the new file") {
    ConductorRig rig;
    auto path = rig.dir / "conductor.log";
    auto conf = rig.write_conf("backup_service_period = 3600\n[DEFAULT]\nlog_file = " + path.string());
    TempDir home;
    Spawned daemon(isolated_staffeln(home.path(), rig.os_env(), {"--config-file", conf.string(), "conductor"}),
                   rig.dir / "stderr");
    REQUIRE_MESSAGE(eventually([&] { return has(path, "backup cycle finished"); }, 30s), read_file(rig.dir / "stderr"));
    std::filesystem::rename(path, rig.dir / "conductor.log.1");
    REQUIRE(::kill(daemon.pid(), SIGHUP) == 0);
    CHECK_MESSAGE(eventually(
                      [&] {
                          return has(path, "SIGHUP: log file opened again, reloading the configuration") &&
                                 has(path, "configuration reloaded");
                      },
                      10s),
                  read_file(rig.dir / "stderr"));
    CHECK_FALSE(has(rig.dir / "conductor.log.1", "SIGHUP"));
    const auto pid = daemon.pid();  // env runs staffeln in its own process
    CHECK(daemon.stop(SIGTERM) == 0);
    CHECK(has(path, "stopped"));
    check_oslo_lines(read_file(path), pid);
}
