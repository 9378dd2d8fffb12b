#include "context.h"

namespace staffeln::cli {

void add_api(CLI::App& app, Context& ctx) {
    app.add_subcommand("api", "Serve the oslo.policy check that protects automated backups")->callback([&ctx] {
        ctx.exit_code = not_implemented("api");
    });
}

}  // namespace staffeln::cli
