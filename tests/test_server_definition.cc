#include "staffeln/core/server_definition.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

Server volume_booted() {
    Server s{"s1",
             "web",
             "p1",
             "ACTIVE",
             {{"__staffeln_backup", "true"}, {"last-backup-time", "x"}, {"role", "db"}},
             {"v-data", "v-root", "v-logs"}};
    s.shape.flavor = {"", "m1.small", 2, 2048, 20};
    s.shape.availability_zone = "nova";
    s.shape.key_name = "ops";
    s.shape.root_device_name = "/dev/vda";
    s.shape.security_groups = {"default", "web"};
    s.shape.delete_on_termination = {false, true, false};
    return s;
}

const std::unordered_map<std::string, std::string> kDevices{
    {"v-root", "/dev/vda"}, {"v-data", "/dev/vdb"}, {"v-logs", "/dev/vdc"}};

}  // namespace

TEST_CASE("a server's definition: the root volume boots first, the others by device, staffeln's stamp left out") {
    auto d = define_server(volume_booted(), kDevices, "last-backup-time");
    CHECK(d.warnings.empty());
    CHECK(d.definition.name == "web");
    CHECK(d.definition.flavor.name == "m1.small");
    CHECK(d.definition.metadata == Metadata{{"__staffeln_backup", "true"}, {"role", "db"}});
    CHECK(d.definition.security_groups == std::vector<std::string>{"default", "web"});
    REQUIRE(d.definition.volumes.size() == 3);
    CHECK(d.definition.volumes[0] == AttachmentDefinition{"v-root", "/dev/vda", 0, true});
    CHECK(d.definition.volumes[1] == AttachmentDefinition{"v-data", "/dev/vdb", -1, false});
    CHECK(d.definition.volumes[2] == AttachmentDefinition{"v-logs", "/dev/vdc", -1, false});
}

TEST_CASE("a restore's tags on a server are not part of its definition") {
    Server s = volume_booted();
    s.metadata["staffeln:restore"] = "r-1";
    CHECK(define_server(s, kDevices, "last-backup-time").definition.metadata.count("staffeln:restore") == 0);
}

TEST_CASE("without the root device name the first volume by device boots, an image-booted server has no boot volume") {
    Server s = volume_booted();
    s.shape.root_device_name.clear();
    auto d = define_server(s, {{"v-root", "/dev/vdb"}, {"v-data", "/dev/vda"}}, "last-backup-time").definition;
    CHECK(d.volumes[0].volume_id == "v-data");
    CHECK(d.volumes[0].boot_index == 0);
    CHECK(d.volumes[1].volume_id == "v-root");
    CHECK(d.volumes[2].volume_id == "v-logs");  // no device: last
    CHECK(d.volumes[2].device.empty());

    s.shape.image_id = "img-1";
    auto imaged = define_server(s, kDevices, "last-backup-time").definition;
    for (const auto& v : imaged.volumes) CHECK(v.boot_index == -1);
    CHECK(imaged.image_id == "img-1");
}

TEST_CASE("fields Nova showed badly are warnings naming the server and the field, the rest is recorded") {
    Server s = volume_booted();
    s.shape.problems = {"addresses: is not an object"};
    auto d = define_server(s, kDevices, "last-backup-time");
    REQUIRE(d.warnings.size() == 1);
    CHECK(d.warnings[0] ==
          "server web (s1): Nova's field addresses: is not an object; its definition is recorded "
          "without it");
    CHECK(d.definition.volumes.size() == 3);
}

TEST_CASE("a flavor is described by name and size, or by its id alone below compute 2.47") {
    CHECK(describe(ServerFlavor{"", "m1.small", 2, 2048, 20}) == "m1.small (2 vCPUs, 2048 MiB RAM, 20 GiB disk)");
    CHECK(describe(ServerFlavor{"f-1"}) == "id f-1");
    CHECK(describe(ServerFlavor{}) == "unknown");
}
