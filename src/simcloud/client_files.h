// Writes what points an OpenStack client at the simulated cloud: an openrc of OS_* variables
// and a clouds.yaml with a cloud named "simcloud". Both hold a password, so both are 0600.
#pragma once

#include "staffeln/result.h"

#include <string>

namespace staffeln::sim {

struct ClientCredentials {
    std::string auth_url, username, password, project_name, user_domain = "Default", project_domain = "Default",
                                                            region = "RegionOne";
};

std::string openrc_text(const ClientCredentials& c);
std::string clouds_yaml_text(const ClientCredentials& c);
Status write_private_file(const std::string& path, const std::string& content);

}  // namespace staffeln::sim
