#include "staffeln/conductor/backup_executor.h"

#include "staffeln/conductor/task_ids.h"
#include "staffeln/conductor/worker_pool.h"
#include "staffeln/config/time_zone.h"
#include "staffeln/core/backup_tag.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"
#include "staffeln/metric_catalog.h"
#include "staffeln/net/http_transport.h"
#include "staffeln/store/server_sets.h"
#include "staffeln/store/task_store.h"

#include <SQLiteCpp/Transaction.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace staffeln::conductor {
namespace {

using core::TaskStatus;

constexpr std::string_view kLog = "conductor";

class Executor {
public:
    Executor(Context& ctx, const core::BackupSnapshot& snapshot, BackupOutcome& outcome, SnapshotPass* snapshots)
        : ctx_(ctx), snapshot_(snapshot), outcome_(outcome), snapshots_(snapshots) {}

    void run(const core::BackupPlan& plan, Pass pass) {
        if (pass == Pass::start) record_server_sets(plan);
        std::vector<const core::CreateBackup*> creates;
        std::vector<bool> retried;
        std::vector<const core::CompleteTask*> completes;
        for (const auto& action : plan.actions) {
            if (const auto* done = std::get_if<core::CompleteTask>(&action)) {
                completes.push_back(done);
            } else if (const auto* c = std::get_if<core::CreateBackup>(&action)) {
                if (pass == Pass::start) creates.push_back(c), retried.push_back(false);
            } else if (const auto* r = std::get_if<core::RetryCreate>(&action)) {
                if (pass == Pass::start) creates.push_back(&r->create), retried.push_back(true);
            } else if (pass == Pass::start || !is_about_a_volume_only(action)) {
                // Successes are batched, but an adoption may need the volume's previous adopted
                // task finished first (one open task per volume): the plan's order holds there.
                if (std::holds_alternative<core::AdoptBackup>(action)) complete(std::exchange(completes, {}));
                std::visit([this](const auto& a) { apply(a); }, action);
            }
        }
        complete(completes);
        if (creates.empty()) return;
        tag_form_ = negotiate_tag_form();
        std::vector<Job> direct, by_snapshot;
        for (std::size_t i = 0; i < creates.size(); ++i) {
            (in_snapshot_mode(creates[i]->server_id) ? by_snapshot : direct).push_back(Job{creates[i], retried[i]});
        }
        for_each_bounded(
            workers(), direct.size(),
            [&](std::size_t i) {
                if (prepare(direct[i])) send(direct[i]);
                direct[i].lock.reset();  // one lock (a file descriptor) per worker, not per volume
            },
            ctx_.stop.flag());
        if (!by_snapshot.empty()) run_snapshot_mode(by_snapshot);
    }

private:
    // The settle pass finishes the work in flight; what it would say of volumes the start pass
    // has said already (a second skip, a second failed task).
    static bool is_about_a_volume_only(const core::BackupAction& action) {
        return std::holds_alternative<core::SkipVolume>(action) || std::holds_alternative<core::FailVolume>(action);
    }

    core::TagForm negotiate_tag_form() {
        auto metadata = ctx_.cloud.cinder().supports_backup_metadata();
        if (metadata && *metadata) return core::TagForm::metadata;
        if (!metadata)
            log::warning(kLog, "cannot read Cinder's microversion ({}); tagging backups in their description",
                         metadata.error().message);
        return core::TagForm::description;
    }

    void problem(std::string line) EXCLUDES(outcome_mutex_) {
        log::warning(kLog, "{}", line);
        MutexLock lock(outcome_mutex_);
        outcome_.problems.push_back(std::move(line));
    }

    // The outcome's counters, which the workers write too.
    void count(int BackupOutcome::*counter) EXCLUDES(outcome_mutex_) {
        MutexLock lock(outcome_mutex_);
        ++(outcome_.*counter);
    }

    bool in_snapshot_mode(const std::string& server_id) EXCLUDES(outcome_mutex_) {
        MutexLock lock(outcome_mutex_);
        return snapshots_ && snapshots_->snapshot_servers.contains(server_id);
    }

    // One server set per server the start pass writes tasks for (core/server_set.h), recorded
    // before any of its tasks. A set that cannot be recorded is logged; its tasks go without one
    // (the report then groups them by time).
    void record_server_sets(const core::BackupPlan& plan) {
        std::map<std::string, store::ServerSetRow> sets;
        auto count = [&](const std::string& server_id, const std::string& project_id) {
            if (server_id.empty()) return;
            auto& set = sets[server_id];
            if (set.id.empty()) set = {new_task_id(), server_id, project_id, mode_of(server_id), 0, ctx_.now()};
            ++set.volumes;
        };
        for (const auto& action : plan.actions) {
            if (const auto* c = std::get_if<core::CreateBackup>(&action)) count(c->server_id, c->project_id);
            if (const auto* r = std::get_if<core::RetryCreate>(&action))
                count(r->create.server_id, r->create.project_id);
            if (const auto* f = std::get_if<core::FailVolume>(&action)) count(f->server_id, f->project_id);
        }
        for (const auto& [server_id, set] : sets) {
            MutexLock lock(ctx_.db_mutex);
            if (auto recorded = store::record_server_set(ctx_.db, set); !recorded)
                log::error(kLog, "{}", recorded.error().message);
            else
                set_of_server_.emplace(server_id, set.id);
        }
    }

    core::BackupMode mode_of(const std::string& server_id) {
        return in_snapshot_mode(server_id) ? core::BackupMode::snapshot : core::BackupMode::volume;
    }

    // Written before the threads start, read-only after.
    std::string set_of(const std::string& server_id) const {
        auto it = set_of_server_.find(server_id);
        return it == set_of_server_.end() ? std::string() : it->second;
    }

    template <class Fn>
    Status with_store(Fn&& fn) {
        MutexLock lock(ctx_.db_mutex);
        store::TaskStore tasks(ctx_.db);
        return fn(tasks);
    }

    std::string name_of_volume(const std::string& id) const {
        auto it = snapshot_.volumes.find(id);
        return it == snapshot_.volumes.end() ? std::string() : it->second.name;
    }
    std::string name_of_server(const std::string& id) {
        std::call_once(servers_indexed_, [this] {
            for (const auto& server : snapshot_.servers) servers_.emplace(server.id, &server);
        });
        auto it = servers_.find(id);
        return it == servers_.end() ? std::string() : it->second->name;
    }
    // Only failures and cancellations ask: indexed on the first, not for every pass.
    std::string project_of_task(const std::string& task_id) {
        if (tasks_.empty())
            for (const auto& task : snapshot_.tasks) tasks_.emplace(task.task_id, &task);
        auto it = tasks_.find(task_id);
        return it == tasks_.end() ? std::string() : it->second->project_id;
    }
    const Backup* backup_by_id(const std::string& backup_id) {
        if (backups_.empty())
            for (const auto& backup : snapshot_.backups) backups_.emplace(backup.id, &backup);
        auto it = backups_.find(backup_id);
        return it == backups_.end() ? nullptr : it->second;
    }

    // One create of the start pass: its volume's lock, taken before its task is written and held
    // around each call that may make something (in snapshot mode released during the wait for
    // the snapshots); in snapshot mode, the snapshot it is made from.
    struct Job {
        const core::CreateBackup* c = nullptr;
        bool existing_task = false;  // a retry: the task is in the store already
        std::unique_ptr<coordination::Lock> lock{};
        bool ready = false;         // locked and its task written
        std::string snapshot_id{};  // "" for a backup straight from the volume
        std::string fallback{};     // why a snapshot-mode backup comes straight from the volume
    };

    std::size_t workers() const { return static_cast<std::size_t>(ctx_.config.conductor.backup_workers); }

    bool lock_volume(Job& job) {
        auto lock = ctx_.locks.try_lock(job.c->volume_id);  // upstream Staffeln's name for a volume's lock
        if (!lock) {
            problem(fmt::format("volume {} skipped this cycle: {}", job.c->volume_id, lock.error().message));
            return false;
        }
        job.lock = std::move(*lock);
        return true;
    }

    // Takes the volume's lock and writes a new task before anything is sent for it. The task's
    // time is taken before the lock and the role are checked: a node paused in between finds
    // them lost and writes nothing, so a task in the store was timed while its node held the
    // role, before any backup another node made in its stead (which supersedes it).
    bool prepare(Job& job) {
        const auto& c = *job.c;
        TimePoint now = ctx_.now();
        if (!lock_volume(job)) return false;
        if (!job.existing_task) {
            if (!still_allowed(job, "task was written")) return false;
            core::TaskRecord task{c.task_id, c.volume_id,         c.project_id, c.server_id, "",
                                  c.kind,    TaskStatus::pending, now,          ""};
            store::TaskLabels labels{name_of_volume(c.volume_id), name_of_server(c.server_id), c.name,
                                     set_of(c.server_id)};
            auto written = with_store([&](store::TaskStore& s) { return s.insert(task, labels, now); });
            if (!written) {
                problem(fmt::format("volume {} not backed up: {}", c.volume_id, written.error().message));
                return false;
            }
        } else if (auto set = set_of(c.server_id); !set.empty()) {
            auto moved = with_store([&](store::TaskStore& s) { return s.assign_set(c.task_id, set); });
            if (!moved) log::error(kLog, "{}", moved.error().message);
        }
        job.ready = true;
        return true;
    }

    bool still_allowed(const Job& job, std::string_view what) {
        if (job.lock->held() && ctx_.role_held()) return true;
        problem(fmt::format("volume {} not backed up: the volume lock or the puller role was lost before the {}",
                            job.c->volume_id, what));
        return false;
    }

    void send(const Job& job) {
        const auto& c = *job.c;
        if (!still_allowed(job, "create")) return;
        failpoint::hit("backup.create.before_call");
        auto tag = core::tag_fields(c.task_id, tag_form_);
        // From a snapshot Cinder reads the snapshot, not the volume: no force.
        bool force = job.snapshot_id.empty() && c.force;
        openstack::BackupRequest request{
            c.project_id, c.volume_id,     c.name,      tag.description, c.kind == core::BackupKind::incremental,
            force,        job.snapshot_id, tag.metadata};
        net::SendGuard guard([&] { return job.lock->held() && ctx_.role_held(); });
        auto backup_id = ctx_.cloud.cinder().create_backup(request);
        auto kind = c.kind;
        std::string_view kind_reason = c.kind_reason;
        // Cinder refused the incremental, so nothing was made: the same task, with the same tag,
        // is a full at once rather than a cycle later.
        if (!backup_id && request.incremental && !backup_id.error().maybe_applied &&
            core::is_no_parent_error(backup_id.error().message)) {
            log::info(kLog, "{} backup of volume {}: retrying it as a full", core::kNoParentReason, c.volume_id);
            request.incremental = false;
            kind = core::BackupKind::full;
            kind_reason = core::kNoParentReason;
            backup_id = ctx_.cloud.cinder().create_backup(request);
        }
        failpoint::hit("backup.create.after_call");
        TimePoint now = ctx_.now();
        if (backup_id) {
            auto recorded =
                with_store([&](store::TaskStore& s) { return s.set_in_flight(c.task_id, *backup_id, now, kind); });
            failpoint::hit("backup.record.after_commit");
            if (!recorded)
                problem(
                    fmt::format("backup {} of volume {} was created but not recorded ({}); the next "
                                "reconciliation adopts it by its tag",
                                *backup_id, c.volume_id, recorded.error().message));
            log::info(kLog, "{} {} backup {} of volume {} in project {}{} ({})",
                      job.existing_task ? "retried" : "started", core::to_string(kind), *backup_id, c.volume_id,
                      c.project_id, job.snapshot_id.empty() ? "" : " from snapshot " + job.snapshot_id, kind_reason);
            metrics::process_registry().add(metrics::kBackupsCreated, {{"project", c.project_id}});
            MutexLock counting(outcome_mutex_);
            ++outcome_.created;
            if (!job.fallback.empty() && snapshots_) snapshots_->notes[c.task_id] = job.fallback;
            return;
        }
        const Error& e = backup_id.error();
        std::string why =
            e.maybe_applied
                ? fmt::format("the create may have reached Cinder ({}); it is reconciled by its tag", e.message)
                : e.message;
        auto noted = with_store([&](store::TaskStore& s) { return s.note_attempt_failed(c.task_id, why, now); });
        if (!noted) log::error(kLog, "{}", noted.error().message);
        problem(fmt::format("backup of volume {} in project {} failed to start: {}", c.volume_id, c.project_id, why));
    }

    // Snapshot mode: per server, every volume locked and its task written, then all its snapshots
    // asked for at once (their moments as close as Cinder allows); once they are available, a
    // backup from each. A snapshot Cinder refuses (e.g. 413, the project's snapshot quota), that
    // ends in error or is still creating at backup_cycle_timeout: that volume is backed up
    // straight from itself, said in the log and the summary. Snapshots are deleted by
    // clean_up_snapshots once their backups are finished.
    void run_snapshot_mode(std::vector<Job>& jobs) {
        std::map<std::string_view, std::vector<Job*>> by_server;
        for (auto& job : jobs) by_server[job.c->server_id].push_back(&job);
        std::vector<std::vector<Job*>*> groups;
        for (auto& [server, group] : by_server) groups.push_back(&group);
        for_each_bounded(
            workers(), groups.size(),
            [&](std::size_t g) {
                std::vector<Job*> ready;
                for (Job* job : *groups[g])
                    if (prepare(*job)) ready.push_back(job);
                for_each_bounded(
                    ready.size(), ready.size(), [&](std::size_t i) { take_snapshot(*ready[i]); }, ctx_.stop.flag());
                // Released while the snapshots are made, taken again for the backup: a lock is a
                // file descriptor, too many to hold for every volume of a large cycle. The tasks,
                // pending in the store, keep the volumes this node's until then.
                for (Job* job : ready) job->lock.reset();
            },
            ctx_.stop.flag());
        wait_for_snapshots(jobs);
        for_each_bounded(
            workers(), jobs.size(),
            [&](std::size_t i) {
                Job& job = jobs[i];
                if (!job.ready) return;
                if (!lock_volume(job)) return;
                if (!job.fallback.empty()) fall_back(job);
                send(job);
                job.lock.reset();
                MutexLock lock(outcome_mutex_);
                snapshots_->last_backup_sent = std::max(snapshots_->last_backup_sent, ctx_.now());
            },
            ctx_.stop.flag());
    }

    void take_snapshot(Job& job) {
        const auto& c = *job.c;
        if (!still_allowed(job, "snapshot")) {
            job.ready = false;
            return;
        }
        failpoint::hit("snapshot.create.before_call");
        openstack::SnapshotRequest request{c.project_id, c.volume_id,
                                           c.name,       "Snapshot by staffeln",
                                           c.force,      Metadata{{std::string(core::kTaskMetadataKey), c.task_id}}};
        net::SendGuard guard([&] { return job.lock->held() && ctx_.role_held(); });
        auto made = ctx_.cloud.cinder().create_snapshot(request);
        failpoint::hit("snapshot.create.after_call");
        if (made) {
            job.snapshot_id = made->id;
            log::info(kLog, "snapshot {} of volume {} (server {}) requested", made->id, c.volume_id, c.server_id);
            return;
        }
        // A create that may have reached Cinder leaves a tagged snapshot, which the clean-up deletes.
        job.fallback = fmt::format("snapshot refused ({})", made.error().message);
    }

    void fall_back(Job& job) {
        const auto& c = *job.c;
        job.snapshot_id.clear();
        std::string line = fmt::format("volume {} of server {}: {}; backed up straight from the volume", c.volume_id,
                                       c.server_id, job.fallback);
        log::warning(kLog, "{}", line);
        MutexLock lock(outcome_mutex_);
        outcome_.warnings.push_back(std::move(line));
        job.fallback += "; backed up straight from the volume";
    }

    // One listing of snapshots per poll interval until none of this pass's is creating, as the
    // backups are waited for; the last listing is kept for the clean-up.
    void wait_for_snapshots(std::vector<Job>& jobs) {
        std::unordered_map<std::string, Job*> waiting;
        for (auto& job : jobs)
            if (job.ready && !job.snapshot_id.empty()) waiting.emplace(job.snapshot_id, &job);
        TimePoint deadline = ctx_.now() + ctx_.config.conductor.backup_cycle_timeout;
        while (!waiting.empty() && !ctx_.stop.requested() && ctx_.now() <= deadline) {
            failpoint::hit("snapshot.wait.round");
            if (!ctx_.stop.sleep_for(ctx_.poll_interval)) break;
            auto listed = ctx_.cloud.cinder().list_snapshots({});
            if (!listed) {
                log::warning(kLog, "cannot check snapshots being created ({}); trying again", listed.error().message);
                continue;
            }
            std::unordered_map<std::string_view, const Snapshot*> by_id;
            for (const auto& s : *listed) by_id.emplace(s.id, &s);
            for (auto it = waiting.begin(); it != waiting.end();) {
                auto found = by_id.find(it->first);
                if (found != by_id.end() && found->second->status == "creating") {
                    ++it;
                    continue;
                }
                if (found == by_id.end())
                    it->second->fallback = fmt::format("snapshot {} vanished", it->first);
                else if (found->second->status != "available")
                    it->second->fallback = fmt::format("snapshot {} is {}", it->first, found->second->status);
                it = waiting.erase(it);
            }
            MutexLock lock(outcome_mutex_);
            if (snapshots_) snapshots_->listed = std::move(*listed);
        }
        for (auto& [id, job] : waiting)
            job->fallback = fmt::format("snapshot {} still creating after backup_cycle_timout", id);
    }

    void apply(const core::SkipVolume& a) {
        log::info(kLog, "skipped volume {}: {}", a.volume_id, a.reason);
        count(&BackupOutcome::skipped);
    }

    void apply(const core::FailVolume& a) {
        TimePoint now = ctx_.now();
        core::TaskRecord task{a.task_id,          a.volume_id, a.project_id, a.server_id, "", core::BackupKind::full,
                              TaskStatus::failed, now,         a.reason};
        store::TaskLabels labels{name_of_volume(a.volume_id), name_of_server(a.server_id), "", set_of(a.server_id)};
        auto written = with_store([&](store::TaskStore& s) { return s.insert(task, labels, now); });
        if (!written) log::error(kLog, "{}", written.error().message);
        metrics::process_registry().add(metrics::kBackupsFailed, {{"project", a.project_id}});
        count(&BackupOutcome::failed);
        problem(fmt::format("volume {} of server {} not backed up: {}", a.volume_id, a.server_id, a.reason));
    }

    void apply(const core::AdoptBackup& a) {
        TimePoint now = ctx_.now();
        auto adopted = with_store([&](store::TaskStore& s) -> Status {
            if (!a.known_task) {
                core::TaskRecord task{a.task_id, a.volume_id,         a.project_id, a.server_id, "",
                                      a.kind,    TaskStatus::pending, a.created_at, ""};
                // No set: the tag names the task only (the report groups such tasks by time).
                store::TaskLabels labels{name_of_volume(a.volume_id), name_of_server(a.server_id), "", ""};
                if (auto written = s.insert(task, labels, now); !written) return written;
            }
            return s.set_in_flight(a.task_id, a.backup_id, now, a.kind);
        });
        if (!adopted) {
            problem(fmt::format("cannot adopt backup {}: {}", a.backup_id, adopted.error().message));
            return;
        }
        log::info(kLog, "adopted backup {} of volume {}: {}", a.backup_id, a.volume_id, a.reason);
        count(&BackupOutcome::adopted);
    }

    // The servers' stamps go before the tasks' success: a crash between the two leaves the tasks
    // in flight, and the next cycle completes them and stamps again (a stamp is idempotent).
    // Recorded first, a success would hide a stamp the crash lost.
    void complete(const std::vector<const core::CompleteTask*>& completes) {
        if (completes.empty()) return;
        std::set<std::string> servers;
        for (const auto* done : completes)
            if (!done->server_id.empty()) servers.insert(done->server_id);
        stamp_servers(servers);
        record_successes(completes);
    }

    // One metadata update per server, backup_workers at a time: in sequence, 10,000 servers at
    // 5 ms a request would hold the cycle's end 50 s after Cinder had finished.
    void stamp_servers(const std::set<std::string>& server_ids) {
        const std::string& key = ctx_.config.conductor.last_backup_metadata_key;
        if (key.empty()) return;
        std::string stamp = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", ctx_.now());
        std::vector<const std::string*> ids;
        for (const auto& id : server_ids) ids.push_back(&id);
        std::atomic<bool> role_lost{false};
        for_each_bounded(
            static_cast<std::size_t>(ctx_.config.conductor.backup_workers), ids.size(),
            [&](std::size_t i) {
                if (!ctx_.role_held()) {
                    if (!role_lost.exchange(true))
                        log::warning(kLog, "last-backup stamps not set: the puller role was lost");
                    return;
                }
                failpoint::hit("backup.stamp.before");
                auto set = ctx_.cloud.nova().set_server_metadata(*ids[i], key, stamp);
                failpoint::hit("backup.stamp.after");
                if (!set) log::warning(kLog, "cannot set {} on server {}: {}", key, *ids[i], set.error().message);
            },
            ctx_.stop.flag());
    }

    // Every success of a pass in one transaction: a commit each took 7 s for 20,000 tasks, all
    // of it between Cinder finishing and the cycle's end.
    void record_successes(const std::vector<const core::CompleteTask*>& done) {
        TimePoint now = ctx_.now();
        std::vector<bool> marked(done.size(), false);
        auto written = with_store([&](store::TaskStore& s) {
            return store::guarded("cannot record this cycle's successful tasks", [&] {
                ctx_.db_mutex.assert_held();  // inside with_store
                SQLite::Transaction tx(ctx_.db.sql());
                for (std::size_t i = 0; i < done.size(); ++i) {
                    failpoint::hit("backup.settle.before_record");
                    auto set = s.set_status(done[i]->task_id, TaskStatus::succeeded, note_of(done[i]->task_id), now);
                    if (!set) log::error(kLog, "{}", set.error().message);
                    marked[i] = static_cast<bool>(set);
                }
                tx.commit();
                failpoint::hit("backup.settle.after_record");
            });
        });
        if (!written) {
            log::error(kLog, "{}", written.error().message);
            return;
        }
        for (std::size_t i = 0; i < done.size(); ++i) {
            if (!marked[i]) continue;
            log::info(kLog, "task {} succeeded: {}", done[i]->task_id, done[i]->reason);
            metrics::process_registry().add(metrics::kBackupsSucceeded,
                                            {{"project", project_of_task(done[i]->task_id)}});
            count(&BackupOutcome::succeeded);
        }
    }

    // Why a success came about another way than asked (the report shows it), or "".
    std::string note_of(const std::string& task_id) EXCLUDES(outcome_mutex_) {
        MutexLock lock(outcome_mutex_);
        if (!snapshots_) return {};
        auto it = snapshots_->notes.find(task_id);
        return it == snapshots_->notes.end() ? std::string() : it->second;
    }

    void apply(const core::FailTask& a) {
        auto done = with_store(
            [&](store::TaskStore& s) { return s.set_status(a.task_id, TaskStatus::failed, a.reason, ctx_.now()); });
        if (!done) log::error(kLog, "{}", done.error().message);
        metrics::process_registry().add(metrics::kBackupsFailed, {{"project", project_of_task(a.task_id)}});
        count(&BackupOutcome::failed);
        problem(fmt::format("task {} failed: {}", a.task_id, a.reason));
        if (!a.delete_backup_id.empty()) delete_backup(a.delete_backup_id, project_of_task(a.task_id), false);
    }

    // Recorded before the delete: a delete first, then a crash, would leave the task open with its
    // backup deleting, which the next cycle counts done. Recorded first, a crash leaves a closed
    // task's backup creating, which the next cycle deletes as a duplicate.
    void apply(const core::CancelTask& a) {
        auto done = with_store(
            [&](store::TaskStore& s) { return s.set_status(a.task_id, TaskStatus::cancelled, a.reason, ctx_.now()); });
        if (!done) {
            problem(fmt::format("task {} not cancelled yet ({}); the next cycle tries again", a.task_id,
                                done.error().message));
            return;
        }
        failpoint::hit("backup.cancel.after_record");
        delete_backup(a.backup_id, project_of_task(a.task_id), true);
        metrics::process_registry().add(metrics::kBackupsCancelled, {{"project", project_of_task(a.task_id)}});
        count(&BackupOutcome::cancelled);
        problem(fmt::format("task {} cancelled: {}", a.task_id, a.reason));
    }

    void apply(const core::DeleteDuplicate& a) {
        const Backup* backup = backup_by_id(a.backup_id);
        bool creating = backup && backup->status == "creating";
        std::string project = backup ? backup->project_id : project_of_task(a.task_id);
        log::warning(kLog, "deleting backup {}: {}", a.backup_id, a.reason);
        delete_backup(a.backup_id, project, creating);
    }

    void apply(const core::CompleteTask&) {}
    void apply(const core::CreateBackup&) {}
    void apply(const core::RetryCreate&) {}

    // A delete that fails is logged; the failed or cancelled record keeps the backup id, so
    // retention tries again next cycle.
    void delete_backup(const std::string& backup_id, const std::string& project_id, bool force) {
        if (!ctx_.role_held()) {
            problem(
                fmt::format("backup {} not deleted: the puller role was lost; its new holder sees to it", backup_id));
            return;
        }
        net::SendGuard guard([this] { return ctx_.role_held(); });
        Status deleted = force ? ctx_.cloud.cinder().force_delete_backup(backup_id)
                               : ctx_.cloud.cinder().delete_backup(backup_id, project_id);
        if (!deleted && deleted.error().kind != ErrorKind::not_found)
            problem(fmt::format("cannot delete backup {} yet ({}); retention retries it", backup_id,
                                deleted.error().message));
    }

    Context& ctx_;
    const core::BackupSnapshot& snapshot_;
    Mutex outcome_mutex_;
    BackupOutcome& outcome_ GUARDED_BY(outcome_mutex_);
    SnapshotPass* snapshots_ PT_GUARDED_BY(outcome_mutex_);
    core::TagForm tag_form_ = core::TagForm::description;
    // Views of the snapshot's ids, built on first use: copied keys for 70,000 objects cost 8 MB.
    std::once_flag servers_indexed_;  // creates run on several workers
    std::unordered_map<std::string_view, const Server*> servers_;
    std::unordered_map<std::string_view, const core::TaskRecord*> tasks_;
    std::unordered_map<std::string_view, const Backup*> backups_;
    std::unordered_map<std::string, std::string> set_of_server_;  // server id -> its set this pass
};

}  // namespace

void execute_backup_plan(Context& ctx, const core::BackupSnapshot& snapshot, const core::BackupPlan& plan, Pass pass,
                         BackupOutcome& outcome, SnapshotPass* snapshots) {
    Executor(ctx, snapshot, outcome, snapshots).run(plan, pass);
}

core::BackupPolicy backup_policy(const config::Config& config) {
    const auto& c = config.conductor;
    core::BackupPolicy policy;
    if (!c.backup_metadata_key.empty()) policy.backup_metadata_key = c.backup_metadata_key;
    policy.backup_min_interval = std::chrono::seconds(c.backup_min_interval);
    policy.full_backup_depth = static_cast<int>(c.full_backup_depth);
    policy.skip_volume_metadata_key = c.skip_volume_metadata_key;
    policy.backup_cycle_timeout = c.backup_cycle_timeout;
    policy.backup_interval_metadata_key = c.backup_interval_metadata_key;
    // Both were validated when the config was loaded.
    if (auto window = core::parse_backup_window(c.backup_window); !c.backup_window.empty() && window.ok())
        policy.backup_window = *window;
    policy.backup_window_metadata_key = c.backup_window_metadata_key;
    policy.full_backup_depth_metadata_key = c.full_backup_depth_metadata_key;
    if (auto zone = config::resolve_time_zone(c.timezone); zone.ok()) policy.timezone = std::move(*zone);
    return policy;
}

}  // namespace staffeln::conductor
