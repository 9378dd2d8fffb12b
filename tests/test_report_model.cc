#include "staffeln/core/report_model.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

TaskRecord record(std::string id, std::string project, TaskStatus status, std::string error = "") {
    TaskRecord r;
    r.task_id = std::move(id);
    r.project_id = std::move(project);
    r.status = status;
    r.last_error = std::move(error);
    return r;
}

}  // namespace

TEST_CASE("quota usage is coloured at 50 and 80 percent, counting reserved as used") {
    struct Row {
        std::int64_t limit, in_use, reserved;
        QuotaLevel level;
        double ratio;
    };
    const Row rows[] = {
        {10, 0, 0, QuotaLevel::ok, 0.0},
        {10, 4, 0, QuotaLevel::ok, 0.4},
        {10, 5, 0, QuotaLevel::warning, 0.5},
        {10, 7, 0, QuotaLevel::warning, 0.7},
        {10, 7, 1, QuotaLevel::critical, 0.8},
        {10, 12, 0, QuotaLevel::critical, 1.2},
        {1000, 799, 0, QuotaLevel::warning, 0.799},
    };
    for (const auto& row : rows) {
        CAPTURE(row.in_use);
        auto line = quota_line({row.limit, row.in_use, row.reserved});
        CHECK(line.level == row.level);
        REQUIRE(line.ratio.has_value());
        CHECK(*line.ratio == doctest::Approx(row.ratio));
    }
}

TEST_CASE("a limit of -1 or 0 is unlimited: no ratio and no division by zero") {
    for (std::int64_t limit : {-1, 0, -5}) {
        CAPTURE(limit);
        auto line = quota_line({limit, 42, 3});
        CHECK(line.level == QuotaLevel::unlimited);
        CHECK_FALSE(line.ratio.has_value());
        CHECK(line.usage.in_use == 42);
    }
}

TEST_CASE("digests group finished tasks per project with failures and their reasons") {
    std::vector<TaskRecord> records{
        record("t1", "p-b", TaskStatus::succeeded),
        record("t2", "p-b", TaskStatus::failed, "volume v2 is 'error'; only available or in-use volumes are backed up"),
        record("t3", "p-a", TaskStatus::cancelled, "backup b3 is still creating 6min after it was created"),
        record("t4", "p-a", TaskStatus::in_flight),
        record("t5", "p-c", TaskStatus::pending),
    };
    std::map<std::string, Project> projects{{"p-a", {"p-a", "alpha", "d"}}, {"p-b", {"p-b", "beta", "d"}}};
    std::map<std::string, ProjectQuota> quotas{{"p-b", {{10, 9, 0}, {-1, 300, 0}}}};
    auto digests = build_digests(records, projects, quotas);
    REQUIRE(digests.size() == 2);  // p-c has only an open task
    CHECK(digests[0].project_name == "alpha");
    CHECK(digests[0].succeeded.empty());
    REQUIRE(digests[0].failed.size() == 1);
    CHECK(digests[0].failed[0]->last_error == "backup b3 is still creating 6min after it was created");
    CHECK_FALSE(digests[0].backups.has_value());
    CHECK(digests[1].project_name == "beta");
    REQUIRE(digests[1].succeeded.size() == 1);
    CHECK(digests[1].succeeded[0]->task_id == "t1");
    REQUIRE(digests[1].failed.size() == 1);
    CHECK(digests[1].failed[0]->task_id == "t2");
    REQUIRE(digests[1].backups.has_value());
    CHECK(digests[1].backups->level == QuotaLevel::critical);
    CHECK(digests[1].backup_gigabytes->level == QuotaLevel::unlimited);
}

TEST_CASE("a project Keystone did not name is shown by its id") {
    std::vector<TaskRecord> records{record("t1", "p-unknown", TaskStatus::succeeded)};
    auto digests = build_digests(records, {}, {});
    REQUIRE(digests.size() == 1);
    CHECK(digests[0].project_name == "p-unknown");
}
