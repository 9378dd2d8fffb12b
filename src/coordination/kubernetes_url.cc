#include "staffeln/coordination/kubernetes_url.h"

#include <fmt/format.h>

#include <charconv>
#include <regex>

namespace staffeln::coordination {
namespace {

Error bad(const std::string& why) { return make_error(ErrorKind::invalid_input, why); }

// A namespace's name is a DNS label (RFC 1123).
bool dns_label(const std::string& name) {
    static const std::regex pattern("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    return name.size() <= 63 && std::regex_match(name, pattern);
}

}  // namespace

bool is_kubernetes_url(const std::string& url) { return url.starts_with(kKubernetesScheme); }

Result<KubernetesSettings> parse_kubernetes_url(const std::string& url) {
    KubernetesSettings settings;
    std::string_view rest = std::string_view(url).substr(kKubernetesScheme.size());
    auto query_at = rest.find('?');
    std::string_view authority = rest.substr(0, query_at);
    if (!authority.empty() && authority != "/")
        return bad(
            fmt::format("kubernetes:// takes no host or path ('{}'): the API server is the pod's own or "
                        "KUBECONFIG's",
                        authority));
    if (query_at == std::string_view::npos) return settings;
    std::string_view query = rest.substr(query_at + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        std::string name(pair.substr(0, eq));
        std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (name == "namespace") {
            if (!dns_label(value))
                return bad(
                    fmt::format("namespace={} is not a Kubernetes namespace name (lower-case letters, digits "
                                "and '-', at most 63)",
                                value));
            settings.lease_namespace = value;
        } else if (name == "lease_seconds") {
            long long n = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > 3600)
                return bad(fmt::format("lease_seconds={} is not a number of seconds from 1 to 3600", value));
            settings.lease_duration = std::chrono::seconds(n);
        } else {
            return bad(fmt::format("unknown option '{}' (kubernetes:// takes namespace and lease_seconds)", name));
        }
    }
    return settings;
}

}  // namespace staffeln::coordination
