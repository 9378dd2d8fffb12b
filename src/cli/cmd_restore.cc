// `staffeln restore list (--server S | --project P) [--format text|json]`: a server's restore
// points (core/restore_points.h), or those of every server of a project, from the store alone
// (read-only; no cloud request). Exit 0 listed, 1 no record of that server or project or the
// store unreadable, 2 bad usage or configuration.
// `staffeln restore --server S [--at TIME] [--into new|original] [--yes] [--allow-partial]
// [--dry-run]`: the server's volumes restored into new ones, or over the originals
// (core/restore_plan.h, core/restore_original.h, conductor/restore_run.h), continuing the
// server's unfinished restore if it has one; `--project P` every server of a project
// (cmd_restore_project.cc); `restore status [ID]` and `restore cleanup ID`.
// Exit 0 done, 1 refused or failed (each failure named), 2 bad usage or configuration.
#include "context.h"
#include "restore_cli.h"
#include "restore_confirm.h"
#include "restore_progress.h"
#include "restore_server_view.h"

#include "staffeln/conductor/restore_run.h"
#include "staffeln/conductor/restore_server.h"
#include "staffeln/conductor/task_ids.h"
#include "staffeln/coordination/coordinator.h"
#include "staffeln/core/restore_cleanup.h"
#include "staffeln/core/restore_original.h"
#include "staffeln/core/restore_plan.h"
#include "staffeln/core/restore_points.h"
#include "staffeln/core/restore_step.h"
#include "staffeln/failpoint.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/openstack/iso_time.h"
#include "staffeln/store/database.h"
#include "staffeln/store/restore_history.h"
#include "staffeln/store/restore_store.h"
#include "staffeln/store/server_definitions.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>

namespace staffeln::cli {
namespace {

struct ListArgs {
    std::string server;
    std::string project;
    std::string format = "text";
};

int fail(const std::string& message) {
    print_line(stderr, fmt::format("staffeln restore list: {}", message));
    return kExitFailed;
}

}  // namespace

// Backups whose data times lie within half a backup period are one cycle: a cycle's creates
// take seconds to minutes, and cycles start a period apart.
core::RestorePolicy restore_policy(const config::Config& config) {
    return core::RestorePolicy{std::chrono::seconds(config.conductor.backup_service_period / 2)};
}

std::string label(const std::string& name, const std::string& id) {
    return name.empty() ? id : fmt::format("{} ({})", name, id);
}

namespace {

struct Listed {
    store::KnownServer server;
    std::vector<core::RestorePoint> points;
    std::vector<store::RecordedDefinition> definitions;
};

void print_text(const std::vector<Listed>& listed) {
    bool first = true;
    for (const auto& [server, points, definitions] : listed) {
        if (!first) std::fputc('\n', stdout);
        first = false;
        print_line(stdout, fmt::format("server {} in project {}: {} restore point{}", label(server.name, server.id),
                                       server.project_id, points.size(), points.size() == 1 ? "" : "s"));
        if (points.empty()) print_line(stdout, "  none: no volume of it has an available automated backup");
        for (const auto& p : points) {
            print_line(stdout,
                       fmt::format("  {}  {}, {}", core::format_point_time(p.time), p.complete ? "complete" : "partial",
                                   p.consistent ? "consistent" : "not consistent"));
            if (const auto* d = store::definition_at(definitions, p.time))
                for (const auto& line : definition_lines(d->definition, "    ")) print_line(stdout, line);
            for (const auto& v : p.volumes) {
                if (!v.backup) {
                    print_line(stdout, fmt::format("    volume {}: no available backup at or before this point",
                                                   label(v.volume.name, v.volume.id)));
                    continue;
                }
                print_line(stdout,
                           fmt::format("    volume {}: {} backup {} of {} ({})", label(v.volume.name, v.volume.id),
                                       core::to_string(v.backup->kind), v.backup->id,
                                       core::format_point_time(v.backup->data_timestamp), v.backup->status));
            }
        }
    }
}

nlohmann::json definition_json_at(const std::vector<store::RecordedDefinition>& definitions, TimePoint at) {
    const auto* d = store::definition_at(definitions, at);
    if (!d) return nullptr;
    auto out = definition_to_json(d->definition);
    out["recorded_at"] = core::format_point_time(d->recorded_at);
    return out;
}

nlohmann::json to_json(const std::vector<Listed>& listed) {
    auto servers = nlohmann::json::array();
    for (const auto& [server, points, definitions] : listed) {
        auto list = nlohmann::json::array();
        for (const auto& p : points) {
            auto volumes = nlohmann::json::array();
            for (const auto& v : p.volumes) {
                nlohmann::json backup = nullptr;
                if (v.backup)
                    backup = {{"id", v.backup->id},
                              {"kind", core::to_string(v.backup->kind)},
                              {"status", v.backup->status},
                              {"data_timestamp", core::format_point_time(v.backup->data_timestamp)},
                              {"created_at", core::format_point_time(v.backup->created_at)}};
                volumes.push_back({{"id", v.volume.id}, {"name", v.volume.name}, {"backup", backup}});
            }
            list.push_back({{"time", core::format_point_time(p.time)},
                            {"complete", p.complete},
                            {"consistent", p.consistent},
                            {"volumes", volumes},
                            {"server", definition_json_at(definitions, p.time)}});
        }
        servers.push_back(
            {{"id", server.id}, {"name", server.name}, {"project_id", server.project_id}, {"points", list}});
    }
    return {{"servers", servers}};
}

Result<std::vector<store::KnownServer>> servers_named(store::Database& db, const ListArgs& args) {
    if (!args.server.empty()) {
        auto found = store::find_servers(db, args.server);
        if (!found) return found.error();
        if (found->empty())
            return make_error(ErrorKind::not_found,
                              fmt::format("server {}: the store {} has no backup record of a server with this ID "
                                          "or name",
                                          args.server, db.path().string()));
        if (found->size() > 1) {
            std::vector<std::string> ids;
            for (const auto& s : *found) ids.push_back(s.id);
            return make_error(ErrorKind::invalid_input,
                              fmt::format("server name {} is ambiguous: servers {} had it; give the ID", args.server,
                                          fmt::join(ids, ", ")));
        }
        return found;
    }
    auto found = store::servers_of_project(db, args.project);
    if (!found) return found.error();
    if (found->empty())
        return make_error(ErrorKind::not_found,
                          fmt::format("project {}: the store {} has no backup record of a server in a project with "
                                      "this ID",
                                      args.project, db.path().string()));
    return found;
}

int run_list(Context& ctx, const ListArgs& args) {
    if (args.server.empty() == args.project.empty()) {
        print_line(stderr, args.server.empty() ? "staffeln restore list: give --server S or --project P"
                                               : "staffeln restore list: give --server or --project, not both");
        return kExitUsage;
    }
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_only, store::Create::never);
    if (!db) return fail(db.error().message);
    if (auto current = db->require_current(); !current) return fail(current.error().message);
    auto servers = servers_named(*db, args);
    if (!servers) return fail(servers.error().message);
    std::vector<Listed> listed;
    for (auto& server : *servers) {
        auto history = store::load_history(*db, server);
        if (!history) return fail(history.error().message);
        auto definitions = store::load_definitions(*db, server.id);
        if (!definitions) return fail(definitions.error().message);
        listed.push_back({std::move(server), core::restore_points(*history, restore_policy(*config)),
                          std::move(definitions).value()});
    }
    // ensure_ascii: the cloud's names reach the terminal as \u escapes beyond ASCII (C1 controls
    // and line separators among them), the same strings to a JSON reader.
    if (args.format == "json")
        fmt::print("{}\n", to_json(listed).dump(2, ' ', true, nlohmann::json::error_handler_t::replace));
    else
        print_text(listed);
    return kExitOk;
}

}  // namespace

// ---- staffeln restore --server S ------------------------------------------------------------

int restore_fail(const std::string& message) {
    print_line(stderr, fmt::format("staffeln restore: {}", message));
    return kExitFailed;
}

TimePoint wall_now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

void print_json(const nlohmann::json& out) {
    fmt::print("{}\n", out.dump(2, ' ', true, nlohmann::json::error_handler_t::replace));
}

nlohmann::json plan_json(const core::RestorePlan& plan, const std::string& continuing,
                         const std::optional<core::BootPlan>& boot) {
    auto volumes = nlohmann::json::array();
    for (const auto& v : plan.volumes)
        volumes.push_back({{"source", v.source_volume_id},
                           {"backup", v.backup_id},
                           {"restored", nullptr},
                           {"name", v.new_name},
                           {"size_gb", v.size_gb},
                           {"volume_type", v.volume_type},
                           {"bootable", v.bootable}});
    auto left_out = nlohmann::json::array();
    for (const auto& v : plan.left_out) left_out.push_back(v.id);
    return {{"dry_run", true},
            {"restore", continuing.empty() ? nlohmann::json(nullptr) : nlohmann::json(continuing)},
            {"point", core::format_point_time(plan.point_time)},
            {"volumes", volumes},
            {"left_out", left_out},
            {"server", boot ? boot_plan_json(*boot) : nlohmann::json(nullptr)}};
}

void print_plan(const core::RestorePlan& plan, const std::string& format, const std::string& continuing,
                const std::optional<core::BootPlan>& boot) {
    if (format == "json") {
        print_json(plan_json(plan, continuing, boot));
        return;
    }
    const bool original = plan.into == core::RestoreInto::original;
    print_line(stdout,
               fmt::format("dry run: {} server {} to {} (point {}) {} in project {}",
                           continuing.empty() ? "would restore" : "would continue restore " + continuing + " of",
                           label(plan.server_name, plan.server_id), core::format_point_time(plan.at),
                           core::format_point_time(plan.point_time),
                           original ? "over its original volumes" : "into new volumes", plan.project_id));
    for (const auto& v : plan.volumes)
        if (original)
            print_line(stdout, fmt::format("  volume {}: backup {} -> over the volume itself ({} GiB)",
                                           label(v.source_name, v.source_volume_id), v.backup_id, v.size_gb));
        else
            print_line(stdout, fmt::format("  volume {}: backup {} -> new volume {} ({} GiB{}{})",
                                           label(v.source_name, v.source_volume_id), v.backup_id, v.new_name, v.size_gb,
                                           v.volume_type.empty() ? "" : ", type " + v.volume_type,
                                           v.bootable ? ", bootable" : ""));
    for (const auto& v : plan.left_out)
        print_line(stdout, fmt::format("  volume {}: left out, no available backup at or before that time",
                                       label(v.name, v.id)));
    if (boot)
        for (const auto& line : boot_plan_lines(*boot)) print_line(stdout, line);
}

core::RestorePlan plan_of(const store::StoredRestore& r) {
    core::RestorePlan plan{r.server_id, r.server_name, r.project_id, r.at, r.point_time, {}, {}};
    for (const auto& v : r.volumes) plan.volumes.push_back(v.plan);
    plan.into = r.into;
    return plan;
}

nlohmann::json outcome_json(const store::StoredRestore& r, const std::optional<store::StoredServerRestore>& server) {
    auto volumes = nlohmann::json::array();
    for (const auto& v : r.volumes) {
        nlohmann::json item = {{"source", v.plan.source_volume_id},
                               {"backup", v.plan.backup_id},
                               {"restored", v.state == store::VolumeState::done ? nlohmann::json(v.restored_volume_id)
                                                                                : nlohmann::json(nullptr)}};
        if (v.state != store::VolumeState::done) item["error"] = v.last_error;
        volumes.push_back(item);
    }
    const bool booted = server && server->state == store::ServerState::active;
    nlohmann::json out = {{"restore", r.id},
                          {"status", r.status},
                          {"volumes", volumes},
                          {"server", booted ? nlohmann::json(server->server_id) : nlohmann::json(nullptr)}};
    if (server && !booted) out["server_error"] = server->last_error;
    return out;
}

void print_outcome(const store::StoredRestore& r, const std::string& format,
                   const std::optional<store::StoredServerRestore>& server) {
    if (format == "json") {
        print_json(outcome_json(r, server));
        return;
    }
    print_line(stdout, fmt::format("restore {} of server {} to {}: {}", r.id, label(r.server_name, r.server_id),
                                   core::format_point_time(r.point_time), r.status));
    for (const auto& v : r.volumes) {
        if (v.state == store::VolumeState::done && r.into == core::RestoreInto::original)
            print_line(stdout, fmt::format("  volume {}: backup {} -> restored over it",
                                           label(v.plan.source_name, v.plan.source_volume_id), v.plan.backup_id));
        else if (v.state == store::VolumeState::done)
            print_line(stdout, fmt::format("  volume {}: backup {} -> volume {} ({})",
                                           label(v.plan.source_name, v.plan.source_volume_id), v.plan.backup_id,
                                           v.restored_volume_id, v.plan.new_name));
        else
            print_line(stdout,
                       fmt::format("  volume {}: backup {}: {}: {}", label(v.plan.source_name, v.plan.source_volume_id),
                                   v.plan.backup_id, store::to_string(v.state), v.last_error));
    }
    if (server && server->state == store::ServerState::active)
        print_line(stdout, fmt::format("  server {} -> server {} ({}), ACTIVE", label(r.server_name, r.server_id),
                                       server->server_id, server->name));
    else if (server)
        print_line(stdout, fmt::format("  server {}: not recreated: {}", label(r.server_name, r.server_id),
                                       server->last_error.empty() ? "a volume was not restored" : server->last_error));
}

Result<RestoreLock> lock_restore(const config::Config& config, const std::string& key) {
    auto locks =
        coordination::make_coordinator(config.coordination.backend_url, config.database.path.parent_path() / "locks");
    if (!locks) return locks.error();
    auto lock = (*locks)->try_lock("restore-" + key);
    if (!lock) return lock.error();
    return RestoreLock{std::move(*locks), std::move(*lock)};
}

Result<ProjectView> read_project(openstack::Cloud& cloud, const std::string& project_id) {
    openstack::VolumeQuery volumes_query;
    volumes_query.project_id = project_id;
    auto details = cloud.cinder().list_volume_details(volumes_query);
    if (!details) return details.error();
    ProjectView view;
    for (const auto& d : *details)
        view.volumes.push_back(
            {d.volume.id, d.volume.name, d.volume.size_gb, d.volume_type, d.volume.bootable, d.volume.status});
    openstack::BackupQuery backups_query;
    backups_query.project_id = project_id;
    auto backups = cloud.cinder().list_backups(backups_query);
    if (!backups) return backups.error();
    view.backups = std::move(backups).value();
    return view;
}

Result<store::KnownServer> one_server(store::Database& db, const std::string& server) {
    ListArgs args;
    args.server = server;
    auto found = servers_named(db, args);
    if (!found) return found.error();
    return found->front();
}

std::vector<std::string> overwritten(const core::RestorePlan& plan) {
    std::vector<std::string> out;
    for (const auto& v : plan.volumes)
        out.push_back(fmt::format("volume {} of server {}, with backup {}", label(v.source_name, v.source_volume_id),
                                  label(plan.server_name, plan.server_id), v.backup_id));
    return out;
}

int confirm_or_refuse(const std::vector<std::string>& volumes, bool yes) {
    if (yes || volumes.empty()) return kExitOk;
    switch (confirm_overwrite(volumes)) {
        case Confirmation::confirmed:
            return kExitOk;
        case Confirmation::declined:
            return restore_fail("not confirmed; nothing restored");
        case Confirmation::no_terminal:
            break;
    }
    return restore_fail(
        "--into original overwrites volumes and asks first, but there is no terminal to ask on; "
        "give --yes to go on without asking (check the plan with --dry-run first); nothing restored");
}

Result<std::vector<store::StoredRestore>> run_with_progress(const config::Config& config, openstack::Cloud& cloud,
                                                            store::Database& db,
                                                            std::vector<store::StoredRestore> restores,
                                                            const std::string& format, bool server_follows) {
    conductor::RestoreRunOptions options;
    options.workers = static_cast<std::size_t>(config.conductor.backup_workers);
    options.poll = std::chrono::milliseconds(500);
    options.server_follows = server_follows;
    std::optional<RestoreProgress> progress;
    if (format == "text") {
        progress.emplace(stdout, is_terminal(stdout), restores);
        options.progress = [&](const store::StoredRestore& r, const store::StoredRestoreVolume& v,
                               const std::string& cinder_status) { progress->update(r, v, cinder_status); };
    }
    auto ended = conductor::run_restores(cloud.cinder(), db, std::move(restores), options,
                                         [](const store::StoredRestoreVolume&) {});
    if (progress) progress->finish();
    return ended;
}

int parse_at(const std::string& text, std::optional<TimePoint>& at) {
    if (text.empty()) return kExitOk;
    at = openstack::parse_iso_time(text);
    if (at) return kExitOk;
    print_line(stderr, fmt::format("staffeln restore: --at {}: not a time from {} to {}; give it as "
                                   "2026-12-05T05:20:00Z (UTC) or with an offset",
                                   text, openstack::kEarliestYear, openstack::kLatestYear));
    return kExitUsage;
}

namespace {

std::string held_elsewhere(const store::KnownServer& server, const std::string& restore_id, const Error& error) {
    return fmt::format(
        "server {}: {} is being run by another staffeln process ({}); follow it with `staffeln "
        "restore status{}` and run again once it has ended; nothing changed",
        label(server.name, server.id), restore_id.empty() ? "a restore" : "restore " + restore_id, error.message,
        restore_id.empty() ? "" : " " + restore_id);
}

Result<core::RestorePlan> make_plan(store::Database& db, openstack::Cloud& cloud, const store::KnownServer& server,
                                    const core::RestoreRequest& request, core::RestoreInto into) {
    auto history = store::load_history(db, server);
    if (!history) return history.error();
    auto view = read_project(cloud, server.project_id);
    if (!view) return view.error();
    auto plan = core::plan_server_restore(*history, view->volumes, view->backups, request);
    if (!plan || into == core::RestoreInto::new_volumes) return plan;
    return core::over_originals(std::move(plan).value(), view->volumes, view->backups);
}

// What --recreate-server would boot, for a dry run: from the recorded definition, with the
// flavors Nova lists (one read-only call) and the volumes' new names for their copies.
Result<std::optional<core::BootPlan>> dry_run_boot(store::Database& db, openstack::Cloud& cloud,
                                                   const core::RestorePlan& plan, const RestoreArgs& args,
                                                   const std::string& continuing, const std::string& backup_key) {
    std::optional<store::StoredServerRestore> stored;
    if (!continuing.empty()) {
        auto loaded = store::load_server_restore(db, continuing);
        if (!loaded) return loaded.error();
        stored = std::move(loaded).value();
    }
    if (!args.recreate_server && !stored) return std::optional<core::BootPlan>();
    auto recorded = recorded_definition(db, plan.server_id, plan.point_time);
    if (!recorded) return std::optional<core::BootPlan>(core::BootPlan{{}, recorded.error().message, {}});
    auto flavors = cloud.nova().list_flavors();
    if (!flavors) return flavors.error();
    std::map<std::string, std::string> copies;
    for (const auto& v : plan.volumes) copies.emplace(v.source_volume_id, v.new_name);
    core::RecreateOptions options{continuing.empty() ? "<new restore id>" : continuing,
                                  conductor::restored_server_name(plan.server_name, plan.server_id, plan.point_time),
                                  stored ? stored->flavor : args.flavor,
                                  stored ? stored->keep_backup_tag : args.keep_backup_tag, backup_key};
    return std::optional<core::BootPlan>(core::plan_boot(*recorded, copies, *flavors, options));
}

// The restore's server record: the one stored, or (with --recreate-server) a new one, written
// before anything is booted so that a run after a crash continues it.
Result<std::optional<store::StoredServerRestore>> server_of(store::Database& db, const store::StoredRestore& restore,
                                                            const RestoreArgs& args) {
    auto stored = store::load_server_restore(db, restore.id);
    if (!stored || *stored || !args.recreate_server) return stored;
    store::StoredServerRestore server{
        restore.id, conductor::restored_server_name(restore.server_name, restore.server_id, restore.point_time),
        args.flavor, args.keep_backup_tag};
    if (auto s = store::insert_server_restore(db, server, wall_now()); !s) return s.error();
    return std::optional<store::StoredServerRestore>(std::move(server));
}

Result<store::StoredServerRestore> boot_server(store::Database& db, openstack::Cloud& cloud,
                                               const config::Config& config, const store::StoredRestore& restore,
                                               store::StoredServerRestore server) {
    auto recorded = recorded_definition(db, restore.server_id, restore.point_time);
    if (!recorded) {
        server.state = store::ServerState::failed;
        server.last_error = recorded.error().message;
        if (auto s = store::record_server_restore(db, server, wall_now()); !s) return s.error();
        return server;
    }
    conductor::ServerRunOptions options;
    options.backup_metadata_key = config.conductor.backup_metadata_key;
    options.poll = std::chrono::milliseconds(1000);
    return conductor::run_server_restore(cloud.nova(), db, restore, std::move(server), *recorded, options);
}

int run_restore(Context& ctx, const RestoreArgs& args) {
    if (!args.server.empty() && !args.project.empty()) {
        print_line(stderr, "staffeln restore: give --server or --project, not both");
        return kExitUsage;
    }
    if (!args.recreate_server && (!args.flavor.empty() || args.keep_backup_tag)) {
        print_line(stderr, "staffeln restore: --flavor and --keep-backup-tag go with --recreate-server");
        return kExitUsage;
    }
    if (args.recreate_server && !args.project.empty()) {
        print_line(stderr, "staffeln restore: --recreate-server goes with --server, not --project");
        return kExitUsage;
    }
    if (!args.cloud.empty() || !args.map_project.empty() || !args.map_network.empty())
        return run_cloud_restore(ctx, args);
    if (!args.project.empty()) return run_project_restore(ctx, args);
    if (args.server.empty()) {
        print_line(stderr, "staffeln restore: give --server S or --project P (or a subcommand: list, status, cleanup)");
        return kExitUsage;
    }
    const core::RestoreInto into = core::restore_into_from(args.into).value_or(core::RestoreInto::new_volumes);
    std::optional<TimePoint> at;
    if (int bad = parse_at(args.at, at); bad != kExitOk) return bad;
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_write, store::Create::never);
    if (!db) return restore_fail(db.error().message);
    if (auto current = db->require_current(); !current) return restore_fail(current.error().message);
    auto server = one_server(*db, args.server);
    if (!server) return restore_fail(server.error().message);
    std::optional<RestoreLock> lock;
    if (!args.dry_run) {
        auto taken = lock_restore(*config, server->id);
        if (!taken) {
            if (taken.error().kind != ErrorKind::conflict) return restore_fail(taken.error().message);
            auto other = store::running_restore(*db, server->id);
            return restore_fail(held_elsewhere(*server, other && *other ? (**other).id : "", taken.error()));
        }
        lock = std::move(*taken);
    }
    auto running = store::running_restore(*db, server->id);
    if (!running) return restore_fail(running.error().message);
    if (*running && at && *at != (*running)->at)
        return restore_fail(fmt::format(
            "server {} has restore {} to {} unfinished: run the command again without "
            "--at to continue it, or `staffeln restore cleanup {}` to delete what it made",
            label(server->name, server->id), (*running)->id, core::format_point_time((*running)->at), (*running)->id));
    if (*running && (*running)->into != into)
        return restore_fail(fmt::format(
            "server {} has restore {} {} unfinished: run the command again with --into {} "
            "to continue it, or `staffeln restore cleanup {}`",
            label(server->name, server->id), (*running)->id,
            (*running)->into == core::RestoreInto::original ? "over its original volumes" : "into new volumes",
            core::to_string((*running)->into), (*running)->id));
    auto connection = openstack::connect(*config);
    if (!connection) return restore_fail(connection.error().message + "; nothing restored");
    openstack::Cloud& cloud = *connection->cloud;

    store::StoredRestore restore;
    if (*running) {
        restore = std::move(**running);
        if (args.dry_run) {
            auto boot =
                dry_run_boot(*db, cloud, plan_of(restore), args, restore.id, config->conductor.backup_metadata_key);
            if (!boot) return restore_fail(boot.error().message);
            print_plan(plan_of(restore), args.format, restore.id, *boot);
            return kExitOk;
        }
        if (args.format == "text")
            print_line(stdout, fmt::format("continuing restore {} of server {} (started {})", restore.id,
                                           label(restore.server_name, restore.server_id),
                                           core::format_point_time(restore.created_at)));
    } else {
        core::RestoreRequest request{at.value_or(wall_now()), args.allow_partial, restore_policy(*config)};
        auto plan = make_plan(*db, cloud, *server, request, into);
        if (!plan) return restore_fail(plan.error().message + "; nothing restored");
        if (args.dry_run) {
            auto boot = dry_run_boot(*db, cloud, *plan, args, "", config->conductor.backup_metadata_key);
            if (!boot) return restore_fail(boot.error().message);
            print_plan(*plan, args.format, "", *boot);
            return kExitOk;
        }
        if (into == core::RestoreInto::original)
            if (int refused = confirm_or_refuse(overwritten(*plan), args.yes); refused != kExitOk) return refused;
        const std::string id = conductor::new_task_id();
        if (auto s = store::insert_restore(*db, id, *plan, wall_now()); !s) return restore_fail(s.error().message);
        auto stored = store::load_restore(*db, id);
        if (!stored) return restore_fail(stored.error().message);
        restore = std::move(stored).value();
    }
    auto recreate = server_of(*db, restore, args);
    if (!recreate) return restore_fail(recreate.error().message);
    const bool server_follows = *recreate && (*recreate)->state != store::ServerState::active;
    std::vector<store::StoredRestore> one;
    one.push_back(std::move(restore));
    auto ran = run_with_progress(*config, cloud, *db, std::move(one), args.format, server_follows);
    if (!ran) return restore_fail(ran.error().message);
    store::StoredRestore& ended = ran->front();
    if (ended.status == "running") {  // every volume done, the server to boot
        auto booted = boot_server(*db, cloud, *config, ended, std::move(**recreate));
        if (!booted) return restore_fail(booted.error().message);
        ended.status = booted->state == store::ServerState::active ? "succeeded" : "failed";
        if (auto s = store::set_restore_status(*db, ended.id, ended.status, wall_now()); !s)
            return restore_fail(s.error().message);
        *recreate = std::move(booted).value();
    }
    print_outcome(ended, args.format, *recreate);
    return ended.status == "succeeded" ? kExitOk : kExitFailed;
}

// ---- staffeln restore status [ID], cleanup ID ------------------------------------------------

struct StatusArgs {
    std::string id;
    std::string format = "text";
};

// The restore's server (--recreate-server) for `restore status --format json`, or null.
nlohmann::json server_status_json(store::Database& db, const std::string& restore_id) {
    auto server = store::load_server_restore(db, restore_id);
    if (!server || !*server) return nullptr;
    const auto& s = **server;
    return {{"name", s.name},
            {"id", s.server_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.server_id)},
            {"state", store::to_string(s.state)},
            {"error", s.last_error}};
}

int run_status(Context& ctx, const StatusArgs& args) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_only, store::Create::never);
    if (!db) return restore_fail(db.error().message);
    if (auto current = db->require_current(); !current) return restore_fail(current.error().message);
    std::vector<store::StoredRestore> restores;
    std::vector<store::StoredProjectRestore> projects;
    if (args.id.empty()) {
        auto all = store::load_restores(*db);
        if (!all) return restore_fail(all.error().message);
        restores = std::move(all).value();
        auto all_projects = store::load_project_restores(*db);
        if (!all_projects) return restore_fail(all_projects.error().message);
        projects = std::move(all_projects).value();
    } else {
        auto one = store::load_restore(*db, args.id);
        if (one) {
            restores.push_back(std::move(one).value());
        } else {
            auto project = store::load_project_restore(*db, args.id);
            if (!project) return restore_fail(one.error().message);
            restores = project->servers;
            projects.push_back(std::move(project).value());
        }
    }
    if (args.format == "json") {
        auto list = nlohmann::json::array();
        for (const auto& r : restores) {
            auto volumes = nlohmann::json::array();
            for (const auto& v : r.volumes)
                volumes.push_back({{"source", v.plan.source_volume_id},
                                   {"backup", v.plan.backup_id},
                                   {"name", v.plan.new_name},
                                   {"restored", v.restored_volume_id.empty() ? nlohmann::json(nullptr)
                                                                             : nlohmann::json(v.restored_volume_id)},
                                   {"state", store::to_string(v.state)},
                                   {"error", v.last_error}});
            list.push_back({{"id", r.id},
                            {"server", r.server_id},
                            {"server_name", r.server_name},
                            {"project_id", r.project_id},
                            {"at", core::format_point_time(r.at)},
                            {"point", core::format_point_time(r.point_time)},
                            {"status", r.status},
                            {"started", core::format_point_time(r.created_at)},
                            {"into", core::to_string(r.into)},
                            {"project_restore", r.project_restore_id.empty() ? nlohmann::json(nullptr)
                                                                             : nlohmann::json(r.project_restore_id)},
                            {"volumes", volumes},
                            {"recreated_server", server_status_json(*db, r.id)}});
        }
        print_json({{"restores", list}, {"project_restores", project_restores_json(projects)}});
        return kExitOk;
    }
    if (restores.empty() && projects.empty()) print_line(stdout, "no restores recorded");
    print_project_restores(projects);
    for (const auto& r : restores) {
        print_line(stdout, fmt::format("restore {} of server {} to {}: {} (started {})", r.id,
                                       label(r.server_name, r.server_id), core::format_point_time(r.point_time),
                                       r.status, core::format_point_time(r.created_at)));
        for (const auto& v : r.volumes)
            print_line(stdout, fmt::format("  volume {}: backup {} -> {} {}{}{}",
                                           label(v.plan.source_name, v.plan.source_volume_id), v.plan.backup_id,
                                           v.restored_volume_id.empty() ? "(none made)" : v.restored_volume_id,
                                           store::to_string(v.state), v.last_error.empty() ? "" : ": ", v.last_error));
        auto server = store::load_server_restore(*db, r.id);
        if (server && *server)
            print_line(stdout, fmt::format("  server {}: {} {}{}{}", (*server)->name,
                                           (*server)->server_id.empty() ? "(none booted)" : (*server)->server_id,
                                           store::to_string((*server)->state),
                                           (*server)->last_error.empty() ? "" : ": ", (*server)->last_error));
    }
    return kExitOk;
}

struct CleanupArgs {
    std::string id;
};

// Deletes the volumes the restore made: those the store recorded and those Cinder shows tagged
// with it for one of its sources (a crash may have kept an id from the store). Nothing else. One
// Cinder already shows deleting, or no longer has, counts deleted (core/restore_cleanup.h), so
// the command run again soon after succeeds.
int run_cleanup(Context& ctx, const CleanupArgs& args) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_write, store::Create::never);
    if (!db) return restore_fail(db.error().message);
    if (auto current = db->require_current(); !current) return restore_fail(current.error().message);
    auto restore = store::load_restore(*db, args.id);
    if (!restore && restore.error().kind == ErrorKind::not_found)
        if (auto project = store::load_project_restore(*db, args.id))
            return cleanup_project_restore(*config, *db, *project);
    if (!restore) return restore_fail(restore.error().message);
    auto lock = lock_restore(*config, restore->server_id);
    if (!lock) {
        if (lock.error().kind != ErrorKind::conflict) return restore_fail(lock.error().message + "; nothing deleted");
        return restore_fail(
            held_elsewhere({restore->server_id, restore->server_name, restore->project_id}, restore->id, lock.error()));
    }
    auto connection = openstack::connect(*config);
    if (!connection) return restore_fail(connection.error().message + "; nothing deleted");
    // The server booted from the volumes first: its volumes are attached until it is gone.
    auto server = store::load_server_restore(*db, restore->id);
    if (!server) return restore_fail(server.error().message + "; nothing deleted");
    if (*server)
        if (auto s = conductor::delete_restored_servers(connection->cloud->nova(), *restore, *server, stdout); !s)
            return restore_fail(s.error().message);
    auto count = cleanup_restore(connection->cloud->cinder(), *restore, server->has_value());
    if (!count) return restore_fail(count.error().message + "; nothing deleted");
    if (count->not_deleted)
        return restore_fail(
            fmt::format("restore {}: {} of {} volumes not deleted (named above); run the cleanup "
                        "again once they are available",
                        args.id, count->not_deleted, count->volumes));
    if (auto s = store::set_restore_status(*db, args.id, "cleaned", wall_now()); !s)
        return restore_fail(s.error().message);
    print_line(stdout,
               fmt::format("restore {}: {} volume{} deleted", args.id, count->volumes, count->volumes == 1 ? "" : "s"));
    return kExitOk;
}

}  // namespace

Result<CleanupCount> cleanup_restore(openstack::Cinder& cinder, const store::StoredRestore& restore,
                                     bool server_was_booted) {
    if (restore.into == core::RestoreInto::original) {
        print_line(stdout, fmt::format("restore {} wrote over the original volumes of server {}: it made no volume "
                                       "to delete",
                                       restore.id, label(restore.server_name, restore.server_id)));
        return CleanupCount{};
    }
    // Each volume made, as Cinder shows it (nullopt: 404).
    std::map<std::string, std::optional<Volume>> made;
    for (const auto& v : restore.volumes) {
        openstack::VolumeQuery query;
        query.project_id = restore.project_id;
        query.metadata = {{core::kRestoreTag, restore.id}, {core::kRestoreSourceTag, v.plan.source_volume_id}};
        auto tagged = cinder.list_volumes(query);
        if (!tagged) return tagged.error();
        for (auto& t : *tagged) {
            // A copy restored from a volume this restore made carries its tags until tagged
            // again; its src_backup_id names another backup than the plan's.
            auto src = t.metadata.find(core::kSourceBackupKey);
            if (src == t.metadata.end() || src->second == v.plan.backup_id) made[t.id] = std::move(t);
        }
    }
    for (const auto& v : restore.volumes) {
        if (v.restored_volume_id.empty() || made.count(v.restored_volume_id)) continue;
        auto got = cinder.get_volume(v.restored_volume_id, restore.project_id);
        if (!got && got.error().kind != ErrorKind::not_found) return got.error();
        made[v.restored_volume_id] = got ? std::optional<Volume>(std::move(got).value()) : std::nullopt;
    }
    if (server_was_booted) conductor::wait_detached(cinder, restore.project_id, made);
    CleanupCount count{made.size(), 0};
    for (const auto& [id, shown] : made) {
        if (core::cleanup_action(shown) == core::CleanupAction::already_deleted) {
            print_line(stdout, fmt::format("volume {} already {}", id, shown ? "deleting" : "gone"));
            continue;
        }
        failpoint::hit("restore.cleanup.before_delete");
        auto deleted = cinder.delete_volume(id, restore.project_id);
        if (!deleted && deleted.error().kind != ErrorKind::not_found) {
            ++count.not_deleted;
            print_line(stderr, fmt::format("staffeln restore cleanup: volume {}: {}", id, deleted.error().message));
            continue;
        }
        print_line(stdout, fmt::format("deleted volume {}", id));
    }
    return count;
}

void add_restore(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "restore",
        "Restore a server's, or a project's, volumes from their automated backups, into new ones or over them");
    cmd->require_subcommand(0, 1);
    auto restore_args = std::make_shared<RestoreArgs>();
    cmd->add_option("--server", restore_args->server, "The server (ID, or name as staffeln recorded it)");
    cmd->add_option("--project", restore_args->project, "Every server of this project (ID) with automated backups");
    cmd->add_option("--at", restore_args->at, "The time to restore to (default: now), e.g. 2026-12-05T05:20:00Z");
    cmd->add_option("--into", restore_args->into,
                    "Where: new volumes, or over the original volumes (they must be detached)")
        ->check(CLI::IsMember({"new", "original"}))
        ->capture_default_str();
    cmd->add_flag("--yes", restore_args->yes, "With --into original: overwrite without asking");
    cmd->add_flag("--allow-partial", restore_args->allow_partial,
                  "Restore the volumes that have a backup at that time, leaving out those without");
    cmd->add_flag("--recreate-server", restore_args->recreate_server,
                  "Then boot a new server from the restored volumes, as the server was recorded");
    cmd->add_option("--flavor", restore_args->flavor,
                    "With --recreate-server: this flavor (ID or name) instead of the recorded one");
    cmd->add_flag("--keep-backup-tag", restore_args->keep_backup_tag,
                  "With --recreate-server: keep the backup metadata key on the new server (it is then backed up)");
    cmd->add_option("--cloud", restore_args->cloud,
                    "Restore on this cloud (a clouds.yaml entry) from the backups `staffeln backup import` put "
                    "there; --dry-run only so far");
    cmd->add_option("--map-project", restore_args->map_project,
                    "With --cloud: OLD=NEW, the recorded project (ID or name) to one of that cloud's (ID or name)");
    cmd->add_option("--map-network", restore_args->map_network,
                    "With --cloud and --recreate-server: OLD=NEW_ID, a recorded network name to a network ID there");
    cmd->add_flag("--dry-run", restore_args->dry_run, "Print the plan and change nothing");
    cmd->add_option("--format", restore_args->format, "What to print: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd->callback([&ctx, cmd, restore_args] {
        if (cmd->get_subcommands().empty()) ctx.exit_code = run_restore(ctx, *restore_args);
    });

    auto status_args = std::make_shared<StatusArgs>();
    auto* status = cmd->add_subcommand("status", "Show the recorded restores, or one, and how far each volume got");
    status->add_option("ID", status_args->id, "The restore (default: every one, newest first)");
    status->add_option("--format", status_args->format, "What to print: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    status->callback([&ctx, status_args] { ctx.exit_code = run_status(ctx, *status_args); });

    auto cleanup_args = std::make_shared<CleanupArgs>();
    auto* cleanup = cmd->add_subcommand("cleanup", "Delete the volumes a restore made, and nothing else");
    cleanup->add_option("ID", cleanup_args->id, "The restore")->required();
    cleanup->callback([&ctx, cleanup_args] { ctx.exit_code = run_cleanup(ctx, *cleanup_args); });

    auto args = std::make_shared<ListArgs>();
    auto* list = cmd->add_subcommand("list", "List a server's restore points, or those of a project's servers");
    list->add_option("--server", args->server, "The server (ID, or name as staffeln recorded it)");
    list->add_option("--project", args->project, "Every server of this project (ID)");
    list->add_option("--format", args->format, "What to print: text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    list->callback([&ctx, args] { ctx.exit_code = run_list(ctx, *args); });
}

}  // namespace staffeln::cli
