#include "context.h"

#include "staffeln/api/server.h"
#include "staffeln/conductor/conductor.h"
#include "staffeln/config/listen_address.h"
#include "staffeln/log.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <memory>
#include <thread>

namespace staffeln::cli {
namespace {

// Scrapes are few and small: one event loop, one thread for their store reads and a modest cap,
// else the API's bounds.
api::ServerOptions metrics_options(const config::ListenAddress& address, const config::Config& config) {
    api::ServerOptions options;
    options.host = address.host;
    options.port = address.port;
    options.store = config.database.path;
    options.policy = false;
    options.limits.event_loops = 1;
    options.limits.max_connections = 64;
    options.limits.lookup_threads = 1;
    options.limits.lookup_queue = 8;
    return options;
}

// [conductor] metrics_listen: GET /metrics on its own thread while the daemon runs.
class MetricsListener {
public:
    static Result<std::unique_ptr<MetricsListener>> start(const config::Config& config) {
        auto address = config::parse_listen_address(config.conductor.metrics_listen);
        if (!address) return address.error().context("[conductor] metrics_listen");
        auto server = api::Server::create(metrics_options(*address, config));
        if (!server) return server.error().context("[conductor] metrics_listen");
        return std::unique_ptr<MetricsListener>(new MetricsListener(std::move(*server)));
    }
    ~MetricsListener() {
        server_->stop();
        thread_.join();
    }
    MetricsListener(const MetricsListener&) = delete;
    MetricsListener& operator=(const MetricsListener&) = delete;

private:
    explicit MetricsListener(std::unique_ptr<api::Server> server)
        : server_(std::move(server)), thread_([this] {
              if (auto served = server_->run(); !served) log::error("metrics", "{}", served.error().message);
          }) {}

    std::unique_ptr<api::Server> server_;
    std::thread thread_;
};

// The conductor takes its signals with sigwait on one thread (conductor/signals.h); they are
// blocked here already so that the listener's threads, started before that, never take one.
void block_conductor_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

void add_conductor(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("conductor", "Run the backup, retention and report daemon");
    auto options = std::make_shared<conductor::RunOptions>();
    cmd->add_flag("--once", options->once, "Run one backup cycle and one retention cycle, then exit");
    cmd->add_flag("--dry-run", options->dry_run,
                  "Print what one cycle would back up, skip and delete, and why; change nothing");
    cmd->callback([&ctx, options] {
        options->program = ctx.program;
        auto config = ctx.load_config();
        if (!config) return;
        std::unique_ptr<MetricsListener> listener;
        if (!config->conductor.metrics_listen.empty() && !options->once && !options->dry_run) {
            block_conductor_signals();
            auto started = MetricsListener::start(*config);
            if (!started) {
                print_line(stderr, fmt::format("staffeln conductor: {}", started.error().message));
                ctx.exit_code = kExitFailed;
                return;
            }
            listener = std::move(*started);
        }
        ctx.exit_code = conductor::run_conductor(std::move(*config), *options,
                                                 [sources = ctx.sources()] { return config::load_config(sources); });
    });
}

}  // namespace staffeln::cli
