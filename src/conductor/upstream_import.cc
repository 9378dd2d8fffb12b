#include "staffeln/conductor/upstream_import.h"

#include "staffeln/core/backup_tag.h"
#include "staffeln/core/upstream_queue.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"
#include "staffeln/store/backup_index.h"
#include "staffeln/store/upstream_database.h"
#include "staffeln/store/upstream_import_marker.h"
#include "staffeln/url_password.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace staffeln::conductor {
namespace {

constexpr std::size_t kMaxDescription = 255;  // Cinder's limit

// The backup as it is once tagged: the metadata form keeps every key it had (Cinder's PUT
// replaces the whole metadata), the description form appends the marker to its description.
Backup tagged_copy(const Backup& backup, const std::string& task_id, core::TagForm form) {
    Backup tagged = backup;
    auto fields = core::tag_fields(task_id, form);
    if (form == core::TagForm::metadata) {
        tagged.metadata[std::string(core::kTaskMetadataKey)] = task_id;
    } else {
        std::string appended = fmt::format("{} [{}{}]", backup.description, core::kTaskDescriptionMarker, task_id);
        tagged.description =
            backup.description.empty() || appended.size() > kMaxDescription ? fields.description : appended;
    }
    return tagged;
}

}  // namespace

Result<UpstreamImportOutcome> import_upstream(openstack::Cinder& cinder, store::Database* db,
                                              const std::unordered_set<std::string>& indexed,
                                              const std::vector<core::UpstreamBackupRow>& rows, TimePoint now) {
    auto backups = cinder.list_backups({});
    if (!backups) return backups.error().context("listing Cinder's backups");
    auto supported = cinder.supports_backup_metadata();
    if (!supported) return supported.error();
    auto form = *supported ? core::TagForm::metadata : core::TagForm::description;
    std::unordered_map<std::string, const Backup*> by_id;
    for (const auto& b : *backups) by_id.emplace(b.id, &b);

    auto plan = core::plan_upstream_import(rows, *backups, indexed);
    UpstreamImportOutcome out;
    for (const auto& d : plan.decisions) {
        out.lines.push_back(fmt::format("{} backup {}: {}", core::to_string(d.verdict), d.backup_id, d.reason));
        switch (d.verdict) {
            case core::ImportVerdict::gone:
                ++out.gone;
                continue;
            case core::ImportVerdict::skipped:
                ++out.skipped;
                continue;
            case core::ImportVerdict::already_done:
                ++out.already;
                continue;
            case core::ImportVerdict::record_only:
            case core::ImportVerdict::tag_and_record:
            case core::ImportVerdict::tag_only:
                break;
        }
        int& counter = d.verdict == core::ImportVerdict::record_only ? out.recorded : out.tagged;
        if (!db) {
            ++counter;
            continue;
        }
        const Backup& listed = *by_id.at(d.backup_id);
        Backup tagged = listed;
        if (d.verdict != core::ImportVerdict::record_only) {
            tagged = tagged_copy(listed, d.task_id, form);
            failpoint::hit("import.tag.before_call");
            auto done = form == core::TagForm::metadata
                            ? cinder.update_backup(d.backup_id, std::nullopt, tagged.metadata)
                            : cinder.update_backup(d.backup_id, tagged.description, std::nullopt);
            if (!done) {
                out.problems.push_back(fmt::format("cannot tag backup {}: {}", d.backup_id, done.error().message));
                continue;
            }
            failpoint::hit("import.tag.after_call");
        }
        // A backup still creating is left to the conductor, which adopts it by its tag.
        if (d.verdict != core::ImportVerdict::tag_only) {
            if (auto recorded = store::BackupIndex(*db).add(tagged, d.server_id, now); !recorded) {
                out.problems.push_back(recorded.error().message);
                continue;
            }
        }
        ++counter;
    }
    return out;
}

namespace {

// Backups an earlier import tagged: in the store, else (a new store, e.g. a pod's emptyDir) in
// Cinder's listing. Only asked when upstream's database cannot be reached.
Result<std::size_t> imported_earlier(openstack::Cinder& cinder, store::Database& db) {
    auto in_store = store::BackupIndex(db).count_with_task_prefix(core::kUpstreamTaskPrefix);
    if (!in_store) return in_store.error();
    if (*in_store > 0) return in_store;
    auto backups = cinder.list_backups({});
    if (!backups) return backups.error().context("listing Cinder's backups");
    return static_cast<std::size_t>(std::count_if(backups->begin(), backups->end(), [](const Backup& b) {
        auto task = core::task_id_view(b);
        return task && task->starts_with(core::kUpstreamTaskPrefix);
    }));
}

}  // namespace

std::chrono::seconds upstream_patience(const config::Config& config) {
    return std::chrono::seconds(config.conductor.backup_service_period) + config.conductor.backup_cycle_timeout;
}

Status import_before_backups(const config::Config& config, openstack::Cinder& cinder, store::Database& db,
                             TimePoint now) {
    const std::string& url = config.database.upstream_connection;
    if (url.empty()) return {};
    auto mark = store::UpstreamImportMarker(db).completed();
    if (!mark) return mark.error();
    if (*mark) return {};
    auto parsed = store::parse_mysql_url(url);
    if (!parsed) return parsed.error();
    auto upstream = store::read_upstream_database(*parsed, url);
    if (!upstream && upstream.error().kind == ErrorKind::unavailable) {
        auto earlier = imported_earlier(cinder, db);
        if (!earlier) return earlier.error().context(upstream.error().message);
        if (*earlier > 0) {
            log::warning("conductor",
                         "{}; {} backup(s) imported from it earlier carry staffeln's upstream- tag, so going on "
                         "without it (if that import did not complete, run `staffeln db-manage import-upstream "
                         "--connection URL`; once the switch is done, remove the MySQL URL from [database] connection)",
                         upstream.error().message, *earlier);
            return {};
        }
    }
    if (!upstream) return upstream.error();
    for (const auto& line : upstream->unread_tasks)
        log::warning("conductor", "import-upstream: not imported: {}", line);
    auto queue = core::upstream_queue_verdict(upstream->pending_tasks, now, upstream_patience(config));
    for (const auto& line : queue.abandoned) log::warning("conductor", "import-upstream: not imported: {}", line);
    if (queue.wait)
        return make_error(ErrorKind::unavailable,
                          fmt::format("{}; the import runs again before the next backup cycle", *queue.wait));
    auto indexed = store::BackupIndex(db).backup_ids();
    if (!indexed) return indexed.error();
    auto outcome = import_upstream(cinder, &db, *indexed, upstream->rows, now);
    if (!outcome) return outcome.error();
    for (const auto& line : outcome->lines) log::info("conductor", "import-upstream: {}", line);
    for (const auto& line : outcome->problems) log::error("conductor", "import-upstream: problem: {}", line);
    log::info("conductor",
              "imported upstream's backups: {} tagged, {} already tagged ({} recorded now), {} gone from Cinder, {} "
              "skipped, {} problem(s)",
              outcome->tagged, outcome->already + outcome->recorded, outcome->recorded, outcome->gone, outcome->skipped,
              outcome->problems.size());
    if (!outcome->problems.empty())
        return make_error(ErrorKind::unavailable,
                          fmt::format("importing upstream's backups: {} problem(s), each logged above; the import "
                                      "runs again before the next backup cycle",
                                      outcome->problems.size()));
    if (auto marked = store::UpstreamImportMarker(db).mark_completed(now, redact_url(url)); !marked)
        return marked.error();
    return {};
}

}  // namespace staffeln::conductor
