// `staffeln backup export`: the store's disaster-recovery records (docs/disaster-recovery.md)
// as one JSON document, to stdout or --output (written 0600, complete or not at all). Reads
// the store only; one line on stderr counts the records and those not fetched yet.
#include "context.h"

#include "staffeln/conductor/dr_export.h"
#include "staffeln/core/dr_record.h"
#include "staffeln/private_file.h"
#include "staffeln/store/database.h"
#include "staffeln/store/dr_record_store.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>

namespace staffeln::cli {
namespace {

struct ExportArgs {
    std::string project;
    std::string server;
    std::string output;
};

int fail(const Error& error) {
    print_line(stderr, fmt::format("staffeln backup export: {}", error.message));
    return kExitFailed;
}

int run_export(Context& ctx, const ExportArgs& args) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_only, store::Create::never);
    if (!db) return fail(db.error());
    if (auto current = db->require_current(); !current) return fail(current.error());
    auto records = store::DrRecordStore(*db).load_all();
    if (!records) return fail(records.error());
    auto selected = core::select_dr_records(std::move(records).value(), args.project, args.server);
    auto now = std::chrono::floor<std::chrono::seconds>(Clock::now());
    std::string text = conductor::dr_document(selected, now, args.project, args.server);
    if (args.output.empty()) {
        std::cout << text << std::flush;
        if (!std::cout) return fail(make_error(ErrorKind::io, "cannot write to stdout"));
    } else if (auto written = write_private_file(args.output, text); !written) {
        return fail(written.error());
    }
    auto missing = std::count_if(selected.begin(), selected.end(),
                                 [](const core::DrRecord& r) { return r.fetch_status != core::FetchStatus::fetched; });
    print_line(stderr, fmt::format("{} backup records exported; {} backups without an export record yet",
                                   selected.size() - static_cast<std::size_t>(missing), missing));
    return kExitOk;
}

}  // namespace

void add_backup(CLI::App& app, Context& ctx) {
    auto* backup = app.add_subcommand("backup", "Disaster recovery: the backups' records outside Cinder");
    backup->require_subcommand(1);
    auto args = std::make_shared<ExportArgs>();
    auto* cmd = backup->add_subcommand(
        "export", "Print the stored export records of staffeln's backups as JSON (staffeln-backup-records/1)");
    cmd->add_option("--project", args->project, "Only this project (ID)");
    cmd->add_option("--server", args->server, "Only this server (ID or name)");
    cmd->add_option("--output", args->output, "Write to this file (mode 0600, replaced whole) instead of stdout");
    cmd->callback([&ctx, args] { ctx.exit_code = run_export(ctx, *args); });
}

}  // namespace staffeln::cli
