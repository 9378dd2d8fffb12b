#include "staffeln/core/restore_step.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

const VolumeTarget kTarget{"r-1", "vol-root", "b-1", false};

Volume made(std::string status, Metadata metadata = {}) {
    return Volume{"new-1", "root-restored", "p1", std::move(status), 1, std::move(metadata)};
}

NextStep step(const std::optional<Volume>& v, const VolumeTarget& target = kTarget) {
    return next_restore_step(target, v).step;
}

}  // namespace

TEST_CASE("no known volume: find the tagged one or create it") {
    CHECK(step(std::nullopt) == NextStep::find_or_create);
}

TEST_CASE("a volume being created or restored is waited for") {
    CHECK(step(made("creating", {{kRestoreTag, "r-1"}})) == NextStep::wait);
    CHECK(step(made("restoring-backup", {{kRestoreTag, "r-1"}})) == NextStep::wait);
}

TEST_CASE("an available volume without the backup's src_backup_id has not been restored into") {
    CHECK(step(made("available", {{kRestoreTag, "r-1"}, {kRestoreSourceTag, "vol-root"}})) == NextStep::start_restore);
    // A src_backup_id of another backup (the source was itself a restored copy) is not this restore.
    CHECK(step(made("available", {{kSourceBackupKey, "b-0"}})) == NextStep::start_restore);
}

TEST_CASE("a restored volume is tagged again, since the restore replaced its metadata, then done") {
    CHECK(step(made("available", {{kSourceBackupKey, "b-1"}, {"purpose", "x"}})) == NextStep::tag);
    CHECK(step(made("available", {{kSourceBackupKey, "b-1"}, {kRestoreTag, "r-1"}})) == NextStep::tag);
    Metadata tagged{{kSourceBackupKey, "b-1"}, {kRestoreTag, "r-1"}, {kRestoreSourceTag, "vol-root"}};
    CHECK(step(made("available", tagged)) == NextStep::done);
    CHECK(step(made("in-use", tagged)) == NextStep::done);  // attached by its user since
    Metadata other_restore = tagged;
    other_restore[kRestoreTag] = "r-0";  // the source carried an earlier restore's tag
    CHECK(step(made("available", other_restore)) == NextStep::tag);
}

TEST_CASE("a bootable source needs the flag set again before the volume is done") {
    VolumeTarget boot = kTarget;
    boot.bootable = true;
    Volume v = made("available", {{kSourceBackupKey, "b-1"}, {kRestoreTag, "r-1"}, {kRestoreSourceTag, "vol-root"}});
    CHECK(step(v, boot) == NextStep::tag);
    v.bootable = true;
    CHECK(step(v, boot) == NextStep::done);
}

TEST_CASE("an error state fails the volume with what Cinder shows") {
    auto failed = next_restore_step(kTarget, made("error_restoring", {{kRestoreTag, "r-1"}}));
    CHECK(failed.step == NextStep::fail);
    CHECK(failed.reason == "Cinder shows volume new-1 error_restoring");
    CHECK(next_restore_step(kTarget, made("error")).reason == "Cinder shows volume new-1 error");
    CHECK(step(made("in-use")) == NextStep::fail);  // attached before it was restored into
}
