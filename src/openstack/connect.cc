#include "staffeln/openstack/connect.h"

#include <charconv>

namespace staffeln::openstack {

RetryPolicy retry_policy(const config::Config::OpenStack& options) {
    RetryPolicy retry;
    retry.retry_timeout = std::chrono::seconds(options.retry_timeout);
    retry.max_retry_interval = std::chrono::seconds(options.max_retry_interval);
    retry.skip_retry_codes.clear();
    for (const auto& text : options.skip_retry_codes) {
        // The config check has refused anything but HTTP status codes already.
        int code = 0;
        std::from_chars(text.data(), text.data() + text.size(), code);
        retry.skip_retry_codes.insert(code);
    }
    return retry;
}

namespace {

Result<Connection> connect_with(const config::Config& config, const Environment& env) {
    auto credentials = load_credentials(env, default_clouds_yaml_paths(env));
    if (!credentials) return credentials.error();
    auto cloud = std::make_unique<Cloud>(*credentials, retry_policy(config.openstack));
    return Connection{std::move(*credentials), std::move(cloud)};
}

}  // namespace

Result<Connection> connect(const config::Config& config) { return connect_with(config, process_environment()); }

Result<Connection> connect(const config::Config& config, const std::string& cloud) {
    auto env = process_environment();
    env["OS_CLOUD"] = cloud;
    return connect_with(config, env);
}

}  // namespace staffeln::openstack
