// `staffeln restore --server S --cloud NAME [--map-project OLD=NEW] [--recreate-server [--flavor F]
// [--map-network OLD=NEW_ID]] [--at TIME] --dry-run [--format text|json]`: where the server's
// backups, imported on cloud NAME by `staffeln backup import`, would be restored there
// (docs/restore.md#another-cloud). From this store: the server's history and recorded definition;
// from cloud NAME: its backups (the imported ones keep their IDs), projects and flavors; the
// mapping is core/cloud_mapping.h's. Only the dry run is built: it changes nothing anywhere.
// Exit 0 the plan printed, 1 something does not map (each named) or cannot be read, 2 bad usage.
#include "restore_cli.h"

#include "restore_server_view.h"
#include "staffeln/core/cloud_mapping.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/store/database.h"
#include "staffeln/store/restore_history.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

namespace staffeln::cli {
namespace {

int usage(const std::string& message) {
    print_line(stderr, "staffeln restore: " + message);
    return kExitUsage;
}

// The recorded project's name on the cloud staffeln backs up, for mapping by name; "" with a note
// when that cloud cannot tell (it may be the one that is gone).
std::string source_project_name(const config::Config& config, const std::string& project_id,
                                std::vector<std::string>& notes) {
    auto connection = openstack::connect(config);
    auto projects =
        connection ? connection->cloud->keystone().list_projects() : Result<std::vector<Project>>(connection.error());
    if (!projects) {
        notes.push_back(
            fmt::format("the name of project {} is not known (this cloud's projects: {}): it maps by ID "
                        "or --map-project only",
                        project_id, projects.error().message));
        return "";
    }
    for (const auto& p : *projects)
        if (p.id == project_id) return p.name;
    notes.push_back(
        fmt::format("this cloud has no project {} any more: it maps by ID or --map-project only", project_id));
    return "";
}

void print_mapping(const core::RestorePlan& plan, const core::CloudMapping& mapping, const RestoreArgs& args,
                   const std::vector<std::string>& notes) {
    if (args.format == "json") {
        auto out = plan_json(plan, "");
        out["cloud"] = args.cloud;
        out["project"] = mapping.project_id;
        out["server"] = args.recreate_server
                            ? nlohmann::json{{"flavor", mapping.flavor_id}, {"networks", mapping.networks}}
                            : nlohmann::json(nullptr);
        out["notes"] = notes;
        print_json(out);
        return;
    }
    print_line(stdout, fmt::format("on cloud {}:", args.cloud));
    print_plan(plan, args.format, "");
    if (args.recreate_server) {
        print_line(stdout, fmt::format("  server: flavor {}", mapping.flavor_id));
        for (const auto& [from, to] : mapping.networks) print_line(stdout, fmt::format("  network {} -> {}", from, to));
    }
    for (const auto& note : notes) print_line(stdout, "  note: " + note);
}

}  // namespace

int run_cloud_restore(Context& ctx, const RestoreArgs& args) {
    if (args.cloud.empty()) return usage("--map-project and --map-network go with --cloud");
    if (args.server.empty()) return usage("--cloud goes with --server (a whole project on another cloud: not yet)");
    if (args.into != "new") return usage("--cloud restores into new volumes there, not --into original");
    if (!args.map_network.empty() && !args.recreate_server)
        return usage("--map-network goes with --recreate-server (only a booted server has networks)");
    if (!args.dry_run)
        return usage(
            "--cloud needs --dry-run: the mapping and the plan are shown, the restore on another cloud is "
            "not built yet");
    core::MapOptions options;
    options.flavor = args.flavor;
    options.boot = args.recreate_server;
    auto projects = core::parse_name_maps("--map-project", args.map_project);
    if (!projects) return usage(projects.error().message);
    options.projects = std::move(projects).value();
    auto networks = core::parse_name_maps("--map-network", args.map_network);
    if (!networks) return usage(networks.error().message);
    options.networks = std::move(networks).value();
    std::optional<TimePoint> at;
    if (int bad = parse_at(args.at, at); bad != kExitOk) return bad;

    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_only, store::Create::never);
    if (!db) return restore_fail(db.error().message);
    if (auto current = db->require_current(); !current) return restore_fail(current.error().message);
    auto server = one_server(*db, args.server);
    if (!server) return restore_fail(server.error().message);
    auto history = store::load_history(*db, *server);
    if (!history) return restore_fail(history.error().message);

    auto target = openstack::connect(*config, args.cloud);
    if (!target) return restore_fail(fmt::format("--cloud {}: {}", args.cloud, target.error().message));
    openstack::Cloud& cloud = *target->cloud;
    // The imported backups are the admin's on that cloud (as the recorded import shows), not the
    // project's: they are looked for among all.
    auto backups = cloud.cinder().list_backups({});
    if (!backups) return restore_fail(fmt::format("cloud {}: {}", args.cloud, backups.error().message));
    core::RestoreRequest request{at.value_or(wall_now()), args.allow_partial, restore_policy(*config)};
    auto plan = core::plan_server_restore(*history, {}, *backups, request);
    if (!plan)
        return restore_fail(fmt::format("cloud {}: {} (import them there with `staffeln backup import`)", args.cloud,
                                        plan.error().message));
    auto recorded = recorded_definition(*db, plan->server_id, plan->point_time);
    if (!recorded) return restore_fail(recorded.error().message);

    std::vector<std::string> notes;
    const std::string name = source_project_name(*config, plan->project_id, notes);
    core::TargetCloud there{args.cloud, {}, {}};
    auto listed = cloud.keystone().list_projects();
    if (!listed) return restore_fail(fmt::format("cloud {}: {}", args.cloud, listed.error().message));
    there.projects = std::move(listed).value();
    if (args.recreate_server) {
        auto flavors = cloud.nova().list_flavors();
        if (!flavors) return restore_fail(fmt::format("cloud {}: {}", args.cloud, flavors.error().message));
        there.flavors = std::move(flavors).value();
    }
    auto mapped = core::map_to_cloud(*recorded, name, there, options);
    if (!mapped.mapping) {
        for (const auto& note : notes) print_line(stderr, "staffeln restore: note: " + note);
        for (const auto& error : mapped.errors) print_line(stderr, "staffeln restore: " + error);
        return restore_fail(
            fmt::format("{} of server {} not mapped to cloud {}; nothing restored",
                        mapped.errors.size() == 1 ? "one thing" : std::to_string(mapped.errors.size()) + " things",
                        label(plan->server_name, plan->server_id), args.cloud));
    }
    plan->project_id = mapped.mapping->project_id;
    notes.insert(notes.end(), mapped.mapping->notes.begin(), mapped.mapping->notes.end());
    print_mapping(*plan, *mapped.mapping, args, notes);
    return kExitOk;
}

}  // namespace staffeln::cli
