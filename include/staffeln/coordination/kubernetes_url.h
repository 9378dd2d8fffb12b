// The Kubernetes Lease backend's URL: "kubernetes://", optionally with "?namespace=NS" (default
// openstack, where upstream Staffeln's Leases are) and "&lease_seconds=N" (leaseDurationSeconds,
// default 30, from 1 to 3600). No host: the API server is found from the pod's service account
// or KUBECONFIG (kubernetes_access.h). Pure: no I/O; an error names the part that is wrong.
#pragma once

#include "staffeln/result.h"

#include <chrono>
#include <string>
#include <string_view>

namespace staffeln::coordination {

constexpr std::string_view kKubernetesScheme = "kubernetes://";

struct KubernetesSettings {
    std::string lease_namespace = "openstack";
    std::chrono::seconds lease_duration{30};
};

bool is_kubernetes_url(const std::string& url);
Result<KubernetesSettings> parse_kubernetes_url(const std::string& url);

}  // namespace staffeln::coordination
