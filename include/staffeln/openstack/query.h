// Query strings for OpenStack list calls: "?k=v&k2=v2", values percent-encoded, empty
// values left out (so an unset filter is simply absent).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace staffeln::openstack {

std::string percent_encode(const std::string& text);
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace staffeln::openstack
