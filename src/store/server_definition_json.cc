#include "staffeln/store/server_definition_json.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace staffeln::store {
namespace {

using Json = nlohmann::json;

Json to_json(const core::ServerDefinition& d) {
    auto addresses = Json::array();
    for (const auto& a : d.addresses)
        addresses.push_back(
            {{"network", a.network}, {"addr", a.ip}, {"mac", a.mac}, {"type", a.type}, {"version", a.version}});
    auto volumes = Json::array();
    for (const auto& v : d.volumes)
        volumes.push_back({{"volume_id", v.volume_id},
                           {"device", v.device},
                           {"boot_index", v.boot_index},
                           {"delete_on_termination", v.delete_on_termination}});
    return {{"id", d.server_id},
            {"name", d.name},
            {"project_id", d.project_id},
            {"flavor",
             {{"id", d.flavor.id},
              {"name", d.flavor.name},
              {"vcpus", d.flavor.vcpus},
              {"ram_mb", d.flavor.ram_mb},
              {"disk_gb", d.flavor.disk_gb}}},
            {"image", d.image_id},
            {"availability_zone", d.availability_zone},
            {"key_name", d.key_name},
            {"metadata", d.metadata},
            {"security_groups", d.security_groups},
            {"addresses", addresses},
            {"volumes", volumes}};
}

core::ServerDefinition from_json(const Json& j) {
    core::ServerDefinition d;
    d.server_id = j.at("id").get<std::string>();
    d.name = j.at("name").get<std::string>();
    d.project_id = j.at("project_id").get<std::string>();
    const Json& f = j.at("flavor");
    d.flavor =
        ServerFlavor{f.at("id").get<std::string>(), f.at("name").get<std::string>(), f.at("vcpus").get<std::int64_t>(),
                     f.at("ram_mb").get<std::int64_t>(), f.at("disk_gb").get<std::int64_t>()};
    d.image_id = j.at("image").get<std::string>();
    d.availability_zone = j.at("availability_zone").get<std::string>();
    d.key_name = j.at("key_name").get<std::string>();
    d.metadata = j.at("metadata").get<Metadata>();
    d.security_groups = j.at("security_groups").get<std::vector<std::string>>();
    for (const Json& a : j.at("addresses"))
        d.addresses.push_back({a.at("network").get<std::string>(), a.at("addr").get<std::string>(),
                               a.at("mac").get<std::string>(), a.at("type").get<std::string>(),
                               a.at("version").get<std::int64_t>()});
    for (const Json& v : j.at("volumes"))
        d.volumes.push_back({v.at("volume_id").get<std::string>(), v.at("device").get<std::string>(),
                             v.at("boot_index").get<int>(), v.at("delete_on_termination").get<bool>()});
    return d;
}

}  // namespace

std::string definition_json(const core::ServerDefinition& definition) {
    return to_json(definition).dump(-1, ' ', true, Json::error_handler_t::replace);
}

Result<core::ServerDefinition> definition_from_json(const std::string& text) {
    try {
        return from_json(Json::parse(text));
    } catch (const Json::exception& e) {
        return make_error(ErrorKind::invalid_input, fmt::format("a recorded server definition: {}", e.what()));
    }
}

}  // namespace staffeln::store
