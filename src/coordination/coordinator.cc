#include "staffeln/coordination/coordinator.h"

#include "staffeln/coordination/etcd_locks.h"
#include "staffeln/coordination/file_locks.h"

#include <fmt/format.h>

namespace staffeln::coordination {

Result<std::unique_ptr<Coordinator>> make_coordinator(const std::string& backend_url,
                                                      const std::filesystem::path& default_dir) {
    constexpr std::string_view file_scheme = "file://";
    if (is_etcd_url(backend_url)) {
        auto settings = parse_etcd_url(backend_url);
        if (!settings) return settings.error();
        return std::unique_ptr<Coordinator>(new EtcdLocks(*settings));
    }
    std::filesystem::path dir = default_dir;
    if (!backend_url.empty()) {
        if (!backend_url.starts_with(file_scheme) || backend_url.size() == file_scheme.size())
            return make_error(ErrorKind::invalid_input,
                              fmt::format("[coordination] backend_url '{}' is not supported: use "
                                          "file:///var/lib/staffeln/locks or etcd3+http://HOST:2379",
                                          backend_url));
        dir = backend_url.substr(file_scheme.size());
    }
    auto locks = FileLocks::open(dir);
    if (!locks) return locks.error();
    return std::unique_ptr<Coordinator>(std::move(locks).value());
}

}  // namespace staffeln::coordination
