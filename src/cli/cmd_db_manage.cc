#include "context.h"

#include "staffeln/conductor/store_rebuild.h"
#include "staffeln/conductor/upstream_import.h"
#include "staffeln/core/upstream_queue.h"
#include "staffeln/coordination/coordinator.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/store/database.h"
#include "staffeln/store/migrations.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/schema_inspect.h"
#include "staffeln/store/upgrade_revision.h"
#include "staffeln/store/upstream_database.h"
#include "staffeln/store/upstream_import_marker.h"
#include "staffeln/text_safety.h"
#include "staffeln/url_password.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <unordered_set>

namespace staffeln::cli {
namespace {

using store::Access;
using store::Create;
using store::Database;

int fail(const Error& error) {
    print_line(stderr, fmt::format("staffeln db-manage: {}", error.message));
    return kExitFailed;
}

Result<Database> open_store(Context& ctx) {
    auto config = ctx.load_config();
    if (!config) return make_error(ErrorKind::invalid_input, "the configuration is not usable");
    return Database::open(config->database.path, Access::read_write, Create::if_missing);
}

int run_create_schema(Context& ctx) {
    auto db = open_store(ctx);
    if (!db) return ctx.exit_code ? ctx.exit_code : fail(db.error());
    if (auto done = db->create_schema(); !done) return fail(done.error());
    fmt::print("created schema version {} in {}\n", store::head_version(), db->path().string());
    return kExitOk;
}

int run_upgrade(Context& ctx, const std::string& revision) {
    auto target = store::parse_upgrade_revision(revision, store::head_version());
    if (!target) {
        print_line(stderr, fmt::format("staffeln db-manage upgrade: {}", target.error().message));
        return kExitUsage;
    }
    auto db = open_store(ctx);
    if (!db) return ctx.exit_code ? ctx.exit_code : fail(db.error());
    auto before = db->schema_version();
    if (!before) return fail(before.error());
    int version = target->version;
    if (const auto* upstream = target->upstream) {
        // Every store version holds what upstream's revisions add: one with a schema has nothing to
        // do, and a new store is created whole, at head.
        if (*before >= target->version) {
            fmt::print("database {} is at version {}, which holds upstream's revision {} ({}): nothing to do\n",
                       db->path().string(), *before, upstream->id, upstream->description);
            return kExitOk;
        }
        version = store::head_version();
    }
    if (auto done = db->upgrade(version); !done) return fail(done.error());
    fmt::print("database {} upgraded from version {} to {}\n", db->path().string(), *before, version);
    return kExitOk;
}

// Read-only: creates and writes nothing, neither the store nor its -wal and -shm files.
int run_version(Context& ctx) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto version = store::inspect_schema_version(config->database.path);
    if (!version) return fail(version.error());
    if (*version == 0)
        return fail(make_error(ErrorKind::not_found,
                               fmt::format("database {} is not initialised (it has no schema): run `staffeln "
                                           "db-manage upgrade`",
                                           config->database.path.string())));
    fmt::print("{}\n", *version);
    return kExitOk;
}

// Opens (or creates, at head) the store, then refills it from Cinder's tagged backups.
int run_rebuild(Context& ctx) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = Database::open(config->database.path, Access::read_write, Create::if_missing);
    if (!db) return fail(db.error());
    if (auto done = db->upgrade(store::head_version()); !done) return fail(done.error());
    auto connection = openstack::connect(*config);
    if (!connection) return fail(connection.error());
    auto locks =
        coordination::make_coordinator(config->coordination.backend_url, config->database.path.parent_path() / "locks");
    if (!locks) return fail(locks.error());
    conductor::StopSignal stop;
    Mutex db_mutex;
    conductor::Context rebuild{*config, *connection->cloud, *db, db_mutex, **locks, stop, [] {
                                   return std::chrono::time_point_cast<std::chrono::seconds>(Clock::now());
                               }};
    auto outcome = conductor::rebuild_store(rebuild);
    if (!outcome) return fail(outcome.error().context("rebuilding from Cinder"));
    fmt::print("rebuilt {} from Cinder: {} tagged backup(s) indexed, {} in-flight task(s) adopted from their tags\n",
               db->path().string(), outcome->backups, outcome->tasks);
    for (const auto& line : outcome->problems) print_line(stdout, fmt::format("problem: {}", line));
    return outcome->problems.empty() ? kExitOk : kExitFailed;
}

struct ImportArgs {
    std::string connection;
    bool dry_run = false;
};

// The store's backup ids for a dry run, read without a trace; none when there is no store yet.
Result<std::unordered_set<std::string>> indexed_read_only(const std::filesystem::path& path) {
    auto version = store::inspect_schema_version(path);
    if (!version && version.error().kind == ErrorKind::not_found) return std::unordered_set<std::string>{};
    if (!version) return version.error();
    if (*version == 0) return std::unordered_set<std::string>{};
    return store::inspect_backup_ids(path);
}

// Reads upstream's MySQL database (never writing to it), then tags and records its backups
// that are still in Cinder. --dry-run changes nothing: not Cinder, not the store, not upstream's.
int run_import_upstream(Context& ctx, const ImportArgs& args) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    std::string url = args.connection;
    if (url.empty()) url = config->database.upstream_connection;
    if (url.empty())
        return fail(make_error(ErrorKind::invalid_input,
                               "no upstream database: give --connection mysql+pymysql://user:password@host/staffeln "
                               "(upstream's [database] connection)"));
    auto parsed = store::parse_mysql_url(url);
    if (!parsed) return fail(parsed.error());
    auto upstream = store::read_upstream_database(*parsed, url);
    if (!upstream) return fail(upstream.error());
    print_line(stdout, fmt::format("upstream's database {}: {} backup_data row(s), {} queue_data task(s) with a backup",
                                   redact_url(url), upstream->backup_data_rows, upstream->queue_data_rows));
    if (!upstream->unread_tasks.empty())
        print_line(stdout, fmt::format("not imported: {} queue_data task(s) in progress or failed name no backup",
                                       upstream->unread_tasks.size()));
    for (const auto& line : upstream->unread_tasks) print_line(stdout, fmt::format("not imported: {}", line));
    auto queue = core::upstream_queue_verdict(upstream->pending_tasks,
                                              std::chrono::time_point_cast<std::chrono::seconds>(Clock::now()),
                                              conductor::upstream_patience(*config));
    for (const auto& line : queue.abandoned) print_line(stdout, fmt::format("not imported: {}", line));
    if (queue.wait)
        print_line(stdout, fmt::format("warning: {} (this command does not wait: stop upstream's conductors before "
                                       "importing, as docs/upgrade-from-upstream.md says, and run it again once "
                                       "they sent or gave up those tasks)",
                                       *queue.wait));

    auto connection = openstack::connect(*config);
    if (!connection) return fail(connection.error());
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(Clock::now());
    Result<conductor::UpstreamImportOutcome> outcome = make_error(ErrorKind::io, "not run");
    if (args.dry_run) {
        auto indexed = indexed_read_only(config->database.path);
        if (!indexed) return fail(indexed.error());
        outcome = conductor::import_upstream(connection->cloud->cinder(), nullptr, *indexed, upstream->rows, now);
    } else {
        auto db = Database::open(config->database.path, Access::read_write, Create::if_missing);
        if (!db) return fail(db.error());
        // The puller role, as the conductor's backup cycle holds it: that cycle rewrites the backups
        // table from a listing it took earlier, and would drop the rows written meanwhile.
        auto locks = coordination::make_coordinator(config->coordination.backend_url,
                                                    config->database.path.parent_path() / "locks");
        if (!locks) return fail(locks.error());
        auto role = (*locks)->try_lock("puller");
        if (!role)
            return fail(make_error(
                role.error().kind,
                fmt::format("a conductor holds the puller role ({}; {}): its backup cycle rewrites the backups "
                            "table this import writes, so nothing was done; stop staffeln's conductors and run it "
                            "again (a conductor with upstream's MySQL [database] connection imports by itself in "
                            "that role)",
                            role.error().message, (*locks)->describe())));
        if (auto done = db->upgrade(store::head_version()); !done) return fail(done.error());
        auto indexed = store::BackupIndex(*db).backup_ids();
        if (!indexed) return fail(indexed.error());
        outcome = conductor::import_upstream(connection->cloud->cinder(), &*db, *indexed, upstream->rows, now);
        if (outcome && outcome->problems.empty())
            if (auto marked = store::UpstreamImportMarker(*db).mark_completed(now, redact_url(url)); !marked)
                outcome->problems.push_back(marked.error().message);
    }
    if (!outcome) return fail(outcome.error());
    for (const auto& line : outcome->lines) print_line(stdout, line);
    print_line(stdout,
               fmt::format("{}{} tagged, {} already tagged ({} recorded now), {} gone from Cinder, {} skipped",
                           args.dry_run ? "dry run, nothing changed: would be " : "", outcome->tagged,
                           outcome->already + outcome->recorded, outcome->recorded, outcome->gone, outcome->skipped));
    for (const auto& line : outcome->problems) print_line(stderr, fmt::format("problem: {}", line));
    return outcome->problems.empty() ? kExitOk : kExitFailed;
}

}  // namespace

void add_db_manage(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("db-manage", "Create and migrate the SQLite store");
    cmd->require_subcommand(1);
    cmd->add_subcommand("create_schema", "Create the newest schema in a new database")->callback([&ctx] {
        ctx.exit_code = run_create_schema(ctx);
    });
    auto* upgrade = cmd->add_subcommand("upgrade", "Migrate the database to a revision (default: head)");
    auto revision = std::make_shared<std::string>("head");
    upgrade->add_option("revision", *revision,
                        "head, a schema version number, or an alembic revision of upstream Staffeln's");
    upgrade->callback([&ctx, revision] { ctx.exit_code = run_upgrade(ctx, *revision); });
    cmd->add_subcommand("version", "Print the database's schema version")->callback([&ctx] {
        ctx.exit_code = run_version(ctx);
    });
    cmd->add_subcommand("rebuild", "Refill the store from Cinder's tagged backups (a lost or corrupt database)")
        ->callback([&ctx] { ctx.exit_code = run_rebuild(ctx); });
    auto import_args = std::make_shared<ImportArgs>();
    auto* import = cmd->add_subcommand(
        "import-upstream", "Adopt upstream Staffeln's backups: tag them in Cinder and record them in the store");
    import->add_option("--connection", import_args->connection,
                       "upstream's database URL (default: the configuration's MySQL [database] connection)");
    import->add_flag("--dry-run", import_args->dry_run, "Say what would be adopted; change nothing");
    import->callback([&ctx, import_args] { ctx.exit_code = run_import_upstream(ctx, *import_args);
});
}  // namespace staffeln::cli

}  // namespace staffeln::cli
