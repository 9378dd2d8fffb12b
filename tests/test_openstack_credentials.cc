#include "staffeln/openstack/credentials.h"

#include <doctest/doctest.h>

#include <fstream>
#include <random>

using namespace staffeln;
using namespace staffeln::openstack;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("staffeln-creds-" + std::to_string(std::random_device{}()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path write(const std::string& name, const std::string& text) const {
        const fs::path file = path / name;
        fs::create_directories(file.parent_path());
        std::ofstream(file) << text;
        return file;
    }
};

const Environment openrc{
    {"OS_AUTH_URL", "http://127.0.0.1:5000/v3"},
    {"OS_USERNAME", "admin"},
    {"OS_PASSWORD", "s3cret"},
    {"OS_PROJECT_NAME", "admin"},
    {"OS_USER_DOMAIN_NAME", "Default"},
    {"OS_PROJECT_DOMAIN_NAME", "Default"},
    {"OS_REGION_NAME", "RegionOne"},
    {"OS_INTERFACE", "internal"},
    {"OS_CACERT", "/etc/ssl/ca.pem"},
};

Environment with(Environment env, const std::string& name, const std::string& value) {
    if (value.empty())
        env.erase(name);
    else
        env[name] = value;
    return env;
}

}  // namespace

TEST_CASE("an openrc's OS_* variables become password credentials") {
    auto c = credentials_from_environment(openrc);
    REQUIRE(c.ok());
    CHECK(c->auth_url == "http://127.0.0.1:5000/v3");
    CHECK(c->auth_type == AuthType::password);
    CHECK(c->username == "admin");
    CHECK(c->password == "s3cret");
    CHECK(c->project_name == "admin");
    CHECK(c->user_domain_name == "Default");
    CHECK(c->project_domain_name == "Default");
    CHECK(c->region_name == "RegionOne");
    CHECK(c->interface == "internal");
    CHECK(c->tls.cacert == "/etc/ssl/ca.pem");
    CHECK_FALSE(c->tls.insecure);
    CHECK(c->source == "environment");
}

TEST_CASE("OS_TENANT_NAME, OS_DEFAULT_DOMAIN, OS_INSECURE and publicURL are understood as openstacksdk does") {
    Environment env{{"OS_AUTH_URL", "https://keystone:5000"},
                    {"OS_USER_ID", "u1"},
                    {"OS_PASSWORD", "p"},
                    {"OS_TENANT_NAME", "demo"},
                    {"OS_DEFAULT_DOMAIN", "d7"},
                    {"OS_INSECURE", "true"},
                    {"OS_ENDPOINT_TYPE", "publicURL"},
                    {"OS_CERT", "/c.pem"},
                    {"OS_KEY", "/k.pem"}};
    auto c = credentials_from_environment(env);
    REQUIRE(c.ok());
    CHECK(c->user_id == "u1");
    CHECK(c->project_name == "demo");
    CHECK(c->user_domain_id == "d7");
    CHECK(c->project_domain_id == "d7");
    CHECK(c->tls.insecure);
    CHECK(c->tls.cert == "/c.pem");
    CHECK(c->tls.key == "/k.pem");
    CHECK(c->interface == "public");
}

TEST_CASE("without any domain, user and project names resolve in the default domain") {
    Environment env{{"OS_AUTH_URL", "http://k"}, {"OS_USERNAME", "a"}, {"OS_PASSWORD", "p"}, {"OS_PROJECT_ID", "p1"}};
    auto c = credentials_from_environment(env);
    REQUIRE(c.ok());
    CHECK(c->user_domain_id == "default");
    CHECK(c->project_id == "p1");
    CHECK(c->interface == "public");
}

TEST_CASE("application credentials come by id and secret, or by name with a user") {
    Environment env{{"OS_AUTH_URL", "http://k"},
                    {"OS_AUTH_TYPE", "v3applicationcredential"},
                    {"OS_APPLICATION_CREDENTIAL_ID", "ac1"},
                    {"OS_APPLICATION_CREDENTIAL_SECRET", "sh"}};
    auto c = credentials_from_environment(env);
    REQUIRE(c.ok());
    CHECK(c->auth_type == AuthType::application_credential);
    CHECK(c->application_credential_id == "ac1");
    CHECK(c->application_credential_secret == "sh");

    env.erase("OS_APPLICATION_CREDENTIAL_ID");
    env["OS_APPLICATION_CREDENTIAL_NAME"] = "backup";
    auto no_user = credentials_from_environment(env);
    REQUIRE_FALSE(no_user.ok());
    CHECK(no_user.error().message == "environment: OS_APPLICATION_CREDENTIAL_NAME needs OS_USERNAME or OS_USER_ID");
    env["OS_USERNAME"] = "staffeln";
    CHECK(credentials_from_environment(env).ok());
}

TEST_CASE("incomplete or wrong variables are refused naming the variable") {
    struct Row {
        Environment env;
        const char* message;
    };
    const Row rows[] = {
        {with(openrc, "OS_AUTH_URL", ""), "environment: OS_AUTH_URL is not set"},
        {with(openrc, "OS_PASSWORD", ""), "environment: OS_PASSWORD is not set"},
        {with(openrc, "OS_USERNAME", ""), "environment: OS_USERNAME or OS_USER_ID is not set"},
        {with(openrc, "OS_PROJECT_NAME", ""),
         "environment: OS_PROJECT_NAME or OS_PROJECT_ID is not set (staffeln needs a project-scoped token)"},
        {with(openrc, "OS_AUTH_TYPE", "v2token"),
         "environment: OS_AUTH_TYPE 'v2token' is not supported (use password, v3password or v3applicationcredential)"},
        {with(openrc, "OS_INTERFACE", "private"),
         "environment: OS_INTERFACE 'private' must be public, internal or admin"},
        {with(openrc, "OS_AUTH_TYPE", "v3applicationcredential"),
         "environment: OS_APPLICATION_CREDENTIAL_SECRET is not set"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.message);
        auto c = credentials_from_environment(row.env);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().kind == ErrorKind::invalid_input);
        CHECK(c.error().message == row.message);
    }
}

TEST_CASE("with neither OS_CLOUD nor OS_AUTH_URL the error says what to set") {
    auto c = load_credentials({{"OS_USERNAME", "x"}}, {"/nowhere/clouds.yaml"});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message ==
          "no credentials: set OS_CLOUD (and write a clouds.yaml in one of /nowhere/clouds.yaml) or OS_AUTH_URL "
          "with the other OS_* variables of an openrc");
}

TEST_CASE("OS_CLOUD picks the cloud from the first clouds.yaml found and merges secure.yaml") {
    TempDir dir;
    const auto first = dir.write("a/clouds.yaml", R"(clouds:
  prod:
    auth:
      auth_url: https://keystone.example:5000/v3
      username: staffeln
      project_name: service
      user_domain_name: Default
      project_domain_id: default
    region_name: RegionTwo
    interface: internal
    verify: false
)");
    dir.write("a/secure.yaml", "clouds:\n  prod:\n    auth:\n      password: from-secure\n");
    const auto second = dir.write("b/clouds.yaml", "clouds:\n  prod:\n    auth:\n      auth_url: http://wrong\n");
    auto c = load_credentials({{"OS_CLOUD", "prod"}}, {dir.path / "missing.yaml", first, second});
    REQUIRE(c.ok());
    CHECK(c->auth_url == "https://keystone.example:5000/v3");
    CHECK(c->password == "from-secure");
    CHECK(c->project_domain_id == "default");
    CHECK(c->region_name == "RegionTwo");
    CHECK(c->interface == "internal");
    CHECK(c->tls.insecure);
    CHECK(c->source == first.string() + " cloud 'prod'");
}

TEST_CASE("OS_CLIENT_CONFIG_FILE is searched before the standard places") {
    TempDir dir;
    const auto file = dir.write("own.yaml", R"(clouds:
  sim:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000
      application_credential_id: ac
      application_credential_secret: sec
    cacert: /ca.pem
)");
    auto c = load_credentials({{"OS_CLOUD", "sim"}, {"OS_CLIENT_CONFIG_FILE", file.string()}}, {});
    REQUIRE(c.ok());
    CHECK(c->auth_type == AuthType::application_credential);
    CHECK(c->tls.cacert == "/ca.pem");
}

TEST_CASE("clouds.yaml problems are reported with the file and the cloud") {
    TempDir dir;
    const auto good =
        dir.write("clouds.yaml", "clouds:\n  one:\n    auth:\n      auth_url: http://k\n      username: u\n");
    const auto broken = dir.write("broken/clouds.yaml", "clouds: [unclosed\n");

    auto missing_cloud = credentials_from_clouds_yaml("two", {good});
    REQUIRE_FALSE(missing_cloud.ok());
    CHECK(missing_cloud.error().message == "cloud 'two' not found in " + good.string());

    auto missing_password = credentials_from_clouds_yaml("one", {good});
    REQUIRE_FALSE(missing_password.ok());
    CHECK(missing_password.error().message == good.string() + " cloud 'one': auth.password is not set");

    auto no_file = credentials_from_clouds_yaml("one", {dir.path / "x.yaml", dir.path / "y.yaml"});
    REQUIRE_FALSE(no_file.ok());
    CHECK(no_file.error().message == "cloud 'one': no clouds.yaml found (looked in " + (dir.path / "x.yaml").string() +
                                         ", " + (dir.path / "y.yaml").string() + ")");

    auto bad_yaml = credentials_from_clouds_yaml("one", {broken});
    REQUIRE_FALSE(bad_yaml.ok());
    CHECK(bad_yaml.error().message.starts_with(broken.string() + ": not valid YAML: "));
}

TEST_CASE("the default search covers ./, ~/.config/openstack and /etc/openstack") {
    const auto paths = default_clouds_yaml_paths({{"HOME", "/home/op"}});
    REQUIRE(paths.size() == 3);
    CHECK(paths[0] == "clouds.yaml");
    CHECK(paths[1] == "/home/op/.config/openstack/clouds.yaml");
    CHECK(paths[2] == "/etc/openstack/clouds.yaml");
}

TEST_CASE("REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE, is the CA bundle when neither a cacert nor insecure is given") {
    const auto plain = with(openrc, "OS_CACERT", "");
    auto bundle = load_credentials(with(plain, "REQUESTS_CA_BUNDLE", "/etc/staffeln/certs/ca.crt"), {});
    REQUIRE(bundle.ok());
    CHECK(bundle->tls.cacert == "/etc/staffeln/certs/ca.crt");
    auto both = with(with(plain, "REQUESTS_CA_BUNDLE", "/requests.pem"), "CURL_CA_BUNDLE", "/curl.pem");
    CHECK(load_credentials(both, {})->tls.cacert == "/requests.pem");
    CHECK(load_credentials(with(plain, "CURL_CA_BUNDLE", "/curl.pem"), {})->tls.cacert == "/curl.pem");
    CHECK(load_credentials(plain, {})->tls.cacert.empty());
    // A cacert of their own, or insecure, win, as with keystoneauth's explicit verify.
    CHECK(load_credentials(with(openrc, "REQUESTS_CA_BUNDLE", "/requests.pem"), {})->tls.cacert == "/etc/ssl/ca.pem");
    auto insecure =
        load_credentials(with(with(plain, "OS_INSECURE", "true"), "REQUESTS_CA_BUNDLE", "/requests.pem"), {});
    CHECK(insecure->tls.insecure);
    CHECK(insecure->tls.cacert.empty());

    TempDir dir;
    const auto file = dir.write("clouds.yaml", R"(clouds:
  sim:
    auth:
      auth_url: https://keystone.example:5000/v3
      username: staffeln
      password: pw
      project_name: service
)");
    auto yaml = load_credentials({{"OS_CLOUD", "sim"}, {"REQUESTS_CA_BUNDLE", "/requests.pem"}}, {file});
    REQUIRE(yaml.ok());
    CHECK(yaml->tls.cacert == "/requests.pem");
}
