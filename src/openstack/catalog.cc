#include "staffeln/openstack/catalog.h"

#include <fmt/format.h>

namespace staffeln::openstack {

Result<std::string> Catalog::endpoint(std::initializer_list<std::string_view> types, std::string_view interface,
                                      std::string_view region) const {
    for (std::string_view type : types) {
        for (const auto& service : services_) {
            if (service.type != type) continue;
            for (const auto& endpoint : service.endpoints) {
                if (endpoint.interface != interface || (!region.empty() && endpoint.region != region)) continue;
                std::string url = endpoint.url;
                while (url.ends_with('/')) url.pop_back();
                return url;
            }
        }
    }
    std::string wanted;
    for (std::string_view type : types) wanted += (wanted.empty() ? "" : " or ") + std::string(type);
    return make_error(ErrorKind::not_found, fmt::format("no {} endpoint for {} in region '{}' in the service catalog",
                                                        interface, wanted, region.empty() ? "any" : region));
}

std::string for_project(const std::string& url, std::string_view from_project, std::string_view to_project) {
    if (from_project.empty() || from_project == to_project) return url;
    const std::string segment = fmt::format("/{}", from_project);
    std::size_t pos = 0;
    while ((pos = url.find(segment, pos)) != std::string::npos) {
        const std::size_t end = pos + segment.size();
        if (end == url.size() || url[end] == '/' || url[end] == '?')
            return url.substr(0, pos + 1) + std::string(to_project) + url.substr(end);
        pos = end;
    }
    return url;
}

}  // namespace staffeln::openstack
