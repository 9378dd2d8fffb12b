// staffeln-simcloud: Keystone v3, Nova 2.1 and Cinder v3 simulated on 127.0.0.1 from a
// scenario file. Prints the base URL on stdout once it serves; SIGTERM/SIGINT stop it.
#include "simcloud/client_files.h"
#include "simcloud/scenario.h"
#include "simcloud/server.h"
#include "staffeln/log.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

using namespace staffeln;

namespace {

struct Flags {
    std::string scenario, openrc, clouds_yaml, user = "admin", project = "admin";
    int port = 0;
    size_t threads = 8;
    std::optional<double> token_lifetime, create_s, delete_s, error_rate;
};

sim::ClientCredentials credentials(const sim::Cloud& cloud, const Flags& f, const std::string& base)
    REQUIRES(cloud.mutex) {
    sim::ClientCredentials c;
    c.auth_url = base + "/identity/v3";
    c.username = f.user;
    c.project_name = f.project;
    c.region = cloud.settings.region;
    if (auto u = cloud.user(f.user)) c.password = cloud.users[*u].password;
    return c;
}

Status write_client_files(const sim::Cloud& cloud, const Flags& f, const std::string& base) REQUIRES(cloud.mutex) {
    if (!cloud.user(f.user)) return make_error(ErrorKind::invalid_input, "--user: the scenario has no user " + f.user);
    if (!cloud.project(f.project))
        return make_error(ErrorKind::invalid_input, "--project: the scenario has no project " + f.project);
    sim::ClientCredentials c = credentials(cloud, f, base);
    if (!f.openrc.empty())
        if (auto s = sim::write_private_file(f.openrc, sim::openrc_text(c)); !s) return s;
    if (!f.clouds_yaml.empty())
        if (auto s = sim::write_private_file(f.clouds_yaml, sim::clouds_yaml_text(c)); !s) return s;
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"staffeln-simcloud: a simulated Keystone, Nova and Cinder on 127.0.0.1"};
    Flags f;
    app.add_option("--scenario", f.scenario, "scenario JSON file (see docs/simcloud.md)")->required();
    app.add_option("--port", f.port, "port on 127.0.0.1; 0 picks a free one")->check(CLI::Range(0, 65535));
    app.add_option("--threads", f.threads, "request threads")->check(CLI::Range(1, 256));
    app.add_option("--openrc", f.openrc, "write OS_* variables for --user/--project to this file (0600)");
    app.add_option("--clouds-yaml", f.clouds_yaml, "write a clouds.yaml with a cloud named simcloud (0600)");
    app.add_option("--user", f.user, "user the openrc and clouds.yaml name");
    app.add_option("--project", f.project, "project the openrc and clouds.yaml scope to");
    app.add_option("--token-lifetime", f.token_lifetime, "token lifetime in seconds");
    app.add_option("--backup-create-seconds", f.create_s, "time a backup stays creating");
    app.add_option("--backup-delete-seconds", f.delete_s, "time a backup stays deleting");
    app.add_option("--backup-error-rate", f.error_rate, "share of backups that end in error (0..1)")
        ->check(CLI::Range(0.0, 1.0));
    CLI11_PARSE(app, argc, argv);

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    sim::Cloud cloud;
    if (auto s = sim::load_scenario_file(cloud, f.scenario, sim::now_micros()); !s) {
        log::error("simcloud", "{}", s.error().message);
        return 2;
    }
    {
        MutexLock lock(cloud.mutex);
        if (f.token_lifetime) cloud.settings.token_lifetime_s = *f.token_lifetime;
        if (f.create_s) cloud.settings.backup_create_s = *f.create_s;
        if (f.delete_s) cloud.settings.backup_delete_s = *f.delete_s;
        if (f.error_rate) cloud.settings.backup_error_rate = *f.error_rate;
    }

    sim::ServerOptions options;
    options.port = f.port;
    options.threads = f.threads;
    sim::SimServer server(cloud, options);
    auto port = server.start();
    if (!port) {
        log::error("simcloud", "{}", port.error().message);
        return 1;
    }
    // The server is answering already: the cloud is read under its lock, which is released
    // before server.stop() waits for the request threads.
    Status written;
    std::string serving;
    {
        MutexLock lock(cloud.mutex);
        written = write_client_files(cloud, f, server.base_url());
        serving = fmt::format("serving {} projects, {} servers, {} volumes, {} backups at {}", cloud.projects.size(),
                              cloud.all_servers.size(), cloud.all_volumes.size(), cloud.all_backups.size(),
                              server.base_url());
    }
    if (!written) {
        log::error("simcloud", "{}", written.error().message);
        server.stop();
        return 2;
    }
    std::cout << server.base_url() << std::endl;
    log::info("simcloud", "{}", serving);
    int signal = 0;
    sigwait(&stop_signals, &signal);
    log::info("simcloud", "stopping on signal {}", signal);
    server.stop();
    return 0;
}
