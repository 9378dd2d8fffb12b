// `staffeln restore --cloud NAME --dry-run` against two simulated clouds: cloud A backs its
// servers up and exports their disaster-recovery records, cloud B (other project IDs, a project
// renamed, no servers or volumes) imports them with `staffeln backup import`, and A's staffeln
// plans the restore on B from its store and B's listings: the project mapped by name or by
// --map-project, the flavor by name or --flavor, each failure named. Nothing is made on either.
#include "support/conductor_rig.h"
#include "support/process.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;

namespace {

constexpr const char* kDemoOnB = "4d2c0c1f8e0b4b6f9a3e2d1c0b9a8f7e";
constexpr const char* kProductionOnB = "6e5d4c3b2a1f4e0d9c8b7a6f5e4d3c2b";
constexpr const char* kProdOnA = "5b1f0e2d7c3a4e8f9a6b4c2d1e0f3a7b";

// Another cloud: its own project IDs, A's project "prod" named "production" there, nothing else.
json cloud_b() {
    auto s = fast_scenario();
    s["projects"] = json::array({{{"id", "e1f2a3b4c5d64e7f8a9b0c1d2e3f4a5b"}, {"name", "admin"}},
                                 {{"id", kDemoOnB}, {"name", "demo"}},
                                 {{"id", kProductionOnB}, {"name", "production"}}});
    json users = json::array();
    for (const auto& u : s["users"])
        if (u["name"] == "admin" || u["name"] == "demo") users.push_back(u);
    s["users"] = users;
    s["servers"] = json::array();
    s["volumes"] = json::array();
    s["backups"] = json::array();
    return s;
}

struct TwoClouds {
    ConductorRig a;
    ConductorRig b{cloud_b()};
    std::filesystem::path conf_a = a.write_conf();
    std::filesystem::path conf_b = b.write_conf();
    std::filesystem::path records = a.dir / "records.json";
    // A's OS_* variables, and a clouds.yaml naming B "b".
    std::map<std::string, std::string> env = [this] {
        auto e = a.os_env();
        auto yaml =
            a.dir.write("clouds.yaml", fmt::format("clouds:\n  b:\n    auth:\n      auth_url: {}/identity/v3\n"
                                                   "      username: admin\n      password: admin-secret\n"
                                                   "      project_name: admin\n      user_domain_name: Default\n"
                                                   "      project_domain_name: Default\n"
                                                   "    region_name: RegionOne\n    interface: public\n",
                                                   b.sim.server->base_url()));
        e["OS_CLIENT_CONFIG_FILE"] = yaml.string();
        return e;
    }();

    TwoClouds() {
        auto cycle = run_staffeln({"--config-file", conf_a.string(), "conductor", "--once"}, a.os_env());
        INFO(cycle.out, cycle.err);
        REQUIRE(cycle.exit_code == 0);
        REQUIRE(run_staffeln({"--config-file", conf_a.string(), "backup", "export", "--output", records.string()},
                             a.os_env())
                    .exit_code == 0);
    }

    void import_on_b() {
        auto import =
            run_staffeln({"--config-file", conf_b.string(), "backup", "import", records.string()}, b.os_env());
        INFO(import.out, import.err);
        REQUIRE(import.exit_code == 0);
        b.settle();
    }

    Finished restore(const std::vector<std::string>& args) {
        std::vector<std::string> argv{"--config-file", conf_a.string(), "restore", "--cloud", "b", "--dry-run"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_staffeln(argv, env);
    }
};

}  // namespace

TEST_CASE("restore --cloud --dry-run plans from the records imported on the other cloud, the project mapped by name") {
    TwoClouds c;
    auto not_yet = c.restore({"--server", "web-1"});
    CHECK(not_yet.exit_code == 1);
    CHECK(not_yet.err.find("cloud b: ") != std::string::npos);
    CHECK(not_yet.err.find("(import them there with `staffeln backup import`)") != std::string::npos);

    c.import_on_b();
    auto made_on_b = [&] {
        auto state = c.b.sim.call("GET", "/_sim/state").body;
        return std::vector<json>{state["volumes"], state["servers"], state["backups"]};
    };
    const auto before_on_b = made_on_b();
    auto run = c.restore({"--server", "web-1", "--recreate-server", "--format", "json"});
    INFO(run.out, run.err);
    REQUIRE(run.exit_code == 0);
    auto out = json::parse(run.out);
    CHECK(out["dry_run"] == true);
    CHECK(out["cloud"] == "b");
    CHECK(out["project"] == kDemoOnB);  // "demo" on both clouds, with other IDs
    REQUIRE(out["volumes"].size() == 2);
    for (const auto& v : out["volumes"]) {
        INFO(v.dump());
        CHECK(c.b.backup(v["backup"])["status"] == "available");  // the imported backup, same ID
        CHECK(v["restored"].is_null());
    }
    CHECK(out["server"]["flavor"] == "b0a1c2d3-0000-4000-8000-000000000001");  // sim.tiny, by name
    CHECK(out["server"]["networks"].empty());
    CHECK(made_on_b() == before_on_b);  // a dry run makes nothing

    auto text = c.restore({"--server", "web-1", "--map-project", "demo=production"});
    INFO(text.out, text.err);
    CHECK(text.exit_code == 0);
    CHECK(text.out.starts_with(
        "on cloud b:\ndry run: would restore server web-1 (3f44cd31-d8f6-485d-8081-7407c39f6037)"));
    CHECK(text.out.find(fmt::format("into new volumes in project {}\n", kProductionOnB)) != std::string::npos);
}

TEST_CASE("restore --cloud names each project and flavor that does not map, and what to give") {
    TwoClouds c;
    c.import_on_b();
    auto prod = c.restore({"--server", "api-1"});  // project "prod" is "production" on cloud b
    CHECK(prod.exit_code == 1);
    CHECK(prod.out.empty());
    CHECK(prod.err.ends_with(
        fmt::format("staffeln restore: project prod ({0}): cloud b has no project of this name; give "
                    "--map-project {0}=PROJECT\nstaffeln restore: one thing of server api-1 "
                    "(1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d) not mapped to cloud b; nothing restored\n",
                    kProdOnA)));
    auto mapped = c.restore({"--server", "api-1", "--map-project", "prod=production", "--format", "json"});
    INFO(mapped.out, mapped.err);
    REQUIRE(mapped.exit_code == 0);
    CHECK(json::parse(mapped.out)["project"] == kProductionOnB);

    auto nowhere = c.restore({"--server", "web-1", "--map-project", d::kDemoProject + std::string("=nowhere"),
                              "--recreate-server", "--flavor", "m9"});
    CHECK(nowhere.exit_code == 1);
    CHECK(nowhere.err.ends_with(
        fmt::format("staffeln restore: --map-project {}=nowhere: cloud b has no project with this ID "
                    "or name\nstaffeln restore: server web-1: --flavor m9: no flavor with this ID or "
                    "name (cloud b)\nstaffeln restore: 2 things of server web-1 "
                    "(3f44cd31-d8f6-485d-8081-7407c39f6037) not mapped to cloud b; nothing restored\n",
                    d::kDemoProject)));
}
