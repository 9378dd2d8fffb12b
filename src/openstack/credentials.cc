#include "staffeln/openstack/credentials.h"

#include "staffeln/openstack/cloud_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

extern char** environ;

namespace staffeln::openstack {
namespace {

constexpr const char* kRequestsCaBundle = "REQUESTS_CA_BUNDLE";
constexpr const char* kCurlCaBundle = "CURL_CA_BUNDLE";

// openstacksdk verifies through requests, which takes REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE, only
// when nothing more explicit was given (requests' Session.merge_environment_settings, with
// keystoneauth passing verify=cacert or verify=not insecure): a cacert or insecure wins.
Result<Credentials> with_ca_bundle(Result<Credentials> credentials, const Environment& env) {
    if (!credentials || !credentials->tls.cacert.empty() || credentials->tls.insecure) return credentials;
    for (const char* name : {kRequestsCaBundle, kCurlCaBundle}) {
        if (auto it = env.find(name); it != env.end() && !it->second.empty()) {
            credentials->tls.cacert = it->second;
            break;
        }
    }
    return credentials;
}

}  // namespace

Environment process_environment() {
    Environment env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view line(*entry);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        const auto name = line.substr(0, eq);
        if (name.starts_with("OS_") || name == "HOME" || name == kRequestsCaBundle || name == kCurlCaBundle)
            env.emplace(name, line.substr(eq + 1));
    }
    return env;
}

std::vector<std::filesystem::path> default_clouds_yaml_paths(const Environment& env) {
    std::vector<std::filesystem::path> paths{"clouds.yaml"};
    if (auto home = env.find("HOME"); home != env.end() && !home->second.empty())
        paths.push_back(std::filesystem::path(home->second) / ".config/openstack/clouds.yaml");
    paths.emplace_back("/etc/openstack/clouds.yaml");
    return paths;
}

Result<Credentials> credentials_from_environment(const Environment& env) {
    CloudSettings settings{SettingsSource::environment, "environment", {}};
    for (const auto& [name, value] : env) {
        if (!name.starts_with("OS_") || value.empty()) continue;
        std::string key = name.substr(3);
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        settings.values[key] = value;
    }
    return credentials_from_settings(settings);
}

Result<Credentials> load_credentials(const Environment& env, const std::vector<std::filesystem::path>& paths) {
    auto get = [&](const char* name) {
        auto it = env.find(name);
        return it == env.end() ? std::string() : it->second;
    };
    if (const std::string cloud = get("OS_CLOUD"); !cloud.empty()) {
        std::vector<std::filesystem::path> search;
        if (const std::string file = get("OS_CLIENT_CONFIG_FILE"); !file.empty()) search.emplace_back(file);
        search.insert(search.end(), paths.begin(), paths.end());
        return with_ca_bundle(credentials_from_clouds_yaml(cloud, search), env);
    }
    if (!get("OS_AUTH_URL").empty()) return with_ca_bundle(credentials_from_environment(env), env);
    std::string where;
    for (const auto& path : paths) where += (where.empty() ? "" : ", ") + path.string();
    return make_error(ErrorKind::invalid_input,
                      fmt::format("no credentials: set OS_CLOUD (and write a clouds.yaml in one of {}) or "
                                  "OS_AUTH_URL with the other OS_* variables of an openrc",
                                  where));
}

}  // namespace staffeln::openstack
