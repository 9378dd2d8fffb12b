// A real MariaDB server (Debian's mariadb-server) for one test: a fresh data directory made by
// mariadb-install-db in a temporary directory, mariadbd on a unix socket there (and, when asked,
// on a free TCP port of 127.0.0.1), root without a password; started and waited for in the
// constructor, killed in the destructor.
// exec() runs SQL through the mariadb client, as an operator would.
#pragma once

#include "support/spawned.h"
#include "support/temp_dir.h"

#include <filesystem>
#include <memory>
#include <string>

namespace staffeln::testing {

class MariaDbServer {
public:
    enum class Listen { socket, socket_and_tcp };
    explicit MariaDbServer(Listen listen = Listen::socket);
    int port() const { return port_; }  // 0 without TCP
    const std::filesystem::path& socket() const { return socket_; }
    // "mysql+pymysql://root@/<database>?charset=utf8&unix_socket=<socket>", as upstream's config writes it.
    std::string url(const std::string& database) const;
    // Runs sql (one or more statements) in database ("" for none); throws with the client's error.
    void exec(const std::string& sql, const std::string& database = "") const;
    // The result rows of a query, tab-separated, one line each, no header.
    std::string query(const std::string& sql, const std::string& database) const;

private:
    TempDir dir_;
    std::filesystem::path socket_;
    int port_ = 0;
    std::unique_ptr<Spawned> process_;
};

}  // namespace staffeln::testing
