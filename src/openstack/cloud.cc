#include "staffeln/openstack/cloud.h"

namespace staffeln::openstack {

Cloud::Cloud(Credentials credentials, RetryPolicy retry, Millis connect_timeout, Millis total_timeout)
    : session_(std::make_unique<Session>(credentials, std::move(retry),
                                         net::TransportOptions{connect_timeout, total_timeout, credentials.tls})),
      keystone_(*session_),
      nova_(*session_),
      cinder_(*session_) {}

}  // namespace staffeln::openstack
