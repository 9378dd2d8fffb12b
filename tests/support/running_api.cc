#include "support/running_api.h"

#include "support/paths.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/raw_http.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace staffeln::testing {

using namespace std::chrono_literals;

std::string tls_options(const TempDir& keys) {
    auto made =
        run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                     "-keyout", (keys / "key.pem").string(), "-out", (keys / "cert.pem").string()});
    REQUIRE(made.exit_code == 0);
    return "enabled_ssl = true\nssl_cert_file = " + (keys / "cert.pem").string() +
           "\nssl_key_file = " + (keys / "key.pem").string() + "\n";
}

RunningApi::RunningApi(const std::vector<std::string>& automated, const std::string& extra_api,
                       const std::map<std::string, std::string>& env, bool with_store)
    : port_(free_port()) {
    if (with_store) make_store(db_path(), automated);
    conf_ =
        dir_.write("staffeln.conf", "[database]\nconnection = sqlite:///" + db_path().string() +
                                        "\n[api]\nhost = 127.0.0.1\nport = " + std::to_string(port_) + "\n" + extra_api)
            .string();
    // No credentials but those given: none from the caller's environment or a clouds.yaml.
    std::vector<std::string> argv{"/usr/bin/env", "-u",          "OS_CLOUD",
                                  "-u",           "OS_AUTH_URL", "HOME=" + dir_.path().string()};
    for (const auto& [name, value] : env) argv.push_back(name + "=" + value);
    for (const char* arg : {kStaffelnBinary, "--config-file"}) argv.emplace_back(arg);
    argv.push_back(conf_);
    argv.emplace_back("api");
    server_ = std::make_unique<Spawned>(argv, dir_ / "api.log");
    wait_ready();
}

std::string RunningApi::log() const { return read_file(dir_ / "api.log"); }

void RunningApi::wait_ready() {
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
        REQUIRE_MESSAGE(server_->running(), "staffeln api exited: " << log());
        int fd = connect_to(port_);
        if (fd >= 0) {
            ::close(fd);
            return;
        }
        std::this_thread::sleep_for(20ms);
    }
    FAIL("staffeln api did not listen within 10 s: " << log());
}

}  // namespace staffeln::testing
