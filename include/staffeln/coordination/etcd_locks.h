// Locks in etcd, for conductors on several nodes. One lease per coordinator, granted at the
// first try_lock and renewed by a keep-alive thread; a lock named N is the key
// "/tooz/locksstaffeln-N" (tooz's etcd3 driver's prefix and upstream Staffeln's names, so that an
// upstream conductor and a staffeln one on the same etcd never hold a role or a volume together),
// created in a transaction only if absent and bound to that lease, holding "HOST pid N".
// held() turns false once the lease may have expired (lease_timing.h), so a paused or cut-off
// node stops first. After a lost lease no lock is granted until every lock of it is dropped.
// Release deletes the key; destroying the coordinator revokes the lease (every key goes).
#pragma once

#include "staffeln/coordination/coordinator.h"
#include "staffeln/coordination/etcd_url.h"

#include <thread>

namespace staffeln::coordination {

struct EtcdSession;

class EtcdLocks : public Coordinator {
public:
    explicit EtcdLocks(const EtcdSettings& settings);
    ~EtcdLocks() override;
    EtcdLocks(const EtcdLocks&) = delete;
    EtcdLocks& operator=(const EtcdLocks&) = delete;

    Result<std::unique_ptr<Lock>> try_lock(const std::string& name) override;
    std::string describe() const override;
    // Stops renewing the lease without revoking it, as a paused or cut-off node would.
    void stop_keep_alive();

private:
    std::shared_ptr<EtcdSession> session_;
    std::thread keep_alive_;
};

}  // namespace staffeln::coordination
