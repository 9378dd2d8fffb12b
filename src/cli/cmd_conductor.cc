#include "context.h"

#include "staffeln/conductor/conductor.h"

#include <memory>

namespace staffeln::cli {

void add_conductor(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("conductor", "Run the backup, retention and report daemon");
    auto options = std::make_shared<conductor::RunOptions>();
    cmd->add_flag("--once", options->once, "Run one backup cycle and one retention cycle, then exit");
    cmd->add_flag("--dry-run", options->dry_run,
                  "Print what one cycle would back up, skip and delete, and why; change nothing");
    cmd->callback([&ctx, options] {
        auto config = ctx.load_config();
        if (!config) return;
        ctx.exit_code = conductor::run_conductor(std::move(*config), *options,
                                                 [sources = ctx.sources()] { return config::load_config(sources); });
    });
}

}  // namespace staffeln::cli
