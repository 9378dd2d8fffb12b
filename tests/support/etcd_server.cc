#include "support/etcd_server.h"

#include "support/ports.h"

#include "staffeln/net/http_transport.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace staffeln::testing {

EtcdServer::EtcdServer(Start when) {
    port_ = free_port();
    peer_port_ = free_port();
    client_url_ = fmt::format("http://127.0.0.1:{}", port_);
    if (when == Start::now) start();
}

void EtcdServer::start() {
    std::string peer_url = fmt::format("http://127.0.0.1:{}", peer_port_);
    process_ = std::make_unique<Spawned>(
        std::vector<std::string>{"/usr/bin/etcd", "--name", "test", "--data-dir", (dir_ / "data").string(),
                                 "--listen-client-urls", client_url_, "--advertise-client-urls", client_url_,
                                 "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                                 "--initial-cluster", "test=" + peer_url, "--log-level", "warn"},
        dir_ / "etcd.log");
    net::Transport transport({std::chrono::milliseconds(500), std::chrono::milliseconds(1000), {}});
    for (int i = 0; i < 200; ++i) {
        auto answer = transport.perform({"POST", client_url_ + "/v3/kv/range", {}, R"({"key":"AA=="})"});
        if (answer && answer->status == 200) return;
        if (!process_->running()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream log(dir_ / "etcd.log");
    std::stringstream text;
    text << log.rdbuf();
    throw std::runtime_error("etcd did not start: " + text.str());
}

std::string EtcdServer::backend_url(const std::string& query) const {
    return fmt::format("etcd3+http://127.0.0.1:{}{}{}", port_, query.empty() ? "" : "?", query);
}

}  // namespace staffeln::testing
