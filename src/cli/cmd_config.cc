#include "context.h"

#include "staffeln/config/config.h"

#include <fmt/format.h>

namespace staffeln::cli {

void add_config(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("config", "Inspect the configuration");
    cmd->require_subcommand(1);
    cmd->add_subcommand("show", "Print the effective configuration, secrets masked")->callback([&ctx] {
        auto config = ctx.load_config();
        if (!config) return;
        fmt::print("{}", config::show_config(*config));
    });
    // Reads no configuration: the defaults are the table's.
    cmd->add_subcommand("sample", "Print every option with its default and one line of help, commented out")
        ->callback([] { fmt::print("{}", config::sample_config()); });
}

}  // namespace staffeln::cli
