#include "staffeln/cli.h"

#include <CLI/CLI.hpp>

namespace staffeln::cli {

int run(int argc, char** argv) {
    CLI::App app{"staffeln: automated Cinder backups for OpenStack"};
    app.set_version_flag("--version", STAFFELN_VERSION);
    CLI11_PARSE(app, argc, argv);
    return 0;
}

}  // namespace staffeln::cli
