#include "staffeln/core/restore_step.h"
#include "staffeln/core/server_recreate.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

ServerDefinition recorded() {
    ServerDefinition d;
    d.server_id = "s1";
    d.name = "web";
    d.project_id = "p1";
    d.flavor = {"", "m1.small", 2, 2048, 20};
    d.availability_zone = "nova";
    d.key_name = "ops";
    d.metadata = {{"__staffeln_backup", "true"}, {"role", "db"}};
    d.security_groups = {"default"};
    d.volumes = {{"v-root", "/dev/vda", 0, true}, {"v-data", "/dev/vdb", -1, false}};
    return d;
}

const std::vector<FlavorOffer> kFlavors{{"f-tiny", "m1.tiny", 1, 512, 1}, {"f-small", "m1.small", 2, 2048, 20}};
const std::map<std::string, std::string> kRestored{{"v-root", "n-root"}, {"v-data", "n-data"}};

RecreateOptions options() { return RecreateOptions{"r-1", "web-restored-x", "", false, "__staffeln_backup"}; }

}  // namespace

TEST_CASE("the boot: recorded flavor by name, volumes in recorded order, backup tag dropped, restore tag added") {
    auto plan = plan_boot(recorded(), kRestored, kFlavors, options());
    REQUIRE(plan.request);
    const auto& r = *plan.request;
    CHECK(r.name == "web-restored-x");
    CHECK(r.flavor_id == "f-small");
    CHECK(r.key_name == "ops");
    CHECK(r.availability_zone == "nova");
    CHECK(r.metadata == Metadata{{"role", "db"}, {kRestoreTag, "r-1"}});
    CHECK(r.security_groups.empty());  // "default" alone is Nova's default
    REQUIRE(r.volumes.size() == 2);
    CHECK(r.volumes[0].volume_id == "n-root");
    CHECK(r.volumes[0].boot_index == 0);
    CHECK(r.volumes[0].device == "/dev/vda");
    CHECK(r.volumes[0].delete_on_termination);
    CHECK(r.volumes[1].volume_id == "n-data");
    CHECK(r.volumes[1].boot_index == -1);
    CHECK(plan.notes.empty());
}

TEST_CASE("--keep-backup-tag keeps the backup key, other security groups are asked for") {
    auto d = recorded();
    d.security_groups = {"default", "web"};
    auto o = options();
    o.keep_backup_tag = true;
    auto plan = plan_boot(d, kRestored, kFlavors, o);
    REQUIRE(plan.request);
    CHECK(plan.request->metadata.at("__staffeln_backup") == "true");
    CHECK(plan.request->security_groups == std::vector<std::string>{"default", "web"});
}

TEST_CASE("the flavor: --flavor by id or name, the recorded id, name, or size, else refused naming it") {
    auto o = options();
    o.flavor = "f-tiny";
    CHECK(plan_boot(recorded(), kRestored, kFlavors, o).request->flavor_id == "f-tiny");
    o.flavor = "m1.tiny";
    CHECK(plan_boot(recorded(), kRestored, kFlavors, o).request->flavor_id == "f-tiny");
    o.flavor = "m9";
    auto bad = plan_boot(recorded(), kRestored, kFlavors, o);
    CHECK_FALSE(bad.request);
    CHECK(bad.refusal == "--flavor m9: no flavor with this ID or name");

    auto by_id = recorded();
    by_id.flavor = ServerFlavor{"f-tiny"};
    CHECK(plan_boot(by_id, kRestored, kFlavors, options()).request->flavor_id == "f-tiny");

    auto renamed = recorded();
    renamed.flavor.name = "old.small";
    auto same_size = plan_boot(renamed, kRestored, kFlavors, options());
    CHECK(same_size.request->flavor_id == "f-small");
    REQUIRE(same_size.notes.size() == 1);
    CHECK(same_size.notes[0] ==
          "flavor m1.small has the recorded flavor's vCPUs, RAM and disk (old.small (2 vCPUs, 2048 MiB RAM, 20 GiB "
          "disk) is gone)");

    auto gone = recorded();
    gone.flavor = {"", "huge", 64, 1 << 20, 100};
    auto refused = plan_boot(gone, kRestored, kFlavors, options());
    CHECK_FALSE(refused.request);
    CHECK(refused.refusal ==
          "the recorded flavor huge (64 vCPUs, 1048576 MiB RAM, 100 GiB disk) is not offered, nor one of its size; "
          "give one with --flavor");
}

TEST_CASE("volumes not restored: the boot volume refuses, a data volume is left out with a note") {
    auto no_root = plan_boot(recorded(), {{"v-data", "n-data"}}, kFlavors, options());
    CHECK_FALSE(no_root.request);
    CHECK(no_root.refusal == "the boot volume v-root of server web was not restored");
    auto no_data = plan_boot(recorded(), {{"v-root", "n-root"}}, kFlavors, options());
    REQUIRE(no_data.request);
    CHECK(no_data.request->volumes.size() == 1);
    CHECK(no_data.notes ==
          std::vector<std::string>{"volume v-data (/dev/vdb) was not restored: the server is booted without it"});
    auto none = recorded();
    none.volumes.clear();
    CHECK(plan_boot(none, {}, kFlavors, options()).refusal == "server web has no recorded volume to boot from");
}

TEST_CASE("recorded addresses are refused, naming the networks: staffeln does not map them") {
    auto d = recorded();
    d.addresses = {{"private", "10.0.0.5", "fa:16:3e:00:00:01", "fixed", 4},
                   {"private", "fd00::5", "fa:16:3e:00:00:01", "fixed", 6},
                   {"public", "203.0.113.9", "fa:16:3e:00:00:02", "fixed", 4}};
    auto plan = plan_boot(d, kRestored, kFlavors, options());
    CHECK_FALSE(plan.request);
    CHECK(plan.refusal ==
          "server web had addresses on networks private, public: staffeln does not map networks to this cloud's yet; "
          "boot a server from the restored volumes by hand");
}

TEST_CASE("next server step, for every status and count of tagged servers") {
    CHECK(next_server_step({}).step == ServerStep::boot);
    for (const char* building : {"BUILD", "REBUILD", "MIGRATING", "REBOOT", "HARD_REBOOT", "RESIZE", "PASSWORD"}) {
        CAPTURE(building);
        auto d = next_server_step({{"n1", building, ""}});
        CHECK(d.step == ServerStep::wait);
        CHECK(d.server_id == "n1");
    }
    for (const char* settled : {"ACTIVE", "SHUTOFF", "PAUSED", "SUSPENDED"}) {
        CAPTURE(settled);
        CHECK(next_server_step({{"n1", settled, ""}}).step == ServerStep::done);
    }
    auto error = next_server_step({{"n1", "ERROR", "No valid host was found. "}});
    CHECK(error.step == ServerStep::fail);
    CHECK(error.reason == "server n1 is ERROR: No valid host was found. ");
    CHECK(next_server_step({{"n1", "ERROR", ""}}).reason == "server n1 is ERROR: Nova shows no fault");
    auto two = next_server_step({{"n1", "ACTIVE", ""}, {"n2", "BUILD", ""}});
    CHECK(two.step == ServerStep::fail);
    CHECK(two.reason == "servers n1, n2 all carry this restore's tag; delete all but one");
}

TEST_CASE("whatever the tagged servers show, a boot is decided only when Nova lists none") {
    const std::vector<std::string> statuses{"BUILD", "ACTIVE", "ERROR", "SHUTOFF", "REBUILD", "DELETED", ""};
    for (const auto& a : statuses) {
        CHECK(next_server_step({{"n1", a, ""}}).step != ServerStep::boot);
        for (const auto& b : statuses) {
            auto two = next_server_step({{"n1", a, ""}, {"n2", b, ""}});
            CHECK(two.step == ServerStep::fail);
        }
    }
}
