// The Kubernetes Lease backend's pure parts and its files: the URL, the kubeconfig, the
// service account's place, a Lease record and its times, and when a Lease is free.
#include "staffeln/coordination/backend_url.h"
#include "staffeln/coordination/kubernetes_access.h"
#include "staffeln/coordination/kubernetes_url.h"
#include "staffeln/coordination/lease_record.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>

#include <cstdlib>

using namespace staffeln;
using namespace staffeln::coordination;
using namespace std::chrono_literals;
using staffeln::testing::TempDir;

TEST_CASE("kubernetes:// gives the namespace and lease length, openstack and 30 s by default") {
    auto plain = parse_kubernetes_url("kubernetes://");
    REQUIRE(plain.ok());
    CHECK(plain->lease_namespace == "openstack");
    CHECK(plain->lease_duration == 30s);
    auto both = parse_kubernetes_url("kubernetes://?namespace=backup-ops&lease_seconds=12");
    REQUIRE(both.ok());
    CHECK(both->lease_namespace == "backup-ops");
    CHECK(both->lease_duration == 12s);
    CHECK(backend_url_problem("kubernetes://?lease_seconds=2") == "");
}

TEST_CASE("a bad kubernetes:// URL is an error naming the part that is wrong") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"kubernetes://api.example:6443",
         "kubernetes:// takes no host or path ('api.example:6443'): the API server is the pod's own or KUBECONFIG's"},
        {"kubernetes://?namespace=Open_Stack",
         "namespace=Open_Stack is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)"},
        {"kubernetes://?lease_seconds=0", "lease_seconds=0 is not a number of seconds from 1 to 3600"},
        {"kubernetes://?lease_seconds=10s", "lease_seconds=10s is not a number of seconds from 1 to 3600"},
        {"kubernetes://?expiry=5", "unknown option 'expiry' (kubernetes:// takes namespace and lease_seconds)"},
    };
    for (const auto& [url, message] : cases) {
        auto parsed = parse_kubernetes_url(url);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().kind == ErrorKind::invalid_input);
        CHECK(parsed.error().message == message);
        CHECK(backend_url_problem(url) == message);
    }
    CHECK(backend_url_problem("zookeeper://zk:2181") ==
          "scheme zookeeper is not supported: use file:///var/lib/staffeln/locks, etcd3+http://HOST:2379 or "
          "kubernetes://");
}

TEST_CASE("MicroTime is written with microseconds in UTC and read back, fractions of any length") {
    auto at = std::chrono::system_clock::from_time_t(1796524801) + 123456us;  // 2026-12-06T02:40:01Z
    CHECK(format_micro_time(at) == "2026-12-06T02:40:01.123456Z");
    CHECK(parse_micro_time("2026-12-06T02:40:01.123456Z") == at);
    CHECK(parse_micro_time("2026-12-06T02:40:01.1234Z") == at - 56us);
    CHECK(parse_micro_time("2026-12-06T02:40:01Z") == at - 123456us);
    CHECK_FALSE(parse_micro_time("2026-12-06T02:40:01+02:00").has_value());
    CHECK_FALSE(parse_micro_time("yesterday").has_value());
}

TEST_CASE("MicroTime is read strictly and only from 1970 to 2200") {
    // Found by fuzz/lease_record: from_time_t of a year after 2262 overflowed the clock's
    // nanoseconds (undefined behaviour), and sscanf took " 2026", "+026" and day 99.
    CHECK(parse_micro_time("2200-12-31T23:59:59.999999Z").has_value());
    CHECK(parse_micro_time("1970-01-01T00:00:00Z") == std::chrono::system_clock::time_point{});
    for (const char* bad :
         {"2263-01-01T00:00:00.000000Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z", " 2026-12-06T02:40:01Z",
          "+026-12-06T02:40:01Z", "2026-12-99T02:40:01Z", "2026-12-06T02:40:01.Z", "2026-12-06T02:40:01.123Zjunk"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_micro_time(bad).has_value());
    }
}

TEST_CASE("a Lease is free when released, or when its resourceVersion was seen unchanged for its duration") {
    auto now = std::chrono::system_clock::now();
    auto lease = lease_from_json(nlohmann::json::parse(R"({"metadata":{"name":"staffeln-puller","resourceVersion":"7"},
        "spec":{"holderIdentity":"staffeln-conductor-0 pid 1","leaseDurationSeconds":30,"leaseTransitions":2,
        "renewTime":")" + format_micro_time(now - 10s) +
                                                       R"("}})"))
                     .value();
    CHECK(lease.name == "staffeln-puller");
    CHECK(lease.resource_version == "7");
    CHECK(lease.transitions == 2);
    // renewTime is the holder's clock: ten seconds ago or an hour ago, the Lease is held until
    // this node has seen its resourceVersion unchanged for leaseDurationSeconds.
    auto t0 = std::chrono::steady_clock::now();
    auto seen = observe(std::nullopt, lease, t0);
    CHECK_FALSE(free_to_take(lease, seen, t0, 5s));
    lease.renew_time = now - 3600s;
    seen = observe(seen, lease, t0 + 29s);
    CHECK_FALSE(free_to_take(lease, seen, t0 + 29s, 5s));
    seen = observe(seen, lease, t0 + 30s);
    CHECK(free_to_take(lease, seen, t0 + 30s, 5s));
    // A renewal (a new resourceVersion) starts the wait again.
    lease.resource_version = "8";
    seen = observe(seen, lease, t0 + 31s);
    CHECK(seen.first_seen == t0 + 31s);
    CHECK_FALSE(free_to_take(lease, seen, t0 + 60s, 5s));
    CHECK(free_to_take(lease, seen, t0 + 61s, 5s));
    // Without leaseDurationSeconds, this node's own lease length is waited for.
    lease.duration = 0s;
    CHECK_FALSE(free_to_take(lease, seen, t0 + 35s, 5s));
    CHECK(free_to_take(lease, seen, t0 + 36s, 5s));
    lease.duration = 30s;
    lease.holder.clear();
    CHECK(free_to_take(lease, observe(std::nullopt, lease, t0), t0, 5s));
    auto body = lease_to_json(lease);
    CHECK(body["apiVersion"] == "coordination.k8s.io/v1");
    CHECK(body["kind"] == "Lease");
    CHECK(body["metadata"]["resourceVersion"] == "8");
    CHECK_FALSE(body["spec"].contains("holderIdentity"));
    CHECK(body["spec"]["leaseDurationSeconds"] == 30);
}

TEST_CASE("a Lease whose metadata is not as the API reference gives it is an error naming the field") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"([1])", "Lease is not a JSON object"},
        {R"({"metadata":null})", "Lease metadata is not an object"},
        {R"({"metadata":"x"})", "Lease metadata is not an object"},
        {R"({"metadata":{"name":7}})", "Lease metadata.name is not a string"},
        {R"({"metadata":{"name":"x","resourceVersion":7}})", "Lease x: metadata.resourceVersion is not a string"},
        {R"({"metadata":{"name":"x"},"spec":[]})", "Lease spec is not an object"},
    };
    for (const auto& [text, why] : cases) {
        auto lease = lease_from_json(nlohmann::json::parse(text));
        REQUIRE_FALSE(lease.ok());
        CHECK(lease.error().message == why);
    }
    CHECK(lease_from_json(nlohmann::json::parse(R"({"metadata":{"name":"x"},"spec":null})")).ok());
}

TEST_CASE("a kubeconfig gives the current context's server, CA and token file, relative to its directory") {
    TempDir dir;
    auto path = dir.write("kube/config", R"(apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://other:6443"}
- name: prod
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority: ca.crt
users:
- name: sa
  user:
    tokenFile: token
contexts:
- name: prod
  context: {cluster: prod, user: sa}
current-context: prod
)");
    auto access = read_kubeconfig(path);
    REQUIRE_MESSAGE(access.ok(), access.error().message);
    CHECK(access->server == "https://10.0.0.1:6443");
    CHECK(access->tls.cacert == (dir / "kube/ca.crt").string());
    CHECK(access->token_file == dir / "kube/token");
    CHECK(access->source == "kubeconfig " + path.string());
    dir.write("kube/token", "first\n");
    CHECK(*current_token(*access) == "first");
    dir.write("kube/token", "second");
    CHECK(*current_token(*access) == "second");
}

TEST_CASE("a kubeconfig without what the backend needs is an error naming the file and the part") {
    TempDir dir;
    const std::string head = "apiVersion: v1\nkind: Config\n";
    const std::vector<std::pair<std::string, std::string>> cases{
        {head + "clusters: []\n", "no current-context"},
        {head + "current-context: x\n", "context 'x' is not defined"},
        {head + "current-context: x\ncontexts:\n- {name: x, context: {cluster: c, user: u}}\n",
         "cluster 'c' (of context 'x') is not defined"},
        {head + "current-context: x\ncontexts:\n- {name: x, context: {cluster: c, user: u}}\nclusters:\n- {name: c, "
                "cluster: {server: 'https://h:6443', certificate-authority-data: TUlJ}}\nusers:\n- {name: u, user: "
                "{token: t}}\n",
         "cluster 'c': certificate-authority-data is not supported; give the CA as a file in certificate-authority"},
        {head + "current-context: x\ncontexts:\n- {name: x, context: {cluster: c, user: u}}\nclusters:\n- {name: c, "
                "cluster: {server: 'https://h:6443'}}\nusers:\n- {name: u, user: {client-certificate: c.pem}}\n",
         "user 'u' has neither token nor tokenFile (only bearer tokens are supported)"},
        {head + "current-context: x\ncontexts:\n- {name: x, context: {cluster: c, user: u}}\nclusters:\n- {name: c, "
                "cluster: {server: 'http://h:8080/'}}\nusers:\n- {name: u, user: {token: t}}\n",
         "cluster 'c': server http://h:8080 is not https:// (the bearer token would be sent in cleartext)"},
        {head + "current-context: x\ncontexts:\n- {name: [x], context: {cluster: c, user: u}}\n",
         "contexts[0] has no name that is a string"},
        {head + "current-context: x\ncontexts:\n- {name: x, context: {cluster: c, user: u}}\nclusters:\n- {name: c, "
                "cluster: {server: 'https://h:6443'}}\nusers:\n- name: {u: 1}\n  user: {token: t}\n",
         "users[0] has no name that is a string"},
    };
    for (const auto& [text, why] : cases) {
        auto path = dir.write("config", text);
        auto access = read_kubeconfig(path);
        REQUIRE_FALSE(access.ok());
        CHECK(access.error().message == "kubeconfig " + path.string() + ": " + why);
    }
}

TEST_CASE("in a pod the API server and credentials come from the environment and the service account") {
    TempDir dir;
    ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    CHECK_FALSE(running_in_pod(dir.path()));  // no token mounted
    dir.write("token", "sa-token");
    CHECK(running_in_pod(dir.path()));
    auto access = find_kubernetes_access(dir.path());
    REQUIRE(access.ok());
    CHECK(access->server == "https://10.96.0.1:443");
    CHECK(access->tls.cacert == (dir / "ca.crt").string());
    CHECK(access->token_file == dir / "token");
    CHECK(access->source == "the pod's service account");
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
    CHECK_FALSE(running_in_pod(dir.path()));
    ::unsetenv("KUBECONFIG");
    auto none = find_kubernetes_access(dir.path());
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message ==
          "the Kubernetes API server is unknown: not in a pod (KUBERNETES_SERVICE_HOST and a token in " +
              dir.path().string() + " are needed) and KUBECONFIG is not set");
}
