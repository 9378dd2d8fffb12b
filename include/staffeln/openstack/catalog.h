// The service catalog a Keystone token carries, and endpoint lookup in it by service type,
// interface and region. Cinder's URLs carry the token's project id; for_project() swaps it
// for another project's, which is how a project-scoped call finds its URL.
#pragma once

#include "staffeln/result.h"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::openstack {

struct Endpoint {
    std::string interface;  // public, internal, admin
    std::string region;     // region_id, or region when only that is given
    std::string url;
};

struct CatalogService {
    std::string type;  // identity, compute, block-storage, volumev3, ...
    std::string name;
    std::vector<Endpoint> endpoints;
};

class Catalog {
public:
    Catalog() = default;
    explicit Catalog(std::vector<CatalogService> services) : services_(std::move(services)) {}

    // The URL (without a trailing slash) of the first of `types` that has an endpoint for the
    // interface and region (empty region: any). not_found names what was looked for.
    Result<std::string> endpoint(std::initializer_list<std::string_view> types, std::string_view interface,
                                 std::string_view region) const;
    const std::vector<CatalogService>& services() const { return services_; }

private:
    std::vector<CatalogService> services_;
};

// `url` with the path segment equal to `from_project` replaced by `to_project`.
std::string for_project(const std::string& url, std::string_view from_project, std::string_view to_project);

}  // namespace staffeln::openstack
