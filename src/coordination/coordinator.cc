#include "staffeln/coordination/coordinator.h"

#include "staffeln/coordination/backend_url.h"
#include "staffeln/coordination/etcd_locks.h"
#include "staffeln/coordination/file_locks.h"
#include "staffeln/coordination/kubernetes_locks.h"
#include "staffeln/log.h"

#include <fmt/format.h>

namespace staffeln::coordination {
namespace {

Result<std::unique_ptr<Coordinator>> kubernetes_locks(const KubernetesSettings& settings) {
    auto access = find_kubernetes_access();
    if (!access) return access.error().context("[coordination] backend_url kubernetes://");
    return std::unique_ptr<Coordinator>(new KubernetesLocks(settings, *access));
}

}  // namespace

Result<std::unique_ptr<Coordinator>> make_coordinator(const std::string& backend_url,
                                                      const std::filesystem::path& default_dir) {
    if (auto why = backend_url_problem(backend_url); !why.empty())
        return make_error(ErrorKind::invalid_input, "[coordination] backend_url: " + why);
    if (is_etcd_url(backend_url)) return std::unique_ptr<Coordinator>(new EtcdLocks(*parse_etcd_url(backend_url)));
    if (is_kubernetes_url(backend_url)) return kubernetes_locks(*parse_kubernetes_url(backend_url));
    if (backend_url.empty()) {
        // As upstream: an empty backend_url means Kubernetes Leases where staffeln runs in a pod.
        if (running_in_pod()) {
            log::info("coordination",
                      "[coordination] backend_url is empty and this runs in a Kubernetes pod: "
                      "Lease locks, as upstream Staffeln takes them there");
            return kubernetes_locks(KubernetesSettings{});
        }
        log::info("coordination",
                  "[coordination] backend_url is empty and this is not a Kubernetes pod (no KUBERNETES_SERVICE_HOST "
                  "or no token in {}): file locks in {}",
                  kServiceAccountDir, default_dir.string());
    }
    auto dir = backend_url.empty() ? default_dir : std::filesystem::path(backend_url.substr(kFileScheme.size()));
    auto locks = FileLocks::open(dir);
    if (!locks) return locks.error();
    return std::unique_ptr<Coordinator>(std::move(locks).value());
}

}  // namespace staffeln::coordination
