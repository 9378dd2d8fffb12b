#include "staffeln/coordination/etcd_url.h"

#include "staffeln/percent_decoding.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <optional>

namespace staffeln::coordination {
namespace {

constexpr std::string_view kPlain = "etcd3+http://";
constexpr std::string_view kTls = "etcd3+https://";

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> parts;
    for (;;) {
        auto at = text.find(sep);
        parts.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + 1);
    }
}

// The URL itself is never quoted: it may carry a password.
Error bad(const std::string& why) { return make_error(ErrorKind::invalid_input, why); }

Result<std::chrono::seconds> seconds_option(const std::string& name, const std::string& value) {
    long long n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > 3600)
        return bad(fmt::format("{}={} is not a number of seconds from 1 to 3600", name, value));
    return std::chrono::seconds(n);
}

Result<std::string> endpoint(const std::string& hostport, bool tls, const std::string& api_version) {
    auto colon = hostport.rfind(':');
    bool bracketed_v6 = !hostport.empty() && hostport.front() == '[';
    if (hostport.empty() || hostport.find_first_of("/@?# ") != std::string::npos)
        return bad(fmt::format("'{}' is not HOST or HOST:PORT", hostport));
    // Only an IPv6 address in brackets holds a ':' before the port's: "10.0.0.1::379" is no
    // HOST:PORT (read as host "10.0.0.1:" it would be shown, and read back, as something else).
    if (!bracketed_v6 && colon != std::string::npos && hostport.substr(0, colon).find(':') != std::string::npos)
        return bad(fmt::format("'{}' is not HOST or HOST:PORT (an IPv6 address is written in brackets: [::1]:2379)",
                               hostport));
    std::string with_port = hostport;
    if (colon == std::string::npos || (bracketed_v6 && hostport.back() == ']')) {
        with_port += ":2379";
    } else {
        std::string port = hostport.substr(colon + 1);
        int n = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
        if (ec != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535)
            return bad(fmt::format("'{}' has no valid port", hostport));
    }
    return fmt::format("{}://{}/{}", tls ? "https" : "http", with_port, api_version);
}

}  // namespace

bool is_etcd_url(const std::string& url) { return url.starts_with("etcd3+"); }

Result<EtcdSettings> parse_etcd_url(const std::string& url) {
    bool tls = url.starts_with(kTls);
    if (!tls && !url.starts_with(kPlain)) return bad("use etcd3+http://HOST:2379 or etcd3+https://HOST:2379");
    std::string_view rest = std::string_view(url).substr(tls ? kTls.size() : kPlain.size());
    auto query_at = rest.find('?');
    std::string_view hosts = rest.substr(0, query_at);
    if (!hosts.empty() && hosts.back() == '/') hosts.remove_suffix(1);
    if (hosts.empty()) return bad("no HOST:PORT");
    // Anywhere: a password may hold '/' or '?' unencoded and so reach past the host part (an
    // '@' in an option's value is written %40).
    if (rest.find('@') != std::string_view::npos)
        return bad("a user and password in the URL are not supported (staffeln does not log in to etcd)");

    std::map<std::string, std::string> options;
    if (query_at != std::string_view::npos) {
        for (const auto& pair : split(rest.substr(query_at + 1), '&')) {
            if (pair.empty()) continue;
            auto eq = pair.find('=');
            auto value = percent_decoded(eq == std::string::npos ? "" : pair.substr(eq + 1));
            if (!value) return bad(fmt::format("option '{}' is not percent-encoded right", pair));
            options[pair.substr(0, eq)] = *value;
        }
    }
    EtcdSettings settings;
    std::string api_version = "v3";
    bool lease_ttl_given = false;
    for (const auto& [name, value] : options) {
        if (name == "ca_cert")
            settings.tls.cacert = value;
        else if (name == "cert_cert")
            settings.tls.cert = value;
        else if (name == "cert_key")
            settings.tls.key = value;
        else if (name == "api_version") {
            if (value != "v3" && value != "v3beta" && value != "v3alpha")
                return bad(fmt::format("api_version={} is not v3, v3beta or v3alpha", value));
            api_version = value;
        } else if (name == "timeout" || name == "lock_timeout") {
            auto s = seconds_option(name, value);
            if (!s) return s.error();
            (name == "timeout" ? settings.request_timeout : settings.lease_ttl) = *s;
            lease_ttl_given = lease_ttl_given || name == "lock_timeout";
        } else {
            return bad(
                fmt::format("unknown option '{}' (known: ca_cert, cert_cert, cert_key, timeout, "
                            "lock_timeout, api_version)",
                            name));
        }
    }
    if (!lease_ttl_given) settings.lease_ttl = settings.request_timeout;
    if (!tls && (!settings.tls.cacert.empty() || !settings.tls.cert.empty() || !settings.tls.key.empty()))
        return bad("TLS options need etcd3+https://");
    if (settings.tls.cert.empty() != settings.tls.key.empty()) return bad("cert_cert and cert_key go together");
    for (const auto& hostport : split(hosts, ',')) {
        auto base = endpoint(hostport, tls, api_version);
        if (!base) return base.error();
        settings.endpoints.push_back(std::move(*base));
    }
    return settings;
}

}  // namespace staffeln::coordination
