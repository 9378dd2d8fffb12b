// clouds.yaml and secure.yaml, read as openstacksdk reads them: the first clouds.yaml found
// wins; secure.yaml in the same directory adds or overrides keys of the same cloud.
#include "staffeln/openstack/cloud_settings.h"
#include "staffeln/openstack/credentials.h"
#include "staffeln/regular_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <system_error>

namespace staffeln::openstack {
namespace {

// Flattens one cloud's mapping: top-level scalars as they are, auth.* under their own names.
void flatten(const YAML::Node& cloud, std::map<std::string, std::string>& values) {
    for (const auto& entry : cloud) {
        const std::string key = entry.first.as<std::string>();
        if (key == "auth" && entry.second.IsMap()) {
            for (const auto& auth : entry.second)
                if (auth.second.IsScalar()) values[auth.first.as<std::string>()] = auth.second.as<std::string>();
        } else if (entry.second.IsScalar()) {
            values[key] = entry.second.as<std::string>();
        }
    }
}

Result<YAML::Node> load_file(const std::filesystem::path& path) {
    auto text = read_regular_file(path, "clouds.yaml file");
    if (!text) return text.error();
    try {
        return YAML::Load(*text);
    } catch (const YAML::Exception& e) {
        return make_error(ErrorKind::invalid_input, fmt::format("{}: not valid YAML: {}", path.string(), e.what()));
    }
}

// The cloud's node in a parsed file, or an undefined node when the file does not name it.
YAML::Node cloud_node(const YAML::Node& root, const std::string& cloud) {
    if (!root.IsMap() || !root["clouds"] || !root["clouds"].IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    return root["clouds"][cloud];
}

Status merge_secure(const std::filesystem::path& clouds_file, const std::string& cloud,
                    std::map<std::string, std::string>& values) {
    const auto secure = clouds_file.parent_path() / "secure.yaml";
    std::error_code ec;
    if (!std::filesystem::exists(secure, ec)) return {};
    auto root = load_file(secure);
    if (!root) return root.error();
    const YAML::Node node = cloud_node(*root, cloud);
    if (node && node.IsMap()) flatten(node, values);
    return {};
}

}  // namespace

Result<Credentials> credentials_from_clouds_yaml(const std::string& cloud,
                                                 const std::vector<std::filesystem::path>& paths) {
    std::string looked;
    for (const auto& path : paths) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            looked += (looked.empty() ? "" : ", ") + path.string();
            continue;
        }
        auto root = load_file(path);
        if (!root) return root.error();
        const YAML::Node node = cloud_node(*root, cloud);
        if (!node || !node.IsMap())
            return make_error(ErrorKind::invalid_input,
                              fmt::format("cloud '{}' not found in {}", cloud, path.string()));
        CloudSettings settings{SettingsSource::clouds_yaml, fmt::format("{} cloud '{}'", path.string(), cloud), {}};
        try {
            flatten(node, settings.values);
            if (Status merged = merge_secure(path, cloud, settings.values); !merged) return merged.error();
        } catch (const YAML::Exception& e) {
            return make_error(ErrorKind::invalid_input, fmt::format("{}: {}", settings.description, e.what()));
        }
        return credentials_from_settings(settings);
    }
    return make_error(ErrorKind::invalid_input,
                      fmt::format("cloud '{}': no clouds.yaml found (looked in {})", cloud, looked));
}

}  // namespace staffeln::openstack
