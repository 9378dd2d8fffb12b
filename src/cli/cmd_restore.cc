// `staffeln restore list (--server S | --project P) [--format text|json]`: a server's restore
// points (core/restore_points.h), or those of every server of a project, from the store alone
// (read-only; no cloud request). Exit 0 listed, 1 no record of that server or project or the
// store unreadable, 2 bad usage or configuration.
#include "context.h"

#include "staffeln/core/restore_points.h"
#include "staffeln/store/database.h"
#include "staffeln/store/restore_history.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

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

// Backups whose data times lie within half a backup period are one cycle: a cycle's creates
// take seconds to minutes, and cycles start a period apart.
core::RestorePolicy restore_policy(const config::Config& config) {
    return core::RestorePolicy{std::chrono::seconds(config.conductor.backup_service_period / 2)};
}

std::string label(const std::string& name, const std::string& id) {
    return name.empty() ? id : fmt::format("{} ({})", name, id);
}

struct Listed {
    store::KnownServer server;
    std::vector<core::RestorePoint> points;
};

void print_text(const std::vector<Listed>& listed) {
    bool first = true;
    for (const auto& [server, points] : listed) {
        if (!first) std::fputc('\n', stdout);
        first = false;
        print_line(stdout, fmt::format("server {} in project {}: {} restore point{}", label(server.name, server.id),
                                       server.project_id, points.size(), points.size() == 1 ? "" : "s"));
        if (points.empty()) print_line(stdout, "  none: no volume of it has an available automated backup");
        for (const auto& p : points) {
            print_line(stdout,
                       fmt::format("  {}  {}, {}", core::format_point_time(p.time), p.complete ? "complete" : "partial",
                                   p.consistent ? "consistent" : "not consistent"));
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

nlohmann::json to_json(const std::vector<Listed>& listed) {
    auto servers = nlohmann::json::array();
    for (const auto& [server, points] : listed) {
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
                            {"volumes", volumes}});
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
        listed.push_back({std::move(server), core::restore_points(*history, restore_policy(*config))});
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

void add_restore(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("restore", "Restore points of servers, from their automated backups");
    cmd->require_subcommand(1);
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
