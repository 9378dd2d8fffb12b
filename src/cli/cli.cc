#include "staffeln/cli.h"

#include "context.h"
#include "staffeln/config/log_settings.h"
#include "staffeln/log.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace staffeln::cli {
namespace {

constexpr const char* kDefaultConfigFile = "/etc/staffeln/staffeln.conf";

struct Command {
    void (*add)(CLI::App&, Context&);
};

// Commands as data: --help lists exactly what is registered here.
constexpr Command kCommands[] = {{add_conductor}, {add_api},    {add_db_manage}, {add_report},
                                 {add_restore},   {add_config}, {add_backup},    {add_retention}};

// Upstream's console scripts (its setup.cfg): the binary run under one of these names (the
// links the build and the install make) is that subcommand, so deployments' commands work as they are.
struct CommandName {
    std::string_view program;
    std::string_view subcommand;
};
constexpr CommandName kCommandNames[] = {
    {"staffeln-conductor", "conductor"}, {"staffeln-api", "api"}, {"staffeln-db-manage", "db-manage"}};

// argv with the subcommand the program name stands for inserted after the program.
std::vector<std::string> arguments_for(std::string_view program, int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    for (const auto& name : kCommandNames)
        if (program == name.program) args.insert(args.begin() + 1, std::string(name.subcommand));
    return args;
}

}  // namespace

config::Sources Context::sources() const {
    config::Sources sources;
    if (config_files.empty()) {
        sources.files.emplace_back(kDefaultConfigFile);
        sources.files_are_defaults = true;
    } else {
        sources.files.assign(config_files.begin(), config_files.end());
    }
    sources.dir = config_dir;
    sources.debug = debug;
    sources.log_file = log_file;
    sources.log_dir = log_dir;
    sources.program = program;
    return sources;
}

std::optional<config::Config> Context::load_config() {
    auto loaded = config::load_config(sources());
    if (!loaded.ok()) {
        for (const auto& warning : loaded.warnings) log::warning("config", "{}", warning);
        for (const auto& error : loaded.errors) print_line(stderr, fmt::format("staffeln: {}", error));
        exit_code = kExitUsage;
        return std::nullopt;
    }
    // The log as the configuration wants it first, so that its own warnings go there too.
    const auto& defaults = loaded.config.defaults;
    log::set_level(defaults.debug ? log::Level::debug : log::Level::info);
    if (auto configured = log::configure(config::log_settings(loaded.config, program)); !configured)
        log::warning("config", "{}; logging to {}", configured.error().message,
                     defaults.use_journal ? "the journal" : "stderr");
    for (const auto& warning : loaded.warnings) log::warning("config", "{}", warning);
    return loaded.config;
}

int run(int argc, char** argv) {
    Context ctx;
    if (argc > 0) ctx.program = std::filesystem::path(argv[0]).filename().string();
    auto args = arguments_for(ctx.program, argc, argv);
    CLI::App app{"staffeln: automated Cinder backups for OpenStack clouds", ctx.program};
    app.set_version_flag("--version", STAFFELN_VERSION);
    app.add_option("--config-file", ctx.config_files,
                   fmt::format("Configuration file; repeat to layer files, later ones override "
                               "(default: {})",
                               kDefaultConfigFile))
        ->check(CLI::ExistingFile)
        ->allow_extra_args(false);  // one file per --config-file: a subcommand may follow it
    app.add_option("--config-dir", ctx.config_dir, "Directory whose *.conf files are read after --config-file")
        ->check(CLI::ExistingDirectory);
    app.add_flag("-d,--debug", ctx.debug, "Log debug lines too (oslo.log's --debug; [DEFAULT] debug)");
    app.add_option("--log-file", ctx.log_file,
                   "Log to this file instead of stderr; relative to --log-dir when that is given ([DEFAULT] log_file)");
    app.add_option("--log-dir", ctx.log_dir,
                   "Directory of the log file; without --log-file the file is <program name>.log ([DEFAULT] log_dir)");
    app.require_subcommand(1);
    app.fallthrough();
    for (const auto& command : kCommands) command.add(app, ctx);
    std::vector<char*> pointers;
    for (auto& arg : args) pointers.push_back(arg.data());
    try {
        app.parse(static_cast<int>(pointers.size()), pointers.data());
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    return ctx.exit_code;
}

}  // namespace staffeln::cli
