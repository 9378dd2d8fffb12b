// Keystone v3 authentication: the POST /v3/auth/tokens request for password or application
// credentials, scoped to the credentials' project or to another project by id, and the
// token it returns (X-Subject-Token, expiry, project, catalog). The token value is a secret.
#pragma once

#include "staffeln/openstack/catalog.h"
#include "staffeln/openstack/credentials.h"
#include "staffeln/net/http_transport.h"
#include "staffeln/model.h"

#include <string>
#include <vector>

namespace staffeln::openstack {

struct Token {
    std::string value;
    Clock::time_point expires_at{};
    std::string project_id;
    std::string user_id;
    std::vector<std::string> roles;
    Catalog catalog;
};

// auth_url with "/v3" appended unless it already ends with it; no trailing slash.
std::string identity_v3_url(const std::string& auth_url);

// project_id empty: the scope the credentials name. Application credentials carry their own
// scope, so asking them for another project is invalid_input.
Result<net::HttpRequest> token_request(const Credentials& credentials, const std::string& project_id);

Result<Token> parse_token_response(const net::HttpResponse& response);

}  // namespace staffeln::openstack
