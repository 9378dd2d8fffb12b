#include "staffeln/store/project_restore_store.h"

#include "staffeln/core/restore_original.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace staffeln::store {
namespace {

std::int64_t unix_seconds(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
TimePoint from_unix(std::int64_t seconds) { return TimePoint{std::chrono::seconds(seconds)}; }

Result<std::vector<StoredProjectRestore>> project_restores_where(Database& db, const std::string& what,
                                                                 const std::string& where, const std::string& arg) {
    std::vector<StoredProjectRestore> out;
    auto read = guarded(fmt::format("cannot read {} in {}", what, db.path().string()), [&] {
        SQLite::Statement q(db.sql(),
                            "SELECT id, project_id, at, into_target, allow_partial, status, created_at "
                            "FROM project_restores " +
                                where);
        if (!arg.empty()) q.bind(1, arg);
        while (q.executeStep()) {
            StoredProjectRestore r;
            r.id = q.getColumn(0).getString();
            r.project_id = q.getColumn(1).getString();
            r.at = from_unix(q.getColumn(2).getInt64());
            r.into = core::restore_into_from(q.getColumn(3).getString()).value_or(core::RestoreInto::new_volumes);
            r.allow_partial = q.getColumn(4).getInt() == 1;
            r.status = q.getColumn(5).getString();
            r.created_at = from_unix(q.getColumn(6).getInt64());
            out.push_back(std::move(r));
        }
        for (auto& r : out) {
            SQLite::Statement refusals(db.sql(),
                                       "SELECT server_id, server_name, reason FROM project_restore_refusals "
                                       "WHERE project_restore_id = ?1 ORDER BY server_name, server_id");
            refusals.bind(1, r.id);
            while (refusals.executeStep())
                r.refused.push_back({refusals.getColumn(0).getString(), refusals.getColumn(1).getString(),
                                     refusals.getColumn(2).getString()});
        }
    });
    if (!read) return read.error();
    for (auto& r : out) {
        auto servers = restores_of_project_restore(db, r.id);
        if (!servers) return servers.error();
        r.servers = std::move(servers).value();
    }
    return out;
}

}  // namespace

Status insert_project_restore(Database& db, const std::string& id, const core::ProjectRestorePlan& plan,
                              const std::vector<std::string>& server_restore_ids, TimePoint now) {
    auto running = running_project_restore(db, plan.project_id);
    if (!running) return running.error();
    if (*running)
        return make_error(ErrorKind::conflict, fmt::format("project {} already has restore {} running in {}",
                                                           plan.project_id, (*running)->id, db.path().string()));
    for (const auto& server : plan.servers) {
        auto own = running_restore(db, server.server_id);
        if (!own) return own.error();
        if (*own)
            return make_error(ErrorKind::conflict, fmt::format("server {} already has restore {} running in {}",
                                                               server.server_id, (*own)->id, db.path().string()));
    }
    return guarded(
        fmt::format("cannot record restore {} of project {} in {}", id, plan.project_id, db.path().string()), [&] {
            SQLite::Transaction tx(db.sql());
            SQLite::Statement p(db.sql(),
                                "INSERT INTO project_restores (id, project_id, at, into_target, allow_partial, status, "
                                "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?6)");
            p.bind(1, id);
            p.bind(2, plan.project_id);
            p.bind(3, unix_seconds(plan.at));
            p.bind(4, core::to_string(plan.into));
            p.bind(5, plan.allow_partial ? 1 : 0);
            p.bind(6, unix_seconds(now));
            p.exec();
            for (const auto& refusal : plan.refused) {
                SQLite::Statement q(db.sql(),
                                    "INSERT INTO project_restore_refusals (project_restore_id, server_id, "
                                    "server_name, reason) VALUES (?1, ?2, ?3, ?4)");
                q.bind(1, id);
                q.bind(2, refusal.server_id);
                q.bind(3, refusal.server_name);
                q.bind(4, refusal.reason);
                q.exec();
            }
            for (std::size_t i = 0; i < plan.servers.size(); ++i)
                write_restore_rows(db, server_restore_ids.at(i), plan.servers[i], now, id);
            tx.commit();
        });
}

Result<std::optional<StoredProjectRestore>> running_project_restore(Database& db, const std::string& project_id) {
    auto found = project_restores_where(db, fmt::format("the running restore of project {}", project_id),
                                        "WHERE project_id = ?1 AND status = 'running'", project_id);
    if (!found) return found.error();
    if (found->empty()) return std::optional<StoredProjectRestore>();
    return std::optional<StoredProjectRestore>(std::move(found->front()));
}

Result<StoredProjectRestore> load_project_restore(Database& db, const std::string& id) {
    auto found = project_restores_where(db, fmt::format("project restore {}", id), "WHERE id = ?1", id);
    if (!found) return found.error();
    if (found->empty())
        return make_error(ErrorKind::not_found,
                          fmt::format("restore {}: the store {} has no restore with this ID", id, db.path().string()));
    return std::move(found->front());
}

Result<std::vector<StoredProjectRestore>> load_project_restores(Database& db) {
    return project_restores_where(db, "the project restores", "ORDER BY created_at DESC, id", "");
}

Status set_project_restore_status(Database& db, const std::string& id, const std::string& status, TimePoint now) {
    return guarded(fmt::format("cannot set restore {} {} in {}", id, status, db.path().string()), [&] {
        SQLite::Statement q(db.sql(), "UPDATE project_restores SET status = ?2, updated_at = ?3 WHERE id = ?1");
        q.bind(1, id);
        q.bind(2, status);
        q.bind(3, unix_seconds(now));
        q.exec();
    });
}

}  // namespace staffeln::store
