// `staffeln retention explain (--server S | --volume V) [--at TIME]`: for every backup of the
// server's volumes (or of one volume), kept or deleted and by which rule, as the retention cycle
// would decide at TIME (default now), with the configuration's policy, the servers' metadata and
// the project scope (conductor/retention_explain.h). Reads Nova's servers, Cinder's backups of
// those volumes and the store's task records; changes nothing. The store alone would not do: it
// holds neither the servers' metadata (their retention overrides) nor users' backups (which hold
// chains). Exit 0 explained, 1 unknown server or volume or the cloud or store unreadable, 2 bad
// usage or configuration.
#include "context.h"

#include "staffeln/conductor/retention_cycle.h"
#include "staffeln/conductor/retention_explain.h"
#include "staffeln/core/retention_explanation.h"
#include "staffeln/core/retention_rules.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/openstack/iso_time.h"
#include "staffeln/store/database.h"
#include "staffeln/text_safety.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>

namespace staffeln::cli {
namespace {

struct ExplainArgs {
    std::string server;
    std::string volume;
    std::string at;
};

int fail(const std::string& message) {
    print_line(stderr, fmt::format("staffeln retention explain: {}", message));
    return kExitFailed;
}

int usage(const std::string& message) {
    print_line(stderr, fmt::format("staffeln retention explain: {}", message));
    return kExitUsage;
}

// The server whose id, or name, is `wanted`.
Result<const Server*> find_server(const std::vector<Server>& servers, const std::string& wanted) {
    std::vector<const Server*> named;
    for (const auto& s : servers) {
        if (s.id == wanted) return &s;
        if (s.name == wanted) named.push_back(&s);
    }
    if (named.empty())
        return make_error(ErrorKind::not_found,
                          fmt::format("server {}: Nova lists no server with this ID or name", wanted));
    if (named.size() > 1) {
        std::vector<std::string> ids;
        for (const auto* s : named) ids.push_back(s->id);
        return make_error(ErrorKind::invalid_input, fmt::format("server name {} is ambiguous: servers {} have it; "
                                                                "give the ID",
                                                                wanted, fmt::join(ids, ", ")));
    }
    return named.front();
}

std::string policy_line(const config::Config& config) {
    const auto& c = config.conductor;
    auto rules = c.retention_policy.empty()
                     ? std::string("none")
                     : core::format_retention_rules(*core::parse_retention_rules(c.retention_policy));
    return fmt::format(
        "policy: retention_time {}, retention_policy {} (timezone {}), safety floor {}; "
        "a server's metadata {} and {} override them",
        format_calendar_duration(c.retention_time), rules, c.timezone, c.retention_safety_floor ? "on" : "off",
        c.retention_metadata_key.empty() ? "(no retention key)" : c.retention_metadata_key,
        c.retention_policy_metadata_key.empty() ? "(no policy key)" : c.retention_policy_metadata_key);
}

int run_explain(Context& ctx, const ExplainArgs& args) {
    if (args.server.empty() == args.volume.empty())
        return usage(args.server.empty() ? "give --server S or --volume V" : "give --server or --volume, not both");
    TimePoint now = std::chrono::time_point_cast<std::chrono::seconds>(Clock::now());
    if (!args.at.empty()) {
        auto at = openstack::parse_iso_time(args.at);
        if (!at)
            return usage(
                fmt::format("--at {}: not a time from {} to {}; give it as 2026-12-05T05:20:00Z (UTC) or "
                            "with an offset",
                            args.at, openstack::kEarliestYear, openstack::kLatestYear));
        now = *at;
    }
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto db = store::Database::open(config->database.path, store::Access::read_only, store::Create::never);
    if (!db) return fail(db.error().message);
    if (auto current = db->require_current(); !current) return fail(current.error().message);
    auto connection = openstack::connect(*config);
    if (!connection) return fail(connection.error().message);
    auto& cloud = *connection->cloud;
    auto servers = cloud.nova().list_servers({});
    if (!servers) return fail(servers.error().context("listing servers of every project").message);
    std::vector<std::string> volume_ids;
    std::string subject;
    if (!args.server.empty()) {
        auto server = find_server(*servers, args.server);
        if (!server) return fail(server.error().message);
        const Server& s = **server;
        volume_ids = s.volume_ids;
        subject = fmt::format("server {} ({}) in project {}: {} volume{}", s.name, s.id, s.project_id,
                              volume_ids.size(), volume_ids.size() == 1 ? "" : "s");
    } else {
        volume_ids = {args.volume};
    }
    auto planned = conductor::plan_retention_of_volumes(*config, cloud, *db, std::move(*servers), volume_ids, now);
    if (!planned) return fail(planned.error().message);
    const auto& input = planned->input;
    if (!args.volume.empty() && input.groups.empty()) {
        bool attached = std::any_of(input.servers.begin(), input.servers.end(), [&](const Server& s) {
            return std::find(s.volume_ids.begin(), s.volume_ids.end(), args.volume) != s.volume_ids.end();
        });
        if (!attached)
            return fail(
                fmt::format("volume {}: Cinder lists no backup of it and no server Nova lists has it "
                            "attached",
                            args.volume));
    }
    if (!args.server.empty()) print_line(stdout, subject);
    print_line(stdout, fmt::format("now: {:%Y-%m-%d %H:%M:%S} UTC ({})", now, args.at.empty() ? "the clock" : "--at"));
    print_line(stdout, policy_line(*config));
    for (const auto& w : planned->scope.warnings) print_line(stdout, "warning: " + w);
    for (const auto& w : planned->plan.warnings) print_line(stdout, "warning: " + w.message);
    for (const auto& volume_id : volume_ids) {
        bool listed = false;
        for (std::uint32_t g = 0; g < input.groups.size(); ++g) {
            if (input.groups[g].volume_id != volume_id) continue;
            listed = true;
            auto scope = planned->scope.scope.decide(input.groups[g].project_id);
            auto explained = core::explain_group(input, planned->plan, g, scope);
            print_line(stdout, core::explain_heading(input, g, explained));
            for (const auto& e : explained) print_line(stdout, core::explain_line(e, input));
        }
        if (!listed) print_line(stdout, fmt::format("volume {}: no backups", volume_id));
    }
    return kExitOk;
}

}  // namespace

void add_retention(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("retention", "Show what retention keeps and deletes, and why");
    cmd->require_subcommand(1);
    auto args = std::make_shared<ExplainArgs>();
    auto* explain = cmd->add_subcommand(
        "explain", "For every backup of a server's volumes (or of a volume): kept or deleted, and by which rule");
    explain->add_option("--server", args->server, "The server (ID, or name as Nova lists it)");
    explain->add_option("--volume", args->volume, "The volume (ID)");
    explain->add_option("--at", args->at, "Explain as of this time (default: now), e.g. 2026-12-05T05:20:00Z");
    explain->callback([&ctx, args] { ctx.exit_code = run_explain(ctx, *args); });
}

}  // namespace staffeln::cli
