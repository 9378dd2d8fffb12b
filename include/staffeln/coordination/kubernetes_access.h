// Where the Kubernetes API server is and how staffeln proves who it is. In a pod (the
// environment has KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT and the service account
// token is mounted): https://HOST:PORT, the cluster CA and token from the service account
// directory. Elsewhere: the kubeconfig named by KUBECONFIG (its current context's cluster
// server, certificate-authority and insecure-skip-tls-verify; its user's token or tokenFile).
// A token file is read again at every request, so a rotated token is used at once.
#pragma once

#include "staffeln/net/http_transport.h"
#include "staffeln/result.h"

#include <filesystem>
#include <string>

namespace staffeln::coordination {

constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct KubernetesAccess {
    std::string server;  // "https://10.96.0.1:443", no trailing slash
    net::TlsOptions tls;
    std::filesystem::path token_file;  // "" when the token is given inline
    std::string token;
    std::string source;  // "the pod's service account" or "kubeconfig PATH", for messages
};

// Whether this process runs in a Kubernetes pod with a service account token.
bool running_in_pod(const std::filesystem::path& service_account_dir = kServiceAccountDir);

Result<KubernetesAccess> find_kubernetes_access(const std::filesystem::path& service_account_dir = kServiceAccountDir);
Result<KubernetesAccess> read_kubeconfig(const std::filesystem::path& kubeconfig);

// The bearer token now: the file's content without trailing white space, or the inline token.
Result<std::string> current_token(const KubernetesAccess& access);

}  // namespace staffeln::coordination
