// Starts the simulated cloud in-process on a free loopback port from a scenario, and talks to
// it over real HTTP (httplib's client): tokens, requests with microversion headers, control calls.
#pragma once

#include "simcloud/scenario.h"
#include "simcloud/server.h"
#include "staffeln/openstack/credentials.h"
#include "support/paths.h"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace simtest {

using nlohmann::json;
namespace sim = staffeln::sim;

// demo.json's ids (tests/fixtures/simcloud/demo.json).
namespace demo {
inline constexpr const char* kDemoProject = "36c9253a0e304fb4ab70dcd8b616c0f9";
inline constexpr const char* kProdProject = "5b1f0e2d7c3a4e8f9a6b4c2d1e0f3a7b";
inline constexpr const char* kWeb1 = "3f44cd31-d8f6-485d-8081-7407c39f6037";
inline constexpr const char* kDb1 = "6a1c2e3f-4b5d-4c7e-8f9a-0b1c2d3e4f50";
inline constexpr const char* kApi1 = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
inline constexpr const char* kScratch = "9e8d7c6b-5a49-4382-a716-afbecd012345";
inline constexpr const char* kWebRoot = "a73168ec-1e3d-4752-8498-b225ebff3cb5";
inline constexpr const char* kWebData = "8b55d7d0-b30f-4916-a30f-694b5aaad9e6";
inline constexpr const char* kDbRoot = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f";
inline constexpr const char* kApiRoot = "e3f4a5b6-c7d8-4e9f-8a1b-2c3d4e5f6071";
inline constexpr const char* kScratchRoot = "d2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f60";
inline constexpr const char* kBatchRoot = "f4a5b6c7-d8e9-4f0a-9b2c-3d4e5f607182";
inline constexpr const char* kManualBackup = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";

// The servers tagged __staffeln_backup=true, and their volumes: what a cycle must back up.
inline const std::vector<std::string> kTaggedServers = {kWeb1, kDb1, kApi1};
inline const std::vector<std::string> kTaggedVolumes = {kWebRoot, kWebData, kDbRoot, kApiRoot};
}  // namespace demo

inline json demo_scenario() {
    std::ifstream in(std::string(staffeln::testing::kSourceDir) + "/tests/fixtures/simcloud/demo.json");
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
        json auth = {
            {"auth",
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
