// The cloud staffeln acts on, as its subcommands open it: credentials found the way
// openstacksdk finds them (OS_* variables, or clouds.yaml chosen by OS_CLOUD) and retries
// as [openstack] configures them. Nothing is sent until the first call.
#pragma once

#include "staffeln/config/config.h"
#include "staffeln/openstack/cloud.h"
#include "staffeln/openstack/credentials.h"
#include "staffeln/openstack/retry.h"
#include "staffeln/result.h"

#include <memory>

namespace staffeln::openstack {

RetryPolicy retry_policy(const config::Config::OpenStack& options);

struct Connection {
    Credentials credentials;
    std::unique_ptr<Cloud> cloud;
};

// Fails when no credentials are found or they are incomplete; the error says where it looked.
Result<Connection> connect(const config::Config& config);
// The cloud named `cloud` in clouds.yaml (as OS_CLOUD=cloud would choose it), whatever the
// OS_* variables say: another cloud than the one staffeln backs up (restore --cloud).
Result<Connection> connect(const config::Config& config, const std::string& cloud);

}  // namespace staffeln::openstack
