// The simulated cloud's HTTP listener on 127.0.0.1: /identity (Keystone), /compute (Nova),
// /volume (Cinder) and /_sim (control). Bounded: a fixed thread pool, payload and timeouts.
// start() binds (port 0 picks a free one) and serves on a background thread until stop().
#pragma once

#include "simcloud/cloud.h"
#include "simcloud/control.h"
#include "staffeln/result.h"

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

namespace staffeln::sim {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;
    size_t threads = 8;
    size_t max_payload_bytes = 1 << 20;
    int read_timeout_s = 10;
    int write_timeout_s = 10;
    size_t keep_alive_max = 1000;
};

class SimServer {
public:
    SimServer(Cloud& cloud, ServerOptions options);
    ~SimServer();
    SimServer(const SimServer&) = delete;
    SimServer& operator=(const SimServer&) = delete;

    Result<int> start();  // the bound port
    void stop();
    std::string base_url() const;
    Control& control() { return control_; }

private:
    void serve(const httplib::Request& req, httplib::Response& res);

    Cloud& cloud_;
    ServerOptions options_;
    Control control_;
    httplib::Server http_;
    std::thread thread_;
    int port_ = 0;
};

}  // namespace staffeln::sim
