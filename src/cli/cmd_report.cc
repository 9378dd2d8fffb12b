// `staffeln report`: the conductor's report pass on demand, whatever report_period says,
// with the cloud's names, quotas and members when credentials are found.
// Documents (html, text or json) go to stdout or --output; one status line per project to
// stderr. --dry-run opens the store read-only: nothing is sent, nothing is written.
#include "context.h"

#include "staffeln/log.h"
#include "staffeln/openstack/connect.h"
#include "staffeln/report/cloud_inputs.h"
#include "staffeln/report/inputs.h"
#include "staffeln/report/render.h"
#include "staffeln/report/reporter.h"
#include "staffeln/store/database.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace staffeln::cli {
namespace {

using report::Delivery;
using report::ProjectReport;

struct ReportArgs {
    bool dry_run = false;
    std::string project_id;
    std::string format = "text";
    std::string output;
};

// The cloud when credentials are found (OS_* variables or clouds.yaml, as the conductor);
// otherwise what the store knows: project ids as names, quotas unknown, no member addresses.
struct Inputs {
    std::unique_ptr<openstack::Cloud> cloud;
    std::unique_ptr<report::ReportInputs> inputs;
};

Inputs report_inputs(const config::Config& config) {
    auto connection = openstack::connect(config);
    if (!connection) {
        log::warning("report",
                     "no cloud credentials ({}): project names are their ids, quotas unknown, members' "
                     "addresses unknown",
                     connection.error().message);
        return {nullptr, std::make_unique<report::StoreOnlyInputs>()};
    }
    auto inputs = std::make_unique<report::CloudInputs>(
        *connection->cloud,
        core::ProjectScopeLists{config.conductor.include_projects, config.conductor.exclude_projects});
    return {std::move(connection->cloud), std::move(inputs)};
}

bool rendered(const ProjectReport& r) { return r.delivery != Delivery::not_due && !r.html.empty(); }

nlohmann::json report_json(const ProjectReport& r) {
    auto out = report::to_json(r.digest);
    out["subject"] = r.subject;
    out["recipients"] = r.recipients.addresses;
    out["recipient_source"] = report::to_string(r.recipients.source);
    out["delivery"] = report::to_string(r.delivery);
    out["detail"] = r.detail;
    return out;
}

std::string document(const std::vector<ProjectReport>& reports, const std::string& format) {
    if (format == "json") {
        auto all = nlohmann::json::array();
        for (const auto& r : reports) all.push_back(report_json(r));
        // ensure_ascii: names and reasons from the cloud reach the terminal as \u escapes beyond
        // ASCII (C1 controls and line separators among them), the same strings to a JSON reader.
        return all.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) + "\n";
    }
    std::string out;
    for (const auto& r : reports) {
        if (!rendered(r)) continue;
        if (!out.empty() && format == "text") out += std::string(72, '-') + "\n\n";
        out += format == "html" ? r.html : r.text;
    }
    return out;
}

Status write_output(const std::string& text, const std::string& path) {
    if (path.empty()) {
        std::cout << text << std::flush;
        return {};
    }
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) return make_error(ErrorKind::io, fmt::format("cannot write {}", path));
    return {};
}

void print_status(const ProjectReport& r) {
    print_line(stderr, fmt::format("project {} ({}): {}{}{}", r.digest.project_id, r.digest.project_name,
                                   report::to_string(r.delivery), r.detail.empty() ? "" : ": ", r.detail));
}

int fail(const Error& error) {
    print_line(stderr, fmt::format("staffeln report: {}", error.message));
    return kExitFailed;
}

int run_report(Context& ctx, const ReportArgs& args) {
    auto config = ctx.load_config();
    if (!config) return ctx.exit_code;
    auto access = args.dry_run ? store::Access::read_only : store::Access::read_write;
    auto db = store::Database::open(config->database.path, access, store::Create::never);
    if (!db) return fail(db.error());
    if (auto current = db->require_current(); !current) return fail(current.error());
    auto inputs = report_inputs(*config);
    auto now = std::chrono::floor<std::chrono::seconds>(Clock::now());
    report::RunOptions options{args.dry_run, false, args.project_id};
    auto reports = report::run_reports(*db, report::report_settings(*config), *inputs.inputs, now, options);
    if (!reports) return fail(reports.error());
    if (reports->empty()) fmt::print(stderr, "no finished backup tasks to report\n");
    for (const auto& r : *reports) print_status(r);
    if (auto written = write_output(document(*reports, args.format), args.output); !written)
        return fail(written.error());
    bool all_went = std::all_of(reports->begin(), reports->end(), [&](const ProjectReport& r) {
        return r.delivery != Delivery::failed && (args.dry_run || r.delivery != Delivery::skipped);
    });
    return all_went ? kExitOk : kExitFailed;
}

}  // namespace

void add_report(CLI::App& app, Context& ctx) {
    auto args = std::make_shared<ReportArgs>();
    auto* cmd = app.add_subcommand("report", "Render and send the per-project backup reports now");
    cmd->add_flag("--dry-run", args->dry_run, "Show each report and its recipients; send nothing, change nothing");
    cmd->add_option("--project", args->project_id, "Only this project (ID)");
    cmd->add_option("--format", args->format, "What to print: html, text or json")
        ->check(CLI::IsMember({"html", "text", "json"}))
        ->capture_default_str();
    cmd->add_option("--output", args->output, "Write the reports to this file instead of stdout");
    cmd->callback([&ctx, args] { ctx.exit_code = run_report(ctx, *args); });
}

}  // namespace staffeln::cli
