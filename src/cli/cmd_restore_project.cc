// `staffeln restore --project P [--at TIME] [--into new|original] [--yes] [--allow-partial]
// [--dry-run] [--format text|json]`: every server of the project the store has automated backups
// of, each restored as `--server` would (core/project_restore.h decides; a server that cannot be
// restored is refused by name and the others go on), their volumes in parallel within
// [conductor] backup_workers, one summary at the end. The project restore is recorded with its
// server restores before anything is made (store/project_restore_store.h): the same command run
// again continues it and never makes a second copy. Exit 0 every server restored, 1 a server
// refused or failed (each named) or nothing to restore, 2 bad usage or configuration.
#include "restore_cli.h"

#include "staffeln/conductor/task_ids.h"
#include "staffeln/core/project_restore.h"
#include "staffeln/core/restore_original.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/store/database.h"
#include "staffeln/store/restore_history.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <map>
#include <optional>

namespace staffeln::cli {
namespace {

// The project's lock, then every server's (the one `--server` and `cleanup` take): no server
// restore of it runs twice at once. One coordinator holds them all (it outlives its locks).
struct ProjectLocks {
    std::unique_ptr<coordination::Coordinator> coordinator;
    std::vector<std::unique_ptr<coordination::Lock>> held;
};

Result<ProjectLocks> lock_project(const config::Config& config, const std::string& project_id,
                                  const std::vector<store::KnownServer>& servers) {
    auto made =
        coordination::make_coordinator(config.coordination.backend_url, config.database.path.parent_path() / "locks");
    if (!made) return made.error();
    ProjectLocks locks{std::move(made).value(), {}};
    auto project = locks.coordinator->try_lock("restore-project-" + project_id);
    if (!project) return project.error();
    locks.held.push_back(std::move(project).value());
    for (const auto& s : servers) {
        auto server = locks.coordinator->try_lock("restore-" + s.id);
        if (!server) {
            auto error = server.error();
            error.message = fmt::format("server {}: {}", label(s.name, s.id), error.message);
            return error;
        }
        locks.held.push_back(std::move(server).value());
    }
    return locks;
}

std::string point_label(const store::StoredRestore& r) { return core::format_point_time(r.point_time); }

nlohmann::json refusals_json(const std::vector<core::ServerRefusal>& refused) {
    auto out = nlohmann::json::array();
    for (const auto& r : refused) out.push_back({{"id", r.server_id}, {"name", r.server_name}, {"reason", r.reason}});
    return out;
}

void print_refusals(const std::vector<core::ServerRefusal>& refused) {
    for (const auto& r : refused)
        print_line(stdout, fmt::format("  server {}: refused: {}", label(r.server_name, r.server_id), r.reason));
}

void print_dry_run(const core::ProjectRestorePlan& plan, const std::vector<store::StoredRestore>& continuing,
                   const std::string& continuing_id, const std::string& format) {
    std::vector<core::RestorePlan> plans = plan.servers;
    for (const auto& r : continuing) plans.push_back(plan_of(r));
    if (format == "json") {
        auto servers = nlohmann::json::array();
        for (const auto& p : plans) {
            auto volumes = nlohmann::json::array();
            for (const auto& v : p.volumes)
                volumes.push_back({{"source", v.source_volume_id},
                                   {"backup", v.backup_id},
                                   {"restored", nullptr},
                                   {"name", v.new_name},
                                   {"size_gb", v.size_gb}});
            auto left_out = nlohmann::json::array();
            for (const auto& v : p.left_out) left_out.push_back(v.id);
            servers.push_back({{"id", p.server_id},
                               {"name", p.server_name},
                               {"point", core::format_point_time(p.point_time)},
                               {"volumes", volumes},
                               {"left_out", left_out}});
        }
        print_json({{"dry_run", true},
                    {"restore", continuing_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(continuing_id)},
                    {"project", plan.project_id},
                    {"into", core::to_string(plan.into)},
                    {"servers", servers},
                    {"refused", refusals_json(plan.refused)}});
        return;
    }
    print_line(stdout,
               fmt::format("dry run: {} project {} to {}: {} server{}, {} refused",
                           continuing_id.empty() ? "would restore" : "would continue restore " + continuing_id + " of",
                           plan.project_id, core::format_point_time(plan.at), plans.size(),
                           plans.size() == 1 ? "" : "s", plan.refused.size()));
    for (const auto& p : plans) print_plan(p, "text", "");
    print_refusals(plan.refused);
}

void print_summary(const store::StoredProjectRestore& r, const std::string& format) {
    if (format == "json") {
        auto servers = nlohmann::json::array();
        for (const auto& s : r.servers) {
            auto item = outcome_json(s);
            item["id"] = s.server_id;
            item["name"] = s.server_name;
            servers.push_back(item);
        }
        print_json({{"restore", r.id},
                    {"project", r.project_id},
                    {"status", r.status},
                    {"into", core::to_string(r.into)},
                    {"servers", servers},
                    {"refused", refusals_json(r.refused)}});
        return;
    }
    std::size_t succeeded = 0;
    std::size_t volumes = 0;
    for (const auto& s : r.servers) {
        succeeded += s.status == "succeeded";
        for (const auto& v : s.volumes) volumes += v.state == store::VolumeState::done;
    }
    print_line(stdout, fmt::format("restore {} of project {} to {}: {}: {} of {} servers restored ({} volumes), "
                                   "{} failed, {} refused",
                                   r.id, r.project_id, core::format_point_time(r.at), r.status, succeeded,
                                   r.servers.size() + r.refused.size(), volumes, r.servers.size() - succeeded,
                                   r.refused.size()));
    for (const auto& s : r.servers) print_outcome(s, "text");
    print_refusals(r.refused);
}

int project_fail(const std::string& project_id, const std::string& message) {
    return restore_fail(fmt::format("project {}: {}", project_id, message));
}

}  // namespace

int run_project_restore(Context& ctx, const RestoreArgs& args) {
    std::optional<TimePoint> at;
    if (int bad = parse_at(args.at, at); bad != kExitOk) return bad;
    const core::RestoreInto into = core::restore_into_from(args.into).value_or(core::RestoreInto::new_volumes);
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_write, store::Create::never);
    if (!db) return restore_fail(db.error().message);
    if (auto current = db->require_current(); !current) return restore_fail(current.error().message);
    auto servers = store::servers_of_project(*db, args.project);
    if (!servers) return restore_fail(servers.error().message);
    if (servers->empty())
        return project_fail(args.project, fmt::format("the store {} has no backup record of a server in a project "
                                                      "with this ID; nothing restored",
                                                      db->path().string()));
    std::optional<ProjectLocks> locks;
    if (!args.dry_run) {
        auto taken = lock_project(*config, args.project, *servers);
        if (!taken)
            return project_fail(args.project,
                                fmt::format("{}; another staffeln process restores it or one of its servers "
                                            "(`staffeln restore status` shows them); run again once it has ended; "
                                            "nothing changed",
                                            taken.error().message));
        locks = std::move(taken).value();
    }
    auto running = store::running_project_restore(*db, args.project);
    if (!running) return restore_fail(running.error().message);
    if (*running && at && *at != (*running)->at)
        return project_fail(args.project,
                            fmt::format("restore {} to {} is unfinished: run the command again without --at to "
                                        "continue it, or `staffeln restore cleanup {}` to delete what it made",
                                        (*running)->id, core::format_point_time((*running)->at), (*running)->id));
    if (*running && (*running)->into != into)
        return project_fail(args.project,
                            fmt::format("restore {} is unfinished: run the command again with --into {} "
                                        "to continue it, or `staffeln restore cleanup {}`",
                                        (*running)->id, core::to_string((*running)->into), (*running)->id));
    auto connection = openstack::connect(*config);
    if (!connection) return restore_fail(connection.error().message + "; nothing restored");
    openstack::Cloud& cloud = *connection->cloud;

    std::string id;
    if (*running) {
        id = (*running)->id;
        if (args.dry_run) {
            std::vector<store::StoredRestore> unfinished;
            for (const auto& s : (*running)->servers)
                if (s.status == "running") unfinished.push_back(s);
            core::ProjectRestorePlan shown{args.project, (*running)->at,     into, (*running)->allow_partial,
                                           {},           (*running)->refused};
            print_dry_run(shown, unfinished, id, args.format);
            return kExitOk;
        }
        if (args.format == "text")
            print_line(stdout, fmt::format("continuing restore {} of project {} (started {})", id, args.project,
                                           core::format_point_time((*running)->created_at)));
    } else {
        std::vector<core::ServerHistory> histories;
        std::map<std::string, std::string> own_restores;
        for (const auto& server : *servers) {
            auto history = store::load_history(*db, server);
            if (!history) return restore_fail(history.error().message);
            histories.push_back(std::move(history).value());
            auto own = store::running_restore(*db, server.id);
            if (!own) return restore_fail(own.error().message);
            if (*own) own_restores[server.id] = (*own)->id;
        }
        auto view = read_project(cloud, args.project);
        if (!view) return restore_fail(view.error().message + "; nothing restored");
        core::RestoreRequest request{at.value_or(wall_now()), args.allow_partial, restore_policy(*config)};
        auto plan = core::plan_project_restore(args.project, histories, view->volumes, view->backups, request, into,
                                               own_restores);
        if (args.dry_run) {
            print_dry_run(plan, {}, "", args.format);
            return kExitOk;
        }
        if (plan.servers.empty()) {
            if (args.format == "text") print_refusals(plan.refused);
            return project_fail(args.project, fmt::format("none of its {} servers can be restored (each named "
                                                          "above); nothing restored",
                                                          plan.refused.size()));
        }
        if (into == core::RestoreInto::original) {
            std::vector<std::string> lines;
            for (const auto& p : plan.servers)
                for (auto& line : overwritten(p)) lines.push_back(std::move(line));
            if (int refused = confirm_or_refuse(lines, args.yes); refused != kExitOk) return refused;
        }
        id = conductor::new_task_id();
        std::vector<std::string> server_ids;
        for (std::size_t i = 0; i < plan.servers.size(); ++i) server_ids.push_back(conductor::new_task_id());
        if (auto s = store::insert_project_restore(*db, id, plan, server_ids, wall_now()); !s)
            return restore_fail(s.error().message);
    }
    auto stored = store::load_project_restore(*db, id);
    if (!stored) return restore_fail(stored.error().message);
    std::vector<store::StoredRestore> unfinished;
    for (const auto& s : stored->servers)
        if (s.status == "running") unfinished.push_back(s);
    auto ended = run_with_progress(*config, cloud, *db, std::move(unfinished), args.format);
    if (!ended) return restore_fail(ended.error().message);
    auto finished = store::load_project_restore(*db, id);
    if (!finished) return restore_fail(finished.error().message);
    std::vector<std::string> statuses;
    for (const auto& s : finished->servers) statuses.push_back(s.status);
    finished->status = core::project_restore_status(statuses, finished->refused.size());
    if (auto s = store::set_project_restore_status(*db, id, finished->status, wall_now()); !s)
        return restore_fail(s.error().message);
    print_summary(*finished, args.format);
    return finished->status == "succeeded" ? kExitOk : kExitFailed;
}

nlohmann::json project_restores_json(const std::vector<store::StoredProjectRestore>& restores) {
    auto out = nlohmann::json::array();
    for (const auto& r : restores) {
        auto servers = nlohmann::json::array();
        for (const auto& s : r.servers)
            servers.push_back({{"id", s.server_id}, {"name", s.server_name}, {"restore", s.id}, {"status", s.status}});
        out.push_back({{"id", r.id},
                       {"project_id", r.project_id},
                       {"at", core::format_point_time(r.at)},
                       {"into", core::to_string(r.into)},
                       {"status", r.status},
                       {"started", core::format_point_time(r.created_at)},
                       {"servers", servers},
                       {"refused", refusals_json(r.refused)}});
    }
    return out;
}

void print_project_restores(const std::vector<store::StoredProjectRestore>& restores) {
    for (const auto& r : restores) {
        print_line(stdout, fmt::format("restore {} of project {} to {}{}: {} (started {}), {} servers, {} refused",
                                       r.id, r.project_id, core::format_point_time(r.at),
                                       r.into == core::RestoreInto::original ? " over the originals" : "", r.status,
                                       core::format_point_time(r.created_at), r.servers.size(), r.refused.size()));
        for (const auto& s : r.servers)
            print_line(stdout, fmt::format("  server {}: restore {} to {}: {}", label(s.server_name, s.server_id), s.id,
                                           point_label(s), s.status));
        print_refusals(r.refused);
    }
}

int cleanup_project_restore(const config::Config& config, store::Database& db,
                            const store::StoredProjectRestore& restore) {
    std::vector<store::KnownServer> servers;
    for (const auto& s : restore.servers) servers.push_back({s.server_id, s.server_name, s.project_id});
    auto locks = lock_project(config, restore.project_id, servers);
    if (!locks)
        return project_fail(restore.project_id,
                            fmt::format("{}; restore {} is being run by another staffeln process; run the cleanup "
                                        "again once it has ended; nothing deleted",
                                        locks.error().message, restore.id));
    auto connection = openstack::connect(config);
    if (!connection) return restore_fail(connection.error().message + "; nothing deleted");
    CleanupCount total;
    for (const auto& s : restore.servers) {
        auto count = cleanup_restore(connection->cloud->cinder(), s);
        if (!count) return restore_fail(count.error().message);
        total.volumes += count->volumes;
        total.not_deleted += count->not_deleted;
        if (count->not_deleted == 0)
            if (auto st = store::set_restore_status(db, s.id, "cleaned", wall_now()); !st)
                return restore_fail(st.error().message);
    }
    if (total.not_deleted)
        return restore_fail(
            fmt::format("restore {}: {} of {} volumes not deleted (named above); run the cleanup "
                        "again once they are available",
                        restore.id, total.not_deleted, total.volumes));
    if (auto s = store::set_project_restore_status(db, restore.id, "cleaned", wall_now()); !s)
        return restore_fail(s.error().message);
    print_line(stdout, fmt::format("restore {}: {} volume{} deleted", restore.id, total.volumes,
                                   total.volumes == 1 ? "" : "s"));
    return kExitOk;
}

}  // namespace staffeln::cli
