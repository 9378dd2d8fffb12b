#include "staffeln/core/server_definition.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::core {

DefinedServer define_server(const Server& server, const std::unordered_map<std::string, std::string>& devices,
                            std::string_view stamp_key) {
    const ServerShape& shape = server.shape;
    DefinedServer out;
    ServerDefinition& d = out.definition;
    d.server_id = server.id;
    d.name = server.name;
    d.project_id = server.project_id;
    d.flavor = shape.flavor;
    d.image_id = shape.image_id;
    d.availability_zone = shape.availability_zone;
    d.key_name = shape.key_name;
    for (const auto& [key, value] : server.metadata)
        if (key != stamp_key && !key.starts_with("staffeln:")) d.metadata.emplace(key, value);
    d.security_groups = shape.security_groups;
    d.addresses = shape.addresses;
    for (std::size_t i = 0; i < server.volume_ids.size(); ++i) {
        const std::string& id = server.volume_ids[i];
        auto device = devices.find(id);
        d.volumes.push_back({id, device == devices.end() ? "" : device->second, -1,
                             i < shape.delete_on_termination.size() && shape.delete_on_termination[i]});
    }
    // By device name, those without one last in Nova's order.
    std::stable_sort(d.volumes.begin(), d.volumes.end(), [](const auto& a, const auto& b) {
        if (a.device.empty() != b.device.empty()) return b.device.empty();
        return a.device < b.device;
    });
    if (d.image_id.empty() && !d.volumes.empty()) {
        auto root = std::find_if(d.volumes.begin(), d.volumes.end(), [&](const auto& v) {
            return !shape.root_device_name.empty() && v.device == shape.root_device_name;
        });
        if (root == d.volumes.end()) root = d.volumes.begin();
        root->boot_index = 0;
        std::rotate(d.volumes.begin(), root, root + 1);
    }
    for (const auto& problem : shape.problems)
        out.warnings.push_back(fmt::format("server {} ({}): Nova's field {}; its definition is recorded without it",
                                           server.name, server.id, problem));
    return out;
}

std::string describe(const ServerFlavor& flavor) {
    if (flavor.name.empty() && flavor.vcpus == 0) return flavor.id.empty() ? "unknown" : "id " + flavor.id;
    return fmt::format("{}{} ({} vCPU{}, {} MiB RAM, {} GiB disk)", flavor.name.empty() ? flavor.id : flavor.name,
                       !flavor.name.empty() && !flavor.id.empty() ? " (" + flavor.id + ")" : "", flavor.vcpus,
                       flavor.vcpus == 1 ? "" : "s", flavor.ram_mb, flavor.disk_gb);
}

}  // namespace staffeln::core
