#include "staffeln/base64.h"
#include "staffeln/coordination/coordinator.h"
#include "staffeln/coordination/etcd_gateway.h"
#include "staffeln/coordination/etcd_locks.h"
#include "staffeln/coordination/etcd_url.h"
#include "staffeln/coordination/lease_timing.h"
#include "support/etcd_server.h"
#include "support/ports.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

using namespace staffeln;
using namespace staffeln::coordination;
using namespace std::chrono_literals;
using staffeln::testing::EtcdServer;
using Steady = std::chrono::steady_clock;

namespace {

std::unique_ptr<EtcdLocks> etcd_locks(const EtcdServer& etcd, const std::string& query = "lock_timeout=2") {
    auto settings = parse_etcd_url(etcd.backend_url(query));
    REQUIRE(settings.ok());
    return std::make_unique<EtcdLocks>(*settings);
}

// Tries every 50 ms until the lock is taken; the time it took, or nullopt after the limit.
std::optional<std::chrono::milliseconds> time_to_take(Coordinator& locks, const std::string& name,
                                                      std::chrono::seconds limit,
                                                      std::unique_ptr<Lock>* taken = nullptr) {
    auto start = Steady::now();
    while (Steady::now() - start < limit) {
        auto lock = locks.try_lock(name);
        if (lock) {
            if (taken) *taken = std::move(*lock);
            return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
        }
        std::this_thread::sleep_for(50ms);
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("an etcd URL gives its endpoints, TLS files and lease TTL as tooz spells them") {
    auto plain = parse_etcd_url("etcd3+http://10.0.0.1:2379,10.0.0.2,etcd.example:4001");
    REQUIRE(plain.ok());
    CHECK(plain->endpoints == std::vector<std::string>{"http://10.0.0.1:2379/v3", "http://10.0.0.2:2379/v3",
                                                       "http://etcd.example:4001/v3"});
    CHECK(plain->lease_ttl == 30s);
    CHECK(plain->request_timeout == 30s);

    auto tls = parse_etcd_url(
        "etcd3+https://etcd:2379?ca_cert=/etc/ssl/ca.pem&cert_cert=/etc/c%2Bd.pem"
        "&cert_key=/etc/k.pem&timeout=5&lock_timeout=20&api_version=v3beta");
    REQUIRE(tls.ok());
    CHECK(tls->endpoints == std::vector<std::string>{"https://etcd:2379/v3beta"});
    CHECK(tls->tls.cacert == "/etc/ssl/ca.pem");
    CHECK(tls->tls.cert == "/etc/c+d.pem");
    CHECK(tls->tls.key == "/etc/k.pem");
    CHECK(tls->request_timeout == 5s);
    CHECK(tls->lease_ttl == 20s);
    CHECK(parse_etcd_url("etcd3+http://h?timeout=10")->lease_ttl == 10s);
}

TEST_CASE("a bad etcd URL is invalid_input saying what is wrong without quoting the URL") {
    auto check_bad = [](const std::string& url, const std::string& why) {
        auto parsed = parse_etcd_url(url);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().kind == ErrorKind::invalid_input);
        CHECK(parsed.error().message == why);
    };
    check_bad("etcd3+http://", "no HOST:PORT");
    check_bad("etcd3+grpc://h:2379", "use etcd3+http://HOST:2379 or etcd3+https://HOST:2379");
    check_bad("etcd3+http://h:99999", "'h:99999' has no valid port");
    check_bad("etcd3+http://h:2379,", "'' is not HOST or HOST:PORT");
    check_bad("etcd3+http://10.0.0.1::379",
              "'10.0.0.1::379' is not HOST or HOST:PORT (an IPv6 address is written in brackets: [::1]:2379)");
    check_bad("etcd3+http://::1",
              "'::1' is not HOST or HOST:PORT (an IPv6 address is written in brackets: [::1]:2379)");
    check_bad("etcd3+http://h?lock_timeout=0", "lock_timeout=0 is not a number of seconds from 1 to 3600");
    check_bad("etcd3+http://h?ca_cert=/ca.pem", "TLS options need etcd3+https://");
    check_bad("etcd3+https://h?cert_cert=/c.pem", "cert_cert and cert_key go together");
    check_bad("etcd3+http://h?prefix=x",
              "unknown option 'prefix' (known: ca_cert, cert_cert, cert_key, timeout, lock_timeout, api_version)");
    check_bad("etcd3+http://user:secret@h:2379",
              "a user and password in the URL are not supported (staffeln does not log in to etcd)");
    auto unknown = make_coordinator("zookeeper://user:secret@h:2181", "/tmp");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message ==
          "[coordination] backend_url: scheme zookeeper is not supported: use "
          "file:///var/lib/staffeln/locks, etcd3+http://HOST:2379 or kubernetes://");
}

TEST_CASE("a lease is trusted for its TTL less a quarter, renewed every quarter, each request bounded by it") {
    auto timing = lease_timing(20s, 30s);
    CHECK(timing.renew_every == 5000ms);
    CHECK(timing.margin == 5000ms);
    CHECK(timing.request_timeout == 5000ms);
    CHECK(lease_timing(20s, 2s).request_timeout == 2000ms);
    SteadyTime sent{};
    CHECK(trusted_until(sent, 20s, timing) == sent + 15s);
}

TEST_CASE("etcd keys and values go as base64 both ways") {
    for (std::string text : {"", "a", "ab", "abc", "staffeln/locks/puller", "host pid 42\xff"})
        CHECK(base64_decode(base64_encode(text)) == text);
    CHECK(base64_encode("staffeln/locks/puller") == "c3RhZmZlbG4vbG9ja3MvcHVsbGVy");
    CHECK_FALSE(base64_decode("abc").has_value());
}

TEST_CASE("two etcd coordinators never hold one lock together, and a released lock is free at once") {
    EtcdServer etcd;
    auto first = etcd_locks(etcd);
    auto second = etcd_locks(etcd);
    auto held = first->try_lock("puller");
    REQUIRE(held.ok());
    CHECK((*held)->held());
    auto refused = second->try_lock("puller");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::conflict);
    CHECK(refused.error().message.starts_with("lock puller is held by "));
    CHECK(refused.error().message.find(" pid " + std::to_string(getpid())) != std::string::npos);
    CHECK(second->try_lock("retention").ok());
    CHECK_FALSE(first->try_lock("puller").ok());  // not re-entrant, like flock on a second descriptor
    held->reset();
    CHECK(second->try_lock("puller").ok());
}

TEST_CASE("destroying an etcd coordinator revokes its lease, freeing every lock of it at once") {
    EtcdServer etcd;
    auto first = etcd_locks(etcd, "lock_timeout=30");
    auto second = etcd_locks(etcd);
    auto puller = first->try_lock("puller");
    auto volume = first->try_lock("volume-1");
    REQUIRE(puller.ok());
    REQUIRE(volume.ok());
    first.reset();
    auto taken = second->try_lock("puller");
    REQUIRE(taken.ok());
    CHECK(second->try_lock("volume-1").ok());
    // Dropping the old locks afterwards must not delete the keys their new holder created.
    puller->reset();
    volume->reset();
    auto third = etcd_locks(etcd);
    CHECK_FALSE(third->try_lock("puller").ok());
    CHECK((*taken)->held());
}

TEST_CASE("a holder that stops renewing stops trusting its lock before another takes it over") {
    EtcdServer etcd;
    auto stalled = etcd_locks(etcd);
    auto other = etcd_locks(etcd);
    auto lock = stalled->try_lock("puller");
    REQUIRE(lock.ok());
    std::this_thread::sleep_for(1200ms);  // past one renewal: the keep-alive works
    CHECK((*lock)->held());
    stalled->stop_keep_alive();
    auto stopped_at = Steady::now();
    while ((*lock)->held()) std::this_thread::sleep_for(10ms);
    auto distrusted_after = Steady::now() - stopped_at;
    std::unique_ptr<Lock> taken;
    auto took = time_to_take(*other, "puller", 10s, &taken);
    REQUIRE(took.has_value());
    MESSAGE("held() false after ", std::chrono::duration_cast<std::chrono::milliseconds>(distrusted_after).count(),
            " ms; taken over after ",
            took->count() + std::chrono::duration_cast<std::chrono::milliseconds>(distrusted_after).count(),
            " ms (TTL 2 s)");
    CHECK(distrusted_after < 2s);
    CHECK(*took > 0ms);
    CHECK(taken->held());
    CHECK_FALSE((*lock)->held());
    auto refused = stalled->try_lock("volume-9");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::unavailable);
}

TEST_CASE("a coordinator whose lease expired takes new locks once its old ones are dropped") {
    EtcdServer etcd;
    auto settings = parse_etcd_url(etcd.backend_url("lock_timeout=2"));
    REQUIRE(settings.ok());
    auto locks = std::make_unique<EtcdLocks>(*settings);
    auto gateway = EtcdGateway(settings->endpoints, {}, 2000ms);
    auto lock = locks->try_lock("puller");
    REQUIRE(lock.ok());
    // The lease goes as it would after a partition: revoked behind the holder's back.
    auto leases = gateway.call("lease/leases", nlohmann::json::object(), Idempotent::yes);
    REQUIRE(leases.ok());
    for (const auto& l : (*leases)["leases"])
        REQUIRE(gateway.call("lease/revoke", {{"ID", l["ID"]}}, Idempotent::yes).ok());
    auto start = Steady::now();
    while ((*lock)->held() && Steady::now() - start < 5s) std::this_thread::sleep_for(20ms);
    CHECK_FALSE((*lock)->held());
    CHECK_FALSE(locks->try_lock("volume-1").ok());
    lock->reset();
    auto again = locks->try_lock("puller");
    REQUIRE_MESSAGE(again.ok(), again.error().message);
    CHECK((*again)->held());
}

TEST_CASE("a holder process stopped with SIGSTOP loses its lock to another within the TTL and a renewal") {
    EtcdServer etcd;
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto settings = parse_etcd_url(etcd.backend_url("lock_timeout=2"));
        EtcdLocks locks(*settings);
        auto lock = locks.try_lock("puller");
        char ok = lock.ok() ? '1' : '0';
        (void)!write(ready[1], &ok, 1);
        for (;;) pause();
    }
    char ok = 0;
    REQUIRE(read(ready[0], &ok, 1) == 1);
    REQUIRE(ok == '1');
    auto other = etcd_locks(etcd);
    CHECK_FALSE(other->try_lock("puller").ok());
    kill(child, SIGSTOP);
    auto took = time_to_take(*other, "puller", 10s);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    REQUIRE(took.has_value());
    MESSAGE("taken over from a stopped process after ", took->count(), " ms (TTL 2 s)");
    CHECK(*took <= 3500ms);
}

TEST_CASE("an unreachable etcd or a wrong api_version is an error naming the endpoint") {
    int port = staffeln::testing::free_port();
    auto settings = parse_etcd_url(fmt::format("etcd3+http://127.0.0.1:{}?lock_timeout=4", port));
    REQUIRE(settings.ok());
    EtcdLocks nowhere(*settings);
    auto refused = nowhere.try_lock("puller");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::unavailable);
    CHECK(refused.error().message.find(fmt::format("http://127.0.0.1:{}/v3/lease/grant", port)) != std::string::npos);

    EtcdServer etcd;
    auto old = parse_etcd_url(etcd.backend_url("api_version=v3alpha"));
    REQUIRE(old.ok());
    EtcdLocks wrong(*old);
    auto answer = wrong.try_lock("puller");
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().message.find("/v3alpha/lease/grant: HTTP 404") != std::string::npos);
}

TEST_CASE("a second endpoint is used when the first cannot be reached") {
    EtcdServer etcd;
    int dead = staffeln::testing::free_port();
    auto locks = make_coordinator(
        fmt::format("etcd3+http://127.0.0.1:{},127.0.0.1:{}?lock_timeout=2", dead, etcd.port()), "/nonexistent");
    REQUIRE(locks.ok());
    auto lock = (*locks)->try_lock("puller");
    REQUIRE(lock.ok());
    CHECK((*lock)->held());
}
