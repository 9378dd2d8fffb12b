// core/restore_original.h: a restore over the original volumes refuses every volume that is
// gone, not available or smaller than its backup, naming each; and each step of the run, for
// every status Cinder can show and whether the store recorded the mark.
#include "staffeln/core/restore_original.h"
#include "staffeln/core/restore_step.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

RestorePlan two_volumes() {
    RestorePlan plan{"srv-1", "web-1", "p1", {}, {}, {}, {}};
    plan.volumes.push_back({"vol-root", "web-1-root", "b-root", "web-1-root-restored-x", 10, "ssd", true});
    plan.volumes.push_back({"vol-data", "web-1-data", "b-data", "web-1-data-restored-x", 3, "", false});
    return plan;
}

std::vector<Backup> backups(std::int64_t root_size = 10) {
    Backup root;
    root.id = "b-root";
    root.size_gb = root_size;
    Backup data;
    data.id = "b-data";
    data.size_gb = 3;
    return {root, data};
}

SourceVolume source(std::string id, std::string name, std::int64_t size, std::string status, bool bootable = false) {
    return {std::move(id), std::move(name), size, "ssd", bootable, std::move(status)};
}

}  // namespace

TEST_CASE("over the originals: each target is the source itself, when every source is available") {
    auto plan = over_originals(
        two_volumes(),
        {source("vol-root", "web-1-root", 12, "available", true), source("vol-data", "web-1-data", 3, "available")},
        backups());
    REQUIRE(plan.ok());
    CHECK(plan->into == RestoreInto::original);
    CHECK(plan->volumes[0].new_name == "web-1-root");
    CHECK(plan->volumes[0].size_gb == 12);
    CHECK(plan->volumes[0].bootable);
    CHECK(plan->volumes[1].backup_id == "b-data");
}

TEST_CASE("over the originals: refused naming every volume attached, gone or too small, and its status") {
    auto attached = over_originals(
        two_volumes(),
        {source("vol-root", "web-1-root", 10, "in-use"), source("vol-data", "web-1-data", 3, "available")}, backups());
    REQUIRE_FALSE(attached.ok());
    CHECK(attached.error().kind == ErrorKind::invalid_input);
    CHECK(attached.error().message ==
          "no restore of server web-1 (srv-1) over its original volumes: volume vol-root (web-1-root) is in-use; a "
          "restore over a volume needs it available (detached from its server) and at least as large as its backup");

    auto all = over_originals(two_volumes(), {source("vol-data", "web-1-data", 3, "error")}, backups());
    REQUIRE_FALSE(all.ok());
    CHECK(all.error().message.find("volume vol-root (web-1-root) is no longer in Cinder; volume vol-data "
                                   "(web-1-data) is error;") != std::string::npos);

    auto small = over_originals(
        two_volumes(),
        {source("vol-root", "web-1-root", 10, "available"), source("vol-data", "web-1-data", 3, "available")},
        backups(20));
    REQUIRE_FALSE(small.ok());
    CHECK(small.error().message.find("volume vol-root (web-1-root) has 10 GiB, less than its backup b-root (20 GiB)") !=
          std::string::npos);
}

TEST_CASE("restore targets: new and original by name, nothing else") {
    CHECK(restore_into_from("new") == RestoreInto::new_volumes);
    CHECK(restore_into_from("original") == RestoreInto::original);
    CHECK_FALSE(restore_into_from("Original").has_value());
    CHECK_FALSE(restore_into_from("").has_value());
    CHECK(std::string(to_string(RestoreInto::original)) == "original");
    CHECK(std::string(to_string(RestoreInto::new_volumes)) == "new");
}

namespace {

const OriginalTarget kTarget{"r-1", "vol-root", "b-1", false, false};

Volume shown(std::string status, Metadata metadata = {}, bool bootable = false) {
    return Volume{"vol-root", "web-1-root", "p1", std::move(status), 10, std::move(metadata), bootable};
}

OriginalStep step(const Volume& v, bool marked, bool bootable = false) {
    OriginalTarget t = kTarget;
    t.marked = marked;
    t.bootable = bootable;
    return next_original_step(t, v).step;
}

const Metadata kPending{{kRestorePendingTag, "r-1"}};
const Metadata kRestored{{kSourceBackupKey, "b-1"}};
const Metadata kTagged{{kSourceBackupKey, "b-1"}, {kRestoreTag, "r-1"}, {kRestoreSourceTag, "vol-root"}};

}  // namespace

TEST_CASE("an available original not marked yet is marked first, whatever it was restored from before") {
    CHECK(step(shown("available"), false) == OriginalStep::mark);
    // Restored from this very backup by an earlier restore: without the mark it is not this one's.
    CHECK(step(shown("available", kRestored), false) == OriginalStep::mark);
    CHECK(step(shown("available", kTagged), false) == OriginalStep::mark);
    // Marked by another restore: marked again for this one.
    CHECK(step(shown("available", {{kRestorePendingTag, "r-0"}}), false) == OriginalStep::mark);
    // The store recorded the mark but the metadata lost it without a restore (src_backup_id of another).
    CHECK(step(shown("available", {{kSourceBackupKey, "b-0"}}), true) == OriginalStep::mark);
}

TEST_CASE("a marked original is restored into, and waited for while Cinder restores it") {
    CHECK(step(shown("available", kPending), false) == OriginalStep::start_restore);  // marked, then a crash
    CHECK(step(shown("available", kPending), true) == OriginalStep::start_restore);
    CHECK(step(shown("restoring-backup", kPending), true) == OriginalStep::wait);
    CHECK(step(shown("restoring-backup"), false) == OriginalStep::wait);
}

TEST_CASE("an original the restore replaced the metadata of is tagged again, then done") {
    CHECK(step(shown("available", kRestored), true) == OriginalStep::tag);
    CHECK(step(shown("available", kTagged), true) == OriginalStep::done);
    CHECK(step(shown("in-use", kTagged), true) == OriginalStep::done);                 // attached again by its owner
    CHECK(step(shown("available", kTagged, false), true, true) == OriginalStep::tag);  // bootable flag to set
    CHECK(step(shown("available", kTagged, true), true, true) == OriginalStep::done);
}

TEST_CASE("an original Cinder shows in error or attached before its restore fails, naming the status") {
    for (const char* status : {"error_restoring", "error", "in-use", "deleting", "backing-up", "maintenance"}) {
        CAPTURE(status);
        auto d = next_original_step(kTarget, shown(status, kPending));
        CHECK(d.step == OriginalStep::fail);
        CHECK(d.reason ==
              std::string("Cinder shows volume vol-root ") + status + "; a restore over it needs it available");
    }
    CHECK(next_original_step({"r-1", "vol-root", "b-1", false, true}, shown("error_restoring")).step ==
          OriginalStep::fail);
}

TEST_CASE("every original step has a name") {
    for (auto s : {OriginalStep::mark, OriginalStep::start_restore, OriginalStep::wait, OriginalStep::tag,
                   OriginalStep::done, OriginalStep::fail})
        CHECK(std::string(to_string(s)) != "");
}
