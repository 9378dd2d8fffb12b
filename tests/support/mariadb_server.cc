#include "support/mariadb_server.h"

#include "support/ports.h"
#include "support/process.h"

#include <fmt/format.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace staffeln::testing {
namespace {

std::vector<std::string> client(const std::filesystem::path& socket, const std::string& database) {
    std::vector<std::string> argv = {"/usr/bin/mariadb", "--no-defaults", "--socket=" + socket.string(),
                                     "--user=root",      "--batch",       "--skip-column-names"};
    if (!database.empty()) argv.push_back("--database=" + database);
    return argv;
}

}  // namespace

MariaDbServer::MariaDbServer(Listen listen) : socket_(dir_ / "mysqld.sock") {
    std::vector<std::string> as_user;
    if (geteuid() == 0) as_user.push_back("--user=root");  // mariadbd refuses root otherwise
    // A temporary directory of its own: two servers bootstrapping at once in /tmp (tests run in
    // parallel) failed on each other's temporary tables ("Unknown table 'mysql.tmp_user_sys'").
    const std::string tmpdir = (dir_ / "tmp").string();
    std::filesystem::create_directory(tmpdir);
    std::vector<std::string> install = {"/usr/bin/mariadb-install-db",
                                        "--no-defaults",
                                        "--datadir=" + (dir_ / "data").string(),
                                        "--tmpdir=" + tmpdir,
                                        "--auth-root-authentication-method=normal",
                                        "--skip-test-db"};
    install.insert(install.end(), as_user.begin(), as_user.end());
    auto installed = run_process(install);
    if (installed.exit_code != 0)
        throw std::runtime_error("mariadb-install-db failed: " + installed.err + installed.out);
    std::vector<std::string> server = {"/usr/sbin/mariadbd",
                                       "--no-defaults",
                                       "--datadir=" + (dir_ / "data").string(),
                                       "--tmpdir=" + tmpdir,
                                       "--socket=" + socket_.string(),
                                       "--pid-file=" + (dir_ / "mysqld.pid").string(),
                                       "--innodb-buffer-pool-size=16M",
                                       "--log-error=" + (dir_ / "error.log").string()};
    if (listen == Listen::socket_and_tcp) {
        port_ = free_port();
        server.insert(server.end(), {"--bind-address=127.0.0.1", fmt::format("--port={}", port_)});
    } else {
        server.push_back("--skip-networking");
    }
    server.insert(server.end(), as_user.begin(), as_user.end());
    process_ = std::make_unique<Spawned>(server, dir_ / "mariadbd.out");
    for (int i = 0; i < 300; ++i) {
        if (std::filesystem::exists(socket_)) {
            auto argv = client(socket_, "");
            argv.insert(argv.end(), {"-e", "SELECT 1"});
            if (run_process(argv).exit_code == 0) return;
        }
        if (!process_->running()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("mariadbd did not start: " + read_file(dir_ / "error.log"));
}

std::string MariaDbServer::url(const std::string& database) const {
    return fmt::format("mysql+pymysql://root@/{}?charset=utf8&unix_socket={}", database, socket_.string());
}

void MariaDbServer::exec(const std::string& sql, const std::string& database) const { query(sql, database); }

std::string MariaDbServer::query(const std::string& sql, const std::string& database) const {
    auto argv = client(socket_, database);
    argv.insert(argv.end(), {"-e", sql});
    auto done = run_process(argv);
    if (done.exit_code != 0) throw std::runtime_error("mariadb: " + done.err + " (SQL: " + sql + ")");
    return done.out;
}

}  // namespace staffeln::testing
