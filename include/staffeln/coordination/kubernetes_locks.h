// Locks as coordination.k8s.io/v1 Leases named "staffeln-" + lock name, as upstream Staffeln's
// library names them, so an upstream pod and a staffeln pod exclude each other. A lock is
// taken by creating its Lease or, when the Lease is free (released, or its resourceVersion seen
// unchanged by this node for leaseDurationSeconds), by replacing it at the resourceVersion read: a 409 means another
// node got there first. holderIdentity is "HOST pid N"; renewTime is renewed every quarter of the lease by a thread of
// the coordinator. held() turns false once the Lease may have run out (lease_timing.h) or a renewal met a 409, so a
// paused or cut-off node stops first. Release marks the Lease free (no holderIdentity, leaseDurationSeconds 1), as
// client-go does.
#pragma once

#include "staffeln/coordination/coordinator.h"
#include "staffeln/coordination/kubernetes_access.h"
#include "staffeln/coordination/kubernetes_url.h"

#include <thread>

namespace staffeln::coordination {

struct KubeSession;

class KubernetesLocks : public Coordinator {
public:
    KubernetesLocks(const KubernetesSettings& settings, const KubernetesAccess& access);
    ~KubernetesLocks() override;
    KubernetesLocks(const KubernetesLocks&) = delete;
    KubernetesLocks& operator=(const KubernetesLocks&) = delete;

    Result<std::unique_ptr<Lock>> try_lock(const std::string& name) override;
    std::string describe() const override;
    // Stops renewing without releasing, as a paused or cut-off node would.
    void stop_renewing();

private:
    std::shared_ptr<KubeSession> session_;
    std::thread renewer_;
};

}  // namespace staffeln::coordination
