// What every subcommand shares: the global options and loading the configuration they name.
#pragma once

#include "staffeln/config/config.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace staffeln::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct Context {
    std::vector<std::string> config_files;
    std::string config_dir;
    bool debug = false;                // oslo.log's --debug
    std::string log_file;              // oslo.log's --log-file
    std::string log_dir;               // oslo.log's --log-dir
    std::string program = "staffeln";  // the name run as (argv[0]'s last component)
    int exit_code = kExitOk;

    // Loads and validates the configuration, sets up logging, and prints every problem.
    // Returns nothing (and sets exit_code to kExitUsage) when the configuration is unusable.
    std::optional<config::Config> load_config();
    // The files and directory the global options name.
    config::Sources sources() const;
};

// Each subcommand registers itself on the app; its callback sets ctx.exit_code.
void add_conductor(CLI::App& app, Context& ctx);
void add_api(CLI::App& app, Context& ctx);
void add_db_manage(CLI::App& app, Context& ctx);
void add_report(CLI::App& app, Context& ctx);
void add_config(CLI::App& app, Context& ctx);
void add_restore(CLI::App& app, Context& ctx);
void add_backup(CLI::App& app, Context& ctx);
void add_retention(CLI::App& app, Context& ctx);

}  // namespace staffeln::cli
