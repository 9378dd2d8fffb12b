// core/cloud_mapping.h: where a server recorded on one cloud goes on another (restore --cloud).
#include "staffeln/core/cloud_mapping.h"

#include <doctest/doctest.h>

#include <set>

using namespace staffeln;
using namespace staffeln::core;

namespace {

ServerDefinition recorded() {
    ServerDefinition d;
    d.server_id = "s1";
    d.name = "web";
    d.project_id = "p-old";
    d.flavor = {"f-old", "m1.small", 2, 2048, 20};
    d.addresses = {{"private", "10.0.0.5", "fa:16:3e:00:00:01", "fixed", 4},
                   {"private", "172.24.4.9", "fa:16:3e:00:00:01", "floating", 4},
                   {"storage", "10.1.0.5", "fa:16:3e:00:00:02", "fixed", 4}};
    d.volumes = {{"v-root", "/dev/vda", 0, false}};
    return d;
}

TargetCloud cloud_b() {
    return {"b",
            {{"p-new", "demo", "default"}, {"p-ops", "ops", "default"}, {"p-x1", "twin", "d1"}, {"p-x2", "twin", "d2"}},
            {{"f-tiny", "m1.tiny", 1, 512, 1}, {"f-small", "m1.small", 2, 2048, 20}, {"f-big", "big", 8, 16384, 80}}};
}

MapOptions no_boot() { return {}; }

MapOptions boot(std::map<std::string, std::string> networks = {{"private", "n-1"}, {"storage", "n-2"}}) {
    MapOptions o;
    o.boot = true;
    o.networks = std::move(networks);
    return o;
}

std::vector<std::string> errors_of(const ServerDefinition& d, const std::string& name, const TargetCloud& t,
                                   const MapOptions& o) {
    auto out = map_to_cloud(d, name, t, o);
    CHECK(out.mapping.has_value() == out.errors.empty());
    return out.errors;
}

}  // namespace

TEST_CASE("cloud mapping: the project by the recorded name, the flavor by name, each network as given") {
    auto out = map_to_cloud(recorded(), "demo", cloud_b(), boot());
    REQUIRE(out.mapping);
    CHECK(out.errors.empty());
    CHECK(out.mapping->project_id == "p-new");
    CHECK(out.mapping->flavor_id == "f-small");
    CHECK(out.mapping->networks == std::map<std::string, std::string>{{"private", "n-1"}, {"storage", "n-2"}});
    CHECK(out.mapping->notes.empty());
}

TEST_CASE("cloud mapping: the same project ID (one Keystone for both clouds) maps without a name") {
    auto d = recorded();
    d.project_id = "p-ops";
    auto out = map_to_cloud(d, "", cloud_b(), no_boot());
    REQUIRE(out.mapping);
    CHECK(out.mapping->project_id == "p-ops");
    CHECK(out.mapping->flavor_id.empty());
    CHECK(out.mapping->networks.empty());
}

TEST_CASE("cloud mapping: --map-project keyed by the source ID or name, to a target ID or name") {
    for (const std::string from : {"p-old", "demo"})
        for (const std::string to : {"p-ops", "ops"}) {
            CAPTURE(from);
            CAPTURE(to);
            auto o = no_boot();
            o.projects = {{from, to}};
            auto out = map_to_cloud(recorded(), "demo", cloud_b(), o);
            REQUIRE(out.mapping);
            CHECK(out.mapping->project_id == "p-ops");  // the explicit map wins over the same name
        }
    auto o = no_boot();
    o.projects = {{"other", "p-ops"}};  // about another project: the name still maps
    CHECK(map_to_cloud(recorded(), "demo", cloud_b(), o).mapping->project_id == "p-new");
}

TEST_CASE("cloud mapping: each project that does not map is named with what to give") {
    auto t = cloud_b();
    CHECK(errors_of(recorded(), "gone", t, no_boot()) ==
          std::vector<std::string>{"project gone (p-old): cloud b has no project of this name; give --map-project "
                                   "p-old=PROJECT"});
    CHECK(errors_of(recorded(), "", t, no_boot()) ==
          std::vector<std::string>{"project p-old: cloud b has no project with this ID, and its name is not known; "
                                   "give --map-project p-old=PROJECT"});
    CHECK(errors_of(recorded(), "twin", t, no_boot()) ==
          std::vector<std::string>{"project twin (p-old): cloud b has 2 projects of this name; give --map-project "
                                   "p-old=PROJECT_ID"});
    auto o = no_boot();
    o.projects = {{"p-old", "nowhere"}};
    CHECK(errors_of(recorded(), "demo", t, o) ==
          std::vector<std::string>{"--map-project p-old=nowhere: cloud b has no project with this ID or name"});
    o.projects = {{"demo", "twin"}};
    CHECK(errors_of(recorded(), "demo", t, o) ==
          std::vector<std::string>{"--map-project demo=twin: cloud b has 2 projects of this name; give its ID"});
    o.projects = {{"demo", "p-x2"}};
    CHECK(map_to_cloud(recorded(), "demo", t, o).mapping->project_id == "p-x2");
}

TEST_CASE("cloud mapping: the flavor by --flavor, by name, by size, never by the other cloud's ID") {
    auto t = cloud_b();
    auto o = boot();
    o.flavor = "big";
    CHECK(map_to_cloud(recorded(), "demo", t, o).mapping->flavor_id == "f-big");
    o.flavor = "f-tiny";
    CHECK(map_to_cloud(recorded(), "demo", t, o).mapping->flavor_id == "f-tiny");
    o.flavor = "m9";
    CHECK(errors_of(recorded(), "demo", t, o) ==
          std::vector<std::string>{"server web: --flavor m9: no flavor with this ID or name (cloud b)"});

    auto d = recorded();
    d.flavor = {"", "renamed", 8, 16384, 80};
    auto by_size = map_to_cloud(d, "demo", t, boot());
    REQUIRE(by_size.mapping);
    CHECK(by_size.mapping->flavor_id == "f-big");
    CHECK(by_size.mapping->notes ==
          std::vector<std::string>{
              "flavor big has the recorded flavor's vCPUs, RAM and disk (renamed (8 vCPUs, 16384 MiB RAM, 80 GiB disk) "
              "is gone)"});

    d.flavor = {"f-small", "", 0, 0, 0};  // below compute 2.47: the ID alone, which is of the other cloud
    CHECK(errors_of(d, "demo", t, boot()) ==
          std::vector<std::string>{"server web: the recorded flavor id f-small is not offered, nor one of its size; "
                                   "give one with --flavor (cloud b)"});
    d.flavor = {"f-small", "unknown", 4, 4096, 40};
    CHECK(errors_of(d, "demo", t, boot()) ==
          std::vector<std::string>{
              "server web: the recorded flavor unknown (f-small) (4 vCPUs, 4096 MiB RAM, 40 GiB disk) is not "
              "offered, nor one of its size; give one with --flavor (cloud b)"});
}

TEST_CASE("cloud mapping: each network without --map-network is named once, saying it is not looked up") {
    auto errors = errors_of(recorded(), "demo", cloud_b(), boot({{"private", "n-1"}}));
    CHECK(errors == std::vector<std::string>{
                        "network storage: not mapped; give --map-network storage=NETWORK_ID (staffeln does not query "
                        "the network service of cloud b, so networks are not mapped by name)"});
    CHECK(errors_of(recorded(), "demo", cloud_b(), boot({})).size() == 2);  // private once, storage once
    auto d = recorded();
    d.addresses.clear();
    auto out = map_to_cloud(d, "demo", cloud_b(), boot({}));
    REQUIRE(out.mapping);
    CHECK(out.mapping->networks.empty());
}

TEST_CASE("cloud mapping: without a boot only the project maps, and every failure is listed at once") {
    auto d = recorded();
    d.flavor = {"", "gone", 3, 3, 3};
    CHECK(map_to_cloud(d, "demo", cloud_b(), no_boot()).mapping);  // flavor and networks not needed
    auto errors = errors_of(d, "gone", cloud_b(), boot({}));
    REQUIRE(errors.size() == 4);  // project, flavor, two networks
    CHECK(errors[0].starts_with("project gone (p-old):"));
    CHECK(errors[1].starts_with("server web: the recorded flavor gone"));
    CHECK(errors[2].starts_with("network private:"));
    CHECK(errors[3].starts_with("network storage:"));
}

TEST_CASE("cloud mapping, for every combination: a mapping names only what the target has, or errors say why") {
    const auto t = cloud_b();
    std::set<std::string> project_ids, flavor_ids;
    for (const auto& p : t.projects) project_ids.insert(p.id);
    for (const auto& f : t.flavors) flavor_ids.insert(f.id);
    const std::vector<std::string> source_projects{"p-old", "p-ops", "p-x1"};
    const std::vector<std::string> names{"", "demo", "twin", "gone"};
    const std::vector<std::map<std::string, std::string>> project_maps{
        {}, {{"p-old", "ops"}}, {{"demo", "p-x1"}}, {{"twin", "twin"}}, {{"p-old", "nowhere"}}};
    const std::vector<std::string> flavors{"", "big", "f-tiny", "m9"};
    const std::vector<ServerFlavor> recorded_flavors{
        {"f-old", "m1.small", 2, 2048, 20}, {"", "x", 8, 16384, 80}, {"f-big", "", 0, 0, 0}, {"", "y", 9, 9, 9}};
    const std::vector<std::map<std::string, std::string>> network_maps{
        {}, {{"private", "n-1"}}, {{"private", "n-1"}, {"storage", "n-2"}}};
    std::size_t mapped = 0, refused = 0;
    for (const auto& project : source_projects)
        for (const auto& name : names)
            for (const auto& pm : project_maps)
                for (const auto& flavor : flavors)
                    for (const auto& rf : recorded_flavors)
                        for (const auto& nm : network_maps)
                            for (bool with_boot : {false, true}) {
                                auto d = recorded();
                                d.project_id = project;
                                d.flavor = rf;
                                MapOptions o;
                                o.projects = pm;
                                o.flavor = flavor;
                                o.networks = nm;
                                o.boot = with_boot;
                                auto out = map_to_cloud(d, name, t, o);
                                REQUIRE(out.mapping.has_value() == out.errors.empty());
                                if (!out.mapping) {
                                    ++refused;
                                    for (const auto& e : out.errors) CHECK(!e.empty());
                                    continue;
                                }
                                ++mapped;
                                CHECK(project_ids.contains(out.mapping->project_id));
                                if (!with_boot) {
                                    CHECK(out.mapping->flavor_id.empty());
                                    continue;
                                }
                                CHECK(flavor_ids.contains(out.mapping->flavor_id));
                                CHECK(out.mapping->networks == nm);  // every network of the server, as given
                            }
    CHECK(mapped > 0);
    CHECK(refused > 0);
}

TEST_CASE("--map-project and --map-network: OLD=NEW, split at the first =, each OLD once") {
    auto maps = parse_name_maps("--map-network", {"private=n-1", "odd=a=b"});
    REQUIRE(maps);
    CHECK(*maps == std::map<std::string, std::string>{{"private", "n-1"}, {"odd", "a=b"}});
    for (const std::string bad : {"private", "=n-1", "private=", "="}) {
        auto refused = parse_name_maps("--map-network", {bad});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().message == "--map-network " + bad + ": give OLD=NEW");
    }
    auto twice = parse_name_maps("--map-project", {"a=b", "a=c"});
    REQUIRE_FALSE(twice);
    CHECK(twice.error().message == "--map-project a=c: a is mapped twice");
    CHECK(parse_name_maps("--map-project", {})->empty());
}
