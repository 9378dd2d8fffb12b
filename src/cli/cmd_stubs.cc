#include "context.h"

namespace staffeln::cli {

void add_report(CLI::App& app, Context& ctx) {
    app.add_subcommand("report", "Render and send the per-project backup reports")->callback([&ctx] {
        ctx.exit_code = not_implemented("report");
    });
}

}  // namespace staffeln::cli
