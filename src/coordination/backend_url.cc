#include "staffeln/coordination/backend_url.h"

#include "staffeln/coordination/etcd_url.h"
#include "staffeln/coordination/kubernetes_url.h"

#include <fmt/format.h>

namespace staffeln::coordination {

std::string backend_url_problem(const std::string& backend_url) {
    if (backend_url.empty()) return {};
    if (is_etcd_url(backend_url)) {
        auto settings = parse_etcd_url(backend_url);
        return settings ? std::string{} : settings.error().message;
    }
    if (is_kubernetes_url(backend_url)) {
        auto settings = parse_kubernetes_url(backend_url);
        return settings ? std::string{} : settings.error().message;
    }
    if (backend_url.starts_with(kFileScheme) && backend_url.size() > kFileScheme.size()) return {};
    auto scheme_end = backend_url.find("://");
    std::string scheme = scheme_end == std::string::npos ? "no scheme" : "scheme " + backend_url.substr(0, scheme_end);
    return fmt::format(
        "{} is not supported: use file:///var/lib/staffeln/locks, etcd3+http://HOST:2379 or kubernetes://", scheme);
}

}  // namespace staffeln::coordination
