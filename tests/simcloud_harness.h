// Starts the simulated cloud in-process on a free loopback port from a scenario, and talks to
// it over real HTTP (httplib's client): tokens, requests with microversion headers, control calls.
#pragma once

#include "simcloud/scenario.h"
#include "simcloud/server.h"
#include "staffeln/openstack/credentials.h"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace simtest {

using nlohmann::json;
namespace sim = staffeln::sim;

inline json demo_scenario() {
    std::ifstream in(std::string(STAFFELN_SOURCE_DIR) + "/tests/fixtures/simcloud/demo.json");
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}

struct Answer {
    int status = 0;
    json body;
    httplib::Headers headers;
    std::string header(const std::string& key) const {
        for (const auto& [k, v] : headers)
            if (strcasecmp(k.c_str(), key.c_str()) == 0) return v;
        return {};
    }
};

// demo.json's admin, whom the tests that act as staffeln authenticate as.
inline staffeln::openstack::Credentials admin_credentials(const std::string& base_url) {
    staffeln::openstack::Credentials c;
    c.auth_url = base_url + "/identity/v3";
    c.username = "admin";
    c.password = "admin-secret";
    c.user_domain_name = "Default";
    c.project_name = "admin";
    c.project_domain_name = "Default";
    c.source = "test";
    return c;
}

// The same admin as the OS_* variables of an openrc, for tests that run the staffeln binary.
inline std::map<std::string, std::string> admin_os_env(const std::string& base_url) {
    return {{"OS_AUTH_URL", base_url + "/identity/v3"},
            {"OS_USERNAME", "admin"},
            {"OS_PASSWORD", "admin-secret"},
            {"OS_PROJECT_NAME", "admin"},
            {"OS_USER_DOMAIN_NAME", "Default"},
            {"OS_PROJECT_DOMAIN_NAME", "Default"},
            {"OS_REGION_NAME", "RegionOne"},
            {"OS_INTERFACE", "public"},
            {"OS_IDENTITY_API_VERSION", "3"}};
}

class Harness {
public:
    explicit Harness(const json& scenario) {
        auto loaded = sim::load_scenario(cloud, scenario, "test", sim::now_micros());
        REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message));
        server = std::make_unique<sim::SimServer>(cloud, sim::ServerOptions{});
        auto port = server->start();
        REQUIRE(port.ok());
        client = std::make_unique<httplib::Client>(server->base_url());
        client->set_read_timeout(10, 0);
    }

    Answer call(const std::string& method, const std::string& path, const std::string& token = "",
                const std::string& version = "", const std::string& body = "") {
        httplib::Headers headers;
        if (!token.empty()) headers.emplace("X-Auth-Token", token);
        if (!version.empty()) headers.emplace("OpenStack-API-Version", version);
        httplib::Result r = method == "GET"      ? client->Get(path.c_str(), headers)
                            : method == "DELETE" ? client->Delete(path.c_str(), headers, body, "application/json")
                            : method == "PUT"    ? client->Put(path.c_str(), headers, body, "application/json")
                            : method == "PATCH"  ? client->Patch(path.c_str(), headers, body, "application/json")
                                                 : client->Post(path.c_str(), headers, body, "application/json");
        Answer a;
        if (!r) return a;
        a.status = r->status;
        a.headers = r->headers;
        a.body = r->body.empty() ? json() : json::parse(r->body, nullptr, false);
        return a;
    }

    std::string token(const std::string& user, const std::string& password, const std::string& project) {
        json auth = {{"auth",
                      {{"identity",
                        {{"methods", {"password"}},
                         {"password", {{"user", {{"name", user}, {"domain", {{"name", "Default"}}}, {"password", password}}}}}}},
                       {"scope", {{"project", {{"name", project}, {"domain", {{"name", "Default"}}}}}}}}}};
        Answer a = call("POST", "/identity/v3/auth/tokens", "", "", auth.dump());
        REQUIRE(a.status == 201);
        return a.header("X-Subject-Token");
    }

    std::string project_id(const std::string& name) { return cloud.projects[*cloud.project(name)].id; }

    sim::Cloud cloud;
    std::unique_ptr<sim::SimServer> server;
    std::unique_ptr<httplib::Client> client;
};

}  // namespace simtest
