// A `staffeln api` with Cinder credentials (a standby's), against the simulated cloud: ids its store
// does not know are looked up in Cinder, cached, and answered False whenever Cinder cannot say.
#include "staffeln/api/cinder_lookup.h"
#include "staffeln/api/server.h"
#include "support/backup_rows.h"
#include "support/paths.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/raw_http.h"
#include "support/running_api.h"
#include "support/simcloud_harness.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace staffeln;
using namespace staffeln::testing;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr const char* kTaggedInCinder = "0b7d9d6e-3c1a-4f2e-8d5b-6a7c8e9f0a1b";
constexpr const char* kUntaggedInCinder = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";  // demo.json's manual backup
constexpr const char* kNowhere = "f0e1d2c3-b4a5-4968-8776-655443322110";

simtest::json scenario_with_tagged_backup() {
    auto scenario = simtest::demo_scenario();
    scenario["backups"].push_back({{"id", kTaggedInCinder},
                                   {"volume", "web-1-root"},
                                   {"user", "demo"},
                                   {"name", "web-1_web-1-root_1700000000"},
                                   {"description", "Backup by staffeln"},
                                   {"metadata", {{"staffeln:task", "task-on-another-node"}}},
                                   {"created_at", "2026-11-11T12:00:00Z"}});
    return scenario;
}

std::string answer_of(int port, const std::string& id) {
    auto a = staffeln::testing::exchange(port, get("/v1/backup?backup_id=" + id));
    return std::to_string(a.status) + " " + a.body;
}

long backup_gets(simtest::Harness& sim) {
    auto counts = sim.call("GET", "/_sim/counters").body["requests"];
    return counts.value("GET /volume/v3/{project_id}/backups/{id}", 0L);
}

}  // namespace

TEST_CASE(
    "a standby's API asks Cinder about a backup its store does not know, caches it, and fails closed without Cinder") {
    simtest::Harness sim(scenario_with_tagged_backup());
    RunningApi api({kProtected}, "", simtest::admin_os_env(sim.server->base_url()));
    sim.call("DELETE", "/_sim/counters");

    CHECK(answer_of(api.port(), kProtected) == "200 False");  // the store's row: Cinder not asked
    CHECK(backup_gets(sim) == 0);
    CHECK(answer_of(api.port(), kTaggedInCinder) == "200 False");
    CHECK(answer_of(api.port(), kUntaggedInCinder) == "200 True");
    CHECK(answer_of(api.port(), kNowhere) == "200 True");  // Cinder: 404
    CHECK(backup_gets(sim) == 3);
    for (int i = 0; i < 5; ++i) CHECK(answer_of(api.port(), kTaggedInCinder) == "200 False");
    CHECK(answer_of(api.port(), kUntaggedInCinder) == "200 True");
    CHECK_MESSAGE(backup_gets(sim) == 3, "the cache answered the repeated checks");

    // A slow Cinder holds only the connection that waits on it: the event loops answer the others.
    REQUIRE(sim.call("POST", "/_sim/faults", "", "", R"({"method":"GET","path_prefix":"/volume","latency_ms":1500})")
                .status == 201);
    auto slow =
        std::async(std::launch::async, [&] { return answer_of(api.port(), "aaaaaaaa-0000-4000-8000-000000000001"); });
    std::this_thread::sleep_for(200ms);
    for (int i = 0; i < 20; ++i) {
        auto start = SteadyClock::now();
        CHECK(answer_of(api.port(), kProtected) == "200 False");
        CHECK(SteadyClock::now() - start < 500ms);
    }
    CHECK(slow.wait_for(0s) == std::future_status::timeout);  // still waiting on Cinder
    CHECK(slow.get() == "200 True");
    sim.call("DELETE", "/_sim/faults");

    sim.server->stop();
    CHECK(answer_of(api.port(), "aaaaaaaa-0000-4000-8000-000000000002") == "200 False");
    CHECK(answer_of(api.port(), kTaggedInCinder) == "200 False");  // cached
    CHECK(answer_of(api.port(), kProtected) == "200 False");
    auto log = api.log();
    CHECK_MESSAGE(log.find("answering False for backup aaaaaaaa-0000-4000-8000-000000000002: not in the store, and "
                           "Cinder could not say:") != std::string::npos,
                  log);
    CHECK(log.find("looked up in Cinder at " + sim.server->base_url()) != std::string::npos);
    CHECK(api.stop() == 0);
}

TEST_CASE(
    "an API without usable credentials starts, says once that Cinder lookups are off, and answers from the store") {
    RunningApi api({kProtected});
    CHECK(answer_of(api.port(), kProtected) == "200 False");
    CHECK(answer_of(api.port(), kNowhere) == "200 True");
    CHECK(answer_of(api.port(), kNowhere) == "200 True");
    auto log = api.log();
    auto first = log.find("Cinder lookups are off (");
    CHECK_MESSAGE(first != std::string::npos, log);
    CHECK(log.find("Cinder lookups are off", first + 1) == std::string::npos);
    CHECK(api.stop() == 0);
}

TEST_CASE("an API whose credentials Cinder refuses answers False for what its store does not know, saying why") {
    simtest::Harness sim(simtest::demo_scenario());
    auto env = simtest::admin_os_env(sim.server->base_url());
    env["OS_PASSWORD"] = "wrong";
    RunningApi api({kProtected}, "", env);
    CHECK(answer_of(api.port(), kUntaggedInCinder) == "200 False");
    CHECK(answer_of(api.port(), kProtected) == "200 False");
    auto log = api.log();
    auto line = log.find(std::string("answering False for backup ") + kUntaggedInCinder +
                         ": not in the store, and Cinder could not say: ");
    REQUIRE_MESSAGE(line != std::string::npos, log);
    MESSAGE(log.substr(line, log.find('\n', line) - line));
    CHECK(log.find("wrong") == std::string::npos);  // the password is never logged
    CHECK(api.stop() == 0);
}

TEST_CASE("beyond the lookup queue an answer that needs Cinder is False at once, without waiting") {
    simtest::Harness sim(simtest::demo_scenario());
    TempDir dir;
    make_store(dir / "staffeln.db", {kProtected});
    api::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = free_port();
    options.store = dir / "staffeln.db";
    options.limits.lookup_threads = 1;
    options.limits.lookup_queue = 1;
    options.cinder = std::make_shared<api::CinderLookup>(simtest::admin_credentials(sim.server->base_url()));
    auto server = api::Server::create(options);
    REQUIRE_MESSAGE(server.ok(), (server.ok() ? "" : server.error().message));
    Status served;
    std::thread serving([&] { served = (*server)->run(); });
    CHECK(answer_of(options.port, kUntaggedInCinder) == "200 True");  // token and versions fetched

    REQUIRE(sim.call("POST", "/_sim/faults", "", "", R"({"method":"GET","path_prefix":"/volume","latency_ms":1500})")
                .status == 201);
    auto ask = [&](const char* id) {
        return std::async(std::launch::async, [&, id] { return answer_of(options.port, id); });
    };
    auto asked = ask("aaaaaaaa-0000-4000-8000-000000000011");  // taken by the one lookup thread
    std::this_thread::sleep_for(200ms);
    auto queued = ask("aaaaaaaa-0000-4000-8000-000000000012");  // waits in the queue of one
    std::this_thread::sleep_for(200ms);
    auto start = SteadyClock::now();
    CHECK(answer_of(options.port, "aaaaaaaa-0000-4000-8000-000000000013") == "200 False");
    CHECK(SteadyClock::now() - start < 500ms);
    CHECK(asked.get() == "200 True");
    CHECK(queued.get() == "200 True");
    (*server)->stop();
    serving.join();
    CHECK(served.ok());
}

TEST_CASE("an API without a store answers every backup from Cinder's tag, and /v1/health says so") {
    simtest::Harness sim(scenario_with_tagged_backup());
    RunningApi api({}, "", simtest::admin_os_env(sim.server->base_url()), false);
    CHECK(answer_of(api.port(), kTaggedInCinder) == "200 False");
    CHECK(answer_of(api.port(), kUntaggedInCinder) == "200 True");
    CHECK(answer_of(api.port(), kNowhere) == "200 True");  // Cinder: 404, nothing to protect
    CHECK(backup_gets(sim) == 3);
    auto health = staffeln::testing::exchange(api.port(), get("/v1/health"));
    CHECK(health.status == 200);
    CHECK(health.body == "True; mode: cinder");
    CHECK_FALSE(std::filesystem::exists(api.db_path()));  // nothing made at the store's path

    sim.server->stop();
    CHECK(answer_of(api.port(), "aaaaaaaa-0000-4000-8000-000000000003") == "200 False");  // fail closed
    auto log = api.log();
    CHECK_MESSAGE(log.find("no store at " + api.db_path().string() + ": every backup is looked up in Cinder") !=
                      std::string::npos,
                  log);
    CHECK(log.find("(mode cinder, store none,") != std::string::npos);
    CHECK(api.stop() == 0);
}

TEST_CASE("an API with a store and credentials says mode store+cinder on /v1/health") {
    simtest::Harness sim(simtest::demo_scenario());
    RunningApi api({kProtected}, "", simtest::admin_os_env(sim.server->base_url()));
    auto health = staffeln::testing::exchange(api.port(), get("/v1/health"));
    CHECK(health.status == 200);
    CHECK(health.body == "True; mode: store+cinder");
    CHECK(api.stop() == 0);
}

TEST_CASE("without a store and without credentials staffeln api refuses to start: it could protect nothing") {
    TempDir dir;
    auto db = dir / "staffeln.db";
    auto conf =
        dir.write("staffeln.conf", "[database]\nconnection = sqlite:///" + db.string() +
                                       "\n[api]\nhost = 127.0.0.1\nport = " + std::to_string(free_port()) + "\n");
    auto r = run_process({"/usr/bin/env", "-u", "OS_CLOUD", "-u", "OS_AUTH_URL", "HOME=" + dir.path().string(),
                          kStaffelnBinary, "--config-file", conf.string(), "api"});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "staffeln api: refusing to start, it could protect nothing: database " + db.string() +
                       " does not exist and Cinder cannot be asked instead (no credentials: set OS_CLOUD (and write a "
                       "clouds.yaml in one of clouds.yaml, " +
                       dir.path().string() +
                       "/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml) or OS_AUTH_URL with the other "
                       "OS_* variables of an openrc); run `staffeln db-manage upgrade` to create the store, or give "
                       "the API the conductor's OpenStack credentials\n");
    CHECK(r.out.empty());
    CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("an API without a store checks the cloud's TLS against REQUESTS_CA_BUNDLE, as openstacksdk does") {
    TempDir keys;
    REQUIRE(run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                         (keys / "key.pem").string(), "-out", (keys / "cert.pem").string()})
                .exit_code == 0);
    // A Keystone over HTTPS with a private CA that refuses every password (Keystone's 401 body, as
    // the simulated cloud's): reaching that answer proves the TLS handshake was trusted.
    httplib::SSLServer keystone((keys / "cert.pem").c_str(), (keys / "key.pem").c_str());
    keystone.Post("/v3/auth/tokens", [](const httplib::Request&, httplib::Response& res) {
        res.status = 401;
        res.set_content(R"({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made )"
                        R"(requires authentication."}})",
                        "application/json");
    });
    const int port = keystone.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { keystone.listen_after_bind(); });
    std::map<std::string, std::string> env{{"OS_AUTH_URL", "https://127.0.0.1:" + std::to_string(port) + "/v3"},
                                           {"OS_USERNAME", "admin"},
                                           {"OS_PASSWORD", "admin-secret"},
                                           {"OS_PROJECT_NAME", "admin"}};
    auto why_false = [&] {
        RunningApi api({}, "", env, false);
        CHECK(answer_of(api.port(), kTaggedInCinder) == "200 False");
        CHECK(api.stop() == 0);
        auto log = api.log();
        auto at = log.find("Cinder could not say: ");
        REQUIRE_MESSAGE(at != std::string::npos, log);
        return log.substr(at, log.find('\n', at) - at);
    };
    auto untrusted = why_false();
    CHECK_MESSAGE(untrusted.find("SSL certificate problem") != std::string::npos, untrusted);
    env["REQUESTS_CA_BUNDLE"] = (keys / "cert.pem").string();
    auto trusted = why_false();
    CHECK_MESSAGE(trusted.find("SSL certificate problem") == std::string::npos, trusted);
    CHECK_MESSAGE(trusted.find("401") != std::string::npos, trusted);
    keystone.stop();
    serving.join();
}
