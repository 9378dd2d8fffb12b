// A real `staffeln api` process on a free loopback port, over a store in its own temporary
// directory, stopped when the object goes; and the [api] options that serve it over HTTPS.
#pragma once

#include "support/backup_rows.h"
#include "support/spawned.h"
#include "support/temp_dir.h"

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace staffeln::testing {

// A self-signed certificate and its key made in keys, and the [api] lines that serve HTTPS with them.
std::string tls_options(const TempDir& keys);

class RunningApi {
public:
    // automated: the ids in the store's backups table. extra_api: more [api] lines.
    // env: the OS_* variables it runs with (none by default: Cinder lookups off), as from an openrc.
    // with_store false: no file at db_path(), as in an API pod of its own.
    explicit RunningApi(const std::vector<std::string>& automated = {kProtected}, const std::string& extra_api = "",
                        const std::map<std::string, std::string>& env = {}, bool with_store = true);

    int port() const { return port_; }
    pid_t pid() const { return server_->pid(); }
    std::filesystem::path db_path() const { return dir_ / "staffeln.db"; }
    const TempDir& dir() const { return dir_; }
    std::string log() const;
    int stop(int sig = SIGTERM) { return server_->stop(sig); }

private:
    void wait_ready();

    TempDir dir_;
    int port_;
    std::string conf_;
    std::unique_ptr<Spawned> server_;
};

}  // namespace staffeln::testing
