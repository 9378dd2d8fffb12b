#include "staffeln/core/upstream_import.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

constexpr const char* kVol = "11111111-1111-1111-1111-111111111111";

Backup cinder(std::string id, std::int64_t data_time, bool incremental = false, std::string status = "available") {
    Backup b;
    b.id = std::move(id);
    b.name = std::string("vm1_") + kVol + "_1764900000";
    b.project_id = "p1";
    b.volume_id = kVol;
    b.status = std::move(status);
    b.is_incremental = incremental;
    b.created_at = TimePoint{std::chrono::seconds{data_time}};
    b.data_timestamp = b.created_at;
    return b;
}

UpstreamBackupRow row(std::string id, std::optional<bool> incremental = false) {
    return {std::move(id), kVol, "p1", "server-1", 1, incremental, false};
}

const ImportDecision& find(const ImportPlan& plan, const std::string& id) {
    for (const auto& d : plan.decisions)
        if (d.backup_id == id) return d;
    FAIL("no decision for ", id);
    return plan.decisions.front();
}

}  // namespace

TEST_CASE("an untagged upstream backup still in Cinder is tagged and recorded with its volume, server and kind") {
    auto plan = plan_upstream_import({row("b-full")}, {cinder("b-full", 100)}, {});
    REQUIRE(plan.decisions.size() == 1);
    const auto& d = plan.decisions[0];
    CHECK(d.verdict == ImportVerdict::tag_and_record);
    CHECK(d.task_id == "upstream-b-full");
    CHECK(d.volume_id == kVol);
    CHECK(d.project_id == "p1");
    CHECK(d.server_id == "server-1");
    CHECK(d.kind == BackupKind::full);
    CHECK(d.reason ==
          std::string("untagged full backup of volume ") + kVol + " (server server-1): tag it and record it");
}

TEST_CASE("the kind is Cinder's is_incremental, and where upstream asked otherwise the reason says so") {
    auto plan = plan_upstream_import({row("b-inc", true), row("b-asked", true)},
                                     {cinder("b-inc", 100, true), cinder("b-asked", 200, false)}, {});
    CHECK(find(plan, "b-inc").kind == BackupKind::incremental);
    CHECK(find(plan, "b-asked").kind == BackupKind::full);
    CHECK(find(plan, "b-asked").reason ==
          std::string("untagged full (upstream asked for incremental) backup of volume ") + kVol +
              " (server server-1): tag it and record it");
}

TEST_CASE("decisions come in chain order: per volume, oldest data first, backups gone from Cinder last") {
    auto plan = plan_upstream_import({row("gone"), row("inc2", true), row("full"), row("inc1", true)},
                                     {cinder("inc2", 300, true), cinder("full", 100), cinder("inc1", 200, true)}, {});
    REQUIRE(plan.decisions.size() == 4);
    CHECK(plan.decisions[0].backup_id == "full");
    CHECK(plan.decisions[1].backup_id == "inc1");
    CHECK(plan.decisions[2].backup_id == "inc2");
    CHECK(plan.decisions[3].backup_id == "gone");
    CHECK(plan.decisions[3].verdict == ImportVerdict::gone);
    CHECK(plan.decisions[3].reason == "upstream's backup_data row names it, but Cinder no longer lists it");
}

TEST_CASE("a rerun finds its own tags: recorded ones are done, a tag without a record (a crash) is recorded") {
    auto tagged = cinder("b1", 100);
    tagged.metadata["staffeln:task"] = "upstream-b1";
    auto tagged2 = cinder("b2", 200);
    tagged2.metadata["staffeln:task"] = "upstream-b2";
    auto plan = plan_upstream_import({row("b1"), row("b2")}, {tagged, tagged2}, {"b1"});
    CHECK(find(plan, "b1").verdict == ImportVerdict::already_done);
    CHECK(find(plan, "b1").reason == "already tagged (task upstream-b1) and in the store");
    CHECK(find(plan, "b2").verdict == ImportVerdict::record_only);
    CHECK(find(plan, "b2").task_id == "upstream-b2");
    CHECK(find(plan, "b2").reason == "already tagged (task upstream-b2), not yet in the store: record the full backup");
}

TEST_CASE("a backup tagged by the description marker (below volume 3.43) counts as tagged") {
    auto b = cinder("b1", 100);
    b.description = "Backup by staffeln [staffeln:task=upstream-b1]";
    auto plan = plan_upstream_import({row("b1")}, {b}, {});
    CHECK(plan.decisions[0].verdict == ImportVerdict::record_only);
}

TEST_CASE("failed rows, a volume mismatch and a backup in error or deleting are skipped, each saying why") {
    auto failed = row("failed");
    failed.backup_completed = 0;
    auto moved = row("moved");
    moved.volume_id = "22222222-2222-2222-2222-222222222222";
    auto plan = plan_upstream_import({failed, moved, row("error"), row("deleting")},
                                     {cinder("failed", 1), cinder("moved", 2), cinder("error", 3, false, "error"),
                                      cinder("deleting", 4, false, "deleting")},
                                     {});
    for (const auto& d : plan.decisions) CHECK(d.verdict == ImportVerdict::skipped);
    CHECK(find(plan, "failed").reason == "upstream recorded it as failed or cancelled (backup_completed=0)");
    CHECK(find(plan, "moved").reason == std::string("upstream's backup_data row says volume "
                                                    "22222222-2222-2222-2222-222222222222, Cinder says volume ") +
                                            kVol);
    CHECK(find(plan, "error").reason == "its status in Cinder is error");
    CHECK(find(plan, "deleting").reason == "its status in Cinder is deleting");
}

TEST_CASE("a queue task's backup still creating is tagged only, and backup_data's row wins over the queue's") {
    auto queued = row("creating");
    queued.from_queue = true;
    auto dup = row("both");
    dup.from_queue = true;
    dup.backup_completed = 0;
    auto plan = plan_upstream_import({row("both"), queued, dup},
                                     {cinder("creating", 100, false, "creating"), cinder("both", 50)}, {});
    REQUIRE(plan.decisions.size() == 2);
    CHECK(find(plan, "creating").verdict == ImportVerdict::tag_only);
    CHECK(find(plan, "creating").reason == "full backup still creating: tag it, the conductor adopts it by its tag");
    CHECK(find(plan, "both").verdict == ImportVerdict::tag_and_record);
}

TEST_CASE("a backup being restored counts as available, as upstream counts it") {
    auto plan = plan_upstream_import({row("b1")}, {cinder("b1", 100, false, "restoring")}, {});
    CHECK(plan.decisions[0].verdict == ImportVerdict::tag_and_record);
}
