#include "staffeln/core/restore_plan.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace staffeln;
using namespace staffeln::core;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const TimePoint kT0{seconds(1764910800)};  // 2025-12-05T05:00:00Z

// Server web-1 with a root volume (bootable, 10 GiB, type ssd) and a data volume (3 GiB):
// a full backup of each at kT0, and an incremental of root a day later.
struct Fixture {
    ServerHistory history{"srv-1", "web-1", "p1", {{"vol-root", "web-1-root"}, {"vol-data", "web-1-data"}}, {}};
    std::vector<SourceVolume> volumes;
    std::vector<Backup> backups;
    RestoreRequest request{kT0 + hours(48), false, RestorePolicy{minutes(15)}};

    Fixture() {
        recorded("b-root-1", "vol-root", kT0, BackupKind::full, 10);
        recorded("b-data-1", "vol-data", kT0 + minutes(1), BackupKind::full, 3);
        recorded("b-root-2", "vol-root", kT0 + hours(24), BackupKind::incremental, 10);
        volumes.push_back({"vol-root", "web-1-root", 10, "ssd", true});
        volumes.push_back({"vol-data", "web-1-data", 3, "__DEFAULT__", false});
    }
    void recorded(std::string id, std::string volume, TimePoint at, BackupKind kind, std::int64_t size) {
        history.backups.push_back({id, volume, kind, "available", at, at});
        Backup b;
        b.id = id;
        b.volume_id = volume;
        b.status = "available";
        b.size_gb = size;
        backups.push_back(b);
    }
    Result<RestorePlan> plan() const { return plan_server_restore(history, volumes, backups, request); }
};

}  // namespace

TEST_CASE("each volume gets its newest usable backup at or before the time, into a new volume like it") {
    Fixture f;
    auto plan = f.plan();
    REQUIRE(plan.ok());
    CHECK(plan->server_id == "srv-1");
    CHECK(plan->project_id == "p1");
    CHECK(plan->at == kT0 + hours(48));
    CHECK(plan->point_time == kT0 + hours(24));
    CHECK(plan->left_out.empty());
    REQUIRE(plan->volumes.size() == 2);
    const VolumeRestore& root = plan->volumes[0];
    CHECK(root.source_volume_id == "vol-root");
    CHECK(root.source_name == "web-1-root");
    CHECK(root.backup_id == "b-root-2");
    CHECK(root.new_name == "web-1-root-restored-2025-12-06T05:00:00Z");
    CHECK(root.size_gb == 10);
    CHECK(root.volume_type == "ssd");
    CHECK(root.bootable);
    const VolumeRestore& data = plan->volumes[1];
    CHECK(data.backup_id == "b-data-1");
    CHECK(data.new_name == "web-1-data-restored-2025-12-06T05:00:00Z");
    CHECK(data.size_gb == 3);
    CHECK(data.volume_type == "__DEFAULT__");
    CHECK_FALSE(data.bootable);
}

TEST_CASE("an earlier time picks the earlier backups and names the volumes after that point") {
    Fixture f;
    f.request.at = kT0 + hours(1);
    auto plan = f.plan();
    REQUIRE(plan.ok());
    CHECK(plan->volumes[0].backup_id == "b-root-1");
    CHECK(plan->volumes[1].backup_id == "b-data-1");
    CHECK(plan->point_time == kT0 + minutes(1));
    CHECK(plan->volumes[0].new_name == "web-1-root-restored-2025-12-05T05:01:00Z");
}

TEST_CASE("a point where a volume has no backup is refused naming it, unless partial is allowed") {
    Fixture f;
    f.history.volumes.push_back({"vol-logs", "web-1-logs"});
    auto refused = f.plan();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::not_found);
    CHECK(refused.error().message ==
          "no restore of server web-1 (srv-1) at 2025-12-07T05:00:00Z: volume vol-logs (web-1-logs) has no available "
          "automated backup at or before that time; a partial restore would leave it out");
    f.request.allow_partial = true;
    auto partial = f.plan();
    REQUIRE(partial.ok());
    CHECK(partial->volumes.size() == 2);
    REQUIRE(partial->left_out.size() == 1);
    CHECK(partial->left_out[0].id == "vol-logs");
}

TEST_CASE("a time before every backup is refused even when partial is allowed") {
    Fixture f;
    f.request.at = kT0 - seconds(1);
    f.request.allow_partial = true;
    auto refused = f.plan();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          "no restore of server web-1 (srv-1) at 2025-12-05T04:59:59Z: none of its volumes has an available "
          "automated backup at or before that time");
}

TEST_CASE("a picked backup gone from Cinder or not available there is refused, naming volume and backup") {
    Fixture f;
    f.backups.erase(f.backups.begin() + 2);  // b-root-2
    auto gone = f.plan();
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().kind == ErrorKind::invalid_input);
    CHECK(gone.error().message ==
          "volume vol-root (web-1-root): its backup b-root-2 at 2025-12-06T05:00:00Z is no longer in Cinder");
    Fixture busy;
    busy.backups[1].status = "restoring";
    auto refused = busy.plan();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          "volume vol-data (web-1-data): its backup b-data-1 is restoring in Cinder; a restore reads only an "
          "available backup (run again once it is)");
}

TEST_CASE("a deleted source volume is restored from its backup's size, the default type, not bootable") {
    Fixture f;
    f.volumes.erase(f.volumes.begin());  // vol-root is gone from Cinder
    auto plan = f.plan();
    REQUIRE(plan.ok());
    const VolumeRestore& root = plan->volumes[0];
    CHECK(root.source_name == "web-1-root");  // as the store knew it
    CHECK(root.size_gb == 10);
    CHECK(root.volume_type.empty());
    CHECK_FALSE(root.bootable);
}

TEST_CASE("the new volume is at least the backup's size, and unnamed volumes are named after their id") {
    Fixture f;
    f.volumes[1].size_gb = 2;  // smaller than its backup (3): Cinder would refuse the restore
    f.volumes[1].name = "";
    f.history.volumes[1].name = "";
    auto plan = f.plan();
    REQUIRE(plan.ok());
    CHECK(plan->volumes[1].size_gb == 3);
    CHECK(plan->volumes[1].source_name.empty());
    CHECK(plan->volumes[1].new_name == "vol-data-restored-2025-12-06T05:00:00Z");
}

TEST_CASE("a long original name is cut so that the restored name fits Cinder's 255 characters") {
    std::string name = restored_volume_name(std::string(300, 'n'), kT0);
    CHECK(name.size() == 255);
    CHECK(name.ends_with("n-restored-2025-12-05T05:00:00Z"));
}

TEST_CASE("a long non-ASCII name is cut on a character boundary, counting characters as Cinder does") {
    const std::string suffix = "-restored-2025-12-05T05:00:00Z";
    std::string accents;
    for (int i = 0; i < 300; ++i) accents += "\xC3\xA9";  // é, two bytes
    std::string name = restored_volume_name(accents, kT0);
    CHECK(name.ends_with(suffix));
    std::string kept = name.substr(0, name.size() - suffix.size());
    CHECK(kept.size() == 2 * (255 - suffix.size()));
    CHECK(kept.find("\xC3\xA9\xC3\xA9") == 0);
    CHECK(kept.ends_with("\xC3\xA9"));
    CHECK_NOTHROW((void)nlohmann::json(name).dump());

    std::string emoji;
    for (int i = 0; i < 300; ++i) emoji += "\xF0\x9F\x92\xBE";  // U+1F4BE floppy disk, four bytes
    name = restored_volume_name("a" + emoji, kT0);
    kept = name.substr(0, name.size() - suffix.size());
    CHECK(kept.size() == 1 + 4 * (255 - suffix.size() - 1));
    CHECK(kept.ends_with("\xF0\x9F\x92\xBE"));
    CHECK_NOTHROW((void)nlohmann::json(name).dump());
}
