// Project scope ([conductor] include_projects / exclude_projects) through the real `staffeln
// conductor --once` against the simulated cloud: a project outside it gets no backup, retention
// leaves its expired backups alone, and the summary says the project is excluded and why.
#include "support/conductor_rig.h"
#include "support/process.h"

#include <doctest/doctest.h>
#include <fmt/chrono.h>

using namespace staffeln;
using namespace staffeln::testing;
namespace d = staffeln::testing::demo;

namespace {

// An expired staffeln backup (30 days old) of api-1's root volume (project prod) and of web-1's
// data volume (project demo).
json with_expired_backups() {
    json scenario = fast_scenario();
    auto old = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::time_point_cast<std::chrono::seconds>(Clock::now()) -
                                                        std::chrono::hours(24 * 30));
    for (auto [id, volume] : {std::pair{"00000000-0000-4000-8000-00000000a001", d::kApiRoot},
                              std::pair{"00000000-0000-4000-8000-00000000d001", d::kWebData}})
        scenario["backups"].push_back({{"id", id},
                                       {"volume", volume},
                                       {"name", id},
                                       {"user", "admin"},
                                       {"created_at", old},
                                       {"incremental", false},
                                       {"description", "Backup by staffeln"},
                                       {"metadata", {{"staffeln:task", std::string("task-") + id}}}});
    return scenario;
}

}  // namespace

TEST_CASE("an excluded project is neither backed up nor rotated, and the summary says so, an unknown item warns") {
    struct Row {
        const char* lines;
        const char* why;
    };
    const Row rows[] = {
        {"exclude_projects = prod, nosuch", "is excluded by exclude_projects ('prod')"},
        {"include_projects = demo", "is not in include_projects"},
    };
    for (const auto& row : rows) {
        CAPTURE(std::string(row.lines));
        ConductorRig rig(with_expired_backups());
        // Always full: an incremental would keep the expired full as its parent.
        auto conf = rig.write_conf(fmt::format("retention_time = 7d\nfull_backup_depth = 0\n{}", row.lines));
        auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
        INFO(run.out, run.err);
        CHECK(run.exit_code == 0);
        CHECK(run.out.find(fmt::format("scope: project prod ({}) {}: 1 server tagged for backup is not backed up "
                                       "and retention does not touch the project's backups\n",
                                       d::kProdProject, row.why)) != std::string::npos);
        // api-1 (prod): no new backup, the expired one still there; web-1 (demo): backed up, and
        // its expired backup rotated.
        auto api = rig.staffeln_backups(d::kApiRoot);
        REQUIRE(api.size() == 1);
        CHECK(api[0]["id"] == "00000000-0000-4000-8000-00000000a001");
        CHECK(rig.staffeln_backups(d::kWebRoot).size() == 1);
        auto web_data = rig.staffeln_backups(d::kWebData);
        REQUIRE(web_data.size() == 1);
        CHECK(web_data[0]["id"] != "00000000-0000-4000-8000-00000000d001");
        bool warned = run.out.find(
                          "warning: [conductor] exclude_projects: 'nosuch' is neither the id nor the name "
                          "of a project Keystone lists (kept as an id)\n") != std::string::npos;
        bool named = std::string(row.lines).find("nosuch") != std::string::npos;
        CHECK(warned == named);
    }
}

TEST_CASE("with no project list set, every project is backed up and rotated") {
    ConductorRig rig(with_expired_backups());
    auto conf = rig.write_conf("retention_time = 7d\nfull_backup_depth = 0");
    auto run = run_staffeln({"--config-file", conf.string(), "conductor", "--once"}, rig.os_env());
    INFO(run.out, run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("scope:") == std::string::npos);
    CHECK(rig.staffeln_backups(d::kApiRoot).size() == 1);  // the expired one rotated, a new one made
    CHECK(rig.staffeln_backups(d::kApiRoot)[0]["id"] != "00000000-0000-4000-8000-00000000a001");
}
