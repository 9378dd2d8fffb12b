// Where staffeln finds its OpenStack credentials, read as openstacksdk reads them: the cloud
// named by OS_CLOUD in the first clouds.yaml found (merged with secure.yaml beside it), or else
// the OS_* variables of an openrc. Errors name what is missing and where it was looked for.
// Never log a Credentials value whole: password and secret go through log::redact.
#pragma once

#include "staffeln/net/http_transport.h"
#include "staffeln/result.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace staffeln::openstack {

enum class AuthType { password, application_credential };

struct Credentials {
    std::string auth_url;
    AuthType auth_type = AuthType::password;
    std::string username, user_id, password;
    std::string user_domain_name, user_domain_id;
    std::string project_name, project_id;
    std::string project_domain_name, project_domain_id;
    std::string application_credential_id, application_credential_name, application_credential_secret;
    std::string region_name;           // empty: any region
    std::string interface = "public";  // public, internal or admin
    net::TlsOptions tls;
    std::string source;  // "environment" or "<path> cloud '<name>'", for messages
};

using Environment = std::map<std::string, std::string>;

// The process's OS_* variables.
Environment process_environment();

// ./clouds.yaml, ~/.config/openstack/clouds.yaml (HOME from env), /etc/openstack/clouds.yaml.
std::vector<std::filesystem::path> default_clouds_yaml_paths(const Environment& env);

// From OS_* variables alone.
Result<Credentials> credentials_from_environment(const Environment& env);

// Cloud `cloud` from the first of `paths` that exists (plus secure.yaml in the same directory).
Result<Credentials> credentials_from_clouds_yaml(const std::string& cloud,
                                                 const std::vector<std::filesystem::path>& paths);

// OS_CLOUD selects clouds.yaml (OS_CLIENT_CONFIG_FILE goes first in the search); else OS_AUTH_URL the variables.
Result<Credentials> load_credentials(const Environment& env, const std::vector<std::filesystem::path>& paths);

}  // namespace staffeln::openstack
