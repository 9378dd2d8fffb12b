#include "staffeln/conductor/conductor.h"

#include "staffeln/conductor/backup_cycle.h"
#include "staffeln/conductor/context.h"
#include "staffeln/conductor/dr_export.h"
#include "staffeln/conductor/project_scope_reader.h"
#include "staffeln/conductor/retention_cycle.h"
#include "staffeln/conductor/signals.h"
#include "staffeln/conductor/upstream_import.h"
#include "staffeln/config/config_changes.h"
#include "staffeln/config/log_settings.h"
#include "staffeln/log.h"
#include "staffeln/metric_catalog.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/service_notify.h"
#include "staffeln/report/cloud_inputs.h"
#include "staffeln/report/reporter.h"
#include "staffeln/store/dr_record_store.h"
#include "staffeln/text_safety.h"
#include "staffeln/url_password.h"

#include <fmt/format.h>

#include <malloc.h>

#include <algorithm>
#include <cstdio>

namespace staffeln::conductor {
namespace {

constexpr std::string_view kLog = "conductor";

TimePoint wall_clock() { return std::chrono::time_point_cast<std::chrono::seconds>(Clock::now()); }

// A cycle's staffeln_cycles_total, staffeln_cycle_duration_seconds and _end_timestamp_seconds.
void record_cycle(std::string_view kind, std::chrono::steady_clock::time_point start, bool failed) {
    auto& registry = metrics::process_registry();
    const std::string label(kind);
    registry.add(metrics::kCycles, {{"kind", label}, {"outcome", failed ? "failure" : "success"}});
    registry.set(metrics::kCycleDuration, {{"kind", label}},
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    registry.set(metrics::kCycleEnd, {{"kind", label}},
                 std::chrono::duration<double>(Clock::now().time_since_epoch()).count());
}

void record_role(const std::string& role, bool held) {
    metrics::process_registry().set(metrics::kRoleHeld, {{"role", role}}, held ? 1 : 0);
}

bool backup_cycle_failed(const BackupCycleResult& backup) {
    const auto& o = backup.outcome;
    return !backup.cloud_readable || o.failed > 0 || o.cancelled > 0 || !o.problems.empty();
}

bool retention_cycle_failed(const RetentionOutcome& retention) { return !retention.problems.empty(); }

struct ReportPass {
    std::vector<report::ProjectReport> reports;
    std::string not_sent;  // why the pass could not run at all (templates, store); empty when it ran

    // A report that was due and did not go out, whether sending failed or it was skipped (no
    // usable address, Keystone could not say): --once says so in its exit code, as `report` does.
    bool failed() const {
        return !not_sent.empty() || std::any_of(reports.begin(), reports.end(), [](const auto& r) {
            return r.delivery == report::Delivery::failed || r.delivery == report::Delivery::skipped;
        });
    }
};

// Reports go out after the backup cycle that finished the tasks they tell of, by the node
// that ran it; report_period decides whether a project is due.
ReportPass send_reports(Context& ctx) {
    const auto start = std::chrono::steady_clock::now();
    ReportPass pass = [&]() -> ReportPass {
        report::CloudInputs inputs(ctx.cloud, project_scope_lists(ctx.config));
        MutexLock guard(ctx.db_mutex);
        auto reports = report::send_due_reports(ctx.db, report::report_settings(ctx.config), inputs, ctx.now());
        if (!reports) {
            log::error(kLog, "reports not sent: {}", reports.error().message);
            return {{}, reports.error().message};
        }
        return {std::move(*reports), {}};
    }();
    for (const auto& r : pass.reports)
        if (r.delivery != report::Delivery::not_due)
            metrics::process_registry().add(metrics::kReportDeliveries, {{"outcome", report::to_string(r.delivery)}});
    record_cycle("report", start, pass.failed());
    return pass;
}

// [dr] export_dir: after each cycle, the records as they now are (docs/disaster-recovery.md).
// A failure is logged and returned, one line each; the next cycle writes the files again.
std::vector<std::string> write_dr_export(Context& ctx) {
    const std::string& dir = ctx.config.dr.export_dir;
    if (dir.empty()) return {};
    ServerDefinitions definitions;
    auto records = [&]() -> Result<std::vector<core::DrRecord>> {
        MutexLock lock(ctx.db_mutex);
        auto loaded = store::DrRecordStore(ctx.db).load_all();
        if (!loaded) return loaded;
        auto defined = definitions_of(ctx.db, *loaded);
        if (!defined) return defined.error();
        definitions = std::move(defined).value();
        return loaded;
    }();
    std::vector<std::string> problems;
    if (!records)
        problems.push_back("disaster-recovery files not written: " + records.error().message);
    else
        problems =
            write_dr_files(dir, core::select_dr_records(std::move(records).value(), "", ""), ctx.now(), definitions);
    for (const auto& line : problems) log::error(kLog, "[dr] export_dir: {}", line);
    if (problems.empty()) log::info(kLog, "disaster-recovery records written to {}", dir);
    return problems;
}

void print_summary(const BackupCycleResult& backup, const RetentionOutcome& retention, const ReportPass& reports,
                   const std::vector<std::string>& dr_file_problems, bool dry_run) {
    if (dry_run) return;
    const auto& o = backup.outcome;
    fmt::print("backup cycle: {} started, {} succeeded, {} failed, {} cancelled, {} skipped, {} adopted\n", o.created,
               o.succeeded, o.failed, o.cancelled, o.skipped, o.adopted);
    fmt::print("disaster-recovery records: {} fetched, {} failed\n", backup.dr.fetched, backup.dr.failed);
    fmt::print("retention: {} deleted, {} kept\n", retention.deleted, retention.kept);
    for (const auto& line : backup.excluded_projects) print_line(stdout, fmt::format("scope: {}", line));
    for (const auto& line : o.problems) print_line(stdout, fmt::format("problem: {}", line));
    for (const auto& line : o.warnings) print_line(stdout, fmt::format("warning: {}", line));
    for (const auto& line : backup.dr.warnings) print_line(stdout, fmt::format("warning: {}", line));
    for (const auto& line : dr_file_problems) print_line(stdout, fmt::format("warning: [dr] export_dir: {}", line));
    for (const auto& line : retention.problems) print_line(stdout, fmt::format("problem: {}", line));
    for (const auto& line : retention.warnings) print_line(stdout, fmt::format("warning: {}", line));
    if (!reports.not_sent.empty()) print_line(stdout, fmt::format("problem: reports not sent: {}", reports.not_sent));
    for (const auto& r : reports.reports) {
        if (r.delivery == report::Delivery::not_due) continue;
        print_line(stdout, fmt::format("report for project {} ({}): {}{}{}", r.digest.project_id, r.digest.project_name,
                                       report::to_string(r.delivery), r.detail.empty() ? "" : ": ", r.detail));
    }
}

// Holds a role's lock for one cycle; says so and skips the cycle when another process has it.
template <class Fn>
bool with_role(Context& ctx, const std::string& role, Fn&& fn) {
    auto lock = ctx.locks.try_lock(role);
    if (!lock) {
        log::info(kLog, "not running the {} cycle: {}", role, lock.error().message);
        return false;
    }
    log::info(kLog, "holding the {} role", role);
    record_role(role, true);
    const coordination::Lock* outer = ctx.role;
    ctx.role = lock->get();
    fn();
    ctx.role = outer;
    // Said before the lock goes: once it is gone another node may log that it holds the role, and
    // the log must never show two holders (this node does nothing more in the role after the line).
    log::info(kLog, "released the {} role", role);
    record_role(role, false);
    lock->reset();
    return true;
}

constexpr std::chrono::seconds kStandbyPoll{2};
constexpr std::chrono::seconds kImportRetry{60};

// Why a node stands by, as its log tells it: the holder's name, or only the kind of trouble
// with the backend, whose messages carry timings ("after 3001 ms") that change at every poll.
std::string standby_state(const Error& refused) {
    return refused.kind == ErrorKind::conflict ? refused.message : to_string(refused.kind);
}

struct Role {
    std::string name;
    std::unique_ptr<coordination::Lock> lock{};
    Clock::time_point last_end{};  // of this node's last cycle in the role; epoch: none yet
    Clock::time_point next_cycle{};
    Clock::time_point next_claim{};
    // Why it stands by, as last logged (standby_state): a new line only when that changes (etcd
    // unreachable, then held by another node, ...), not at every standby poll.
    std::string standby_reason{};

    Clock::time_point wake() const { return lock ? next_cycle : next_claim; }
    void release() {
        if (!lock) return;
        record_role(name, false);
        // Said before the lock goes, as in with_role.
        if (lock->held())
            log::info(kLog, "released the {} role", name);
        else
            log::warning(kLog, "lost the {} role (the lock can no longer be trusted)", name);
        lock.reset();
    }
};

std::chrono::milliseconds pause_until(Clock::time_point wake) {
    auto pause = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
    return std::clamp(pause, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
}

// True while this node holds the role: keeps it, notices its loss, or tries to take it.
bool claim(Context& ctx, Role& role) {
    if (role.lock && role.lock->held()) return true;
    if (role.lock) {
        role.lock.reset();
        record_role(role.name, false);
        log::warning(kLog, "lost the {} role (the lock can no longer be trusted); standing by", role.name);
    }
    if (Clock::now() < role.next_claim) return false;
    role.next_claim = Clock::now() + kStandbyPoll;
    auto lock = ctx.locks.try_lock(role.name);
    if (!lock) {
        auto state = standby_state(lock.error());
        if (state != role.standby_reason)
            log::info(kLog, "standing by for the {} role: {}", role.name, lock.error().message);
        role.standby_reason = std::move(state);
        return false;
    }
    role.lock = std::move(*lock);
    role.standby_reason.clear();
    role.next_cycle = Clock::now();
    log::info(kLog, "holding the {} role", role.name);
    record_role(role.name, true);
    return true;
}

class Daemon {
public:
    Daemon(config::Config config, const RunOptions& options, openstack::Cloud& cloud, store::Database& db,
           coordination::Coordinator& locks, StopSignal& stop)
        : config_(std::move(config)), options_(options), cloud_(cloud), db_(db), locks_(locks), stop_(stop) {}

    int once() {
        Context ctx = context();
        BackupCycleResult backup;
        RetentionOutcome retention;
        ReportPass reports;
        std::vector<std::string> dr_file_problems;
        Status imported;
        bool ran = with_role(ctx, "puller", [&] {
            if (!options_.dry_run) {
                MutexLock guard(db_mutex_);
                imported = import_before_backups(config_, cloud_.cinder(), db_, ctx.now());
            }
            if (!imported) return;
            backup = run_backup_cycle(ctx, options_.dry_run, stdout);
            with_role(ctx, "retention", [&] { retention = run_retention_cycle(ctx, options_.dry_run, stdout); });
            if (!options_.dry_run) reports = send_reports(ctx);
            if (!options_.dry_run) dr_file_problems = write_dr_export(ctx);
        });
        if (!ran) {
            fmt::print(stderr, "staffeln conductor: another conductor holds the puller role ({}); nothing done\n",
                       locks_.describe());
            return 1;
        }
        if (!imported) {
            print_line(stderr, fmt::format("staffeln conductor: {}; no backup cycle ran", imported.error().message));
            return 1;
        }
        print_summary(backup, retention, reports, dr_file_problems, options_.dry_run);
        bool failed = backup_cycle_failed(backup) || retention_cycle_failed(retention) || reports.failed();
        return failed ? 1 : 0;
    }

    // Leader and standby: a role, once taken, is kept across cycles until the process stops or
    // the lock is lost (held() false); a node without it tries again every standby poll and,
    // on taking it, starts that role's cycle at once.
    void forever(const ConfigReload& reload, SignalWatcher& signals) {
        Role puller{"puller"}, retention{"retention"};
        record_role(puller.name, false);
        record_role(retention.name, false);
        record_interval();
        while (!stop_.requested()) {
            // Between cycles only: a cycle runs to its end under the configuration it began with.
            if (signals.take_reload() && apply_reload(reload)) {
                record_interval();
                reschedule(puller, config_.conductor.backup_service_period);
                reschedule(retention, config_.conductor.retention_service_period);
            }
            Context ctx = context();
            if (claim(ctx, puller) && Clock::now() >= puller.next_cycle && upstream_imported(ctx, puller)) {
                ctx.role = puller.lock.get();
                const auto start = std::chrono::steady_clock::now();
                record_cycle("backup", start, backup_cycle_failed(run_backup_cycle(ctx, false, stdout)));
                send_reports(ctx);
                write_dr_export(ctx);
                reschedule_after_cycle(puller, config_.conductor.backup_service_period);
            }
            if (!stop_.requested() && claim(ctx, retention) && Clock::now() >= retention.next_cycle) {
                ctx.role = retention.lock.get();
                const auto start = std::chrono::steady_clock::now();
                record_cycle("retention", start, retention_cycle_failed(run_retention_cycle(ctx, false, stdout)));
                write_dr_export(ctx);
                reschedule_after_cycle(retention, config_.conductor.retention_service_period);
            }
            stop_.sleep_for(pause_until(std::min(puller.wake(), retention.wake())));
        }
        puller.release();
        retention.release();
        log::info(kLog, "stopped");
    }

private:
    void record_interval() const {
        const auto& c = config_.conductor;
        metrics::process_registry().set(metrics::kBackupInterval, {},
                                        static_cast<double>(std::max(c.backup_min_interval, c.backup_service_period)));
    }

    // With a MySQL [database] connection, in the puller role and before its backup cycle (so that
    // one node imports, not each): until the import completed once, no backup cycle runs, and a
    // failed import is tried again after kImportRetry.
    bool upstream_imported(Context& ctx, Role& puller) {
        if (upstream_imported_) return true;
        {
            MutexLock guard(db_mutex_);
            if (auto done = import_before_backups(config_, cloud_.cinder(), db_, ctx.now()); !done) {
                log::error(kLog, "{}; no backup cycle until it succeeds (next try in {} s)", done.error().message,
                           kImportRetry.count());
                puller.next_cycle = Clock::now() + kImportRetry;
                return false;
            }
        }
        upstream_imported_ = true;
        return true;
    }

    Context context() {
        Context ctx{config_, cloud_, db_, db_mutex_, locks_, stop_, wall_clock};
        ctx.poll_interval = std::chrono::seconds(config_.conductor.backup_poll_interval);
        return ctx;
    }

    static void reschedule_after_cycle(Role& role, std::int64_t period_seconds) {
        role.last_end = Clock::now();
        reschedule(role, period_seconds);
    }

    // A new period counts from the end of the last cycle, not from the reload.
    static void reschedule(Role& role, std::int64_t period_seconds) {
        if (role.last_end == Clock::time_point{}) return;
        role.next_cycle = role.last_end + std::chrono::seconds(period_seconds);
    }

    // True when the configuration changed.
    bool apply_reload(const ConfigReload& reload) {
        auto loaded = reload();
        for (const auto& warning : loaded.warnings) log::warning("config", "{}", warning);
        if (!loaded.ok()) {
            for (const auto& error : loaded.errors) log::error("config", "{}", error);
            log::error(kLog, "configuration not reloaded: {} error(s) above; the current configuration stays in effect",
                       loaded.errors.size());
            return false;
        }
        config::Config fresh = std::move(loaded.config);
        // The log's options apply at once, its file opened again even when unchanged.
        if (auto configured = log::configure(config::log_settings(fresh, options_.program)); !configured)
            log::warning("config", "{}; still logging to the previous file", configured.error().message);
        std::vector<config::OptionChange> changes;
        for (auto& change : config::config_changes(config_, fresh)) {
            if (!change.waits_for_restart) {
                changes.push_back(std::move(change));
                continue;
            }
            log::warning(kLog, "[{}] {} = {} is not applied until the conductor restarts (still {})", change.section,
                         change.name, change.after, change.before);
        }
        config::keep_start_only_sections(config_, fresh);
        if (changes.empty()) {
            log::info(kLog, "configuration reloaded: no option that can change at run time changed");
            return false;
        }
        if (fresh.defaults.debug != config_.defaults.debug)
            log::set_level(fresh.defaults.debug ? log::Level::debug : log::Level::info);
        for (const auto& change : changes)
            log::info(kLog, "configuration reloaded: [{}] {} = {} (was {})", change.section, change.name, change.after,
                      change.before);
        config_ = std::move(fresh);
        return true;
    }

    config::Config config_;
    RunOptions options_;
    openstack::Cloud& cloud_;
    store::Database& db_ GUARDED_BY(db_mutex_);
    Mutex db_mutex_;
    coordination::Coordinator& locks_;
    StopSignal& stop_;
    bool upstream_imported_ = false;
};

}  // namespace

int run_conductor(config::Config config, const RunOptions& options, const ConfigReload& reload) {
    // Each worker thread would take a malloc arena of its own and keep there what it freed:
    // one arena took 3 MB off the peak at 3,000 servers and 1 MB more at 10,000, with no
    // measurable loss of speed (the workers wait on the network). A fixed mmap threshold keeps
    // big buffers (a listing's blocks, a plan) out of the heap, where malloc's moving threshold
    // put them once one was freed: 4 MB less at 10,000 servers.
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    StopSignal stop;
    SignalWatcher signals(stop);
    auto db = store::Database::open(config.database.path, store::Access::read_write, store::Create::never);
    if (!db) {
        print_line(stderr, fmt::format("staffeln conductor: {}", db.error().message));
        return 1;
    }
    if (auto current = db->require_current(); !current) {
        print_line(stderr, fmt::format("staffeln conductor: {}", current.error().message));
        return 1;
    }
    auto connection = openstack::connect(config);
    if (!connection) {
        print_line(stderr, fmt::format("staffeln conductor: {}", connection.error().message));
        return 1;
    }
    const auto& credentials = connection->credentials;
    auto& cloud = *connection->cloud;
    if (auto project = cloud.session().own_project_id(); !project) {
        print_line(stderr, fmt::format("staffeln conductor: cannot authenticate at {} ({}): {}",
                                       redact_url(credentials.auth_url), credentials.source, project.error().message));
        return 1;
    }
    auto locks =
        coordination::make_coordinator(config.coordination.backend_url, config.database.path.parent_path() / "locks");
    if (!locks) {
        print_line(stderr, fmt::format("staffeln conductor: {}", locks.error().message));
        return 1;
    }
    if (!config.database.upstream_connection.empty())
        log::info(kLog,
                  "[database] connection is upstream's MySQL database {}: staffeln keeps its state in {} and imports "
                  "from it in the puller role until an import completed",
                  redact_url(config.database.upstream_connection), config.database.path.string());
    log::info(kLog, "started: cloud {} ({}), store {}, {}", redact_url(credentials.auth_url), credentials.source,
              config.database.path.string(), (*locks)->describe());
    Daemon daemon(std::move(config), options, cloud, *db, **locks, stop);
    if (options.once || options.dry_run) return daemon.once();
    service::Watchdog watchdog;
    service::ready();
    daemon.forever(reload, signals);
    service::stopping();
    return 0;
}

}  // namespace staffeln::conductor
