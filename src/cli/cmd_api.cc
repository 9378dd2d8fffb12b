#include "context.h"

#include "staffeln/api/server.h"
#include "staffeln/log.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/service_notify.h"
#include "staffeln/store/database.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace staffeln::cli {
namespace {

int fail(const std::string& message) {
    print_line(stderr, fmt::format("staffeln api: {}", message));
    return kExitFailed;
}

// SIGTERM, SIGINT and SIGHUP are blocked in every thread and taken by one watcher: the first two
// stop the server, SIGHUP opens the log file again (logrotate moved it).
class SignalWatcher {
public:
    SignalWatcher() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGTERM);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    }
    ~SignalWatcher() { finish(); }
    // Joins the watcher, which may still be inside server.stop() when run() returns.
    void finish() {
        done_ = true;
        if (thread_.joinable()) thread_.join();
    }
    void watch(api::Server& server) {
        thread_ = std::thread([this, &server] {
            const timespec slice{0, 200'000'000};
            while (!done_) {
                int sig = sigtimedwait(&set_, nullptr, &slice);
                if (sig == SIGHUP) {
                    if (auto reopened = log::reopen(); !reopened)
                        log::warning("api", "{}; still logging to the previous file", reopened.error().message);
                    else
                        log::info("api", "SIGHUP: log file opened again");
                }
                if (sig == SIGTERM || sig == SIGINT) {
                    service::stopping();
                    log::info("api", "{} received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
                    server.stop();
                    return;
                }
            }
        });
    }

private:
    sigset_t set_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

// With the conductor's credentials the API also answers for backups its store does not know
// (a standby node's), or for every backup when it has no store (a pod of its own); without
// usable ones it serves from the store alone. Said once, after start-up errors (which must
// stand alone on stderr) are ruled out.
struct Lookups {
    std::shared_ptr<api::CinderLookup> cinder;
    std::string off_because;
};

Lookups cinder_lookups(const config::Config& config) {
    auto connection = openstack::connect(config);
    if (!connection) return {nullptr, connection.error().message};
    return {std::make_shared<api::CinderLookup>(connection->credentials), {}};
}

// No file at the store's path (not one that cannot be read: that stays an error to fix).
bool no_store_at(const std::filesystem::path& path) {
    std::error_code error;
    return !std::filesystem::exists(path, error) && !error;
}

int run_api(Context& ctx) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto lookups = cinder_lookups(*config);
    const bool storeless = no_store_at(config->database.path);
    if (storeless && !lookups.cinder)
        return fail(fmt::format(
            "refusing to start, it could protect nothing: database {} does not exist and Cinder cannot be asked "
            "instead ({}); run `staffeln db-manage upgrade` to create the store, or give the API the conductor's "
            "OpenStack credentials",
            config->database.path.string(), lookups.off_because));
    if (!storeless) {
        auto db = store::Database::open(config->database.path, store::Access::read_only, store::Create::never);
        if (!db) return fail(db.error().message);
        if (auto current = db->require_current(); !current) return fail(current.error().message);
    }
    api::ServerOptions options;
    options.host = config->api.host;
    options.port = static_cast<int>(config->api.port);
    options.tls = config->api.enabled_ssl;
    options.cert_file = config->api.ssl_cert_file;
    options.key_file = config->api.ssl_key_file;
    if (!storeless) options.store = config->database.path;
    options.cinder = lookups.cinder;
    ::signal(SIGPIPE, SIG_IGN);  // a client gone mid-answer is an error code, not a death
    // glibc gives each of the worker threads its own heap arena by default: memory, not speed, here.
    mallopt(M_ARENA_MAX, 2);
    SignalWatcher signals;  // before any thread starts, so that all inherit the mask
    auto server = api::Server::create(options);
    if (!server) return fail(server.error().message);
    if (!lookups.cinder)
        log::warning("api", "Cinder lookups are off ({}): a backup the store does not know is answered True",
                     lookups.off_because);
    if (storeless)
        log::info("api", "no store at {}: every backup is looked up in Cinder", config->database.path.string());
    signals.watch(**server);
    service::Watchdog watchdog;
    service::ready();  // listening since create: connections wait in the backlog until run
    auto served = (*server)->run();
    signals.finish();  // before the server it stops is destroyed
    if (!served) return fail(served.error().message);
    return kExitOk;
}

}  // namespace

void add_api(CLI::App& app, Context& ctx) {
    app.add_subcommand("api", "Serve the oslo.policy check that protects automated backups")->callback([&ctx] {
        ctx.exit_code = run_api(ctx);
    });
}

}  // namespace staffeln::cli
