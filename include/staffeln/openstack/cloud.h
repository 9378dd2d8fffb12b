// One cloud as the conductor uses it: a Session (tokens, retries, microversions) and the
// Keystone, Nova and Cinder calls over it. Built from credentials and a retry policy;
// thread-safe, since every call goes through the session's locks and per-thread handles.
#pragma once

#include "staffeln/openstack/cinder.h"
#include "staffeln/openstack/credentials.h"
#include "staffeln/openstack/keystone.h"
#include "staffeln/openstack/nova.h"
#include "staffeln/openstack/retry.h"
#include "staffeln/openstack/session.h"

#include <memory>

namespace staffeln::openstack {

class Cloud {
public:
    // TLS settings come from the credentials (cacert, insecure, cert, key).
    Cloud(Credentials credentials, RetryPolicy retry, Millis connect_timeout = Millis(10'000),
          Millis total_timeout = Millis(60'000));
    Cloud(const Cloud&) = delete;
    Cloud& operator=(const Cloud&) = delete;

    Session& session() { return *session_; }
    Keystone& keystone() { return keystone_; }
    Nova& nova() { return nova_; }
    Cinder& cinder() { return cinder_; }

private:
    std::unique_ptr<Session> session_;
    Keystone keystone_;
    Nova nova_;
    Cinder cinder_;
};

}  // namespace staffeln::openstack
