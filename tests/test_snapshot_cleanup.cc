#include "staffeln/core/snapshot_cleanup.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

Snapshot snap(std::string id, std::string status, Metadata metadata) {
    Snapshot s;
    s.id = std::move(id);
    s.project_id = "p1";
    s.volume_id = "v-" + s.id;
    s.status = std::move(status);
    s.metadata = std::move(metadata);
    return s;
}

Snapshot tagged(std::string id, std::string status, const std::string& task) {
    return snap(std::move(id), std::move(status), {{"staffeln:task", task}});
}

Backup backup(std::string id, std::string status, const std::string& task) {
    Backup b;
    b.id = std::move(id);
    b.status = std::move(status);
    b.description = "staffeln:task=" + task;  // the tag as the cloud reader keeps it
    return b;
}

}  // namespace

TEST_CASE("a snapshot staffeln did not tag is never touched, whatever its metadata") {
    std::vector<Snapshot> snapshots{snap("s1", "available", {}), snap("s2", "available", {{"owner", "alice"}}),
                                    snap("s3", "available", {{"staffeln:task", "not a task id!"}})};
    CHECK(plan_snapshot_cleanup(snapshots, {}).empty());
    CHECK_FALSE(snapshot_task_id(snapshots[2]).has_value());
    CHECK(snapshot_task_id(tagged("s4", "available", "t-1")) == "t-1");
}

TEST_CASE("a tagged snapshot is deleted when its task's backup is finished, failed or gone") {
    std::vector<Snapshot> snapshots{tagged("s1", "available", "t-1"), tagged("s2", "available", "t-2"),
                                    tagged("s3", "error", "t-3"), tagged("s4", "available", "t-4")};
    std::vector<Backup> backups{backup("b1", "available", "t-1"), backup("b2", "error", "t-2"),
                                backup("b4", "deleting", "t-4")};
    auto verdicts = plan_snapshot_cleanup(snapshots, backups);
    REQUIRE(verdicts.size() == 4);
    for (const auto& v : verdicts) CHECK(v.delete_it);
    CHECK(verdicts[0].reason == "backup b1 of task t-1 is available");
    CHECK(verdicts[1].reason == "backup b2 of task t-2 is error");
    CHECK(verdicts[2].reason == "no backup of task t-3 was made from it");
    CHECK(verdicts[3].reason == "backup b4 of task t-4 is deleting");
    CHECK(verdicts[0].project_id == "p1");
    CHECK(verdicts[0].volume_id == "v-s1");
}

TEST_CASE("a tagged snapshot is kept while its task's backup is creating or it is itself creating") {
    std::vector<Snapshot> snapshots{tagged("s1", "backing-up", "t-1"), tagged("s2", "creating", "t-2"),
                                    tagged("s3", "deleting", "t-3")};
    // t-1 has a failed first attempt and a second one still creating: the creating one counts.
    std::vector<Backup> backups{backup("b0", "error", "t-1"), backup("b1", "creating", "t-1"),
                                backup("b9", "error", "t-1")};
    auto verdicts = plan_snapshot_cleanup(snapshots, backups);
    REQUIRE(verdicts.size() == 2);  // the deleting one has no verdict
    CHECK_FALSE(verdicts[0].delete_it);
    CHECK(verdicts[0].reason == "backup b1 of task t-1 is still creating");
    CHECK_FALSE(verdicts[1].delete_it);
    CHECK(verdicts[1].reason == "snapshot of task t-2 is still creating");
}

TEST_CASE("a snapshot left by a crash before its backup was sent is deleted") {
    auto verdicts = plan_snapshot_cleanup({tagged("s1", "available", "t-7")}, {backup("bx", "available", "t-8")});
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].delete_it);
    CHECK(verdicts[0].reason == "no backup of task t-7 was made from it");
}
