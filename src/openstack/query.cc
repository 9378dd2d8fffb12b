#include "staffeln/openstack/query.h"

#include <fmt/format.h>

namespace staffeln::openstack {

std::string percent_encode(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [name, value] : params) {
        if (value.empty()) continue;
        out += out.empty() ? '?' : '&';
        out += percent_encode(name) + "=" + percent_encode(value);
    }
    return out;
}

}  // namespace staffeln::openstack
