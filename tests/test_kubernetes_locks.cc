// The Kubernetes Lease backend against the simulated API server (support/kube_api_server.h):
// the server's answers as the API reference gives them, then taking, renewing, losing,
// releasing and taking over Leases, token rotation, and the errors a pod meets when its
// service account or CA is wrong.
#include "staffeln/coordination/kubernetes_locks.h"
#include "staffeln/coordination/lease_record.h"
#include "staffeln/net/http_transport.h"
#include "support/kube_api_server.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <thread>

using namespace staffeln;
using namespace staffeln::coordination;
using namespace std::chrono_literals;
using nlohmann::json;
using staffeln::testing::KubeApiServer;
using staffeln::testing::TempDir;
using Steady = std::chrono::steady_clock;

namespace {

const std::string kLeases = "/apis/coordination.k8s.io/v1/namespaces/openstack/leases";

struct Answer {
    int status;
    json body;
};

Answer call(KubeApiServer& api, const std::string& method, const std::string& path, const std::string& token,
            const json& body = json()) {
    net::Transport transport({5000ms, 5000ms, {api.ca_file().string(), false, "", ""}});
    auto r = transport.perform({method,
                                api.url() + path,
                                {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                                body.is_null() ? "" : body.dump()});
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    return {r->status, json::parse(r->body, nullptr, false)};
}

json lease_body(const std::string& name, const std::string& holder, int seconds = 30,
                const std::string& resource_version = "") {
    json body{{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", {{"name", name}}},
              {"spec", {{"holderIdentity", holder}, {"leaseDurationSeconds", seconds}}}};
    if (!resource_version.empty()) body["metadata"]["resourceVersion"] = resource_version;
    return body;
}

// The simulated server with one allowed token in a token file, and a way to make coordinators.
struct Cluster {
    KubeApiServer api;
    TempDir dir;
    std::filesystem::path token_file;
    Cluster() {
        token_file = dir.write("token", "token-1\n");
        api.allow_token("token-1");
    }
    KubernetesAccess access() const {
        KubernetesAccess a;
        a.server = api.url();
        a.tls.cacert = api.ca_file().string();
        a.token_file = token_file;
        a.source = "test token file";
        return a;
    }
    std::unique_ptr<KubernetesLocks> locks(int lease_seconds = 2, const std::string& ns = "openstack") {
        return std::make_unique<KubernetesLocks>(KubernetesSettings{ns, std::chrono::seconds(lease_seconds)}, access());
    }
};

std::string me() {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    return fmt::format("{} pid {}", host, ::getpid());
}

}  // namespace

TEST_CASE("the simulated API server answers Lease requests as the Kubernetes API reference says") {
    KubeApiServer api;
    api.allow_token("good");
    api.allow_token("no-rights", false);

    auto missing = call(api, "GET", kLeases + "/staffeln-puller", "good");
    CHECK(missing.status == 404);
    CHECK(missing.body == json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
        "message":"leases.coordination.k8s.io \"staffeln-puller\" not found","reason":"NotFound",
        "details":{"name":"staffeln-puller","group":"coordination.k8s.io","kind":"leases"},"code":404})"));

    auto created = call(api, "POST", kLeases, "good", lease_body("staffeln-puller", "a"));
    CHECK(created.status == 201);
    CHECK(created.body["kind"] == "Lease");
    CHECK(created.body["metadata"]["namespace"] == "openstack");
    const std::string version = created.body["metadata"]["resourceVersion"];
    CHECK_FALSE(version.empty());

    auto again = call(api, "POST", kLeases, "good", lease_body("staffeln-puller", "b"));
    CHECK(again.status == 409);
    CHECK(again.body["reason"] == "AlreadyExists");
    CHECK(again.body["message"] == "leases.coordination.k8s.io \"staffeln-puller\" already exists");

    auto replaced =
        call(api, "PUT", kLeases + "/staffeln-puller", "good", lease_body("staffeln-puller", "b", 30, version));
    CHECK(replaced.status == 200);
    CHECK(replaced.body["spec"]["holderIdentity"] == "b");
    CHECK(replaced.body["metadata"]["resourceVersion"] != version);

    auto stale =
        call(api, "PUT", kLeases + "/staffeln-puller", "good", lease_body("staffeln-puller", "c", 30, version));
    CHECK(stale.status == 409);
    CHECK(stale.body["reason"] == "Conflict");
    CHECK(stale.body["message"] ==
          "Operation cannot be fulfilled on leases.coordination.k8s.io \"staffeln-puller\": the object has been "
          "modified; please apply your changes to the latest version and try again");

    auto invalid = call(api, "POST", kLeases, "good", lease_body("staffeln-other", "a", 0));
    CHECK(invalid.status == 422);
    CHECK(invalid.body["reason"] == "Invalid");
    CHECK(invalid.body["message"] ==
          "Lease.coordination.k8s.io \"staffeln-other\" is invalid: spec.leaseDurationSeconds: Invalid value: 0: "
          "must be greater than 0");
    auto bad_name = call(api, "POST", kLeases, "good", lease_body("Staffeln_Other", "a"));
    CHECK(bad_name.status == 422);

    auto unauthorized = call(api, "GET", kLeases + "/staffeln-puller", "wrong");
    CHECK(unauthorized.status == 401);
    CHECK(unauthorized.body == json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
        "message":"Unauthorized","reason":"Unauthorized","code":401})"));
    auto forbidden = call(api, "GET", kLeases + "/staffeln-puller", "no-rights");
    CHECK(forbidden.status == 403);
    CHECK(forbidden.body["reason"] == "Forbidden");
    CHECK(forbidden.body["message"] ==
          "leases.coordination.k8s.io \"staffeln-puller\" is forbidden: User "
          "\"system:serviceaccount:openstack:staffeln\" cannot get resource \"leases\" in API group "
          "\"coordination.k8s.io\" in the namespace \"openstack\"");

    auto deleted = call(api, "DELETE", kLeases + "/staffeln-puller", "good");
    CHECK(deleted.status == 200);
    CHECK(deleted.body["status"] == "Success");
    CHECK(call(api, "DELETE", kLeases + "/staffeln-puller", "good").status == 404);
}

TEST_CASE("a Lease is taken with this process as holder, excludes others and is marked free on release") {
    Cluster cluster;
    auto a = cluster.locks(30);
    auto b = cluster.locks(30);
    auto lock = a->try_lock("puller");
    REQUIRE_MESSAGE(lock.ok(), lock.error().message);
    CHECK((*lock)->held());
    auto lease = cluster.api.lease("openstack", "staffeln-puller");
    CHECK(lease["spec"]["holderIdentity"] == me());
    CHECK(lease["spec"]["leaseDurationSeconds"] == 30);
    CHECK(lease["spec"]["leaseTransitions"] == 0);
    CHECK(parse_micro_time(lease["spec"]["renewTime"].get<std::string>()).has_value());

    auto refused = b->try_lock("puller");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind == ErrorKind::conflict);
    CHECK(refused.error().message.starts_with("lock puller is held by " + me() +
                                              " (Lease openstack/staffeln-puller renewed at "));
    CHECK(refused.error().message.ends_with(", for 30 s)"));

    lock->reset();
    lease = cluster.api.lease("openstack", "staffeln-puller");
    CHECK_FALSE(lease["spec"].contains("holderIdentity"));
    CHECK(lease["spec"]["leaseDurationSeconds"] == 1);
    auto taken = b->try_lock("puller");
    REQUIRE_MESSAGE(taken.ok(), taken.error().message);
    CHECK(cluster.api.lease("openstack", "staffeln-puller")["spec"]["leaseTransitions"] == 1);
    CHECK(a->describe() ==
          "Kubernetes Leases in namespace openstack at " + cluster.api.url() + " (test token file, lease 30 s)");
}

TEST_CASE("a held Lease is renewed every quarter of its duration and stays held past it") {
    Cluster cluster;
    auto a = cluster.locks(2);
    auto b = cluster.locks(2);
    auto lock = a->try_lock("retention");
    REQUIRE(lock.ok());
    auto first = cluster.api.lease("openstack", "staffeln-retention")["spec"]["renewTime"].get<std::string>();
    int puts_before = cluster.api.requests("PUT");
    std::this_thread::sleep_for(3s);
    CHECK((*lock)->held());
    CHECK(cluster.api.requests("PUT") - puts_before >= 4);  // every 500 ms
    auto last = cluster.api.lease("openstack", "staffeln-retention")["spec"]["renewTime"].get<std::string>();
    CHECK(*parse_micro_time(last) - *parse_micro_time(first) >= 2s);
    CHECK(b->try_lock("retention").error().kind == ErrorKind::conflict);
}

TEST_CASE("answers that are not what the API reference gives are errors naming the field, never an abort") {
    Cluster cluster;
    auto a = cluster.locks(2);
    const std::string url = cluster.api.url() + kLeases + "/staffeln-puller";
    cluster.api.answer_next("GET", 503, R"({"message":null})");
    auto refused = a->try_lock("puller");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          "cannot take lock puller: Kubernetes API GET " + url + R"(: HTTP 503: {"message":null})");
    cluster.api.answer_next("GET", 200, R"({"kind":"Lease","metadata":"staffeln-puller"})");
    refused = a->try_lock("puller");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          "cannot take lock puller: Kubernetes API GET " + url + ": Lease metadata is not an object");
    auto lock = a->try_lock("puller");
    REQUIRE(lock.ok());
    // A renewal answered so runs on the renewing thread: it is logged, and the next renewal holds on.
    cluster.api.answer_next("PUT", 503, R"({"message":{"nested":true}})");
    std::this_thread::sleep_for(1200ms);
    CHECK(cluster.api.requests("PUT") >= 2);
    CHECK((*lock)->held());
}

TEST_CASE("a renewal refused with 409 (another client changed the Lease) loses the lock at once") {
    Cluster cluster;
    auto a = cluster.locks(2);
    auto lock = a->try_lock("puller");
    REQUIRE(lock.ok());
    cluster.api.put_lease("openstack", "staffeln-puller",
                          {{"holderIdentity", "upstream-conductor"},
                           {"leaseDurationSeconds", 3600},
                           {"renewTime", format_micro_time(std::chrono::system_clock::now())}});
    auto until = Steady::now() + 2s;
    while ((*lock)->held() && Steady::now() < until) std::this_thread::sleep_for(20ms);
    CHECK_FALSE((*lock)->held());
    lock->reset();  // the release meets the other holder's version: the Lease stays theirs
    CHECK(cluster.api.lease("openstack", "staffeln-puller")["spec"]["holderIdentity"] == "upstream-conductor");
}

TEST_CASE("a holder that stops renewing stops trusting its Lease before another takes it over") {
    Cluster cluster;
    auto a = cluster.locks(2);
    auto b = cluster.locks(2);
    auto lock = a->try_lock("puller");
    REQUIRE(lock.ok());
    a->stop_renewing();
    auto stopped = Steady::now();
    std::optional<Steady::duration> distrusted, taken;
    std::unique_ptr<Lock> b_lock;
    while (Steady::now() - stopped < 5s && !taken) {
        if (!distrusted && !(*lock)->held()) distrusted = Steady::now() - stopped;
        if (auto l = b->try_lock("puller")) {
            taken = Steady::now() - stopped;
            b_lock = std::move(*l);
            CHECK_FALSE((*lock)->held());
        }
        std::this_thread::sleep_for(20ms);
    }
    REQUIRE(distrusted.has_value());
    REQUIRE(taken.has_value());
    MESSAGE("distrusted after ", std::chrono::duration_cast<std::chrono::milliseconds>(*distrusted).count(),
            " ms, taken over after ", std::chrono::duration_cast<std::chrono::milliseconds>(*taken).count(), " ms");
    CHECK(*distrusted < *taken);
    CHECK(*taken >= 2s);
    CHECK(*taken < 3s);
}

TEST_CASE("a Lease an upstream pod holds excludes staffeln, and a released one is taken at once") {
    Cluster cluster;
    auto a = cluster.locks(30);
    auto now = std::chrono::system_clock::now();
    cluster.api.put_lease("openstack", "staffeln-puller",
                          {{"holderIdentity", "staffeln-conductor-7d9f-abcde"},
                           {"leaseDurationSeconds", 3600},
                           {"acquireTime", format_micro_time(now - 60s)},
                           {"renewTime", format_micro_time(now - 60s)}});
    auto refused = a->try_lock("puller");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          fmt::format("lock puller is held by staffeln-conductor-7d9f-abcde (Lease openstack/staffeln-puller renewed "
                      "at {}, for 3600 s)",
                      format_micro_time(now - 60s)));
    cluster.api.put_lease("openstack", "staffeln-puller", {{"leaseDurationSeconds", 1}});
    CHECK(a->try_lock("puller").ok());
}

TEST_CASE("a Lease whose renewTime is long past is taken only after this node saw it unchanged for its duration") {
    // The holder's clock may be behind ours by any amount: its renewTime says nothing to us.
    Cluster cluster;
    auto a = cluster.locks(2);
    cluster.api.put_lease("openstack", "staffeln-puller",
                          {{"holderIdentity", "node-with-a-slow-clock"},
                           {"leaseDurationSeconds", 1},
                           {"renewTime", format_micro_time(std::chrono::system_clock::now() - 3601s)}});
    auto first_seen = Steady::now();
    CHECK_FALSE(a->try_lock("puller").ok());
    Result<std::unique_ptr<Lock>> taken = a->try_lock("puller");
    while (!taken.ok() && Steady::now() - first_seen < 3s) {
        std::this_thread::sleep_for(20ms);
        taken = a->try_lock("puller");
    }
    REQUIRE(taken.ok());
    auto waited = Steady::now() - first_seen;
    CHECK(waited >= 1s);
    CHECK(waited < 2s);
    CHECK(cluster.api.lease("openstack", "staffeln-puller")["spec"]["holderIdentity"] == me());
}

TEST_CASE("a rotated service account token is read again: renewals and new locks go on with it") {
    Cluster cluster;
    auto a = cluster.locks(2);
    auto lock = a->try_lock("puller");
    REQUIRE(lock.ok());
    cluster.api.allow_token("token-2");
    cluster.dir.write("token", "token-2\n");
    cluster.api.forget_token("token-1");
    std::this_thread::sleep_for(2500ms);
    CHECK((*lock)->held());
    CHECK(a->try_lock("retention").ok());
}

TEST_CASE("a token the API server rejects (401) or that has no rights on Leases (403) is a clear error") {
    Cluster cluster;
    cluster.dir.write("token", "expired-token");
    auto a = cluster.locks(30);
    auto unauthorized = a->try_lock("puller");
    REQUIRE_FALSE(unauthorized.ok());
    CHECK(unauthorized.error().kind == ErrorKind::unauthorized);
    CHECK(unauthorized.error().message ==
          fmt::format("cannot take lock puller: Kubernetes API GET {}{}/staffeln-puller: HTTP 401 Unauthorized: the "
                      "token from test token file ({}) is not accepted",
                      cluster.api.url(), kLeases, cluster.token_file.string()));

    cluster.api.allow_token("expired-token", false);
    auto forbidden = a->try_lock("puller");
    REQUIRE_FALSE(forbidden.ok());
    CHECK(forbidden.error().kind == ErrorKind::forbidden);
    CHECK(forbidden.error().message ==
          fmt::format("cannot take lock puller: Kubernetes API GET {}{}/staffeln-puller: HTTP 403 Forbidden: "
                      "leases.coordination.k8s.io \"staffeln-puller\" is forbidden: User "
                      "\"system:serviceaccount:openstack:staffeln\" cannot get resource \"leases\" in API group "
                      "\"coordination.k8s.io\" in the namespace \"openstack\" (the service account needs get, create "
                      "and update on leases.coordination.k8s.io in namespace openstack)",
                      cluster.api.url(), kLeases));
}

TEST_CASE("an API server whose certificate the configured CA did not sign is refused, naming the CA") {
    Cluster cluster;
    auto access = cluster.access();
    access.tls.cacert = cluster.api.other_ca_file().string();
    KubernetesLocks locks(KubernetesSettings{}, access);
    auto refused = locks.try_lock("puller");
    REQUIRE_FALSE(refused.ok());
    MESSAGE(refused.error().message);
    CHECK(refused.error().message.starts_with(
        fmt::format("cannot take lock puller: Kubernetes API (test token file, CA {}): GET {}{}/staffeln-puller: ",
                    access.tls.cacert, cluster.api.url(), kLeases)));
    CHECK(cluster.api.requests("GET") == 0);
}

TEST_CASE("a lock name that cannot be a Lease name is refused before any request") {
    Cluster cluster;
    auto a = cluster.locks(30);
    auto refused = a->try_lock("Volume_1");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message ==
          "invalid lock name 'Volume_1' (a Lease name is lower-case letters, digits, '-' and '.')");
}
