// `staffeln backup export`: the store's disaster-recovery records (docs/disaster-recovery.md)
// as one JSON document, to stdout or --output (written 0600, complete or not at all). Reads
// the store only; one line on stderr counts the records and those not fetched yet.
// `staffeln backup import FILE`: re-creates the file's records in the cloud the credentials
// name, one line per record as it is done and a summary; exit 0 only when every selected
// record's backup is present afterwards.
#include "context.h"

#include "staffeln/conductor/dr_export.h"
#include "staffeln/conductor/dr_import.h"
#include "staffeln/conductor/dr_read.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/regular_file.h"
#include "staffeln/core/dr_record.h"
#include "staffeln/private_file.h"
#include "staffeln/store/database.h"
#include "staffeln/store/dr_record_store.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
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
    auto definitions = conductor::definitions_of(*db, selected);
    if (!definitions) return fail(definitions.error());
    std::string text = conductor::dr_document(selected, now, args.project, args.server, *definitions);
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

struct ImportArgs {
    std::string file;
    std::string project;
    std::string server;
    bool dry_run = false;
};

// The records file may be large: 1 GiB is far beyond any cloud's (about 2 kB a record).
constexpr std::size_t kMaxRecordsFileBytes = std::size_t{1} << 30;

int import_fail(const std::string& message) {
    print_line(stderr, fmt::format("staffeln backup import: {}", message));
    return kExitFailed;
}

int run_import(Context& ctx, const ImportArgs& args) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto text = read_regular_file(args.file, "records file", kMaxRecordsFileBytes);
    if (!text) return import_fail(text.error().message);
    auto records = conductor::read_dr_document(*text);
    if (!records) return import_fail(fmt::format("{}: {}; nothing imported", args.file, records.error().message));
    auto selected = core::select_dr_records(std::move(records).value(), args.project, args.server);
    auto connection = openstack::connect(*config);
    if (!connection) return import_fail(connection.error().message + "; nothing imported");
    int done = 0;
    auto outcome = conductor::import_dr_records(
        *connection->cloud, selected, args.dry_run, [&](const conductor::ImportLine& line) {
            ++done;
            print_line(stdout, fmt::format("backup {}: {}{}{}", line.backup_id, conductor::to_string(line.result),
                                           line.detail.empty() ? "" : ": ", line.detail));
        });
    if (!outcome)
        return import_fail(fmt::format("{} ({} of {} records done, each printed above)", outcome.error().message, done,
                                       selected.size()));
    std::map<conductor::ImportResult, int> counts;
    for (const auto& line : outcome->lines) ++counts[line.result];
    if (args.dry_run) {
        print_line(stdout, fmt::format("dry run: {} records would be imported, {} already present",
                                       counts[conductor::ImportResult::would_import],
                                       counts[conductor::ImportResult::present]));
        return kExitOk;
    }
    print_line(stdout, fmt::format("{} imported, {} already present, {} failed; {} of {} selected records present",
                                   counts[conductor::ImportResult::imported], counts[conductor::ImportResult::present],
                                   counts[conductor::ImportResult::failed],
                                   selected.size() - outcome->missing_after.size(), selected.size()));
    for (const auto& id : outcome->missing_after) print_line(stdout, fmt::format("not present: backup {}", id));
    return outcome->missing_after.empty() ? kExitOk : kExitFailed;
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

    auto import_args = std::make_shared<ImportArgs>();
    auto* import = backup->add_subcommand(
        "import", "Re-create the backups of a staffeln-backup-records/1 file in Cinder (admin import_record)");
    import->add_option("FILE", import_args->file, "The records, as backup export wrote them")->required();
    import->add_option("--project", import_args->project, "Only this project's records (ID)");
    import->add_option("--server", import_args->server, "Only this server's records (ID or name)");
    import->add_flag("--dry-run", import_args->dry_run, "Say what would be imported; import nothing");
    import->callback([&ctx, import_args] { ctx.exit_code = run_import(ctx, *import_args);
});
}  // namespace staffeln::cli

}  // namespace staffeln::cli
