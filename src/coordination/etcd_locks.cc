#include "staffeln/coordination/etcd_locks.h"

#include "staffeln/base64.h"
#include "staffeln/coordination/etcd_answer.h"
#include "staffeln/coordination/etcd_gateway.h"
#include "staffeln/coordination/lease_timing.h"
#include "staffeln/log.h"
#include "staffeln/thread_annotations.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace staffeln::coordination {

using nlohmann::json;
using std::chrono::steady_clock;

constexpr std::string_view kLog = "coordination";
// tooz's Etcd3Lock.LOCK_PREFIX (no separator follows it) and upstream Staffeln's "staffeln-" names.
constexpr std::string_view kPrefix = "/tooz/locksstaffeln-";

// What the coordinator, its keep-alive thread and its locks share; outlives whichever goes first.
struct EtcdSession {
    EtcdSession(const EtcdSettings& settings)
        : timing(lease_timing(settings.lease_ttl, settings.request_timeout)),
          ttl(settings.lease_ttl),
          gateway(settings.endpoints, settings.tls, timing.request_timeout) {}

    LeaseTiming timing;
    std::chrono::seconds ttl;
    EtcdGateway gateway;
    std::string holder;

    Mutex mutex;
    CondVar wake;
    bool stopping GUARDED_BY(mutex) = false;
    long long lease GUARDED_BY(mutex) = 0;  // 0: none granted yet, or the last one lost with no lock left
    bool lost GUARDED_BY(mutex) = false;
    SteadyTime trusted_until GUARDED_BY(mutex){};
    int outstanding GUARDED_BY(mutex) = 0;  // locks of the current lease not yet dropped

    bool trusted(long long id) const REQUIRES(mutex) {
        return lease == id && !lost && steady_clock::now() < trusted_until;
    }

    // The lease a new lock goes under, counted as outstanding before the lock's txn is sent, so
    // that the lease is not replaced meanwhile.
    Result<long long> lease_for_new_lock() EXCLUDES(mutex);
    // The keep-alive thread's pause: false once stopping.
    bool wait_for_renewal() EXCLUDES(mutex);
    void renew() EXCLUDES(mutex);
    void drop_lock(long long id) EXCLUDES(mutex);

private:
    // The lease new locks go under, granting one when needed; an unrenewed lease with no lock
    // left is replaced, not waited for.
    Result<long long> current_lease() REQUIRES(mutex);
};

namespace {

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 200) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

// Who holds a lock, from its key's value, for a person: staffeln writes "HOST pid N"; tooz
// (upstream Staffeln) writes 16 random bytes, which would say nothing.
std::string holder_of(const std::string& value) {
    if (value.empty()) return "another node";
    bool text = std::all_of(value.begin(), value.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
    return text ? value : "a tooz client (upstream Staffeln)";
}

std::string who_am_i() {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return fmt::format("{} pid {}", host[0] ? host : "unknown-host", ::getpid());
}

class EtcdLock : public Lock {
public:
    EtcdLock(std::shared_ptr<EtcdSession> session, std::string key, long long lease, long long revision)
        : session_(std::move(session)), key_(std::move(key)), lease_(lease), revision_(revision) {}

    ~EtcdLock() override {
        // Deleted only while still ours: after a lost lease the key may be someone else's now.
        const std::string key64 = base64_encode(key_);
        json txn{{"compare", {{{"target", "CREATE"}, {"key", key64}, {"create_revision", std::to_string(revision_)}}}},
                 {"success", {{{"request_delete_range", {{"key", key64}}}}}}};
        if (auto done = session_->gateway.call("kv/txn", txn, Idempotent::yes); !done)
            log::warning(kLog, "lock {} not released at once ({}); it goes when the lease expires", key_,
                         done.error().message);
        session_->drop_lock(lease_);
    }

    bool held() const override {
        MutexLock guard(session_->mutex);
        return session_->trusted(lease_);
    }

private:
    std::shared_ptr<EtcdSession> session_;
    std::string key_;
    long long lease_;
    long long revision_;
};

}  // namespace

Result<long long> EtcdSession::lease_for_new_lock() {
    MutexLock guard(mutex);
    auto granted = current_lease();
    if (granted) ++outstanding;
    return granted;
}

bool EtcdSession::wait_for_renewal() {
    MutexLock guard(mutex);
    if (stopping) return false;
    wake.wait_for(guard, timing.renew_every);
    return !stopping;
}

Result<long long> EtcdSession::current_lease() {
    if (lost && outstanding > 0)
        return make_error(ErrorKind::unavailable,
                          fmt::format("the etcd lease {:x} expired while {} lock(s) of it are still in use; no new "
                                      "lock until they are dropped",
                                      lease, outstanding));
    if (lease != 0 && !lost) {
        if (steady_clock::now() < trusted_until) return lease;
        if (outstanding > 0)
            return make_error(ErrorKind::unavailable,
                              fmt::format("the etcd lease {:x} has not been renewed in time (etcd at {} unreachable?); "
                                          "not taking locks",
                                          lease, gateway.describe()));
    }
    auto sent = steady_clock::now();
    auto granted = gateway.call("lease/grant", json{{"TTL", std::to_string(ttl.count())}}, Idempotent::yes);
    if (!granted) return granted.error();
    auto grant = lease_grant(*granted);
    if (!grant) return grant.error().context("etcd lease/grant");
    const long long id = grant->id;
    const long long granted_ttl = grant->ttl;
    if (id == 0 || granted_ttl <= 0)
        return make_error(
            ErrorKind::unavailable,
            fmt::format("etcd granted no lease: {}", granted->dump(-1, ' ', true, json::error_handler_t::replace)));
    lease = id;
    lost = false;
    outstanding = 0;
    trusted_until = coordination::trusted_until(sent, std::chrono::seconds(granted_ttl), timing);
    log::info(kLog, "etcd lease {:x} granted for {} s at {}", id, granted_ttl, gateway.describe());
    return lease;
}

void EtcdSession::renew() {
    long long id;
    {
        MutexLock guard(mutex);
        if (lease == 0 || lost) return;
        id = lease;
    }
    auto sent = steady_clock::now();
    auto answer = gateway.call("lease/keepalive", json{{"ID", std::to_string(id)}}, Idempotent::yes);
    MutexLock guard(mutex);
    if (lease != id) return;
    if (!answer) {
        log::warning(kLog, "etcd lease {:x} not renewed: {}", id, answer.error().message);
        return;
    }
    auto ttl_left = keepalive_ttl(*answer);
    if (!ttl_left) {
        log::warning(kLog, "etcd lease {:x} not renewed: lease/keepalive: {}", id, ttl_left.error().message);
        return;
    }
    if (*ttl_left > 0) {
        trusted_until = coordination::trusted_until(sent, std::chrono::seconds(*ttl_left), timing);
        return;
    }
    log::warning(kLog, "etcd lease {:x} has expired: its {} lock(s) are lost", id, outstanding);
    lost = true;
    if (outstanding == 0) lease = 0;
}

void EtcdSession::drop_lock(long long id) {
    MutexLock guard(mutex);
    if (lease != id) return;
    if (--outstanding == 0 && lost) lease = 0;
}

EtcdLocks::EtcdLocks(const EtcdSettings& settings) : session_(std::make_shared<EtcdSession>(settings)) {
    session_->holder = who_am_i();
    keep_alive_ = std::thread([session = session_] {
        while (session->wait_for_renewal()) session->renew();
    });
}

EtcdLocks::~EtcdLocks() {
    stop_keep_alive();
    long long lease;
    {
        MutexLock guard(session_->mutex);
        lease = session_->lost ? 0 : session_->lease;
    }
    if (lease == 0) return;
    if (auto revoked = session_->gateway.call("lease/revoke", json{{"ID", std::to_string(lease)}}, Idempotent::yes);
        !revoked && revoked.error().kind != ErrorKind::not_found)
        log::warning(kLog, "etcd lease {:x} not revoked ({}); its locks go when it expires", lease,
                     revoked.error().message);
}

void EtcdLocks::stop_keep_alive() {
    {
        MutexLock guard(session_->mutex);
        session_->stopping = true;
    }
    session_->wake.notify_all();
    if (keep_alive_.joinable()) keep_alive_.join();
}

std::string EtcdLocks::describe() const {
    return fmt::format("etcd locks at {} (lease TTL {} s)", session_->gateway.describe(), session_->ttl.count());
}

Result<std::unique_ptr<Lock>> EtcdLocks::try_lock(const std::string& name) {
    if (!valid_name(name)) return make_error(ErrorKind::invalid_input, fmt::format("invalid lock name '{}'", name));
    auto lease = session_->lease_for_new_lock();
    if (!lease) return lease.error();

    const std::string key = std::string(kPrefix) + name;
    const std::string key64 = base64_encode(key);
    json txn{{"compare", {{{"target", "CREATE"}, {"key", key64}, {"create_revision", "0"}}}},
             {"success",
              {{{"request_put",
                 {{"key", key64}, {"value", base64_encode(session_->holder)}, {"lease", std::to_string(*lease)}}}}}},
             {"failure", {{{"request_range", {{"key", key64}}}}}}};
    auto answer = session_->gateway.call("kv/txn", txn, Idempotent::no);
    auto outcome = answer ? txn_outcome(*answer) : Result<TxnOutcome>(answer.error());
    if (!outcome || !outcome->succeeded) {
        session_->drop_lock(*lease);
        if (!outcome) return outcome.error().context(fmt::format("cannot take lock {}", name));
        return make_error(ErrorKind::conflict, fmt::format("lock {} is held by {}", name, holder_of(outcome->holder)));
    }
    return std::unique_ptr<Lock>(new EtcdLock(session_, key, *lease, outcome->revision));
}

}  // namespace staffeln::coordination
