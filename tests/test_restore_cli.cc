// `staffeln restore list` against the simulated cloud: tagged backups of two earlier days are
// in Cinder, one `staffeln conductor --once` adopts them and backs every volume up, and the
// command lists the three restore points of web-1 from the store, in text and in JSON.
#include "support/conductor_rig.h"
#include "support/process.h"

#include <doctest/doctest.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;

namespace {

constexpr const char* kRoot0 = "0b7e6c9a-1d2f-4e3a-9b8c-7d6e5f4a3b21";
constexpr const char* kData0 = "1c8f7dab-2e3a-4f4b-8c9d-8e7f6a5b4c32";
constexpr const char* kRoot1 = "2d9a8ebc-3f4b-4a5c-9dae-9f8a7b6c5d43";

std::string iso(TimePoint t) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t); }

// Two days ago a cycle backed up both volumes of web-1; a day ago only its root volume.
struct Rig {
    TimePoint day1 = std::chrono::floor<std::chrono::minutes>(Clock::now()) - std::chrono::hours(48);
    TimePoint day2 = day1 + std::chrono::hours(24);
    ConductorRig rig{scenario()};
    std::filesystem::path conf = rig.write_conf();

    json scenario() const {
        auto s = fast_scenario();
        auto tagged = [](const char* id, const char* volume, const char* task, TimePoint at, bool incremental) {
            return json{{"id", id},
                        {"volume", volume},
                        {"user", "demo"},
                        {"incremental", incremental},
                        {"created_at", iso(at)},
                        {"metadata", {{"staffeln:task", task}}}};
        };
        s["backups"].push_back(tagged(kRoot0, "web-1-root", "task-root-0", day1, false));
        s["backups"].push_back(tagged(kData0, "web-1-data", "task-data-0", day1 + std::chrono::seconds(4), false));
        s["backups"].push_back(tagged(kRoot1, "web-1-root", "task-root-1", day2, true));
        return s;
    }

    Finished restore(const std::vector<std::string>& args) {
        std::vector<std::string> argv{"--config-file", conf.string(), "restore", "list"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_staffeln(argv);
    }
};

Rig& after_one_cycle(Rig& r) {
    auto run = run_staffeln({"--config-file", r.conf.string(), "conductor", "--once"}, r.rig.os_env());
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    return r;
}

}  // namespace

TEST_CASE("restore list --format json: web-1's three points, newest first, with their backups and states") {
    Rig r;
    after_one_cycle(r);
    auto run = r.restore({"--server", "web-1", "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto out = json::parse(run.out);
    REQUIRE(out["servers"].size() == 1);
    const auto& server = out["servers"][0];
    CHECK(server["id"] == d::kWeb1);
    CHECK(server["name"] == "web-1");
    CHECK(server["project_id"] == d::kDemoProject);
    const auto& points = server["points"];
    REQUIRE(points.size() == 3);
    for (const auto& p : points) {
        REQUIRE(p["volumes"].size() == 2);
        CHECK(p["volumes"][0]["id"] == d::kWebData);  // by name: web-1-data, web-1-root
        CHECK(p["volumes"][0]["name"] == "web-1-data");
        CHECK(p["volumes"][1]["name"] == "web-1-root");
        CHECK(p["complete"] == true);
    }
    // Today's cycle: incrementals onto the adopted chains.
    CHECK(points[0]["consistent"] == true);
    CHECK(points[0]["volumes"][0]["backup"]["kind"] == "incremental");
    CHECK(points[0]["volumes"][1]["backup"]["kind"] == "incremental");
    CHECK(points[0]["time"].get<std::string>() > iso(r.day2));
    // The server's definition, recorded by the cycle from its listing.
    const auto& defined = points[0]["server"];
    CHECK(defined["id"] == d::kWeb1);
    CHECK(defined["flavor"] == json({{"id", ""}, {"name", "sim.tiny"}, {"vcpus", 1}, {"ram_mb", 256}, {"disk_gb", 0}}));
    CHECK(defined["availability_zone"] == "nova");
    CHECK(defined["metadata"] == json({{"__staffeln_backup", "true"}}));
    CHECK(
        defined["volumes"] ==
        json::array(
            {{{"volume_id", d::kWebRoot}, {"device", "/dev/vda"}, {"boot_index", 0}, {"delete_on_termination", false}},
             {{"volume_id", d::kWebData},
              {"device", "/dev/vdb"},
              {"boot_index", -1},
              {"delete_on_termination", false}}}));
    CHECK(points[2]["server"] == defined);  // the oldest recorded stands for points before it
    // A day ago only the root volume was backed up: its data volume is from the day before.
    CHECK(points[1]["time"] == iso(r.day2));
    CHECK(points[1]["consistent"] == false);
    CHECK(points[1]["volumes"][0]["backup"]["id"] == kData0);
    CHECK(points[1]["volumes"][1]["backup"] == json({{"id", kRoot1},
                                                     {"kind", "incremental"},
                                                     {"status", "available"},
                                                     {"data_timestamp", iso(r.day2)},
                                                     {"created_at", iso(r.day2)}}));
    CHECK(points[2]["time"] == iso(r.day1 + std::chrono::seconds(4)));
    CHECK(points[2]["consistent"] == true);
    CHECK(points[2]["volumes"][0]["backup"]["id"] == kData0);
    CHECK(points[2]["volumes"][1]["backup"]["id"] == kRoot0);
}

TEST_CASE("restore list in text: a line per point and per volume, by server ID or name, or for a whole project") {
    Rig r;
    after_one_cycle(r);
    auto by_id = r.restore({"--server", d::kWeb1});
    INFO(by_id.out, by_id.err);
    REQUIRE(by_id.exit_code == 0);
    CHECK(by_id.out.starts_with(
        fmt::format("server web-1 ({}) in project {}: 3 restore points\n", d::kWeb1, d::kDemoProject)));
    // The definition the cycle recorded, shown under every point (none was recorded before it).
    auto definition = fmt::format(
        "    definition: flavor sim.tiny (1 vCPU, 256 MiB RAM, 0 GiB disk); image none (boots from a volume); zone "
        "nova; key none; security groups none\n"
        "      addresses none; metadata __staffeln_backup=true\n"
        "      attached {} at /dev/vda, boot index 0, delete_on_termination false\n"
        "      attached {} at /dev/vdb, boot index -1, delete_on_termination false\n",
        d::kWebRoot, d::kWebData);
    auto day2_point = fmt::format(
        "  {}  complete, not consistent\n"
        "{}"
        "    volume web-1-data ({}): full backup {} of {} (available)\n"
        "    volume web-1-root ({}): incremental backup {} of {} (available)\n"
        "  {}  complete, consistent\n{}",
        iso(r.day2), definition, d::kWebData, kData0, iso(r.day1 + std::chrono::seconds(4)), d::kWebRoot, kRoot1,
        iso(r.day2), iso(r.day1 + std::chrono::seconds(4)), definition);
    CHECK(by_id.out.find(day2_point) != std::string::npos);
    CHECK(r.restore({"--server", "web-1"}).out == by_id.out);

    auto project = r.restore({"--project", d::kDemoProject, "--format", "text"});
    INFO(project.out);
    REQUIRE(project.exit_code == 0);
    CHECK(project.out.starts_with(
        fmt::format("server db-1 ({}) in project {}: 1 restore point\n", d::kDb1, d::kDemoProject)));
    CHECK(project.out.find("\n\n" + by_id.out) != std::string::npos);
    CHECK(project.out.find("scratch") == std::string::npos);
}

TEST_CASE("restore list errors: unknown server or project exit 1, neither or both flags and a bad format exit 2") {
    Rig r;
    after_one_cycle(r);
    auto db = (r.rig.dir / "staffeln.db").string();
    auto unknown = r.restore({"--server", "web-9"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.out.empty());
    CHECK(unknown.err == fmt::format("staffeln restore list: server web-9: the store {} has no backup record of a "
                                     "server with this ID or name\n",
                                     db));
    auto untagged = r.restore({"--server", "scratch"});  // never backed up
    CHECK(untagged.exit_code == 1);
    auto project = r.restore({"--project", "no-such-project"});
    CHECK(project.exit_code == 1);
    CHECK(project.err == fmt::format("staffeln restore list: project no-such-project: the store {} has no backup "
                                     "record of a server in a project with this ID\n",
                                     db));
    auto neither = r.restore({});
    CHECK(neither.exit_code == 2);
    CHECK(neither.err == "staffeln restore list: give --server S or --project P\n");
    auto both = r.restore({"--server", "web-1", "--project", d::kDemoProject});
    CHECK(both.exit_code == 2);
    CHECK(both.err == "staffeln restore list: give --server or --project, not both\n");
    auto format = r.restore({"--server", "web-1", "--format", "xml"});
    CHECK(format.exit_code == 2);
    CHECK(format.err.find("--format: xml not in {text,json}") != std::string::npos);
    CHECK(format.out.empty());
}
