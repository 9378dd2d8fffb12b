#include "staffeln/openstack/identity.h"

#include "staffeln/openstack/iso_time.h"
#include "staffeln/openstack/json_fields.h"

namespace staffeln::openstack {
namespace {

Json domain_of(const std::string& name, const std::string& id) {
    return id.empty() ? Json{{"name", name}} : Json{{"id", id}};
}

Json user_of(const Credentials& c) {
    if (!c.user_id.empty()) return Json{{"id", c.user_id}};
    return Json{{"name", c.username}, {"domain", domain_of(c.user_domain_name, c.user_domain_id)}};
}

Json password_auth(const Credentials& c, const std::string& project_id) {
    Json user = user_of(c);
    user["password"] = c.password;
    Json project;
    if (!project_id.empty())
        project = {{"id", project_id}};
    else if (!c.project_id.empty())
        project = {{"id", c.project_id}};
    else
        project = {{"name", c.project_name}, {"domain", domain_of(c.project_domain_name, c.project_domain_id)}};
    return {{"auth",
             {{"identity", {{"methods", {"password"}}, {"password", {{"user", user}}}}},
              {"scope", {{"project", project}}}}}};
}

Json application_credential_auth(const Credentials& c) {
    Json credential{{"secret", c.application_credential_secret}};
    if (!c.application_credential_id.empty()) {
        credential["id"] = c.application_credential_id;
    } else {
        credential["name"] = c.application_credential_name;
        credential["user"] = user_of(c);
    }
    return {
        {"auth", {{"identity", {{"methods", {"application_credential"}}, {"application_credential", credential}}}}}};
}

CatalogService parse_service(const Json& service) {
    CatalogService parsed{string_field(service, "type"), optional_string(service, "name"), {}};
    for (const Json& endpoint : array_field(service, "endpoints")) {
        std::string region = optional_string(endpoint, "region_id");
        if (region.empty()) region = optional_string(endpoint, "region");
        parsed.endpoints.push_back({string_field(endpoint, "interface"), region, string_field(endpoint, "url")});
    }
    return parsed;
}

Token parse_token(const Json& body, std::string value) {
    const Json& token = object_field(body, "token");
    Token parsed;
    parsed.value = std::move(value);
    parsed.expires_at = time_field(token, "expires_at");
    parsed.user_id = string_field(object_field(token, "user"), "id");
    if (token.contains("project")) parsed.project_id = string_field(object_field(token, "project"), "id");
    if (token.contains("roles"))
        for (const Json& role : array_field(token, "roles")) parsed.roles.push_back(string_field(role, "name"));
    std::vector<CatalogService> services;
    if (token.contains("catalog"))
        for (const Json& service : array_field(token, "catalog")) services.push_back(parse_service(service));
    parsed.catalog = Catalog(std::move(services));
    return parsed;
}

}  // namespace

std::string identity_v3_url(const std::string& auth_url) {
    std::string url = auth_url;
    while (url.ends_with('/')) url.pop_back();
    if (!url.ends_with("/v3")) url += "/v3";
    return url;
}

Result<net::HttpRequest> token_request(const Credentials& credentials, const std::string& project_id) {
    Json body;
    if (credentials.auth_type == AuthType::application_credential) {
        if (!project_id.empty() && project_id != credentials.project_id)
            return make_error(ErrorKind::invalid_input,
                              fmt::format("{}: application credentials are bound to their own project; acting in "
                                          "project {} needs password credentials",
                                          credentials.source, project_id));
        body = application_credential_auth(credentials);
    } else {
        body = password_auth(credentials, project_id);
    }
    return net::HttpRequest{"POST",
                            identity_v3_url(credentials.auth_url) + "/auth/tokens",
                            {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                            body.dump()};
}

Result<Token> parse_token_response(const net::HttpResponse& response) {
    std::string value = response.header("x-subject-token");
    if (value.empty())
        return make_error(ErrorKind::invalid_input,
                          "keystone POST /v3/auth/tokens: response has no X-Subject-Token header");
    return parse_response("keystone POST /v3/auth/tokens", response.body,
                          [&](const Json& body) { return parse_token(body, std::move(value)); });
}

}  // namespace staffeln::openstack
