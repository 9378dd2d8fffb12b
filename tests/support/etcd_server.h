// A real etcd (Debian's etcd-server) on loopback for one test: free ports, a private data
// directory, started and waited for in the constructor (or by start(), for a test that needs
// its address before it runs), killed in the destructor.
#pragma once

#include "support/spawned.h"
#include "support/temp_dir.h"

#include <memory>
#include <string>

namespace staffeln::testing {

class EtcdServer {
public:
    enum class Start { now, later };
    explicit EtcdServer(Start when = Start::now);
    void start();
    const std::string& client_url() const { return client_url_; }  // "http://127.0.0.1:PORT"
    std::string backend_url(const std::string& query = "") const;  // "etcd3+http://127.0.0.1:PORT?..."
    int port() const { return port_; }

private:
    TempDir dir_;
    int port_ = 0;
    int peer_port_ = 0;
    std::string client_url_;
    std::unique_ptr<Spawned> process_;
};

}  // namespace staffeln::testing
