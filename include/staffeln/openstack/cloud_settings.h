// The flat key/value form that both credential sources are reduced to before they are checked:
// clouds.yaml's keys (auth.* flattened) or OS_* variables without "OS_", lower-cased, exactly as
// openstacksdk maps them (OS_PROJECT_NAME -> project_name). One checker serves both, and its
// messages name the setting as the operator wrote it (OS_PASSWORD, or auth.password in a file).
#pragma once

#include "staffeln/openstack/credentials.h"

#include <map>
#include <string>

namespace staffeln::openstack {

enum class SettingsSource { environment, clouds_yaml };

struct CloudSettings {
    SettingsSource source = SettingsSource::environment;
    std::string description;  // "environment" or "<path> cloud '<name>'"
    std::map<std::string, std::string> values;
};

Result<Credentials> credentials_from_settings(const CloudSettings& settings);

}  // namespace staffeln::openstack
