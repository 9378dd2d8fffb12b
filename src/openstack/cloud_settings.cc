#include "staffeln/openstack/cloud_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>

namespace staffeln::openstack {
namespace {

const char* const auth_keys[] = {"auth_url",
                                 "username",
                                 "user_id",
                                 "password",
                                 "project_name",
                                 "project_id",
                                 "tenant_name",
                                 "tenant_id",
                                 "user_domain_name",
                                 "user_domain_id",
                                 "project_domain_name",
                                 "project_domain_id",
                                 "default_domain",
                                 "domain_id",
                                 "domain_name",
                                 "application_credential_id",
                                 "application_credential_name",
                                 "application_credential_secret"};

class Reader {
public:
    explicit Reader(const CloudSettings& settings) : settings_(settings) {}

    std::string get(std::initializer_list<const char*> keys) const {
        for (const char* key : keys) {
            auto it = settings_.values.find(key);
            if (it != settings_.values.end() && !it->second.empty()) return it->second;
        }
        return {};
    }

    // How the operator spells the setting where it came from.
    std::string name(std::string_view key) const {
        if (settings_.source == SettingsSource::environment) {
            std::string upper(key);
            std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
            return "OS_" + upper;
        }
        const bool in_auth = std::find(std::begin(auth_keys), std::end(auth_keys), key) != std::end(auth_keys);
        return in_auth ? "auth." + std::string(key) : std::string(key);
    }

    Error missing(std::string_view what) const {
        return make_error(ErrorKind::invalid_input, fmt::format("{}: {}", settings_.description, what));
    }

private:
    const CloudSettings& settings_;
};

Result<AuthType> auth_type_of(const Reader& r) {
    const std::string type = r.get({"auth_type"});
    if (type.empty() || type == "password" || type == "v3password") return AuthType::password;
    if (type == "v3applicationcredential" || type == "applicationcredential" || type == "application_credential")
        return AuthType::application_credential;
    return r.missing(fmt::format("{} '{}' is not supported (use password, v3password or v3applicationcredential)",
                                 r.name("auth_type"), type));
}

Result<std::string> interface_of(const Reader& r) {
    std::string value = r.get({"interface", "endpoint_type"});
    if (value.empty()) return std::string("public");
    if (value.ends_with("URL")) value.resize(value.size() - 3);  // publicURL, the v2 spelling
    if (value == "public" || value == "internal" || value == "admin") return value;
    return r.missing(fmt::format("{} '{}' must be public, internal or admin", r.name("interface"), value));
}

bool truthy(const std::string& value) {
    std::string v = value;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    return v == "1" || v == "true" || v == "yes" || v == "on";
}

net::TlsOptions tls_of(const Reader& r) {
    net::TlsOptions tls{r.get({"cacert"}), truthy(r.get({"insecure"})), r.get({"cert"}), r.get({"key"})};
    // clouds.yaml's verify: false means insecure; a path means a CA bundle.
    if (const std::string verify = r.get({"verify"}); !verify.empty()) {
        if (verify == "false" || verify == "False")
            tls.insecure = true;
        else if (verify != "true" && verify != "True" && tls.cacert.empty())
            tls.cacert = verify;
    }
    return tls;
}

void read_identity(const Reader& r, Credentials& c) {
    c.username = r.get({"username"});
    c.user_id = r.get({"user_id"});
    c.password = r.get({"password"});
    c.project_name = r.get({"project_name", "tenant_name"});
    c.project_id = r.get({"project_id", "tenant_id"});
    // Without any domain, Keystone cannot resolve a name; "default" is what every installer creates.
    const std::string fallback_domain = r.get({"default_domain", "domain_id"});
    c.user_domain_name = r.get({"user_domain_name"});
    c.user_domain_id = r.get({"user_domain_id"});
    if (c.user_domain_name.empty() && c.user_domain_id.empty())
        c.user_domain_id = fallback_domain.empty() ? "default" : fallback_domain;
    c.project_domain_name = r.get({"project_domain_name"});
    c.project_domain_id = r.get({"project_domain_id"});
    if (c.project_domain_name.empty() && c.project_domain_id.empty())
        c.project_domain_id = fallback_domain.empty() ? "default" : fallback_domain;
    c.application_credential_id = r.get({"application_credential_id"});
    c.application_credential_name = r.get({"application_credential_name"});
    c.application_credential_secret = r.get({"application_credential_secret"});
}

Status check_password(const Reader& r, const Credentials& c) {
    if (c.username.empty() && c.user_id.empty())
        return r.missing(fmt::format("{} or {} is not set", r.name("username"), r.name("user_id")));
    if (c.password.empty()) return r.missing(fmt::format("{} is not set", r.name("password")));
    if (c.project_name.empty() && c.project_id.empty())
        return r.missing(fmt::format("{} or {} is not set (staffeln needs a project-scoped token)",
                                     r.name("project_name"), r.name("project_id")));
    return {};
}

Status check_application_credential(const Reader& r, const Credentials& c) {
    if (c.application_credential_secret.empty())
        return r.missing(fmt::format("{} is not set", r.name("application_credential_secret")));
    if (!c.application_credential_id.empty()) return {};
    if (c.application_credential_name.empty())
        return r.missing(fmt::format("{} or {} is not set", r.name("application_credential_id"),
                                     r.name("application_credential_name")));
    if (c.username.empty() && c.user_id.empty())
        return r.missing(fmt::format("{} needs {} or {}", r.name("application_credential_name"), r.name("username"),
                                     r.name("user_id")));
    return {};
}

}  // namespace

Result<Credentials> credentials_from_settings(const CloudSettings& settings) {
    const Reader r(settings);
    Credentials c;
    c.source = settings.description;
    c.auth_url = r.get({"auth_url"});
    if (c.auth_url.empty()) return r.missing(fmt::format("{} is not set", r.name("auth_url")));
    auto type = auth_type_of(r);
    if (!type) return type.error();
    c.auth_type = *type;
    auto interface = interface_of(r);
    if (!interface) return interface.error();
    c.interface = *interface;
    c.region_name = r.get({"region_name"});
    c.tls = tls_of(r);
    read_identity(r, c);
    const Status ok = c.auth_type == AuthType::password ? check_password(r, c) : check_application_credential(r, c);
    if (!ok) return ok.error();
    return c;
}

}  // namespace staffeln::openstack
