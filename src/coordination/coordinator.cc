#include "staffeln/coordination/coordinator.h"

#include "staffeln/coordination/backend_url.h"
#include "staffeln/coordination/etcd_locks.h"
#include "staffeln/coordination/file_locks.h"

#include <fmt/format.h>

namespace staffeln::coordination {

Result<std::unique_ptr<Coordinator>> make_coordinator(const std::string& backend_url,
                                                      const std::filesystem::path& default_dir) {
    if (auto why = backend_url_problem(backend_url); !why.empty())
        return make_error(ErrorKind::invalid_input, "[coordination] backend_url: " + why);
    if (is_etcd_url(backend_url)) return std::unique_ptr<Coordinator>(new EtcdLocks(*parse_etcd_url(backend_url)));
    auto dir = backend_url.empty() ? default_dir : std::filesystem::path(backend_url.substr(kFileScheme.size()));
    auto locks = FileLocks::open(dir);
    if (!locks) return locks.error();
    return std::unique_ptr<Coordinator>(std::move(locks).value());
}

}  // namespace staffeln::coordination
