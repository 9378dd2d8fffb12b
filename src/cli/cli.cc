#include "staffeln/cli.h"

#include "context.h"
#include "staffeln/log.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

namespace staffeln::cli {
namespace {

constexpr const char* kDefaultConfigFile = "/etc/staffeln/staffeln.conf";

struct Command {
    void (*add)(CLI::App&, Context&);
};

// Commands as data: --help lists exactly what is registered here.
constexpr Command kCommands[] = {{add_conductor}, {add_api},    {add_db_manage}, {add_report},
                                 {add_restore},   {add_config}, {add_backup}};

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
    return sources;
}

std::optional<config::Config> Context::load_config() {
    auto loaded = config::load_config(sources());
    for (const auto& warning : loaded.warnings) log::warning("config", "{}", warning);
    if (!loaded.ok()) {
        for (const auto& error : loaded.errors) print_line(stderr, fmt::format("staffeln: {}", error));
        exit_code = kExitUsage;
        return std::nullopt;
    }
    const auto& defaults = loaded.config.defaults;
    log::set_level(defaults.debug ? log::Level::debug : log::Level::info);
    if (!defaults.log_file.empty()) {
        if (auto opened = log::to_file(defaults.log_file); !opened)
            log::warning("config", "{}; logging to stderr", opened.error().message);
    }
    return loaded.config;
}

int run(int argc, char** argv) {
    Context ctx;
    CLI::App app{"staffeln: automated Cinder backups for OpenStack clouds", "staffeln"};
    app.set_version_flag("--version", STAFFELN_VERSION);
    app.add_option("--config-file", ctx.config_files,
                   fmt::format("Configuration file; repeat to layer files, later ones override "
                               "(default: {})",
                               kDefaultConfigFile))
        ->check(CLI::ExistingFile);
    app.add_option("--config-dir", ctx.config_dir, "Directory whose *.conf files are read after --config-file")
        ->check(CLI::ExistingDirectory);
    app.require_subcommand(1);
    app.fallthrough();
    for (const auto& command : kCommands) command.add(app, ctx);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    return ctx.exit_code;
}

}  // namespace staffeln::cli
